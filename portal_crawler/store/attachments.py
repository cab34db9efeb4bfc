"""The attachments of the archive: rows, their captures and text, and their index.

An attachment row is (article, URL, link text); its capture columns (fetch, status,
content_type, size, sha256, warc_file, warc_offset, reason, format, text_status,
body, fetched_at) describe the file at that URL, fetched at most once per archive. So
the same facts are written to every row of the URL: a capture that arrives with one
article fills the rows of every other article linking it (``record_files``), and a
new row takes them from a row the archive has (``insert_rows``). attachments_fts
indexes each row's link text (``title``) and file text (``body``) with the articles'
tokens (store/fts.py), so search finds one- and two-character words in files too.
"""
from __future__ import annotations

import sqlite3

from portal_crawler.store.fts import index_text

__all__ = ["CAPTURE_COLS", "known_file_urls", "known_resource_urls", "insert_rows", "delete_rows",
           "record_files", "record_resources"]

CAPTURE_COLS = ("fetch", "status", "content_type", "size", "sha256", "warc_file", "warc_offset",
                "reason", "format", "text_status", "body", "fetched_at")
# Outcomes that are the archive's answer for a URL (never fetched again); "failed"
# (a network error, a 5xx after the retries) is asked for again by the next crawl.
FINAL = ("ok", "http_error", "too_large", "skipped", "offsite")


def known_file_urls(conn: sqlite3.Connection) -> set[str]:
    """Canonical URLs of the attachments the archive has an answer for."""
    from portal_crawler.urls import canonical_url
    return {canonical_url(u) for (u,) in conn.execute(
        f"SELECT DISTINCT url FROM attachments WHERE fetch IN ({', '.join('?' * len(FINAL))})", FINAL)}


def known_resource_urls(conn: sqlite3.Connection) -> set[str]:
    """Canonical URLs of the page resources the archive has an answer for."""
    from portal_crawler.urls import canonical_url
    return {canonical_url(u) for (u,) in conn.execute(
        f"SELECT url FROM resources WHERE fetch IN ({', '.join('?' * len(FINAL))})", FINAL)}


RESOURCE_COLS = ("fetch", "status", "content_type", "size", "sha256", "warc_file", "warc_offset", "revisit",
                 "reason", "fetched_at")


def record_resources(conn: sqlite3.Connection, page_url: str, rows: list[dict]) -> None:
    """One row per resource URL; a later capture replaces only one that was not ``ok``."""
    cols = ", ".join(RESOURCE_COLS)
    for r in rows or []:
        conn.execute(f"INSERT INTO resources (url, page_url, {cols}) VALUES (?, ?, {', '.join('?' * len(RESOURCE_COLS))}) "
                     f"ON CONFLICT(url) DO UPDATE SET {', '.join(f'{c} = excluded.{c}' for c in RESOURCE_COLS)} "
                     "WHERE resources.fetch IS NOT 'ok'",
                     (r["url"], page_url, *[int(r[c]) if c == "revisit" and c in r else r.get(c) for c in RESOURCE_COLS]))


def _fts(conn, rowid: int, title, body, delete: bool = False) -> None:
    if delete:
        conn.execute("INSERT INTO attachments_fts (attachments_fts, rowid, title, body) "
                     "VALUES ('delete', ?, ?, ?)", (rowid, index_text(title), index_text(body)))
    else:
        conn.execute("INSERT INTO attachments_fts (rowid, title, body) VALUES (?, ?, ?)",
                     (rowid, index_text(title), index_text(body)))


def delete_rows(conn: sqlite3.Connection, article_id: int) -> None:
    for rowid, title, body in conn.execute(
            "SELECT id, text, body FROM attachments WHERE article_id = ?", (article_id,)).fetchall():
        _fts(conn, rowid, title, body, delete=True)
    conn.execute("DELETE FROM attachments WHERE article_id = ?", (article_id,))


def insert_rows(conn: sqlite3.Connection, article_id: int, rows: list[tuple[str, str | None, str | None]]) -> None:
    """(url, link text, ext) rows of one article, with the capture the archive has of each URL."""
    cols = ", ".join(CAPTURE_COLS)
    for url, text, ext in rows:
        have = conn.execute(f"SELECT {cols} FROM attachments WHERE url = ? AND fetch IS NOT NULL "
                            "ORDER BY (fetch = 'ok') DESC, id DESC LIMIT 1", (url,)).fetchone()
        vals = have or (None,) * len(CAPTURE_COLS)
        cur = conn.execute(f"INSERT INTO attachments (article_id, url, text, ext, {cols}) VALUES "
                           f"(?, ?, ?, ?, {', '.join('?' * len(CAPTURE_COLS))})", (article_id, url, text, ext, *vals))
        _fts(conn, cur.lastrowid, text, vals[CAPTURE_COLS.index("body")])


def record_files(conn: sqlite3.Connection, files: list[dict]) -> None:
    """Write each file capture (crawler/files.py rows) to every row of its URL. A failure
    never replaces a capture the archive has."""
    for f in files or []:
        vals = [f.get(c) for c in CAPTURE_COLS]
        for rowid, title, body, fetch in conn.execute(
                "SELECT id, text, body, fetch FROM attachments WHERE url = ?", (f["url"],)).fetchall():
            if f.get("fetch") == "failed" and fetch == "ok":
                continue
            conn.execute(f"UPDATE attachments SET {', '.join(c + ' = ?' for c in CAPTURE_COLS)} WHERE id = ?",
                         (*vals, rowid))
            if body != f.get("body"):
                _fts(conn, rowid, title, body, delete=True)
                _fts(conn, rowid, title, f.get("body"))
