"""``portal-crawler``: crawl, inspect and re-extract the archive.

Exit codes (see README "Exit codes"): 0 done; 1 done but some requests failed;
2 bad input (file, key, URL, option); 3 the archive is locked by another crawl;
4 the crawl stopped before finishing (killed, shutdown, closespider limit).
"""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from portal_crawler.sites import registry
from portal_crawler.sites.registry import SitesError

EXIT_OK, EXIT_ERRORS, EXIT_USAGE, EXIT_LOCKED, EXIT_UNFINISHED = 0, 1, 2, 3, 4
DEFAULT_DB = "data/portal.db"
out = Console()
err = Console(stderr=True)


def fail(msg: str, code: int = EXIT_USAGE):
    click.echo(f"error: {msg}", err=True)  # plain: one line, never wrapped
    sys.exit(code)


def load_registry(sites_file):
    try:
        return registry.load(sites_file)
    except SitesError as e:
        fail(str(e))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="portal-crawler")
def main():
    """Crawl and archive the 中国中小企业XX网 SME portal network."""


# -- crawl ----------------------------------------------------------------------------------
def run_crawl(db: str, sites, *, resume=False, progress=True, contact=None, overrides=None, **spider_args) -> int:
    from portal_crawler.crawl.lock import ArchiveLocked
    from portal_crawler.crawl.run import build_settings, crawl
    settings = build_settings(db, sites, resume=resume, progress=progress, contact=contact, overrides=overrides)
    settings.set("PORTAL_RUN_ARGS", {"sites": [s.key for s in sites], "resume": resume,
                                     **{k: v for k, v in spider_args.items() if v not in (None, [], False)}})
    started = time.monotonic()
    try:
        stats = crawl(db, sites, settings=settings, full_lists=resume, **spider_args)
    except ArchiveLocked as e:
        fail(str(e), EXIT_LOCKED)
    elapsed = time.monotonic() - started
    print_run_summary(stats, [s.key for s in sites], elapsed)
    reason = stats.get("finish_reason", "finished")
    if reason != "finished":
        err.print(f"crawl stopped before the end: {reason}; `--resume` continues it")
        return EXIT_UNFINISHED
    if stats.get("portal/errors", 0):
        return EXIT_ERRORS
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


# -- demo -----------------------------------------------------------------------------------
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


# -- parse ----------------------------------------------------------------------------------
@main.command()
@click.argument("file_or_url")
@click.option("--url", help="The page's address (for relative links and site rules).")
@click.option("--sites-file", type=click.Path(dir_okay=False), help="Sites file for per-site rules.")
def parse(file_or_url, url, sites_file):
    """Print the record extracted from one page (a file or a URL) as JSON."""
    from portal_crawler.extract import extract_page
    content_type = None
    if file_or_url.startswith(("http://", "https://")):
        body, content_type = _fetch(file_or_url)
        url = url or file_or_url
    else:
        try:
            body = Path(file_or_url).read_bytes()
        except OSError as e:
            fail(f"cannot read {file_or_url}: {e.strerror}")
    site = None
    if url:
        if not url.startswith(("http://", "https://")):
            fail(f"--url {url!r} is not an http(s) URL")
        reg = load_registry(sites_file)
        from urllib.parse import urlsplit
        host = urlsplit(url).netloc.lower()
        site = next((s for s in reg.sites.values() if s.configured and s.netloc == host), None)
    res = extract_page(body, url, content_type, site)
    if res.kind != "article":
        fail(f"not an article page (looks like a {res.kind} page); nothing extracted", EXIT_ERRORS)
    record = dict(res.record)
    if url:
        from portal_crawler.urls import canonical_url
        record["url"] = canonical_url(url)
    record.setdefault("url", None)
    record["site"] = site.key if site else None
    click.echo(json.dumps(record, ensure_ascii=False, indent=2))


def _fetch(url: str) -> tuple[bytes, str | None]:
    import urllib.request
    from portal_crawler.crawl import settings
    req = urllib.request.Request(url, headers={"User-Agent": settings.USER_AGENT})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.read(), r.headers.get("Content-Type")
    except Exception as e:  # noqa: BLE001 - any fetch failure is a one-line error
        fail(f"cannot fetch {url}: {e}", EXIT_ERRORS)


# -- sites ----------------------------------------------------------------------------------
@main.group(invoke_without_command=True)
@click.option("--sites-file", type=click.Path(dir_okay=False), help="TOML file adding or overriding sites.")
@click.option("--db", default=DEFAULT_DB, show_default=True)
@click.pass_context
def sites(ctx, sites_file, db):
    """List the sites: key, name, address, articles archived, last crawled."""
    ctx.ensure_object(dict)
    ctx.obj["sites_file"] = sites_file
    if ctx.invoked_subcommand:
        return
    reg = load_registry(sites_file)
    counts = {}
    if Path(db).exists():
        from portal_crawler.store import Archive
        with Archive(db) as ar:
            counts = {r["site"]: r for r in ar.site_counts()}
    t = Table(title=f"{len(reg.sites)} sites")
    for c in ("key", "name", "region", "address", "articles", "last crawled"):
        t.add_column(c)
    for s in reg.sites.values():
        c = counts.get(s.key, {})
        t.add_row(s.key, s.name, s.region, s.base_url or "not configured", str(c.get("articles", 0)),
                  c.get("last_crawled") or "-")
    out.print(t)


