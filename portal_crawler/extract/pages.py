"""Multi-page articles: DedeCMS `{aid}_k.html` / `view.php?aid=N&pageno=k`."""
from __future__ import annotations

from portal_crawler.extract.dom import select
from portal_crawler.extract.links import absolute
from portal_crawler.extract.text import raw_text
from portal_crawler.urls import ARTICLE_PAGE_QUERY_RE as _DYNAMIC, ARTICLE_PAGE_RE as _STATIC, PAGE_COUNT_RE as _TOTAL


def _key(href: str) -> tuple[str, int] | None:
    """(article id, page number) of an article page URL."""
    m = _STATIC.search(href) or _DYNAMIC.search(href)
    if not m:
        return None
    return m.group(1), int(m.group(2) or 1)


def page_info(root, sels: list[str], url: str | None, base: str | None,
              current_sels: list[str] = ()) -> tuple[int, list[str], int]:
    """(page_no, absolute URLs of pages 2..n except this one, page count)."""
    own = _key(url) if url else None
    pages: dict[int, str] = {}
    aid = own[0] if own else None
    links = []
    for sel in sels:
        links = [a for a in select(root, sel) if not isinstance(a, str)]
        if links:
            break
    for a in links:
        href = a.get("href") or ""
        k = _key(href)
        if not k or (aid and k[0] != aid):
            continue
        aid = aid or k[0]
        u = absolute(base, href)
        if u and k[1] not in pages:
            pages[k[1]] = u
    page_no = own[1] if own else 1
    if not own:  # no URL: the current page is the one shown as text (li.thisclass)
        for sel in current_sels:
            cur = select(root, sel)
            if cur and not isinstance(cur[0], str):
                t = raw_text(cur[0]).strip()
                if t.isdigit():
                    page_no = int(t)
                break
    total = max([page_no, *pages])
    for a in links[:1]:
        m = _TOTAL.search(raw_text(a.getparent().getparent()) if a.getparent() is not None
                          and a.getparent().getparent() is not None else "")
        if m:
            total = max(total, int(m.group(1)))
    others = [pages[k] for k in sorted(pages) if k >= 2 and k != page_no]
    return page_no, others, total if links else max(page_no, 1)
