"""URL identity: one canonical form per page, one identity key per article.

`canonical_url` makes aliases of the same page equal: w3lib's `canonicalize_url`
first (percent-escape case, IDN hosts to punycode, `/./` and `/../`, parameter order,
fragment), then the rules of these sites (http/https, `www.`, default port, tracking
parameters, `index.html`, page k of a multi-page article).  `identity_key` goes further for DedeCMS articles: the static,
dynamic and rewritten forms of one article all map to `host[:port]/aid:N`, so the
spider fetches an article once and the archive recognises it whatever link led to it.
Both never raise: input that is not an http(s) URL comes back stripped.
"""
from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import unquote, urlsplit

from w3lib.url import canonicalize_url

__all__ = ["canonical_url", "identity_key", "identity_of_canonical", "is_same_site",
           "site_host", "ARTICLE_PAGE_RE", "ARTICLE_PAGE_QUERY_RE", "LIST_PAGE_RE", "PAGE_COUNT_RE"]

# Page numbers: the one definition of how a page k is named (discover.lists for list
# pages, extract.pages for multi-page articles, canonical_url for page k -> page 1).
# `{aid}.html` / `{aid}_k.html` (group 1 the article id, 2 the page, 3 the extension):
ARTICLE_PAGE_RE = re.compile(r"(?:^|/)(\d+)(?:_(\d+))?(\.s?html?)(?:[?#].*)?$", re.I)
# `view.php?aid=N&pageno=k`:
ARTICLE_PAGE_QUERY_RE = re.compile(r"[?&]aid=(\d+)(?:.*?[?&]pageno=(\d+))?", re.I)
# Static DedeCMS list pages `list_{tid}_{n}.html` (group 1 tid, group 2 n):
LIST_PAGE_RE = re.compile(r"list_(\d+)_(\d+)\.html?$")
# The page count a pager shows, `共 <strong>9</strong>页` / `共9页`:
PAGE_COUNT_RE = re.compile(r"共\s*(?:<strong>)?\s*(\d+)\s*(?:</strong>)?\s*页")

# Parameters that identify a campaign or referrer, never content.
TRACKING_PARAMS = frozenset({
    "spm", "from", "fbclid", "gclid", "share", "share_token", "shareid",
    "isappinstalled", "scene", "srcid", "yclid", "msclkid", "_hsenc", "_hsmi",
    "mc_cid", "mc_eid", "ref", "ref_src", "source_from", "timestamp", "wfr",
})
_INDEX_FILES = ("index.html", "index.htm", "default.html", "default.htm")
_STATIC_ART = re.compile(r"/\d{4}/\d{3,4}/(\d+)\.html$")  # /{typedir}/{Y}/{MD}/N.html
_REWRITE_ART = re.compile(r"(?:^|/)plus/view-(\d+)-\d+\.html$")
_DYN_ART = re.compile(r"(?:^|/)plus/view\.php$")


def _is_tracking(name: str) -> bool:
    n = name.lower()
    return n.startswith("utm_") or n in TRACKING_PARAMS


def _netloc(parts, scheme_in: str) -> str:
    host = (parts.hostname or "").rstrip(".")
    if host.startswith("www."):
        host = host[4:]
    if ":" in host:                      # IPv6 literal
        host = f"[{host}]"
    port = parts.port                    # ValueError on junk: caught by caller
    # 80 is http's default; 443 is https's (stored as http, so drop it too).
    if port is None or port == 80 or (port == 443 and scheme_in == "https"):
        return host
    return f"{host}:{port}"


def _query(query: str, path: str) -> str:
    keep = []
    dynamic_view = bool(_DYN_ART.search(path))
    for seg in query.split("&"):
        if not seg:
            continue
        name = unquote(seg.split("=", 1)[0])
        if _is_tracking(name):
            continue
        if dynamic_view and name.lower() == "pageno":   # view.php page k -> page 1
            continue
        keep.append(seg)
    return "&".join(keep)   # already sorted and escaped by canonicalize_url


def canonical_url(url: str) -> str:
    """Canonical form of an http(s) URL (see module docstring); else `url.strip()`."""
    if not isinstance(url, str):
        return url
    return _canonical(url)


# A crawl canonicalises one URL several times (found on a list, fingerprinted, stored),
# w3lib's canonicalize_url and IDNA at ~50 us a time: 3% of the crawler's time.
# A few thousand recent URLs (~3 MB) cover a list page's links until they are fetched.
@lru_cache(maxsize=8192)
def _canonical(url: str) -> str:
    s = url.strip()
    try:
        parts = urlsplit(s)
        scheme = parts.scheme.lower()
        if scheme not in ("http", "https") or not parts.hostname:
            return s
        parts = urlsplit(canonicalize_url(s, keep_fragments=False))
        netloc = _netloc(parts, scheme)
        path = parts.path or "/"
        query = _query(parts.query, path)
        for name in _INDEX_FILES:
            if path.endswith("/" + name):
                path = path[: -len(name)]
                break
        m = ARTICLE_PAGE_RE.search(path)
        if m and m.group(2) and m.group(3) == ".html":   # {aid}_k.html -> page 1
            path = path[:m.end(1)] + m.group(3)
        out = f"http://{netloc}{path}"
        return f"{out}?{query}" if query else out
    except (ValueError, TypeError, UnicodeError):
        return s


def identity_key(url: str) -> str:
    """`host[:port]/aid:N` for a DedeCMS article URL in any form; else the canonical URL."""
    return identity_of_canonical(canonical_url(url))


def identity_of_canonical(c: str) -> str:
    """`identity_key` of a URL that is already canonical (saves re-canonicalising)."""
    if not c.startswith("http://"):
        return c
    try:
        parts = urlsplit(c)
        path = parts.path
        host = parts.netloc
        m = _STATIC_ART.search(path) or _REWRITE_ART.search(path)
        if m:
            return f"{host}/aid:{int(m.group(1))}"
        if _DYN_ART.search(path):
            for seg in parts.query.split("&"):
                k, _, v = seg.partition("=")
                if k.lower() == "aid" and v.isdigit():
                    return f"{host}/aid:{int(v)}"
    except (ValueError, TypeError, UnicodeError):
        pass
    return c


def site_host(url: str) -> str:
    """Canonical `host[:port]` of a URL ('' when it has none)."""
    c = canonical_url(url)
    if not c.startswith("http://"):
        return ""
    return c[7:].split("/", 1)[0].split("?", 1)[0]


def is_same_site(url: str, base_url: str) -> bool:
    """True when `url` is on the site of `base_url` (www/scheme/default port aside)."""
    h = site_host(url)
    return bool(h) and h == site_host(base_url)
