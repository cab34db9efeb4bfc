"""Item pipeline: filter, batch, and hand articles to the archive writer process.

The archive (``store.Archive``) does normalisation of identity, deduplication and
versioning inside ``write_articles``, in the writer process (``pipelines/writer.py``);
this pipeline only batches (one transaction per batch), keeps the run's counts, and has
the run recorded in ``crawl_runs`` at the end.

Nothing here blocks Scrapy's event loop: the queue to the writer is unbounded (a put
never waits), answers are read without waiting (``get_nowait``), and every wait for the
writer (opened, synced, finished, exited) is a coroutine that polls and sleeps on the
loop, bounded by a setting.
"""
from __future__ import annotations

import asyncio
import json
import logging
import os
import queue
import time

from itemadapter import ItemAdapter
from scrapy import signals
from scrapy.exceptions import DropItem
from scrapy.utils.defer import deferred_from_coro
from twisted.internet import task

from portal_crawler.crawler.extensions.drift import DriftCounter
from portal_crawler.crawler.items import ArticleItem
from portal_crawler.crawler.pipelines.writer import TERM_GRACE, WRITER_NAME, writer_main
from portal_crawler.crawler.stats import (COUNTS, ERRORS, RUN_ID, SKIPPED_BEFORE_SINCE, WRITER_ERROR,
                                          WRITER_PEAK_RSS, archive_count, run_stats, site_key)
from portal_crawler.crawler.stopping import crawl_force_stop, crawl_stopping, item_at_stop
from portal_crawler.spawn import CTX, start_process

logger = logging.getLogger(__name__)
POLL = 0.02     # s between looks at the writer's answers while waiting for one
TICK = 0.25     # s between the pipeline's routine looks (counts back, flush on time)


class WriterFailed(Exception):
    """The archive writer could not write; the message is its one-line reason."""


