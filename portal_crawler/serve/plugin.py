"""The Datasette plugin for archives (Datasette 0.65 hooks).

- Search: Datasette's table search runs `rowid IN (... MATCH escape_fts(:search))`.
  `prepare_connection` (trylast, so after Datasette's own) replaces escape_fts with
  our compiler (store/search.py), and `filters_from_request` adds the exact text
  check for the queries the index alone cannot answer: the same hits as the CLI.
  A bad query on the table page shows the page, its search form and one line saying
  what is wrong (no rows); the JSON/CSV API answers 400 with that line.
- /-/search runs store/search.py's `search` (the CLI's executor) and lists the hits
  ranked by relevance or by date, each with the body snippet around the hit and the
  matched words marked.
- Reading the tables (serve/display.py through serve/templates/_table.html): the
  columns an analyst reads first, long URLs/keys/hashes shortened, the label column
  linked to the row, a search's words marked.
- A "month" facet (published month), capture links in table cells, and two pages:
  /-/capture/<article|copy|version>/<id>[/<page>] serves an archived response from
  the WARC with `Content-Security-Policy: sandbox` (its scripts never run in this
  origin), and /-/chart draws articles per month per site as inline SVG (no script,
  works offline).
"""
from __future__ import annotations

import html
import json
import sqlite3
from urllib.parse import urlencode

from datasette import hookimpl
from datasette.facets import DateFacet
from datasette.filters import FilterArguments
from datasette.utils import escape_sqlite, path_with_added_args, path_with_removed_args
from datasette.utils import add_cors_headers
from datasette.utils.asgi import Base400, BadRequest, NotFound, Response
from datasette.views.base import DatasetteError
from markupsafe import Markup

from portal_crawler.serve import display, searchpage
from portal_crawler.store.search import QueryError, compile_query, register_functions

CAPTURE_TABLES = {"article": "articles", "copy": "article_urls", "version": "article_versions"}
CAPTURE_CSP = "sandbox"


def _escape_fts(q):
    try:
        return compile_query(q).fts
    except QueryError as e:      # surfaces as the page's SQL error
        raise sqlite3.OperationalError(f"invalid search: {e}") from None


@hookimpl(trylast=True)
def prepare_connection(conn):
    conn.create_function("escape_fts", 1, _escape_fts, deterministic=True)
    register_functions(conn)


@hookimpl
def filters_from_request(request, database, table, datasette):
    # ?_search= and Datasette's ?_search_COLUMN= both reach escape_fts
    keys = [k for k in request.args if k.startswith("_search") and k != "_searchmode"]
    if table != "articles" or not keys:
        return None
    if request.args.get("_searchmode") == "raw":
        raise BadRequest("_searchmode=raw is not supported here: the index holds character "
                         "tokens; use the search syntax (words, \"phrase\", OR, -word, title:)")
    for key in keys:
        q = request.args.get(key)
        try:
            compile_query(q)
        except QueryError as e:
            message = display.search_error(q, e)
            if request.url_vars.get("format"):          # .json, .csv: the API's 400
                raise BadRequest(message)
            # The page: no rows (SQLite skips the search clause under a constant
            # false one, so escape_fts never sees the query), the form, the line.
            return FilterArguments(["0"], extra_context={"search_error": message})
    if "_search" not in request.args:
        return None
    query = compile_query(request.args.get("_search"))
    if query.exact:
        return None              # the index answers it: Datasette's clause is exact
    check, params = query.check_sql("articles")
    return FilterArguments([check], params=params)


@hookimpl(hookwrapper=True)
def handle_exception(datasette, request, exception):
    """A client's error (bad query, unknown row or sort column: Base400 and Datasette's
    own DatasetteError messages) is answered as Datasette does, but not logged:
    Datasette's handler prints every exception with `rich` (installed: the CLI uses
    it), locals included, ~280 lines for one bad query. Anything else (a fault) keeps
    Datasette's handler and its traceback."""
    outcome = yield
    if isinstance(exception, Base400):
        status, message, title, info = exception.status, exception.args[0], None, {}
    elif isinstance(exception, DatasetteError):    # its message for a bad parameter
        status, title, info = exception.status, exception.title, dict(exception.error_dict)
        message = Markup(exception.message) if exception.message_is_html else exception.message
    else:
        return

    async def respond():
        body = {**info, "ok": False, "error": message, "status": status, "title": title}
        headers = {}
        if datasette.cors:
            add_cors_headers(headers)
        if request.path.split("?")[0].endswith(".json"):
            return Response.json(body, status=status, headers=headers)
        template = datasette.jinja_env.select_template([f"{status}.html", "error.html"])
        return Response.html(await template.render_async(
            dict(body, urls=datasette.urls, app_css_hash=datasette.app_css_hash(),
                 menu_links=lambda: [])), status=status, headers=headers)
    outcome.force_result([respond])


