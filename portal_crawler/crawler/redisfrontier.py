"""The shared frontier of a coordinated crawl: scrapy-redis, adapted to Scrapy 2.19 and to us.

scrapy-redis gives the engine: a Scheduler whose queue (a Redis sorted set by priority)
and dupefilter (a Redis set of fingerprints) are shared by every process of the crawl.
Its documented settings (``SCHEDULER``, ``SCHEDULER_QUEUE_CLASS``, ``DUPEFILTER_CLASS``,
``SCHEDULER_PERSIST``, ``REDIS_URL``, ``REDIS_PARAMS``) plug in the adaptations below:

* ``FrontierDupeFilter``: scrapy-redis hashes the URL itself and ignores
  ``REQUEST_FINGERPRINTER_CLASS``; ours asks the crawler's fingerprinter
  (``crawler/downloader/fingerprint.py``), so one article is fetched once whatever URL form links
  to it, across all workers.
* ``LeasedQueue``: a pop moves the request into the popping worker's lease hash in the
  same Lua script. The lease is released when the request's callback output (new
  requests, items) is in Redis (``LeaseRelease``, a spider middleware) or its errback
  ran (``FrontierSpider.on_error``), or when it is re-enqueued (retry, redirect). A
  worker that dies (SIGKILL, machine lost) stops its heartbeat; the coordinator puts its
  leased requests back into the queue (``Frontier.requeue``): nothing is lost.
* ``FrontierScheduler``: always persistent (scrapy-redis's default
  ``SCHEDULER_PERSIST=False`` lets the first idle worker flush the shared queue and
  dupefilter); the coordinator clears the frontier at the start of a run instead.
* ``RetryingRedis``: a Redis restarted mid-crawl (with persistence) is waited for, with
  backoff, instead of failing the crawl.

Keys (``FRONTIER_PREFIX``, default ``portal``): ``:config`` (the run, JSON), ``:known:SITE``
(archived identity keys, for stop-at-known), ``:requests``, ``:dupefilter``,
``:leases:WORKER``, ``:items`` (extracted items for the coordinator's archive writer),
``:workers`` (heartbeats), ``:final`` (each worker's final counts), ``:stop``,
``:scheduled`` (``--max-articles`` counts), ``:pace:*`` (``crawler/redisbook.py``).
"""
from __future__ import annotations

import itertools
import json
import os
import socket
import uuid

import redis
from redis.backoff import ExponentialBackoff
from redis.retry import Retry
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.queue import PriorityQueue
from scrapy_redis.scheduler import Scheduler

LEASE = "frontier_lease"   # request.meta key: the lease token of a popped request
WAKE = "frontier_wake"     # request.meta key of the no-op request that wakes an idle engine
# A Redis restart is waited for this long (retries x backoff cap) before a command fails.
REDIS_RETRIES, REDIS_BACKOFF_CAP = 240, 0.5


class FrontierError(Exception):
    """A Redis URL that is wrong or unreachable; the message is one line."""


class RetryingRedis(redis.StrictRedis):
    """A client that reconnects with backoff (Redis restarted, network blip)."""

    @classmethod
    def from_url(cls, url, **kwargs):
        kwargs.setdefault("retry", Retry(ExponentialBackoff(cap=REDIS_BACKOFF_CAP, base=0.02), REDIS_RETRIES))
        kwargs.setdefault("retry_on_error", [redis.ConnectionError, redis.TimeoutError])
        return super().from_url(url, **kwargs)


def connect(url: str, *, check: bool = True) -> redis.StrictRedis:
    """A client for ``url``; ``FrontierError`` if the URL is wrong or nobody answers."""
    if not isinstance(url, str) or not url.startswith(("redis://", "rediss://", "unix://")):
        raise FrontierError(f"--redis {url!r} is not a Redis URL (use redis://HOST:PORT/DB)")
    try:
        probe = redis.StrictRedis.from_url(url, socket_connect_timeout=3, socket_timeout=5)
        if check:
            probe.ping()
        probe.close()
    except ValueError as e:
        raise FrontierError(f"--redis {url!r}: {e}") from None
    except redis.RedisError as e:
        raise FrontierError(f"cannot reach Redis at {url}: {str(e).splitlines()[0]}") from None
    return RetryingRedis.from_url(url, socket_timeout=30, socket_connect_timeout=3)


