"""Shared field helpers: title cleanup, breadcrumb, person names, date choice."""
from __future__ import annotations

import re

from portal_crawler.extract.dates import ParsedDate, find_date, parse_date
from portal_crawler.extract.labels import (BLOG_OWNER_RX, BLOG_TITLE_RX, CRUMB_LABEL_RX, CRUMB_NOT_CHANNEL, FORUM_MARKERS,
                                           NOT_A_PERSON, NOT_WRITER, NOTICE_CHANNEL_RX, NOTICE_TITLE_RX, ORG_RX,
                                           PLACEHOLDERS, PLATFORM_HOSTS, PLATFORM_MARKERS, REPORTER,
                                           REPRINT_MARKERS, REPRINT_NOTE_RX, REPRINT_TITLE_RX)
from portal_crawler.extract.text import clean

_PAGE_SUFFIX = re.compile(r"\s*[(（]\s*(\d{1,3})\s*[)）]\s*$")
_TITLE_SPLIT = re.compile(r"\s*(?:_|\||｜|-{1,2}|–|—{1,2}|::)\s*")
_CRUMB_SPLIT = re.compile(r"\s*(?:>>|>|»|›|→|＞|/)\s*")
_PLACEHOLDER = frozenset(p.lower() for p in PLACEHOLDERS)
_NOBODY = frozenset(p.lower() for p in NOT_A_PERSON)
_PERSON_TRIM = re.compile(r"^[\s:：/]+|[\s)）】\]]+$")
# EDITOR-STAFF-ID: a CMS staff id glued after a Chinese name (杨倩_NF4425, 韩保林 PK155) is
# no part of the name; an id printed alone (HN666) is what the page gives and is kept
_STAFF_ID = re.compile(r"(?<=[\u4e00-\u9fff])[_\s]+[A-Za-z]{1,4}\d{2,}$")


def strip_page_suffix(title: str | None, page_no: int) -> str | None:
    """Drop the DedeCMS "(k)" suffix of page k > 1."""
    if not title or page_no <= 1:
        return title
    m = _PAGE_SUFFIX.search(title)
    return clean(title[:m.start()]) if m and int(m.group(1)) == page_no else title


def strip_site_suffix(doc_title: str | None, site_name: str | None = None) -> str | None:
    """`TITLE_SITENAME` / `TITLE - 频道 - 网站` -> TITLE."""
    t = clean(doc_title)
    if not t:
        return None
    if site_name and site_name in t:
        head = t[:t.rfind(site_name)]
        head = re.sub(r"[\s_|｜\-–—:]+$", "", head)
        if head:
            return clean(head)
    parts = [p for p in _TITLE_SPLIT.split(t) if p]
    if len(parts) > 1:
        return max(parts[:-1], key=len) if len(parts) > 2 else parts[0]
    return t


def breadcrumb(text: str | None) -> list[str]:
    if not text:
        return []
    text = CRUMB_LABEL_RX.sub("", text, count=1)
    return [p for p in (clean(x) for x in _CRUMB_SPLIT.split(text)) if p]


def channel(crumbs: list[str], title: str | None = None) -> str | None:
    """CRUMB-TAIL: the channel is the last crumb that names a channel, not the page
    (正文, 详情, 内容, 文章, 阅读… or the title itself); None for a lone home crumb."""
    t = clean(title) if title else None
    tail = list(crumbs)
    while tail and (tail[-1] in CRUMB_NOT_CHANNEL or (t and tail[-1] == t)):
        tail.pop()
    return tail[-1] if len(tail) > 1 else None


def person(value: str | None) -> str | None:
    """Author/editor value: trimmed; placeholders (. - 佚名 秩名) -> None."""
    if not value:
        return None
    v = _PERSON_TRIM.sub("", value)
    v = clean(_STAFF_ID.sub("", v))
    if not v or v.lower() in _NOBODY or len(v) > 40:
        return None
    return v


