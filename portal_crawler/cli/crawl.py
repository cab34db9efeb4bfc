"""`crawl` and `demo`."""
from __future__ import annotations

import sys
import time
from pathlib import Path

import click
from rich.table import Table

from portal_crawler.cli import (EXIT_ERRORS, EXIT_LOCKED, EXIT_NOTHING, EXIT_OK, EXIT_UNFINISHED, DEFAULT_DB, err, fail,
                                load_registry, main, out)
from portal_crawler.sites.registry import SitesError


def run_crawl(db: str, sites, *, resume=False, progress=True, contact=None, overrides=None, **spider_args) -> int:
    from portal_crawler.crawl.limits import LimitError, nothing_to_crawl, run_warnings
    from portal_crawler.crawl.lock import ArchiveLocked
    from portal_crawler.crawl.pipelines import run_stats
    from portal_crawler.crawl.run import build_settings, crawl
    try:
        settings = build_settings(db, sites, resume=resume, progress=progress, contact=contact, overrides=overrides)
    except LimitError as e:
        fail(str(e))
    settings.set("PORTAL_RUN_ARGS", {"sites": [s.key for s in sites], "resume": resume,
                                     **{k: v for k, v in spider_args.items() if v not in (None, [], False)}})
    started = time.monotonic()
    try:
        stats = crawl(db, sites, settings=settings, full_lists=resume, **spider_args)
    except ArchiveLocked as e:
        fail(str(e), EXIT_LOCKED)
    elapsed = time.monotonic() - started
    print_run_summary(stats, [s.key for s in sites], elapsed)
    per_site = run_stats(stats, [s.key for s in sites])["per_site"]
    for w in run_warnings(per_site):
        click.echo(f"warning: {w}", err=True)
    empty = nothing_to_crawl(per_site, spider_args.get("channels"))
    for w in empty:
        click.echo(f"warning: {w}", err=True)
    reason = stats.get("finish_reason", "finished")
    if reason != "finished":
        err.print(f"crawl stopped before the end: {reason}; `--resume` continues it")
        return EXIT_UNFINISHED
    if stats.get("portal/errors", 0):
        return EXIT_ERRORS
    if empty:
        return EXIT_NOTHING
    return EXIT_OK


def print_run_summary(stats: dict, sites: list[str], elapsed: float) -> None:
    from portal_crawler.crawl.progress import site_table
    t = site_table(stats, sites, title=f"crawl finished in {elapsed:.1f} s ({stats.get('finish_reason', '?')})")
    out.print(t)
    reqs = stats.get("downloader/request_count", 0)
    out.print(f"{reqs} requests, {reqs / elapsed if elapsed else 0:.0f}/s; articles new {stats.get('archive/new', 0)}, "
              f"updated {stats.get('archive/updated', 0)}, unchanged {stats.get('archive/unchanged', 0)}, "
              f"duplicate {stats.get('archive/duplicate', 0)}; errors {stats.get('portal/errors', 0)}")


@main.command()
@click.option("--sites-file", type=click.Path(dir_okay=False), help="TOML file adding or overriding sites.")
@click.option("--site", "site_keys", multiple=True, help="Site key to crawl (repeatable).")
@click.option("--all", "all_sites", is_flag=True, help="Every configured site, concurrently.")
@click.option("--db", default=DEFAULT_DB, show_default=True, help="SQLite archive.")
@click.option("--channel", multiple=True, help="Only this channel (Chinese name or directory), repeatable.")
@click.option("--since", help="Only articles published on or after this date.")
@click.option("--max-articles", type=click.IntRange(min=1), help="At most N new articles per site.")
@click.option("--refresh-days", type=click.IntRange(min=0), help="Re-fetch known articles of the last N days.")
@click.option("--overlap", type=click.IntRange(min=0), help="List pages read past the first page of known articles (default 0).")
@click.option("--resume", is_flag=True, help="Continue an interrupted crawl of this archive.")
@click.option("--contact", help="Contact URL or e-mail for the User-Agent.")
@click.option("--delay", type=click.FloatRange(min=0), help="Override every site's download delay (s).")
@click.option("--concurrency", type=click.IntRange(min=1), help="Override every site's concurrency.")
@click.option("--no-progress", is_flag=True, help="No live progress display.")
@click.option("-v", "--verbose", is_flag=True, help="Scrapy's INFO log.")
def crawl(sites_file, site_keys, all_sites, db, channel, since, max_articles, refresh_days, overlap, resume, contact,
          delay, concurrency, no_progress, verbose):
    """Crawl sites into the archive (incremental by default)."""
    reg = load_registry(sites_file)
    if since:
        from portal_crawler.extract.dates import parse_date
        if not parse_date(since).value:
            fail(f"--since {since!r} is not a date (use YYYY-MM-DD)")
    try:
        if all_sites:
            sites = reg.configured()
            if not sites:
                fail("no site has a base_url; add them in a sites file or run `portal-crawler sites discover URL`")
        elif site_keys:
            sites = reg.select(list(site_keys))
        else:
            fail("name the sites to crawl: --site KEY (repeatable) or --all")
    except SitesError as e:
        fail(str(e))
    for s in sites:
        if delay is not None:
            s.settings["download_delay"] = delay
        if concurrency is not None:
            s.settings["concurrency"] = concurrency
    overrides = {"LOG_LEVEL": "INFO" if verbose else "WARNING"}
    sys.exit(run_crawl(db, sites, resume=resume, progress=not no_progress and err.is_terminal,
                       contact=contact, overrides=overrides, channels=list(channel), since=since,
                       max_articles=max_articles, refresh_days=refresh_days, overlap_pages=overlap))


