"""``reparse``: run extraction again over the stored WARC captures, without fetching.

Records go back through ``Archive.write_articles``, so a changed field makes a version
row exactly as a re-crawl would, and unchanged records stay as they are. A capture that
turns out truncated (``crawler.integrity``: stored by a version without that check) is
not re-extracted: its URL is flagged and the next crawl fetches it again.
"""
from __future__ import annotations

import json

from portal_crawler.extract import extract_page, merge_pages
from portal_crawler.store.paths import ArchivePaths
from portal_crawler.store.warcread import read_capture
from portal_crawler.extract.truncation import is_truncated

CARRY = ("url", "site", "clicks", "fetched_at", "warc_file", "warc_offset", "warc_refs")


def _rows(archive, site: str | None, page: int = 500):
    """Articles in id order, a page at a time and without their bodies: memory stays flat
    on a large archive, and no read cursor is open while the batch is written."""
    have = archive.db["articles"].columns_dict
    cols = ", ".join(["id"] + [c for c in CARRY if c in have])
    last = 0
    while True:
        sql = f"SELECT {cols} FROM articles WHERE id > ?" + (" AND site = ?" if site else "") + " ORDER BY id LIMIT ?"
        rows = list(archive.db.query(sql, [last, site, page] if site else [last, page]))
        if not rows:
            return
        yield from rows
        last = rows[-1]["id"]


def reparse_archive(archive, db_path, reg, site: str | None = None, batch: int = 200) -> dict:
    folder = ArchivePaths.of(db_path).warc_dir
    counts = {"checked": 0, "updated": 0, "unchanged": 0, "missing": 0, "truncated": 0}
    pending = []
    for row in _rows(archive, site):
        refs = json.loads(row.get("warc_refs") or "[]")
        if not refs:
            counts["missing"] += 1
            continue
        try:
            caps = [read_capture(folder, name, off) for name, off in refs]
        except (OSError, LookupError):
            counts["missing"] += 1
            continue
        if any(is_truncated(c.body, c.content_type) for c in caps):
            counts["truncated"] += archive.mark_refetch([row["url"]])
            continue
        s = reg.sites.get(row["site"])
        results = [extract_page(c.body, c.url, c.content_type, s) for c in caps]
        if any(r.kind != "article" for r in results):
            counts["missing"] += 1
            continue
        record = merge_pages(results) if len(results) > 1 else dict(results[0].record)
        record.update({k: row[k] for k in CARRY if k in row})
        record["warc_refs"] = refs
        if record.get("clicks") is None:
            record["clicks"] = row.get("clicks")
        pending.append(record)
        counts["checked"] += 1
        if len(pending) >= batch:
            _write(archive, pending, counts)
    _write(archive, pending, counts)
    return counts


def _write(archive, pending, counts):
    if pending:
        c = archive.write_articles(pending)
        counts["updated"] += c.get("updated", 0)
        counts["unchanged"] += c.get("unchanged", 0) + c.get("duplicate", 0)
        pending.clear()
