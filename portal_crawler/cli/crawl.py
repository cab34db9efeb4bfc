"""`crawl` and `demo`: thin commands over ``portal_crawler.crawl`` and ``run_demo``."""
from __future__ import annotations

import importlib.util
import json
import shutil
import signal
import sys

import click
from rich.table import Table

from portal_crawler.cli.common import DEFAULT_DB, EXIT_ERRORS, EXIT_LOCKED, err, fail, main, out, parse_settings
from portal_crawler.terminal import plain, safe
from portal_crawler.crawler.run import ArchiveLocked, CrawlInputError, CrawlResult, ExitCode, crawl as run_crawl


SHOW_FAILED = 10  # failed requests named in the run summary (`stats` lists them all)


def print_run_summary(result: CrawlResult, db) -> None:
    from portal_crawler.crawler.extensions.progress import site_table
    out.print(site_table(result.stats, result.sites,
                         title=f"crawl finished in {result.elapsed:.1f} s ({safe(result.finish_reason)})"))
    a = result.articles
    rate = result.requests / result.elapsed if result.elapsed else 0
    out.print(f"{result.requests} requests, {rate:.0f}/s; articles new {a['new']}, updated {a['updated']}, "
              f"unchanged {a['unchanged']}, duplicate {a['duplicate']}; errors {result.errors}")
    if result.failed:
        from portal_crawler.cli.hints import command
        out.print(f"failed after retries ({len(result.failed)}, all listed by `{safe(command('stats', '--db', db))}`):")
        for f in result.failed[:SHOW_FAILED]:
            out.print(f"  {safe(f['site'])}  {safe(f['url'])}  ({safe(f['error'])})")
        if len(result.failed) > SHOW_FAILED:
            out.print(f"  ... and {len(result.failed) - SHOW_FAILED} more")
    for w in result.warnings:  # limit hits, sites with nothing to crawl (exit 5)
        click.echo(f"warning: {plain(w)}", err=True)
    for f in result.findings:  # monitors (exit 7): one line each
        click.echo(f"finding: {plain(f['kind'] + ': ' + f['message'])}", err=True)
    if result.exit_code == ExitCode.UNFINISHED:
        err.print(f"crawl stopped before the end: {safe(result.finish_reason)}; `--resume` continues it")


@main.command()
@click.option("--sites-file", type=click.Path(dir_okay=False),
              help="TOML file adding or overriding sites (default: ./sites.toml if present).")
@click.option("--site", "site_keys", multiple=True, help="Site key to crawl (repeatable).")
@click.option("--all", "all_sites", is_flag=True, help="Every configured site, concurrently.")
@click.option("--db", default=DEFAULT_DB, show_default=True, help="SQLite archive (created if missing).")
@click.option("--channel", multiple=True, help="Only this channel (Chinese name or directory), repeatable.")
@click.option("--since", help="Only articles published on or after this date.")
@click.option("--max-articles", type=click.IntRange(min=1), help="At most N new articles per site.")
@click.option("--refresh-days", type=click.IntRange(min=0), help="Re-fetch known articles of the last N days.")
@click.option("--overlap", type=click.IntRange(min=0), help="List pages read past the first page of known articles (default 0).")
@click.option("--resume", is_flag=True, help="Continue an interrupted crawl of this archive.")
@click.option("--contact", help="Contact URL or e-mail for the User-Agent.")
@click.option("--delay", type=click.FloatRange(min=0), help="Override every site's download delay (s).")
@click.option("--concurrency", type=click.IntRange(min=1), help="Override every site's concurrency.")
@click.option("--set", "set_", multiple=True, metavar="KEY=VALUE", help="A Scrapy setting (repeatable).")
@click.option("--summary-json", type=click.Path(dir_okay=False), help="Write the run's summary as JSON here.")
@click.option("--no-progress", is_flag=True, help="No live progress display.")
@click.option("--redis", "redis_url", metavar="URL",
              help="Coordinate a crawl shared with `portal-crawler worker --redis URL` processes.")
