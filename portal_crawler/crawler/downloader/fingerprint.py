"""Request fingerprints on URL identity, so one article is fetched once.

``/a/x/2021/1022/123.html``, ``/plus/view.php?aid=123`` and ``/plus/view-123-1.html``
share a fingerprint; page k of an article keeps its own (the page number is added).
"""
from __future__ import annotations

import hashlib
import re

from scrapy.utils.request import fingerprint as scrapy_fingerprint

from portal_crawler.urls import identity_key

_PAGE = re.compile(r"(?:/\d+_(\d+)\.html?$)|(?:[?&]pageno=(\d+))", re.I)


def page_number(url: str) -> int:
    m = _PAGE.search(url)
    return int(m.group(1) or m.group(2)) if m else 1


class PortalFingerprinter:
    @classmethod
    def from_crawler(cls, crawler):
        return cls()

    def fingerprint(self, request) -> bytes:
        if request.method != "GET" or request.meta.get("verbatim_url"):
            return scrapy_fingerprint(request)
        key = f"{identity_key(request.url)}#p{page_number(request.url)}"
        return hashlib.sha1(key.encode("utf-8")).digest()
