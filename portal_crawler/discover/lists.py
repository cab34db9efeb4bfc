"""List pages: the article links they hold and the other pages of the list.

Pagination comes in three forms (reference, "URLs"): static ``list_{tid}_{n}.html``,
dynamic ``/plus/list.php?tid=N&PageNo=k`` and script-built ``createPageHTML(total,
current, "index", "html")`` with no ``<a>`` at all. Unknown templates fall back to the
generic rule: the main block of a list page is the longest run of dated links.
"""
from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from lxml import etree
from parsel import Selector
from parsel.csstranslator import css2xpath

from portal_crawler.discover import selectors as S
from portal_crawler.urls import LIST_PAGE_RE as STATIC_RE, PAGE_COUNT_RE as TOTAL_RE
from portal_crawler.extract.dates import YEAR

DATE_RE = re.compile(r"(" + YEAR + r")[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:\s+(\d{1,2}):(\d{2})(?::(\d{2}))?)?")
CLICKS_RE = re.compile(r"点击[：:]\s*(\d+)")
SCRIPT_RE = re.compile(r"createPageHTML\(\s*['\"]?(\d+)['\"]?\s*,\s*['\"]?(\d+)['\"]?\s*,\s*['\"]([^'\"]+)['\"]\s*,\s*['\"]([^'\"]+)['\"]")
ARTICLE_HINT = re.compile(r"(/\d{4}/\d{4}/\d+\.html?$)|(/t\d{8}_\d+\.html?$)|(/art_\d+_\d+\.html?$)|(view(?:\.php\?aid=|-)\d+)")


@dataclass
class ListEntry:
    url: str
    title: str = ""
    date: str | None = None      # raw date text shown on the list
    clicks: int | None = None
    channel: str | None = None   # the [子栏目] tag of a parent list


class PageNames(Mapping):
    """Page number -> URL of every list page we can name, computed on demand: a pager
    claiming 共1000000页 costs nothing until a page is asked for (one at a time)."""

    def __init__(self, named: dict[int, str] | None = None, total: int = 0, name=None):
        self.named = dict(named or {})
        self.total = total if name else 0
        self.name = name

    def __getitem__(self, n: int) -> str:
        if n in self.named:
            return self.named[n]
        if self.name is not None and isinstance(n, int) and 1 <= n <= self.total:
            return self.name(n)
        raise KeyError(n)

    def __iter__(self):
        yield from range(1, self.total + 1)
        yield from sorted(k for k in self.named if not 1 <= k <= self.total)

    def __len__(self) -> int:
        return self.total + sum(1 for k in self.named if not 1 <= k <= self.total)


@dataclass
class ListPage:
    entries: list[ListEntry] = field(default_factory=list)
    page_no: int = 1
    total_pages: int | None = None
    next_url: str | None = None
    page_urls: Mapping[int, str] = field(default_factory=PageNames)  # every list page we can name
    family: str = "generic"


# A list page's selectors, compiled once: parsel compiles a query's XPath at every
# call (~60 calls a list page: most of parse_list's time, issue #19); lxml elements
# and these compiled forms give the same nodes and text.
_XPATHS: dict[str, etree.XPath] = {}


def _xp(css: str) -> etree.XPath:
    x = _XPATHS.get(css)
    if x is None:
        x = _XPATHS[css] = etree.XPath(css2xpath(css))
    return x


def _text(*nodes) -> str:
    """The text of ``nodes`` (lxml elements), whitespace runs made one space: what
    ``" ".join("".join(sel.css("::text").getall()).split())`` gives."""
    return " ".join("".join(t for n in nodes for t in n.itertext()).split())


def _date(text: str) -> str | None:
    m = DATE_RE.search(text)
    return m.group(0) if m else None


def _entries_by_family(root, url: str, limit: int | None = None) -> tuple[str, list[ListEntry]]:
    for fam in S.LIST_FAMILIES:
        items = _xp(fam["item"])(root)
        out = []
        for li in items:
            if limit is not None and len(out) > limit:  # one more than taken: the cap shows
                break
            a = _xp(fam["link"])(li)
            if not a:
                continue
            info = _text(*_xp(fam["info"])(li)) if fam.get("info") else ""
            alltext = info or _text(li)
            clicks = CLICKS_RE.search(alltext)
            ch = _xp(fam["channel"])(li) if fam.get("channel") else None
            out.append(ListEntry(
                url=urljoin(url, a[0].attrib["href"]), title=_text(a[0]), date=_date(alltext),
                clicks=int(clicks.group(1)) if clicks else None,
                channel=_text(ch[0]) if ch else None))
        if out:
            return fam["name"], out
    return "generic", _generic_entries(root, url)


