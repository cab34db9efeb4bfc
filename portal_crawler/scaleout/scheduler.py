"""scrapy-redis's scheduler, queue and dupefilter on the shared run, with leases.

Subclassed at their public methods only (``enqueue_request``, ``next_request``,
``push``, ``pop``, ``request_seen``); requests are encoded as scrapy-redis does
(``Request.to_dict`` through the queue's serializer), so its tools read our queue.
"""
from __future__ import annotations

from scrapy import Request, signals
from scrapy.utils.request import request_from_dict
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.queue import PriorityQueue
from scrapy_redis.scheduler import Scheduler

from portal_crawler.scaleout.state import LEASE, WAKE, SharedRun

PARENT = "scaleout_parent"   # request.meta key: the lease of the request whose callback made it


class ScaleoutDupeFilter(RFPDupeFilter):
    """scrapy-redis's Redis dupefilter on the crawler's request fingerprints (URL identity)."""

    @classmethod
    def from_spider(cls, spider):
        df = super().from_spider(spider)
        df.fingerprinter = spider.crawler.request_fingerprinter
        return df

    def request_fingerprint(self, request) -> str:
        return self.fingerprinter.fingerprint(request).hex()


class LeasedQueue(PriorityQueue):
    """scrapy-redis's priority queue; a pop leases the request to this worker, a push
    marks it seen and queues it in one atomic step (``SharedRun.push``)."""

    def __init__(self, server, spider, key, serializer=None):
        super().__init__(server, spider, key, serializer)
        self.shared = SharedRun.for_crawler(spider.crawler)

    def encode(self, request) -> bytes:
        return self.serializer.dumps(request.to_dict(spider=self.spider))

    def decode(self, data: bytes):
        return request_from_dict(self.serializer.loads(data), spider=self.spider)

    def push(self, request, fingerprint: str | None = None) -> bool:
        return self.shared.push(self.encode(request), -request.priority, fingerprint)

    def pop(self, timeout=0):
        got = self.shared.pop()
        if got is None:
            return None
        token, data = got
        request = self.decode(data)
        request.meta[LEASE] = token
        return request


class ScaleoutScheduler(Scheduler):
    """scrapy-redis's scheduler, always persistent, lease-aware, wakeable."""

    @classmethod
    def from_crawler(cls, crawler):
        sched = super().from_crawler(crawler)
        sched.crawler = crawler
        sched.shared = SharedRun.for_crawler(crawler)
        sched.persist = True  # never flush the shared run when one process closes
        return sched

    def next_request(self):
        request = self.queue.pop()
        if request is not None:
            self.crawler.stats.inc_value("scheduler/dequeued/redis")
        return request

    def enqueue_request(self, request) -> bool:
        if request.meta.get(WAKE):
            return False  # only there to make the engine ask us for a request now
        # A leased request coming back (retry, redirect): the copy goes into the queue,
        # then the old lease is released, so a crash in between duplicates, never loses.
        old = request.meta.pop(LEASE, None)
        parent = request.meta.pop(PARENT, None)  # the leased request whose callback made it
        try:
            fp = None if request.dont_filter else self.df.request_fingerprint(request)
            queued = self.queue.push(request, fp)
        finally:
            self.shared.release(old)
        if parent is not None and self.shared.lease_release is not None:
            self.shared.lease_release.output_done(parent)
        if queued:
            self.crawler.stats.inc_value("scheduler/enqueued/redis")
        else:
            self.df.log(request, self.spider)
        return queued


class LeaseRelease:
    """Spider middleware (outermost): release a request's lease once everything its
    callback produced is in Redis: each new request queued (``ScaleoutScheduler``), each
    item through the pipelines (relayed: ``item_scraped`` / ``item_dropped`` /
    ``item_error``). Not when the callback's output is merely all read: Scrapy's scraper
    reads it ahead into a queue (CONCURRENT_ITEMS x 2), so a process killed then would
    lose what was read but not yet queued or relayed."""

    def __init__(self, crawler) -> None:
        self.shared = SharedRun.for_crawler(crawler)
        self.shared.lease_release = self
        self.pending: dict[str, int] = {}   # lease token -> outputs not in Redis yet
        self.ended: set[str] = set()        # tokens whose callback output was all read
        self.item_token: dict[int, str] = {}  # id(item) -> its request's lease token
        for sig in (signals.item_scraped, signals.item_dropped, signals.item_error):
            crawler.signals.connect(self._item_done, signal=sig)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def _out(self, token: str | None, x) -> None:
        if token is None or x is None:
            return
        self.pending[token] = self.pending.get(token, 0) + 1
        if isinstance(x, Request):
            x.meta[PARENT] = token
        else:
            self.item_token[id(x)] = token

    def _end(self, token: str | None) -> None:
        if token is not None:
            self.ended.add(token)
            self.output_done(token, count=False)

    def output_done(self, token: str | None, count: bool = True) -> None:
        """One output of the request leased as ``token`` is in Redis."""
        if token is None:
            return
        if count:
            self.pending[token] = self.pending.get(token, 1) - 1
        if self.pending.get(token, 0) <= 0 and token in self.ended:
            self.pending.pop(token, None)
            self.ended.discard(token)
            self.shared.release(token)

    def _item_done(self, item, **kw) -> None:
        self.output_done(self.item_token.pop(id(item), None))

    def process_spider_output(self, response, result, spider=None):
        token = response.meta.get(LEASE)
        try:
            for x in result:
                self._out(token, x)
                yield x
        finally:
            self._end(token)

    async def process_spider_output_async(self, response, result, spider=None):
        token = response.meta.get(LEASE)
        try:
            async for x in result:
                self._out(token, x)
                yield x
        finally:
            self._end(token)
