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
from twisted.internet import reactor, threads
from twisted.internet.defer import DeferredList
from twisted.python.threadpool import ThreadPool
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
    """Batches items and writes them on one worker thread that owns the archive.

    SQLite, FTS and MinHash work mostly outside the GIL, so a writer thread keeps the
    reactor thread free to fetch and extract. One thread, so batches are written in
    order; counts come back to the reactor thread, where the stats live.
    """

    def __init__(self, crawler):
        self.crawler = crawler
        s = crawler.settings
        self.path = s.get("ARCHIVE_PATH")
        self.batch_size = int(os.environ.get("PORTAL_CRAWLER_BATCH_SIZE") or s.getint("ARCHIVE_BATCH_SIZE", 200))
        self.run_args = s.getdict("PORTAL_RUN_ARGS") if s.get("PORTAL_RUN_ARGS") else {}
        self.batch: list[dict] = []
        self.archive = None
        self.run_id = None
        self.pool = None
        self.pending: set = set()
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def _in_writer(self, f, *args):
        return threads.deferToThreadPool(reactor, self.pool, f, *args)

    def open_spider(self, spider=None):
        spider = spider or self.crawler.spider
        self.sites = list(getattr(spider, "sites", {}))
        self.pool = ThreadPool(1, 1, "archive-writer")
        self.pool.start()

        def open_archive():
            self.archive = Archive(self.path)
            run_id = self.archive.start_run(sites=self.sites, args=self.run_args)
            return run_id, {k: site_profile(self.archive.db, k) for k in self.sites}

        def opened(result):
            self.run_id, profiles = result
            self.crawler.stats.set_value("archive/run_id", self.run_id)
            self.drift = DriftCounter(profiles)

        return self._in_writer(open_archive).addCallback(opened)

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

    def _write(self, batch: list[dict]) -> list[tuple[str, dict]]:
        by_site = defaultdict(list)
        for it in batch:
            by_site[it["site"]].append(it)
        return [(site, self.archive.write_articles(items)) for site, items in by_site.items()]

    def _count(self, results) -> None:
        stats = self.crawler.stats
        for site, counts in results:
            for c in COUNTS:
                n = counts.get(c, 0)
                stats.inc_value(f"archive/{c}", n)
                stats.inc_value(f"site/{site}/{c}", n)

    def _failed(self, failure):
        self.crawler.stats.inc_value("portal/errors")
        logger.error("archive write failed: %s", failure.getTraceback())

    def flush(self) -> None:
        if not self.batch:
            return
        batch, self.batch = self.batch, []
        d = self._in_writer(self._write, batch).addCallbacks(self._count, self._failed)
        self.pending.add(d)
        d.addBoth(lambda r: self.pending.discard(d) or r)

    def close_spider(self, spider=None):
        self.flush()

    def spider_closed(self, spider=None, reason=None):
        if self.pool is None:
            return None
        self.flush()
        return DeferredList(list(self.pending)).addCallback(lambda _: self._finish(reason))

    def _finish(self, reason):
        summary = run_stats(self.crawler.stats.get_stats(), self.sites)
        friend = getattr(self.crawler.spider, "friend_links", {})
        if friend:
            # Recorded, never crawled: links to sibling sites are for `sites discover`.
            summary["per_site"] = {k: {**v, "friend_links": friend.get(k, [])} for k, v in summary["per_site"].items()}
        summary["drift"] = self.drift.report()

        def finish():
            self.archive.finish_run(self.run_id, summary, reason or "finished")
            self.archive.close()
            self.archive = None

        def stop(result):
            self.pool.stop()
            self.pool = None
            logger.info("run %s recorded: %s", self.run_id, json.dumps(
                {k: summary[k] for k in ("requests",) + tuple(f"{c}_articles" for c in COUNTS)}))
            return result

        return self._in_writer(finish).addBoth(stop)
