"""Raw captures: every response written to gzip WARC files as it is fetched.

Each record is its own gzip member, so ``(file, offset)`` is enough to read one
capture back (``read_capture``) and re-extract it without fetching again. The body is
stored as Scrapy hands it over (already de-compressed), so Content-Encoding and
Content-Length are rewritten to match what is stored.
"""
from __future__ import annotations

import io
import os
import time
import zlib
from dataclasses import dataclass
from pathlib import Path

from portal_crawler.store.paths import ArchivePaths

from scrapy import signals
from scrapy.exceptions import NotConfigured
from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

_DROP = {b"content-encoding", b"transfer-encoding", b"content-length"}
# warcio gzips at level 9; level 1 is several times faster on HTML and the files stay
# standard (one gzip member per record), about 15% larger.
GZIP_LEVEL = 1


def warc_dir(archive_path: str | os.PathLike) -> Path:
    """WARC files live in ``<archive stem>.warc/`` beside the SQLite file."""
    return ArchivePaths.of(archive_path).warc_dir


class WarcFiles:
    """Appends records to rotating ``.warc.gz`` files; returns (file name, offset)."""

    def __init__(self, folder: Path, prefix: str, max_bytes: int = 1_000_000_000):
        self.folder, self.prefix, self.max_bytes = Path(folder), prefix, max_bytes
        self.folder.mkdir(parents=True, exist_ok=True)
        self.serial = 0
        self.fh = None
        self.name = None

    def _open(self) -> None:
        self.serial += 1
        self.name = f"{self.prefix}-{self.serial:05d}.warc.gz"
        self.fh = open(self.folder / self.name, "ab")
        self.buf = io.BytesIO()
        self.writer = WARCWriter(self.buf, gzip=False)  # we gzip each record ourselves
        info = self.writer.create_warcinfo_record(self.name, {"software": "portal-crawler", "format": "WARC File Format 1.1"})
        self._put(info)

    def _put(self, record) -> int:
        """Append one record as its own gzip member; returns its offset."""
        self.buf.seek(0)
        self.buf.truncate()
        self.writer.write_record(record)
        gz = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, zlib.MAX_WBITS + 16)
        offset = self.fh.tell()
        self.fh.write(gz.compress(self.buf.getvalue()) + gz.flush())
        return offset

    def write(self, url: str, status: int, headers: list[tuple[str, str]], body: bytes,
              request_headers: list[tuple[str, str]] | None = None) -> tuple[str, int]:
        if self.fh is None or self.fh.tell() >= self.max_bytes:
            self.close()
            self._open()
        if request_headers is not None:
            req = self.writer.create_warc_record(
                url, "request", payload=io.BytesIO(b""),
                http_headers=StatusAndHeaders(f"GET {url} HTTP/1.1", request_headers, is_http_request=True))
            self._put(req)
        http = StatusAndHeaders(f"{status} {_reason(status)}", headers + [("Content-Length", str(len(body)))],
                                protocol="HTTP/1.1")
        rec = self.writer.create_warc_record(url, "response", payload=io.BytesIO(body), http_headers=http)
        return self.name, self._put(rec)

    def close(self) -> None:
        if self.fh:
            self.fh.close()
            self.fh = None


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
    """Scrapy extension: on ``response_received`` write the capture, and leave
    ``response.meta['warc'] = (file, offset)`` for the spider to put in the item."""

    def __init__(self, crawler, folder: Path, max_bytes: int):
        # WARC_PREFIX: a scale-out worker names its host too (files of many machines meet).
        prefix = crawler.settings.get("WARC_PREFIX") or time.strftime("%Y%m%dT%H%M%S") + f"-{os.getpid()}"
        self.files = WarcFiles(folder, prefix, max_bytes)
        self.stats = crawler.stats
        crawler.signals.connect(self.response_received, signal=signals.response_received)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler):
        s = crawler.settings
        if not s.getbool("WARC_ENABLED"):
            raise NotConfigured
        return cls(crawler, s.get("WARC_DIR") or warc_dir(s.get("PORTAL_DB")), s.getint("WARC_MAX_BYTES"))

    def response_received(self, response, request, spider=None):
        req_headers = _headers(request.headers)
        name, offset = self.files.write(response.url, response.status, _headers(response.headers),
                                        response.body, req_headers)
        request.meta["warc"] = (name, offset)
        self.stats.inc_value("warc/records")
        self.stats.inc_value("warc/bytes", len(response.body))

    def spider_closed(self, spider=None, reason=None):
        self.files.close()


@dataclass
class Capture:
    url: str
    status: int
    headers: dict
    body: bytes

    @property
    def content_type(self) -> str | None:
        return self.headers.get("content-type")


def read_capture(folder: str | os.PathLike, name: str, offset: int) -> Capture:
    """Read the response record at ``offset`` of WARC file ``name`` in ``folder``."""
    with open(Path(folder) / name, "rb") as fh:
        fh.seek(offset)
        for rec in ArchiveIterator(fh):
            if rec.rec_type != "response":
                continue
            headers = {k.lower(): v for k, v in rec.http_headers.headers}
            return Capture(rec.rec_headers.get_header("WARC-Target-URI"),
                           int(rec.http_headers.get_statuscode()), headers, rec.content_stream().read())
    raise LookupError(f"no response record at {name}:{offset}")