def new_worker_id(role: str) -> str:
    return f"{role}-{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"


_POP = """
local r = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if #r == 0 then return false end
redis.call('ZREM', KEYS[1], r[1])
redis.call('HSET', KEYS[2], ARGV[1], r[2] .. '|' .. r[1])
return r[1]
"""

_REQUEUE = """
local all = redis.call('HGETALL', KEYS[2])
for i = 2, #all, 2 do
  local v = all[i]
  local bar = string.find(v, '|', 1, true)
  redis.call('ZADD', KEYS[1], tonumber(string.sub(v, 1, bar - 1)), string.sub(v, bar + 1))
end
redis.call('DEL', KEYS[2])
return #all / 2
"""

# Queue length and every live worker's lease count, read in one atomic step.
_SNAPSHOT = """
local q = redis.call('ZCARD', KEYS[1])
local n = 0
for _, w in ipairs(redis.call('HKEYS', KEYS[2])) do n = n + redis.call('HLEN', ARGV[1] .. w) end
local t = redis.call('TIME')
return {q, n, t[1] .. '.' .. string.format('%06d', tonumber(t[2]))}
"""


class Frontier:
    """One process's handle on the shared frontier (one per crawler: ``for_crawler``)."""

    def __init__(self, server, prefix: str, worker_id: str, role: str) -> None:
        self.server, self.prefix, self.worker_id, self.role = server, prefix, worker_id, role
        self._tokens = itertools.count()
        self._pop = server.register_script(_POP)
        self._requeue = server.register_script(_REQUEUE)
        self._snapshot = server.register_script(_SNAPSHOT)
        self.pace_book = None  # a RedisPaceBook registers itself here (lease renewal)

    @classmethod
    def for_crawler(cls, crawler) -> "Frontier":
        fr = getattr(crawler, "portal_frontier", None)
        if fr is None:
            s = crawler.settings
            fr = cls(connect(s.get("REDIS_URL"), check=False), s.get("FRONTIER_PREFIX", "portal"),
                     s.get("FRONTIER_WORKER_ID") or new_worker_id(s.get("FRONTIER_ROLE", "worker")),
                     s.get("FRONTIER_ROLE", "worker"))
            crawler.portal_frontier = fr
        return fr

    def key(self, *parts: str) -> str:
        return ":".join((self.prefix,) + parts)

    @property
    def lease_key(self) -> str:
        return self.key("leases", self.worker_id)

    # -- queue and leases -------------------------------------------------------------
    def pop(self):
        """The raw top request, now leased to this worker: (token, data) or None."""
        token = f"{next(self._tokens)}"
        data = self._pop(keys=[self.key("requests"), self.lease_key], args=[token])
        return None if data is None else (token, data)

    def release(self, token: str | None) -> None:
        if token is not None:
            self.server.hdel(self.lease_key, token)

    def requeue(self, worker_id: str) -> int:
        """Put a dead worker's leased requests back into the queue; returns how many."""
        return int(self._requeue(keys=[self.key("requests"), self.key("leases", worker_id)]))

    def snapshot(self) -> tuple[int, int, float]:
        """(queued requests, leased requests, server time), atomically."""
        q, n, t = self._snapshot(keys=[self.key("requests"), self.key("workers")],
                                 args=[self.key("leases") + ":"])
        return int(q), int(n), float(t)

    def now(self) -> float:
        s, us = self.server.time()
        return s + us / 1e6

    # -- the run ----------------------------------------------------------------------
    def clear(self) -> None:
        """Forget any previous run under this prefix (the coordinator, at its start)."""
        for k in self.server.scan_iter(f"{self.prefix}:*", count=1000):
            self.server.unlink(k)

    def publish(self, config: dict, known: dict[str, set[str]]) -> None:
        for site, keys in known.items():
            keys = list(keys)
            for i in range(0, len(keys), 5000):
                self.server.sadd(self.key("known", site), *keys[i:i + 5000])
        self.server.set(self.key("config"), json.dumps(config, ensure_ascii=False))

    def config(self) -> dict | None:
        raw = self.server.get(self.key("config"))
        return json.loads(raw) if raw else None

    def known(self, sites) -> dict[str, set[str]]:
        return {s: {k.decode() for k in self.server.smembers(self.key("known", s))} for s in sites}

    def stop(self, reason: str = "finished") -> None:
        self.server.set(self.key("stop"), reason, nx=True)

    def stopped(self) -> str | None:
        v = self.server.get(self.key("stop"))
        return v.decode() if v else None


