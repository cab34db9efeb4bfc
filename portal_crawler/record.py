"""The article record: one definition of its fields (docs/design.md section 1).

The extractor fills these, the spider's item carries them, the archive stores them, the
replica's truth and the exports use the same names. Each field's ``metadata`` says what
it means (shown in Datasette and the docs) and whether it is part of an article's
*content* (what a content hash and a version compare).
"""
from __future__ import annotations

from dataclasses import dataclass, field, fields


def _f(doc: str, *, content: bool = True, default=None):
    if isinstance(default, list):
        return field(default_factory=list, metadata={"doc": doc, "content": content})
    return field(default=default, metadata={"doc": doc, "content": content})


@dataclass
class ArticleRecord:
    """One article as extracted: every text field is ``str`` or ``None``, never ``""``."""
    url: str | None = _f("canonical URL of page 1 of the article (urls.canonical_url)", content=False)
    site: str | None = _f("site key from the registry (harbin, national, ...)", content=False)
    title: str | None = _f("article title, without the _SITENAME suffix or a (k) page suffix")
    published_at: str | None = _f("ISO 8601 in China time (2021-10-22T08:19:00+08:00), or a date "
                                  "at the precision the page shows (2021-10-22, 2021-10, 2021)")
    published_raw: str | None = _f("the raw date string as found on the page", content=False)
    date_flag: str | None = _f("None, or future / before_1990 / unparsed / missing (then published_at is None)")
    source: str | None = _f("来源: where the article comes from")
    author: str | None = _f("作者 / byline names, several joined by 、 (the display form); a lone "
                            "placeholder (. or -) is None")
    authors: list = _f("the author's names as a list, split from author (extract.fields.authorship: "
                       "the one derivation); [] when no author", content=False, default=[])
    author_kind: str | None = _f("person / organisation (an office, a paper, 本网...) / None when no "
                                 "author; from author by named patterns (AUTH-ORG)", content=False)
    editor: str | None = _f("责任编辑")
    reviewer: str | None = _f("审核")
    channel: str | None = _f("the article's own channel: last breadcrumb element (Chinese name)")
    breadcrumb: str | None = _f("breadcrumb elements joined by ' > '")
    description: str | None = _f("the page's summary block (div.intro), else meta description")
    body: str | None = _f("content paragraphs of all pages in page order, one per line")
    clicks: int | None = _f("click count from the list page or count.php; None when unknown", content=False)
    pages: int | None = _f("number of pages of the article (1 for single-page)")
    attachments: list = _f("list of {url, text}: documents linked from the body", default=[])
    images: list = _f("list of {url, alt}: images in the body", default=[])
    page_type: str | None = _f("news / notice / blog / forum / reprint, None when unknown (PAGE-* "
                               "patterns)", content=False)
    extractor: str | None = _f("which extractor produced it: dedecms, trs, generic or override", content=False)


RECORD_KEYS: tuple[str, ...] = tuple(f.name for f in fields(ArticleRecord))
AUTHOR_KINDS = ("person", "organisation")
PAGE_TYPES = ("news", "notice", "blog", "forum", "reprint")
CONTENT_KEYS: tuple[str, ...] = tuple(f.name for f in fields(ArticleRecord) if f.metadata["content"])
FIELD_DOCS: dict[str, str] = {f.name: f.metadata["doc"] for f in fields(ArticleRecord)}
# The fields whose presence is watched run by run: template drift (crawler/extensions/
# drift.py) and the field monitors (crawler/monitors.py, sites-file `min_coverage`).
WATCHED_FIELDS: tuple[str, ...] = ("title", "published_at", "source", "author", "editor", "body")
