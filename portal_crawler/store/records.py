"""Item -> the values the archive stores (pure functions, no SQL)."""
from __future__ import annotations

import json
from functools import cached_property
from datetime import datetime, timezone

from dataclasses import fields

from portal_crawler import urls
from portal_crawler.dedupe import body_hash, content_hash, normalise_body
from portal_crawler.dedupe.repost import is_repost
from portal_crawler.record import RECORD_KEYS, ArticleRecord

__all__ = ["Copy", "prepare", "ARTICLE_COLS", "RECORD_COLS", "LIST_COLS", "now_iso", "attachment_ext"]

# Columns of `articles` filled from a copy, derived from the record (record.py, the one
# definition): url first (the update keeps the stored one), its identity key, every
# record field but the child tables, then what the archive computes and the capture.
_CHILD_TABLES = ("attachments", "images")
RECORD_COLS = tuple(k for k in RECORD_KEYS if k not in ("url",) + _CHILD_TABLES)
# list fields of the record stored as JSON text (authors)
LIST_COLS = tuple(f.name for f in fields(ArticleRecord)
                  if f.default_factory is list and f.name not in _CHILD_TABLES)
TEXT_FIELDS = tuple(f.name for f in fields(ArticleRecord) if f.type == "str | None") + ("warc_file",)
ARTICLE_COLS = ("url", "url_key") + RECORD_COLS + ("content_hash", "body_hash", "is_repost", "warc_file",
                                                   "warc_offset", "warc_refs")


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def attachment_ext(url: str) -> str | None:
    tail = url.split("?", 1)[0].split("#", 1)[0].rsplit("/", 1)[-1]
    return tail.rsplit(".", 1)[-1].lower() if "." in tail else None


class Copy:
    """One item as the archive sees it; dedupe values computed only when needed
    (an unchanged re-crawled page needs just its content_hash)."""

    def __init__(self, rec: dict, url: str, key: str, fetched_at: str, content_hash: str,
                 attachments: list, images: list):
        self.rec, self.url, self.key, self.fetched_at = rec, url, key, fetched_at
        self.content_hash, self.attachments, self.images = content_hash, attachments, images

    @cached_property
    def norm_body(self) -> str:
        return normalise_body(self.rec.get("body"))

    @cached_property
    def body_hash(self) -> str | None:
        return body_hash(self.rec.get("body"), self.rec.get("title"), normalised=self.norm_body)

    @cached_property
    def is_repost(self) -> bool:
        return is_repost(self.rec.get("site"), self.rec.get("source"), self.rec.get("body"))

    def article_values(self) -> tuple:
        """Values of ARTICLE_COLS, in that order."""
        r = self.rec
        refs = r.get("warc_refs")
        vals = [self.url, self.key]
        for k in RECORD_COLS:
            v = r.get(k)
            vals.append(json.dumps(v or [], ensure_ascii=False) if k in LIST_COLS else v)
        return (*vals, self.content_hash, self.body_hash, int(self.is_repost), r.get("warc_file"),
                r.get("warc_offset"), json.dumps(refs) if refs is not None else None)


def prepare(item: dict) -> Copy:
    rec = dict(item)
    for f in TEXT_FIELDS:
        if rec.get(f) == "":
            rec[f] = None
    url = urls.canonical_url(item["url"])
    atts = [{"url": a.get("url"), "text": a.get("text") or None}
            for a in (item.get("attachments") or [])]
    imgs = [{"url": i.get("url"), "alt": i.get("alt") or None} for i in (item.get("images") or [])]
    rec["attachments"], rec["images"] = atts, imgs
    return Copy(rec, url, urls.identity_of_canonical(url), item.get("fetched_at") or now_iso(),
                content_hash(rec), atts, imgs)
