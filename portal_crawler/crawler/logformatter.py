"""Log lines about items name the article, never print it.

Scrapy's default formatter writes a dropped or failed item whole (its body included) into
the log: kilobytes per article, which drown a scheduled run's log and, when the archive
writer has failed and every remaining item is dropped, can fill a pipe the operator's
wrapper reads only at exit. Here the line is the article's URL and the reason.

The two DEBUG lines of every page and every item ("Crawled", "Scraped") are not made at
all when the crawl's LOG_LEVEL would not show them: Scrapy sets the root logger to
NOTSET, so each became a LogRecord that its handler then dropped (issue #19: 5,000
records for 3,000 pages).
"""
from __future__ import annotations

import logging

from itemadapter import ItemAdapter, is_item
from scrapy.logformatter import LogFormatter


def _url(item) -> str:
    return str(ItemAdapter(item).get("url")) if is_item(item) else type(item).__name__


def _shows_debug(settings) -> bool:
    """Could a DEBUG line be shown? Scrapy's own handler shows LOG_LEVEL and above;
    without it (LOG_ENABLED off) the program's own handlers decide: kept."""
    if not settings.getbool("LOG_ENABLED", True):
        return True
    level = settings.get("LOG_LEVEL", "DEBUG")
    if not isinstance(level, int):
        level = logging.getLevelName(str(level).upper())
    return not isinstance(level, int) or level <= logging.DEBUG


class PortalLogFormatter(LogFormatter):
    debug = True   # False: the per-page and per-item DEBUG lines are not made

    @classmethod
    def from_crawler(cls, crawler):
        f = super().from_crawler(crawler)
        f.debug = _shows_debug(crawler.settings)
        return f

    def crawled(self, request, response, spider=None):
        return super().crawled(request, response, spider) if self.debug else None

    def scraped(self, item, response, spider=None):
        return super().scraped(item, response, spider) if self.debug else None

    def dropped(self, item, exception, response, spider=None):
        out = super().dropped(item, exception, response, spider)
        out["msg"] = "Dropped %(item)s: %(exception)s"
        out["args"] = {**out["args"], "item": _url(item)}
        return out

    def item_error(self, item, exception, response, spider=None):
        out = super().item_error(item, exception, response, spider)
        out["args"] = {**out["args"], "item": _url(item)}
        return out
