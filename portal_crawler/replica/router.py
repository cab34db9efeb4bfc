"""Map a request path on one site to (kind, status, content type, body bytes)."""
from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

from portal_crawler.replica import attachments as A, dede, trs
from portal_crawler.replica.http import Stream
from portal_crawler.replica.links import article_path
from portal_crawler.replica.model import Network, SiteModel

NOT_FOUND = (b"<!DOCTYPE HTML PUBLIC \"-//IETF//DTD HTML 2.0//EN\">\n<html><head>"
             b"<title>404 Not Found</title></head><body><h1>Not Found</h1></body></html>\n")
REQUEST_ERROR = " Request Error! "
TRS_ROBOTS = "User-agent: *\nDisallow: /wcm/\n"
GIF = (b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00"
       b"\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;")

# The template's stylesheet: enough of a look (fonts, colours, widths) that a replay
# without it is visibly another page (snapshot/qa.py's screenshot check must see that).
STYLESHEET = (b"body{margin:0 auto;max-width:960px;font:15px/1.9 sans-serif;color:#333;background:#f4f6f9}"
              b"h1,h2{color:#1a4f8b;margin:12px 0}a{color:#0b5cad;text-decoration:none}"
              b"ul{list-style:none;padding-left:12px}p{text-indent:2em;margin:8px 16px}")

_ART = re.compile(r"^(/.+/)(\d{4})/(\d{4})/(\d+)(?:_(\d+))?\.html$")
_LIST = re.compile(r"^(/.+/)list_(\d+)_(\d+)\.html$")
_REWRITE = re.compile(r"^/plus/view-(\d+)-(\d+)\.html$")
_RSS = re.compile(r"^/data/rss/(\d+)\.xml$")
_TRS_ART = re.compile(r"^(/[a-z]+/)(\d{6})/t(\d{8})_(\d+)\.html$")
_TRS_LIST = re.compile(r"^(/[a-z]+/)index(?:_(\d+))?\.html$")


def _int(qs: dict, name: str) -> int | None:
    v = qs.get(name) or qs.get(name.lower())
    try:
        return int(v[0]) if v else None
    except ValueError:
        return None


