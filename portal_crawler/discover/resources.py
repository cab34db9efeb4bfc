"""A page's requisites: the images and stylesheets a browser loads to show it.

Found with regular expressions over the decoded HTML (no second parse of a page the
extractor already parsed): ``<img src>`` and ``<link rel="stylesheet" href>``. Scripts
are left out: on these sites they are hit counters (DedeCMS ``/plus/count.php``, which
robots.txt disallows and each fetch would increment) and ads, not the page's look.
Data URLs and fragments are skipped; URLs are absolute, in page order, each once.
"""
from __future__ import annotations

import html
import re
from urllib.parse import urljoin, urlsplit

__all__ = ["page_resources"]

_SRC = re.compile(r"""<img\b[^>]*?\bsrc\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", re.I)
_LINK = re.compile(r"<link\b[^>]*>", re.I)
_ATTR = re.compile(r"""\b(rel|href)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", re.I)


def page_resources(text: str, url: str) -> list[str]:
    """Absolute URLs of the images and stylesheets ``text`` (the page at ``url``) loads."""
    found: list[str] = []
    for m in _SRC.finditer(text):
        found.append(m.group(1) or m.group(2) or m.group(3) or "")
    for m in _LINK.finditer(text):
        attrs = {a.group(1).lower(): a.group(2) or a.group(3) or a.group(4) or "" for a in _ATTR.finditer(m.group(0))}
        if "stylesheet" in attrs.get("rel", "").lower().split() and attrs.get("href"):
            found.append(attrs["href"])
    out = []
    for ref in found:
        ref = html.unescape(ref.strip())
        if not ref or ref.startswith(("data:", "#", "javascript:")):
            continue
        absolute = urljoin(url, ref).split("#", 1)[0]
        if urlsplit(absolute).scheme in ("http", "https") and absolute not in out:
            out.append(absolute)
    return out