class SharedCounter:
    """``spider.scheduled`` across workers (``--max-articles``): ``x[k] += 1`` adds 1 in Redis."""

    def __init__(self, server, key: str) -> None:
        self.server, self.key, self._read = server, key, {}

    def __getitem__(self, site: str) -> int:
        v = int(self.server.hget(self.key, site) or 0)
        self._read[site] = v
        return v

    def __setitem__(self, site: str, value: int) -> None:
        self.server.hincrby(self.key, site, value - self._read.get(site, 0))
        self._read[site] = value


# -- scrapy-redis components ------------------------------------------------------------
class FrontierDupeFilter(RFPDupeFilter):
    """scrapy-redis's Redis dupefilter on the crawler's request fingerprints."""

    @classmethod
    def from_spider(cls, spider):
        df = super().from_spider(spider)
        df.fingerprinter = spider.crawler.request_fingerprinter
        return df

    def request_fingerprint(self, request) -> str:
        return self.fingerprinter.fingerprint(request).hex()


class LeasedQueue(PriorityQueue):
    """scrapy-redis's priority queue; a pop leases the request to this worker."""

    def __init__(self, server, spider, key, serializer=None):
        super().__init__(server, spider, key, serializer)
        self.frontier = Frontier.for_crawler(spider.crawler)

    def pop(self, timeout=0):
        got = self.frontier.pop()
        if got is None:
            return None
        token, data = got
        request = self._decode_request(data)
        request.meta[LEASE] = token
        return request


class FrontierScheduler(Scheduler):
    """scrapy-redis's scheduler, always persistent, lease-aware, wakeable."""

    @classmethod
    def from_crawler(cls, crawler):
        sched = super().from_crawler(crawler)
        sched.frontier = Frontier.for_crawler(crawler)
        sched.persist = True  # never flush the shared frontier when one process closes
        sched.crawler_stats, sched.stats = sched.stats, None  # counted below, without the
        return sched                                           # deprecated spider= argument

    def next_request(self):
        request = super().next_request()
        if request is not None:
            self.crawler_stats.inc_value("scheduler/dequeued/redis")
        return request

    def enqueue_request(self, request) -> bool:
        if request.meta.get(WAKE):
            return False  # only there to make the engine ask us for a request now
        # A leased request coming back (retry, redirect): the copy goes into the queue,
        # then the old lease is released, so a crash in between duplicates, never loses.
        old = request.meta.pop(LEASE, None)
        try:
            queued = super().enqueue_request(request)
        finally:
            self.frontier.release(old)
        if queued:
            self.crawler_stats.inc_value("scheduler/enqueued/redis")
        return queued


class LeaseRelease:
    """Spider middleware (outermost): release a request's lease once everything its
    callback produced (requests in the queue, items in the relay) is in Redis."""

    def __init__(self, crawler) -> None:
        self.frontier = Frontier.for_crawler(crawler)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_spider_output(self, response, result, spider=None):
        try:
            yield from result
        finally:
            self.frontier.release(response.meta.get(LEASE))

    async def process_spider_output_async(self, response, result, spider=None):
        try:
            async for x in result:
                yield x
        finally:
            self.frontier.release(response.meta.get(LEASE))