@click.option("-v", "--verbose", is_flag=True, help="Scrapy's INFO log.")
def crawl(sites_file, site_keys, all_sites, db, channel, since, max_articles, refresh_days, overlap, resume, contact,
          delay, concurrency, set_, summary_json, no_progress, redis_url, verbose):
    """Crawl sites into the archive (incremental by default)."""
    if all_sites and site_keys:
        fail("give --site KEY or --all, not both")
    try:
        result = run_crawl(db, "all" if all_sites else list(site_keys), sites_file=sites_file, channels=channel,
                           since=since, max_articles=max_articles, refresh_days=refresh_days, overlap=overlap,
                           resume=resume, delay=delay, concurrency=concurrency, contact=contact,
                           progress=not no_progress and err.is_terminal, log_level="INFO" if verbose else "WARNING",
                           settings=parse_settings(set_), redis=redis_url)
    except CrawlInputError as e:
        fail(str(e))
    except ArchiveLocked as e:
        fail(str(e), EXIT_LOCKED)
    if result.exit_code == ExitCode.UNFINISHED:
        # Stopped: everything downloaded is committed and the writer is gone. A signal
        # still arriving while the summary prints or the interpreter exits changes
        # nothing: the exit code stays 4, never a death by signal. (Ignored, not blocked:
        # a mask is per thread, and finalization resets Python handlers, not SIG_IGN.)
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, signal.SIG_IGN)
    print_run_summary(result, db)
    if summary_json:
        with open(summary_json, "w", encoding="utf-8") as f:
            json.dump(result.summary(), f, ensure_ascii=False, indent=2)
    if result.archive_error:
        fail(f"crawl stopped: {result.archive_error}", result.exit_code)
    sys.exit(result.exit_code)


def demo_hints(db) -> list[str]:
    """Commands to try on the demo's archive, each runnable as printed from here."""
    from portal_crawler.cli.hints import command, quote
    hints = [command("search", "疫情", "--db", db)]
    if importlib.util.find_spec("datasette"):  # the `serve` extra
        hints.append(command("serve", "--db", db))
    if shutil.which("sqlite3"):
        hints.append(f"sqlite3 {quote(db)} "
                     + quote("SELECT site, channel, published_at, title FROM articles "
                                   "ORDER BY published_at DESC LIMIT 5"))
    return hints


@main.command()
@click.option("--db", default="data/demo.db", show_default=True, help="SQLite archive for the demo.")
@click.option("--fresh/--keep", default=True, show_default=True, help="Start from an empty archive.")
def demo(db, fresh):
    """Start the replica network, crawl 5 of its sites, and show what was archived."""
    from portal_crawler.replica.demo import run_demo
    try:
        rep = run_demo(db, fresh=fresh, progress=err.is_terminal)
    except CrawlInputError as e:
        fail(str(e))
    except ArchiveLocked as e:
        fail(str(e), EXIT_LOCKED)
    out.print(f"replica network: {safe(', '.join(f'{k} {u}' for k, u in rep.base_urls.items()))}")
    t = Table(title="archived articles per site and channel")
    for c in ("site", "channel", "articles"):
        t.add_column(c, justify="right" if c == "articles" else "left")
    for row in rep.summary:
        t.add_row(safe(row["site"]), safe(row["channel"] or "-"), str(row["articles"]))
    out.print(t)
    r, check = rep.result, rep.truth_check
    out.print(f"{r.requests} pages in {r.elapsed:.1f} s ({r.requests / r.elapsed:.0f} pages/s); archive {safe(db)}")
    out.print(f"checked against the replica's truth: {check['matched']}/{check['expected']} articles equal "
              f"field by field" + ("" if check["ok"] else f"; differences: {safe(check['problems'][:5])}"))
    click.echo("\ntry:\n  " + "\n  ".join(demo_hints(db)))
    sys.exit(r.exit_code if rep.ok else EXIT_ERRORS)