DEMO_SITES = ["harbin", "zhejiang", "hubei", "wuhan", "xiamen"]


@main.command()
@click.option("--db", default="data/demo.db", show_default=True, help="SQLite archive for the demo.")
@click.option("--fresh/--keep", default=True, show_default=True, help="Start from an empty archive.")
def demo(db, fresh):
    """Start the replica network, crawl 5 of its sites, and show what was archived."""
    from portal_crawler.replica import ReplicaProcess
    from portal_crawler.store import Archive
    from portal_crawler.replica.oracle import compare_with_truth
    if fresh:
        _remove_archive(db)
    Path(db).parent.mkdir(parents=True, exist_ok=True)
    with ReplicaProcess(seed=7, sites=DEMO_SITES, scale="demo") as rep:
        sites_file = Path(db).with_name(Path(db).stem + "-sites.toml")
        rep.sites_file(sites_file)
        reg = load_registry(sites_file)
        sites = reg.select(DEMO_SITES)
        for s in sites:  # our own replica on loopback: no need to be slow
            s.settings.update(download_delay=0, concurrency=8)
        out.print(f"replica network: {', '.join(f'{k} {u}' for k, u in rep.base_urls.items())}")
        started = time.monotonic()
        code = run_crawl(db, sites, progress=err.is_terminal,
                         overrides={"LOG_LEVEL": "WARNING", "AUTOTHROTTLE_ENABLED": False, "CONCURRENT_REQUESTS": 64})
        elapsed = time.monotonic() - started
        truth = rep.truth()
    with Archive(db) as ar:
        summary = ar.site_summary()
        report = compare_with_truth(ar, truth)
        runs = ar.recent_runs(1)
    t = Table(title="archived articles per site and channel")
    for c in ("site", "channel", "articles"):
        t.add_column(c, justify="right" if c == "articles" else "left")
    for row in summary:
        t.add_row(row["site"], row["channel"] or "-", str(row["articles"]))
    out.print(t)
    reqs = runs[0]["requests"] if runs else 0
    out.print(f"{reqs} pages in {elapsed:.1f} s ({reqs / elapsed:.0f} pages/s); archive {db}")
    out.print(f"checked against the replica's truth: {report['matched']}/{report['expected']} articles equal "
              f"field by field" + ("" if report["ok"] else f"; differences: {report['problems'][:5]}"))
    click.echo(f"\ntry:\n  portal-crawler search 疫情 --db {db}\n"
               f"  sqlite3 {db} \"SELECT site, channel, published_at, title FROM articles "
               f"ORDER BY published_at DESC LIMIT 5\"")
    sys.exit(code if report["ok"] else EXIT_ERRORS)


def _remove_archive(db):
    import shutil
    from portal_crawler.crawl.run import job_dir
    from portal_crawler.crawl.warc import warc_dir
    for suffix in ("", "-wal", "-shm"):
        Path(db + suffix).unlink(missing_ok=True)
    for d in (warc_dir(db), job_dir(db)):
        shutil.rmtree(d, ignore_errors=True)
