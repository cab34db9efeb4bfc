"""Scale-out: one crawl on many processes and machines, through a shared Redis frontier.

``portal_crawler.crawl(db, sites, redis=URL)`` (CLI ``crawl --redis URL``) is the
**coordinator**: it clears the frontier under its prefix, publishes the run (sites,
options, the archive's known keys for stop-at-known), seeds the queue with the home
pages / channel lists, fetches like any worker, and alone writes the archive: workers
push their items to Redis and the coordinator's ``FrontierArchivePipeline`` hands them
to the one archive writer. ``work(URL)`` (CLI ``worker --redis URL``) is a **worker**:
it reads the run from Redis, fetches, extracts, writes its WARC captures (into the
archive's WARC folder, or ``warc_dir``), and relays items.

The frontier (queue, dupefilter, leases) is scrapy-redis's (``crawler/redisfrontier.py``);
each site's delay and concurrency hold across all processes through ``RedisPaceBook``
(``crawler/redisbook.py``).

End of a run: the coordinator watches, every ``FRONTIER_TICK`` seconds, the queue and
every live worker's leases in one atomic read; when both are empty (after seeding) for
``FRONTIER_GRACE`` seconds the frontier is drained: it sets ``:stop``, every worker
reports its final counts and closes, the coordinator writes the remaining items and
records ONE ``crawl_runs`` row (``args.workers``: per-worker counts). A worker whose
heartbeat is older than ``FRONTIER_DEAD_AFTER`` is dead: its leased requests go back to
the queue and its last reported counts are kept, marked ``lost``.
"""
from __future__ import annotations

import dataclasses
import json
import logging
import pickle
import socket
import time

from itemadapter import ItemAdapter
from scrapy import Request, signals
from scrapy.exceptions import DontCloseSpider, DropItem
from scrapy.settings import Settings
from scrapy.utils.defer import deferred_from_coro
from twisted.internet import task

from portal_crawler.crawler.redisfrontier import (LEASE, WAKE, Frontier, FrontierError, SharedCounter, connect,
                                             new_worker_id)
from portal_crawler.crawler.pipelines.archive import ArchivePipeline
from portal_crawler.crawler.spider import PortalSpider
from portal_crawler.sites.registry import Site

logger = logging.getLogger(__name__)

__all__ = ["frontier_settings", "work", "FrontierError", "FrontierSpider"]

# Settings the coordinator passes to its workers (the rest are the workers' own defaults).
SHARED_SETTINGS = ("USER_AGENT", "CONTACT", "ROBOTSTXT_OBEY", "PACING_ADAPTIVE", "PACING_MAX_DELAY",
                   "PACING_TARGET_CONCURRENCY", "PACING_LOG_SENDS", "PACING_LEASE_TTL", "DOWNLOAD_TIMEOUT",
                   "RETRY_TIMES", "RETRY_BACKOFF_BASE", "RETRY_BACKOFF_MAX", "INCREMENTAL_OVERLAP_PAGES",
                   "WARC_ENABLED", "WARC_MAX_BYTES", "FRONTIER_TICK", "FRONTIER_GRACE", "FRONTIER_DEAD_AFTER")
DEAD_AFTER = 6.0  # s without a heartbeat: a process is gone (FRONTIER_DEAD_AFTER)
# Stats a worker reports (summed into the coordinator's run record).
REPORTED = ("site/", "downloader/request_count", "downloader/response_status_count/", "portal/errors",
            "warc/", "item_scraped_count", "log_count/ERROR", "response_received_count")


def frontier_settings(url: str, role: str, *, prefix: str = "portal", worker_id: str | None = None) -> dict:
    """The Scrapy settings that put one process on the shared frontier."""
    wid = worker_id or new_worker_id(role)
    return {
        "REDIS_URL": url,
        "REDIS_PARAMS": {"redis_cls": "portal_crawler.crawler.redisfrontier.RetryingRedis"},
        "SCHEDULER": "portal_crawler.crawler.redisfrontier.FrontierScheduler",
        "SCHEDULER_QUEUE_CLASS": "portal_crawler.crawler.redisfrontier.LeasedQueue",
        "SCHEDULER_QUEUE_KEY": f"{prefix}:requests",
        "SCHEDULER_DUPEFILTER_KEY": f"{prefix}:dupefilter",
        "DUPEFILTER_CLASS": "portal_crawler.crawler.redisfrontier.FrontierDupeFilter",
        "SCHEDULER_PERSIST": True,
        "PACING_BOOK": "portal_crawler.crawler.redisbook.RedisPaceBook",
        "FRONTIER_PREFIX": prefix,
        "FRONTIER_ROLE": role,
        "FRONTIER_WORKER_ID": wid,
        "WARC_PREFIX": time.strftime("%Y%m%dT%H%M%S") + f"-{socket.gethostname()}-{wid.rsplit('-', 2)[-2]}",
    }


