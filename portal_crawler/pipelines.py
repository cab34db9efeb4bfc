"""Item pipeline: filter, batch, and write articles to the SQLite archive.

The archive (``store.Archive``) does normalisation of identity, deduplication and
versioning inside ``write_articles``; this pipeline only batches (one transaction per
batch), keeps the run's counts, and records the run in ``crawl_runs`` at the end.
"""
from __future__ import annotations

import json
import logging
import os
from collections import defaultdict

from scrapy import signals
from scrapy.exceptions import DropItem

from .drift import DriftCounter, site_profile
from .store import Archive

logger = logging.getLogger(__name__)
COUNTS = ("new", "updated", "unchanged", "duplicate")


def run_stats(stats: dict, sites: list[str]) -> dict:
    """Shape Scrapy's stats into the crawl_runs columns (totals and per site)."""
    responses = {k.rsplit("/", 1)[-1]: v for k, v in stats.items()
                 if k.startswith("downloader/response_status_count/")}
    per_site = {}
    for key in sites:
        prefix = f"site/{key}/"
        d = {k[len(prefix):]: v for k, v in stats.items() if k.startswith(prefix)}
        resp = {k.split("/", 1)[1]: d.pop(k) for k in list(d) if k.startswith("responses/")}
        d["responses"] = resp
        per_site[key] = d
    return {
        "requests": stats.get("downloader/request_count", 0),
        "responses": responses,
        "errors": stats.get("portal/errors", 0) + stats.get("log_count/ERROR", 0),
        "per_site": per_site,
        **{f"{c}_articles": stats.get(f"archive/{c}", 0) for c in COUNTS},
    }


class ArchivePipeline:
    def __init__(self, crawler):
        self.crawler = crawler
        s = crawler.settings
        self.path = s.get("ARCHIVE_PATH")
        self.batch_size = int(os.environ.get("PORTAL_CRAWLER_BATCH_SIZE") or s.getint("ARCHIVE_BATCH_SIZE", 200))
        self.run_args = s.getdict("PORTAL_RUN_ARGS") if s.get("PORTAL_RUN_ARGS") else {}
        self.batch: list[dict] = []
        self.archive = None
        self.run_id = None
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def open_spider(self, spider=None):
        spider = spider or self.crawler.spider
        self.archive = Archive(self.path)
        self.sites = list(getattr(spider, "sites", {}))
        self.run_id = self.archive.start_run(sites=self.sites, args=self.run_args)
        self.crawler.stats.set_value("archive/run_id", self.run_id)
        self.drift = DriftCounter({k: site_profile(self.archive.db, k) for k in self.sites})

    def process_item(self, item, spider=None):
        spider = spider or self.crawler.spider
        since = getattr(spider, "since", None)
        published = item.get("published_at")
        if since and published and published[:10] < since:
            self.crawler.stats.inc_value("archive/skipped_before_since")
            raise DropItem(f"published {published} before --since {since}")
        self.drift.see(item)
        self.batch.append(dict(item))
        if len(self.batch) >= self.batch_size:
            self.flush()
        return item

    def flush(self) -> None:
        if not self.batch:
            return
        by_site = defaultdict(list)
        for it in self.batch:
            by_site[it["site"]].append(it)
        self.batch = []
        stats = self.crawler.stats
        for site, items in by_site.items():
            counts = self.archive.write_articles(items)
            for c in COUNTS:
                n = counts.get(c, 0)
                stats.inc_value(f"archive/{c}", n)
                stats.inc_value(f"site/{site}/{c}", n)

    def close_spider(self, spider=None):
        self.flush()

    def spider_closed(self, spider=None, reason=None):
        if self.archive is None:
            return
        self.flush()
        stats = self.crawler.stats.get_stats()
        summary = run_stats(stats, self.sites)
        friend = getattr(self.crawler.spider, "friend_links", {})
        if friend:
            # Recorded, never crawled: links to sibling sites are for `sites discover`.
            summary["per_site"] = {k: {**v, "friend_links": friend.get(k, [])} for k, v in summary["per_site"].items()}
        summary["drift"] = self.drift.report()
        self.archive.finish_run(self.run_id, summary, reason or "finished")
        self.archive.close()
        self.archive = None
        logger.info("run %s recorded: %s", self.run_id, json.dumps({k: summary[k] for k in ("requests",) + tuple(f"{c}_articles" for c in COUNTS)}))
