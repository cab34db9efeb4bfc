"""Crawler traps on loopback: one replica site with trap channels beside its real ones.

``TrapSite`` serves a replica site in this process (a thread; tests crawl it from a
subprocess) and mounts, under ``/trap/``, the pages that made crawls unbounded
(issue 14): the home page's nav gains one channel per trap, so a crawl from the home
page meets them like real channels. Every request is logged (``hits(prefix)``).

Traps (``TRAPS``):
- ``chain``: a next-page chain that is not ``list_N`` (``p{n}.html`` for ever), every
  page listing the same real articles;
- ``calendar``: one page per day, next = the following day: dates that never get older;
- ``deep``: ever deeper directories (``a/a/a/...``), each listing an older real article;
- ``claim``: a DedeCMS pager claiming 共1000000页 (``list_900_N.html``), real pages 1-3,
  every page after that the same as page 3;
- ``longart``: a list whose one entry is an article of 5,000 pages;
- ``links``: a list page of 100,000 links (the first 60 real articles, the rest 404);
- ``sizes``: a list of real articles plus a 50 MB page, an endless stream (no length)
  and a gzip bomb (512 MiB of zeros in ~0.5 MB).
"""
from __future__ import annotations

import datetime as dt
import http.server
import threading
import zlib
from collections import Counter

from portal_crawler.replica.links import link_path
from portal_crawler.replica.model import Network
from portal_crawler.replica.router import SiteRouter
from portal_crawler.replica.truth import truth

TRAPS = ("chain", "calendar", "deep", "claim", "longart", "links", "sizes")
NAMES = {"chain": "陷阱翻页", "calendar": "陷阱日历", "deep": "陷阱目录", "claim": "陷阱页数",
         "longart": "陷阱长文", "links": "陷阱链接", "sizes": "陷阱大小"}
BIG_BYTES = 50 * 1024 * 1024
BOMB_BYTES = 512 * 1024 * 1024
ARTICLE_PAGES = 5000
LINKS = 100_000
REAL_LINKS = 60
CLAIM_REAL_PAGES = 3


def _bomb() -> bytes:
    z = zlib.compressobj(9, zlib.DEFLATED, 31)       # gzip framing
    chunk = b"\0" * (1 << 20)
    parts = [z.compress(chunk) for _ in range(BOMB_BYTES >> 20)]
    return b"".join(parts) + z.flush()


def _page(title: str, items: list[str], pager: str = "") -> bytes:
    return (f"<html><head><meta charset='utf-8'><title>{title}</title></head><body>"
            f"<div class='w960'><div class='listbox'><ul class='e2'>\n" + "\n".join(items)
            + f"\n</ul></div><div class='dede_pages'><ul class='pagelist'>{pager}</ul></div></div>"
            "</body></html>").encode("utf-8")


def _item(href: str, title: str, date: dt.date) -> str:
    return (f"<li><a href=\"{href}\" class=\"title\">{title}</a><span class=\"info\"><small>日期：</small>"
            f"{date:%Y-%m-%d} 10:00:00<small>点击：</small>1</span></li>")


def _long_article(k: int) -> bytes:
    # Text of its own (never a near-duplicate of a real article), one page of 5,000.
    paras = "".join(f"<p>　　陷阱长文第{k}页第{j}段：编号{(k * 7919 + j * 104729) % 1000003}的测试内容，"
                    f"用于检验分页上限，此段文字仅供测试使用，共计若干字。</p>" for j in range(6))
    pager = "".join(f"<li><a href='/trap/art/9_{n}.html'>{n}</a></li>" if n > 1 else
                    "<li><a href='/trap/art/9.html'>1</a></li>" for n in range(1, ARTICLE_PAGES + 1))
    title = "陷阱长文测试页面" + (f"({k})" if k > 1 else "")
    return ("<html><head><meta charset='utf-8'><title>" + title + "</title></head><body>"
            "<div class='viewbox'><div class='title'><h2>" + title + "</h2></div>"
            "<div class='info'><small>时间:</small>2020-06-01 10:00<small>来源:</small>本站</div>"
            "<div class='content'><table width='100%'><tr><td>" + paras + "</td></tr></table></div>"
            f"<div class='dede_pages'><ul class='pagelist'><li><a>共{ARTICLE_PAGES}页: </a></li>{pager}</ul></div>"
            "</div></body></html>").encode("utf-8")


