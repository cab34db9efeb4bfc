"""SQLite schema of the archive: ordered migrations, version in user_version + meta.

The schema is a public contract (docs/schema.md): add columns and tables
with new migrations at the end of MIGRATIONS, never edit a released step.
"""
from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from portal_crawler.dedupe.normalise import normalise_title
from portal_crawler.extract.fields import authorship, page_type
from portal_crawler.store.fts import index_text
from portal_crawler.store.neardup import BANDS, band_key_of

__all__ = ["MIGRATIONS", "SCHEMA_VERSION", "migrate", "connect"]

_V1 = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);

CREATE TABLE articles (
  id INTEGER PRIMARY KEY,
  url TEXT UNIQUE,            -- canonical URL of the canonical copy
  url_key TEXT,               -- urls.identity_key of that URL
  site TEXT, channel TEXT, breadcrumb TEXT, title TEXT,
  published_at TEXT, published_raw TEXT, date_flag TEXT,
  source TEXT, author TEXT, editor TEXT, reviewer TEXT,
  description TEXT, body TEXT,
  clicks INTEGER, pages INTEGER, extractor TEXT,
  content_hash TEXT,          -- change detector over the content fields
  body_hash TEXT,             -- exact content identity (normalised body)
  is_repost INTEGER,          -- the canonical copy names another origin
  warc_file TEXT, warc_offset INTEGER,
  warc_refs TEXT,             -- JSON [[file, offset], ...] for all pages
  first_seen TEXT, last_seen TEXT, updated_at TEXT,
  version INTEGER NOT NULL DEFAULT 1,
  group_size INTEGER NOT NULL DEFAULT 1   -- number of URLs (copies) of the article
);
CREATE INDEX articles_site ON articles(site, channel);
CREATE INDEX articles_published ON articles(published_at);
CREATE INDEX articles_content_hash ON articles(content_hash);
CREATE INDEX articles_body_hash ON articles(body_hash);

CREATE TABLE article_urls (
  id INTEGER PRIMARY KEY,
  article_id INTEGER NOT NULL REFERENCES articles(id),
  url TEXT NOT NULL,
  url_key TEXT NOT NULL UNIQUE,
  site TEXT,
  source TEXT,                -- the 来源 line of this copy
  title TEXT,                 -- the title of this copy
  published_at TEXT,
  first_seen TEXT, last_seen TEXT,
  is_canonical INTEGER NOT NULL DEFAULT 0,
  similarity REAL,            -- to the article when it joined (1.0 exact, NULL first copy)
  is_repost INTEGER,
  content_hash TEXT, body_hash TEXT,
  warc_file TEXT, warc_offset INTEGER
);
CREATE INDEX article_urls_article ON article_urls(article_id);
CREATE INDEX article_urls_body_hash ON article_urls(body_hash);
CREATE INDEX article_urls_site ON article_urls(site);

CREATE TABLE article_versions (
  id INTEGER PRIMARY KEY,
  article_id INTEGER NOT NULL REFERENCES articles(id),
  version INTEGER NOT NULL,   -- the version these values were
  changed_fields TEXT,        -- JSON list of field names changed by the next version
  url TEXT, title TEXT, published_at TEXT, date_flag TEXT, source TEXT, author TEXT,
  editor TEXT, reviewer TEXT, channel TEXT, breadcrumb TEXT, description TEXT,
  body TEXT, pages INTEGER, attachments TEXT, images TEXT,
  content_hash TEXT, warc_file TEXT, warc_offset INTEGER,
  replaced_at TEXT
);
CREATE INDEX article_versions_article ON article_versions(article_id, version);

CREATE TABLE attachments (
  article_id INTEGER NOT NULL REFERENCES articles(id),
  url TEXT, text TEXT, ext TEXT
);
CREATE INDEX attachments_article ON attachments(article_id);
CREATE TABLE images (
  article_id INTEGER NOT NULL REFERENCES articles(id),
  url TEXT, alt TEXT
);
CREATE INDEX images_article ON images(article_id);

