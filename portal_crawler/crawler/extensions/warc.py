"""Raw captures: every exchange written to gzip WARC 1.1 files as it is fetched.

Per fetch, a ``response`` record and the ``request`` as it was sent (origin-form
request line and a ``Host`` header), linked by ``WARC-Concurrent-To`` as
``write_request_response_pair`` links them; every record names its file's
``warcinfo`` (``WARC-Warcinfo-ID``) and the server's address where known. A page
fetched again to re-check it (``--refresh-days``) whose payload has not changed is
written as a ``revisit`` record (identical-payload-digest profile) pointing at the
original capture, which stays the one the archive rows point at. A file re-checked
with a conditional request (crawler/files.py) that answers ``304 Not Modified`` is a
``revisit`` record of the server-not-modified profile pointing at the capture it confirms.

Each record is its own gzip member, so ``(file, offset)`` is enough to read one
capture back (``store.warcread.read_capture``). The body is stored as Scrapy hands
it over (already de-compressed), so Content-Encoding and Content-Length are rewritten
to match what is stored. Beside each ``X.warc.gz`` the capture index ``X.cdxj``
(``store.cdxj``) is written as records are.
"""
from __future__ import annotations

import os
import socket
import time
from pathlib import Path
from urllib.parse import urlsplit

from portal_crawler.store.paths import warc_dir

from scrapy import signals
from scrapy.exceptions import NotConfigured

from portal_crawler.store import cdxj, warcrecord
from portal_crawler.store.warcread import Capture, payload_digest, read_record
from portal_crawler.crawler.stats import (ERRORS, RUN_ID, WARC_BYTES, WARC_RECORDS, WARC_REVISIT_BYTES_SAVED,
                                          WARC_REVISITS, WRITER_ERROR)

__all__ = ["WarcFiles", "WarcWriter", "warcinfo_fields"]

_DROP = {b"content-encoding", b"transfer-encoding", b"content-length"}


def warcinfo_fields(*, user_agent: str, operator: str | None, robots_obey: bool,
                    run_id: int | None) -> dict:
    """The ``warcinfo`` block of every file: what wrote it, for whom, under which rules."""
    from importlib.metadata import version
    from portal_crawler import __version__
    return {
        "software": f"portal-crawler/{__version__} (Scrapy {version('scrapy')})",   # records: store/warcrecord.py
        "format": "WARC File Format 1.1",
        "conformsTo": "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/",
        "operator": operator,
        "hostname": socket.gethostname(),
        "http-header-user-agent": user_agent,
        "robots": "classic" if robots_obey else "ignore",
        "isPartOf": f"portal-crawler crawl run {run_id}" if run_id is not None else None,
        "crawl-run-id": run_id,
    }


