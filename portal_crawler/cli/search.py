"""`portal-crawler search`: the archive's full-text search (store/search.py)."""
from __future__ import annotations

import csv
import json
import sys

import click
from rich.style import Style
from rich.table import Table
from rich.text import Text

from portal_crawler.cli.common import DEFAULT_DB, fail, main, open_archive, out, refuse_unknown_sites
from portal_crawler.terminal import plain

_FIELDS = ("id", "published_at", "site", "channel", "title", "url", "score", "snippet")
_FILE_FIELDS = ("article_title", "article_url", "format")   # `--in attachments`: the hit's article


# ignore_unknown_options: `search 疫情 -融资` needs no quotes or `--` (the query's
# -word is not an option); anything else starting with -- is refused below.
@main.command(context_settings={"ignore_unknown_options": True})
@click.argument("words", nargs=-1, required=True)
@click.option("--db", default=DEFAULT_DB, show_default=True)
@click.option("--site", help="Only articles of this site (key).")
@click.option("--channel", help="Only articles of this channel (Chinese name).")
@click.option("--since", metavar="DATE", help="Published on or after DATE (YYYY-MM-DD).")
@click.option("--until", metavar="DATE", help="Published on or before DATE (YYYY-MM-DD).")
@click.option("--sort", type=click.Choice(["relevance", "date"]), default="relevance",
              show_default=True, help="Best match first, or newest first.")
@click.option("--limit", type=click.IntRange(min=0), default=20, show_default=True)
@click.option("--offset", type=click.IntRange(min=0), default=0, show_default=True)
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table",
              show_default=True)
@click.option("--in", "in_", type=click.Choice(["articles", "attachments"]), default="articles",
              show_default=True, help="Search articles, or the attachments' text (each hit names its article).")
def search(words, db, site, channel, since, until, sort, limit, offset, fmt, in_):
    """Full-text search of the archive: exact, for Chinese words of any length.

    \b
    QUERY syntax:
      疫情 融资            both (AND)
      "中小企业 发展"       the exact phrase
      疫情 OR 融资          either (AND binds tighter; parentheses group)
      -融资                without it (with at least one other term)
      title:疫情            in the title only (body: likewise)
    A term matches where it occurs in the title or body; Latin letters ignore
    case and match whole words (5G, 27.6%, COVID-19).
    """
    from portal_crawler.store.search import QueryError, mark
    if bad := [w for w in words if w.startswith("--")]:
        from portal_crawler.cli.hints import command
        fail(f"no such option: {bad[0]} (see {command('search', '--help')})")
    query = " ".join(words)
    # Read-only (works on a 0444 file or read-only media); an unusable file is one line.
    with open_archive(db) as ar:
        refuse_unknown_sites(ar, [site], db)
        try:
            res = ar.search(query, site=site, channel=channel, since=since, until=until,
                            sort=sort, limit=limit, offset=offset, in_=in_)
        except QueryError as e:
            fail(f"invalid query {query!r}: {e}")
    rows = [{**h, "snippet": mark(h["snippet"], h["snippet_hit"])} for h in res.hits]
    fields = _FIELDS + (_FILE_FIELDS if in_ == "attachments" else ())
    if fmt == "json":
        click.echo(json.dumps({"query": query, "total": res.total, "offset": offset,
                               "limit": limit, "sort": sort,
                               "hits": [{k: r[k] for k in fields} for r in rows]},
                              ensure_ascii=False, indent=2))
    elif fmt == "csv":
        w = csv.DictWriter(sys.stdout, fieldnames=fields, extrasaction="ignore")
        w.writeheader()
        w.writerows(rows)
        click.echo(f"{res.total} results", err=True)
    else:
        _table(res, offset)


def _table(res, offset):
    # Text objects, never markup strings: titles and snippets are archived text and
    # may contain "[/]" or "[link=...]".
    t = Table(show_lines=True)
    t.add_column("#", justify="right")
    t.add_column("published")
    t.add_column("site / channel")
    t.add_column("title / snippet / url", ratio=1, overflow="fold")
    for i, h in enumerate(res.hits, offset + 1):
        cell = Text(plain(h["title"]), style="bold")
        snip = Text(plain(h["snippet"]))
        if h["snippet_hit"]:
            snip.stylize("reverse", *h["snippet_hit"])
        cell.append("\n").append_text(snip).append("\n")
        cell.append(plain(h["url"]), style=Style(dim=True, link=h["url"]) if h["url"] else "")
        if h.get("article_url"):        # an attachment: the article it belongs to
            cell.append("\nin: ").append(plain(h["article_title"] or ""), style="italic")
            cell.append("\n" + plain(h["article_url"]), style=Style(dim=True, link=h["article_url"]))
        t.add_row(str(i), (h["published_at"] or "")[:10],
                  Text(f"{plain(h['site'])}\n{plain(h['channel'])}"), cell)
    if res.hits:
        out.print(t)
    shown = (f"{offset + 1}-{offset + len(res.hits)} of " if res.hits else "")
    out.print(Text(f"{shown}{res.total} results"))
