"""The shared state of one coordinated crawl in Redis, and one process's handle on it.

Every key lives under the run's prefix (``SCALEOUT_PREFIX``, default ``portal``):

``:config``            the run (sites, options, archive WARC folder) the coordinator publishes
``:known:SITE``        the archive's known identity keys (stop-at-known on every worker)
``:requests``          the queue (a sorted set by priority; scrapy-redis's format)
``:dupefilter``        every request fingerprint seen
``:leases:WORKER``     the requests a process popped and has not finished (token -> request)
``:items``             items relayed by workers to the coordinator (the one archive writer)
``:relayed``           per worker, the sequence number of its last relayed item (idempotent push)
``:workers``           live processes: heartbeat (server time), role, counts
``:final``             counts of processes that finished (or were lost)
``:walks``             backfill walk states of finished workers (``scaleout/walks.py``)
``:stop``              the end of the run (reason)

**Redis restarts.** Every client is a ``RetryingRedis``: a command whose connection
broke is sent again once Redis is back. A command that ran before the connection broke
runs twice then, so every write here is idempotent (a script that recognises its own
retry by a token): a pop re-delivers the request already leased under its token, an
item push carries the worker's sequence number, the coordinator's item pull
acknowledges by token, and a request is marked seen and queued in one atomic step.
With Redis's append-only file (``appendonly yes``) what was written survives the
restart, so nothing leased or relayed is lost in the run that spans it.
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

LEASE = "scaleout_lease"   # request.meta key: the lease token of a popped request
WAKE = "scaleout_wake"     # request.meta key of the no-op request that wakes an idle engine
# A Redis restart is waited for this long (retries x backoff cap) before a command fails.
REDIS_RETRIES, REDIS_BACKOFF_CAP = 240, 0.5


class ScaleoutError(Exception):
    """A Redis URL that is wrong or unreachable, or no run to join; the message is one line."""


class RetryingRedis(redis.StrictRedis):
    """A client that reconnects with backoff (Redis restarted, network blip)."""

    @classmethod
    def from_url(cls, url, **kwargs):
        kwargs.setdefault("retry", Retry(ExponentialBackoff(cap=REDIS_BACKOFF_CAP, base=0.02), REDIS_RETRIES))
        kwargs.setdefault("retry_on_error", [redis.ConnectionError, redis.TimeoutError])
        return super().from_url(url, **kwargs)


def connect(url: str, *, check: bool = True) -> redis.StrictRedis:
    """A client for ``url``; ``ScaleoutError`` if the URL is wrong or nobody answers."""
    if not isinstance(url, str) or not url.startswith(("redis://", "rediss://", "unix://")):
        raise ScaleoutError(f"--redis {url!r} is not a Redis URL (use redis://HOST:PORT/DB)")
    try:
        probe = redis.StrictRedis.from_url(url, socket_connect_timeout=3, socket_timeout=5)
        if check:
            probe.ping()
        probe.close()
    except ValueError as e:
        raise ScaleoutError(f"--redis {url!r}: {e}") from None
    except redis.RedisError as e:
        raise ScaleoutError(f"cannot reach Redis at {url}: {str(e).splitlines()[0]}") from None
    return RetryingRedis.from_url(url, socket_timeout=30, socket_connect_timeout=3)


def new_worker_id(role: str) -> str:
    return f"{role}-{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"


# Pop the top request into this worker's leases under ARGV[1]. A retry of a pop that ran
# (its reply lost in a Redis restart) finds its token and re-delivers that request.
_POP = """
local again = redis.call('HGET', KEYS[2], ARGV[1])
if again then
  local bar = string.find(again, '|', 1, true)
  return string.sub(again, bar + 1)
end
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

# Mark a request seen and queue it in one step (ARGV[1] = '' : not filtered): a retry
# finds it seen and queued, never seen and lost.
_PUSH = """
if ARGV[1] ~= '' and redis.call('SADD', KEYS[2], ARGV[1]) == 0 then return 0 end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[3])
return 1
"""

# A worker's item, pushed once per sequence number (ARGV[2]) whatever the retries.
_RELAY = """
local last = tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or '-1')
if tonumber(ARGV[2]) <= last then return 0 end
redis.call('RPUSH', KEYS[1], ARGV[3])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
return 1
"""

# The coordinator acknowledges the N items it read (LRANGE) once they are in its
# writer's queue: trimmed once per token (ARGV[1]) whatever the retries.
_ACK = """
if redis.call('GET', KEYS[2]) == ARGV[1] then return 0 end
redis.call('LTRIM', KEYS[1], tonumber(ARGV[2]), -1)
redis.call('SET', KEYS[2], ARGV[1])
return 1
"""

