"""The archive's public contract in words: what each table and column means.

One definition, read by the Datasette metadata (serve/metadata.py) and checked
against the live schema and docs/schema.md by
tests/test_serve.py (a column added without a description fails there). The article
record's columns take their words from record.py, the one definition of its fields.
"""
from __future__ import annotations

from portal_crawler.record import FIELD_DOCS

__all__ = ["TABLES"]

# The record's own columns are described once, in record.py (FIELD_DOCS); the archive
# only adds how it stores them (NULL for None, JSON for lists, the schema version that
# added a column). Columns that are the archive's own are worded here.
_STORAGE = {
    "url": "here the canonical copy's; unique",
    "published_at": "NULL when date_flag is set",
    "authors": "stored as JSON; schema v6",
    "author_kind": "schema v6",
    "page_type": "schema v6",
    "attachments": "stored as JSON",
    "images": "stored as JSON",
}


def _record(name: str, then: bool = False) -> str:
    """A record column's description: record.py's doc (None is NULL in the archive) plus
    how the archive stores it; `then`: an earlier version's value (article_versions)."""
    doc = FIELD_DOCS[name].replace("None", "NULL")
    note = _STORAGE.get(name) if not (then and name == "url") else None
    doc = f"{doc} ({note})" if note else doc
    return f"That version's value: {doc}." if then else f"{doc}."


def _records(*names: str, then: bool = False) -> dict[str, str]:
    return {n: _record(n, then) for n in names}