class MonthFacet(DateFacet):
    """Facet by month (`{"month": "published_at"}`): values 2021-10, filter
    `published_at__startswith`."""
    type = "month"

    async def suggest(self):
        return []

    async def facet_results(self):
        results, timed_out = [], []
        args = dict(self.get_querystring_pairs())
        size = self.get_facet_size()
        for sc in self.get_configs():
            config, source = sc["config"], sc["source"]
            col = config.get("column") or config["simple"]
            sql = (f"SELECT substr({escape_sqlite(col)}, 1, 7) AS value, count(*) AS count "
                   f"FROM ({self.sql}) WHERE {escape_sqlite(col)} IS NOT NULL "
                   f"GROUP BY value ORDER BY value DESC LIMIT {size + 1}")
            try:
                rows = await self.ds.execute(self.database, sql, self.params, truncate=False,
                                             custom_time_limit=self.ds.setting("facet_time_limit_ms"))
            except Exception:    # noqa: BLE001 - Datasette's QueryInterrupted: timed out
                timed_out.append(col)
                continue
            key = f"{col}__startswith"
            values = []
            for row in rows.rows[:size]:
                selected = str(args.get(key)) == row["value"]
                path = (path_with_removed_args(self.request, {key: row["value"]}) if selected
                        else path_with_added_args(self.request, {key: row["value"]}))
                values.append({"value": row["value"], "label": row["value"],
                               "count": row["count"], "selected": selected,
                               "toggle_url": self.ds.absolute_url(self.request, path)})
            results.append({"name": col, "type": self.type, "results": values,
                            "hideable": source != "metadata",
                            "toggle_url": path_with_removed_args(self.request,
                                                                 {"_facet_month": col}),
                            "truncated": len(rows) > size})
        return results, timed_out


@hookimpl
def register_facet_classes():
    return [MonthFacet]


@hookimpl
def render_cell(row, value, column, table, database, datasette):
    kind = {v: k for k, v in CAPTURE_TABLES.items()}.get(table)
    if kind is None or column != "warc_file" or not value:
        return None
    try:
        rid = row["id"]
    except (IndexError, KeyError):
        return None
    return Markup('<a href="{}">{}</a> (<a href="{}">view capture</a>)').format(
        f"/-/capture/{kind}/{rid}", value, f"/-/capture/{kind}/{rid}")


@hookimpl
def menu_links(datasette, actor):
    return [{"href": searchpage.PATH, "label": "Search articles"},
            {"href": "/-/chart", "label": "Articles per month (chart)"}]


@hookimpl
def extra_template_vars(template, database, table, view_name, request, datasette):
    """`pc_cells` for _table.html (column order, cells) and the search page's address."""
    out = {"pc_search_url": searchpage.PATH}
    if view_name in ("table", "row") and table:
        def row_url(pk_path):
            return datasette.urls.row(database, table, pk_path)
        q = request.args.get("_search") if request is not None else None
        out["pc_cells"] = display.TableCells(table, view_name, q, row_url)
    return out


def _archive(datasette):
    # `serve` serves one archive: the first database that is a file.
    for db in datasette.databases.values():
        if db.path:
            return db
    raise NotFound("no archive")


async def capture(datasette, request):
    from portal_crawler.store.warcread import read_capture
    from portal_crawler.store.paths import warc_dir
    kind, rid = request.url_vars["kind"], int(request.url_vars["id"])
    page = int(request.url_vars.get("page") or 1)
    table = CAPTURE_TABLES.get(kind)
    if table is None:
        raise NotFound(f"no capture kind {kind!r}")
    db = _archive(datasette)
    refs_col = "warc_refs" if table == "articles" else "NULL"
    res = await db.execute(f"SELECT warc_file, warc_offset, {refs_col} AS refs FROM {table} "
                           f"WHERE id = ?", [rid])
    row = res.first()
    if row is None or not row["warc_file"]:
        raise NotFound(f"no capture for {kind} {rid}")
    refs = json.loads(row["refs"]) if row["refs"] else [[row["warc_file"], row["warc_offset"]]]
    if not 1 <= page <= len(refs):
        raise NotFound(f"{kind} {rid} has {len(refs)} page(s)")
    name, offset = refs[page - 1]
    try:
        cap = read_capture(warc_dir(db.path), name, offset)
    except (OSError, LookupError) as e:
        raise NotFound(f"capture not readable: {e}")
    # sandbox: the archived page is its own opaque origin, without scripts, forms or
    # plugins; nosniff keeps the browser from re-typing it.
    return Response(cap.body, status=200, content_type=cap.content_type or "text/html",
                    headers={"Content-Security-Policy": CAPTURE_CSP,
                             "X-Content-Type-Options": "nosniff",
                             "X-Archived-URL": cap.url.encode("ascii", "backslashreplace").decode()})