def apply_frontier(s: Settings, url: str, role: str, prefix: str = "portal") -> None:
    for k, v in frontier_settings(url, role, prefix=prefix).items():
        s.set(k, v)
    s.set("SPIDER_MIDDLEWARES", {**s.getdict("SPIDER_MIDDLEWARES"),
                                 "portal_crawler.crawler.redisfrontier.LeaseRelease": 1})
    s.set("EXTENSIONS", {**s.getdict("EXTENSIONS"), "portal_crawler.crawler.scaleout.FrontierNode": 300})
    pipes = dict(s.getdict("ITEM_PIPELINES"))
    pipes.pop("portal_crawler.crawler.pipelines.archive.ArchivePipeline", None)
    pipes["portal_crawler.crawler.scaleout." + ("FrontierArchivePipeline" if role == "coordinator"
                                                else "RelayPipeline")] = 500
    s.set("ITEM_PIPELINES", pipes)
    s.set("PORTAL_SPIDER", "portal_crawler.crawler.scaleout.FrontierSpider")


def coordinate(s: Settings, url: str, *, resume: bool, spider_args: dict) -> None:
    """``crawl(..., redis=url)``: make ``s`` the settings of this crawl's coordinator
    (named by the ``SCALEOUT_COORDINATE`` setting). ValueError (one line) for a wrong
    or unreachable Redis URL."""
    try:
        connect(url)
    except FrontierError as e:
        raise ValueError(str(e)) from None
    apply_frontier(s, url, "coordinator")
    s.set("JOBDIR", None)  # the frontier lives in Redis, not in a job folder
    s.set("FRONTIER_RESUME", resume)
    s.set("PORTAL_SPIDER_ARGS", spider_args)


class FrontierSpider(PortalSpider):
    """The portal spider on a shared frontier: only the coordinator seeds it."""

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        fr = Frontier.for_crawler(crawler)
        spider.shared = fr  # (spider.backfill is the backfill state: crawler/backfill.py)
        spider.seeded = fr.role != "coordinator"
        if fr.role == "coordinator":
            s = crawler.settings
            if s.getbool("FRONTIER_RESUME"):
                # --resume: keep the queue and dupefilter of the interrupted run; what its
                # processes held goes back into the queue; its ending is forgotten.
                for wid in fr.server.hkeys(fr.key("workers")):
                    fr.requeue(wid.decode())
                fr.server.delete(fr.key("workers"), fr.key("stop"), fr.key("final"), fr.key("config"))
            else:
                fr.clear()
            fr.publish({
                "coordinator": fr.worker_id,
                "db": str(s.get("PORTAL_DB")),
                "warc_dir": str(_warc_dir(s)),
                "sites": [dataclasses.asdict(x) for x in spider.sites.values()],
                "spider_args": {**s.getdict("PORTAL_SPIDER_ARGS"), "full_lists": spider.full_lists},
                "backfill": _backfill_rows(s.get("PORTAL_DB"), list(spider.sites)),
                "settings": {k: s.get(k) for k in SHARED_SETTINGS if s.get(k) is not None},
            }, spider.known)
        if spider.max_articles is not None:
            spider.scheduled = SharedCounter(fr.server, fr.key("scheduled"))
        return spider

    async def start(self):
        if self.shared.role == "coordinator":
            async for request in super().start():
                yield request
        self.seeded = True  # every seed is in the queue (the engine pushed each as it came)

    def on_error(self, failure):
        try:
            return super().on_error(failure)
        finally:
            self.shared.release(failure.request.meta.get(LEASE))


def _backfill_rows(db, sites) -> list[dict]:
    """The archive's backfill state (crawler/backfill.py), for workers that never open it."""
    from portal_crawler.store import Archive
    with Archive.open(db) as ar:
        return [r for site in sites for r in ar.backfill(site=site)]


def _warc_dir(s):
    from portal_crawler.store.paths import warc_dir
    from pathlib import Path
    return Path(s.get("WARC_DIR") or warc_dir(s.get("PORTAL_DB"))).resolve()


def _reported(stats: dict) -> dict:
    return {k: v for k, v in stats.items() if isinstance(v, (int, float)) and k.startswith(REPORTED)}


