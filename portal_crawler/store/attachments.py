"""The attachments of the archive: rows, their captures and text, and their index.

An attachment row is (article, URL, link text); its capture columns (fetch, status,
content_type, size, sha256, warc_file, warc_offset, reason, format, text_status,
body, fetched_at) describe the file at that URL, fetched at most once per archive. So
the same facts are written to every row of the URL: a capture that arrives with one
article fills the rows of every other article linking it (``record_files``), and a
new row takes them from a row the archive has (``insert_rows``). attachments_fts
indexes each row's link text (``title``) and file text (``body``) with the articles'
tokens (store/fts.py), so search finds one- and two-character words in files too.

A re-crawl re-checks the files it has (crawler/files.py): ``recheck_validators`` gives
the crawl each capture's ETag / Last-Modified; a file found unchanged comes back as a
row with ``fetch = "unchanged"`` (only ``checked_at`` and the validators are written);
one whose content changed comes back as a new capture, and the one it replaces is kept
in ``attachment_captures``.
"""
from __future__ import annotations

import sqlite3

from portal_crawler.store.fts import index_text

__all__ = ["CAPTURE_COLS", "known_file_urls", "known_resource_urls", "recheck_validators", "insert_rows",
           "delete_rows", "record_files", "record_resources", "UNCHANGED"]

CAPTURE_COLS = ("fetch", "status", "content_type", "size", "sha256", "warc_file", "warc_offset",
                "reason", "format", "text_status", "body", "fetched_at", "etag", "last_modified", "checked_at")
# A re-check's answer for a file the archive has: not a capture (crawler/files.py).
UNCHANGED = "unchanged"
_CHECK_COLS = ("etag", "last_modified", "checked_at")
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


def recheck_validators(conn: sqlite3.Connection, table: str) -> dict[str, dict]:
    """Canonical URL -> {etag, last_modified, sha256, warc_file, warc_offset} of each
    ``ok`` capture in ``table`` (``attachments`` or ``resources``) that the server gave a
    validator for: what a re-crawl asks for conditionally, and the capture a 304
    confirms. One without a validator is not re-checked (asking again would download the
    whole file each time)."""
    from portal_crawler.urls import canonical_url
    assert table in ("attachments", "resources")
    return {canonical_url(u): {"etag": e, "last_modified": m, "sha256": h, "warc_file": f, "warc_offset": o}
            for u, e, m, h, f, o in conn.execute(
                f"SELECT url, etag, last_modified, sha256, warc_file, warc_offset FROM {table} WHERE fetch = 'ok' "
                "AND (etag IS NOT NULL OR last_modified IS NOT NULL)")}


RESOURCE_COLS = ("fetch", "status", "content_type", "size", "sha256", "warc_file", "warc_offset", "revisit",
                 "reason", "fetched_at", "etag", "last_modified", "checked_at")


def record_resources(conn: sqlite3.Connection, page_url: str, rows: list[dict]) -> None:
    """One row per resource URL; a later capture replaces one that was not ``ok``, or one
    whose payload has changed since (a re-check: the earlier capture stays in the WARC)."""
    cols = ", ".join(RESOURCE_COLS)
    for r in rows or []:
        if r.get("fetch") == UNCHANGED:
            _checked(conn, "resources", r)
            continue
        conn.execute(f"INSERT INTO resources (url, page_url, {cols}) VALUES (?, ?, {', '.join('?' * len(RESOURCE_COLS))}) "
                     f"ON CONFLICT(url) DO UPDATE SET {', '.join(f'{c} = excluded.{c}' for c in RESOURCE_COLS)} "
                     "WHERE resources.fetch IS NOT 'ok' OR (excluded.fetch = 'ok' AND excluded.sha256 IS NOT resources.sha256)",
                     (r["url"], page_url, *[int(r[c]) if c == "revisit" and c in r else r.get(c) for c in RESOURCE_COLS]))


def _checked(conn: sqlite3.Connection, table: str, r: dict) -> None:
    """A re-check found the file unchanged: when, and the validators the server sent now."""
    conn.execute(f"UPDATE {table} SET checked_at = ?, etag = coalesce(?, etag), "
                 "last_modified = coalesce(?, last_modified) WHERE url = ? AND fetch = 'ok'",
                 (r.get("checked_at"), r.get("etag"), r.get("last_modified"), r["url"]))


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
    never replaces a capture the archive has; a re-check that found the file unchanged
    only dates the check; a capture with another payload moves the one it replaces to
    ``attachment_captures``."""
    old_cols = ("sha256", "status", "content_type", "size", "warc_file", "warc_offset", "format", "text_status",
                "body", "etag", "last_modified", "fetched_at")
    for f in files or []:
        if f.get("fetch") == UNCHANGED:
            _checked(conn, "attachments", f)
            continue
        vals = [f.get(c) for c in CAPTURE_COLS]
        if f.get("fetch") == "ok":
            conn.execute(f"INSERT OR IGNORE INTO attachment_captures ({', '.join(old_cols)}, url, replaced_at) "
                         f"SELECT {', '.join(old_cols)}, url, ? FROM attachments WHERE url = ? AND fetch = 'ok' "
                         "AND sha256 IS NOT ? LIMIT 1", (f.get("fetched_at"), f["url"], f.get("sha256")))
        for rowid, title, body, fetch in conn.execute(
                "SELECT id, text, body, fetch FROM attachments WHERE url = ?", (f["url"],)).fetchall():
            if f.get("fetch") == "failed" and fetch == "ok":
                continue
            conn.execute(f"UPDATE attachments SET {', '.join(c + ' = ?' for c in CAPTURE_COLS)} WHERE id = ?",
                         (*vals, rowid))
            if body != f.get("body"):
                _fts(conn, rowid, title, body, delete=True)
                _fts(conn, rowid, title, f.get("body"))
