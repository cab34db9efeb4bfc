"""Downloader middlewares: stay on the configured sites; retry with backoff; meta refresh
looked for only where it can be."""
from __future__ import annotations

import asyncio
import logging
import random

from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.utils.httpobj import urlparse_cached

logger = logging.getLogger(__name__)


class OffsiteGuard:
    """Drop any request to a host:port that is not one of the crawl's sites, and put
    every other one in its site's download slot.

    Friend links and external links are recorded by the spider, never fetched. The
    spider exposes ``slot_for_netloc`` ({host:port: site key}); empty allows everything.
    Requests Scrapy makes itself (robots.txt) get the site's slot here, so the site's
    delay holds from its very first request.
    """

    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_request(self, request, spider=None):
        slots = getattr(self.crawler.spider, "slot_for_netloc", None)
        if not slots:
            return None
        key = slots.get(urlparse_cached(request).netloc.lower())
        if key is None:
            self.crawler.stats.inc_value("offsite/dropped")
            raise IgnoreRequest(f"offsite: {request.url}")
        request.meta.setdefault("download_slot", key)
        return None


class BackoffRetry(RetryMiddleware):
    """Scrapy's retry, but wait ``RETRY_BACKOFF_BASE * 2**n`` (jittered) before retry n."""

    def __init__(self, settings):
        super().__init__(settings)
        self.base = settings.getfloat("RETRY_BACKOFF_BASE")
        self.cap = settings.getfloat("RETRY_BACKOFF_MAX")

    async def _wait(self, request):
        n = request.meta.get("retry_times", 0)
        delay = min(self.cap, self.base * 2 ** max(0, n - 1))
        await asyncio.sleep(delay * random.uniform(0.5, 1.0))

    async def process_response(self, request, response, spider=None):
        result = super().process_response(request, response)
        if result is not response:
            await self._wait(result)
        return result

    async def process_exception(self, request, exception, spider=None):
        result = super().process_exception(request, exception)
        if result is not None:
            await self._wait(result)
        return result


# A meta refresh needs the word "refresh" (http-equiv) in the part of the page Scrapy
# reads (its first 4,096 characters: at most 4 bytes each in UTF-8 and GB18030),
# ASCII in every encoding the portals use; UTF-16 spells it with zero bytes between.
_REFRESH_BYTES = 4096 * 4
_REFRESH_MARKS = (b"refresh", "refresh".encode("utf-16-le"), "refresh".encode("utf-16-be"))


class MetaRefreshGuard(MetaRefreshMiddleware):
    """Scrapy's meta-refresh redirects, looked for only in a page that can hold one.

    Scrapy's middleware decodes every HTML answer whole (``response.text``, with its own
    encoding detection) to read a tag in its first 4 KB. A plain spider parses that text
    anyway; ours decodes each page once, with its own rules (extract/encoding.py), so
    the middleware's decoding was a second one per page (~4% of the crawler's CPU,
    issue #19). A page without the word is passed on as it is; any other goes through
    Scrapy's own middleware unchanged.
    """

    def process_response(self, request, response, spider=None):
        head = response.body[:_REFRESH_BYTES].lower()
        if not any(m in head for m in _REFRESH_MARKS):
            return response
        return super().process_response(request, response)
