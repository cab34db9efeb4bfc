"""Item pipeline: filter, batch, and write articles to the SQLite archive.

The archive (``store.Archive``) does normalisation of identity, deduplication and
versioning inside ``write_articles``; this pipeline only batches (one transaction per
batch), keeps the run's counts, and records the run in ``crawl_runs`` at the end.
"""
from __future__ import annotations

import json
import logging
import os
import time
from collections import defaultdict

from itemadapter import ItemAdapter
from scrapy import signals
from twisted.internet import task
from scrapy.exceptions import DropItem
from scrapy.utils.defer import deferred_from_coro

from portal_crawler.spawn import CTX, start_process
from portal_crawler.crawler.drift import DriftCounter, site_profile
from portal_crawler.store import Archive

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


def _write_grouped(archive, batch: list[dict]) -> list[tuple[str, dict]]:
    by_site = defaultdict(list)
    for it in batch:
        by_site[it["site"]].append(it)
    return [(site, archive.write_articles(items)) for site, items in by_site.items()]


def writer_main(path, sites, run_args, inbox, outbox) -> None:
    """The archive writer process: owns the SQLite archive for one run.

    Messages in order: ("write", batch) -> ("counts", [(site, counts)]); ("sync",) ->
    ("synced",); ("finish", summary, reason) -> ("finished",). It ignores SIGINT and
    SIGTERM (the crawler shuts down gracefully and says "finish") and exits by itself,
    after writing what it was sent, if the crawler dies.
    """
    import queue
    import signal
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    parent = os.getppid()
    archive = Archive(path)
    run_id = archive.start_run(sites=sites, args=run_args)
    outbox.put(("opened", run_id, {k: site_profile(archive.db, k) for k in sites}))
    while True:
        try:
            msg = inbox.get(timeout=2)
        except queue.Empty:
            if os.getppid() != parent:  # the crawler died: everything sent is written
                archive.close()
                return
            continue
        if msg[0] == "write":
            outbox.put(("counts", _write_grouped(archive, msg[1])))
        elif msg[0] == "sync":
            outbox.put(("synced",))
        elif msg[0] == "finish":
            archive.finish_run(run_id, msg[1], msg[2])
            archive.close()
            import resource
            outbox.put(("finished", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024))
            return


class ArchivePipeline:
    """Batches items and hands them to a writer process that owns the archive.

    Dedup hashing, MinHash and full-text indexing are CPU work in Python; in their own
    process they use the second core instead of slowing the crawl. Batches are written
    in order; counts come back to the crawler, where the stats live.
    """

    def __init__(self, crawler):
        self.crawler = crawler
        s = crawler.settings
        self.path = s.get("PORTAL_DB")
        self.batch_size = s.getint("ARCHIVE_BATCH_SIZE", 200)
        self.run_args = s.getdict("PORTAL_RUN_ARGS") if s.get("PORTAL_RUN_ARGS") else {}
        self.batch: list[dict] = []
        self.proc = None
        self.run_id = None
        self.poll = task.LoopingCall(self._drain)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def open_spider(self, spider=None):
        spider = spider or self.crawler.spider
        self.sites = list(getattr(spider, "sites", {}))
        self.inbox, self.outbox = CTX.Queue(), CTX.Queue()
        self.proc = start_process(writer_main, name="archive-writer",
                                  args=(self.path, self.sites, self.run_args, self.inbox, self.outbox))
        _, self.run_id, profiles = self._expect("opened", timeout=120)
        self.crawler.stats.set_value("archive/run_id", self.run_id)
        self.drift = DriftCounter(profiles)
        self.poll.start(1.0, now=False)

    def _expect(self, kind: str, timeout: float = 600):
        """Block until the writer says ``kind``, applying counts on the way."""
        import queue
        deadline = time.monotonic() + timeout
        while True:
            try:
                msg = self.outbox.get(timeout=1)
            except queue.Empty:
                if not self.proc.is_alive():
                    raise RuntimeError(f"archive writer died (exit {self.proc.exitcode})") from None
                if time.monotonic() > deadline:
                    raise RuntimeError(f"archive writer did not answer {kind!r} in {timeout} s") from None
                continue
            if msg[0] == "counts":
                self._count(msg[1])
            elif msg[0] == kind:
                return msg

    def _drain(self) -> None:
        import queue
        while True:
            try:
                msg = self.outbox.get_nowait()
            except queue.Empty:
                break
            if msg[0] == "counts":
                self._count(msg[1])
        if not self.proc.is_alive():
            self.crawler.stats.inc_value("portal/errors")
            logger.error("archive writer died (exit %s); stopping", self.proc.exitcode)
            self.poll.stop()
            deferred_from_coro(self.crawler.engine.close_spider_async(reason="archive_writer_died"))

    def process_item(self, item, spider=None):
        rec = ItemAdapter(item).asdict()
        since = getattr(self.crawler.spider, "since", None)
        published = rec.get("published_at")
        if since and published and published[:10] < since:
            self.crawler.stats.inc_value("archive/skipped_before_since")
            raise DropItem(f"published {published} before --since {since}")
        self.drift.see(rec)
        self.batch.append(rec)
        if len(self.batch) >= self.batch_size:
            self.flush()
        return item

    def _count(self, results) -> None:
        stats = self.crawler.stats
        for site, counts in results:
            for c in COUNTS:
                n = counts.get(c, 0)
                stats.inc_value(f"archive/{c}", n)
                stats.inc_value(f"site/{site}/{c}", n)

    def flush(self) -> None:
        if self.batch:
            batch, self.batch = self.batch, []
            self.inbox.put(("write", batch))

    def close_spider(self, spider=None):
        self.flush()

    def spider_closed(self, spider=None, reason=None):
        if self.proc is None or not self.proc.is_alive():
            return
        if self.poll.running:
            self.poll.stop()
        self.flush()
        try:
            self.inbox.put(("sync",))
            self._expect("synced")               # every count is in the stats now
            summary = run_stats(self.crawler.stats.get_stats(), self.sites)
            friend = getattr(self.crawler.spider, "friend_links", {})
            if friend:
                # Recorded, never crawled: links to sibling sites are for `sites discover`.
                summary["per_site"] = {k: {**v, "friend_links": friend.get(k, [])}
                                       for k, v in summary["per_site"].items()}
            summary["drift"] = self.drift.report()
            # After the last batch in the same queue: a frontier never runs ahead of the
            # articles it claims are archived (crawler/frontier.py).
            frontier = getattr(self.crawler.spider, "frontier", None)
            summary["frontier"] = frontier.report() if frontier is not None else []
            summary.update(getattr(self, "summary_extra", {}))  # scale-out: per-worker counts
            self.inbox.put(("finish", summary, reason or "finished"))
            done = self._expect("finished")
            self.crawler.stats.set_value("archive/writer_peak_rss_mb", done[1])
            logger.info("run %s recorded: %s", self.run_id, json.dumps(
                {k: summary[k] for k in ("requests",) + tuple(f"{c}_articles" for c in COUNTS)}))
        finally:
            self.proc.join(30)
            self.proc = None