def _generic_entries(root, url: str) -> list[ListEntry]:
    """The longest run of dated links under one parent: the list's main block."""
    groups: dict[str, list[ListEntry]] = defaultdict(list)
    host = urlsplit(url).netloc
    for item in _GENERIC_ITEMS(root):
        anchors = _ANCHORS(item)
        if not anchors or len(anchors) > 3:
            continue
        text = _text(item)
        d = _date(text)
        if not d:
            continue
        a = max(anchors, key=lambda x: len(_text(x)))
        href = urljoin(url, a.attrib["href"])
        if urlsplit(href).netloc != host or len(_text(a)) < 4:
            continue
        parent = item.getparent()
        key = parent.getroottree().getpath(parent)
        clicks = CLICKS_RE.search(text)
        groups[key].append(ListEntry(url=href, title=_text(a), date=d,
                                     clicks=int(clicks.group(1)) if clicks else None))
    if not groups:
        # Last resort: links that look like article URLs.
        seen, out = set(), []
        for a in _ALL_ANCHORS(root):
            href = urljoin(url, a.attrib["href"])
            if urlsplit(href).netloc == host and ARTICLE_HINT.search(href) and href not in seen:
                seen.add(href)
                out.append(ListEntry(url=href, title=_text(a)))
        return out
    best = max(groups.values(), key=len)
    seen, out = set(), []
    for e in best:
        if e.url not in seen:
            seen.add(e.url)
            out.append(e)
    return out


_GENERIC_ITEMS = etree.XPath("//li | //tr | //dd | //p | //div[not(descendant::div)]")
_ANCHORS = etree.XPath(".//a[@href]")
_ALL_ANCHORS = etree.XPath("//a[@href]")


def _with_query(url: str, **params) -> str:
    parts = urlsplit(url)
    q = dict(parse_qsl(parts.query, keep_blank_values=True))
    q.update({k: str(v) for k, v in params.items()})
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(q), ""))


def _pagination(sel: Selector, html: str, url: str, page: ListPage) -> None:
    path = urlsplit(url).path
    m_static = STATIC_RE.search(path)
    # Script-built pagination (TRS): createPageHTML(total, current, "index", "html").
    m = SCRIPT_RE.search(html)
    if m:
        total, cur, stem, ext = int(m.group(1)), int(m.group(2)), m.group(3), m.group(4)
        base = url.rsplit("/", 1)[0] + "/"
        page.total_pages, page.page_no = total, cur + 1
        page.page_urls = PageNames(total=total, name=lambda n: urljoin(base, f"{stem}.{ext}" if n == 1 else f"{stem}_{n - 1}.{ext}"))
        page.next_url = page.page_urls.get(page.page_no + 1)
        return
    anchors = [(a.attrib["href"], _text(a)) for a in _xp(S.PAGELIST)(sel.root)]
    numbered: dict[int, str] = {}
    next_url = None
    for href, label in anchors:
        absu = urljoin(url, href)
        sm = STATIC_RE.search(urlsplit(absu).path)
        q = dict(parse_qsl(urlsplit(absu).query))
        n = int(sm.group(2)) if sm else int(q["PageNo"]) if q.get("PageNo", "").isdigit() else None
        if n is not None:
            numbered[n] = absu
        if label in S.NEXT_LABELS:
            next_url = absu
    tm = TOTAL_RE.search(html)
    total = int(tm.group(1)) if tm else (max(numbered) if numbered else None)
    q = dict(parse_qsl(urlsplit(url).query))
    if m_static:
        page.page_no = int(m_static.group(2))
    elif q.get("PageNo", "").isdigit():
        page.page_no = int(q["PageNo"])
    page.total_pages = total
    # Name every page we can: static lists by their tid, dynamic ones by PageNo.
    name = None
    if total:
        tid = m_static.group(1) if m_static else None
        if tid is None:
            for u in numbered.values():
                sm = STATIC_RE.search(urlsplit(u).path)
                if sm:
                    tid = sm.group(1)
                    break
        dyn = next((u for u in numbered.values() if "PageNo=" in u), None)
        if tid is not None:
            base = url.rsplit("/", 1)[0] + "/"
            name = lambda k: numbered.get(k) or urljoin(base, f"list_{tid}_{k}.html")  # noqa: E731
        elif dyn:
            name = lambda k: numbered.get(k) or _with_query(dyn, PageNo=k)  # noqa: E731
    numbered.setdefault(page.page_no, url)
    page.page_urls = PageNames(numbered, total or 0, name)
    page.next_url = page.page_urls.get(page.page_no + 1) or (next_url if next_url != url else None)


def parse_list(sel: Selector, url: str, html: str | None = None, limit: int | None = None) -> ListPage:
    """The entries (at most ``limit`` + 1: a page of 100k links costs a few) and pagination."""
    family, entries = _entries_by_family(sel.root, url, limit)
    page = ListPage(entries=entries, family=family)
    _pagination(sel, html if html is not None else sel.get(), url, page)
    return page