class FrontierNode:
    """Extension on every process of a coordinated crawl: heartbeat, lease renewal,
    waking an idle engine when the shared queue fills, stopping on ``:stop``; on the
    coordinator also the drain check and dead-worker recovery (module doc)."""

    def __init__(self, crawler) -> None:
        self.crawler = crawler
        self.fr = Frontier.for_crawler(crawler)
        s = crawler.settings
        self.tick_s = s.getfloat("FRONTIER_TICK", 0.25)
        self.grace = s.getfloat("FRONTIER_GRACE", 1.0)
        self.dead_after = s.getfloat("FRONTIER_DEAD_AFTER", DEAD_AFTER)
        self.quiet_since = None      # server time since when the frontier was seen empty
        self.stop_at = None
        self.closing = False
        self.last_tick = None
        self.trust_after = 0.0       # no dead-worker verdicts before this (after our own stall)
        self.lost: dict[str, dict] = {}
        self.loop = task.LoopingCall(self.tick)
        crawler.signals.connect(self.opened, signal=signals.spider_opened)
        crawler.signals.connect(self.idle, signal=signals.spider_idle)
        crawler.signals.connect(self.closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    @property
    def coordinator(self) -> bool:
        return self.fr.role == "coordinator"

    def opened(self, spider=None):
        self.loop.start(self.tick_s, now=True)

    def idle(self, spider=None):
        if not self.closing:
            raise DontCloseSpider  # the frontier is shared: an empty local engine is not the end

    def _close(self, reason: str) -> None:
        if not self.closing:
            self.closing = True
            deferred_from_coro(self.crawler.engine.close_spider_async(reason=reason))

    def tick(self) -> None:
        try:
            self._tick()
        except Exception:  # noqa: BLE001 - a LoopingCall that raises stops for good
            logger.exception("frontier tick failed")

    def _tick(self) -> None:
        fr, engine = self.fr, self.crawler.engine
        wall = time.monotonic()
        if self.last_tick is not None and wall - self.last_tick > self.dead_after / 2:
            # We stalled (Redis down, a long pause): everyone's heartbeat looks old for a while.
            self.trust_after = wall + self.dead_after
        blocked = wall < self.trust_after
        self.last_tick = wall
        now = fr.now()
        fr.server.hset(fr.key("workers"), fr.worker_id, json.dumps(
            {"t": now, "role": fr.role, "stats": _reported(self.crawler.stats.get_stats())}))
        if fr.pace_book is not None:
            fr.pace_book.renew()
        if self.closing:
            return
        stop = fr.stopped()
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
        if not engine.downloader.active and fr.server.zcard(fr.key("requests")):
            engine.crawl(Request("data:,", meta={WAKE: True}, dont_filter=True))
        if self.coordinator:
            self._coordinate(now, blocked, stop)

    def _coordinator_alive(self, now: float) -> bool:
        cid = self.crawler.settings.get("FRONTIER_COORDINATOR")
        hb = self.fr.server.hget(self.fr.key("workers"), cid) if cid else None
        return cid is None or (hb is not None and now - json.loads(hb)["t"] <= self.dead_after)

    def _coordinate(self, now: float, blocked: bool, stop: str | None) -> None:
        fr = self.fr
        workers = {k.decode(): json.loads(v) for k, v in fr.server.hgetall(fr.key("workers")).items()}
        if not blocked:
            for wid, hb in workers.items():
                if wid != fr.worker_id and now - hb["t"] > self.dead_after:
                    n = fr.requeue(wid)
                    fr.server.hdel(fr.key("workers"), wid)
                    fr.server.hset(fr.key("final"), wid, json.dumps({**hb, "lost": True}))
                    logger.warning("worker %s lost (no heartbeat for %.0f s): %d requests back in the queue",
                                   wid, now - hb["t"], n)
        if stop:
            self.stop_at = self.stop_at or now
            others = [w for w in fr.server.hkeys(fr.key("workers")) if w.decode() != fr.worker_id]
            if not others or now - self.stop_at > 60:
                self._close("finished")
            return
        if not self.crawler.spider.seeded:
            return
        queued, leased, t = fr.snapshot()
        if queued or leased:
            self.quiet_since = None
            return
        if self.quiet_since is None:
            self.quiet_since = t
        elif t - self.quiet_since >= self.grace:
            logger.info("frontier drained; stopping the workers")
            fr.stop("finished")

    def closed(self, spider=None, reason=None):
        if self.loop.running:
            self.loop.stop()
        fr = self.fr
        if self.coordinator:
            fr.stop(reason or "finished")  # workers never outlive their coordinator
            fr.server.delete(fr.key("config"))  # a worker started now waits for the next run
            return
        # Stopped before the end (Ctrl-C, shutdown): what this worker still holds goes back.
        fr.requeue(fr.worker_id)
        fr.server.hset(fr.key("final"), fr.worker_id, json.dumps(
            {"t": fr.now(), "role": fr.role, "stats": _reported(self.crawler.stats.get_stats())}))
        fr.server.hdel(fr.key("workers"), fr.worker_id)


class RelayPipeline:
    """Workers: each item goes to the coordinator through Redis (one archive writer)."""

    def __init__(self, crawler) -> None:
        self.fr = Frontier.for_crawler(crawler)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_item(self, item, spider=None):
        rec = ItemAdapter(item).asdict()
        self.fr.server.rpush(self.fr.key("items"), pickle.dumps(rec, protocol=pickle.HIGHEST_PROTOCOL))
        return item


class FrontierArchivePipeline(ArchivePipeline):
    """The coordinator's ArchivePipeline: also writes the items the workers relay, and
    records the workers' counts with the run."""

    PULL = 500

    def __init__(self, crawler):
        super().__init__(crawler)
        self.fr = Frontier.for_crawler(crawler)

    def _pull(self) -> int:
        n = 0
        while True:
            raw = self.fr.server.lpop(self.fr.key("items"), self.PULL)
            if not raw:
                return n
            for data in raw:
                try:
                    self.process_item(pickle.loads(data))
                except DropItem:
                    pass
            n += len(raw)

    def _drain(self) -> None:
        self._pull()
        super()._drain()

    def close_spider(self, spider=None):
        fr, stats = self.fr, self.crawler.stats
        # Workers post their final counts as they close; wait a little for the last ones.
        deadline = time.monotonic() + 30
        while fr.server.hlen(fr.key("workers")) > 1 and time.monotonic() < deadline:
            time.sleep(0.2)
        self._pull()
        per_worker = {fr.worker_id: {"role": "coordinator", **_summary(_reported(stats.get_stats()))}}
        for wid, raw in fr.server.hgetall(fr.key("final")).items():
            rec = json.loads(raw)
            for k, v in rec["stats"].items():
                stats.inc_value(k, v)
            per_worker[wid.decode()] = {"role": rec.get("role", "worker"), **_summary(rec["stats"]),
                                        **({"lost": True} if rec.get("lost") else {})}
        self.summary_extra = {"workers": per_worker}
        super().close_spider(spider)


def _summary(stats: dict) -> dict:
    return {"requests": int(stats.get("downloader/request_count", 0)),
            "articles": int(stats.get("item_scraped_count", 0)),
            "errors": int(stats.get("portal/errors", 0)),
            "warc_records": int(stats.get("warc/records", 0))}


def _alive(fr: Frontier, worker_id: str) -> bool:
    """The coordinator's heartbeat moves (a config left by a killed coordinator is no run
    to join, even in the seconds its last heartbeat still looks recent)."""
    def beat():
        hb = fr.server.hget(fr.key("workers"), worker_id)
        return json.loads(hb)["t"] if hb else None
    first = beat()
    if first is None:
        return False
    time.sleep(4 * 0.25)  # a few of its ticks (FRONTIER_TICK)
    return (beat() or first) > first


def work(redis_url: str, *, prefix: str = "portal", warc_dir: str | None = None, wait: float = 60.0,
         log_level: str = "WARNING", settings: dict | None = None):
    """Join the coordinated crawl at ``redis_url`` as a worker; returns its CrawlResult.

    Waits up to ``wait`` seconds for a coordinator to publish a run. ``warc_dir``: where
    this worker writes its WARC files (default: the archive's WARC folder, as the
    coordinator sees it; on another machine, a mount of it or a folder shipped there
    later: the pointers name files, not paths). Raises ``FrontierError`` (one line) for
    a wrong or unreachable URL, or when no run appears.
    """
    from portal_crawler.crawler.run import build_settings
    from portal_crawler.crawler.runner import run_crawler
    server = connect(redis_url)
    deadline = time.monotonic() + wait
    probe = Frontier(server, prefix, "probe", "worker")
    while (config := probe.config()) is None or not _alive(probe, config["coordinator"]):
        if time.monotonic() > deadline:
            raise FrontierError(f"no coordinated crawl at {redis_url} (waited {wait:.0f} s): "
                                f"start `portal-crawler crawl --redis {redis_url}` first")
        time.sleep(0.5)
    sites = [Site(**d) for d in config["sites"]]
    s = build_settings(config["db"], log_level=log_level, settings={**config["settings"], **(settings or {})})
    apply_frontier(s, redis_url, "worker", prefix)
    s.set("PORTAL_LOCK_HELD", True)  # a worker never opens the archive
    s.set("WARC_DIR", str(warc_dir or config["warc_dir"]))
    s.set("FRONTIER_COORDINATOR", config["coordinator"])  # a worker never outlives it
    known = probe.known([x.key for x in sites])
    return run_crawler(s, FrontierSpider, sites, known=known, backfill=config["backfill"], **config["spider_args"])