def source(value: str | None) -> str | None:
    v = clean(value.strip(" :：/")) if value else None
    if not v or v.lower() in _PLACEHOLDER or len(v) > 60:
        return None
    return v


def date_fields(pd: ParsedDate | None) -> dict:
    if pd is None:
        return {"published_at": None, "published_raw": None, "date_flag": "missing"}
    return {"published_at": pd.value, "published_raw": pd.raw, "date_flag": pd.flag}


def parse_any_date(raw: str | None) -> ParsedDate | None:
    """A labelled value (may carry trailing text) -> ParsedDate, None if no date in it."""
    if not raw:
        return None
    pd = find_date(raw)
    if pd is not None:
        return pd
    pd = parse_date(raw)
    return pd if pd.flag != "unparsed" else None


def page_kind_of_text(text: str, title: str | None, url: str | None = None, doc_title: str | None = None) -> str:
    """KIND-*: "reprint" | "blog" | "forum" | "notice" | "news" from the page's own words
    (generic pages; a portal template page is read by its channel and title instead).

    ``text`` is the page's text outside links (a nav link to 头条号 says nothing of the
    page).  The first that applies: the page says it compiles or republishes others'
    text (KIND-REPRINT); a platform's self-publishing words or host (KIND-PLATFORM); a
    thread's words, two of them (KIND-FORUM); a title of an issued document
    (KIND-NOTICE: 关于…的通知, …条例); else news."""
    if any(m in text for m in REPRINT_MARKERS):
        return "reprint"
    if any(m in text for m in PLATFORM_MARKERS) or (url and any(h in url for h in PLATFORM_HOSTS)) \
            or BLOG_OWNER_RX.search(doc_title or title or "") or BLOG_TITLE_RX.match(doc_title or ""):
        return "blog"
    if sum(m in text for m in FORUM_MARKERS) >= 2:
        return "forum"
    if title and NOTICE_TITLE_RX.search(clean(title) or ""):
        return "notice"
    return "news"


_LIST_SPLIT = re.compile(r"\s*[、，,&＆]\s*")
_CJK_NAME = re.compile(r"^[\u4e00-\u9fff·]{2,5}$")
_CREDIT_WORDS = frozenset(REPORTER + NOT_WRITER)


def authorship(author: str | None) -> dict:
    """THE derivation of the record's author fields from the author string (issue 21):
    {"author": display form, "authors": [names], "author_kind": person|organisation|None}.

    AUTH-LIST: names are split on 、 ， , always, and on spaces when every part is a
    Chinese name (2-5 characters: `王芳 张伟`; `John Smith` stays one name); the display
    form joins them by 、. AUTH-ORG: an organisation when any name is one (labels.ORG_RX:
    市工信局, 新华社, 本网)."""
    a = person(author)
    if not a:
        return {"author": None, "authors": [], "author_kind": None}
    names = [n for n in _LIST_SPLIT.split(a) if n]
    out = []
    for n in names:
        parts = n.split()
        out += parts if len(parts) > 1 and all(_CJK_NAME.match(p) and p not in _CREDIT_WORDS
                                               for p in parts) else [n]
    kind = "organisation" if any(ORG_RX.match(n) for n in out) else "person"
    return {"author": "、".join(out), "authors": out, "author_kind": kind}


def page_type(channel: str | None, title: str | None, body: str | None) -> str:
    """Page type of a portal template page: PAGE-NOTICE (the channel is one of official
    notices/documents), PAGE-REPRINT (（转载） after the title, or a 转自 note opening or
    closing the body), else news."""
    if channel and NOTICE_CHANNEL_RX.match(channel):
        return "notice"
    if title and REPRINT_TITLE_RX.search(title):
        return "reprint"
    lines = (body or "").split("\n")
    if any(REPRINT_NOTE_RX.search(ln) for ln in lines[:1] + lines[-1:]):
        return "reprint"
    return "news"
