"""The coordinator: ``portal_crawler.crawl(db, sites, redis=URL)`` (CLI ``crawl --redis URL``).

``crawl()`` (``crawler/run.py``) calls the function its ``SCALEOUT_COORDINATE`` setting
names, this module's ``coordinate``, which puts the scale-out settings on top of the
crawl's own (``node.node_settings``). The coordinator then runs as a plain crawl does:
it takes the archive lock, clears the run's keys, publishes the run
(``spider.ScaleoutSpider``), seeds the queue, fetches like any worker, alone writes the
archive (``pipelines.ScaleoutArchivePipeline``) and ends the run.
"""
from __future__ import annotations

from scrapy.settings import Settings

from portal_crawler.scaleout.node import node_settings
from portal_crawler.scaleout.state import ScaleoutError, connect


def coordinate(s: Settings, url: str, *, resume: bool, spider_args: dict) -> None:
    """Make ``s`` the settings of this crawl's coordinator. ``ValueError`` (one line) for
    a wrong or unreachable Redis URL. (``spider_args`` reach the workers through the
    spider's ``PORTAL_RUN_ARGS``, see ``spider.ScaleoutSpider``.)"""
    try:
        connect(url)
    except ScaleoutError as e:
        raise ValueError(str(e)) from None
    for k, v in node_settings(s, url, "coordinator").items():
        s.set(k, v)
    s.set("SCALEOUT_RESUME", resume)