CREATE TABLE crawl_runs (
  id INTEGER PRIMARY KEY,
  started_at TEXT, finished_at TEXT,
  sites TEXT, args TEXT,                  -- JSON
  requests INTEGER, responses TEXT,       -- responses: JSON {status: count}
  new_articles INTEGER DEFAULT 0, updated_articles INTEGER DEFAULT 0,
  unchanged_articles INTEGER DEFAULT 0, duplicate_articles INTEGER DEFAULT 0,
  errors INTEGER, finish_reason TEXT,
  per_site TEXT, drift TEXT               -- JSON
);

-- MinHash signature of every copy (article_urls row): the near-duplicate index is
-- rebuilt from these at open.
CREATE TABLE dedupe_minhash (
  url_id INTEGER PRIMARY KEY REFERENCES article_urls(id),
  article_id INTEGER NOT NULL,
  sig BLOB NOT NULL
);

-- Full-text search over CJK character bigrams (computed in Python, see fts.py):
-- finds two-character words, which the trigram tokenizer cannot.  Contentless and
-- detail=none (a quarter of the size, faster inserts): longer words are matched as
-- all their bigrams and then checked as substrings of the record (Archive.search).
CREATE VIRTUAL TABLE articles_fts USING fts5(
  title, body, content='', detail=none, tokenize='unicode61 remove_diacritics 0'
);
"""

# v2: the FTS index keeps positions (detail=full) and every Chinese character starts a
# token (store/fts.py), so 1-character words and longer words are answered exactly
# by the index, phrases included.  Rebuilt from the articles with the same Python
# tokenizer, registered on every connection as fts_index_text().
_V2 = """
DROP TABLE articles_fts;
CREATE VIRTUAL TABLE articles_fts USING fts5(
  title, body, content='', tokenize='unicode61 remove_diacritics 0'
);
INSERT INTO articles_fts (rowid, title, body)
  SELECT id, fts_index_text(title), fts_index_text(body) FROM articles;
"""

# v3 (issue 10): the same-article rule (dedupe.rule).  Copies are found by their
# normalised title too (title_key, computed by the SQL function connect() registers).
# Every copy keeps what is needed
# to make it an article of its own again when a group is split (`dedupe --recheck`):
# its page captures and its click count.  `meta.dedupe_rule` names the rule the groups
# were made by; archives written before v3 were grouped by body similarity alone.
_V3 = """
ALTER TABLE article_urls ADD COLUMN warc_refs TEXT;   -- JSON [[file, offset], ...] of this copy
ALTER TABLE article_urls ADD COLUMN clicks INTEGER;   -- this copy's click count
ALTER TABLE article_urls ADD COLUMN title_key TEXT;   -- dedupe.normalise_title(title)
UPDATE article_urls SET title_key = normalise_title(title);
CREATE INDEX article_urls_title_key ON article_urls(title_key);
UPDATE article_urls SET warc_refs = (SELECT a.warc_refs FROM articles a
  WHERE a.id = article_urls.article_id) WHERE is_canonical = 1;
UPDATE article_urls SET clicks = (SELECT a.clicks FROM articles a
  WHERE a.id = article_urls.article_id) WHERE is_canonical = 1;
INSERT OR REPLACE INTO meta (key, value) SELECT 'dedupe_rule', 'body-only'
  WHERE EXISTS (SELECT 1 FROM article_urls);
