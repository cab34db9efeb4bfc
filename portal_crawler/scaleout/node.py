"""One process of a coordinated crawl: its settings and its ``ScaleoutNode`` extension.

Every process (the coordinator and each worker) heartbeats into ``:workers`` every
``SCALEOUT_TICK`` seconds, renews its pace-book leases, wakes its idle engine when the
shared queue fills, and closes when ``:stop`` is set. The coordinator also decides the
end and recovers from dead workers:

* **The end.** Every tick it reads, in one atomic step, the queue length and the lease
  counts of every live process; when both are zero (after seeding) for
  ``SCALEOUT_GRACE`` seconds the run is drained: it sets ``:stop``.
* **A dead worker.** A process whose heartbeat is older than ``SCALEOUT_DEAD_AFTER``
  seconds is dead: its leased requests go back to the queue at the coordinator's next
  tick (so within ``SCALEOUT_DEAD_AFTER + SCALEOUT_TICK`` seconds of its last
  heartbeat) and its last reported counts are kept, marked ``lost``.
"""
from __future__ import annotations

import json
import logging
import socket
import time

from scrapy import Request, signals
from scrapy.exceptions import DontCloseSpider
from scrapy.settings import Settings
from scrapy.utils.defer import deferred_from_coro
from twisted.internet import task, threads

from portal_crawler.scaleout import warcship
from portal_crawler.scaleout.state import WAKE, SharedRun, new_worker_id
from portal_crawler.scaleout.walks import walk_state

logger = logging.getLogger(__name__)

PKG = "portal_crawler.scaleout"
# Settings the coordinator passes to its workers (the rest are the workers' own defaults).
SHARED_SETTINGS = ("USER_AGENT", "CONTACT", "ROBOTSTXT_OBEY", "PACING_ADAPTIVE", "PACING_MAX_DELAY",
                   "PACING_TARGET_CONCURRENCY", "PACING_LOG_SENDS", "PACING_LEASE_TTL", "DOWNLOAD_TIMEOUT",
                   "RETRY_TIMES", "RETRY_BACKOFF_BASE", "RETRY_BACKOFF_MAX", "INCREMENTAL_OVERLAP_PAGES",
                   "WARC_ENABLED", "WARC_MAX_BYTES", "SCALEOUT_TICK", "SCALEOUT_GRACE", "SCALEOUT_DEAD_AFTER")
# Stats a process reports (summed into the coordinator's run record).
REPORTED = ("site/", "downloader/request_count", "downloader/response_status_count/", "portal/errors",
            "warc/", "item_scraped_count", "log_count/ERROR", "response_received_count")


def node_settings(s: Settings, url: str, role: str, prefix: str | None = None) -> dict:
    """The Scrapy settings that put one process (``role``: coordinator or worker) on the
    shared run at ``url``, on top of the settings ``s`` it would crawl with alone."""
    wid = new_worker_id(role)
    pipes = dict(s.getdict("ITEM_PIPELINES"))
    pipes.pop("portal_crawler.crawler.pipelines.archive.ArchivePipeline", None)
    pipes[f"{PKG}.pipelines." + ("ScaleoutArchivePipeline" if role == "coordinator" else "RelayPipeline")] = 500
    prefix = prefix or s.get("SCALEOUT_PREFIX")
    return {
        "REDIS_URL": url,
        "REDIS_PARAMS": {"redis_cls": f"{PKG}.state.RetryingRedis"},
        "SCHEDULER": f"{PKG}.scheduler.ScaleoutScheduler",
        "SCHEDULER_QUEUE_CLASS": f"{PKG}.scheduler.LeasedQueue",
        "SCHEDULER_QUEUE_KEY": f"{prefix}:requests",
        "SCHEDULER_DUPEFILTER_KEY": f"{prefix}:dupefilter",
        "DUPEFILTER_CLASS": f"{PKG}.scheduler.ScaleoutDupeFilter",
        "SCHEDULER_PERSIST": True,
        "JOBDIR": None,  # the run lives in Redis, not in a job folder
        "PACING_BOOK": f"{PKG}.pacebook.RedisPaceBook",
        "SCALEOUT_PREFIX": prefix,
        "SCALEOUT_ROLE": role,
        "SCALEOUT_WORKER_ID": wid,
        "WARC_PREFIX": time.strftime("%Y%m%dT%H%M%S") + f"-{socket.gethostname()}-{wid.rsplit('-', 2)[-2]}",
        "SPIDER_MIDDLEWARES": {**s.getdict("SPIDER_MIDDLEWARES"), f"{PKG}.scheduler.LeaseRelease": 1},
        "EXTENSIONS": {**s.getdict("EXTENSIONS"), f"{PKG}.node.ScaleoutNode": 300},
        "ITEM_PIPELINES": pipes,
        "PORTAL_SPIDER": f"{PKG}.spider.ScaleoutSpider",
    }


