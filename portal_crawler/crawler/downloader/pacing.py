"""Per-site politeness measured at send time.

Scrapy's downloader stamps a slot's delay when a request leaves the slot's queue, not
when its bytes go out, so under load two sends to one site can fall closer together
than the delay (measured here: 0.57x). And AutoThrottle clamps every slot to one global
minimum, so a site configured slower than ``DOWNLOAD_DELAY`` could be sped up.

This module keeps both promises with Scrapy's documented surface only:

* ``PacedDownloadHandler`` is a download handler (``DOWNLOAD_HANDLERS``, built on
  ``BaseDownloadHandler``) that wraps Scrapy's own HTTP handler. Scrapy's slot still
  decides *how many* requests of a site are in flight (its ``concurrency``); the handler
  decides *when* each one is sent: never sooner than the site's delay after the previous
  send of that site, stamped when the send actually starts.
* A ``PaceBook`` holds the last send and the in-flight count per site. ``LocalPaceBook``
  is this process's; the scale-out crawl plugs in a book shared through Redis, so the
  delay and concurrency hold across every worker.
* Adaptive delay (what AutoThrottle did): the site's delay follows its latency, never
  below the site's own configured floor and never above ``PACING_MAX_DELAY``.

Scrapy's own slot delay and AutoThrottle are switched off (``build_settings``) so the
delay is applied once.
"""
from __future__ import annotations

import asyncio
import logging
import random
import time
from dataclasses import dataclass

from scrapy.core.downloader.handlers.base import BaseDownloadHandler
from scrapy.exceptions import IgnoreRequest
from scrapy.utils.misc import build_from_crawler, load_object
from twisted.internet.defer import Deferred

from portal_crawler.crawler.stopping import StopRequested, crawl_force_stop, crawl_stopping

logger = logging.getLogger(__name__)


class SitePaused(IgnoreRequest):
    """The site was paused for this run (crawler/downloader/blocking.py): nothing more is sent to it."""


@dataclass
class SitePolicy:
    """One site's politeness: the floor delay, the jitter, the concurrency cap."""
    delay: float
    concurrency: int = 1
    jitter: float = 0.0          # extra wait, uniform in [0, jitter * delay]; never below the floor
    adaptive: bool = False       # follow the site's latency (AutoThrottle's rule), floor = delay


@dataclass
class _SiteState:
    last_send: float = float("-inf")
    in_flight: int = 0


class LocalPaceBook:
    """Send bookkeeping for this process (monotonic clock)."""

    def __init__(self) -> None:
        self.state: dict[str, _SiteState] = {}

    def _s(self, site: str) -> _SiteState:
        st = self.state.get(site)
        if st is None:
            st = self.state[site] = _SiteState()
        return st

    def try_send(self, site: str, delay: float, concurrency: int) -> float | None:
        """0.0 and the send recorded when a send may start now; else the seconds to wait,
        or None when the site is at its concurrency cap (wait for a release)."""
        st = self._s(site)
        if st.in_flight >= concurrency:
            return None
        now = time.monotonic()
        wait = st.last_send + delay - now
        if wait > 0:
            return wait
        st.last_send = now
        st.in_flight += 1
        return 0.0

    def done(self, site: str) -> None:
        st = self._s(site)
        st.in_flight = max(0, st.in_flight - 1)