"""

# The backfill frontier (README "Incremental crawls"): per site and channel list, how
# far back the list is known to hold only archived articles, counted from the head it
# had when that walk began, and whether it was walked to its last page once. Until it
# was, crawls keep paging past archived articles; after that, stop-at-known applies
# once a crawl reaches that head again.
_V_FRONTIER = """
CREATE TABLE list_frontier (
  site TEXT NOT NULL,
  channel_url TEXT NOT NULL,  -- canonical URL of the channel's first list page
  channel TEXT,               -- its name (nav label)
  head_keys TEXT,             -- JSON identity keys of the last entries of page 1, then
  head_date TEXT,             -- the list date of the last of them
  pages INTEGER NOT NULL DEFAULT 0,   -- list pages 1..pages from that head: all archived
  resume_url TEXT,            -- URL of page `pages` (where the next walk resumes)
  oldest_date TEXT,           -- oldest list date on those pages
  complete INTEGER NOT NULL DEFAULT 0,  -- walked to its last page once
  completed_at TEXT, updated_at TEXT, run_id INTEGER,
  PRIMARY KEY (site, channel_url)
);
"""


# Reliability (docs/operators.md "Reliability"): requests that failed after their retries, by run,
# site and URL (`stats` lists them, the next crawl asks for them again); and copies
# whose stored capture was found truncated, fetched again by the next crawl.
_V_FAILURES = """
CREATE TABLE crawl_errors (
  id INTEGER PRIMARY KEY,
  run_id INTEGER NOT NULL REFERENCES crawl_runs(id),
  site TEXT, url TEXT NOT NULL,
  kind TEXT,                  -- what was asked for: article, list, home, other
  retry_url TEXT,             -- what the next crawl asks for again (an article's first page)
  retry_meta TEXT,            -- JSON: what the list said of it (clicks, date, channel)
  error TEXT                  -- one line: HTTP status, exception, "truncated response"
);
CREATE INDEX crawl_errors_run ON crawl_errors(run_id, site);
ALTER TABLE article_urls ADD COLUMN refetch INTEGER NOT NULL DEFAULT 0;
"""

# v8: attachments as captured files (issue 25, store/attachments.py): the table gets an id
# (the FTS rowid must survive VACUUM), what an archivist checks of each capture, and its
# text; attachments_fts indexes link text and file text with the articles' tokenizer.
_V_FILES = """
CREATE TABLE attachments_v2 (
  id INTEGER PRIMARY KEY,
  article_id INTEGER NOT NULL REFERENCES articles(id),
  url TEXT, text TEXT, ext TEXT,
  fetch TEXT,                 -- ok, http_error, too_large, skipped, offsite, failed; NULL: not fetched
  status INTEGER,             -- HTTP status of the capture
  content_type TEXT,          -- as the server said it
  size INTEGER,               -- bytes fetched (too_large: as announced)
  sha256 TEXT,                -- hex SHA-256 of the payload
  warc_file TEXT, warc_offset INTEGER,
  reason TEXT,                -- why it was skipped or failed
  format TEXT,                -- what the bytes are (files/sniff.py): pdf, docx, xlsx, ofd, ole, zip ...
  text_status TEXT,           -- ok, empty, no_text_layer, unsupported, too_large, timeout, memory_limit, zip_bomb, error: ...
  body TEXT,                  -- the file's plain text (NULL unless text_status is ok)
  fetched_at TEXT
);
INSERT INTO attachments_v2 (article_id, url, text, ext)
  SELECT article_id, url, text, ext FROM attachments ORDER BY rowid;
DROP TABLE attachments;
ALTER TABLE attachments_v2 RENAME TO attachments;
CREATE INDEX attachments_article ON attachments(article_id);
CREATE INDEX attachments_url ON attachments(url);
CREATE VIRTUAL TABLE attachments_fts USING fts5(
  title, body, content='', tokenize='unicode61 remove_diacritics 0'
);
INSERT INTO attachments_fts (rowid, title, body)
  SELECT id, fts_index_text(text), '' FROM attachments;
CREATE TABLE resources (
  url TEXT PRIMARY KEY,       -- an image or stylesheet an article page loads
  page_url TEXT,              -- the article it was first captured for
  fetch TEXT, status INTEGER, content_type TEXT, size INTEGER, sha256 TEXT,
  warc_file TEXT, warc_offset INTEGER,   -- its capture (for a revisit: the original's)
  revisit INTEGER,            -- 1: the payload was archived under another URL (WARC revisit record)
  reason TEXT, fetched_at TEXT
);
"""


# v6 (issue 21): record fields derived from the author and the page (record.py):
# authors (JSON list of names), author_kind (person / organisation), page_type (news /
# notice / reprint ... on template pages).  Existing rows get them from their stored
# columns by the extractor's own derivation (extract.fields.authorship / page_type,
# registered on every connection), so an old archive reads like a new one.
_V_AUTHORS = """
ALTER TABLE articles ADD COLUMN authors TEXT;       -- JSON list of the author's names
ALTER TABLE articles ADD COLUMN author_kind TEXT;   -- person / organisation / NULL
ALTER TABLE articles ADD COLUMN page_type TEXT;     -- news / notice / blog / forum / reprint / NULL
UPDATE articles SET authors = author_names_json(author), author_kind = author_kind_of(author),
  page_type = page_type_of(extractor, channel, title, body);
"""


# Monitors (docs/operators.md "Monitors"): field coverage of each run's new records per site and
# channel (the site's own history the next runs are compared with), the run's findings,
# and URLs re-queued by a repair (`dedupe --recheck` removing rows made of block pages):
# the next crawl of the site asks for them like the last run's failed requests.
_V_MONITORS = """
CREATE TABLE run_coverage (
  run_id INTEGER NOT NULL REFERENCES crawl_runs(id),
  site TEXT NOT NULL,
  channel TEXT NOT NULL DEFAULT '',   -- '' = the whole site
  records INTEGER NOT NULL,           -- new records of the run
  title INTEGER, published_at INTEGER, source INTEGER, author INTEGER, editor INTEGER,
  body INTEGER,                       -- records with the field (body: at least N characters)
  PRIMARY KEY (run_id, site, channel)
);
ALTER TABLE crawl_runs ADD COLUMN findings TEXT;   -- JSON [{kind, site, channel, field, message}]
CREATE TABLE requeue (
  url TEXT PRIMARY KEY,
  site TEXT, kind TEXT,               -- kind: article or list, as crawl_errors.kind
  retry_meta TEXT,                    -- JSON: what the list had said of it (clicks)
  reason TEXT, added_at TEXT
);
"""

# v9: files re-checked on a re-crawl (issue 25, crawler/files.py): each capture's validators
# (the server's ETag and Last-Modified, sent back as If-None-Match / If-Modified-Since)
# and when it was last found unchanged; an attachment whose content changed keeps its
# earlier captures in attachment_captures (the WARC keeps their bytes).
_V_RECHECK = """
ALTER TABLE attachments ADD COLUMN etag TEXT;
ALTER TABLE attachments ADD COLUMN last_modified TEXT;
ALTER TABLE attachments ADD COLUMN checked_at TEXT;   -- last re-check that found it unchanged
ALTER TABLE resources ADD COLUMN etag TEXT;
ALTER TABLE resources ADD COLUMN last_modified TEXT;
ALTER TABLE resources ADD COLUMN checked_at TEXT;
CREATE TABLE attachment_captures (
  url TEXT NOT NULL,          -- an attachment URL whose content has changed since
  sha256 TEXT NOT NULL,       -- that earlier capture's payload
  status INTEGER, content_type TEXT, size INTEGER,
  warc_file TEXT, warc_offset INTEGER,
  format TEXT, text_status TEXT, body TEXT,
  etag TEXT, last_modified TEXT,
  fetched_at TEXT,            -- when it was captured
  replaced_at TEXT,           -- when a re-check found other content
  PRIMARY KEY (url, sha256)
);
"""

# v10 (issue 19): the near-duplicate index on disk (store/neardup.py): the 64 LSH band keys
# of every stored signature, looked up by key, so the archive writer no longer holds an
# index of the whole archive in memory (two levels: the latest copies, listed in
# dedupe_bands_recent, are merged into dedupe_bands in key order). Built from the stored signatures, sorted (one
# pass of SQLite's sorter, then appends), with the one definition of a band key
# (dedupe.index.Banding, registered as dedupe_band_key()).
_V_BANDS = f"""
CREATE TABLE dedupe_bands (
  band_key INTEGER NOT NULL,  -- an LSH band key of the copy's MinHash signature (signed 32-bit)
  url_id INTEGER NOT NULL,    -- the copy (article_urls.id; its signature: dedupe_minhash)
  PRIMARY KEY (band_key, url_id)
) WITHOUT ROWID;
CREATE TABLE dedupe_bands_recent (  -- the latest copies, whose band rows are not in dedupe_bands yet
  url_id INTEGER PRIMARY KEY         -- the copy (its keys: from its signature in dedupe_minhash)
);
WITH RECURSIVE band(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM band WHERE i < {BANDS - 1})
INSERT OR IGNORE INTO dedupe_bands (band_key, url_id)
  SELECT dedupe_band_key(m.sig, band.i), m.url_id FROM dedupe_minhash m CROSS JOIN band
  ORDER BY 1, 2;
"""

MIGRATIONS: list[str] = [_V1, _V2, _V3, _V_FRONTIER, _V_FAILURES, _V_AUTHORS, _V_MONITORS, _V_FILES,
                         _V_RECHECK, _V_BANDS]
SCHEMA_VERSION = len(MIGRATIONS)


BUSY_TIMEOUT = 10.0  # seconds a write waits for another program's write lock


def connect(path: str, busy_timeout: float = BUSY_TIMEOUT) -> sqlite3.Connection:
    # Autocommit mode: transactions are explicit (BEGIN/COMMIT) in the archive.
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA foreign_keys=OFF")
    conn.execute(f"PRAGMA busy_timeout={int(busy_timeout * 1000)}")
    conn.create_function("fts_index_text", 1, index_text, deterministic=True)
    # One definition of the title normalisation, for SQL too (migration v3).
    conn.create_function("normalise_title", 1, normalise_title, deterministic=True)
    # ... and of the derived record fields (migration v6)
    conn.create_function("author_names_json", 1, _author_names_json, deterministic=True)
    conn.create_function("author_kind_of", 1, lambda a: authorship(a)["author_kind"], deterministic=True)
    conn.create_function("page_type_of", 4, _page_type_of, deterministic=True)
    # ... and of an LSH band key (migration v10)
    conn.create_function("dedupe_band_key", 2, band_key_of, deterministic=True)
    return conn


def _author_names_json(author):
    return json.dumps(authorship(author)["authors"], ensure_ascii=False)


# extractors whose records carry a page type (the generic one sets its own)
_TYPED = ("dedecms", "trs", "override")


def _page_type_of(extractor, channel, title, body):
    return page_type(channel, title, body) if extractor in _TYPED else None


def describe(path, e: BaseException) -> str:
    """One line for an SQLite failure on the archive at ``path``."""
    msg = str(e) or type(e).__name__
    hint = {"database is locked": "another program holds a write lock on it",
            "database or disk is full": "the disk is full",
            "file is not a database": "not an SQLite archive",
            "database disk image is malformed": "the file is corrupt",
            "attempt to write a readonly database": "it is read-only",
            "unable to open database file": "cannot open it (missing directory or no permission)"}
    why = next((h for k, h in hint.items() if k in msg), None)
    return f"archive {path}: {msg}" + (f" ({why})" if why else "")


def connect_readonly(path: str) -> sqlite3.Connection:
    """Open for reading only, never writing (no WAL switch, no migration).

    ``mode=ro`` first; on media where SQLite cannot even create the WAL index (a
    read-only folder), ``immutable=1``, which is right there since nobody can write.
    """
    from urllib.parse import quote
    uri = "file:" + quote(str(Path(path).resolve()))
    try:
        conn = sqlite3.connect(uri + "?mode=ro", uri=True, isolation_level=None, check_same_thread=False)
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.OperationalError:
        conn = sqlite3.connect(uri + "?immutable=1", uri=True, isolation_level=None, check_same_thread=False)
    conn.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT * 1000)}")
    return conn


def check_version(conn: sqlite3.Connection) -> int:
    """The archive's schema version; an error when it is not one this code reads."""
    current = conn.execute("PRAGMA user_version").fetchone()[0]
    names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    if "articles" not in names or current == 0:
        raise sqlite3.DatabaseError("no articles table")
    if current != len(MIGRATIONS):
        raise sqlite3.DatabaseError(
            f"schema v{current}, this code reads v{len(MIGRATIONS)}; open it once for writing to migrate")
    return current


def migrate(conn: sqlite3.Connection) -> int:
    """Apply the missing migrations, each in its own transaction; return the version."""
    target = len(MIGRATIONS)
    current = conn.execute("PRAGMA user_version").fetchone()[0]
    if current > target:
        raise RuntimeError(f"archive schema v{current} is newer than this code (v{target})")
    for version in range(current + 1, target + 1):
        conn.execute("BEGIN IMMEDIATE")
        try:
            for stmt in _split(MIGRATIONS[version - 1]):
                conn.execute(stmt)
            conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('schema_version', ?)",
                         (str(version),))
            conn.execute(f"PRAGMA user_version = {version}")
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:  # SQLite already rolled back on a full disk
                conn.execute("ROLLBACK")
            raise
    return target


def _split(script: str) -> list[str]:
    """Statements of a migration script (executescript would commit on its own)."""
    out, buf = [], []
    for line in script.splitlines():
        buf.append(line)
        chunk = "\n".join(buf)
        if sqlite3.complete_statement(chunk):
            if chunk.strip():
                out.append(chunk.strip())
            buf = []
    return out
