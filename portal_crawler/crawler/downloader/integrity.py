"""Is a response whole? Truncation that HTTP framing cannot show.

A body shorter than its Content-Length is caught by Scrapy itself
(``DOWNLOAD_FAIL_ON_DATALOSS``). A body cut in the middle with no Content-Length (the
server closed the connection early) looks complete to HTTP; an HTML document that
opened with ``<html`` and never closes its ``body`` or ``html`` element ended before
it did. Such a response is retried (``IntegrityCheck``) and, after its retries, is a
failed request: never stored as a complete article.
"""
from __future__ import annotations

from scrapy.downloadermiddlewares.retry import get_retry_request

from portal_crawler.extract.truncation import is_truncated
from portal_crawler.crawler.stats import TRUNCATED

__all__ = ["IntegrityCheck", "TruncatedResponse"]


class TruncatedResponse(Exception):
    """A response that ended before its document did, still so after its retries."""


class IntegrityCheck:
    """Downloader middleware: retry a 200 response that is a truncated HTML document;
    when its retries are spent, fail the request with TruncatedResponse (an error)."""

    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_response(self, request, response, spider=None):
        if response.status != 200:
            return response
        ctype = response.headers.get("Content-Type", b"").decode("latin-1") or None
        if not is_truncated(response.body, ctype):
            return response
        self.crawler.stats.inc_value(TRUNCATED)
        retry = get_retry_request(request, spider=self.crawler.spider, reason="truncated response")
        if retry is not None:
            return retry
        raise TruncatedResponse(f"truncated response ({len(response.body)} bytes, no end of document)")
