"""The Archive API (design.md section 4): one SQLite file, batched writes.

Write semantics of `write_articles` (one transaction per batch):
- a known URL (by `urls.identity_key`) with the same content_hash: last_seen bumped
  -> `unchanged`; with another content_hash: the previous values go to
  `article_versions`, the record is updated, version += 1 -> `updated`
  (a non-canonical copy updates its `article_urls` row, and becomes the record if it
  now wins the canonical rule);
- a new URL: candidates by exact body hash and MinHash LSH over the whole archive
  (the band keys in the archive: store/neardup.py),
  then the same-article rule (dedupe.rule: R1 exact, or body + title + date, against
  EVERY copy of the candidate article); a match joins that article as another
  `article_urls` row (its own 来源, title, similarity, capture) and takes over the
  record if it wins the canonical rule (dedupe.repost) -> `duplicate`; no match -> `new`.
"""
from __future__ import annotations

import json
import sqlite3
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

from portal_crawler import urls
from portal_crawler.dedupe import CONTENT_FIELDS, MinHasher
from portal_crawler.dedupe.grouping import TITLE_CANDIDATES, find_article
from portal_crawler.dedupe.normalise import normalise_title
from portal_crawler.dedupe.rule import RULE, Member, Rule, member
from portal_crawler.dedupe.repost import new_copy_wins
from portal_crawler.store import queries
from portal_crawler.store.attachments import delete_rows, insert_rows, record_files, record_resources
from portal_crawler.store.fts import bigrams
from portal_crawler.store.search import SearchResult, search as _search
from portal_crawler.store.records import ARTICLE_COLS, Copy, attachment_ext, now_iso, prepare
from portal_crawler.store.neardup import ArchiveNearDupIndex
from portal_crawler.store.paths import ArchivePaths
from portal_crawler.store.schema import BUSY_TIMEOUT, check_version, connect, connect_readonly, describe, migrate

__all__ = ["Archive", "ArchiveError", "ArchiveNotFound", "check_archive_file"]


class ArchiveError(Exception):
    """The archive cannot be used (not a database, unreadable, newer schema)."""


class ArchiveNotFound(ArchiveError, FileNotFoundError):
    """No archive at that path (and ``create`` was not asked for)."""

SQLITE_MAGIC = b"SQLite format 3\x00"      # the first 16 bytes of every SQLite database


def check_archive_file(path: str | Path, *, allow_empty: bool = False) -> None:
    """Raise ``ArchiveError`` (one line naming the problem) unless ``path`` is a
    portal-crawler archive, reading it without changing a byte: another program's
    database, an empty or non-SQLite file is refused before anything opens it for
    writing (opening would switch it to WAL and add the archive's tables)."""
    p = Path(path)
    if not p.exists():
        raise ArchiveNotFound(f"no archive at {p}")
    if not p.is_file():
        raise ArchiveError(f"{p} is not an archive file (it is a directory or a device)")
    try:
        with p.open("rb") as fh:
            head = fh.read(len(SQLITE_MAGIC))
    except OSError as e:
        raise ArchiveError(f"cannot read archive {p}: {e.strerror or e}") from None
    if not head and (allow_empty or Path(f"{p}-wal").exists()):
        return      # a new archive: its schema is still only in the write-ahead log, or about to be made
    if not head:
        raise ArchiveError(f"{p} is an empty file, not a portal-crawler archive")
    if head != SQLITE_MAGIC:
        raise ArchiveError(f"{p} is not an SQLite file, so not a portal-crawler archive")
    try:
        # Without a pending write-ahead log the file alone is the database: read it as
        # immutable, which creates nothing beside it (mode=ro would make -wal/-shm files
        # next to another program's database).
        conn = (connect_readonly(str(p)) if Path(f"{p}-wal").exists()
                else sqlite3.connect(f"file:{quote(str(p.resolve()))}?immutable=1", uri=True))
        try:
            names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        finally:
            conn.close()
    except sqlite3.Error as e:
        raise ArchiveError(describe(p, e)) from None
    if not {"meta", "articles"} <= names:
        shown = ", ".join(sorted(names)[:5]) or "none"
        raise ArchiveError(f"{p} is another program's SQLite database (tables: {shown}), "
                           f"not a portal-crawler archive")