class WarcFiles:
    """Appends linked records to rotating ``.warc.gz`` files and their CDXJ index.

    ``info`` is the warcinfo block (a dict, or a callable giving it when a file opens:
    the crawl run id is known only once the archive has started the run). Records are
    serialised by ``store.warcrecord`` (warcio's bytes without its per-record objects).
    """

    def __init__(self, folder: Path, prefix: str, max_bytes: int = 1_000_000_000, info=None):
        self.folder, self.prefix, self.max_bytes = Path(folder), prefix, max_bytes
        self.folder.mkdir(parents=True, exist_ok=True)
        self.info = info or {"software": "portal-crawler", "format": "WARC File Format 1.1"}
        self.serial = 0
        self.fh = None
        self.name = None
        self.pos = 0                  # the file's size: where the next record starts
        self.saved_bytes = 0          # payload bytes not stored again thanks to revisits

    def _open(self) -> None:
        self.serial += 1
        self.name = f"{self.prefix}-{self.serial:05d}.warc.gz"
        self.fh = open(self.folder / self.name, "ab")
        self.pos = self.fh.tell()
        self.cdx = open(self.folder / (self.name[:-len(".warc.gz")] + cdxj.OPEN_SUFFIX), "w", encoding="utf-8")
        info = self.info() if callable(self.info) else self.info
        rec = warcrecord.warcinfo(self.name, info, warcrecord.record_id(), warcrecord.warc_date())
        self.warcinfo_id = rec.record_id
        self._put(rec)

    def _put(self, rec: warcrecord.Record, url: str | None = None, digest: str | None = None,
              http: tuple[str | None, str] | None = None) -> int:
        """Append one record as its own gzip member, and its index line when ``url`` (a
        capture); returns its offset."""
        data = rec.gzipped()
        offset = self.pos
        self.fh.write(data)
        self.pos += len(data)
        if url is not None:
            self.cdx.write(cdxj.line(*cdxj.capture_entry(url, rec.rec_type, rec.date, digest, self.name, offset,
                                                         len(data), http=http, keyed=False)))
        return offset

    def write(self, url: str, status: int, headers: list[tuple[str, str]], body: bytes,
              request_headers: list[tuple[str, str]] | None = None, *, method: str = "GET",
              ip: str | None = None, original: Capture | None = None,
              original_ref: tuple[str, int] | None = None) -> tuple[str, int]:
        """Write one exchange; returns the (file, offset) of the capture to point at.

        With ``original`` (an earlier response of this URL) and an identical payload, or
        a ``304`` answer, the response is a ``revisit`` and the returned pointer is
        ``original_ref``.
        """
        if self.fh is None or self.pos >= self.max_bytes:
            self.close()
            self._open()
        digest = payload_digest(body)
        common = [("WARC-Warcinfo-ID", self.warcinfo_id)]
        if ip:
            common.append(("WARC-IP-Address", ip))
        status_text = str(status)
        http = warcrecord.http_block(f"HTTP/1.1 {status_text} {_reason(status)}",
                                     headers + [("Content-Length", str(len(body)))])
        rid, date = warcrecord.record_id(), warcrecord.warc_date()
        if original is not None and (original.digest == digest or status == 304):
            # 304: the server said the file is the one captured (a conditional re-check,
            # crawler/files.py): WARC 1.1's server-not-modified revisit, which names the
            # capture it stands for as the identical-payload-digest profile does.
            profile = warcrecord.NOT_MODIFIED_PROFILE if status == 304 else warcrecord.IDENTICAL_PAYLOAD_PROFILE
            resp = warcrecord.revisit(
                url, http, profile=profile, refers_to_uri=original.url, refers_to_date=original.date,
                refers_to=original.record_id, payload_digest=original.digest, common=common, rid=rid, date=date)
            resp_digest = original.digest
            self.saved_bytes += len(body)
        else:
            resp = warcrecord.response(url, http, body, digest, common, rid, date)
            resp_digest = digest
            original_ref = None
        self.last_response = (rid, date)
        content_type = next((v for k, v in headers if k.lower() == "content-type"), None)
        offset = self._put(resp, url, resp_digest, (content_type, status_text))
        if request_headers is not None:
            parts = urlsplit(url)
            target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
            req_headers = [("Host", parts.netloc)] + [(k, v) for k, v in request_headers if k.lower() != "host"]
            self._put(warcrecord.request(url, warcrecord.http_block(f"{method} {target} HTTP/1.1", req_headers),
                                         concurrent_to=rid, common=common, rid=warcrecord.record_id(), date=date))
        # On disk before the item can reach the archive: a snapshot taken while a crawl
        # writes finds every capture its database copy points at.
        self.fh.flush()
        self.cdx.flush()
        return original_ref or (self.name, offset)

    def previous(self, url: str) -> tuple[Capture, tuple[str, int]] | None:
        """The newest full response of ``url`` in this folder's sorted indexes."""
        key = cdxj.surt_key(url)
        best = None
        # Files are named by their start time: the newest file holding a full response
        # of the URL holds its newest one.
        for idx in sorted(self.folder.glob("*.cdxj"), reverse=True):
            for ts, d in cdxj.find(idx, key):
                if d.get("mime") != "warc/revisit" and d.get("url") == url and (best is None or ts > best[0]):
                    best = (ts, d)
            if best is not None:
                break
        if best is None:
            return None
        d = best[1]
        ref = (d["filename"], int(d["offset"]))
        return read_record(self.folder, *ref, body=False), ref

    def close(self) -> None:
        if self.fh:
            self.fh.close()
            self.cdx.close()
            self.fh = None
            opened = self.folder / (self.name[:-len(".warc.gz")] + cdxj.OPEN_SUFFIX)
            cdxj.sort_file(opened, cdxj.index_path(self.folder / self.name))
            opened.unlink()


def _reason(status: int) -> str:
    from http import HTTPStatus
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


def _headers(scrapy_headers) -> list[tuple[str, str]]:
    out = []
    for k, values in scrapy_headers.items():
        if k.lower() in _DROP:
            continue
        for v in values:
            out.append((k.decode("latin-1"), v.decode("latin-1")))
    return out


