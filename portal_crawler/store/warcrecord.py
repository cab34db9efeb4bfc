"""WARC/1.1 records serialised directly, byte for byte as warcio's ``WARCWriter`` does.

A crawl writes two records per response. warcio builds each one through its record
objects (``StatusAndHeaders`` lists searched and rewritten header by header, a
``BytesIO`` payload streamed through its digesters, a ``Digester`` per digest); that
machinery was most of the WARC writer's cost per page (issue #19). Here a record is one
header string, its block digest (sha1, base32) computed over the parts as they are, and
the parts handed on as they are (no copy of the body).

The bytes equal warcio's for the same record ID and date (``tests/test_warcrecord.py``
builds each record both ways): the WARC headers in warcio's order, the HTTP header
block in ASCII (a header warcio would %-encode is encoded by warcio itself), the
Content-Type warcio gives each record type, and the closing ``CRLF CRLF``.

Each record is gzipped as its own member (``Record.gzipped``) with ISA-L (the ``isal``
package): the same gzip format every reader takes (warcio, zlib, ``gzip``), written
several times faster than zlib's (zlib's set-up alone, ~0.1 ms a member, cost more
than gzipping a request record), at about zlib level 1's size.
"""
from __future__ import annotations

import hashlib
import uuid
from base64 import b32encode
from datetime import datetime, timezone

from isal import isal_zlib

__all__ = ["Record", "warc_date", "record_id", "sha1", "http_block", "response", "revisit", "request",
           "warcinfo", "IDENTICAL_PAYLOAD_PROFILE", "NOT_MODIFIED_PROFILE"]

VERSION = "WARC/1.1"
# ISA-L's levels are 0-3; 1 is its fastest that compresses HTML as well as zlib's level 1
# (warcio's default is zlib level 9: several times slower for ~10% smaller files).
GZIP_LEVEL = 1
GZIP_MEMBER = 16 + 15    # wbits: a gzip header and trailer around deflate, 32 KB window
IDENTICAL_PAYLOAD_PROFILE = "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"
NOT_MODIFIED_PROFILE = "http://netpreserve.org/warc/1.1/revisit/server-not-modified"
# warcio's Content-Type of each record type (RecordBuilder.WARC_RECORDS)
HTTP_RESPONSE = "application/http; msgtype=response"
HTTP_REQUEST = "application/http; msgtype=request"
WARC_FIELDS = "application/warc-fields"


def sha1(*parts: bytes) -> str:
    """``sha1:<base32>`` over ``parts`` in order (a WARC block or payload digest)."""
    h = hashlib.sha1()
    for p in parts:
        h.update(p)
    return "sha1:" + b32encode(h.digest()).decode("ascii")


EMPTY_DIGEST = sha1()


def warc_date() -> str:
    """Now, as WARC 1.1 dates are written (microseconds, none when they are zero)."""
    return datetime.now(timezone.utc).replace(tzinfo=None).isoformat() + "Z"


def record_id() -> str:
    return f"<urn:uuid:{uuid.uuid4()}>"


def http_block(first_line: str, headers: list[tuple[str, str]]) -> bytes:
    """An HTTP message's header block as warcio stores it (ASCII, blank line after)."""
    text = first_line + "\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers) + "\r\n"
    try:
        return text.encode("ascii")
    except UnicodeEncodeError:
        # Rare (a header decoded from latin-1 bytes above 0x7f): warcio %-encodes it
        # (RFC 8187); its own code does, so the bytes stay warcio's.
        from warcio.statusandheaders import StatusAndHeaders
        protocol, status = first_line.split(" ", 1)
        try:
            return StatusAndHeaders(status, list(headers), protocol=protocol).to_ascii_bytes()
        except UnicodeEncodeError:
            # warcio gives up on some (a parameter list with non-ASCII outside its
            # ``=value`` parts): each non-ASCII character %-encoded, the capture kept.
            from urllib.parse import quote
            esc = [(k, "".join(c if c < "\x80" else quote(c) for c in v)) for k, v in headers]
            return http_block(first_line, esc)


class Record:
    """One serialised record: ``parts`` (header block, then the block's bytes as given)
    and what the capture index needs of it."""

    __slots__ = ("rec_type", "parts", "record_id", "date")

    def __init__(self, rec_type: str, warc_headers: list[tuple[str, str]], content_type: str,
                 block: tuple[bytes, ...], record_id: str, date: str):
        length = sum(len(b) for b in block)
        head = (VERSION + "\r\n" + "".join(f"{k}: {v}\r\n" for k, v in warc_headers)
                + f"WARC-Block-Digest: {sha1(*block)}\r\nContent-Type: {content_type}\r\n"
                  f"Content-Length: {length}\r\n\r\n")
        self.rec_type, self.record_id, self.date = rec_type, record_id, date
        self.parts = (head.encode("utf-8"),) + block + (b"\r\n\r\n",)

    def gzipped(self, level: int = GZIP_LEVEL) -> bytes:
        """The record as one gzip member."""
        return isal_zlib.compress(b"".join(self.parts), level, GZIP_MEMBER)


def response(url: str, http: bytes, body: bytes, payload_digest: str, common: list[tuple[str, str]],
             rid: str, date: str) -> Record:
    """A ``response`` record (``http``: the header block from ``http_block``)."""
    headers = common + [("WARC-Payload-Digest", payload_digest), ("WARC-Type", "response"),
                        ("WARC-Record-ID", rid), ("WARC-Target-URI", url), ("WARC-Date", date)]
    return Record("response", headers, HTTP_RESPONSE, (http, body), rid, date)


def revisit(url: str, http: bytes, *, profile: str, refers_to_uri: str, refers_to_date: str,
            refers_to: str, payload_digest: str, common: list[tuple[str, str]], rid: str, date: str) -> Record:
    """A ``revisit`` record: the HTTP headers only, naming the capture it stands for."""
    headers = common + [("WARC-Type", "revisit"), ("WARC-Record-ID", rid), ("WARC-Target-URI", url),
                        ("WARC-Date", date), ("WARC-Profile", profile),
                        ("WARC-Refers-To-Target-URI", refers_to_uri), ("WARC-Refers-To-Date", refers_to_date),
                        ("WARC-Payload-Digest", payload_digest), ("WARC-Refers-To", refers_to)]
    return Record("revisit", headers, HTTP_RESPONSE, (http,), rid, date)


def request(url: str, http: bytes, *, concurrent_to: str, common: list[tuple[str, str]], rid: str,
            date: str) -> Record:
    """A ``request`` record without a body, linked to its response."""
    headers = common + [("WARC-Date", date), ("WARC-Concurrent-To", concurrent_to), ("WARC-Type", "request"),
                        ("WARC-Record-ID", rid), ("WARC-Target-URI", url), ("WARC-Payload-Digest", EMPTY_DIGEST)]
    return Record("request", headers, HTTP_REQUEST, (http,), rid, date)


def warcinfo(filename: str, info: dict, rid: str, date: str) -> Record:
    """A file's ``warcinfo`` record: one ``name: value`` line per field with a value."""
    block = "".join(f"{k}: {v}\r\n" for k, v in info.items() if v).encode("utf-8")
    headers = [("WARC-Type", "warcinfo"), ("WARC-Record-ID", rid)]
    if filename:
        headers.append(("WARC-Filename", filename))
    headers.append(("WARC-Date", date))
    return Record("warcinfo", headers, WARC_FIELDS, (block,), rid, date)
