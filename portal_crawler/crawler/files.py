"""An article's attachments, fetched through Scrapy like its pages and read as text.

When an article's last page is parsed, its attachments on the same site are requested
one after another (the article's item rides along in the request meta and goes out
after the last one), so each is fetched under the site's politeness (download slot,
pacing, robots.txt, retries, the scale-out frontier) and its capture and text reach the
archive with the article. Each URL is fetched at most once per archive: URLs the
archive holds (``store.attachments.known_file_urls``) and URLs asked for in this run are
not downloaded again; the archive fills their rows from the capture it has.

Re-checks (``FILES_RECHECK``, on by default): when an article is fetched (again, on a
re-crawl: ``--refresh-days``, a re-queued URL, or a new article linking a known file),
each file of it the archive holds with a validator (``store.attachments.
recheck_validators``) is asked for once per run with ``If-None-Match`` /
``If-Modified-Since``. A ``304`` costs no body bytes: the WARC gets a server-not-modified
``revisit`` record and the row ``checked_at`` (``fetch = "unchanged"`` rows). A ``200``
with the same SHA-256 is an identical-payload-digest ``revisit`` (the ``refresh`` meta,
crawler/extensions/warc.py), dated likewise, its text not read again. A ``200`` with
other bytes is a new capture, read and indexed; the archive keeps the earlier one
(``attachment_captures``). A re-check that fails leaves the capture as it is.

A file above the site's ``attachment_maxsize`` is never read whole: Scrapy cancels the
download as soon as the announced length (or the bytes received) pass the cap
(``download_maxsize`` meta), and the row records the size the server announced
(``headers_received`` signal). The text is read in a bounded child process
(files/worker.py), awaited without blocking the event loop.

A stop (crawler/stopping.py) never loses an article waiting for its files: from the
first signal no further file is requested (the rest are recorded as not fetched,
``fetch = 'failed'``, so a later run asks again), a file request the stop refused
(``StopRequested``) sends its article on at once, and an article whose file request
was still waiting in the scheduler (which the engine drops when it closes) is sent to
the archive pipeline as the ``item_at_stop`` signal (Scrapy's documented custom signals).
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
from portal_crawler.crawler.stopping import StopRequested, crawl_stopping, item_at_stop
from portal_crawler.files.worker import TextWorker
from portal_crawler.store.attachments import UNCHANGED
from portal_crawler.urls import canonical_url

__all__ = ["FileFetcher"]
logger = logging.getLogger(__name__)


class FileFetcher:
    """The spider's attachment fetcher (``spider.files``)."""

    def __init__(self, spider, known: set[str], enabled: bool, worker: TextWorker,
                 known_resources: set[str] = frozenset(), resources: bool = False, resources_robots: bool = False,
                 recheck: dict[str, dict[str, dict]] | None = None):
        self.spider, self.enabled, self.worker = spider, enabled, worker
        self.seen: set[str] = set(known)          # canonical URLs: archived, or asked for in this run
        self.resources, self.resources_robots = resources, resources_robots
        self.seen_resources: set[str] = set(known_resources)
        # "files" / "resources" -> canonical URL -> the archived capture's validators and
        # sha256; an entry leaves when its re-check is sent (once per run).
        self.recheck = {"files": {}, "resources": {}, **(recheck or {})}
        self.stopping = False
        # Articles whose file request is out (yielded, no answer yet):
        # id(item) -> [item, key, site, url, kind, todo, in the downloader]
        self.pending: dict[int, tuple] = {}
        self.sent_by_stop: set[int] = set()   # ids of items the stop sent on (their request holds them)
        # The scale-out spider leaves a stopped request's lease to another process: off there.
        self.local_stop = getattr(spider, "files_sent_on_stop", True)
        self.crawler = None

    @classmethod
    def from_crawler(cls, crawler, spider, known: set[str], known_resources: set[str] = frozenset(),
                     recheck: dict[str, dict[str, dict]] | None = None):
        s = crawler.settings
        worker = TextWorker(timeout=s.getfloat("ATTACHMENT_TEXT_TIMEOUT"),
                            memory_bytes=s.getint("ATTACHMENT_TEXT_MEMORY"),
                            max_bytes=s.getint("ATTACHMENT_TEXT_MAXSIZE"))
        fetcher = cls(spider, known, s.getbool("ATTACHMENTS_ENABLED"), worker, known_resources,
                      s.getbool("RESOURCES_ENABLED"), s.getbool("RESOURCES_OBEY_ROBOTS"),
                      recheck if s.getbool("FILES_RECHECK") else None)
        crawler.signals.connect(fetcher.headers_received, signal=signals.headers_received)
        crawler.signals.connect(fetcher.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(fetcher.scheduled, signal=signals.request_scheduled)
        crawler.signals.connect(fetcher.reached_downloader, signal=signals.request_reached_downloader)
        crawler.signals.connect(fetcher.stop, signal=crawl_stopping)
        fetcher.crawler = crawler
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
                if c in self.seen:
                    if (check := self._recheck("files", c)) is not None:
                        todo.append((url, "files", check))
                    continue
                if not self.spider.claim_file(c):
                    continue
                self.seen.add(c)
                if urlsplit(url).netloc.lower() != site.netloc:
                    # Another host is not this site's to fetch (its politeness, its robots).
                    item.files.append(_row(url, fetch="offsite", reason="on another host: not fetched"))
                    continue
                todo.append((url, "files", None))
        if self.resources:
            for url in resources:
                c = canonical_url(url)
                if urlsplit(url).netloc.lower() != site.netloc:
                    continue
                if c in self.seen_resources:
                    if (check := self._recheck("resources", c)) is not None:
                        todo.append((url, "resources", check))
                elif self.spider.claim_file(c):
                    self.seen_resources.add(c)
                    todo.append((url, "resources", None))
        yield from self._next(item, site, key, todo)

    def _recheck(self, what: str, c: str) -> dict | None:
        """The validators to re-check archived file ``c`` with, the first time this run
        (across scale-out processes: the first to claim it) an article links it."""
        check = self.recheck[what].pop(c, None)
        return check if check is not None and self.spider.claim_file(c) else None

    def _next(self, item, site, key, todo):
        self.pending.pop(id(item), None)
        if self.stopping:   # nothing more is sent: the article goes out with what it has
            self._not_fetched(item, site, todo)
            todo = []
        while todo:
            (url, what, check), todo = todo[0], todo[1:]
            req = self.spider._req(url, self.spider.parse_file, site, errback=self.spider.file_failed,
                                   file_of=item, file_todo=todo,
                                   file_url=url, key=key, file_kind=what)
            if req is None:     # the site's request budget is spent
                if check is None:   # (a re-check not sent leaves the capture as it is)
                    getattr(item, what).append(_row(url, fetch="failed", reason="limit max_requests reached"))
                continue
            if check is not None:
                # Conditional: a 304 is this callback's answer too; refresh: the same
                # payload again becomes a revisit record (crawler/extensions/warc.py).
                req.meta.update(recheck=check, refresh=True, handle_httpstatus_list=[304])
                if check.get("etag"):
                    req.headers["If-None-Match"] = check["etag"]
                if check.get("last_modified"):
                    req.headers["If-Modified-Since"] = check["last_modified"]
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
            req = req.replace(dont_filter=True)
            if self.local_stop:
                self.pending[id(item)] = [item, key, site, url, what, todo, False]
            yield req
            return
        yield from self.spider.emit(item, key)

    def _not_fetched(self, item, site, todo, reason="not fetched: the crawl stopped") -> None:
        """Rows for files the stop left unrequested: "failed", so a later run asks again."""
        for url, what, *check in todo:
            if check and check[0] is not None:
                continue    # a re-check not sent: the archive's capture stays as it is
            (self.seen if what == "files" else self.seen_resources).discard(canonical_url(url))
            self.spider._inc(site.key, f"{_label(what)}/failed")
            getattr(item, what).append(_row(url, fetch="failed", reason=reason))

    async def parse(self, response):
        m = response.meta
        site = self.spider.sites[m["site"]]
        # The site's responses/<status> are its "requests" on the live view (extensions/
        # progress.py), as for its pages: file requests are requests of the site too.
        self.spider._inc(site.key, f"responses/{response.status}")
        if id(m["file_of"]) in self.sent_by_stop:   # already sent on by the stop
            return
        body = response.body
        what = m.get("file_kind", "files")
        validators = {k: response.headers.get(h, b"").decode("latin-1") or None
                      for k, h in (("etag", "ETag"), ("last_modified", "Last-Modified"))}
        sha = hashlib.sha256(body).hexdigest() if response.status != 304 else None
        check = m.get("recheck")
        if check is not None and (response.status == 304 or sha == check.get("sha256")):
            # Unchanged: dated, its validators kept up to date; nothing read again.
            row = _row(m["file_url"], fetch=UNCHANGED, **validators)
            row["checked_at"] = row["fetched_at"]
            self.spider._inc(site.key, f"{_label(what)}/{'not_modified' if response.status == 304 else 'unchanged'}")
            getattr(m["file_of"], what).append(row)
            for out in self._next(m["file_of"], site, m.get("key"), m["file_todo"]):
                yield out
            return
        ctype = response.headers.get("Content-Type", b"").decode("latin-1") or None
        ext = urlsplit(m["file_url"]).path.rsplit(".", 1)[-1].lower()
        row = _row(m["file_url"], fetch="ok", status=response.status, content_type=ctype, size=len(body),
                   sha256=sha, **validators)
        if check is not None:
            self.spider._inc(site.key, f"{_label(what)}/changed")
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
        # Answered, if not read: a request of the site all the same (see parse).
        if failure.check(HttpError):
            self.spider._inc(site.key, f"responses/{failure.value.response.status}")
        elif size_limit_hit(failure):   # cut by the size cap once the headers came
            self.spider._inc(site.key, "responses/too_large")
        if id(m["file_of"]) in self.sent_by_stop:   # already sent on by the stop
            return
        if self.local_stop and failure.check(StopRequested):   # refused or cancelled by the stop: not fetched
            self.stopping = True
            self._not_fetched(m["file_of"], site, [(m["file_url"], m.get("file_kind", "files"))],
                              reason=str(failure.value) or "not fetched: the crawl stopped")
            yield from self._next(m["file_of"], site, m.get("key"), m["file_todo"])
            return
        if m.get("recheck") is not None:
            # A re-check that failed (a 404 now, a network error): the archive keeps
            # the capture it has; the next re-crawl asks again.
            what = m.get("file_kind", "files")
            self.spider._inc(site.key, f"{_label(what)}/recheck_failed")
            logger.info("re-check of %s failed: %s", m["file_url"], failure.value)
            yield from self._next(m["file_of"], site, m.get("key"), m["file_todo"])
            return
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
        self.spider._inc(site.key, f"{_label(what)}/{row['fetch']}")
        getattr(m["file_of"], what).append(row)
        yield from self._next(m["file_of"], site, m.get("key"), m["file_todo"])

    # -- signals --------------------------------------------------------------------
    def headers_received(self, headers, body_length, request, spider=None):
        if "file_url" in request.meta:
            request.meta["announced_size"] = body_length

    def _mark(self, request, sent: bool) -> None:
        if "file_of" in request.meta and (entry := self.pending.get(id(request.meta["file_of"]))):
            entry[6] = sent

    def scheduled(self, request, spider=None):
        self._mark(request, False)    # waiting in the scheduler (a retry too): dropped by a stop

    def reached_downloader(self, request, spider=None):
        self._mark(request, True)     # answered or refused from here on: parse/failed runs

    def stop(self) -> None:
        """First stop signal: no file is requested any more; an article whose file request
        has not reached the downloader (the engine drops the scheduler's requests when it
        closes) goes to the item pipelines now, its missing files recorded as not fetched."""
        if not self.local_stop:
            return
        self.stopping = True
        for ident, (item, key, site, url, what, todo, sent) in list(self.pending.items()):
            if sent:
                continue   # on the wire or refused by the download handler: parse/failed sends it
            del self.pending[ident]
            self.sent_by_stop.add(ident)
            self._not_fetched(item, site, [(url, what)] + list(todo))
            for out in self.spider.emit(item, key):
                self.crawler.signals.send_catch_log(signal=item_at_stop, item=out)

    def spider_closed(self, spider=None, reason=None):
        self.worker.close()


def _label(what: str) -> str:
    """The stats prefix of a file request's kind ("files": attachments)."""
    return "attachments" if what == "files" else "resources"


def _row(url: str, **kw) -> dict:
    return {"url": url, "fetched_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"), **kw}
