"""PortalLogFormatter: the per-page and per-item DEBUG lines are made only when the
crawl's log could show them."""
from __future__ import annotations

import logging

import pytest
from scrapy import Request
from scrapy.http import HtmlResponse
from scrapy.utils.log import logformatter_adapter
from scrapy.utils.test import get_crawler

from portal_crawler.crawler.items import ArticleItem
from portal_crawler.crawler.logformatter import PortalLogFormatter

URL = "http://127.0.0.1:8000/a/1.html"


def _formatter(**settings):
    return PortalLogFormatter.from_crawler(get_crawler(settings_dict=settings))


def _args():
    req = Request(URL)
    return req, HtmlResponse(URL, body=b"<html><body>x</body></html>", request=req)


@pytest.mark.parametrize("settings,shown", [
    ({"LOG_LEVEL": "DEBUG"}, True), ({"LOG_LEVEL": logging.DEBUG}, True),
    ({"LOG_LEVEL": "INFO"}, False), ({"LOG_LEVEL": "WARNING"}, False), ({"LOG_LEVEL": logging.ERROR}, False),
    ({"LOG_ENABLED": False, "LOG_LEVEL": "WARNING"}, True),   # the program's own handlers decide
])
def test_debug_lines_made_only_when_shown(settings, shown):
    f = _formatter(**settings)
    req, resp = _args()
    item = ArticleItem(url=URL, title="标题", body="正文")
    for out in (f.crawled(req, resp, None), f.scraped(item, resp, None)):
        if shown:
            level, msg, args = logformatter_adapter(out)
            assert level == logging.DEBUG and (msg % args).startswith(("Crawled (200)", "Scraped from <200"))
        else:
            assert out is None

