"""The item the spider yields: the article record plus where and when it was captured."""
from __future__ import annotations

from dataclasses import dataclass, field

from portal_crawler.record import ArticleRecord


@dataclass
class ArticleItem(ArticleRecord):
    fetched_at: str | None = None                   # UTC, ISO 8601
    warc_file: str | None = None                    # capture of page 1: WARC file name ...
    warc_offset: int | None = None                  # ... and the record's byte offset
    warc_refs: list = field(default_factory=list)   # [[file, offset], ...] of every page
    alt_urls: list = field(default_factory=list)
