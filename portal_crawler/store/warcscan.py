"""A lean reader for WARC files made the standard way: one record per gzip member.

``verify`` must decompress every record and hash every payload; warcio's generic
reader spends ~10x that work parsing headers line by line through its buffered
readers (issue #19: verify at 0.27 of ``sha256sum``). ``scan`` does the same checks
with one ``zlib`` call per member and a ``bytes.split`` per header block, and gives
up (``Irregular``) on anything it does not recognise exactly: not gzip, a damaged or
cut member, two records in one member, folded headers, a block shorter than its
Content-Length. Callers then read that file again with warcio, whose messages name
the damage; a sound file gives the same rows either way (tests/test_warcscan.py).

``head_at`` reads the WARC headers of the one record at an offset (pages.jsonl needs
each capture's URL and date: decompressing its first kilobytes is enough).
"""
from __future__ import annotations

import hashlib
import re
import zlib
from base64 import b32encode
from dataclasses import dataclass
from typing import BinaryIO, Iterator

__all__ = ["Irregular", "Scanned", "scan", "head_at"]

BLOCK = 1 << 20        # read size: large reads keep the per-call cost out of the loop
_FEED = 1 << 14        # compressed bytes fed per call: what zlib copies into unused_data


class Irregular(ValueError):
    """The stream is not plain gzip-per-record WARC: read it with warcio instead."""


@dataclass(slots=True)
class Scanned:
    offset: int               # of the record's gzip member in the file
    length: int               # the member's compressed length
    rec_type: str
    url: str | None
    declared: str | None      # WARC-Payload-Digest as written
    actual: str | None        # sha1 of a response's HTTP payload, as warcio computes it


# The headers a scan uses; warcio matches names case-insensitively, and so does this.
_WANTED = re.compile(rb"\r\n(WARC-Type|WARC-Target-URI|WARC-Date|WARC-Payload-Digest|Content-Length"
                     rb"|Content-Type):[ \t]*([^\r\n]*)", re.I)


def _headers(raw: bytes) -> dict[bytes, bytes]:
    """{lower-case name: value} of the wanted headers of a header block (bytes: only
    what is used is decoded)."""
    if not raw.startswith(b"WARC/"):
        raise Irregular("no WARC version line")
    if b"\r\n " in raw or b"\r\n\t" in raw or raw.count(b"\n") != raw.count(b"\r\n"):
        raise Irregular("a folded header line or a bare line feed")
    found = _WANTED.findall(raw)
    out = {k.lower(): v.rstrip(b" \t") for k, v in found}
    if len(out) != len(found):
        raise Irregular("a header given twice")
    return out


def _text(h: dict[bytes, bytes], name: bytes) -> str | None:
    v = h.get(name)
    if v is None:
        return None
    try:
        return v.decode("utf-8")
    except UnicodeDecodeError:
        raise Irregular("header bytes that are not UTF-8") from None


def _record(data: bytes, offset: int, length: int) -> Scanned:
    end = data.find(b"\r\n\r\n")
    if end < 0:
        raise Irregular("no end of the WARC headers")
    h = _headers(data[:end])
    try:
        n = int(h[b"content-length"])
    except (KeyError, ValueError):
        raise Irregular("no Content-Length") from None
    start = end + 4
    if len(data) != start + n + 4 or not data.endswith(b"\r\n\r\n"):
        raise Irregular("the member is not exactly one whole record")
    rtype = _text(h, b"warc-type") or ""
    actual = None
    if rtype == "response":
        if not h.get(b"content-type", b"").startswith(b"application/http"):
            raise Irregular("a response that is not HTTP")
        he = data.find(b"\r\n\r\n", start, start + n)
        if he < 0:
            raise Irregular("no end of the HTTP headers")
        sha = hashlib.sha1(memoryview(data)[he + 4:start + n])
        actual = "sha1:" + b32encode(sha.digest()).decode("ascii")
    return Scanned(offset, length, rtype, _text(h, b"warc-target-uri"), _text(h, b"warc-payload-digest"), actual)


def scan(fh: BinaryIO, size: int | None = None) -> Iterator[Scanned]:
    """Every record of a gzip-per-record WARC stream, in file order; ``Irregular`` at
    the first thing that is not (the records before it were already given)."""
    buf, i, base = b"", 0, 0          # buf[i:] not yet consumed; base: file offset of buf[0]
    eof = False
    while True:
        if len(buf) - i < _FEED and not eof:
            more = fh.read(BLOCK)
            eof = not more
            buf, base, i = buf[i:] + more, base + i, 0
        if i >= len(buf):
            break
        start = base + i
        d = zlib.decompressobj(31)
        parts = []
        try:
            while True:
                piece = buf[i:i + _FEED]
                if not piece:
                    if eof:
                        raise Irregular(f"a gzip member cut short at {start}")
                    more = fh.read(BLOCK)
                    eof = not more
                    buf, base, i = buf[i:] + more, base + i, 0
                    continue
                parts.append(d.decompress(piece))
                if d.eof:
                    i += len(piece) - len(d.unused_data)
                    break
                i += len(piece)
        except zlib.error as e:
            raise Irregular(f"gzip member at {start}: {e}") from None
        yield _record(b"".join(parts), start, base + i - start)
    if size is not None and base + i != size:
        raise Irregular(f"read {base + i} bytes of {size}")


def head_at(fh: BinaryIO, offset: int) -> dict[str, str | None]:
    """The WARC headers (lower-case names) of the record whose member starts at
    ``offset``; ``Irregular`` when that is not a gzip member holding a record."""
    fh.seek(offset)
    d = zlib.decompressobj(31)
    out = b""
    try:
        while b"\r\n\r\n" not in out and not d.eof:
            piece = fh.read(1024)         # the headers are the member's first few hundred bytes
            if not piece:
                break
            out += d.decompress(piece)
    except zlib.error as e:
        raise Irregular(f"gzip member at {offset}: {e}") from None
    end = out.find(b"\r\n\r\n")
    if end < 0:
        raise Irregular(f"no WARC headers at {offset}")
    h = _headers(out[:end])
    return {k.decode("ascii", "replace"): _text(h, k) for k in h}
