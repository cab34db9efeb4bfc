"""`worker`: join a coordinated crawl (``crawl --redis URL``) as one more fetching process;
`workers`: list the live processes of one."""
from __future__ import annotations

import json
import sys

import click
from rich.table import Table

from portal_crawler.cli.common import fail, main, out, parse_settings
from portal_crawler.terminal import safe


@main.command()
@click.option("--redis", "redis_url", required=True, metavar="URL",
              help="The coordinator's Redis, redis://HOST:PORT/DB.")
@click.option("--warc-dir", type=click.Path(file_okay=False),
              help="Where this worker writes WARC files (default: the archive's WARC folder).")
@click.option("--wait", type=click.FloatRange(min=0), default=60, show_default=True,
              help="Seconds to wait for a coordinator to publish a run.")
@click.option("--set", "set_", multiple=True, metavar="KEY=VALUE", help="A Scrapy setting (repeatable).")
@click.option("-v", "--verbose", is_flag=True, help="Scrapy's INFO log.")
def worker(redis_url, warc_dir, wait, set_, verbose):
    """Fetch for the crawl coordinated through Redis until its frontier is drained."""
    try:
        from portal_crawler.scaleout.state import ScaleoutError
    except ImportError as e:
        fail(f"scale-out needs the `scaleout` extra (pip install 'portal-crawler[scaleout]'): {e}")
    from portal_crawler import work
    try:
        result = work(redis_url, warc_dir=warc_dir, wait=wait, log_level="INFO" if verbose else "WARNING",
                      settings=parse_settings(set_))
    except ScaleoutError as e:
        fail(str(e))
    out.print(f"worker done ({result.finish_reason}): {result.requests} requests, "
              f"{int(result.stats.get('item_scraped_count', 0))} articles relayed, errors {result.errors}")
    sys.exit(result.exit_code)


@main.command()
@click.option("--redis", "redis_url", required=True, metavar="URL",
              help="The coordinator's Redis, redis://HOST:PORT/DB.")
@click.option("--json", "as_json", is_flag=True, help="Print the list as JSON.")
def workers(redis_url, as_json):
    """List the live processes of the coordinated crawl: leases held, last heartbeat."""
    try:
        from portal_crawler.scaleout.state import ScaleoutError
    except ImportError as e:
        fail(f"scale-out needs the `scaleout` extra (pip install 'portal-crawler[scaleout]'): {e}")
    from portal_crawler.scaleout.operators import live_workers
    try:
        status = live_workers(redis_url)
    except ScaleoutError as e:
        fail(str(e))
    if as_json:
        click.echo(json.dumps(status, ensure_ascii=False))
        return
    if not status["workers"]:
        out.print(f"no live processes at {redis_url} (queued requests: {status['queued']})")
        return
    table = Table(title=f"{len(status['workers'])} live processes; {status['queued']} requests queued"
                        + (f"; stopping ({status['stop']})" if status["stop"] else ""))
    for col in ("process", "role", "host", "leases", "last heartbeat", "requests"):
        table.add_column(col, justify="right" if col in ("leases", "requests") else "left")
    for w in status["workers"]:
        table.add_row(safe(w["id"]), w["role"], safe(w["host"] or "?"), str(w["leases"]),
                      f"{w['last_heartbeat_s']:.1f} s ago", str(w["requests"]))
    out.print(table)
