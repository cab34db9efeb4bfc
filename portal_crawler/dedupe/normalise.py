"""Text normalisation and hashes for content identity and change detection.

Two copies of one article differ in what sites add around it: a 来源 line, a
`（本文转自哈尔滨日报）` note, the editor line, spacing and punctuation (full/half
width).  `normalise_body` removes exactly those so that the exact hash of a repost
equals the origin's; `content_hash` is the change detector for one URL and keeps
every stored field (an edit of the 来源 line is an edit).
"""
from __future__ import annotations

import hashlib
import json
import re

from portal_crawler.record import CONTENT_KEYS

__all__ = ["normalise_body", "normalise_title", "body_hash", "content_hash", "CONTENT_FIELDS",
           "has_repost_note", "MIN_EXACT_CHARS"]

# Lines that are provenance, not content (a short header may precede 来源 on the line:
# `本网讯 来源：哈尔滨日报`).
_PROVENANCE_LINE = re.compile(
    r"^\s*[（(【\[]?\s*(来源|来自|稿源|出处|作者|责任编辑|编辑|审核|原标题|发布时间|时间)\s*[:：].*$"
    r"|^[^\n]{0,24}?(来源|稿源|出处)\s*[:：][^\n]{0,40}$", re.M)
# Inline notes: （本文转自…）, (转载自…), 【转自…】, (责任编辑:…)
_NOTE = re.compile(r"[（(【\[]\s*(本文)?(转自|转载自|转载于|摘自|来源[:：]|责任编辑\s*[:：])[^）)】\]]*[）)】\]]")
_REPOST_NOTE = re.compile(r"(本文)?(转自|转载自|转载于|摘自)")
# Only letters and digits matter (punctuation is dropped anyway), and they are rare:
# translating every page for its full-width comma would cost ~1 ms.
_FULLWIDTH = {c: c - 0xFEE0 for c in [*range(0xFF10, 0xFF1A), *range(0xFF21, 0xFF3B),
                                      *range(0xFF41, 0xFF5B)]}
_HAS_FULLWIDTH = re.compile("[\uff10-\uff19\uff21-\uff3a\uff41-\uff5a]")
# Runs of letters and digits (whitespace, punctuation and symbols are dropped).
_WORD = re.compile(r"[^\W_]+")

# Title decorations that are not the article's title (rule T1-T3 of README "Deduplication"):
# T1 a `_中国中小企业哈尔滨网` / ` - XX政府网` / `|XX门户` site-name suffix (a segment that
#    names a site: ends in 网, 网站, 门户, 政府, 平台 or 频道);
_SITE_SUFFIX = re.compile(r"\s*(?:[_|｜]|\s[-–—－]\s?)[^_|｜]{1,30}?(?:网|网站|门户|政府|平台|频道)\s*$")
# T2 a page suffix `(2)`, `（第2页）`, `(2/3)` that multi-page templates add;
_PAGE_SUFFIX = re.compile(r"\s*[(（]\s*(?:第\s*)?\d{1,2}\s*(?:页)?\s*(?:/\s*\d{1,2}\s*)?[)）]\s*$")
# T3 repost markers: `（转载）`, `【转自新华网】`, `[转载]`, and a `转载：` / `转自XX：` prefix.
#    (`转发` is not one: `关于转发…的通知` is a document of its own.)
_REPOST_MARK = re.compile(r"[(（【\[]\s*(?:转载|转自)[^)）】\]]{0,30}[)）】\]]"
                          r"|^\s*(?:转载|转自[^:：]{0,20})\s*[:：]")

# Bodies shorter than this (normalised) are only merged when the title matches too.
MIN_EXACT_CHARS = 30

# Fields whose change makes a new version of an article (clicks change every crawl):
# the record's content fields, defined once in record.py.
CONTENT_FIELDS = CONTENT_KEYS


def normalise_body(text: str | None) -> str:
    """Body reduced to its letters and digits, provenance lines and notes removed."""
    if not text:
        return ""
    # Each step runs only when its trigger is present: most pages need none of them.
    t = text.translate(_FULLWIDTH) if _HAS_FULLWIDTH.search(text) else text
    if "转" in t or "摘自" in t or "来源" in t or "编辑" in t:
        t = _NOTE.sub("", t)
    if ("来源" in t or "来自" in t or "稿源" in t or "出处" in t or "作者" in t
            or "编辑" in t or "审核" in t or "原标题" in t or "时间" in t):
        t = _PROVENANCE_LINE.sub("", t)
    # bytes.lower() touches only ASCII, in C: cheaper than str.lower() on CJK text.
    return "".join(_WORD.findall(t)).encode("utf-8").lower().decode("utf-8")


def normalise_title(title: str | None) -> str:
    """Title reduced to its letters and digits after T1-T3: site-name suffix, page suffix
    and repost markers removed.  Two copies of one article agree on this."""
    if not title:
        return ""
    t = title.translate(_FULLWIDTH) if _HAS_FULLWIDTH.search(title) else title
    if "转" in t:
        t = _REPOST_MARK.sub("", t)
    for _ in range(2):                      # `标题(2)_XX网` and `标题_XX网(2)`
        t = _PAGE_SUFFIX.sub("", _SITE_SUFFIX.sub("", t))
    if "转" in t:
        t = _REPOST_MARK.sub("", t)
    return "".join(_WORD.findall(t)).encode("utf-8").lower().decode("utf-8")


def has_repost_note(text: str | None) -> bool:
    # The substring test first: the regex scan of a whole page costs ~70 us.
    return bool(text) and ("转" in text or "摘自" in text) and bool(_REPOST_NOTE.search(text))


def _h(s: str) -> str:
    return hashlib.blake2b(s.encode("utf-8"), digest_size=16).hexdigest()


def body_hash(body: str | None, title: str | None = None, *, normalised: str | None = None) -> str | None:
    """Exact content identity; short bodies only match with the same title too.
    `normalised`: normalise_body(body) when the caller has it already."""
    nb = normalise_body(body) if normalised is None else normalised
    if not nb:
        return None
    if len(nb) < MIN_EXACT_CHARS:
        nt = normalise_title(title)
        return _h("short|" + nt + "|" + nb) if nt else None
    return _h(nb)


def content_hash(record: dict) -> str:
    """Hash of the content fields of one copy (whitespace-normalised), for change detection."""
    vals = []
    for f in CONTENT_FIELDS:
        v = record.get(f)
        if isinstance(v, str):
            v = " ".join(v.split())
        vals.append(v)
    return _h(json.dumps(vals, ensure_ascii=False, sort_keys=True, default=str))