class Pacer:
    """Waits for a site's turn; one per crawler (``Pacer.for_crawler``)."""

    def __init__(self, policies: dict[str, SitePolicy], book=None, *, max_delay: float = 30.0,
                 target_concurrency: float = 1.0, poll: float = 0.05) -> None:
        self.policies = policies
        self.book = book or LocalPaceBook()
        self.max_delay = max_delay
        self.target_concurrency = target_concurrency
        self.poll = poll  # a shared book's releases happen elsewhere: look again this often
        self._delay: dict[str, float] = {k: p.delay for k, p in policies.items()}
        self._released: dict[str, asyncio.Event] = {}
        self.send_log: dict[str, list[float]] | None = None  # tests: {site: [monotonic send times]}
        # Blocked sites (crawler/downloader/blocking.py): a raised floor under the delay, and paused
        # sites, checked at send time so that no queued request reaches a paused site.
        self._floor: dict[str, float] = {}
        self.paused: set[str] = set()
        self.sends: dict[str, int] = {}
        self.stopping = False
        self._stop_event: asyncio.Event | None = None

    def stop(self) -> None:
        """The crawl is stopping: every request still waiting for its turn is refused
        (StopRequested), now and from here on; none is sent."""
        self.stopping = True
        for ev in [self._stop_event, *self._released.values()]:
            if ev is not None:
                ev.set()

    async def _pause(self, seconds: float, ev: asyncio.Event | None = None) -> None:
        """Sleep ``seconds`` (or until ``ev``), cut short when the crawl stops."""
        if self._stop_event is None:
            self._stop_event = asyncio.Event()
        waits = [asyncio.ensure_future(self._stop_event.wait())]
        if ev is not None:
            waits.append(asyncio.ensure_future(ev.wait()))
        done, pending = await asyncio.wait(waits, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
        for w in pending:
            w.cancel()

    @classmethod
    def for_crawler(cls, crawler) -> "Pacer":
        # One pacer per crawler, shared by the http and https handlers.
        pacer = getattr(crawler, "portal_pacer", None)
        if pacer is None:
            s = crawler.settings
            policies = {k: SitePolicy(**v) for k, v in s.getdict("PACING_SITES").items()}
            book_path = s.get("PACING_BOOK")
            book = build_from_crawler(load_object(book_path), crawler) if book_path else LocalPaceBook()
            pacer = cls(policies, book, max_delay=s.getfloat("PACING_MAX_DELAY"),
                        target_concurrency=s.getfloat("PACING_TARGET_CONCURRENCY"))
            if s.getbool("PACING_LOG_SENDS"):
                pacer.send_log = {}
            crawler.signals.connect(pacer.stop, signal=crawl_stopping)
            crawler.portal_pacer = pacer
        return pacer

    def delay_of(self, site: str) -> float:
        return self._delay.get(site, 0.0)

    async def turn(self, site: str | None) -> bool:
        """Wait until ``site`` may send; True when a send was booked (call ``done``)."""
        policy = self.policies.get(site) if site else None
        if policy is None:
            return False
        extra = random.uniform(0, policy.jitter * policy.delay) if policy.jitter else 0.0
        first = True
        while True:
            if self.stopping:
                raise StopRequested("not sent: the crawl is stopping")
            if site in self.paused:
                raise SitePaused(f"site {site} paused for this run (blocked)")
            wait = self.book.try_send(site, self._delay[site] + (extra if first else 0.0), policy.concurrency)
            if wait == 0.0:
                break
            if wait is None:  # at the cap: a release (here or, with a shared book, anywhere) lets us in
                ev = self._released.setdefault(site, asyncio.Event())
                ev.clear()
                await self._pause(self.poll, ev)
            else:
                await self._pause(wait)
        if self.send_log is not None:
            self.send_log.setdefault(site, []).append(time.monotonic())
        self.sends[site] = self.sends.get(site, 0) + 1
        return True

    def back_off(self, site: str, factor: float, min_delay: float) -> float:
        """Slow ``site`` down: its delay (and the floor adaptation keeps) multiplied by
        ``factor``, at least ``min_delay``, at most ``max_delay``. Returns the new delay."""
        if site not in self._delay:
            return 0.0
        new = min(self.max_delay, max(min_delay, self._delay[site] * factor))
        self._floor[site] = max(self._floor.get(site, 0.0), new)
        self._delay[site] = max(self._delay[site], new)
        return self._delay[site]

    def relax(self, site: str, factor: float) -> None:
        """Undo one ``back_off`` step: the raised floor divided by ``factor``; gone once it
        reaches the site's own delay."""
        floor = self._floor.get(site)
        if floor is None:
            return
        policy = self.policies.get(site)
        base = policy.delay if policy is not None else 0.0
        new = floor / factor
        if new <= base:
            del self._floor[site]
            new = base
        else:
            self._floor[site] = new
        self._delay[site] = min(self._delay[site], max(new, base))

    def pause(self, site: str) -> int:
        """Send nothing more to ``site`` in this run; returns the sends made to it so far."""
        self.paused.add(site)
        return self.sends.get(site, 0)

    def done(self, site: str, latency: float | None, status: int | None) -> None:
        self.book.done(site)
        ev = self._released.get(site)
        if ev is not None:
            ev.set()
        policy = self.policies.get(site)
        if policy is not None and policy.adaptive and latency is not None:
            self._adapt(site, policy, latency, status)

    def _adapt(self, site: str, policy: SitePolicy, latency: float, status: int | None) -> None:
        # AutoThrottle's rule: aim at latency / target concurrency, move half-way there,
        # never faster on an error response; the site's own delay is the floor.
        old = self._delay[site]
        target = latency / self.target_concurrency
        new = max(target, (old + target) / 2.0)
        new = min(max(policy.delay, self._floor.get(site, 0.0), new), self.max_delay)
        if status is not None and status != 200 and new <= old:
            return
        self._delay[site] = new


class PacedDownloadHandler(BaseDownloadHandler):
    """Scrapy's HTTP handler, each send waiting for its site's turn (see module doc)."""

    def __init__(self, crawler) -> None:
        super().__init__(crawler)
        inner = crawler.settings.get("PACING_INNER_HANDLER")
        self.inner = build_from_crawler(load_object(inner), crawler)
        self.pacer = Pacer.for_crawler(crawler)
        self.forced = False
        self.on_wire: set[asyncio.Future] = set()
        crawler.signals.connect(self._force, signal=crawl_force_stop)

    def _force(self) -> None:
        """A forced stop: what is on the wire is cancelled, nothing more is sent."""
        self.forced = True
        for fut in list(self.on_wire):
            fut.cancel()

    async def download_request(self, request):
        site = request.meta.get("download_slot")
        if self.pacer.stopping:   # a request without a site slot (robots.txt) too
            raise StopRequested("not sent: the crawl is stopping")
        booked = await self.pacer.turn(site)
        started = time.monotonic()
        status = None
        try:
            sent = self.inner.download_request(request)
            fut = sent.asFuture(asyncio.get_event_loop()) if isinstance(sent, Deferred) else asyncio.ensure_future(sent)
            self.on_wire.add(fut)
            try:
                response = await fut
            except asyncio.CancelledError:
                if self.forced:
                    raise StopRequested("cancelled: the crawl was stopped at once") from None
                raise
            finally:
                self.on_wire.discard(fut)
            status = response.status
            return response
        finally:
            if booked:
                self.pacer.done(site, time.monotonic() - started if status is not None else None, status)

    async def close(self) -> None:
        await self.inner.close()
