"""Read-side SQL of the archive: summaries, runs, duplicate groups (CLI uses these; search is store/search.py)."""
from __future__ import annotations

import json
import sqlite3

__all__ = ["column_set", "article_by_key", "recent_runs", "site_summary", "site_counts", "dupe_groups",
           "table_counts", "backfill", "failed_requests", "retry_requests", "archived_sites"]

def _dicts(cur: sqlite3.Cursor) -> list[dict]:
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row)) for row in cur.fetchall()]


def archived_sites(conn) -> set[str]:
    """The site keys this archive holds articles (or copies) of."""
    return {r[0] for r in conn.execute("SELECT DISTINCT site FROM article_urls")}


def column_set(conn, column: str, site: str | None) -> set[str]:
    sql = f"SELECT {column} FROM article_urls"
    cur = conn.execute(sql + " WHERE site = ?", (site,)) if site else conn.execute(sql)
    return {r[0] for r in cur}


def article_by_key(conn, key: str) -> dict | None:
    r = conn.execute("SELECT article_id FROM article_urls WHERE url_key = ?", (key,)).fetchone()
    if r is None:
        return None
    aid = r[0]
    art = _dicts(conn.execute("SELECT * FROM articles WHERE id = ?", (aid,)))[0]
    art["warc_refs"] = json.loads(art["warc_refs"]) if art["warc_refs"] else None
    art["attachments"] = _dicts(conn.execute(
        "SELECT url, text, ext FROM attachments WHERE article_id = ? ORDER BY rowid", (aid,)))
    art["images"] = _dicts(conn.execute(
        "SELECT url, alt FROM images WHERE article_id = ? ORDER BY rowid", (aid,)))
    art["copies"] = _dicts(conn.execute(
        "SELECT id, url, url_key, site, source, title, published_at, first_seen, last_seen, "
        "is_canonical, similarity, is_repost FROM article_urls WHERE article_id = ? ORDER BY id",
        (aid,)))
    art["versions"] = _dicts(conn.execute(
        "SELECT version, changed_fields, replaced_at FROM article_versions "
        "WHERE article_id = ? ORDER BY version", (aid,)))
    for v in art["versions"]:
        v["changed_fields"] = json.loads(v["changed_fields"] or "[]")
    return art


def recent_runs(conn, n: int = 10) -> list[dict]:
    """crawl_runs rows, newest first, as stored (JSON columns are JSON text)."""
    return _dicts(conn.execute("SELECT * FROM crawl_runs ORDER BY id DESC LIMIT ?", (n,)))


def failed_requests(conn, run_id: int) -> list[dict]:
    """crawl_errors of one run, by site then URL."""
    return _dicts(conn.execute("SELECT site, url, error FROM crawl_errors WHERE run_id = ? "
                               "ORDER BY site, url", (run_id,)))


def retry_requests(conn, site: str) -> list[dict]:
    """Failed article and list requests of the site's last recorded run, then the URLs
    a repair re-queued (table requeue)."""
    rows = _dicts(conn.execute(
        "SELECT e.kind, e.retry_url AS url, min(e.retry_meta) AS retry_meta FROM crawl_errors e "
        "WHERE e.site = ? AND e.kind IN ('article', 'list') AND e.run_id = "
        "(SELECT max(r.id) FROM crawl_runs r WHERE r.finished_at IS NOT NULL "
        " AND EXISTS (SELECT 1 FROM json_each(r.sites) WHERE value = ?)) "
        "GROUP BY e.kind, e.retry_url ORDER BY min(e.id)", (site, site)))
    seen = {r["url"] for r in rows}
    rows += [r for r in _dicts(conn.execute(
        "SELECT kind, url, retry_meta FROM requeue WHERE site = ? ORDER BY rowid", (site,)))
        if r["url"] not in seen]
    return rows


def site_summary(conn) -> list[dict]:
    """[{site, channel, articles, last_crawled}] per site and channel (canonical records);
    last_crawled = when any URL of the site was last seen."""
    return _dicts(conn.execute(
        "SELECT a.site, a.channel, count(*) AS articles, s.last_crawled "
        "FROM articles a LEFT JOIN (SELECT site, max(last_seen) AS last_crawled "
        "FROM article_urls GROUP BY site) s ON s.site = a.site "
        "GROUP BY a.site, a.channel ORDER BY a.site, articles DESC, a.channel"))


def site_counts(conn) -> list[dict]:
    """[{site, articles, copies, last_crawled}]: articles = canonical records of the site,
    copies = URLs archived on the site (reposts included)."""
    return _dicts(conn.execute(
        "SELECT u.site, coalesce(a.n, 0) AS articles, u.copies, u.last_crawled FROM "
        "(SELECT site, count(*) AS copies, max(last_seen) AS last_crawled FROM article_urls "
        "GROUP BY site) u LEFT JOIN (SELECT site, count(*) AS n FROM articles GROUP BY site) a "
        "ON a.site = u.site ORDER BY u.site"))


def dupe_groups(conn, site: str | None = None) -> list[dict]:
    """Articles seen at more than one URL, with every copy (canonical first)."""
    sql = ("SELECT id, url, site, title, published_at, group_size FROM articles "
           "WHERE group_size > 1")
    args: tuple = ()
    if site:
        sql += " AND id IN (SELECT article_id FROM article_urls WHERE site = ?)"
        args = (site,)
    groups = _dicts(conn.execute(sql + " ORDER BY id", args))
    for g in groups:
        g["copies"] = _dicts(conn.execute(
            "SELECT url, site, source, title, published_at, is_canonical, similarity, is_repost "
            "FROM article_urls WHERE article_id = ? ORDER BY is_canonical DESC, id", (g["id"],)))
    return groups


def table_counts(conn) -> dict:
    tables = ("articles", "article_urls", "article_versions", "attachments", "images",
              "crawl_runs", "crawl_errors", "dedupe_minhash")
    return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}


def backfill(conn, site: str | None = None) -> list[dict]:
    """`list_frontier` rows (head_keys decoded), by site and channel name."""
    if conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'list_frontier'").fetchone() is None:
        return []          # an older archive opened read-only (not migrated)
    sql = "SELECT * FROM list_frontier"
    cur = conn.execute(sql + " WHERE site = ? ORDER BY channel", (site,)) if site else \
        conn.execute(sql + " ORDER BY site, channel")
    rows = _dicts(cur)
    for r in rows:
        r["head_keys"] = json.loads(r["head_keys"] or "[]")
    return rows
