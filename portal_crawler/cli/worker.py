"""`worker`: join a coordinated crawl (``crawl --redis URL``) as one more fetching process."""
from __future__ import annotations

import sys

import click

from portal_crawler.cli.common import fail, main, out, parse_settings


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
        from portal_crawler.crawler.scaleout import FrontierError, work
    except ImportError as e:
        fail(f"scale-out needs the `scaleout` extra (pip install 'portal-crawler[scaleout]'): {e}")
    try:
        result = work(redis_url, warc_dir=warc_dir, wait=wait, log_level="INFO" if verbose else "WARNING",
                      settings=parse_settings(set_))
    except FrontierError as e:
        fail(str(e))
    out.print(f"worker done ({result.finish_reason}): {result.requests} requests, "
              f"{int(result.stats.get('item_scraped_count', 0))} articles relayed, errors {result.errors}")
    sys.exit(result.exit_code)
