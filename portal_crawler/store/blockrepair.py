"""Part of ``dedupe --recheck``: articles an earlier version archived from block pages
(a firewall's 拦截 page, a captcha, a rate-limit notice stored as an "article", often
several URLs merged into one) are found, removed, and their URLs re-queued, so the
next crawl fetches them again and ends with the real articles (issue 26).

A suspect is an article whose stored title and body read as a block page
(``blocks.classify_record``: block wording in a short text); when its capture is in the
WARC files, the capture decides (``blocks.classify`` on its status and bytes), so a
real short article that mentions such words stays. Everything of the article goes:
its copies (article_urls), versions, media, MinHash rows, full-text entry; every URL
of it goes into ``requeue`` (store/schema.py), which the next crawl asks for like the
last run's failed requests.
"""
from __future__ import annotations

import json

from portal_crawler.blocks import classify, classify_record
from portal_crawler.store.fts import bigrams
from portal_crawler.store.paths import ArchivePaths
from portal_crawler.store.records import now_iso
from portal_crawler.store.warcread import read_capture

__all__ = ["find_block_articles", "repair_blocks"]


def _capture_says(folder, refs_json, warc_file, warc_offset):
    """The block the first stored capture is, False if it is a real page, None if unreadable."""
    refs = json.loads(refs_json) if refs_json else ([[warc_file, warc_offset]] if warc_file else [])
    if not refs:
        return None
    try:
        cap = read_capture(folder, refs[0][0], refs[0][1])
    except (OSError, LookupError, ValueError):
        return None
    return classify(cap.status, cap.body, cap.content_type) or False


def find_block_articles(archive, db_path) -> list[dict]:
    """[{id, title, body, kind, urls: [(url, site, clicks)]}] of the articles made from block pages."""
    folder = ArchivePaths.of(db_path).warc_dir
    out = []
    for aid, title, body, refs, wf, wo in archive.conn.execute(
            "SELECT id, title, body, warc_refs, warc_file, warc_offset FROM articles ORDER BY id"):
        block = classify_record(title, body)
        if block is None:
            continue
        said = _capture_says(folder, refs, wf, wo)
        if said is False:
            continue
        block = said or block
        urls = archive.conn.execute("SELECT url, site, clicks FROM article_urls WHERE article_id = ? ORDER BY id",
                                    (aid,)).fetchall()
        out.append({"id": aid, "title": title, "body": body, "kind": block.kind, "urls": urls})
    return out


def repair_blocks(archive, db_path, dry_run: bool = False) -> dict:
    """Remove the articles made from block pages, re-queue their URLs (one transaction);
    returns {block_articles_removed, urls_requeued}."""
    found = find_block_articles(archive, db_path)
    summary = {"block_articles_removed": len(found), "urls_requeued": sum(len(f["urls"]) for f in found)}
    if dry_run or not found:
        return summary
    conn, now = archive.conn, now_iso()
    with archive.transaction():
        for f in found:
            aid = f["id"]
            ids = [r for (r,) in conn.execute("SELECT id FROM article_urls WHERE article_id = ?", (aid,))]
            archive.index.remove(ids)       # their signatures and band rows
            for table in ("article_urls", "article_versions", "attachments", "images"):
                conn.execute(f"DELETE FROM {table} WHERE article_id = ?", (aid,))
            conn.execute("INSERT INTO articles_fts (articles_fts, rowid, title, body) VALUES ('delete', ?, ?, ?)",
                         (aid, bigrams(f["title"]), bigrams(f["body"])))
            conn.execute("DELETE FROM articles WHERE id = ?", (aid,))
            # The click count came from the list (DedeCMS pages do not carry it): kept
            # for the request, as a failed request's list meta is.
            conn.executemany("INSERT OR REPLACE INTO requeue (url, site, kind, retry_meta, reason, added_at) "
                             "VALUES (?, ?, 'article', ?, ?, ?)",
                             [(u, s, json.dumps({"clicks": c} if c is not None else {}),
                               f"block page ({f['kind']}) removed by dedupe --recheck", now)
                              for u, s, c in f["urls"]])
    return summary
