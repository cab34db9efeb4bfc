"""List pages: the article links they hold and the other pages of the list.

Pagination comes in three forms (reference, "URLs"): static ``list_{tid}_{n}.html``,
dynamic ``/plus/list.php?tid=N&PageNo=k`` and script-built ``createPageHTML(total,
current, "index", "html")`` with no ``<a>`` at all. Unknown templates fall back to the
generic rule: the main block of a list page is the longest run of dated links.
"""
from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from parsel import Selector

from portal_crawler.discover import selectors as S

DATE_RE = re.compile(r"((?:19|20)\d{2})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:\s+(\d{1,2}):(\d{2})(?::(\d{2}))?)?")
CLICKS_RE = re.compile(r"点击[：:]\s*(\d+)")
STATIC_RE = re.compile(r"list_(\d+)_(\d+)\.html?$")
TOTAL_RE = re.compile(r"共\s*(?:<strong>)?\s*(\d+)\s*(?:</strong>)?\s*页")
SCRIPT_RE = re.compile(r"createPageHTML\(\s*['\"]?(\d+)['\"]?\s*,\s*['\"]?(\d+)['\"]?\s*,\s*['\"]([^'\"]+)['\"]\s*,\s*['\"]([^'\"]+)['\"]")
ARTICLE_HINT = re.compile(r"(/\d{4}/\d{4}/\d+\.html?$)|(/t\d{8}_\d+\.html?$)|(/art_\d+_\d+\.html?$)|(view(?:\.php\?aid=|-)\d+)")


@dataclass
class ListEntry:
    url: str
    title: str = ""
    date: str | None = None      # raw date text shown on the list
    clicks: int | None = None
    channel: str | None = None   # the [子栏目] tag of a parent list


@dataclass
class ListPage:
    entries: list[ListEntry] = field(default_factory=list)
    page_no: int = 1
    total_pages: int | None = None
    next_url: str | None = None
    page_urls: dict[int, str] = field(default_factory=dict)  # every list page we can name
    family: str = "generic"


def _text(node) -> str:
    return " ".join("".join(node.css("::text").getall()).split())


def _date(text: str) -> str | None:
    m = DATE_RE.search(text)
    return m.group(0) if m else None


def _entries_by_family(sel: Selector, url: str) -> tuple[str, list[ListEntry]]:
    for fam in S.LIST_FAMILIES:
        items = sel.css(fam["item"])
        out = []
        for li in items:
            a = li.css(fam["link"])
            if not a:
                continue
            info = _text(li.css(fam["info"])) if fam.get("info") else ""
            alltext = info or _text(li)
            clicks = CLICKS_RE.search(alltext)
            ch = li.css(fam["channel"]) if fam.get("channel") else None
            out.append(ListEntry(
                url=urljoin(url, a[0].attrib["href"]), title=_text(a[0]), date=_date(alltext),
                clicks=int(clicks.group(1)) if clicks else None,
                channel=_text(ch[0]) if ch else None))
        if out:
            return fam["name"], out
    return "generic", _generic_entries(sel, url)


def _generic_entries(sel: Selector, url: str) -> list[ListEntry]:
    """The longest run of dated links under one parent: the list's main block."""
    groups: dict[str, list[ListEntry]] = defaultdict(list)
    host = urlsplit(url).netloc
    for item in sel.xpath("//li | //tr | //dd | //p | //div[not(descendant::div)]"):
        anchors = item.xpath(".//a[@href]")
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
        parent = item.xpath("..")[0]
        key = parent.root.getroottree().getpath(parent.root) if hasattr(parent.root, "getroottree") else str(id(parent))
        clicks = CLICKS_RE.search(text)
        groups[key].append(ListEntry(url=href, title=_text(a), date=d,
                                     clicks=int(clicks.group(1)) if clicks else None))
    if not groups:
        # Last resort: links that look like article URLs.
        seen, out = set(), []
        for a in sel.xpath("//a[@href]"):
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
        page.page_urls = {k + 1: urljoin(base, f"{stem}.{ext}" if k == 0 else f"{stem}_{k}.{ext}") for k in range(total)}
        page.next_url = page.page_urls.get(page.page_no + 1)
        return
    anchors = [(a.attrib["href"], _text(a)) for a in sel.css(S.PAGELIST)]
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
            numbered = {k: urljoin(base, f"list_{tid}_{k}.html") for k in range(1, total + 1)} | numbered
        elif dyn:
            numbered = {k: _with_query(dyn, PageNo=k) for k in range(1, total + 1)} | numbered
    numbered.setdefault(page.page_no, url)
    page.page_urls = numbered
    page.next_url = numbered.get(page.page_no + 1) or (next_url if next_url != url else None)


def parse_list(sel: Selector, url: str, html: str | None = None) -> ListPage:
    family, entries = _entries_by_family(sel, url)
    page = ListPage(entries=entries, family=family)
    _pagination(sel, html if html is not None else sel.get(), url, page)
    return page
