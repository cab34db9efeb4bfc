"""Search the archive: one query language, one meaning, one executor.

The CLI (`portal-crawler search`), `Archive.search()` and the Datasette search box
(portal_crawler/serve/plugin.py) all go through `compile_query`: its `fts` expression
selects from articles_fts, and when it is not `exact`, `check_sql` checks the text,
so the same query finds the same articles everywhere.

Syntax (whitespace separates terms):

    疫情 融资          both words (AND)
    "中小企业 发展"     the exact phrase (operators inside quotes are plain text)
    疫情 OR 融资        either (AND binds tighter: `a b OR c` is `(a b) OR c`)
    -融资              not containing it (a query needs one term that is not negated)
    title:疫情          in the title only (`body:` likewise; `title:"..."` too)
    (疫情 OR 防控) 企业  parentheses group

Meaning: a term matches an article when it occurs in the title or the body as a
substring (a Chinese word of any length, `27.6%`, `5G网络`); Latin letters ignore
case, and a term that starts or ends with a letter or digit must start or end
there in the text too (`5G` does not match `15G`, `app` does not match `apply`).
Whitespace inside a phrase matches any whitespace.

How: the FTS5 index (store/fts.py) answers pure Chinese words and single Latin/digit
words exactly; other terms (mixed, punctuation, several words) use the index for
candidates and are then checked against the text (`Query.check_sql`: SQLite's instr
for plain substrings, `Query.matches` in Python for the rest), so hits always equal a
scan of the text.
"""
from __future__ import annotations

import functools
import re
import sqlite3
from dataclasses import dataclass, field
from datetime import date, timedelta

from portal_crawler.store.fts import CJK, query_tokens

__all__ = ["QueryError", "Query", "SearchResult", "compile_query", "register_functions",
           "search", "snippet", "mark", "SNIPPET_MARK"]

FIELDS = ("title", "body")
SORTS = ("relevance", "date")
SNIPPET_MARK = ("«", "»")           # around the hit in plain-text snippets (json, csv)
# bm25 weights: a hit in the title counts ten times one in the body.
_BM25 = "bm25(articles_fts, 10.0, 1.0)"
_WORDCH = rf"[^\W_{CJK}]"          # a letter or digit that is not Chinese
_EXACT_TERM = re.compile(rf"[{CJK}]+|[A-Za-z0-9]+")


class QueryError(ValueError):
    """An empty or malformed query (the CLI reports it and exits 2)."""


# -- the query tree ---------------------------------------------------------------
@dataclass(frozen=True)
class Term:
    text: str                       # whitespace-normalised
    field: str | None = None        # None = title or body

    @functools.cached_property
    def tokens(self) -> list[tuple[str, bool]]:
        return query_tokens(self.text)

    @functools.cached_property
    def regex(self) -> re.Pattern:
        pat = re.escape(self.text).replace(r"\ ", r"\s+")
        if re.match(_WORDCH, self.text[0]):
            pat = rf"(?<!{_WORDCH})" + pat
        if re.match(_WORDCH, self.text[-1]):
            pat += rf"(?!{_WORDCH})"
        return re.compile(pat, re.IGNORECASE)

    @property
    def exact(self) -> bool:
        """The index alone gives exactly this term's hits."""
        return bool(_EXACT_TERM.fullmatch(self.text))

    @property
    def plain(self) -> bool:
        """Matching is plain substring search: no case to fold, no whitespace, no word
        edge to check (`同比增长12.5%` is; `27.6%` and `5G网络` start with a digit)."""
        t = self.text
        return (" " not in t and t.lower() == t.upper()
                and not re.match(_WORDCH, t[0]) and not re.match(_WORDCH, t[-1]))

    def sql(self, alias: str, params: dict) -> str:
        name = f"pc_t{len(params)}"
        params[name] = self.text
        if self.plain:        # SQLite's instr, no Python call per row
            cols = (self.field,) if self.field else FIELDS
            return "(" + " OR ".join(f"instr(coalesce({alias}.{c}, ''), :{name}) > 0"
                                     for c in cols) + ")"
        fld = f"'{self.field}'" if self.field else "NULL"
        return f"pc_search_term(:{name}, {fld}, {alias}.title, {alias}.body)"

    def fts(self) -> str:
        phrase = " + ".join(f'"{t}"' + (" *" if prefix else "") for t, prefix in self.tokens)
        return f"{self.field} : ({phrase})" if self.field else f"({phrase})"

    def matches(self, title: str, body: str) -> bool:
        rx = self.regex
        if self.field == "title":
            return rx.search(title) is not None
        if self.field == "body":
            return rx.search(body) is not None
        return rx.search(title) is not None or rx.search(body) is not None


