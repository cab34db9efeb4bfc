"""The item the spider yields: the article record plus where and when it was captured."""
from __future__ import annotations

from dataclasses import dataclass, field, fields

from portal_crawler.record import ArticleRecord


@dataclass
class ArticleItem(ArticleRecord):
    fetched_at: str | None = None                   # UTC, ISO 8601
    warc_file: str | None = None                    # capture of page 1: WARC file name ...
    warc_offset: int | None = None                  # ... and the record's byte offset
    warc_refs: list = field(default_factory=list)   # [[file, offset], ...] of every page
    alt_urls: list = field(default_factory=list)
    files: list = field(default_factory=list)       # attachment captures and text (crawler/files.py)
    resources: list = field(default_factory=list)   # page requisites captured with it (crawler/files.py)

    def as_dict(self) -> dict:
        """The fields as a dict, values shared (ItemAdapter.asdict copies them deeply:
        73 us an item against 2 us, and the writer process gets its own copy anyway)."""
        return {name: getattr(self, name) for name in _NAMES}


_NAMES = tuple(f.name for f in fields(ArticleItem))
