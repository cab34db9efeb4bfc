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

from itemadapter import ItemAdapter
from scrapy import signals
from twisted.internet import task
from scrapy.exceptions import DropItem
from scrapy.utils.defer import deferred_from_coro

from portal_crawler.spawn import CTX, start_process
from portal_crawler.crawler.extensions.drift import DriftCounter
from portal_crawler.crawler.items import ArticleItem
from portal_crawler.crawler.pipelines.writer import TERM_GRACE, writer_main
from portal_crawler.crawler.stats import COUNTS, run_stats

logger = logging.getLogger(__name__)


class WriterFailed(Exception):
    """The archive writer could not write; the message is its one-line reason."""


class ArchivePipeline:
    """Batches items and hands them to a writer process that owns the archive.

    Dedup hashing, MinHash and full-text indexing are CPU work in Python; in their own
    process they use the second core instead of slowing the crawl. Batches are written
    in order; counts come back to the crawler, where the stats live.

    If the writer fails or dies, the crawl stops at once (finish reason
    ``archive_error``) and the stat ``archive/writer_error`` holds the one-line reason:
    a crawl never goes on fetching what it cannot store, and never waits on a dead writer.
    """

    def __init__(self, crawler):
        self.crawler = crawler
        s = crawler.settings
        self.path = s.get("PORTAL_DB")
        self.batch_size = s.getint("ARCHIVE_BATCH_SIZE", 200)
        self.busy_timeout = s.getfloat("ARCHIVE_BUSY_TIMEOUT", 10.0)
        self.run_args = s.getdict("PORTAL_RUN_ARGS") if s.get("PORTAL_RUN_ARGS") else {}
        self.batch: list[dict] = []
        self.proc = None
        self.run_id = None
        self.failed: str | None = None
        self.drift = DriftCounter({})
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
                                  args=(self.path, self.sites, self.run_args, self.inbox, self.outbox,
                                        os.getpid(), self.busy_timeout))
        try:
            _, self.run_id, profiles = self._expect("opened", timeout=120)
        except WriterFailed as e:
            from twisted.internet import reactor
            reactor.callLater(0, self._writer_failed, str(e))
            return
        self.crawler.stats.set_value("archive/run_id", self.run_id)
        self.drift = DriftCounter(profiles)
        self.poll.start(1.0, now=False)

    def _expect(self, kind: str, timeout: float = 600):
        """Block until the writer says ``kind``, applying counts on the way; WriterFailed
        if it says "failed", dies, or does not answer in ``timeout`` s."""
        import queue
        deadline = time.monotonic() + timeout
        while True:
            try:
                msg = self.outbox.get(timeout=0.5)
            except queue.Empty:
                if not self.proc.is_alive():
                    raise WriterFailed(f"archive writer died (exit {self.proc.exitcode})") from None
                if time.monotonic() > deadline:
                    raise WriterFailed(f"archive writer did not answer {kind!r} in {timeout} s") from None
                continue
            if msg[0] == "counts":
                self._count(msg[1])
            elif msg[0] == "failed":
                raise WriterFailed(msg[1])
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
            elif msg[0] == "failed":
                return self._writer_failed(msg[1])
        if not self.proc.is_alive():
            self._writer_failed(f"archive writer died (exit {self.proc.exitcode})")

    def _writer_failed(self, reason: str, stop: bool = True) -> None:
        if self.failed:
            return
        self.failed = reason
        stats = self.crawler.stats
        stats.set_value("archive/writer_error", reason)
        stats.inc_value("portal/errors")
        logger.error("%s; stopping the crawl", reason)
        if self.poll.running:
            self.poll.stop()
        self.batch = []
        # Nothing more can be sent: never let interpreter exit wait on the dead
        # writer's pipe (multiprocessing joins a queue's feeder thread at exit).
        self.inbox.cancel_join_thread()
        if stop:
            deferred_from_coro(self.crawler.engine.close_spider_async(reason="archive_error"))

    def process_item(self, item, spider=None):
        failed = self.failed or self.crawler.stats.get_value("archive/writer_error")  # or the WARC files'
        if failed:
            raise DropItem(f"archive not writable: {failed}")
        rec = item.as_dict() if isinstance(item, ArticleItem) else ItemAdapter(item).asdict()
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
        if self.batch and not self.failed:
            batch, self.batch = self.batch, []
            self.inbox.put(("write", batch))

    def close_spider(self, spider=None):
        self.flush()

    def spider_closed(self, spider=None, reason=None):
        if self.proc is None:
            return
        if self.poll.running:
            self.poll.stop()
        try:
            if not self.failed:
                self._finish(reason)
        except WriterFailed as e:
            self._writer_failed(str(e), stop=False)
        finally:
            self.proc.join(TERM_GRACE if not self.failed else 5)
            if self.proc.is_alive():          # never leave a writer behind
                self.proc.kill()
                self.proc.join()
            self.proc = None

    def _finish(self, reason) -> None:
        self.flush()
        self.inbox.put(("sync",))
        self._expect("synced")               # every count is in the stats now
        summary = run_stats(self.crawler.stats.get_stats(), self.sites)
        spider = self.crawler.spider
        friend = getattr(spider, "friend_links", {})
        if friend:
            # Recorded, never crawled: links to sibling sites are for `sites discover`.
            summary["per_site"] = {k: {**v, "friend_links": friend.get(k, [])}
                                   for k, v in summary["per_site"].items()}
        summary["drift"] = self.drift.report()
        summary["failed"] = list(getattr(spider, "failed", []))
        # After the last batch in the same queue: a frontier never runs ahead of the
        # articles it claims are archived (crawler/backfill.py).
        backfill = getattr(spider, "backfill", None)
        summary["backfill"] = backfill.report() if backfill is not None else []
        summary.update(getattr(self, "summary_extra", {}))  # scale-out: per-worker counts
        self.inbox.put(("finish", summary, reason or "finished"))
        done = self._expect("finished")
        self.crawler.stats.set_value("archive/writer_peak_rss_mb", done[1])
        logger.info("run %s recorded: %s", self.run_id, json.dumps(
            {k: summary[k] for k in ("requests",) + tuple(f"{c}_articles" for c in COUNTS)}))