@dataclass(frozen=True)
class Not:
    item: object

    @property
    def exact(self) -> bool:
        return self.item.exact

    def matches(self, title, body) -> bool:
        return not self.item.matches(title, body)

    def sql(self, alias, params) -> str:
        return f"NOT {self.item.sql(alias, params)}"


@dataclass(frozen=True)
class And:
    items: tuple

    @property
    def exact(self) -> bool:
        return all(i.exact for i in self.items)

    def fts(self) -> str:
        pos = [i.fts() for i in self.items if not isinstance(i, Not)]
        # A negated term narrows the candidates only when the index answers it
        # exactly; otherwise the text check excludes it.
        neg = [i.item.fts() for i in self.items if isinstance(i, Not) and i.exact]
        expr = " AND ".join(pos)
        if len(pos) > 1 or neg:
            expr = f"({expr})"
        return expr + "".join(f" NOT {n}" for n in neg)

    def matches(self, title, body) -> bool:
        return all(i.matches(title, body) for i in self.items)

    def sql(self, alias, params) -> str:
        return "(" + " AND ".join(i.sql(alias, params) for i in self.items) + ")"


@dataclass(frozen=True)
class Or:
    items: tuple

    @property
    def exact(self) -> bool:
        return all(i.exact for i in self.items)

    def fts(self) -> str:
        return "(" + " OR ".join(i.fts() for i in self.items) + ")"

    def matches(self, title, body) -> bool:
        return any(i.matches(title, body) for i in self.items)

    def sql(self, alias, params) -> str:
        return "(" + " OR ".join(i.sql(alias, params) for i in self.items) + ")"


# -- parsing ----------------------------------------------------------------------
_LEX = re.compile(r'\s+|(?P<lp>\()|(?P<rp>\))|(?P<neg>-)(?=\S)|(?P<field>(?:title|body):)(?=\S)'
                  r'|"(?P<phrase>[^"]*)"|(?P<quote>")|(?P<word>[^\s()"]+)')


def _lex(q: str) -> list[tuple[str, str]]:
    toks, pos = [], 0
    while pos < len(q):
        m = _LEX.match(q, pos)
        pos = m.end()
        kind = m.lastgroup
        if kind is None:
            continue                            # whitespace
        if kind == "quote":
            raise QueryError('unbalanced " in the query: close the phrase with a second "')
        val = m.group(kind)
        if kind == "word" and val == "OR":
            kind = "or"
        toks.append((kind, val))
    return toks


class _Parser:
    def __init__(self, toks):
        self.toks, self.i = toks, 0

    def peek(self):
        return self.toks[self.i][0] if self.i < len(self.toks) else None

    def take(self):
        self.i += 1
        return self.toks[self.i - 1]

    def parse(self):
        node = self.or_expr()
        if self.peek() is not None:
            raise QueryError("unbalanced ) in the query")
        return node

    def or_expr(self):
        parts = [self.and_expr()]
        while self.peek() == "or":
            self.take()
            parts.append(self.and_expr())
        return parts[0] if len(parts) == 1 else Or(tuple(parts))

    def and_expr(self):
        items = []
        while self.peek() not in (None, "or", "rp"):
            items.append(self.unary())
        if not items:
            after_or = self.i > 0 and self.toks[self.i - 1][0] == "or"
            if self.peek() == "or" or after_or:
                raise QueryError("OR needs a term on both sides")
            raise QueryError("empty ( ) in the query" if self.peek() == "rp"
                             else "empty query: give a word to search for")
        if all(isinstance(i, Not) for i in items):
            raise QueryError("a query (and each side of OR) needs a term that is not "
                             "negated with -")
        return items[0] if len(items) == 1 else And(tuple(items))

    def unary(self):
        if self.peek() == "neg":
            self.take()
            if self.peek() == "neg":
                raise QueryError("-- is not a term")
            return Not(self.unary())
        return self.atom()

    def atom(self, fld: str | None = None):
        kind, val = self.take()
        if kind == "field":
            if fld is not None or self.peek() not in ("word", "phrase"):
                raise QueryError(f"{val} must be followed by a word or a \"phrase\"")
            return self.atom(val[:-1])
        if kind == "lp":
            node = self.or_expr()
            if self.peek() != "rp":
                raise QueryError("unbalanced ( in the query")
            self.take()
            return node
        if kind == "rp":
            raise QueryError("unbalanced ) in the query")
        if kind == "or":
            raise QueryError("OR needs a term on both sides")
        text = " ".join(val.split())
        if not text:
            raise QueryError('empty phrase ""')
        term = Term(text, fld)
        if not term.tokens:
            raise QueryError(f"nothing to search for in {val!r}: a term needs letters, "
                             "digits or Chinese characters")
        return term


