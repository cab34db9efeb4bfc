"""Reading the archive and pages: `parse`, `stats`, `dupes`, `reparse` (search: cli/search.py)."""
from __future__ import annotations

import json
from pathlib import Path

import click
from rich.table import Table

from portal_crawler.cli.common import (EXIT_ERRORS, DEFAULT_DB, fail, fetch_url, load_registry, main, open_archive, out,
                                       refuse_unknown_sites)
from portal_crawler.terminal import safe



@main.command()
@click.argument("file_or_url")
@click.option("--url", help="The page's address (for relative links and site rules).")
@click.option("--sites-file", type=click.Path(dir_okay=False), help="Sites file for per-site rules.")
def parse(file_or_url, url, sites_file):
    """Print the record extracted from one page (a file or a URL) as JSON."""
    content_type = None
    if file_or_url.startswith(("http://", "https://")):
        body, content_type = fetch_url(file_or_url)
        url = url or file_or_url
    else:
        try:
            body = Path(file_or_url).read_bytes()
        except OSError as e:
            fail(f"cannot read {file_or_url}: {e.strerror}")
        if not body.strip():
            fail(f"{file_or_url} is empty: nothing to parse")
        if b"\x00" in body[:4096]:     # a page in this network is GBK or UTF-8 text, never NULs
            fail(f"{file_or_url} is binary data, not a web page")
    if url and not url.startswith(("http://", "https://")):
        fail(f"--url {url!r} is not an http(s) URL")
    from portal_crawler.api import parse_page
    res = parse_page(body, url, content_type, load_registry(sites_file) if url else None)
    # any HTML page gets its best record (the kind is said on stderr); only a page with
    # nothing to read at all (an error page, garbage bytes) is refused
    if res.record is None:
        fail(f"nothing to extract (looks like a {res.kind} page)", EXIT_ERRORS)
    record = res.record
    click.echo(f"kind: {res.kind} ({record.get('extractor')} extractor), page type: {res.page_type}", err=True)
    click.echo(json.dumps(record, ensure_ascii=False, indent=2))



@main.command()
@click.option("--db", default=DEFAULT_DB, show_default=True)
@click.option("-n", "limit", default=10, show_default=True, help="How many recent runs.")
@click.option("--json", "as_json", is_flag=True, help="The runs as JSON (for monitoring).")
@click.option("--run", "run_id", type=int, help="List the failed requests of this run (default: the newest).")
def stats(db, limit, as_json, run_id):
    """Recent crawl runs, with per-site warnings (template drift, errors) and the
    requests that failed after their retries, by site and URL."""
    from portal_crawler.crawler.extensions.drift import warnings_for_run
    from portal_crawler.crawler.monitors import findings_of_run
    with open_archive(db) as ar:
        runs = ar.runs(limit)
        if run_id is None and runs:
            run_id = runs[0]["id"]
        failed = ar.failed_requests(run_id) if run_id is not None else []
        frontier = ar.backfill()
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
        click.echo(json.dumps({"runs": runs, "warnings": warns,
                               "findings": findings_of_run(runs[0]) if runs else [], "frontier": frontier,
                               "failed": {"run": run_id, "requests": failed}},
                              ensure_ascii=False, indent=2))
        return
    t = Table(title="recent crawl runs")
    for c in ("id", "started", "finished", "sites", "requests", "new", "updated", "unchanged", "dup", "errors", "reason"):
        t.add_column(c)
    for r in runs:
        t.add_row(str(r["id"]), r["started_at"] or "-", r["finished_at"] or "-",
                  safe(",".join(json.loads(r["sites"] or "[]"))), str(r["requests"]), str(r["new_articles"]),
                  str(r["updated_articles"]), str(r["unchanged_articles"]), str(r["duplicate_articles"]),
                  str(r["errors"]), safe(r["finish_reason"] or "unfinished"))
    out.print(t)
    if runs:
        for w in warnings(runs[0]):
            out.print(f"[yellow]warning:[/] {safe(w)}")
        for f in findings_of_run(runs[0]):
            out.print(f"[red]finding:[/] {safe(f['kind'] + ': ' + f['message'])}")
    if failed:
        f = Table(title=f"run {run_id}: {len(failed)} requests failed after their retries")
        for c in ("site", "url", "error"):
            f.add_column(c, overflow="fold")
        for r in failed:
            f.add_row(safe(r["site"]), safe(r["url"]), safe(r["error"]))
        out.print(f)
    if frontier:
        from portal_crawler.cli.sites import frontier_table
        out.print(frontier_table(frontier))


@main.command()
@click.option("--db", default=DEFAULT_DB, show_default=True)
@click.option("--site", help="Only this site's repost groups.")
@click.option("--limit", default=50, show_default=True)
def dupes(db, site, limit):
    """Repost groups: the canonical copy, its copies, and their similarity."""
    with open_archive(db) as ar:
        refuse_unknown_sites(ar, [site], db)
        groups = ar.dupe_groups(site=site)
    if not groups:
        out.print("no repost groups")
        return
    for g in groups[:limit]:
        out.print(f"[bold]{safe(g['title'])}[/]  canonical: {safe(g['url'])} ({safe(g['site'])}, "
                  f"{safe(g['published_at'])})")
        for c in g["copies"]:
            sim = c.get("similarity")
            out.print(f"    {safe(c['site']):<12} {safe(c['url'])}  similarity {sim if sim is not None else 1.0:.2f}"
                      f"  来源 {safe(c.get('source') or '-')}")
    out.print(f"{len(groups)} groups")


@main.command()
@click.option("--db", default=DEFAULT_DB, show_default=True)
@click.option("--site", help="Only this site's articles.")
@click.option("--sites-file", type=click.Path(dir_okay=False))
def reparse(db, site, sites_file):
    """Re-run extraction over the stored WARC captures; update changed records."""
    reg = load_registry(sites_file)
    with open_archive(db, readonly=False) as ar:
        refuse_unknown_sites(ar, [site], db, known=reg.sites)
        counts = ar.reparse(reg, site=site)
    out.print(f"re-extracted {counts['checked']} articles from WARC: {counts['updated']} updated, "
              f"{counts['unchanged']} unchanged, {counts['missing']} without capture, "
              f"{counts['truncated']} truncated (fetched again by the next crawl)")
