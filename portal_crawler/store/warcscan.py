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

``Pieces`` scans one large WARC in byte ranges, one worker process each (issue #19:
the scan is Python per record, so threads would share one core): the ranges start at
what looks like a gzip member holding a record, and each worker must consume its range
as whole members ending exactly at the next range's start. Ranges that tile the file
that way give the rows one scan from its start gives (the chain of members from offset
0 is fixed by the bytes); anything else is ``Irregular``, as in one scan.
"""
from __future__ import annotations

import hashlib
import os
import re
import sqlite3
import subprocess
import sys
import zlib
from base64 import b32encode
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Iterator

__all__ = ["Irregular", "Scanned", "scan", "head_at", "Pieces", "RECORDS", "in_pieces"]

BLOCK = 1 << 20        # read size: large reads keep the per-call cost out of the loop
_FEED = 1 << 14        # compressed bytes fed per call after the first
_FIRST = 1 << 12       # ... and the first: what is left of it zlib copies into unused_data


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
        declared = _text(h, b"warc-payload-digest")
        actual = _sha1_as(hashlib.sha1(memoryview(data)[he + 4:start + n]).digest(), declared)
        return Scanned(offset, length, rtype, _text(h, b"warc-target-uri"), declared, actual)
    return Scanned(offset, length, rtype, _text(h, b"warc-target-uri"), _text(h, b"warc-payload-digest"), actual)


_SHA1_B32 = re.compile(r"sha1:[A-Z2-7]{32}")
_B32_DIGITS = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", "0123456789abcdefghijklmnopqrstuv")


def _sha1_as(digest: bytes, declared: str | None) -> str:
    """``sha1:`` + base32 of ``digest``, as warcio writes a payload digest. Python 3.11's
    ``b32encode`` is Python code (a tenth of a scan's time); a declared digest in that
    form is read as a base-32 number instead (``int`` in C): 32 such digits are 160
    bits, one string per digest, so when it equals this one it is its encoding."""
    if declared is not None and _SHA1_B32.fullmatch(declared) \
            and int(declared[5:].translate(_B32_DIGITS), 32) == int.from_bytes(digest, "big"):
        return declared
    return "sha1:" + b32encode(digest).decode("ascii")


def scan(fh: BinaryIO, size: int | None = None, at: int = 0) -> Iterator[Scanned]:
    """Every record of a gzip-per-record WARC stream, in file order; ``Irregular`` at
    the first thing that is not (the records before it were already given). ``at``:
    the stream's offset in the WARC file (a piece of it), which offsets count from."""
    buf, i, base = b"", 0, at         # buf[i:] not yet consumed; base: file offset of buf[0]
    view = memoryview(buf)            # slices of it feed zlib without a copy
    eof = False
    while True:
        if len(buf) - i < _FEED and not eof:
            more = fh.read(BLOCK)
            eof = not more
            buf, base, i = buf[i:] + more, base + i, 0
            view = memoryview(buf)
        if i >= len(buf):
            break
        start = base + i
        d = zlib.decompressobj(31)
        parts = []
        feed = _FIRST
        try:
            while True:
                piece = view[i:i + feed]
                if not piece:
                    if eof:
                        raise Irregular(f"a gzip member cut short at {start}")
                    more = fh.read(BLOCK)
                    eof = not more
                    buf, base, i = buf[i:] + more, base + i, 0
                    view = memoryview(buf)
                    continue
                parts.append(d.decompress(piece))
                if d.eof:
                    i += len(piece) - len(d.unused_data)
                    break
                i += len(piece)
                feed = _FEED
        except zlib.error as e:
            raise Irregular(f"gzip member at {start}: {e}") from None
        yield _record(b"".join(parts), start, base + i - start)
    if size is not None and base + i != at + size:
        raise Irregular(f"read {base + i - at} bytes of {size}")


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


# -- one WARC in pieces, one worker process each ----------------------------------------
PIECE_MIN = 8 << 20     # bytes: a smaller piece costs more to start (~0.1 s) than it saves


def in_pieces(size: int) -> bool:
    """Whether a WARC of ``size`` bytes is worth scanning in pieces (two at least)."""
    return size >= 2 * PIECE_MIN
# A scan's rows in a ledger (snapshot/verify.py's table, which the workers' parts match).
RECORDS = "rec (file TEXT, off INTEGER, type TEXT, url TEXT, declared TEXT, actual TEXT)"
_MAGIC = b"\x1f\x8b\x08"  # a gzip member's first bytes (deflate)
_LOOK = 1 << 20          # bytes searched for a member start after a piece's nominal start


def _starts(fh: BinaryIO, origin: int, size: int, n: int) -> list[int]:
    """Up to ``n`` increasing offsets, the first ``origin``: near each ``size * k / n``,
    the first gzip member there that inflates to ``WARC/``. Only a guess: the pieces'
    scans prove it (a false start ends the piece before it off its chain)."""
    out = [origin]
    for k in range(1, n):
        nominal = origin + size * k // n
        fh.seek(nominal)
        window = fh.read(min(_LOOK, origin + size - nominal))
        at = window.find(_MAGIC)
        while at >= 0:
            try:
                if zlib.decompressobj(31).decompress(window[at:at + 4096], 5) == b"WARC/":
                    if nominal + at > out[-1]:
                        out.append(nominal + at)
                    break
            except zlib.error:
                pass
            at = window.find(_MAGIC, at + 1)
    return out


class _Window:
    """The first ``n`` bytes of a stream, read from where it is."""

    def __init__(self, fh: BinaryIO, n: int):
        self.fh, self.left = fh, n

    def read(self, k: int) -> bytes:
        data = self.fh.read(min(k, self.left))
        self.left -= len(data)
        return data


def _scan_piece(path: str, origin: int, lo: int, hi: int, name: str, out: str) -> int:
    """A worker: the records of bytes [lo, hi) of ``path`` (a WARC starting at
    ``origin``) into the SQLite part ``out``; exit status 3 when the range is not whole
    members (the parent then reads the file as one stream)."""
    try:
        with open(path, "rb") as fh, closing(sqlite3.connect(out)) as db:
            fh.seek(lo)
            db.executescript(f"PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; CREATE TABLE {RECORDS};")
            db.executemany("INSERT INTO rec VALUES (?, ?, ?, ?, ?, ?)",
                           ((name, r.offset, r.rec_type, r.url, r.declared, r.actual)
                            for r in scan(_Window(fh, hi - lo), hi - lo, at=lo - origin)))
            db.commit()
        return 0
    except Exception:  # noqa: BLE001 - any failure: the parent scans the file itself, and names it
        return 3


# The worker's command: this package, from where the parent has it, and nothing else (a
# plain interpreter: multiprocessing's spawn would add its resource tracker process and
# ~10 MB a worker; the user's script is never run again).
_WORKER = ("import sys; sys.path.insert(0, sys.argv[1]); from portal_crawler.store import warcscan; "
           "sys.exit(warcscan._scan_piece(sys.argv[2], *map(int, sys.argv[3:6]), *sys.argv[6:8]))")


class Pieces:
    """Bytes ``[origin, origin + size)`` of ``path`` (one WARC, maybe a WACZ's stored
    entry) scanned in up to ``workers`` pieces, one worker process each, each writing
    its rows (``RECORDS``, file ``name``) to its own SQLite part in ``folder``.
    ``parts()`` waits for them: the parts in file order, or ``Irregular``."""

    def __init__(self, path: Path, origin: int, size: int, name: str, folder: Path, workers: int):
        with open(path, "rb") as fh:
            starts = _starts(fh, origin, size, max(1, min(workers, size // PIECE_MIN)))
        ends = starts[1:] + [origin + size]
        root = str(Path(__file__).resolve().parents[2])
        self.procs = []
        try:
            for k, (lo, hi) in enumerate(zip(starts, ends)):
                out = Path(folder) / f"part-{os.getpid()}-{id(self)}-{k}.db"
                cmd = [sys.executable, "-c", _WORKER, root, str(path), str(origin), str(lo), str(hi), name, str(out)]
                # stderr: a worker that fails is named by the parent's own reading of the file.
                p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                self.procs.append((p, out))
        except BaseException:
            self.close()
            raise

    def parts(self) -> list[Path]:
        codes = [p.wait() for p, _ in self.procs]
        bad = [c for c in codes if c != 0]
        if bad:
            raise Irregular(f"{len(bad)} of {len(self.procs)} pieces are not whole records (exit {bad[0]})")
        return [out for _, out in self.procs]

    def close(self) -> None:
        for p, _ in self.procs:
            if p.poll() is None:
                p.kill()
            p.wait()


MAX_WORKERS = 4          # ~25 MB each; past a few, the main thread's reading is the longer path


def workers() -> int:
    """Worker processes worth starting: the cores this process may run on, at most
    ``MAX_WORKERS``."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return min(MAX_WORKERS, cores)