# table -> (description, {column: description})
TABLES: dict[str, tuple[str, dict[str, str]]] = {
    "articles": (
        "One row per distinct article: reposts and duplicate URLs are one row "
        "(their copies are in article_urls).", {
            "id": "Integer primary key.",
            **_records("url", "site", "channel", "breadcrumb", "title", "published_at",
                       "published_raw", "date_flag", "source", "author", "authors",
                       "author_kind", "editor", "reviewer", "page_type", "description",
                       "body", "clicks", "pages", "extractor"),
            "url_key": "Identity key of that URL (http/https, www., index.html, page k of a "
                       "multi-page article... map to one key).",
            "content_hash": "Change detector over the content fields.",
            "body_hash": "Exact content identity (hash of the normalised body).",
            "is_repost": "1 when the canonical copy names another origin (转自 note, 来源 "
                         "of another site or paper).",
            "warc_file": "WARC file holding the capture of page 1 (see the capture link).",
            "warc_offset": "Offset of that capture's record in the WARC file.",
            "warc_refs": "JSON [[file, offset], ...]: the capture of every page.",
            "first_seen": "When the article was first archived.",
            "last_seen": "When any crawl last saw it.",
            "updated_at": "When the record last changed.",
            "version": "Version of the record, from 1; earlier ones are in article_versions.",
            "group_size": "Number of URLs (copies) of the article.",
        }),
    "article_urls": (
        "Every URL an article was seen at, with that copy's own 来源 and title: the "
        "provenance of reposts is never lost.", {
            "id": "Integer primary key.",
            "article_id": "The article (articles.id) this URL is a copy of.",
            "url": "Canonical URL of this copy.",
            "url_key": "Identity key of the URL (unique).",
            "site": "Site key of this copy.",
            "source": "The 来源 line of this copy.",
            "title": "The title of this copy.",
            "published_at": "This copy's publication time (ISO 8601).",
            "first_seen": "When this URL was first archived.",
            "last_seen": "When a crawl last saw this URL.",
            "is_canonical": "1 for the copy the articles row is (the earliest published; "
                            "on a tie the origin).",
            "similarity": "Similarity to the article when this copy joined (1.0 exact, NULL "
                          "for the first copy).",
            "is_repost": "1 when this copy names another origin.",
            "content_hash": "Change detector of this copy.",
            "body_hash": "Exact content identity of this copy.",
            "warc_file": "WARC file holding this copy's capture.",
            "warc_offset": "Offset of the capture in the WARC file.",
            "warc_refs": "JSON [[file, offset], ...]: this copy's captures, every page "
                         "(schema v3).",
            "clicks": "This copy's click count (schema v3).",
            "title_key": "This copy's normalised title, used by the same-article rule "
                         "(schema v3).",
            "refetch": "1 when the stored capture was found truncated (reparse): the next "
                       "crawl fetches this URL again.",
        }),
    "article_versions": (
        "Each earlier version of an edited article (the current one is in articles).", {
            "id": "Integer primary key.",
            "article_id": "The article (articles.id).",
            "version": "The version these values were.",
            "changed_fields": "JSON list of the fields the next version changed.",
            **_records("url", "title", "published_at", "date_flag", "source", "author",
                       "editor", "reviewer", "channel", "breadcrumb", "description", "body",
                       "pages", "attachments", "images", then=True),
            "content_hash": "Change detector of that version.",
            "warc_file": "WARC file holding that version's capture.",
            "warc_offset": "Offset of that capture.",
            "replaced_at": "When the next version replaced it.",
        }),
    "attachments": (
        "Files linked from an article's body (pdf, doc(x), xls(x), ofd, wps, zip, ...), their "
        "capture (downloaded once per archive, re-checked conditionally) and their text.", {
            "id": "Integer primary key (the rowid of attachments_fts).",
            "article_id": "The article (articles.id).",
            "url": "Absolute URL of the file.",
            "text": "The link text.",
            "ext": "File extension.",
            "fetch": "Outcome of the fetch: ok, http_error, too_large, skipped (robots.txt), offsite, "
                     "failed (asked again by the next crawl); NULL when not fetched.",
            "status": "HTTP status of the capture.",
            "content_type": "Content-Type the server sent (servers lie: see format).",
            "size": "Bytes fetched; for too_large the size the server announced.",
            "sha256": "Hex SHA-256 of the file's bytes.",
            "warc_file": "WARC file holding the file's capture.",
            "warc_offset": "Offset of that record in the WARC file.",
            "reason": "Why the file was skipped or failed.",
            "format": "What the bytes are: pdf, docx, xlsx, ofd, doc, xls (by their OLE streams), wps, zip, html, unknown.",
            "text_status": "ok, empty, no_text_layer (a scanned PDF: no text to read), unsupported "
                           "(kept as a file only), too_large, timeout, memory_limit, zip_bomb, error: ...",
            "body": "The file's plain text (NULL unless text_status is ok).",
            "fetched_at": "When the file was fetched (UTC).",
            "etag": "ETag the server sent with the capture (a re-crawl's If-None-Match).",
            "last_modified": "Last-Modified the server sent with it (a re-crawl's If-Modified-Since).",
            "checked_at": "When a re-crawl last found the file unchanged (a 304, or the same SHA-256).",
        }),
    "attachment_captures": (
        "Earlier captures of attachments whose content has changed since: the attachments "
        "rows hold the newest; the WARC keeps every capture's bytes.", {
            "url": "Absolute URL of the file.",
            "sha256": "Hex SHA-256 of that earlier capture's bytes.",
            "status": "HTTP status of that capture.",
            "content_type": "Content-Type the server sent then.",
            "size": "Bytes of that capture.",
            "warc_file": "WARC file holding that capture.",
            "warc_offset": "Offset of that record in the WARC file.",
            "format": "What those bytes were (see attachments.format).",
            "text_status": "How its text was read (see attachments.text_status).",
            "body": "Its plain text then.",
            "etag": "ETag the server sent then.",
            "last_modified": "Last-Modified the server sent then.",
            "fetched_at": "When that capture was fetched (UTC).",
            "replaced_at": "When a re-crawl found other content at the URL.",
        }),
    "resources": (
        "Page resources (the images and stylesheets an article page loads), each captured "
        "once per archive so that a replay shows the page as it looked.", {
            "url": "Absolute URL of the image or stylesheet (primary key).",
            "page_url": "The article it was first captured for.",
            "fetch": "Outcome: ok, http_error, too_large, skipped, failed (asked again by the next crawl).",
            "status": "HTTP status of the capture.",
            "content_type": "Content-Type the server sent.",
            "size": "Bytes fetched.",
            "sha256": "Hex SHA-256 of the payload.",
            "warc_file": "WARC file of its capture (for a revisit: of the original capture).",
            "warc_offset": "Offset of that response record.",
            "revisit": "1 when the same payload was already archived under another URL "
                       "(the WARC holds a revisit record).",
            "reason": "Why it was skipped or failed.",
            "fetched_at": "When it was fetched (UTC).",
            "etag": "ETag the server sent with the capture (a re-crawl's If-None-Match).",
            "last_modified": "Last-Modified the server sent with it (a re-crawl's If-Modified-Since).",
            "checked_at": "When a re-crawl last found it unchanged.",
        }),
    "images": (
        "Images of an article's body.", {
            "article_id": "The article (articles.id).",
            "url": "Absolute URL of the image.",
            "alt": "The alt text.",
        }),
    "crawl_runs": (
        "One row per crawl: what it fetched and found.", {
            "id": "Integer primary key.",
            "started_at": "When the crawl started.",
            "finished_at": "When it ended (NULL while running or when killed).",
            "sites": "JSON list of the site keys crawled.",
            "args": "JSON of the crawl's options.",
            "requests": "Requests made.",
            "responses": "JSON {status: count}.",
            "new_articles": "Articles added.",
            "updated_articles": "Articles whose content changed (a new version).",
            "unchanged_articles": "Articles seen again unchanged.",
            "duplicate_articles": "New URLs that were copies of archived articles.",
            "errors": "Requests that failed after retries.",
            "finish_reason": "Scrapy's finish reason (finished, shutdown, ...), or archive_error "
                             "when the archive could not be written (exit 6); NULL when killed.",
            "per_site": "JSON per site: requests by status, list pages, articles, "
                        "new/updated/..., errors, friend links, channels found, limits hit "
                        "(limits/<name>, limit_urls/<name>).",
            "drift": "JSON of template-drift counts per site (see the drift warnings "
                     "query).",
            "findings": "JSON list of the monitors' findings [{kind, site, channel, field, "
                        "message}]: coverage, no_new_articles, blocked, template (exit 7).",
        }),
    "run_coverage": (
        "Field coverage of each run's new records per site and channel: the history the "
        "monitors compare the next runs with.", {
            "run_id": "The run (crawl_runs.id).",
            "site": "Site key.",
            "channel": "Channel name; '' for the whole site.",
            "records": "New records of the run.",
            "title": "Of them, records with a title.",
            "published_at": "Records with a date.",
            "source": "Records with a 来源.",
            "author": "Records with an author.",
            "editor": "Records with an editor.",
            "body": "Records with a body of at least body_min_chars characters.",
        }),
    "requeue": (
        "URLs re-queued by a repair (dedupe --recheck removing articles made of block "
        "pages): the next crawl of the site asks for them.", {
            "url": "The URL (primary key).",
            "site": "Site key.",
            "kind": "What it is: article or list.",
            "retry_meta": "JSON of what the list had said of it (clicks).",
            "reason": "Why it was re-queued.",
            "added_at": "When.",
        }),
    "crawl_errors": (
        "Every request of a run that failed after its retries (exit 1); the next crawl "
        "asks for it again.", {
            "id": "Integer primary key.",
            "run_id": "The run (crawl_runs.id).",
            "site": "Site key.",
            "url": "The URL that failed.",
            "kind": "What was asked for: article, list, home or other.",
            "retry_url": "What the next crawl asks for again (an article's first page).",
            "retry_meta": "JSON of what the list said of it (clicks, date, channel).",
            "error": "One line: HTTP status, exception, truncated response, error page.",
        }),
    "list_frontier": (
        "The backfill frontier of each channel list: how far back it holds only archived "
        "articles, and whether it was walked to its last page once.", {
            "site": "Site key.",
            "channel_url": "Canonical URL of the channel's first list page.",
            "channel": "The channel's name (nav label).",
            "head_keys": "JSON identity keys of the last entries of page 1 when the walk "
                         "began (where a later crawl meets it again).",
            "head_date": "The list date of the last of them.",
            "pages": "List pages 1..pages, counted from that head, hold only archived "
                     "articles.",
            "resume_url": "URL of page `pages` (where the next walk resumes).",
            "oldest_date": "The oldest list date on those pages.",
            "complete": "1 once the list was walked to its last page: then crawls stop at "
                        "known articles.",
            "completed_at": "When it became complete.",
            "updated_at": "When this row was last written.",
            "run_id": "The crawl run (crawl_runs.id) that wrote it.",
        }),
    "dedupe_minhash": (
        "MinHash signature of every copy: read for the candidates dedupe_bands finds, "
        "to verify their similarity.", {
            "url_id": "The copy (article_urls.id).",
            "article_id": "The article (articles.id).",
            "sig": "128 16-bit MinHash values.",
        }),
    "dedupe_bands": (
        "The near-duplicate index: the 64 LSH band keys of every copy's MinHash signature; "
        "copies sharing a key with a new copy are its candidates.", {
            "band_key": "A band key of the signature (signed 32-bit).",
            "url_id": "The copy (article_urls.id; its signature: dedupe_minhash).",
        }),
    "dedupe_bands_recent": (
        "The near-duplicate index's latest copies: their band keys (from their signatures) "
        "are merged into dedupe_bands every 4,096 copies.", {
            "url_id": "The copy (article_urls.id; its signature: dedupe_minhash).",
        }),
    "meta": (
        "Archive facts (schema_version).", {
            "key": "Name.",
            "value": "Value.",
        }),
    "articles_fts": (
        "Full-text index of articles (title, body) over Chinese character bigrams; no "
        "stored text. Search from the articles table's search box or with "
        "portal-crawler search.", {
            "title": "Indexed title tokens (not stored).",
            "body": "Indexed body tokens (not stored).",
        }),
    "attachments_fts": (
        "Full-text index of attachments (link text, file text), the same tokens as "
        "articles_fts; no stored text. Search with portal-crawler search --in attachments.", {
            "title": "Indexed link-text tokens (not stored).",
            "body": "Indexed file-text tokens (not stored).",
        }),
}