async def chart(datasette, request):
    from portal_crawler.serve.chart import monthly_svg
    db = _archive(datasette)
    res = await db.execute(
        "SELECT substr(published_at, 1, 7) AS month, site, count(*) AS n FROM articles "
        "WHERE published_at IS NOT NULL GROUP BY month, site ORDER BY month, site")
    rows = [(r["month"], r["site"], r["n"]) for r in res.rows]
    body = monthly_svg(rows)
    page = (
        "<!DOCTYPE html><html lang=\"zh\"><head><meta charset=\"utf-8\">"
        "<title>Articles per month per site</title>"
        "<style>body{font-family:sans-serif;margin:1.5em} table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:2px 6px;text-align:right}</style></head><body>"
        f"<p><a href=\"/\">{html.escape(db.name)}</a> / "
        f"<a href=\"/{db.name}/articles_per_site_per_month\">the numbers (canned query)</a></p>"
        "<h1>Articles per month per site</h1>" + body + "</body></html>")
    return Response.html(page)


async def search_page(datasette, request):
    return await searchpage.render(datasette, request, _archive(datasette))


async def css(datasette, request):
    return Response(_CSS, content_type="text/css; charset=utf-8")


# Readable at 1,400 px: short values on one line, the Chinese text columns wide enough
# to read (Datasette's table gives long unbreakable values their width and squeezes
# Chinese, which breaks anywhere, to one character a line); marked search words. A
# row's page lists its fields one a line (name, value) instead of one very wide row.
_CSS = """
dl.column-descriptions{max-height:5.5em;overflow:auto;border:1px solid #ddd;padding:0.3em 0.6em}
.facet-info{width:340px}
.facet-info ul.tight-bullets{columns:2;column-gap:1.8em}
.facet-info ul.tight-bullets li{break-inside:avoid;word-break:normal}
.rows-and-columns td,.rows-and-columns th{white-space:nowrap}
.rows-and-columns td.col-title,.rows-and-columns td.col-body,.rows-and-columns .wrap{
  white-space:normal;overflow-wrap:anywhere}
.rows-and-columns td.col-title{min-width:30em;max-width:40em}
.rows-and-columns td.col-body{min-width:22em;max-width:32em}
.rows-and-columns .wrap{min-width:16em;max-width:28em}
body.row .rows-and-columns thead{display:none}
body.row table.rows-and-columns,body.row .rows-and-columns tbody,body.row .rows-and-columns tr{
  display:block}
body.row .rows-and-columns td{display:grid;grid-template-columns:11em minmax(0,60em);gap:1em;
  white-space:normal;overflow-wrap:anywhere;min-width:0;max-width:none;border:none;
  border-bottom:1px solid #eee}
body.row .rows-and-columns td.col-body{white-space:pre-line}
body.row .rows-and-columns td:before{content:attr(data-column);font-weight:bold;color:#555;
  margin:0}
.rows-and-columns .short{font-family:monospace;font-size:0.85em}
mark{background:#ffe066;color:inherit;padding:0 1px;border-radius:2px}
.search-error{border-left:4px solid #c00;background:#fff0f0;padding:0.5em 0.8em;margin:0.8em 0}
.search-ranked{margin:0.6em 0;padding:0.4em 0.8em;border-left:4px solid #276890;background:#eef5fa}
.pc-search-form .search-row{display:flex;gap:0.5em;align-items:center;max-width:60em}
.pc-search-form input[type=search]{flex:1}
.search-help{color:#666;font-size:0.85em;margin:0.3em 0 0}
.search-hits{padding-left:2em;max-width:60em}
.search-hits .hit{margin:0 0 1em}
.hit-title{font-size:1.1em;font-weight:bold}
.hit-meta{color:#555;font-size:0.85em;margin:0.15em 0}
.hit-snippet{margin:0.2em 0;line-height:1.5}
"""


@hookimpl
def extra_css_urls():
    return ["/-/portal-crawler.css"]


@hookimpl
def register_routes():
    return [
        (r"^/-/portal-crawler\.css$", css),
        (r"^/-/capture/(?P<kind>[a-z]+)/(?P<id>\d+)(?:/(?P<page>\d+))?$", capture),
        (r"^/-/chart$", chart),
        (r"^/-/search$", search_page),
    ]