class TrapSite:
    """``with TrapSite("harbin") as t``: t.base_url, t.truth(), t.hits("/trap/chain/")."""

    def __init__(self, site: str = "harbin", seed: int = 11, scale="tiny", traps=TRAPS):
        self.key, self.traps = site, tuple(traps)
        self.net = Network(seed, [site], scale)
        self.m = self.net.sites[site]
        self.router = SiteRouter(self.net, self.m)
        self.log: Counter = Counter()
        self.lock = threading.Lock()
        self.bomb = _bomb() if "sizes" in self.traps else b""
        self.aids = list(range(self.m.n, 0, -1))    # real articles, newest first

    # -- lifecycle --------------------------------------------------------------------
    def __enter__(self) -> "TrapSite":
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):
                with outer.lock:
                    outer.log[self.path] += 1
                try:
                    outer.handle(self)
                except (BrokenPipeError, ConnectionResetError):
                    pass          # the crawler hung up (a size limit): the point of the trap

            def log_message(self, *a):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self.server.server_port}/"
        self.net.base_urls[self.key] = self.base_url
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    def truth(self) -> list[dict]:
        return truth(self.net, [self.key])

    def hits(self, prefix: str) -> int:
        with self.lock:
            return sum(n for p, n in self.log.items() if p.startswith(prefix))

    def real(self, i: int) -> tuple[str, str]:
        """(path, title) of the i-th newest real article (wrapping)."""
        aid = self.aids[i % len(self.aids)]
        return link_path(self.m, aid), self.net.title(self.key, aid)

    # -- responses --------------------------------------------------------------------
    def send(self, h, body: bytes, ctype="text/html; charset=utf-8", status=200, headers=()):
        h.send_response(status)
        h.send_header("Content-Type", ctype)
        h.send_header("Content-Length", str(len(body)))
        for k, v in headers:
            h.send_header(k, v)
        h.end_headers()
        h.wfile.write(body)

    def handle(self, h) -> None:
        path = h.path
        if path.startswith("/trap/"):
            return self.trap(h, path[len("/trap/"):])
        kind, status, ctype, body = self.router.route(path)
        if kind == "home":   # one nav channel per trap, beside the real ones
            nav = "".join(f"<li><a href='/trap/{t}/'>{NAMES[t]}</a></li>" for t in self.traps)
            body = body.replace(b"\n</ul></div></div>", nav.encode(self.m.info.charset) + b"\n</ul></div></div>", 1)
        self.send(h, body, ctype if "charset" in ctype or not ctype.startswith("text/html")
                  else f"{ctype}; charset={self.m.info.charset}", status)

    def trap(self, h, rest: str) -> None:
        name, _, sub = rest.partition("/")
        day0 = dt.date(2020, 1, 1)
        if name == "chain":         # p{n}.html for ever, the same three real articles
            n = int(sub[1:-5]) if sub.startswith("p") else 1
            items = [_item(*self.real(i), day0) for i in range(3)]
            return self.send(h, _page(f"翻页{n}", items, f"<li><a href='p{n + 1}.html'>下一页</a></li>"))
        if name == "calendar":      # one day per page, next = the following day
            n = int(sub[:-5]) if sub.endswith(".html") else 0
            items = [_item(*self.real(n), day0 + dt.timedelta(days=n))]
            return self.send(h, _page(f"日历{n}", items, f"<li><a href='{n + 1}.html'>下一页</a></li>"))
        if name == "deep":          # a/a/a/...: each level one older real article
            depth = sub.count("a/")
            items = [_item(*self.real(depth), day0 - dt.timedelta(days=depth))]
            return self.send(h, _page(f"目录{depth}", items, "<li><a href='a/'>下一页</a></li>"))
        if name == "claim":         # 共1000000页; real pages 1..3, then page 3 again
            n = int(sub.rsplit("_", 1)[1][:-5]) if sub.startswith("list_") else 1
            k = min(n, CLAIM_REAL_PAGES)
            items = [_item(*self.real(10 + 5 * (k - 1) + i), day0 - dt.timedelta(days=k * 5 + i)) for i in range(5)]
            pager = (f"<li><span class='pageinfo'>共 <strong>1000000</strong>页<strong>20000000</strong>条</span></li>"
                     f"<li><a href='list_900_{n + 1}.html'>下一页</a></li><li><a href='list_900_1000000.html'>末页</a></li>")
            return self.send(h, _page(f"页数{n}", items, pager))
        if name == "longart":
            return self.send(h, _page("长文", [_item("/trap/art/9.html", "陷阱长文测试页面", day0)]))
        if name == "art":
            k = int(sub[:-5].split("_")[1]) if "_" in sub else 1
            return self.send(h, _long_article(k))
        if name == "links":         # 100,000 links; the first REAL_LINKS are real articles
            items = [_item(*self.real(i), day0 - dt.timedelta(days=i)) for i in range(REAL_LINKS)]
            items += [_item(f"/trap/links/x{i}.html", f"链接陷阱{i}号", day0 - dt.timedelta(days=i % 3000))
                      for i in range(LINKS - REAL_LINKS)]
            return self.send(h, _page("链接", items))
        if name == "sizes":
            items = [_item(*self.real(40 + i), day0 - dt.timedelta(days=i)) for i in range(3)]
            items += [_item(f"/trap/sizes/{f}.html", t, day0 - dt.timedelta(days=9))
                      for f, t in (("big", "超大页面测试"), ("stream", "无尽数据流测试"), ("bomb", "压缩炸弹测试"))]
            if sub == "":
                return self.send(h, _page("大小", items))
            if sub == "big.html":
                return self.send(h, b"<html><body>" + b"x" * BIG_BYTES + b"</body></html>")
            if sub == "bomb.html":
                return self.send(h, self.bomb, headers=[("Content-Encoding", "gzip")])
            if sub == "stream.html":   # no length, never ends: until the client hangs up
                h.send_response(200)
                h.send_header("Content-Type", "text/html; charset=utf-8")
                h.send_header("Connection", "close")
                h.end_headers()
                chunk = b"<p>" + "无尽".encode() * 4000 + b"</p>\n"
                for _ in range(1 << 20):
                    h.wfile.write(chunk)
                return None
        h.send_error(404)
        return None
