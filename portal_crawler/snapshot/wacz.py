"""WACZ packaging with py-wacz, made reproducible.

``pages/pages.jsonl`` is written from the archive (one page per article: the URL and
WARC-Date of its capture, title, body text for full-text search), not detected by
py-wacz: its detector finds only pages that referred to others, and it reads page
text as UTF-8 only (our GBK pages are decoded by the extractor). py-wacz stamps
every zip entry and ``datapackage.json`` with the current time; ``normalise``
rewrites the zip with fixed times and sorted entries so that the same archive gives
the same bytes.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import io
import json
import shutil
import sqlite3
import zipfile
from pathlib import Path

from portal_crawler.store.warcread import read_record

__all__ = ["write_pages", "create_wacz", "normalise"]


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
        for aid, title, body, wfile, off in conn.execute(sql):
            if wfile not in folders:
                continue
            cap = read_record(folders[wfile], wfile, off, body=False)
            fh.write(json.dumps({"id": str(aid), "url": cap.url, "ts": cap.date[:19] + "Z", "title": title,
                                 "text": body or ""}, ensure_ascii=False) + "\n")
            n += 1
    return n


def create_wacz(warcs: list[Path], pages: Path, out: Path, *, title: str, description: str,
                created: dt.datetime) -> None:
    """Run py-wacz over ``warcs`` with our pages, then make the zip reproducible."""
    from wacz.main import main as wacz_main
    raw = out.with_name(out.name + ".raw")
    log = io.StringIO()
    with contextlib.redirect_stdout(log):
        # -c: our pages go in as written (py-wacz would drop the header's hasText).
        code = wacz_main(["create", "-o", str(raw), "-p", str(pages), "-c", "--title", title,
                          "--desc", description, *map(str, warcs)])
    if code not in (0, None):
        raise RuntimeError(f"py-wacz failed: {log.getvalue()[-2000:]}")
    normalise(raw, out, created)
    raw.unlink()


def normalise(src: Path, dst: Path, created: dt.datetime) -> None:
    """Copy a WACZ with every entry dated ``created``, entries sorted by name, and
    ``datapackage.json`` saying ``created`` (its digest file recomputed)."""
    stamp = created.astimezone(dt.timezone.utc)
    date_time = stamp.timetuple()[:6]
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", allowZip64=True) as zout:
        infos = sorted(zin.infolist(), key=lambda i: i.filename)
        package = json.loads(zin.read("datapackage.json"))
        package["created"] = stamp.strftime("%Y-%m-%dT%H:%M:%SZ")
        package_bytes = json.dumps(package, indent=2).encode("utf-8")
        digest = json.dumps({"path": "datapackage.json",
                             "hash": "sha256:" + hashlib.sha256(package_bytes).hexdigest()}, indent=2).encode("utf-8")
        for info in infos:
            new = zipfile.ZipInfo(info.filename, date_time)
            new.compress_type = info.compress_type
            new.external_attr = 0o644 << 16
            if info.filename == "datapackage.json":
                zout.writestr(new, package_bytes)
            elif info.filename == "datapackage-digest.json":
                zout.writestr(new, digest)
            else:
                with zin.open(info) as r, zout.open(new, "w", force_zip64=info.file_size > 2**31) as w:
                    shutil.copyfileobj(r, w, 1 << 20)
