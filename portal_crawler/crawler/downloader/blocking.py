"""Blocked answers (anti-bot challenges, firewalls, rate limits; portal_crawler/blocks.py)
are never handed to the spider, and a site that keeps blocking is backed off, then paused.

``BlockGuard`` is a downloader middleware placed before the retry middleware on the way
back (so a 429 or a challenge is not retried at once, which would hammer the site):

* every response is classified; a blocked one becomes a ``Blocked`` exception (an
  ``IgnoreRequest``): the request's errback records its URL with the run's failed
  requests (``crawl_errors``), so the next crawl asks for it again; nothing of it is
  archived (no article, list, copy or WARC record);
* counted per site and kind: ``site/<key>/blocked/<kind>`` (run summary, ``stats``);
* back-off: when at least ``BLOCK_BACKOFF_SHARE`` of the site's last
  ``BLOCK_BACKOFF_WINDOW`` answers were blocked, the site's delay is multiplied by
  ``BLOCK_BACKOFF_FACTOR`` (at least ``BLOCK_BACKOFF_MIN_DELAY`` s, at most
  ``PACING_MAX_DELAY``) through the pace book (crawler/downloader/pacing.py); each
  step needs its own evidence (half a window of answers since the last step), and a full window without a block divides
  the delay by the factor again (never below the site's own delay);
* pause: after ``BLOCK_PAUSE_AFTER`` blocked answers in a row (sites file:
  ``block_pause_after``) the site is paused for this run: the pacer refuses every
  further send to it at send time (``SitePaused``), so not one more request reaches
  it, while the other sites go on. What was not fetched is recorded like a blocked URL.

Nothing here solves, evades or retries a challenge: a blocked site is reported (the
monitors' ``blocked`` finding, crawler/monitors.py), never circumvented.
"""
from __future__ import annotations

import logging
from collections import deque

from portal_crawler.blocks import Block, classify
from portal_crawler.crawler.downloader.pacing import Pacer, SitePaused
from portal_crawler.crawler.stats import BLOCKED, site_key
from scrapy.exceptions import IgnoreRequest

__all__ = ["BlockGuard", "Blocked", "SitePaused", "is_block_failure"]

logger = logging.getLogger(__name__)


class Blocked(IgnoreRequest):
    """The answer was a block page (``block``): not the page asked for."""

    def __init__(self, block: Block, status: int):
        super().__init__(f"{block} HTTP {status}")
        self.block, self.status = block, status


def is_block_failure(failure) -> bool:
    return bool(failure.check(Blocked, SitePaused))


class BlockGuard:
    def __init__(self, crawler):
        self.crawler = crawler
        s = crawler.settings
        self.window = s.getint("BLOCK_BACKOFF_WINDOW")
        self.share = s.getfloat("BLOCK_BACKOFF_SHARE")
        self.factor = s.getfloat("BLOCK_BACKOFF_FACTOR")
        self.min_delay = s.getfloat("BLOCK_BACKOFF_MIN_DELAY")
        self.pause_after = s.getint("BLOCK_PAUSE_AFTER")
        self.min_evidence = max(1, self.window // 2)  # answers seen before a back-off step
        self.recent: dict[str, deque] = {}
        self.streak: dict[str, int] = {}

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def _site(self, request) -> str | None:
        return request.meta.get("site") or request.meta.get("download_slot")

    def _pause_after(self, site: str) -> int:
        obj = getattr(self.crawler.spider, "sites", {}).get(site)
        v = obj.setting("block_pause_after", None) if obj is not None else None
        return int(v) if v is not None else self.pause_after

    def process_response(self, request, response, spider=None):
        site = self._site(request)
        ctype = response.headers.get("Content-Type", b"").decode("latin-1") or None
        block = classify(response.status, response.body, ctype)
        if site is None:
            if block is not None:
                raise Blocked(block, response.status)
            return response
        recent = self.recent.setdefault(site, deque(maxlen=self.window))
        recent.append(block is not None)
        if block is None:
            self.streak[site] = 0
            if len(recent) == self.window and not any(recent):  # a clean window: ease off again
                Pacer.for_crawler(self.crawler).relax(site, self.factor)
                recent.clear()
            return response
        stats = self.crawler.stats
        stats.inc_value(site_key(site, f"blocked/{block.kind}"))
        stats.inc_value(BLOCKED)
        self.streak[site] = self.streak.get(site, 0) + 1
        pacer = Pacer.for_crawler(self.crawler)
        if len(recent) >= self.min_evidence and sum(recent) >= self.share * len(recent):  # mostly blocked: slow down
            delay = pacer.back_off(site, self.factor, self.min_delay)
            stats.max_value(site_key(site, "backoff_delay"), round(delay, 3))
            recent.clear()  # the next step needs evidence of its own
        if self.streak[site] >= self._pause_after(site) and site not in pacer.paused:
            sent = pacer.pause(site)
            stats.set_value(site_key(site, "paused"), 1)
            stats.set_value(site_key(site, "paused_after_sends"), sent)
            logger.warning("site %s paused for this run: %d blocked answers in a row (last: %s, %s)",
                           site, self.streak[site], block, request.url)
        raise Blocked(block, response.status)
