"""Reading the archive and pages: `parse`, `stats`, `dupes`, `reparse` (search: cli/search.py)."""
from __future__ import annotations

import json
from pathlib import Path

import click
from rich.markup import escape
from rich.table import Table

from portal_crawler.cli import EXIT_ERRORS, DEFAULT_DB, fail, fetch_url, load_registry, main, out


@main.command()
@click.argument("file_or_url")
@click.option("--url", help="The page's address (for relative links and site rules).")
@click.option("--sites-file", type=click.Path(dir_okay=False), help="Sites file for per-site rules.")
def parse(file_or_url, url, sites_file):
    """Print the record extracted from one page (a file or a URL) as JSON."""
    from portal_crawler.extract import extract_page
    content_type = None
    if file_or_url.startswith(("http://", "https://")):
        body, content_type = fetch_url(file_or_url)
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
    click.echo(f"kind: {res.kind} ({record.get('extractor')} extractor)", err=True)
    click.echo(json.dumps(record, ensure_ascii=False, indent=2))



def _open_existing(db, readonly: bool = True):
    """An existing archive (never creates one: a typo'd path is an error)."""
    from portal_crawler.store.archive import Archive, ArchiveError, ArchiveNotFound
    try:
        return Archive.open(db, readonly=readonly)
    except ArchiveNotFound:
        fail(f"no archive at {db}; crawl first (portal-crawler crawl ... --db {db})")
    except ArchiveError as e:
        fail(str(e))


@main.command()
@click.option("--db", default=DEFAULT_DB, show_default=True)
@click.option("-n", "limit", default=10, show_default=True, help="How many recent runs.")
@click.option("--json", "as_json", is_flag=True, help="The runs as JSON (for monitoring).")
def stats(db, limit, as_json):
    """Recent crawl runs, with per-site warnings (template drift, errors)."""
    from portal_crawler.crawler.drift import warnings_for_run
    with _open_existing(db) as ar:
        runs = ar.runs(limit)
        frontier = ar.frontier()
    from portal_crawler.crawler.limits import run_warnings

    def warnings(run) -> list[str]:
        return warnings_for_run(run) + run_warnings(json.loads(run["per_site"] or "{}"))
    if as_json:
        warns = warnings(runs[0]) if runs else []
        for r in runs:  # JSON columns as JSON, not as strings of JSON
            for k, v in list(r.items()):
                if isinstance(v, str) and v[:1] in "[{":
                    try:
                        r[k] = json.loads(v)
                    except ValueError:
                        pass
        click.echo(json.dumps({"runs": runs, "warnings": warns, "frontier": frontier},
                              ensure_ascii=False, indent=2))
        return
    t = Table(title="recent crawl runs")
    for c in ("id", "started", "finished", "sites", "requests", "new", "updated", "unchanged", "dup", "errors", "reason"):
        t.add_column(c)
    for r in runs:
        t.add_row(str(r["id"]), r["started_at"] or "-", r["finished_at"] or "-", ",".join(json.loads(r["sites"] or "[]")),
                  str(r["requests"]), str(r["new_articles"]), str(r["updated_articles"]),
                  str(r["unchanged_articles"]), str(r["duplicate_articles"]), str(r["errors"]), r["finish_reason"] or "running")
    out.print(t)
    if runs:
        from rich.markup import escape
        for w in warnings(runs[0]):
            out.print(f"[yellow]warning:[/] {escape(w)}")
    if frontier:
        from portal_crawler.cli.sites import frontier_table
        out.print(frontier_table(frontier))


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
        # archived text goes through escape(): a title may contain "[/]" or "[link=...]"
        out.print(f"[bold]{escape(g['title'] or '')}[/]  canonical: {escape(g['url'])} "
                  f"({g['site']}, {g['published_at']})")
        for c in g["copies"]:
            sim = c.get("similarity")
            out.print(f"    {c['site']:<12} {escape(c['url'])}  similarity "
                      f"{sim if sim is not None else 1.0:.2f}  来源 {escape(c.get('source') or '-')}")
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
    with _open_existing(db, readonly=False) as ar:
        counts = reparse_archive(ar, db, reg, site=site)
    out.print(f"re-extracted {counts['checked']} articles from WARC: {counts['updated']} updated, "
              f"{counts['unchanged']} unchanged, {counts['missing']} without capture")