@dataclass(frozen=True)
class Query:
    """A parsed query: `fts` selects candidates from articles_fts; when `exact` is
    false, `matches(title, body)` must confirm each candidate."""
    text: str
    tree: object = field(repr=False)
    fts: str
    exact: bool

    def matches(self, title: str | None, body: str | None) -> bool:
        return self.tree.matches(title or "", body or "")

    def check_sql(self, alias: str = "articles") -> tuple[str, dict]:
        """The exact check as an SQL condition on `alias` and its named parameters
        (what `matches` decides; needs register_functions on the connection)."""
        params: dict = {}
        return self.tree.sql(alias, params), params

    def terms(self) -> list[Term]:
        """The terms a hit contains (not negated), for snippets."""
        out = []

        def walk(n, negated):
            if isinstance(n, Term):
                if not negated:
                    out.append(n)
            elif isinstance(n, Not):
                walk(n.item, not negated)
            else:
                for i in n.items:
                    walk(i, negated)
        walk(self.tree, False)
        return out


@functools.lru_cache(maxsize=256)
def compile_query(q: str) -> Query:
    """Parse `q`; raises QueryError with a one-line explanation."""
    if q is None or not q.strip():
        raise QueryError("empty query: give a word to search for")
    tree = _Parser(_lex(q)).parse()
    return Query(q, tree, tree.fts(), tree.exact)


# -- SQL ----------------------------------------------------------------------------
@functools.lru_cache(maxsize=256)
def _term(text, fld):
    return Term(text, fld)


def _sql_term(text, fld, title, body):
    return int(_term(text, fld).matches(title or "", body or ""))


def register_functions(conn: sqlite3.Connection) -> None:
    """`pc_search_term(text, field, title, body)`: one term's exact check, for the
    terms SQLite's instr cannot decide (Query.check_sql)."""
    conn.create_function("pc_search_term", 4, _sql_term, deterministic=True)


@dataclass
class SearchResult:
    """`total` hits in all; `hits` is the requested page (a SearchResult also iterates,
    indexes and measures like that list)."""
    query: str
    total: int
    hits: list[dict]
    offset: int = 0
    sort: str = "relevance"

    def __iter__(self):
        return iter(self.hits)

    def __len__(self):
        return len(self.hits)

    def __getitem__(self, i):
        return self.hits[i]


def _day(v: str | None, name: str) -> str | None:
    if v is None:
        return None
    try:
        return date.fromisoformat(str(v)).isoformat()
    except ValueError:
        raise QueryError(f"{name} {v!r} is not a date (YYYY-MM-DD)") from None


# Where a search looks (`in_`): the FTS table, the rows it indexes as (id, title, body,
# site, channel, published_at, ...), and the columns a hit shows. Attachments are
# searched as (link text, file text) and each hit names its article.
SCOPES = {
    "articles": ("articles_fts", "articles", ("id", "url", "site", "channel", "title", "published_at")),
    "attachments": (
        "attachments_fts",
        "(SELECT f.id, f.url, f.text AS title, f.body, f.ext, f.format, f.text_status, f.article_id, "
        "r.site, r.channel, r.published_at, r.url AS article_url, r.title AS article_title "
        "FROM attachments f JOIN articles r ON r.id = f.article_id)",
        ("id", "url", "site", "channel", "title", "published_at", "ext", "format", "text_status",
         "article_id", "article_url", "article_title")),
}