class SiteRouter:
    def __init__(self, net: Network, m: SiteModel, revisions: dict[str, int] | None = None):
        self.net, self.m = net, m
        self.revisions = {} if revisions is None else revisions   # attachment path -> revision
        self.by_path = {c.path: t for t, c in m.channels.items()}

    def html(self, kind: str, text: str | None):
        if text is None:
            return self.not_found()
        return kind, 200, self.m.info.content_type, text.encode(self.m.info.charset)

    def not_found(self):
        return "not_found", 404, "text/html", NOT_FOUND

    def request_error(self):
        return "request_error", 200, self.m.info.content_type, REQUEST_ERROR.encode()

    def route(self, target: str):
        parts = urlsplit(target)
        path = parts.path
        if self.m.info.engine == "trs":
            return self.route_trs(path)
        net, m = self.net, self.m
        if path in ("/", "/index.html"):
            return self.html("home", dede.home(net, m))
        if path == "/robots.txt":
            return "robots", 200, "text/plain", dede.ROBOTS.encode()
        if path in self.by_path or (path.endswith("/index.html") and path[:-10] in self.by_path):
            return self.html("list", dede.list_page(net, m, self.by_path[path.removesuffix("index.html")], 1))
        if path.startswith("/plus/"):
            return self.route_plus(path, parse_qs(parts.query))
        if mt := _ART.match(path):
            d, y, md, aid, page = mt.groups()
            aid, page = int(aid), int(page or 1)
            if not 1 <= aid <= m.n or article_path(m, aid) != f"{d}{y}/{md}/{aid}.html":
                return self.not_found()
            return self.article(aid, page, False, "article" if page == 1 else "article_page")
        if mt := _LIST.match(path):
            d, tid, page = mt.group(1), int(mt.group(2)), int(mt.group(3))
            if self.by_path.get(d) != tid:
                return self.not_found()
            return self.html("list", dede.list_page(net, m, tid, page))
        if mt := _RSS.match(path):
            tid = int(mt.group(1))
            if tid not in m.channels:
                return self.not_found()
            return ("rss", 200, "application/xml",
                    dede.rss(net, m, tid).encode(m.info.charset))
        if path == "/data/rssmap.html":
            return self.html("rssmap", dede.rssmap(net, m))
        if path == "/data/sitemap.html":
            return self.html("sitemap", dede.sitemap(net, m))
        if path == "/about.html":
            return self.html("about", dede.about(net, m))
        return self.static(path)

    def article(self, aid: int, page: int, dynamic: bool, kind: str):
        a = self.net.article(self.m.info.key, aid)
        if a is None or not 1 <= page <= a.npages:
            return self.not_found() if not dynamic else self.request_error()
        return self.html(kind, dede.article(self.net, self.m, aid, page, dynamic))

    def route_plus(self, path: str, qs: dict):
        if path == "/plus/view.php":
            aid = _int(qs, "aid")
            if aid is None or not 1 <= aid <= self.m.n:
                return self.request_error()
            return self.article(aid, _int(qs, "pageno") or 1, True, "view_dynamic")
        if mt := _REWRITE.match(path):
            aid, page = int(mt.group(1)), int(mt.group(2))
            if not 1 <= aid <= self.m.n:
                return self.request_error()
            return self.article(aid, page, True, "view_dynamic")
        if path == "/plus/list.php":
            tid = _int(qs, "tid")
            if tid not in self.m.channels:
                return self.request_error()
            return self.html("list_dynamic", dede.list_page(self.net, self.m, tid, _int(qs, "PageNo") or 1))
        if path == "/plus/count.php":
            aid = _int(qs, "aid")
            if aid is None or not 1 <= aid <= self.m.n:
                return "count", 200, "application/x-javascript", b"document.write('0');"
            return ("count", 200, "application/x-javascript",
                    f"document.write('{self.m.clicks_of(aid)}');".encode())
        return self.not_found()

    def static(self, path: str):
        if path.startswith("/uploads/soft/"):
            return self.attachment(path)
        if path.startswith("/uploads/"):
            ext = path.rsplit(".", 1)[-1].lower()
            ctype = {"jpg": "image/jpeg", "gif": "image/gif", "png": "image/png",
                     "pdf": "application/pdf"}.get(ext, "application/octet-stream")
            return "upload", 200, ctype, GIF if ctype.startswith("image") else b"%PDF-1.4 replica\n"
        if path.startswith("/templets/"):
            return "static", 200, "text/css", STYLESHEET
        return self.not_found()

    def attachment(self, path: str):
        """A document with known text (replica/attachments.py); the 200 MB one streamed."""
        rev = self.revisions.get(path, 0)
        s = A.spec(self.net.seed, path, rev)
        if s.status == 404:
            return self.not_found()
        if s.doc == "huge":
            return "attachment", 200, s.content_type, Stream(A.HUGE_SIZE, lambda: A.huge_chunks(self.net.seed, path))
        return "attachment", 200, s.content_type, A.content(self.net.seed, path, rev)

    def route_trs(self, path: str):
        net, m = self.net, self.m
        if path in ("/", "/index.html"):
            return self.html("home", trs.home(net, m))
        if path == "/robots.txt":
            return "robots", 200, "text/plain", TRS_ROBOTS.encode()
        if path in self.by_path:
            return self.html("list", trs.list_page(net, m, self.by_path[path], 0))
        if mt := _TRS_LIST.match(path):
            tid = self.by_path.get(mt.group(1))
            if tid is None:
                return self.not_found()
            return self.html("list", trs.list_page(net, m, tid, int(mt.group(2) or 0)))
        if mt := _TRS_ART.match(path):
            aid = int(mt.group(4)) - 600000
            if not 1 <= aid <= m.n or article_path(m, aid) != path:
                return self.not_found()
            return self.html("article", trs.article(net, m, aid))
        return self.static(path)
