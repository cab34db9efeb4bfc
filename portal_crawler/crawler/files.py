"""An article's attachments, fetched through Scrapy like its pages and read as text.

When an article's last page is parsed, its attachments on the same site are requested
one after another (the article's item rides along in the request meta and goes out
after the last one), so each is fetched under the site's politeness (download slot,
pacing, robots.txt, retries, the scale-out frontier) and its capture and text reach the
archive with the article. Each URL is fetched at most once per archive: URLs the
archive holds (``store.attachments.known_file_urls``) and URLs asked for in this run are
not requested again; the archive fills their rows from the capture it has.

A file above the site's ``attachment_maxsize`` is never read whole: Scrapy cancels the
download as soon as the announced length (or the bytes received) pass the cap
(``download_maxsize`` meta), and the row records the size the server announced
(``headers_received`` signal). The text is read in a bounded child process
(files/worker.py), awaited without blocking the event loop.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import logging
from urllib.parse import urlsplit

from scrapy import signals
from scrapy.exceptions import IgnoreRequest
from scrapy.spidermiddlewares.httperror import HttpError

from portal_crawler.crawler.limits import size_limit_hit
from portal_crawler.files.worker import TextWorker
from portal_crawler.urls import canonical_url

__all__ = ["FileFetcher"]
logger = logging.getLogger(__name__)


class FileFetcher:
    """The spider's attachment fetcher (``spider.files``)."""

    def __init__(self, spider, known: set[str], enabled: bool, worker: TextWorker,
                 known_resources: set[str] = frozenset(), resources: bool = False, resources_robots: bool = False):
        self.spider, self.enabled, self.worker = spider, enabled, worker
        self.seen: set[str] = set(known)          # canonical URLs: archived, or asked for in this run
        self.resources, self.resources_robots = resources, resources_robots
        self.seen_resources: set[str] = set(known_resources)

    @classmethod
    def from_crawler(cls, crawler, spider, known: set[str], known_resources: set[str] = frozenset()):
        s = crawler.settings
        worker = TextWorker(timeout=s.getfloat("ATTACHMENT_TEXT_TIMEOUT"),
                            memory_bytes=s.getint("ATTACHMENT_TEXT_MEMORY"),
                            max_bytes=s.getint("ATTACHMENT_TEXT_MAXSIZE"))
        fetcher = cls(spider, known, s.getbool("ATTACHMENTS_ENABLED"), worker, known_resources,
                      s.getbool("RESOURCES_ENABLED"), s.getbool("RESOURCES_OBEY_ROBOTS"))
        crawler.signals.connect(fetcher.headers_received, signal=signals.headers_received)
        crawler.signals.connect(fetcher.spider_closed, signal=signals.spider_closed)
        return fetcher

    # -- the chain ------------------------------------------------------------------
    def start(self, item, site, key, resources=()):
        """Request the item's first attachment or page resource to fetch, or emit the item."""
        todo = []
        if self.enabled:
            for a in item.attachments or []:
                url = a.get("url")
                if not url or urlsplit(url).scheme not in ("http", "https"):
                    continue
                c = canonical_url(url)
                if c in self.seen or not self.spider.claim_file(c):
                    continue
                self.seen.add(c)
                if urlsplit(url).netloc.lower() != site.netloc:
                    # Another host is not this site's to fetch (its politeness, its robots).
                    item.files.append(_row(url, fetch="offsite", reason="on another host: not fetched"))
                    continue
                todo.append((url, "files"))
        if self.resources:
            for url in resources:
                c = canonical_url(url)
                if c not in self.seen_resources and urlsplit(url).netloc.lower() == site.netloc \
                        and self.spider.claim_file(c):
                    self.seen_resources.add(c)
                    todo.append((url, "resources"))
        yield from self._next(item, site, key, todo)

    def _next(self, item, site, key, todo):
        while todo:
            (url, what), todo = todo[0], todo[1:]
            req = self.spider._req(url, self.spider.parse_file, site, errback=self.spider.file_failed,
                                   file_of=item, file_todo=todo,
                                   file_url=url, key=key, file_kind=what)
            if req is None:     # the site's request budget is spent
                getattr(item, what).append(_row(url, fetch="failed", reason="limit max_requests reached"))
                continue
            if what == "files":
                req.meta["download_maxsize"] = self.spider.limits[site.key]["attachment_maxsize"]
                req.meta["download_warnsize"] = 0
            else:
                # A page requisite: the same payload under another URL is a revisit record
                # (crawler/warc.py). Stylesheets and images are what a reader's browser
                # loads with the page; RESOURCES_OBEY_ROBOTS says whether robots.txt rules them.
                req.meta["payload_dedupe"] = True
                req.meta["dont_obey_robotstxt"] = not self.resources_robots
            # self.seen is the only dedupe: a request the dupefilter dropped would take
            # the article's item with it.
            yield req.replace(dont_filter=True)
            return
        yield from self.spider.emit(item, key)

    async def parse(self, response):
        m = response.meta
        site = self.spider.sites[m["site"]]
        body = response.body
        ctype = response.headers.get("Content-Type", b"").decode("latin-1") or None
        ext = urlsplit(m["file_url"]).path.rsplit(".", 1)[-1].lower()
        row = _row(m["file_url"], fetch="ok", status=response.status, content_type=ctype, size=len(body),
                   sha256=hashlib.sha256(body).hexdigest())
        if m.get("warc"):
            row["warc_file"], row["warc_offset"] = m["warc"]
        if m.get("file_kind") == "resources":
            row["revisit"] = bool(m.get("warc_revisit"))
            self.spider._inc(site.key, "resources/" + ("revisit" if row["revisit"] else "fetched"))
            m["file_of"].resources.append(row)
            for out in self._next(m["file_of"], site, m.get("key"), m["file_todo"]):
                yield out
            return
        got = await self.worker.read(body, ext, ctype)
        row.update(format=got["format"], text_status=got["status"], body=got["text"])
        self.spider._inc(site.key, "attachments/fetched")
        self.spider._inc(site.key, f"attachments/text/{got['status'].split(':')[0]}")
        m["file_of"].files.append(row)
        for out in self._next(m["file_of"], site, m.get("key"), m["file_todo"]):
            yield out

    def failed(self, failure):
        """A file that could not be fetched is recorded with why; the article goes on."""
        req = failure.request
        m = req.meta
        site = self.spider.sites[m["site"]]
        if size_limit_hit(failure):
            cap = m.get("download_maxsize")
            name = "attachment_maxsize" if m.get("file_kind", "files") == "files" else "download_maxsize"
            announced = m.get("announced_size")
            row = _row(m["file_url"], fetch="too_large", size=announced if announced and announced > 0 else None,
                       reason=f"larger than {name} ({cap} bytes)"
                              + (f": {announced} bytes announced" if announced and announced > 0 else ""))
            self.spider._limit(site.key, name, req.url)
        elif failure.check(HttpError):
            resp = failure.value.response
            # 404, 403, 410 are the server's answer; a 5xx left after the retries may recover.
            row = _row(m["file_url"], fetch="http_error" if resp.status < 500 else "failed", status=resp.status,
                       content_type=resp.headers.get("Content-Type", b"").decode("latin-1") or None,
                       reason=f"HTTP {resp.status}")
        elif failure.check(IgnoreRequest):
            row = _row(m["file_url"], fetch="skipped", reason=str(failure.value) or "ignored (robots.txt)")
        else:
            why = f"{type(failure.value).__name__}: {failure.value}"
            row = _row(m["file_url"], fetch="failed", reason=" ".join(why.split())[:300])
        what = m.get("file_kind", "files")
        if row["fetch"] == "failed":   # not archived: the next crawl asks again
            (self.seen if what == "files" else self.seen_resources).discard(canonical_url(m["file_url"]))
        self.spider._inc(site.key, f"{'attachments' if what == 'files' else 'resources'}/{row['fetch']}")
        getattr(m["file_of"], what).append(row)
        yield from self._next(m["file_of"], site, m.get("key"), m["file_todo"])

    # -- signals --------------------------------------------------------------------
    def headers_received(self, headers, body_length, request, spider=None):
        if "file_url" in request.meta:
            request.meta["announced_size"] = body_length

    def spider_closed(self, spider=None, reason=None):
        self.worker.close()


def _row(url: str, **kw) -> dict:
    return {"url": url, "fetched_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"), **kw}