def search(conn: sqlite3.Connection, q: str, *, site: str | None = None,
           channel: str | None = None, since: str | None = None, until: str | None = None,
           sort: str = "relevance", limit: int = 20, offset: int = 0,
           snippet_chars: int = 60, in_: str = "articles") -> SearchResult:
    """Run query `q` over articles (title, body) or attachments (``in_="attachments"``:
    link text, file text; site, channel and dates are the article's); the total counts
    every hit, `hits` is one page of them."""
    query = compile_query(q)
    if in_ not in SCOPES:
        raise QueryError(f"search in must be one of {', '.join(SCOPES)}")
    fts, src, shown = SCOPES[in_]
    if sort not in SORTS:
        raise QueryError(f"sort must be one of {', '.join(SORTS)}")
    if limit < 0 or offset < 0:
        raise QueryError("limit and offset must not be negative")
    since, until = _day(since, "since"), _day(until, "until")
    register_functions(conn)
    conds, args = [], {"fts": query.fts}
    if not query.exact:
        check, params = query.check_sql("a")
        conds.append(check)
        args.update(params)
    if site:
        conds.append("a.site = :site")
        args["site"] = site
    if channel:
        conds.append("a.channel = :channel")
        args["channel"] = channel
    if since:
        conds.append("a.published_at >= :since")
        args["since"] = since
    if until:      # inclusive: anything published on that day
        conds.append("a.published_at < :until_next")
        args["until_next"] = (date.fromisoformat(until) + timedelta(days=1)).isoformat()
    where = "".join(" AND " + c for c in conds)
    bm25 = _BM25.replace("articles_fts", fts)
    try:
        if conds:
            total = conn.execute(
                f"SELECT count(*) FROM {fts} f JOIN {src} a ON a.id = f.rowid "
                f"WHERE {fts} MATCH :fts{where}", args).fetchone()[0]
        else:      # the index alone answers: no row is read
            total = conn.execute(f"SELECT count(*) FROM {fts} WHERE {fts} "
                                 "MATCH :fts", args).fetchone()[0]
        # The page's ids first, sorted on the index alone where possible (bm25; ties:
        # newest archived first), then only those rows: the sorter never holds bodies.
        join = f" JOIN {src} a ON a.id = {fts}.rowid" if conds or sort == "date" else ""
        if sort == "relevance":
            cols, order = f"{bm25} AS score", f"score, {fts}.rowid DESC"
        else:
            cols, order = "NULL AS score", "a.published_at IS NULL, a.published_at DESC, a.id DESC"
        page = conn.execute(
            f"SELECT {fts}.rowid AS id, {cols} FROM {fts}{join} "
            f"WHERE {fts} MATCH :fts{where} ORDER BY {order} LIMIT :limit OFFSET :offset",
            {**args, "limit": limit, "offset": offset}).fetchall()
        rows = {}
        if page:
            cur = conn.execute(
                f"SELECT {', '.join(shown)}, body FROM {src} a "
                f"WHERE id IN ({', '.join('?' * len(page))})", [i for i, _ in page])
            names = [d[0] for d in cur.description]
            rows = {r[0]: dict(zip(names, r)) for r in cur.fetchall()}
    except sqlite3.OperationalError as e:
        raise QueryError(f"cannot run this query: {e}") from None
    hits = []
    terms = query.terms()
    for i, score in page:
        h = rows[i]
        body = h.pop("body") or ""
        h["score"] = round(-score, 4) if score is not None else None
        h["snippet"], h["snippet_hit"] = snippet(terms, h["title"] or "", body, snippet_chars)
        hits.append(h)
    return SearchResult(q, total, hits, offset, sort)


def snippet(terms: list[Term], title: str, body: str, width: int = 60
            ) -> tuple[str, tuple[int, int] | None]:
    """About `width` characters of the body around the first hit of any term, and the
    hit's (start, end) in that string; the body's start when only the title matched."""
    best = None
    for t in terms:
        if t.field == "title":
            continue
        m = t.regex.search(body)
        if m and (best is None or m.start() < best.start()):
            best = m
    flat = lambda s: " ".join(s.split())      # noqa: E731 - newlines would break a table row
    if best is None:
        return flat(body[:width]) + ("…" if len(body) > width else ""), None
    a, b = best.span()
    pre_n = max(0, (width - (b - a)) // 2)
    start = max(0, a - pre_n)
    end = min(len(body), max(b, start + width))
    pre, hit, post = flat(body[start:a]), flat(body[a:b]), flat(body[b:end])
    if body[start:a][-1:].isspace():
        pre += " "
    if body[b:end][:1].isspace():
        post = " " + post
    lead = "…" if start > 0 else ""
    text = lead + pre + hit + post + ("…" if end < len(body) else "")
    s = len(lead) + len(pre)
    return text, (s, s + len(hit))


def mark(text: str, span: tuple[int, int] | None, marks=SNIPPET_MARK) -> str:
    """The snippet with its hit between `marks`."""
    if not span:
        return text
    a, b = span
    return text[:a] + marks[0] + text[a:b] + marks[1] + text[b:]
