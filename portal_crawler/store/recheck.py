"""``dedupe --recheck``: apply the same-article rule (dedupe.rule) to the groups an
archive already has, and split those the rule would not have made.

Per article with several copies: the canonical copy (its content is the article row)
stays; the other copies are taken in archive order (article_urls id) and each stays
only if the rule accepts it against every copy kept so far (R5, as a new copy would
be checked).  Each refused copy is made an article again exactly as a crawl would:
its record is re-extracted from its own WARC captures and written through
`Archive.write_articles`' path (so it becomes a new article, or joins the one it
really belongs to, with its FTS row, attachments and images, canonical copy chosen
by dedupe.repost); then its first/last seen times and click count are restored and
the `article_versions` rows of its URL move with it.  Everything happens in one
transaction.  A copy without a readable capture cannot be re-extracted: it stays
where it is and is counted as `unsplittable`.

First, articles made from block pages by an earlier version (a firewall's 拦截 page
stored as an article) are removed and their URLs re-queued for the next crawl
(store/blockrepair.py).
"""
from __future__ import annotations

import json

from portal_crawler.dedupe.grouping import member_sims
from portal_crawler.dedupe.rule import member
from portal_crawler.store.records import prepare
from portal_crawler import urls

__all__ = ["recheck_archive"]

_COPY_COLS = ("id", "article_id", "url", "site", "title", "published_at", "body_hash",
              "is_canonical", "warc_file", "warc_offset", "warc_refs", "clicks",
              "first_seen", "last_seen")


def plan(archive) -> tuple[dict, list[tuple[int, list[dict]]]]:
    """({groups_checked}, [(article id, copies the rule refuses)]): no writes."""
    conn, rule, index = archive.conn, archive.rule, archive.index
    groups = [a for (a,) in conn.execute(
        "SELECT article_id FROM article_urls GROUP BY article_id HAVING count(*) > 1 "
        "ORDER BY article_id")]
    out = []
    for aid in groups:
        rows = [dict(zip(_COPY_COLS, r)) for r in conn.execute(
            f"SELECT {', '.join(_COPY_COLS)} FROM article_urls WHERE article_id = ? "
            f"ORDER BY is_canonical DESC, id", (aid,))]
        kept, refused = [], []
        for r in rows:
            m = member(r["id"], r["title"], r["published_at"], r["body_hash"])
            if kept and not rule.joins(m, kept, member_sims(index, m, index.signature(r["id"]), kept)):
                refused.append(r)
            else:
                kept.append(m)
        if refused:
            out.append((aid, refused))
    return {"groups_checked": len(groups)}, out


def _record(row: dict, folder, reg) -> dict | None:
    """The copy's record re-extracted from its captures, as the crawl made it."""
    from portal_crawler.store.warcread import read_capture
    from portal_crawler.extract import extract_page, merge_pages
    refs = json.loads(row["warc_refs"]) if row["warc_refs"] else (
        [[row["warc_file"], row["warc_offset"]]] if row["warc_file"] else [])
    if not refs:
        return None
    try:
        caps = [read_capture(folder, name, off) for name, off in refs]
    except (OSError, LookupError, ValueError):
        return None
    site = reg.sites.get(row["site"]) if reg is not None else None
    results = [extract_page(c.body, c.url, c.content_type, site) for c in caps]
    if any(r.kind != "article" for r in results):
        return None
    rec = merge_pages(results) if len(results) > 1 else dict(results[0].record)
    rec.update(url=row["url"], site=row["site"], clicks=row["clicks"],
               fetched_at=row["first_seen"], warc_file=row["warc_file"],
               warc_offset=row["warc_offset"], warc_refs=refs)
    return rec


def recheck_archive(archive, db_path, reg=None, dry_run: bool = False) -> dict:
    """Remove articles made of block pages (their URLs re-queued), then split the groups
    the archive's rule would not make; returns the summary {block_articles_removed,
    urls_requeued, groups_checked, groups_split, copies_moved, articles_created, unsplittable}."""
    from portal_crawler.store.blockrepair import repair_blocks
    from portal_crawler.store.paths import warc_dir
    blocks = repair_blocks(archive, db_path, dry_run=dry_run)
    summary, todo = plan(archive)
    summary.update(blocks)
    folder = warc_dir(db_path)
    moves: list[tuple[int, dict, dict]] = []          # (old article, row, record)
    unsplittable = 0
    for aid, rows in todo:
        for r in rows:
            rec = _record(r, folder, reg)
            if rec is None:
                unsplittable += 1
            else:
                moves.append((aid, r, rec))
    summary.update(groups_split=len({a for a, _, _ in moves}), copies_moved=len(moves),
                   unsplittable=unsplittable, articles_created=0, dry_run=dry_run)
    before = archive.counts()["articles"]
    if dry_run or not moves:
        summary["articles_created"] = _created_estimate(archive, moves) if moves else 0
        return summary
    conn, index = archive.conn, archive.index
    moves.sort(key=lambda m: m[1]["id"])              # archive order: the crawl's order
    with archive.transaction():
        for aid, r, _ in moves:
            conn.execute("DELETE FROM article_urls WHERE id = ?", (r["id"],))
            index.remove([r["id"]])          # its signature and band rows
        for aid in {a for a, _, _ in moves}:
            conn.execute("UPDATE articles SET group_size = (SELECT count(*) FROM article_urls "
                         "WHERE article_id = ?) WHERE id = ?", (aid, aid))
        archive.write_copies([prepare(rec) for _, _, rec in moves])
        for aid, r, _ in moves:
            key = urls.identity_key(r["url"])
            new_aid, url_id = conn.execute(
                "SELECT article_id, id FROM article_urls WHERE url_key = ?", (key,)).fetchone()
            conn.execute("UPDATE article_urls SET first_seen = ?, last_seen = ?, clicks = ? "
                         "WHERE id = ?", (r["first_seen"], r["last_seen"], r["clicks"], url_id))
            conn.execute("UPDATE article_versions SET article_id = ? WHERE article_id = ? AND url = ?",
                         (new_aid, aid, r["url"]))
            conn.execute("UPDATE articles SET last_seen = max(last_seen, ?) WHERE id = ?",
                         (r["last_seen"], new_aid))
        conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('dedupe_rule', ?)",
                     (archive.rule.name,))
    summary["articles_created"] = archive.counts()["articles"] - before
    return summary


def _created_estimate(archive, moves) -> int:
    """Articles the moved copies would make among themselves (dry run): the rule's
    greedy complete linkage over them, in archive order."""
    rule, index = archive.rule, archive.index
    groups: list[list] = []
    for _, r, rec in sorted(moves, key=lambda m: m[1]["id"]):
        m = member(r["id"], r["title"], r["published_at"], r["body_hash"])
        sig = index.signature(r["id"])
        for g in groups:
            if rule.joins(m, g, member_sims(index, m, sig, g)):
                g.append(m)
                break
        else:
            groups.append([m])
    return len(groups)