_INSERT_ARTICLE = (f"INSERT INTO articles ({', '.join(ARTICLE_COLS)}, first_seen, last_seen, "
                   f"updated_at, version, group_size) VALUES "
                   f"({', '.join('?' * len(ARTICLE_COLS))}, ?, ?, ?, 1, 1)")
_UPDATE_ARTICLE = (f"UPDATE articles SET {', '.join(c + ' = ?' for c in ARTICLE_COLS)}, "
                   f"last_seen = ?, updated_at = ? WHERE id = ?")
_INSERT_URL = ("INSERT INTO article_urls (article_id, url, url_key, site, source, title, "
               "published_at, first_seen, last_seen, is_canonical, similarity, is_repost, "
               "content_hash, body_hash, warc_file, warc_offset, warc_refs, clicks, title_key) "
               "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
_VERSION_COLS = ("url", "title", "published_at", "date_flag", "source", "author", "editor",
                 "reviewer", "channel", "breadcrumb", "description", "body", "pages",
                 "content_hash", "warc_file", "warc_offset")


class Archive:
    """One archive: its SQLite file and the files beside it (``self.paths``).

    ``Archive.open(path)`` opens an existing archive (a typo'd path is an error);
    ``Archive.open(path, create=True)`` creates and migrates one; ``readonly=True``
    opens it for reading only (search, stats, exports), also on read-only media.
    ``Archive(path)`` is ``Archive.open(path, create=True)``. A context manager.
    """

    @classmethod
    def open(cls, path: str | Path, *, create: bool = False, readonly: bool = False, **kw) -> "Archive":
        p = Path(path)
        if not p.exists() and not create:
            raise ArchiveNotFound(f"no archive at {p}")
        if p.exists():
            # An empty file is a new archive only where one is being created (the crawl
            # lock makes the file before the archive is opened).
            check_archive_file(p, allow_empty=create)
        return cls(p, readonly=readonly, **kw)

    def __init__(self, path: str | Path, *, readonly: bool = False,
                 threshold: float | None = None, rule: Rule | None = None,
                 busy_timeout: float = BUSY_TIMEOUT):
        self.path = Path(path)
        self.paths = ArchivePaths.of(self.path)
        self.readonly = readonly
        try:
            if readonly:
                self.conn = connect_readonly(str(self.path))
            else:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self.conn = connect(str(self.path), busy_timeout=busy_timeout)
        except (sqlite3.OperationalError, OSError) as e:  # locked, full, read-only, no permission
            raise ArchiveError(f"cannot open {describe(self.path, e)}") from None
        except sqlite3.DatabaseError as e:
            raise ArchiveError(f"cannot open archive {self.path}: {e}") from None
        try:
            self.schema_version = check_version(self.conn) if readonly else migrate(self.conn)
        except sqlite3.OperationalError as e:
            self.conn.close()
            raise ArchiveError(f"cannot open {describe(self.path, e)}") from None
        except sqlite3.DatabaseError as e:
            self.conn.close()
            raise ArchiveError(f"{self.path} is not a portal-crawler archive: {e}") from None
        except BaseException:
            self.conn.close()
            raise
        self.hasher = MinHasher()
        # The same-article rule (dedupe.rule); `LENIENT` reproduces pre-v3 archives.
        self.rule = rule or RULE
        if threshold is not None:
            from dataclasses import replace
            self.rule = replace(self.rule, threshold=threshold)
        # On disk (dedupe_bands, dedupe_minhash): nothing per article in memory.
        self.index = ArchiveNearDupIndex(self.conn, threshold=self.rule.threshold)
        if not readonly:        # the rule an archive's groups were made by (before v3: 'body-only')
            self.conn.execute("INSERT OR IGNORE INTO meta (key, value) VALUES ('dedupe_rule', ?)",
                              (self.rule.name,))

    # -- lifecycle ---------------------------------------------------------------
    def __enter__(self) -> "Archive":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn, self._db = None, None

    @property
    def db(self):
        """A sqlite_utils.Database over the same connection (for tools and the CLI)."""
        if getattr(self, "_db", None) is None:
            import sqlite_utils
            self._db = sqlite_utils.Database(self.conn)
        return self._db

    # -- runs --------------------------------------------------------------------
    def start_run(self, sites=None, args=None) -> int:
        cur = self.conn.execute(
            "INSERT INTO crawl_runs (started_at, sites, args) VALUES (?, ?, ?)",
            (now_iso(), json.dumps(list(sites or []), ensure_ascii=False),
             json.dumps(args or {}, ensure_ascii=False, default=str)))
        self.run_id = cur.lastrowid
        return self.run_id

    def finish_run(self, run_id: int, stats: dict | None = None,
                   finish_reason: str | None = None) -> None:
        """Record the run's end; `stats` keys: requests, responses, errors, per_site,
        drift, backfill (list_frontier rows), failed ([{site, url, error}]: requests that failed after their retries,
        stored in `crawl_errors`; optional keys kind, retry_url, retry_meta), and optionally the four
        article counts."""
        s = stats or {}

        def js(v):
            return None if v is None else json.dumps(v, ensure_ascii=False, default=str)

        self.conn.execute("BEGIN IMMEDIATE")
        try:
            self._save_backfill(s.get("backfill") or [], run_id)
            self._finish_row(run_id, s, finish_reason, js)
            self.conn.execute("COMMIT")
        except BaseException:
            if self.conn.in_transaction:  # SQLite already rolled back on a full disk
                self.conn.execute("ROLLBACK")
            raise

    def _finish_row(self, run_id, s, finish_reason, js) -> None:
        sets = {"finished_at": now_iso(), "finish_reason": finish_reason,
                "requests": s.get("requests"), "responses": js(s.get("responses")),
                "errors": s.get("errors"), "per_site": js(s.get("per_site")),
                "drift": js(s.get("drift"))}
        if s.get("workers") is not None:  # scale-out: per-worker counts, kept with the run's args
            row = self.conn.execute("SELECT args FROM crawl_runs WHERE id = ?", (run_id,)).fetchone()
            sets["args"] = js({**json.loads((row and row[0]) or "{}"), "workers": s["workers"]})
        for k in ("new", "updated", "unchanged", "duplicate"):
            for name in (f"{k}_articles", k):
                if s.get(name) is not None:
                    sets[f"{k}_articles"] = s[name]
        self.conn.execute(
            f"UPDATE crawl_runs SET {', '.join(k + ' = ?' for k in sets)} WHERE id = ?",
            (*sets.values(), run_id))
        self.conn.executemany(
            "INSERT INTO crawl_errors (run_id, site, url, kind, retry_url, retry_meta, error) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            [(run_id, f.get("site"), f["url"], f.get("kind"), f.get("retry_url") or f["url"],
              js(f.get("retry_meta")), f.get("error")) for f in s.get("failed") or ()])

    def _save_backfill(self, rows: list[dict], run_id) -> None:
        # Sent by the crawler after its last batch of articles (same ordered queue), so a
        # frontier never claims pages whose articles are not committed.
        now = now_iso()
        for r in rows:
            self.conn.execute(
                "INSERT INTO list_frontier (site, channel_url, channel, head_keys, head_date, pages, "
                "resume_url, oldest_date, complete, completed_at, updated_at, run_id) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(site, channel_url) DO UPDATE SET "
                "channel = excluded.channel, head_keys = excluded.head_keys, head_date = excluded.head_date, "
                "pages = excluded.pages, resume_url = excluded.resume_url, oldest_date = excluded.oldest_date, "
                "complete = max(complete, excluded.complete), "
                "completed_at = coalesce(completed_at, excluded.completed_at), "
                "updated_at = excluded.updated_at, run_id = excluded.run_id",
                (r["site"], r["channel_url"], r.get("channel"), json.dumps(r.get("head_keys") or []),
                 r.get("head_date"), int(r.get("pages") or 0), r.get("resume_url"), r.get("oldest_date"),
                 int(bool(r.get("complete"))), now if r.get("complete") else None, now, run_id))

    def backfill(self, site: str | None = None) -> list[dict]:
        """The backfill frontier per site and channel list (see schema `list_frontier`)."""
        return queries.backfill(self.conn, site)

    # -- writes ------------------------------------------------------------------
    def write_articles(self, items, run_id: int | None = None) -> dict:
        """Archive a batch in one transaction; returns {new, updated, unchanged, duplicate}."""
        copies = [prepare(it) for it in items]
        if not copies:
            return {"new": 0, "updated": 0, "unchanged": 0, "duplicate": 0}
        run_id = run_id if run_id is not None else getattr(self, "run_id", None)
        with self.transaction():
            counts = self.write_copies(copies)
            if run_id is not None:
                self.conn.execute(
                    "UPDATE crawl_runs SET new_articles = new_articles + ?, "
                    "updated_articles = updated_articles + ?, unchanged_articles = "
                    "unchanged_articles + ?, duplicate_articles = duplicate_articles + ? "
                    "WHERE id = ?", (counts["new"], counts["updated"], counts["unchanged"],
                                     counts["duplicate"], run_id))
        return counts

    @contextmanager
    def transaction(self):
        """One write transaction; on any error everything rolls back (the near-duplicate
        index with it: it is in the archive)."""
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield
            self.conn.execute("COMMIT")
        except BaseException:
            if self.conn.in_transaction:  # SQLite already rolled back on a full disk
                self.conn.execute("ROLLBACK")
            self.index.rolled_back()
            raise

    def write_copies(self, copies: list[Copy]) -> dict:
        """write_articles' work for prepared copies (`records.prepare`), inside the
        caller's `transaction()` (dedupe --recheck moves copies and re-adds them in one)."""
        counts = {"new": 0, "updated": 0, "unchanged": 0, "duplicate": 0}
        known = self._known_rows([c.key for c in copies])
        need = [i for i, c in enumerate(copies) if (known.get(c.key) or (None,) * 4)[3] != c.content_hash]
        sigs: dict[int, tuple] = {}             # item index -> (signature, band keys)
        if need:
            mat, ok = self.hasher.signatures([copies[i].norm_body for i in need])
            keys = self.index.band_keys(mat)
            sigs = {i: (mat[j], keys[j]) for j, i in enumerate(need) if ok[j]}
        ex = self.conn.execute
        written: set[str] = set()
        stale = False
        for i, c in enumerate(copies):
            # One bulk lookup serves the batch until a write may have changed other rows
            # (a copy joining an article can move its canonical flag; an update rewrites
            # a row): from then on, and for a key seen earlier in the batch, read again.
            if stale or c.key in written:
                row = ex("SELECT id, article_id, is_canonical, content_hash FROM article_urls "
                         "WHERE url_key = ?", (c.key,)).fetchone()
            else:
                row = known.get(c.key)
            written.add(c.key)
            if row is None:
                outcome = self._add_copy(c, sigs.get(i))
                counts[outcome] += 1
                stale = stale or outcome == "duplicate"
            elif row[3] == c.content_hash:
                self._seen(c, row)
                counts["unchanged"] += 1
            else:
                self._update_copy(c, row, sigs.get(i))
                counts["updated"] += 1
                stale = True
        for c in copies:        # file captures reach every row of their URL (store/attachments.py)
            if c.rec.get("files"):
                record_files(self.conn, c.rec["files"])
            if c.rec.get("resources"):
                record_resources(self.conn, c.url, c.rec["resources"])
        return counts

    def _known_rows(self, keys: list[str]) -> dict[str, tuple]:
        """{url_key: (id, article_id, is_canonical, content_hash)} of the keys archived."""
        out: dict[str, tuple] = {}
        uniq = list(dict.fromkeys(keys))
        for j in range(0, len(uniq), 500):
            part = uniq[j:j + 500]
            for key, *row in self.conn.execute(
                    f"SELECT url_key, id, article_id, is_canonical, content_hash FROM article_urls "
                    f"WHERE url_key IN ({', '.join('?' * len(part))})", part):
                out[key] = tuple(row)
        return out

    def _seen(self, c: Copy, row) -> None:
        url_id, article_id, is_canonical, _ = row
        ex = self.conn.execute
        ex("UPDATE article_urls SET last_seen = ?, clicks = coalesce(?, clicks), refetch = 0 WHERE id = ?",
           (c.fetched_at, c.rec.get("clicks"), url_id))
        if is_canonical:
            ex("UPDATE articles SET last_seen = ?, clicks = coalesce(?, clicks) WHERE id = ?",
               (c.fetched_at, c.rec.get("clicks"), article_id))

    def _add_copy(self, c: Copy, sk) -> str:
        sig, keys = sk if sk is not None else (None, None)
        ex = self.conn.execute
        r = c.rec
        exact = [a for (a,) in ex("SELECT DISTINCT article_id FROM article_urls WHERE body_hash = ?",
                                  (c.body_hash,))] if c.body_hash else []
        new = member(None, r.get("title"), r.get("published_at"), c.body_hash)
        same_title = [a for (a,) in ex(
            "SELECT DISTINCT article_id FROM article_urls WHERE title_key = ? ORDER BY id DESC "
            "LIMIT ?", (new.title_key, TITLE_CANDIDATES))] if self.rule.titles == "same" and new.title_key else []
        match, sim = find_article(self.rule, self.index, new, sig, keys, exact, self.members,
                                  same_title)
        if match is None:
            aid = ex(_INSERT_ARTICLE, (*c.article_values(), c.fetched_at, c.fetched_at,
                                       c.fetched_at)).lastrowid
            self._fts_insert(aid, r.get("title"), r.get("body"))
            self._media(aid, c, replace=False)
        else:
            aid = match
        url_id = ex(_INSERT_URL, (aid, c.url, c.key, r.get("site"), r.get("source"),
                                  r.get("title"), r.get("published_at"), c.fetched_at,
                                  c.fetched_at, int(match is None), sim, int(c.is_repost),
                                  c.content_hash, c.body_hash, r.get("warc_file"),
                                  r.get("warc_offset"), _refs(r), r.get("clicks"),
                                  new.title_key)).lastrowid
        if sig is not None:
            self.index.put(url_id, aid, sig, keys=keys, new=True)
        if match is None:
            return "new"
        ex("UPDATE articles SET group_size = group_size + 1, last_seen = max(last_seen, ?) "
           "WHERE id = ?", (c.fetched_at, aid))
        self._rechoose(aid, url_id, c)
        return "duplicate"

    def _rechoose(self, aid: int, url_id: int, c: Copy) -> None:
        """Copy c (row url_id, not canonical) becomes the record if it now wins the
        canonical rule (dedupe.repost) against the current canonical copy."""
        cur = self.conn.execute("SELECT id, published_at, is_repost FROM article_urls "
                                "WHERE article_id = ? AND is_canonical = 1", (aid,)).fetchone()
        new = {"published_at": c.rec.get("published_at"), "is_repost": c.is_repost}
        if cur is None or new_copy_wins(new, {"published_at": cur[1], "is_repost": cur[2]}):
            self._switch_canonical(aid, url_id, cur[0] if cur else None, c)

    def members(self, article_id: int) -> list[Member]:
        """The copies of an article as the same-article rule sees them."""
        return [member(u, t, p, h) for u, t, p, h in self.conn.execute(
            "SELECT id, title, published_at, body_hash FROM article_urls WHERE article_id = ? "
            "ORDER BY id", (article_id,))]

    def _switch_canonical(self, aid: int, url_id: int, old_url_id, c: Copy) -> None:
        # The new copy becomes the record; the old one stays in article_urls.
        ex = self.conn.execute
        if old_url_id is not None:
            ex("UPDATE article_urls SET is_canonical = 0 WHERE id = ?", (old_url_id,))
        ex("UPDATE article_urls SET is_canonical = 1 WHERE id = ?", (url_id,))
        old = ex("SELECT title, body FROM articles WHERE id = ?", (aid,)).fetchone()
        ex(_UPDATE_ARTICLE, (*c.article_values(), c.fetched_at, c.fetched_at, aid))
        self._fts_replace(aid, old, c)
        self._media(aid, c, replace=True)

    def _update_copy(self, c: Copy, row, sk) -> None:
        sig, keys = sk if sk is not None else (None, None)
        url_id, aid, is_canonical, _ = row
        ex = self.conn.execute
        r = c.rec
        if is_canonical:
            cols = ("version",) + _VERSION_COLS + CONTENT_FIELDS
            cur = ex(f"SELECT {', '.join(dict.fromkeys(c_ for c_ in cols if c_ not in ('attachments', 'images')))} "
                     f"FROM articles WHERE id = ?", (aid,))
            old = dict(zip([d[0] for d in cur.description], cur.fetchone()))
            old["attachments"] = [{"url": u, "text": t} for u, t in ex(
                "SELECT url, text FROM attachments WHERE article_id = ?", (aid,))]
            old["images"] = [{"url": u, "alt": a} for u, a in ex(
                "SELECT url, alt FROM images WHERE article_id = ?", (aid,))]
            changed = [f for f in CONTENT_FIELDS if _norm(old.get(f)) != _norm(r.get(f))]
            vals = [old.get(k) for k in _VERSION_COLS]
            ex(f"INSERT INTO article_versions (article_id, version, changed_fields, "
               f"{', '.join(_VERSION_COLS)}, attachments, images, replaced_at) VALUES "
               f"(?, ?, ?, {', '.join('?' * len(_VERSION_COLS))}, ?, ?, ?)",
               (aid, old["version"], json.dumps(changed), *vals,
                json.dumps(old["attachments"], ensure_ascii=False),
                json.dumps(old["images"], ensure_ascii=False), c.fetched_at))
            # The record keeps its URL (identity), the content is the new capture.
            vals = list(c.article_values())
            vals[0] = ex("SELECT url FROM articles WHERE id = ?", (aid,)).fetchone()[0]
            ex(_UPDATE_ARTICLE, (*vals, c.fetched_at, c.fetched_at, aid))
            ex("UPDATE articles SET version = version + 1 WHERE id = ?", (aid,))
            self._fts_replace(aid, (old["title"], old["body"]), c)
            self._media(aid, c, replace=True)
        ex("UPDATE article_urls SET source = ?, title = ?, published_at = ?, last_seen = ?, "
           "is_repost = ?, content_hash = ?, body_hash = ?, warc_file = ?, warc_offset = ?, "
           "warc_refs = ?, clicks = coalesce(?, clicks), title_key = ?, refetch = 0 WHERE id = ?",
           (r.get("source"), r.get("title"), r.get("published_at"), c.fetched_at,
            int(c.is_repost), c.content_hash, c.body_hash, r.get("warc_file"),
            r.get("warc_offset"), _refs(r), r.get("clicks"), normalise_title(r.get("title")),
            url_id))
        if not is_canonical:        # an edited copy may now be the earliest / the origin
            self._rechoose(aid, url_id, c)
        if sig is not None:
            self.index.put(url_id, aid, sig, keys=keys)

    def _media(self, aid: int, c: Copy, replace: bool) -> None:
        ex = self.conn.execute
        if replace:
            delete_rows(self.conn, aid)
            ex("DELETE FROM images WHERE article_id = ?", (aid,))
        if c.attachments:
            insert_rows(self.conn, aid, [(a["url"], a["text"], attachment_ext(a["url"] or "")) for a in c.attachments])
        if c.images:
            self.conn.executemany("INSERT INTO images (article_id, url, alt) VALUES (?, ?, ?)",
                                  [(aid, i["url"], i["alt"]) for i in c.images])

    def _fts_insert(self, aid: int, title, body) -> None:
        self.conn.execute("INSERT INTO articles_fts (rowid, title, body) VALUES (?, ?, ?)",
                          (aid, bigrams(title), bigrams(body)))

    def _fts_replace(self, aid: int, old, c: Copy) -> None:
        # Contentless FTS5: a delete must repeat the indexed values.
        self.conn.execute("INSERT INTO articles_fts (articles_fts, rowid, title, body) "
                          "VALUES ('delete', ?, ?, ?)", (aid, bigrams(old[0]), bigrams(old[1])))
        self._fts_insert(aid, c.rec.get("title"), c.rec.get("body"))

    # -- reads -------------------------------------------------------------------
    def known_keys(self, site: str | None = None) -> set[str]:
        """Identity keys of every archived URL (copies included): the spider's seen set."""
        return queries.column_set(self.conn, "url_key", site)

    def refetch_urls(self, site: str | None = None) -> list[dict]:
        """URLs whose stored capture was found truncated (`mark_refetch`), with the
        clicks the list gave them: the next crawl fetches them again, whatever its
        incremental rules say. [{url, clicks}]"""
        sql = ("SELECT u.url, a.clicks FROM article_urls u LEFT JOIN articles a ON a.id = u.article_id "
               "WHERE u.refetch = 1" + (" AND u.site = ?" if site else ""))
        return [{"url": r[0], "clicks": r[1]} for r in self.conn.execute(sql + " ORDER BY u.id", (site,) if site else ())]

    def retry_requests(self, site: str) -> list[dict]:
        """What the next crawl of ``site`` asks for again: the requests that failed in the
        last recorded run (articles not archived since, list pages), as {kind, url, meta}."""
        out = []
        for r in queries.retry_requests(self.conn, site):
            if r["kind"] == "article" and self.conn.execute(
                    "SELECT 1 FROM article_urls WHERE url_key = ?", (urls.identity_key(r["url"]),)).fetchone():
                continue
            r["meta"] = json.loads(r.pop("retry_meta") or "{}")
            out.append(r)
        return out

    def last_run_unfinished(self, sites: list[str]) -> bool:
        """True if the newest run that crawled any of ``sites`` did not finish normally."""
        for r in self.conn.execute("SELECT sites, finish_reason FROM crawl_runs ORDER BY id DESC"):
            if set(json.loads(r[0] or "[]")) & set(sites):
                return r[1] != "finished"
        return False

    def mark_refetch(self, urls_: list[str]) -> int:
        """Flag archived URLs to be fetched again by the next crawl; returns how many."""
        keys = [(urls.identity_key(u),) for u in urls_]
        cur = self.conn.executemany("UPDATE article_urls SET refetch = 1 WHERE url_key = ?", keys)
        return cur.rowcount

    def failed_requests(self, run_id: int) -> list[dict]:
        """Requests of run ``run_id`` that failed after their retries: [{site, url, error}]."""
        return queries.failed_requests(self.conn, run_id)

    def known_urls(self, site: str | None = None) -> set[str]:
        """Canonical URLs of every archived URL (copies included)."""
        return queries.column_set(self.conn, "url", site)

    def article_by_url(self, url: str) -> dict | None:
        return queries.article_by_key(self.conn, urls.identity_key(url))

    def runs(self, n: int = 10) -> list[dict]:
        """The ``n`` most recent crawl runs, newest first (rows of ``crawl_runs``)."""
        return queries.recent_runs(self.conn, n)

    # -- the analyst's and archivist's verbs (the CLI commands call these) ----------
    def export(self, out, fmt: str = "jsonl", *, filters=None, with_: tuple[str, ...] = (), bom: bool = False,
               **filter_kw) -> dict:
        """Write the selected records to ``out`` (a path, a binary stream, or None for
        stdout) as ``jsonl``, ``csv`` or ``parquet`` (store/export.py); ``filters`` is an
        ``export.Filters`` or its fields as keywords (``sites=["wuhan"], since="2021"``).
        Returns {"articles": n, <side table>: n, "files": [paths written]}."""
        from portal_crawler.store.export import Filters, export
        return export(self.conn, out, fmt, filters=filters or Filters(**filter_kw), with_=with_, bom=bom)

    def reparse(self, registry=None, *, site: str | None = None) -> dict:
        """Re-extract every article from its stored WARC captures and update the changed
        records (store/reparse.py); ``registry`` gives per-site rules (default: the
        network's). Returns {checked, updated, unchanged, missing, truncated}."""
        from portal_crawler.store.reparse import reparse_archive
        return reparse_archive(self, self.path, registry or _default_registry(), site=site)

    def recheck(self, registry=None, *, dry_run: bool = False) -> dict:
        """Re-apply the same-article rule to the archive's duplicate groups and split
        those it would not make (store/recheck.py); returns the summary counts."""
        from portal_crawler.store.recheck import recheck_archive
        return recheck_archive(self, self.path, registry or _default_registry(), dry_run=dry_run)

    def unknown_sites(self, keys, known=()) -> list[str]:
        """The ``keys`` that name no site: neither one of the network's registry (nor of
        ``known``, e.g. a sites file's keys) nor one this archive holds. Commands
        refuse them (``--site nosuchsite`` is a typo, never an empty answer)."""
        from portal_crawler.sites import registry
        names = set(registry.load().sites) | set(known)
        rest = [k for k in keys if k not in names]
        if rest:
            held = queries.archived_sites(self.conn)
            rest = [k for k in rest if k not in held]
        return rest

    def site_summary(self) -> list[dict]:
        return queries.site_summary(self.conn)

    def site_counts(self) -> list[dict]:
        return queries.site_counts(self.conn)

    def dupe_groups(self, site: str | None = None) -> list[dict]:
        return queries.dupe_groups(self.conn, site)

    def search(self, q: str, *, site: str | None = None, channel: str | None = None,
               since: str | None = None, until: str | None = None, sort: str = "relevance",
               limit: int = 20, offset: int = 0, in_: str = "articles") -> SearchResult:
        """Full-text search, exact (store/search.py has the syntax): `total` counts all
        hits, iterating gives this page of them, best first (or newest with
        sort="date"), each {id, url, site, channel, title, published_at, score,
        snippet, snippet_hit}.  A bad query raises search.QueryError.

            ar.search("疫情").total
            [h["title"] for h in ar.search('title:"专精特新" -融资', site="harbin")]
            ar.search("疫情 OR 融资", since="2021-01-01", sort="date", limit=50)
            ar.search("申报", in_="attachments")   # file text and link text; hits name
                                                   # their article (article_url, article_title)
        """
        return _search(self.conn, q, site=site, channel=channel, since=since, until=until,
                       sort=sort, limit=limit, offset=offset, in_=in_)

    def counts(self) -> dict:
        return queries.table_counts(self.conn)


def _default_registry():
    from portal_crawler.sites import registry
    return registry.load()


def _refs(rec: dict) -> str | None:
    refs = rec.get("warc_refs")
    return json.dumps(refs) if refs is not None else None


def _norm(v):
    if isinstance(v, str):
        return " ".join(v.split()) or None
    if isinstance(v, list):
        return json.dumps(v, ensure_ascii=False, sort_keys=True)
    return v
