"""Log lines about items name the article, never print it.

Scrapy's default formatter writes a dropped or failed item whole (its body included) into
the log: kilobytes per article, which drown a scheduled run's log and, when the archive
writer has failed and every remaining item is dropped, can fill a pipe the operator's
wrapper reads only at exit. Here the line is the article's URL and the reason.
"""
from __future__ import annotations

from itemadapter import ItemAdapter, is_item
from scrapy.logformatter import LogFormatter


def _url(item) -> str:
    return str(ItemAdapter(item).get("url")) if is_item(item) else type(item).__name__


class PortalLogFormatter(LogFormatter):
    def dropped(self, item, exception, response, spider=None):
        out = super().dropped(item, exception, response, spider)
        out["msg"] = "Dropped %(item)s: %(exception)s"
        out["args"] = {**out["args"], "item": _url(item)}
        return out

    def item_error(self, item, exception, response, spider=None):
        out = super().item_error(item, exception, response, spider)
        out["args"] = {**out["args"], "item": _url(item)}
        return out
