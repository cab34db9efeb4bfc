"""Reading captures back from the archive's WARC files.

Every record is its own gzip member, so ``(file, offset)`` (what the archive rows keep)
is enough to read one record without reading the file before it.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator

from portal_crawler.store.warcrecord import sha1

__all__ = ["Capture", "read_capture", "read_record", "payload_digest"]


def payload_digest(body: bytes) -> str:
    """The WARC-Payload-Digest of ``body`` (sha1, base32), as warcio writes it."""
    return sha1(body)


@dataclass
class Capture:
    url: str
    status: int
    headers: dict
    body: bytes
    date: str = ""
    record_id: str = ""
    digest: str = ""          # the WARC-Payload-Digest the record declares
    rec_type: str = "response"

    @property
    def content_type(self) -> str | None:
        return self.headers.get("content-type")


def read_record(folder: str | os.PathLike, name: str, offset: int, *, body: bool = True) -> Capture:
    """The record at ``offset`` of WARC file ``name`` in ``folder`` (any type)."""
    with open(Path(folder) / name, "rb") as fh:
        fh.seek(offset)
        for rec in ArchiveIterator(fh):
            h = rec.rec_headers
            headers = ({k.lower(): v for k, v in rec.http_headers.headers}
                       if rec.http_headers is not None else {})
            status = int(rec.http_headers.get_statuscode()) if rec.http_headers is not None and rec.rec_type in ("response", "revisit") else 0
            data = rec.content_stream().read() if body else b""
            return Capture(h.get_header("WARC-Target-URI"), status, headers, data,
                          h.get_header("WARC-Date") or "", h.get_header("WARC-Record-ID") or "",
                          h.get_header("WARC-Payload-Digest") or "", rec.rec_type)
    raise LookupError(f"no WARC record at {name}:{offset}")


def read_capture(folder: str | os.PathLike, name: str, offset: int) -> Capture:
    """Read the response record at ``offset`` of WARC file ``name`` in ``folder``."""
    cap = read_record(folder, name, offset)
    if cap.rec_type != "response":
        raise LookupError(f"no response record at {name}:{offset} (found {cap.rec_type})")
    return cap
