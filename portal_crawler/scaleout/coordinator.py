"""The coordinator: ``portal_crawler.crawl(db, sites, redis=URL)`` (CLI ``crawl --redis URL``).

It is the plain crawl (``crawler/run.py``) with the scale-out settings on top
(``node.node_settings``): it takes the archive lock, clears the run's keys, publishes
the run (``spider.ScaleoutSpider``), seeds the queue, fetches like any worker, alone
writes the archive (``pipelines.ScaleoutArchivePipeline``) and ends the run.
"""
from __future__ import annotations

from scrapy.settings import Settings

from portal_crawler.crawler import settings as default_settings
from portal_crawler.crawler.run import CrawlInputError, CrawlResult, crawl as plain_crawl
from portal_crawler.scaleout.node import node_settings
from portal_crawler.scaleout.state import ScaleoutError, connect


def coordinate(db, sites="all", *, redis: str, resume: bool = False, settings: dict | None = None,
               **options) -> CrawlResult:
    """``crawl()`` (same arguments) as the coordinator of a crawl shared through ``redis``."""
    try:
        connect(redis)
    except ScaleoutError as e:
        raise CrawlInputError(str(e)) from None
    base = Settings()
    base.setmodule(default_settings, priority="project")
    for k, v in (settings or {}).items():
        base.set(k, v)
    extra = {**node_settings(base, redis, "coordinator"), "SCALEOUT_RESUME": resume}
    return plain_crawl(db, sites, resume=resume, settings={**(settings or {}), **extra}, **options)