# Queue length and every live worker's lease count, read in one atomic step.
_SNAPSHOT = """
local q = redis.call('ZCARD', KEYS[1])
local n = 0
for _, w in ipairs(redis.call('HKEYS', KEYS[2])) do n = n + redis.call('HLEN', ARGV[1] .. w) end
local t = redis.call('TIME')
return {q, n, t[1] .. '.' .. string.format('%06d', tonumber(t[2]))}
"""


class SharedRun:
    """One process's handle on the shared run (one per crawler: ``for_crawler``)."""

    def __init__(self, server, prefix: str, worker_id: str, role: str) -> None:
        self.server, self.prefix, self.worker_id, self.role = server, prefix, worker_id, role
        # Lease tokens are unique per process for the whole run (a retried pop is
        # recognised by its token).
        self._tokens = itertools.count()
        self._relay_seq = itertools.count()
        self._acks = itertools.count()
        self._pop = server.register_script(_POP)
        self._requeue = server.register_script(_REQUEUE)
        self._push = server.register_script(_PUSH)
        self._relay = server.register_script(_RELAY)
        self._ack = server.register_script(_ACK)
        self._snapshot = server.register_script(_SNAPSHOT)
        self.pace_book = None  # a RedisPaceBook registers itself here (lease renewal)
        self.lease_release = None  # scheduler.LeaseRelease registers itself here

    @classmethod
    def for_crawler(cls, crawler) -> "SharedRun":
        run = getattr(crawler, "portal_scaleout", None)
        if run is None:
            s = crawler.settings
            role = s.get("SCALEOUT_ROLE") or "worker"
            run = cls(connect(s.get("REDIS_URL"), check=False), s.get("SCALEOUT_PREFIX"),
                      s.get("SCALEOUT_WORKER_ID") or new_worker_id(role), role)
            crawler.portal_scaleout = run
        return run

    def key(self, *parts: str) -> str:
        return ":".join((self.prefix,) + parts)

    @property
    def lease_key(self) -> str:
        return self.key("leases", self.worker_id)

    # -- queue and leases -------------------------------------------------------------
    def push(self, data: bytes, score: float, fingerprint: str | None) -> bool:
        """Queue a request unless its fingerprint was seen (None: never filtered)."""
        return bool(self._push(keys=[self.key("requests"), self.key("dupefilter")],
                               args=[fingerprint or "", repr(float(score)), data]))

    def pop(self):
        """The raw top request, now leased to this worker: (token, data) or None."""
        token = f"{next(self._tokens)}"
        data = self._pop(keys=[self.key("requests"), self.lease_key], args=[token])
        return None if data is None else (token, data)

    def release(self, token: str | None) -> None:
        if token is not None:
            self.server.hdel(self.lease_key, token)

    def requeue(self, worker_id: str) -> int:
        """Put a worker's leased requests back into the queue; returns how many."""
        return int(self._requeue(keys=[self.key("requests"), self.key("leases", worker_id)]))

    def snapshot(self) -> tuple[int, int, float]:
        """(queued requests, leased requests, server time), atomically."""
        q, n, t = self._snapshot(keys=[self.key("requests"), self.key("workers")],
                                 args=[self.key("leases") + ":"])
        return int(q), int(n), float(t)

    def now(self) -> float:
        s, us = self.server.time()
        return s + us / 1e6

    # -- relayed items ----------------------------------------------------------------
    def relay(self, data: bytes) -> None:
        """A worker's item to the coordinator, pushed exactly once."""
        self._relay(keys=[self.key("items"), self.key("relayed")],
                    args=[self.worker_id, next(self._relay_seq), data])

    def take_items(self, n: int, handle) -> int:
        """Hand up to ``n`` relayed items to ``handle`` (each raw), then acknowledge them:
        an item leaves Redis only after ``handle`` has it (at least once)."""
        raw = self.server.lrange(self.key("items"), 0, n - 1)
        for data in raw:
            handle(data)
        if raw:
            self._ack(keys=[self.key("items"), self.key("items_ack")],
                      args=[f"{self.worker_id}:{next(self._acks)}", len(raw)])
        return len(raw)

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

    def publish_files(self, files: dict) -> None:
        """What the archive holds of attachments and page resources (crawler/files.py:
        ``known_files``, ``known_resources``, ``recheck``), for workers, which never open
        the archive: they fetch no file it has, and re-check it as one process would."""
        self.server.set(self.key("archive_files"), json.dumps(files, ensure_ascii=False))

    def archive_files(self) -> dict:
        raw = self.server.get(self.key("archive_files"))
        return json.loads(raw) if raw else {}

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

    def workers(self) -> dict[str, dict]:
        """Live processes: {worker id: {t (last heartbeat, server time), role, stats, leases}}."""
        out = {}
        for wid, raw in self.server.hgetall(self.key("workers")).items():
            wid = wid.decode()
            out[wid] = {**json.loads(raw), "leases": self.server.hlen(self.key("leases", wid))}
        return out


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
