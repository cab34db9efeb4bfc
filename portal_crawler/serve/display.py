"""How archive rows read in the Datasette UI (pure functions; serve/plugin.py hands
them to the templates in serve/templates/).

- The columns an analyst reads come first (`FIRST_COLUMNS`); the rest keep the
  table's order.
- Long machine values (URLs, URL keys, hashes, WARC references) are one unbreakable
  word each: left whole, the table gives them its width and squeezes the Chinese
  text columns to one character a line. In the table view they are shortened
  (`short`), the full value a hover (`title`) and, for URLs, a click away; the row
  page shows them whole.
- A search's matched words are marked (`highlight`) in the title and in a snippet
  of the body cut by store/search.py's `snippet` (the one search executor).
"""
from __future__ import annotations

import re
from urllib.parse import urlsplit

from markupsafe import Markup, escape

from portal_crawler.store.search import QueryError, Term, compile_query, snippet

__all__ = ["FIRST_COLUMNS", "SHORT_CHARS", "column_order", "short", "highlight",
           "search_terms", "search_error", "TableCells"]

# Per table: the columns shown first, in this order (the label column leads and
# links to the row page).
FIRST_COLUMNS = {
    "articles": ("title", "site", "channel", "published_at", "source", "body"),
    "article_urls": ("title", "site", "channel", "published_at", "source"),
    "article_versions": ("title", "article_id", "version", "changed_fields", "replaced_at"),
    "attachments": ("text", "ext", "article_id"),
    "images": ("alt", "article_id"),
    "crawl_errors": ("site", "kind", "error", "url"),
    "list_frontier": ("site", "channel", "pages", "oldest_date"),
}
# A value longer than this with no whitespace in it is shortened in the table view.
SHORT_CHARS = 32
# Longer text (with whitespace) wraps in a box of its own instead of widening its
# column (JSON lists, error messages); title and body have their own CSS widths.
WRAP_CHARS = 40
SNIPPET_CHARS = 90          # body characters around a hit shown in search results
_WS = re.compile(r"\s")
# An ISO 8601 time with seconds and/or a zone: shown to the minute in the table view.
_ISO_TIME = re.compile(r"(\d{4}-\d\d-\d\d)[T ](\d\d:\d\d)(?::\d\d(?:\.\d+)?)?(?:Z|[+-]\d\d:?\d\d)?")


def column_order(table: str | None, names: list[str]) -> list[int]:
    """Indexes of `names` (the displayed columns), FIRST_COLUMNS of `table` first."""
    first = [names.index(c) for c in FIRST_COLUMNS.get(table or "", ()) if c in names]
    return first + [i for i in range(len(names)) if i not in first]


def short(value: str) -> Markup | None:
    """A long unbreakable value, shortened (None: show it as it is). A URL stays a
    link to itself, reading host/…/last-part; a time reads to the minute; other
    values read head…tail."""
    m = _ISO_TIME.fullmatch(value)
    if m and len(value) > 16:
        return Markup('<span class="time" title="{}">{} {}</span>').format(value, *m.groups())
    if len(value) <= SHORT_CHARS or _WS.search(value):
        return None
    if value.startswith(("http://", "https://")):
        parts = urlsplit(value)
        tail = (parts.path.rstrip("/").rsplit("/", 1)[-1] + (f"?{parts.query}" if parts.query else ""))
        text = parts.netloc + ("/…/" + tail[-SHORT_CHARS // 2:] if tail else "/")
        return Markup('<a class="short" href="{0}" title="{0}">{1}</a>').format(value, text)
    head = SHORT_CHARS * 2 // 3
    text = value[:head] + "…" + value[-(SHORT_CHARS - head - 1):]
    return Markup('<span class="short" title="{}">{}</span>').format(value, text)


def search_terms(q: str | None) -> list[Term]:
    """The terms a hit of query `q` contains (none for no query or a bad one)."""
    if not q or not q.strip():
        return []
    try:
        return compile_query(q).terms()
    except QueryError:
        return []


def search_error(q: str, error: Exception) -> str:
    """The one line a page or the API shows for a query the parser rejects."""
    return f"invalid search {q!r}: {error}"


def highlight(text: str, terms: list[Term], field: str) -> Markup:
    """`text` (escaped) with every match of a term that applies to `field` (title or
    body) in <mark>."""
    spans = []
    for t in terms:
        if t.field in (None, field):
            spans += [m.span() for m in t.regex.finditer(text) if m.end() > m.start()]
    merged: list[list[int]] = []
    for a, b in sorted(spans):
        if merged and a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    out, pos = [], 0
    for a, b in merged:
        out += [escape(text[pos:a]), Markup("<mark>{}</mark>").format(text[a:b])]
        pos = b
    out.append(escape(text[pos:]))
    return Markup("").join(out)


def search_snippet(terms: list[Term], title: str | None, body: str | None) -> Markup:
    """The part of `body` around the first hit, the matched words marked."""
    text, _ = snippet(terms, title or "", body or "", SNIPPET_CHARS)
    return highlight(text, terms, "body")


class TableCells:
    """What `_table.html` shows on one page: the column order and each cell
    (shortened, highlighted, the label linked to its row, or as Datasette rendered it).
    `row_url(pk_path)` is the row page's address."""

    def __init__(self, table: str | None, view: str, q: str | None = None, row_url=None):
        self.table, self.view, self.row_url = table, view, row_url
        self.terms = search_terms(q) if view == "table" else []
        self.label = FIRST_COLUMNS.get(table or "", (None,))[0]

    def order(self, display_columns) -> list[int]:
        return column_order(self.table, [c["name"] for c in display_columns])

    def row(self, row, order: list[int]) -> list[tuple[dict, object]]:
        """(cell, what to show) for each cell of a Datasette row, in `order`."""
        cells = list(row)
        return [(cells[i], self.cell(cells[i], cells)) for i in order]

    def cell(self, cell, row):
        value, raw, column = cell["value"], cell["raw"], cell["column"]
        if self.view != "table" or not isinstance(raw, str):
            return value
        if isinstance(value, Markup):     # Datasette's link for a URL; a plugin's cell
            return (short(raw) or value) if raw.startswith(("http://", "https://")) else value
        if column == "body" and self.terms:
            title = next((c["raw"] for c in row if c["column"] == "title"), "")
            return search_snippet(self.terms, title, raw)
        if column == self.label:
            text = highlight(raw, self.terms, column)
            pk = next((c["raw"] for c in row if "is_special_link_column" in c), None)
            if pk is None or self.row_url is None:
                return text
            return Markup('<a href="{}">{}</a>').format(self.row_url(pk), text)
        if len(raw) > WRAP_CHARS and column not in ("title", "body") and _WS.search(raw):
            return Markup('<div class="wrap">{}</div>').format(value)
        return short(raw) or value
