"""CDXJ: the capture index kept beside the WARC files.

One line per capture (``response`` or ``revisit`` record), in the format pywb,
cdxj-indexer and WACZ use::

    <SURT key> <14-digit timestamp> {"url": ..., "mime": ..., "status": ..., "digest": ...,
                                     "length": ..., "offset": ..., "filename": ...}

Each WARC file ``X.warc.gz`` has its own index ``X.cdxj``, sorted by key then
timestamp. While a crawl writes ``X.warc.gz`` the lines go to ``X.cdxj.open`` in
write order, without their key; closing the file keys and sorts them into ``X.cdxj`` (so a crawl that was
killed leaves no index that looks complete: ``ensure_index`` rebuilds it from the
WARC). Sorted files can be searched by bisection (``find``) and merged in one
streaming pass (``merge``).
"""
from __future__ import annotations

import heapq
import itertools
import json
import mmap
import os
from pathlib import Path
from typing import Iterable, Iterator

import surt as _surt
from warcio.archiveiterator import ArchiveIterator

__all__ = ["INDEXED", "entry", "capture_entry", "line", "parse", "index_warc", "index_path", "sort_file",
           "ensure_index", "find", "merge", "surt_key"]

INDEXED = ("response", "revisit")       # the record types that are captures
OPEN_SUFFIX = ".cdxj.open"


def surt_key(url: str) -> str:
    try:
        return _surt.surt(url)
    except Exception:  # noqa: BLE001 - an unparsable URL still gets a (raw) key
        return url


def timestamp(warc_date: str) -> str:
    """``2026-11-30T05:23:46.123456Z`` -> ``20261130052346``."""
    return "".join(ch for ch in warc_date if ch.isdigit())[:14]


UNKEYED = "-"     # key of a line written during a crawl: ``sort_file`` computes it


def entry(rec, filename: str, offset: int, length: int, *, keyed: bool = True) -> tuple[str, str, dict]:
    """The index entry of a warcio record read at ``offset``."""
    h, http = rec.rec_headers, rec.http_headers
    return capture_entry(h.get_header("WARC-Target-URI"), rec.rec_type, h.get_header("WARC-Date"),
                         h.get_header("WARC-Payload-Digest"), filename, offset, length,
                         http=None if http is None else (http.get_header("Content-Type"), str(http.get_statuscode())),
                         keyed=keyed)


def capture_entry(url: str, rec_type: str, warc_date: str, digest: str | None, filename: str, offset: int,
                  length: int, *, http: tuple[str | None, str] | None, keyed: bool = True) -> tuple[str, str, dict]:
    """The index entry of a capture; ``http``: its HTTP Content-Type and status, None
    without HTTP headers. The SURT key costs more than the rest of the entry, so a crawl
    leaves it to ``sort_file`` (``keyed=False``), off the per-page path."""
    d = {"url": url}
    if rec_type == "revisit":
        d["mime"] = "warc/revisit"
    elif http is not None:
        d["mime"] = (http[0] or "").split(";")[0].strip() or "unk"
    if http is not None:
        d["status"] = http[1]
    d["digest"] = digest
    d["length"] = str(length)
    d["offset"] = str(offset)
    d["filename"] = filename
    return surt_key(url) if keyed else UNKEYED, timestamp(warc_date), d


def line(key: str, ts: str, fields: dict) -> str:
    return f"{key} {ts} {json.dumps(fields, ensure_ascii=False)}\n"


def parse(text: str) -> tuple[str, str, dict]:
    key, ts, js = text.rstrip("\n").split(" ", 2)
    return key, ts, json.loads(js)


def index_path(warc: str | os.PathLike) -> Path:
    """``X.warc.gz`` -> ``X.cdxj`` beside it."""
    p = Path(warc)
    name = p.name[:-len(".warc.gz")] if p.name.endswith(".warc.gz") else p.stem
    return p.with_name(name + ".cdxj")


def index_warc(warc: str | os.PathLike) -> Iterator[str]:
    """Index lines of one WARC file, in file order (reads every record)."""
    p = Path(warc)
    with open(p, "rb") as fh:
        it = ArchiveIterator(fh)
        for rec in it:
            if rec.rec_type in INDEXED:
                rec.content_stream().read()          # to know the record's length
                key, ts, d = entry(rec, p.name, it.get_record_offset(), it.get_record_length())
                yield line(key, ts, d)


SORT_RUN = 20_000  # lines sorted in memory at once (~6 MB); a longer index is merged from runs on disk


def sort_file(src: str | os.PathLike, dst: str | os.PathLike) -> None:
    """Sort an index, keying the lines written unkeyed. Memory is bounded (SORT_RUN
    lines at a time, sorted runs merged from temporary files): one WARC file of a 100k
    crawl holds ~150k captures, and sorting them in one list was the crawler's largest
    allocation, at its very end (issue #19)."""
    tmp = Path(str(dst) + ".tmp")
    runs: list[Path] = []
    try:
        with open(src, encoding="utf-8") as fh:
            while True:
                run = sorted(_keyed(ln) if ln.startswith(UNKEYED + " ") else ln
                             for ln in itertools.islice(fh, SORT_RUN))
                whole = not runs and len(run) < SORT_RUN   # the usual index: one run, no merge
                if whole or not run:
                    break
                runs.append(Path(f"{tmp}.run{len(runs)}"))
                with open(runs[-1], "w", encoding="utf-8") as out:
                    out.writelines(run)
                del run
        with open(tmp, "w", encoding="utf-8") as out:
            out.writelines(run if whole else merge(runs))
        os.replace(tmp, dst)
    finally:
        for r in runs:
            r.unlink(missing_ok=True)


def _keyed(ln: str) -> str:
    _, ts, d = parse(ln)
    return line(surt_key(d["url"]), ts, d)


def ensure_index(warc: str | os.PathLike) -> Path:
    """The sorted index of ``warc``, rebuilt from the file when absent or unfinished."""
    idx = index_path(warc)
    if not idx.exists():
        tmp = idx.with_name(idx.name + ".build")
        with open(tmp, "w", encoding="utf-8") as out:
            out.writelines(index_warc(warc))
        sort_file(tmp, idx)
        tmp.unlink()
        Path(str(idx)[:-len(".cdxj")] + OPEN_SUFFIX).unlink(missing_ok=True)
    return idx


def find(index: str | os.PathLike, key: str) -> list[tuple[str, dict]]:
    """All ``(timestamp, fields)`` of ``key`` in a sorted index, by bisection."""
    p = Path(index)
    if p.stat().st_size == 0:
        return []
    prefix = (key + " ").encode("utf-8")
    with open(p, "rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as mm:
        lo, hi = 0, len(mm)
        while lo < hi:                       # first line start whose line >= prefix
            mid = (lo + hi) // 2
            start = mm.rfind(b"\n", 0, mid) + 1
            end = mm.find(b"\n", start)
            end = len(mm) if end < 0 else end
            if mm[start:end] < prefix:
                lo = end + 1
            else:
                hi = start
        out = []
        pos = lo
        while pos < len(mm):
            end = mm.find(b"\n", pos)
            end = len(mm) if end < 0 else end
            ln = mm[pos:end]
            if not ln.startswith(prefix):
                break
            _, ts, d = parse(ln.decode("utf-8"))
            out.append((ts, d))
            pos = end + 1
        return out


def merge(indexes: Iterable[str | os.PathLike]) -> Iterator[str]:
    """Lines of several sorted indexes as one sorted stream (flat memory)."""
    files = [open(p, encoding="utf-8") for p in indexes]
    try:
        yield from heapq.merge(*files)
    finally:
        for f in files:
            f.close()