@sites.command("discover")
@click.argument("url")
@click.option("--sites-file", "target", type=click.Path(dir_okay=False),
              help="Sites file to write the addresses into (created or updated).")
@click.pass_context
def sites_discover(ctx, url, target):
    """Read one site's friend links and record every sibling's address."""
    from portal_crawler.sites.friendlinks import discover_sites
    target = target or ctx.obj.get("sites_file") or "sites.toml"
    if not url.startswith(("http://", "https://")):
        fail(f"{url!r} is not an http(s) URL")
    body, ctype = _fetch(url)
    try:
        report = discover_sites(body, ctype, url, target)
    except SitesError as e:
        fail(str(e))
    out.print(f"read {report['links']} friend links from {url}")
    for key, addr in report["matched"]:
        out.print(f"  matched  {key:<14} {addr}")
    for key, addr in report["added"]:
        out.print(f"  added    {key:<14} {addr}")
    for label, addr in report["unplaced"]:
        out.print(f"  unplaced {label} {addr}")
    out.print(f"wrote {target}: {len(report['matched']) + len(report['added'])} sites with addresses")


# -- archive inspection ---------------------------------------------------------------------
def _open_existing(db):
    if not Path(db).exists():
        fail(f"no archive at {db}; crawl first (portal-crawler crawl ... --db {db})")
    from portal_crawler.store import Archive
    return Archive(db)


@main.command()
@click.option("--db", default=DEFAULT_DB, show_default=True)
@click.option("-n", "limit", default=10, show_default=True, help="How many recent runs.")
def stats(db, limit):
    """Recent crawl runs, with per-site warnings (template drift, errors)."""
    with _open_existing(db) as ar:
        runs = ar.recent_runs(limit)
    t = Table(title="recent crawl runs")
    for c in ("id", "started", "finished", "sites", "requests", "new", "updated", "unchanged", "dup", "errors", "reason"):
        t.add_column(c)
    for r in runs:
        t.add_row(str(r["id"]), r["started_at"] or "-", r["finished_at"] or "-", ",".join(json.loads(r["sites"] or "[]")),
                  str(r["requests"]), str(r["new_articles"]), str(r["updated_articles"]),
                  str(r["unchanged_articles"]), str(r["duplicate_articles"]), str(r["errors"]), r["finish_reason"] or "running")
    out.print(t)
    if runs:
        from portal_crawler.crawl.drift import warnings_for_run
        for w in warnings_for_run(runs[0]):
            out.print(f"[yellow]warning:[/] {w}")


@main.command()
@click.option("--db", default=DEFAULT_DB, show_default=True)
@click.option("--site", help="Only this site's repost groups.")
@click.option("--limit", default=50, show_default=True)
def dupes(db, site, limit):
    """Repost groups: the canonical copy, its copies, and their similarity."""
    with _open_existing(db) as ar:
        groups = ar.dupe_groups(site=site)
    if not groups:
        out.print("no repost groups")
        return
    for g in groups[:limit]:
        out.print(f"[bold]{g['title']}[/]  canonical: {g['url']} ({g['site']}, {g['published_at']})")
        for c in g["copies"]:
            sim = c.get("similarity")
            out.print(f"    {c['site']:<12} {c['url']}  similarity {sim if sim is not None else 1.0:.2f}"
                      f"  来源 {c.get('source') or '-'}")
    out.print(f"{len(groups)} groups")


@main.command()
@click.option("--db", default=DEFAULT_DB, show_default=True)
@click.option("--site", help="Only this site's articles.")
@click.option("--sites-file", type=click.Path(dir_okay=False))
def reparse(db, site, sites_file):
    """Re-run extraction over the stored WARC captures; update changed records."""
    from portal_crawler.store.reparse import reparse_archive
    reg = load_registry(sites_file)
    if site and site not in reg.sites:
        fail(f"unknown site key {site!r}")
    with _open_existing(db) as ar:
        counts = reparse_archive(ar, db, reg, site=site)
    out.print(f"re-extracted {counts['checked']} articles from WARC: {counts['updated']} updated, "
              f"{counts['unchanged']} unchanged, {counts['missing']} without capture")


@main.command()
@click.argument("query")
@click.option("--db", default=DEFAULT_DB, show_default=True)
@click.option("--limit", default=20, show_default=True)
def search(query, db, limit):
    """Full-text search (Chinese words of two characters and more)."""
    with _open_existing(db) as ar:
        rows = ar.search(query, limit=limit)
    for r in rows:
        out.print(f"{r['published_at'] or '':<26} {r['site']:<12} {r['title']}  {r['url']}")
    out.print(f"{len(rows)} results")


if __name__ == "__main__":
    main()
