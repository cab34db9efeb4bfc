"""URL shapes of replica pages (DedeCMS and TRS), shared by renderers, router and truth."""
from __future__ import annotations

from functools import lru_cache

from portal_crawler.replica.model import Network, SiteModel
from portal_crawler.replica.sites import SITES

UNSERVED = "http://127.0.0.1:{port}/"      # nothing listens on ports 1..25


def base_url(net: Network, key: str) -> str:
    if key in net.base_urls:
        return net.base_urls[key]
    return UNSERVED.format(port=next(s.idx for s in SITES if s.key == key) + 1)


def trs_docid(aid: int) -> int:
    return 600000 + aid


@lru_cache(maxsize=65536)
def article_path(m: SiteModel, aid: int, page: int = 1) -> str:
    e = m.entry_of(aid)
    ch = m.channels[m.tid_of(aid)]
    if m.info.engine == "trs":
        return f"{ch.path}{e:%Y%m}/t{e:%Y%m%d}_{trs_docid(aid)}.html"
    name = f"{aid}.html" if page == 1 else f"{aid}_{page}.html"
    return f"{ch.path}{e:%Y}/{e:%m%d}/{name}"


def view_path(aid: int, page: int = 1) -> str:
    return f"/plus/view.php?aid={aid}" + (f"&pageno={page}" if page > 1 else "")


def link_path(m: SiteModel, aid: int) -> str:
    """How lists/right columns link an article: the static page even on dynamic-list
    sites (DedeCMS can mix dynamic lists with static articles), so truth URLs are
    reachable; the view.php forms are served but only linked from article pagination."""
    return article_path(m, aid)


def channel_link(m: SiteModel, tid: int) -> str:
    return f"/plus/list.php?tid={tid}" if m.info.dynamic else m.channels[tid].path


def list_link(m: SiteModel, tid: int, page: int, total: int) -> str:
    """Pagination href: a bare file name (static) or list.php (dynamic)."""
    if m.info.dynamic:
        return f"/plus/list.php?tid={tid}&TotalResult={total}&PageNo={page}"
    return f"list_{tid}_{page}.html"