def reported(stats: dict) -> dict:
    return {k: v for k, v in stats.items() if isinstance(v, (int, float)) and k.startswith(REPORTED)}


class ScaleoutNode:
    """Extension on every process of a coordinated crawl (module doc)."""

    def __init__(self, crawler) -> None:
        self.crawler = crawler
        self.shared = SharedRun.for_crawler(crawler)
        s = crawler.settings
        self.tick_s = s.getfloat("SCALEOUT_TICK")
        self.grace = s.getfloat("SCALEOUT_GRACE")
        self.dead_after = s.getfloat("SCALEOUT_DEAD_AFTER")
        self.quiet_since = None      # server time since when the run was seen drained
        self.stop_at = None
        self.closing = False
        self.last_tick = None
        self.trust_after = 0.0       # no dead-worker verdicts before this (after our own stall)
        self.loop = task.LoopingCall(self.tick)
        # Requests inside the downloader, counted from Scrapy's documented signals (the
        # downloader's own `active` set is not public API); request_left_downloader fires
        # for every request that reached it, whether it succeeded or failed.
        self.downloading = 0
        crawler.signals.connect(self.reached_downloader, signal=signals.request_reached_downloader)
        crawler.signals.connect(self.left_downloader, signal=signals.request_left_downloader)
        crawler.signals.connect(self.opened, signal=signals.spider_opened)
        crawler.signals.connect(self.idle, signal=signals.spider_idle)
        crawler.signals.connect(self.closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def reached_downloader(self, request=None, spider=None) -> None:
        self.downloading += 1

    def left_downloader(self, request=None, spider=None) -> None:
        self.downloading -= 1

    @property
    def coordinator(self) -> bool:
        return self.shared.role == "coordinator"

    def opened(self, spider=None):
        self.loop.start(self.tick_s, now=True)

    def idle(self, spider=None):
        if not self.closing:
            raise DontCloseSpider  # the queue is shared: an empty local engine is not the end

    def _close(self, reason: str) -> None:
        if not self.closing:
            self.closing = True
            deferred_from_coro(self.crawler.engine.close_spider_async(reason=reason))

    def tick(self) -> None:
        try:
            self._tick()
        except Exception:  # noqa: BLE001 - a LoopingCall that raises stops for good
            logger.exception("scale-out tick failed")

    def heartbeat(self, now: float) -> None:
        sh = self.shared
        sh.server.hset(sh.key("workers"), sh.worker_id, json.dumps(
            {"t": now, "role": sh.role, "host": socket.gethostname(),
             "stats": reported(self.crawler.stats.get_stats())}))

    def _tick(self) -> None:
        sh, engine = self.shared, self.crawler.engine
        wall = time.monotonic()
        if self.last_tick is not None and wall - self.last_tick > self.dead_after / 2:
            # We stalled (Redis down, a long pause): everyone's heartbeat looks old for a while.
            self.trust_after = wall + self.dead_after
        blocked = wall < self.trust_after
        self.last_tick = wall
        now = sh.now()
        self.heartbeat(now)
        if sh.pace_book is not None:
            sh.pace_book.renew()
        if self.closing:
            return
        stop = sh.stopped()
        if stop and not self.coordinator:
            self._close("finished" if stop == "finished" else f"coordinator_{stop}")
            return
        if not self.coordinator and not blocked and not self._coordinator_alive(now):
            logger.error("the coordinator is gone (no heartbeat for %.0f s); stopping", self.dead_after)
            self._close("coordinator_lost")
            return
        if engine is None or engine.spider is None:
            return
        # An idle engine asks the scheduler again only on its 5 s heartbeat; a queue that
        # filled meanwhile (another worker's list page) is served now instead.
        if not self.downloading and sh.server.zcard(sh.key("requests")):
            engine.crawl(Request("data:,", meta={WAKE: True}, dont_filter=True))
        if self.coordinator:
            self._coordinate(now, blocked, stop)

    def _coordinator_alive(self, now: float) -> bool:
        cid = self.crawler.settings.get("SCALEOUT_COORDINATOR")
        hb = self.shared.server.hget(self.shared.key("workers"), cid) if cid else None
        return cid is None or (hb is not None and now - json.loads(hb)["t"] <= self.dead_after)

    def _coordinate(self, now: float, blocked: bool, stop: str | None) -> None:
        sh = self.shared
        if not blocked:
            for wid, hb in sh.workers().items():
                if wid != sh.worker_id and now - hb["t"] > self.dead_after:
                    n = sh.requeue(wid)
                    sh.server.hdel(sh.key("workers"), wid)
                    sh.server.hset(sh.key("final"), wid, json.dumps({**hb, "lost": True}))
                    logger.warning("worker %s lost (no heartbeat for %.0f s): %d requests back in the queue",
                                   wid, now - hb["t"], n)
        if stop:
            self.stop_at = self.stop_at or now
            others = [w for w in sh.server.hkeys(sh.key("workers")) if w.decode() != sh.worker_id]
            if not others or now - self.stop_at > 60:
                self._close("finished")
            return
        if not self.crawler.spider.seeded:
            return
        queued, leased, t = sh.snapshot()
        if queued or leased:
            self.quiet_since = None
            return
        if self.quiet_since is None:
            self.quiet_since = t
        elif t - self.quiet_since >= self.grace:
            logger.info("the shared queue is drained; stopping the workers")
            sh.stop("finished")

    def closed(self, spider=None, reason=None):
        sh = self.shared
        if self.coordinator:
            if self.loop.running:
                self.loop.stop()
            sh.stop(reason or "finished")  # workers never outlive their coordinator
            sh.server.delete(sh.key("config"))  # a worker started now waits for the next run
            warcship.marker(warcship.warc_folder(self.crawler.settings), sh.worker_id).unlink(missing_ok=True)
            return None
        # A worker whose WARC folder is not the archive's ships its files (scaleout/warcship.py),
        # off the event loop and heartbeating meanwhile (the coordinator waits for it).
        s = self.crawler.settings
        folder = warcship.warc_folder(s)
        if s.getbool("WARC_ENABLED") and not warcship.shares_folder(folder, s.get("SCALEOUT_COORDINATOR")):
            d = threads.deferToThread(warcship.ship, sh, folder, s.get("WARC_PREFIX"))
            d.addCallback(lambda names: logger.info("shipped %d WARC files to the coordinator", len(names)))
            d.addBoth(self._leave)
            return d
        self._leave(None)
        return None

    def _leave(self, result):
        if self.loop.running:
            self.loop.stop()
        sh = self.shared
        # Stopped before the end (Ctrl-C, shutdown): what this worker still holds goes back.
        sh.requeue(sh.worker_id)
        # Its part of the backfill walks, for the coordinator's report (scaleout/walks.py),
        # posted before it leaves `:workers` (the coordinator waits for that).
        backfill = getattr(self.crawler.spider, "backfill", None)
        if backfill is not None:
            sh.server.hset(sh.key("walks"), sh.worker_id, json.dumps(walk_state(backfill)))
        sh.server.hset(sh.key("final"), sh.worker_id, json.dumps(
            {"t": sh.now(), "role": sh.role, "stats": reported(self.crawler.stats.get_stats())}))
        sh.server.hdel(sh.key("workers"), sh.worker_id)
        return result
