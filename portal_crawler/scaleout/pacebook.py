"""A PaceBook shared through Redis: each site's delay and concurrency across all workers.

``crawler/downloader/pacing.py`` (``PACING_BOOK``) asks its book ``try_send(site, delay, concurrency)`` before every
send. ``LocalPaceBook`` answers for one process; with N processes that would allow N
times the rate. ``RedisPaceBook`` answers for all of them with one Lua script (atomic on
the server) that reads the server's clock (``TIME``), so workers on different machines
need no synchronised clocks:

* ``{prefix}:pace:last:{site}``  the last send time of the site (server seconds), or
  the end of the last request, whichever is later: the next send waits the site's delay
  after it. Counting the delay from the END of the previous request (not only its
  start, as one process does) is what makes it hold where the site sees it across
  processes and hosts: the next process books only after the previous request was
  answered, so however late the previous sender's event loop actually sent it, the
  site saw it before the delay began (tests/test_two_hosts.py checks the replica's
  arrival gaps);
* ``{prefix}:pace:lease:{site}`` a sorted set of in-flight sends, scored by expiry. A
  worker renews its own leases (``renew``, from its heartbeat); a SIGKILLed worker
  renews nothing, so its leases expire after ``PACING_LEASE_TTL`` seconds and the site's
  concurrency frees itself.
* ``{prefix}:pace:log:{site}``   with ``PACING_LOG_SENDS``: every send time, for the
  politeness measurements (tests, benchmarks) on one clock.
"""
from __future__ import annotations

import itertools
import os
import socket

from portal_crawler.scaleout.state import SharedRun

_TRY_SEND = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local delay, cap, ttl = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
if redis.call('ZSCORE', KEYS[2], ARGV[4]) then return '0' end  -- a retry of a booking that ran
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
if redis.call('ZCARD', KEYS[2]) >= cap then return 'cap' end
local last = tonumber(redis.call('GET', KEYS[1]) or '-1e18')
local wait = last + delay - now
if wait > 0 then return tostring(wait) end
redis.call('SET', KEYS[1], string.format('%.6f', now))
redis.call('ZADD', KEYS[2], now + ttl, ARGV[4])
if ARGV[5] == '1' then redis.call('RPUSH', KEYS[3], string.format('%.6f', now)) end
return '0'
"""

# A request ended: free its slot; the delay runs from now on.
_DONE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
redis.call('ZREM', KEYS[2], ARGV[1])
local last = tonumber(redis.call('GET', KEYS[1]) or '-1e18')
if now > last then redis.call('SET', KEYS[1], string.format('%.6f', now)) end
return 1
"""

_RENEW = """
local t = redis.call('TIME')
local exp = tonumber(t[1]) + tonumber(t[2]) / 1000000 + tonumber(ARGV[1])
for k = 1, #KEYS do redis.call('ZADD', KEYS[k], 'XX', exp, ARGV[k + 1]) end
return 1
"""


class RedisPaceBook:
    """The PaceBook of ``crawler/downloader/pacing.py`` with its state in Redis (see module doc)."""

    def __init__(self, server, prefix: str, *, lease_ttl: float = 10.0, log_sends: bool = False,
                 owner: str | None = None) -> None:
        self.server = server
        self.prefix = prefix
        self.lease_ttl = lease_ttl
        self.log_sends = log_sends
        self.owner = owner or f"{socket.gethostname()}-{os.getpid()}"
        self._ids = itertools.count()
        self.mine: dict[str, list[str]] = {}  # site -> this worker's lease tokens
        self._try = server.register_script(_TRY_SEND)
        self._renew = server.register_script(_RENEW)
        self._done = server.register_script(_DONE)

    @classmethod
    def from_crawler(cls, crawler) -> "RedisPaceBook":
        shared = SharedRun.for_crawler(crawler)
        s = crawler.settings
        book = cls(shared.server, shared.prefix, lease_ttl=s.getfloat("PACING_LEASE_TTL"),
                   log_sends=s.getbool("PACING_LOG_SENDS"), owner=shared.worker_id)
        shared.pace_book = book  # the node's heartbeat renews the leases
        return book

    def _keys(self, site: str) -> list[str]:
        p = f"{self.prefix}:pace"
        return [f"{p}:last:{site}", f"{p}:lease:{site}", f"{p}:log:{site}"]

    def try_send(self, site: str, delay: float, concurrency: int) -> float | None:
        token = f"{self.owner}:{next(self._ids)}"
        r = self._try(keys=self._keys(site),
                      args=[repr(float(delay)), int(concurrency), repr(self.lease_ttl), token,
                            "1" if self.log_sends else "0"])
        r = r.decode() if isinstance(r, bytes) else r
        if r == "cap":
            return None
        wait = float(r)
        if wait == 0.0:
            self.mine.setdefault(site, []).append(token)
        return wait

    def done(self, site: str) -> None:
        tokens = self.mine.get(site)
        if tokens:
            self._done(keys=self._keys(site)[:2], args=[tokens.pop()])

    def renew(self) -> None:
        """Push this worker's lease expiries forward (its heartbeat calls this)."""
        pairs = [(site, tok) for site, toks in self.mine.items() for tok in toks]
        if not pairs:
            return
        self._renew(keys=[self._keys(site)[1] for site, _ in pairs],
                    args=[repr(self.lease_ttl)] + [tok for _, tok in pairs])

    def send_log(self) -> dict[str, list[float]]:
        """``{site: [server send times]}`` of every worker (with ``PACING_LOG_SENDS``)."""
        out = {}
        for key in self.server.scan_iter(f"{self.prefix}:pace:log:*"):
            k = key.decode() if isinstance(key, bytes) else key
            out[k.rsplit(":", 1)[1]] = [float(x) for x in self.server.lrange(key, 0, -1)]
        return out