class WarcWriter:
    """Scrapy extension: on ``response_received`` write the exchange, and leave
    ``request.meta['warc'] = (file, offset)`` for the spider to put in the item.

    A request with ``meta['refresh']`` (a known article fetched again) is looked up in
    the indexes of earlier files, so an unchanged page becomes a ``revisit``.
    """

    def __init__(self, crawler, folder: Path, max_bytes: int):
        # WARC_PREFIX: a scale-out worker names its host too (files of many machines meet).
        prefix = crawler.settings.get("WARC_PREFIX") or time.strftime("%Y%m%dT%H%M%S") + f"-{os.getpid()}"
        s = crawler.settings
        self.crawler = crawler
        self.stats = crawler.stats
        self.failed = False
        # Page resources (meta payload_dedupe): payload digest -> (capture, pointer) of
        # this run's responses, so the same image under another URL is a revisit.
        self.digests: dict[str, tuple[Capture, tuple[str, int]]] = {}

        def info():
            return warcinfo_fields(user_agent=s.get("USER_AGENT"), operator=s.get("WARC_OPERATOR") or s.get("CONTACT"),
                                   robots_obey=s.getbool("ROBOTSTXT_OBEY"),
                                   run_id=self.stats.get_value(RUN_ID))
        self.files = WarcFiles(folder, prefix, max_bytes, info=info)
        # Left by a killed crawl. Not in a scale-out crawl: there the open ones are other
        # live processes' files (a later single-process crawl indexes leftovers).
        if not s.get("SCALEOUT_ROLE"):
            for path in folder.glob("*" + cdxj.OPEN_SUFFIX):
                cdxj.ensure_index(path.with_name(path.name[:-len(cdxj.OPEN_SUFFIX)] + ".warc.gz"))
        crawler.signals.connect(self.response_received, signal=signals.response_received)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler):
        s = crawler.settings
        if not s.getbool("WARC_ENABLED"):
            raise NotConfigured
        return cls(crawler, Path(s.get("WARC_DIR") or warc_dir(s.get("PORTAL_DB"))), s.getint("WARC_MAX_BYTES"))

    def response_received(self, response, request, spider=None):
        if self.failed:
            return
        original = ref = None
        try:
            found = None
            if response.status == 304:
                found = self._confirmed(request.meta.get("recheck") or {})
            if found is None and request.meta.get("refresh") and response.status in (200, 304):
                found = self.files.previous(response.url)
            if found:
                original, ref = found
            dedupe = request.meta.get("payload_dedupe") and response.status == 200
            digest = payload_digest(response.body) if dedupe else None
            if dedupe and original is None and digest in self.digests:
                original, ref = self.digests[digest]
            ip = str(response.ip_address) if response.ip_address is not None else None
            pointer = self.files.write(response.url, response.status, _headers(response.headers), response.body,
                                       _headers(request.headers), method=request.method, ip=ip,
                                       original=original, original_ref=ref)
        except OSError as e:
            # A disk full (or gone) under the captures stops the crawl like the archive
            # writer's failure does: nothing is archived without its capture.
            self.failed = True
            reason = f"cannot write WARC captures in {self.files.folder}: {e.strerror or e}"
            self.stats.set_value(WRITER_ERROR, reason)
            self.stats.inc_value(ERRORS)
            from scrapy.utils.defer import deferred_from_coro
            deferred_from_coro(self.crawler.engine.close_spider_async(reason="archive_error"))
            return
        request.meta["warc"] = pointer
        if dedupe and pointer != ref:
            rid, date = self.files.last_response
            self.digests[digest] = (Capture(response.url, response.status, {}, b"", date, rid, digest), pointer)
        request.meta["warc_revisit"] = ref is not None and pointer == ref
        self.stats.inc_value(WARC_RECORDS)
        if ref is not None and pointer == ref:
            self.stats.inc_value(WARC_REVISITS)
            self.stats.inc_value(WARC_REVISIT_BYTES_SAVED, len(response.body))
        else:
            self.stats.inc_value(WARC_BYTES, len(response.body))

    def _confirmed(self, check: dict) -> tuple[Capture, tuple[str, int]] | None:
        """The capture a 304 confirms: the one the archive's row points at (a page
        resource's may be a response under another URL); None where this process's
        folder does not hold it (a scale-out worker writing elsewhere)."""
        if not check.get("warc_file"):
            return None
        ref = (check["warc_file"], int(check["warc_offset"]))
        try:
            return read_record(self.files.folder, *ref, body=False), ref
        except (OSError, ValueError):
            return None

    def spider_closed(self, spider=None, reason=None):
        self.files.close()
