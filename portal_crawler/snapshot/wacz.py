"""WACZ packaging, written in one streaming pass, reproducible to the byte.

``pages/pages.jsonl`` is written from the archive (one page per article: the URL and
WARC-Date of its capture, title, body text for full-text search), not detected:
py-wacz's detector finds only pages that referred to others, and it reads page text
as UTF-8 only (our GBK pages are decoded by the extractor).

The zip is written here rather than by ``wacz create`` (issue #19: py-wacz read every
WARC record again with warcio to index it, then the zip was rewritten with fixed
dates: 70% of a snapshot's time). Every WARC file already has its sorted CDXJ index
beside it (store/cdxj.py), so the WACZ index is their streaming merge, cut into
py-wacz's ZipNum blocks (``indexes/index.cdx.gz`` of gzip members of 1,024 lines,
``indexes/index.idx`` naming each block), each line with py-wacz's ``recordDigest``
(sha256 of the record's bytes). Entries are sorted by name and dated ``created``;
WARCs and the index are stored (py-wacz and the WACZ spec: no deflate over gzip),
JSON and the block index deflated; each entry is hashed as it is written, for
``datapackage.json``. ``wacz validate`` accepts the result (tests/test_snapshot.py).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import sqlite3
import zipfile
import zlib
from pathlib import Path

from portal_crawler import __version__
from portal_crawler.store import cdxj, warcscan
from portal_crawler.store.warcread import read_record

__all__ = ["write_pages", "create_wacz", "WACZ_VERSION"]

WACZ_VERSION = "1.1.1"
BLOCK_LINES = 1024          # index lines per gzip member (py-wacz's ZipNum block)
_COPY = 1 << 20


def write_pages(conn: sqlite3.Connection, folders: dict[str, Path], out: Path) -> int:
    """pages.jsonl for the articles whose page-1 capture is in one of the WARC files
    ``folders`` names (file name -> its folder): the URL and
    WARC-Date come from the capture record itself (read in file order, one record
    header at a time: memory stays flat)."""
    n = 0
    sql = ("SELECT id, title, body, warc_file, warc_offset FROM articles WHERE warc_file IS NOT NULL "
           "ORDER BY warc_file, warc_offset")
    with open(out, "w", encoding="utf-8", newline="\n") as fh:
        fh.write(json.dumps({"format": "json-pages-1.0", "id": "pages", "title": "Articles",
                             "hasText": True}) + "\n")
        opened: dict[str, object] = {}
        try:
            for aid, title, body, wfile, off in conn.execute(sql):
                if wfile not in folders:
                    continue
                url, date = _url_date(opened, folders[wfile], wfile, off)
                fh.write(json.dumps({"id": str(aid), "url": url, "ts": date[:19] + "Z", "title": title,
                                     "text": body or ""}, ensure_ascii=False) + "\n")
                n += 1
        finally:
            for f in opened.values():
                f.close()
    return n


def _url_date(opened: dict, folder: Path, name: str, off: int) -> tuple[str, str]:
    """The capture's WARC-Target-URI and WARC-Date: its gzip member's first kilobytes
    (store/warcscan.py), or warcio where that reader does not recognise the record."""
    if name not in opened:            # rows come in file order: one file open at a time
        for f in opened.values():
            f.close()
        opened.clear()
        opened[name] = open(Path(folder) / name, "rb")
    try:
        h = warcscan.head_at(opened[name], off)
        if h.get("warc-target-uri") is not None and h.get("warc-date") is not None:
            return h["warc-target-uri"], h["warc-date"]
    except warcscan.Irregular:
        pass
    cap = read_record(folder, name, off, body=False)
    return cap.url, cap.date


def create_wacz(warcs: list[Path], pages: Path, out: Path, *, title: str, description: str,
                created: dt.datetime) -> None:
    """Write the WACZ of ``warcs`` (their CDXJ indexes beside them, or built in a folder
    next to ``pages``) and the pages file ``pages`` to ``out``, dated ``created``."""
    stamp = created.astimezone(dt.timezone.utc)
    date_time = stamp.timetuple()[:6]
    work = pages.parent
    cdx_gz, idx = work / "index.cdx.gz", work / "index.idx"
    _write_index([_index_of(p, work) for p in warcs], {p.name: p for p in warcs}, cdx_gz, idx)
    digests = {}                                      # entry name -> (sha256, bytes)
    with zipfile.ZipFile(out, "w", allowZip64=True) as z:
        def put(name: str, src: Path | None = None, data: bytes | None = None, deflate: bool = False):
            info = zipfile.ZipInfo(name, date_time)
            info.compress_type = zipfile.ZIP_DEFLATED if deflate else zipfile.ZIP_STORED
            info.external_attr = 0o644 << 16
            h, n = hashlib.sha256(), 0
            size = len(data) if data is not None else src.stat().st_size
            with z.open(info, "w", force_zip64=size > 2**31) as w:
                if data is not None:
                    h.update(data)
                    w.write(data)
                    n = len(data)
                else:
                    with open(src, "rb") as r:
                        for block in iter(lambda: r.read(_COPY), b""):
                            h.update(block)
                            w.write(block)
                            n += len(block)
            digests[name] = ("sha256:" + h.hexdigest(), n)

        for p in sorted(warcs, key=lambda p: p.name):
            put("archive/" + p.name, p)
        resources = [("pages/pages.jsonl", pages), ("indexes/index.cdx.gz", cdx_gz), ("indexes/index.idx", idx)]
        for name, path in resources:          # hashed now: datapackage.json sorts before them
            digests[name] = _digest(path)
        package = {"profile": "data-package",
                   "resources": [{"name": Path(n).name.lower(), "path": n, "hash": digests[n][0], "bytes": digests[n][1]}
                                 for n in [r[0] for r in resources] + ["archive/" + p.name for p in warcs]],
                   "title": title, "description": description,
                   "created": stamp.strftime("%Y-%m-%dT%H:%M:%SZ"), "wacz_version": WACZ_VERSION,
                   "software": f"portal-crawler {__version__}"}
        package_bytes = json.dumps(package, indent=2).encode("utf-8")
        put("datapackage-digest.json", data=json.dumps(
            {"path": "datapackage.json", "hash": "sha256:" + hashlib.sha256(package_bytes).hexdigest()},
            indent=2).encode("utf-8"), deflate=True)
        put("datapackage.json", data=package_bytes, deflate=True)
        put("indexes/index.cdx.gz", cdx_gz)
        put("indexes/index.idx", idx, deflate=True)
        put("pages/pages.jsonl", pages)


def _digest(path: Path) -> tuple[str, int]:
    h, n = hashlib.sha256(), 0
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(_COPY), b""):
            h.update(block)
            n += len(block)
    return "sha256:" + h.hexdigest(), n


def _index_of(warc: Path, work: Path) -> Path:
    """The sorted CDXJ index of ``warc``: the one beside it, else one built in ``work``
    (read-only media, or the copy of a file a crawl is still writing)."""
    idx = cdxj.index_path(warc)
    if idx.exists() and not warc.is_relative_to(work):
        return idx
    built = work / "built" / idx.name
    built.parent.mkdir(exist_ok=True)
    tmp = built.with_name(built.name + ".unsorted")
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.writelines(cdxj.index_warc(warc))
    cdxj.sort_file(tmp, built)
    tmp.unlink()
    return built


def _write_index(indexes: list[Path], warcs: dict[str, Path], cdx_gz: Path, idx: Path) -> None:
    """The WACZ's ZipNum index: the merged lines with each record's sha256
    (``recordDigest``, as py-wacz gives it), in gzip members of BLOCK_LINES lines, and
    the block index naming each member's first key, offset, length and sha256."""
    files = {name: open(path, "rb") for name, path in warcs.items()}
    offset = 0
    try:
        with open(cdx_gz, "wb") as data, open(idx, "w", encoding="utf-8", newline="\n") as index:
            index.write("!meta 0 " + json.dumps({"format": "cdxj-gzip-1.0", "filename": "index.cdx.gz"}) + "\n")
            block: list[str] = []

            def flush():
                nonlocal offset
                comp = zlib.compressobj(wbits=16 + zlib.MAX_WBITS)
                member = comp.compress("".join(block).encode("utf-8")) + comp.flush()
                prefix = block[0].split("{", 1)[0].strip()
                index.write(prefix + " " + json.dumps({"offset": offset, "length": len(member),
                                                       "digest": "sha256:" + hashlib.sha256(member).hexdigest()}) + "\n")
                data.write(member)
                offset += len(member)
                block.clear()

            for ln in cdxj.merge(indexes):
                key, ts, d = cdxj.parse(ln)
                fh = files[d["filename"]]
                fh.seek(int(d["offset"]))
                d["recordDigest"] = "sha256:" + hashlib.sha256(fh.read(int(d["length"]))).hexdigest()
                block.append(cdxj.line(key, ts, d))
                if len(block) == BLOCK_LINES:
                    flush()
            if block:
                flush()
    finally:
        for f in files.values():
            f.close()
