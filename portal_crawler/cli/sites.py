"""`sites` and `sites discover`."""
from __future__ import annotations

from pathlib import Path

import click
from rich.table import Table

from portal_crawler.cli.common import DEFAULT_DB, check_sites_target, fail, fetch_url, load_registry, main, open_archive, out
from portal_crawler.terminal import safe
from portal_crawler.sites.registry import SitesError


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
    counts, frontier = {}, []
    if Path(db).exists():
        with open_archive(db) as ar:  # read-only: listing sites never writes the archive
            counts = {r["site"]: r for r in ar.site_counts()}
            frontier = ar.backfill()
    t = Table(title=f"{len(reg.sites)} sites")
    for c in ("key", "name", "region", "address", "articles", "last crawled"):
        t.add_column(c)
    for s in reg.sites.values():
        c = counts.get(s.key, {})
        t.add_row(safe(s.key), safe(s.name), safe(s.region), safe(s.base_url or "not configured"),
                  str(c.get("articles", 0)), safe(c.get("last_crawled") or "-"))
    out.print(t)
    if frontier:
        out.print(frontier_table(frontier))


def frontier_table(rows: list[dict]) -> Table:
    """Per site and channel: complete, or backfilling and how far (crawler/backfill.py)."""
    from rich.markup import escape
    from portal_crawler.crawler.backfill import describe
    t = Table(title="channel lists (backfill)")
    for c in ("site", "channel", "list", "state"):
        t.add_column(c)
    for r in rows:
        t.add_row(r["site"], escape(r["channel"] or "-"), escape(r["channel_url"]), escape(describe(r)))
    return t


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
    check_sites_target(target)
    body, ctype = fetch_url(url)
    try:
        report = discover_sites(body, ctype, url, target)
    except SitesError as e:
        fail(str(e))
    out.print(f"read {report['links']} friend links from {safe(url)}")
    for key, addr in report["matched"]:
        out.print(f"  matched  {safe(key):<14} {safe(addr)}")
    for key, addr in report["added"]:
        out.print(f"  added    {safe(key):<14} {safe(addr)}")
    for label, addr in report["unplaced"]:
        out.print(f"  unplaced {safe(label)} {safe(addr)}")
    out.print(f"wrote {safe(target)}: {len(report['matched']) + len(report['added'])} sites with addresses")
