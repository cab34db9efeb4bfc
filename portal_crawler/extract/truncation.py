"""Is an HTML document whole? Truncation that HTTP framing cannot show.

A body cut in the middle with no Content-Length (the server closed the connection
early) looks complete to HTTP; an HTML document that opened with ``<html`` and never
closes its ``body`` or ``html`` element ended before it did. The crawl retries such a
response (``crawler/downloader/integrity.py``); ``reparse`` skips such a capture.
"""
from __future__ import annotations

import re

# What may precede the root element: BOM, whitespace, XML declaration, doctype, comments.
_PROLOG = re.compile(rb"^(?:\xef\xbb\xbf)?(?:\s+|<\?xml[^>]*>|<!doctype[^>]*>|<!--.*?-->)*<html[\s>]",
                     re.I | re.S)
_END = re.compile(rb"</(?:body|html)\s*>", re.I)
_TAIL = 65536


def is_truncated(body: bytes, content_type: str | None = None) -> bool:
    """True for an HTML document that starts with ``<html`` and has no ``</body>`` or
    ``</html>``. Other bodies (feeds, images, fragments) are not judged here."""
    if content_type and "html" not in content_type.lower():
        return False
    if not _PROLOG.match(body[:4096]):
        return False
    # The end tags sit near the end; look there first, the whole body only if needed.
    return not (_END.search(body, max(0, len(body) - _TAIL)) or _END.search(body))