class WriterAbandoned(Exception):
    """A forced stop ran out of time while the writer was still committing."""


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
        self.batch_size = s.getint("ARCHIVE_BATCH_SIZE")
        self.flush_interval = s.getfloat("ARCHIVE_FLUSH_INTERVAL")
        self.busy_timeout = s.getfloat("ARCHIVE_BUSY_TIMEOUT")
        self.open_timeout = s.getfloat("ARCHIVE_WRITER_OPEN_TIMEOUT")
        self.finish_timeout = s.getfloat("ARCHIVE_WRITER_FINISH_TIMEOUT")
        self.exit_timeout = s.getfloat("ARCHIVE_WRITER_EXIT_TIMEOUT")
        self.stall = s.getfloat("ARCHIVE_WRITER_STALL")
        self.stop_timeout = s.getfloat("STOP_TIMEOUT")
        self.force_timeout = s.getfloat("STOP_FORCE_TIMEOUT")
        self.run_args = s.getdict("PORTAL_RUN_ARGS")
        self.batch: list[dict] = []
        self.batch_started = 0.0
        self.proc = None
        self.run_id = None
        self.failed: str | None = None
        self.force_deadline: float | None = None
        self.drift = DriftCounter({})
        self.poll = task.LoopingCall(self._drain)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(self._forced, signal=crawl_force_stop)
        crawler.signals.connect(self._stopping, signal=crawl_stopping)
        crawler.signals.connect(self._item_at_stop, signal=item_at_stop)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    async def open_spider(self, spider=None):
        spider = spider or self.crawler.spider
        self.sites = list(getattr(spider, "sites", {}))
        self.inbox, self.outbox = CTX.Queue(), CTX.Queue()
        self.proc = start_process(writer_main, name=WRITER_NAME,
                                  args=(self.path, self.sites, self.run_args, self.inbox, self.outbox,
                                        os.getpid(), self.busy_timeout, TERM_GRACE, self.stall))
        from twisted.internet import reactor
        # However the reactor comes to stop (a crawl ended during its start, a forced
        # stop), the writer is ended before it does: never a process waiting at exit.
        reactor.addSystemEventTrigger("before", "shutdown", self._before_shutdown)
        try:
            _, self.run_id, profiles = await self._expect("opened", self.open_timeout)
        except WriterAbandoned as e:
            self.failed = str(e)       # stopped at once while the writer was opening
            await self._end_writer(0.0)
            return
        except WriterFailed as e:
            reactor.callLater(0, self._writer_failed, str(e))
            return
        self.crawler.stats.set_value(RUN_ID, self.run_id)
        self.drift = DriftCounter(profiles)
        self.poll.start(TICK, now=False)

    def _stopping(self) -> None:
        """First signal. A writer still opening the archive (a spawned process takes a
        second or two to start) is not waited for: nothing was fetched yet."""
        if self.proc is not None and self.run_id is None:
            self.force_deadline = time.monotonic()

    def _forced(self) -> None:
        """Second signal: the writer has STOP_FORCE_TIMEOUT s left to commit what it has."""
        self.force_deadline = time.monotonic() + self.force_timeout

    def _message(self):
        try:
            return self.outbox.get_nowait()
        except queue.Empty:
            return None

    async def _expect(self, kind: str, timeout: float):
        """Wait (on the event loop) until the writer says ``kind``, applying counts on the
        way. WriterFailed if it says "failed", dies, or does not answer in ``timeout`` s;
        WriterAbandoned if a forced stop runs out of time first."""
        deadline = time.monotonic() + timeout
        while True:
            msg = self._message()
            if msg is None:
                if not self.proc.is_alive():
                    msg = self._message()    # its last words may have arrived meanwhile
                    if msg is None:
                        raise WriterFailed(f"archive writer died (exit {self.proc.exitcode})")
                else:
                    now = time.monotonic()
                    if self.force_deadline is not None and now > self.force_deadline:
                        raise WriterAbandoned(f"archive writer still busy when the stop was forced ({kind!r})")
                    if now > deadline:
                        raise WriterFailed(f"archive writer did not answer {kind!r} in {timeout:g} s")
                    await asyncio.sleep(POLL)
                    continue
            if msg[0] == "counts":
                self._count(msg[1])
            elif msg[0] == "failed":
                raise WriterFailed(msg[1])
            elif msg[0] == kind:
                return msg

    def _drain(self) -> None:
        while (msg := self._message()) is not None:
            if msg[0] == "counts":
                self._count(msg[1])
            elif msg[0] == "failed":
                return self._writer_failed(msg[1])
        if not self.proc.is_alive():
            return self._writer_failed(f"archive writer died (exit {self.proc.exitcode})")
        # Commit on time as well as on count: "new" rises while a small crawl runs.
        if self.batch and time.monotonic() - self.batch_started >= self.flush_interval:
            self.flush()

    def _writer_failed(self, reason: str, stop: bool = True) -> None:
        if self.failed:
            return
        self.failed = reason
        stats = self.crawler.stats
        stats.set_value(WRITER_ERROR, reason)
        stats.inc_value(ERRORS)
        logger.error("%s; stopping the crawl", reason)
        if self.poll.running:
            self.poll.stop()
        self.batch = []
        # Nothing more can be sent: never let interpreter exit wait on the dead
        # writer's pipe (multiprocessing joins a queue's feeder thread at exit).
        self.inbox.cancel_join_thread()
        if stop:
            deferred_from_coro(self.crawler.engine.close_spider_async(reason="archive_error"))

    def _item_at_stop(self, item):
        try:
            self.process_item(item)
        except DropItem:
            pass     # counted and logged as any dropped item is

    def process_item(self, item, spider=None):
        failed = self.failed or self.crawler.stats.get_value(WRITER_ERROR)  # or the WARC files'
        if failed:
            raise DropItem(f"archive not writable: {failed}")
        rec = item.as_dict() if isinstance(item, ArticleItem) else ItemAdapter(item).asdict()
        since = getattr(self.crawler.spider, "since", None)
        published = rec.get("published_at")
        if since and published and published[:10] < since:
            self.crawler.stats.inc_value(SKIPPED_BEFORE_SINCE)
            raise DropItem(f"published {published} before --since {since}")
        self.drift.see(rec)
        if not self.batch:
            self.batch_started = time.monotonic()
        self.batch.append(rec)
        if len(self.batch) >= self.batch_size:
            self.flush()
        return item

    def _count(self, results) -> None:
        stats = self.crawler.stats
        for site, counts in results:
            for c in COUNTS:
                n = counts.get(c, 0)
                stats.inc_value(archive_count(c), n)
                stats.inc_value(site_key(site, c), n)

    def flush(self) -> None:
        if self.batch and not self.failed:
            batch, self.batch = self.batch, []
            self.inbox.put(("write", batch))   # unbounded queue: never waits

    def close_spider(self, spider=None):
        self.flush()

    async def spider_closed(self, spider=None, reason=None):
        if self.proc is None:
            return
        if self.poll.running:
            self.poll.stop()
        abandoned = False
        try:
            if not self.failed:
                await self._finish(reason)
        except WriterAbandoned as e:
            abandoned = True   # a forced stop: the run row stays unfinished (the next run walks every list)
            logger.warning("%s", e)
        except WriterFailed as e:
            self._writer_failed(str(e), stop=False)
        finally:
            await self._end_writer(0.0 if abandoned else (self.exit_timeout if not self.failed else 5.0))

    async def _end_writer(self, wait: float) -> None:
        """Wait (on the loop) for the writer to exit; kill it after ``wait`` s. Never
        leaves a writer behind, nor a queue that interpreter exit would wait on."""
        proc = self.proc
        if proc is None:
            return
        deadline = time.monotonic() + wait
        while proc.is_alive() and time.monotonic() < deadline:
            await asyncio.sleep(POLL)
        if proc.is_alive():
            self.inbox.cancel_join_thread()
            proc.kill()
            while proc.is_alive():
                await asyncio.sleep(POLL)
        proc.join(0)
        self.proc = None

    def _before_shutdown(self):
        """The reactor is stopping: give a close under way its last seconds (the whole
        stop budget, or what a forced stop has left), then end the writer."""
        if self.proc is None:
            return None
        deadline = self.force_deadline or time.monotonic() + self.stop_timeout + self.force_timeout

        async def last_chance():
            while self.proc is not None and time.monotonic() < (self.force_deadline or deadline):
                await asyncio.sleep(POLL)
            await self._end_writer(0.0)
        return deferred_from_coro(last_chance())

    async def _finish(self, reason) -> None:
        self.flush()
        self.inbox.put(("sync",))
        await self._expect("synced", self.finish_timeout)     # every count is in the stats now
        summary = run_stats(self.crawler.stats.get_stats(), self.sites)
        spider = self.crawler.spider
        friend = getattr(spider, "friend_links", {})
        if friend:
            # Recorded, never crawled: links to sibling sites are for `sites discover`.
            summary["per_site"] = {k: {**v, "friend_links": friend.get(k, [])}
                                   for k, v in summary["per_site"].items()}
        summary["drift"] = self.drift.report()
        summary["failed"] = list(getattr(spider, "failed", []))
        # After the last batch in the same queue: a backfill row never runs ahead of the
        # articles it claims are archived (crawler/backfill.py).
        backfill = getattr(spider, "backfill", None)
        summary["backfill"] = backfill.report() if backfill is not None else []
        summary.update(getattr(self, "summary_extra", {}))  # scale-out: per-worker counts
        self.inbox.put(("finish", summary, reason or "finished"))
        done = await self._expect("finished", self.finish_timeout)
        self.crawler.stats.set_value(WRITER_PEAK_RSS, done[1])
        logger.info("run %s recorded: %s", self.run_id, json.dumps(
            {k: summary[k] for k in ("requests",) + tuple(f"{c}_articles" for c in COUNTS)}))
