"""The search page, /-/search?q=&sort=relevance|date&site=&offset=: the hits of
store/search.py's `search` (the executor of `portal-crawler search` and
Archive.search, so the same hits in the same order), 20 a page, each with its title
and the body snippet around the hit, the query's words marked (serve/display.py);
a bad query shows the form and one line saying what is wrong."""
from __future__ import annotations

from urllib.parse import urlencode

from datasette.utils.asgi import Response

from portal_crawler.serve import display
from portal_crawler.store.search import SORTS, QueryError, search

__all__ = ["PATH", "PAGE_SIZE", "render"]

PATH = "/-/search"
PAGE_SIZE = 20


async def render(datasette, request, db):
    """The page for `request` over the archive `db` (status 400 for a bad query)."""
    args = request.args
    q, sort, site = (args.get("q") or "").strip(), args.get("sort") or "relevance", args.get("site") or None
    try:
        offset = max(0, int(args.get("offset") or 0))
    except ValueError:
        offset = 0
    sites = [r["site"] for r in (await db.execute(
        "SELECT DISTINCT site FROM articles ORDER BY site")).rows]
    ctx = {"q": q, "sort": sort if sort in SORTS else "relevance", "sorts": SORTS, "site": site,
           "sites": sites, "action": PATH, "offset": offset, "hits": [], "total": 0,
           "error": None}
    status = 200
    if q:
        try:
            res = await db.execute_fn(lambda conn: search(
                conn, q, site=site, sort=sort, limit=PAGE_SIZE, offset=offset,
                snippet_chars=display.SNIPPET_CHARS))
        except QueryError as e:
            ctx["error"], status = display.search_error(q, e), 400
        else:
            terms = display.search_terms(q)
            for h in res.hits:
                h["row_url"] = datasette.urls.row(db.name, "articles", str(h["id"]))
                h["title_html"] = display.highlight(h["title"] or "", terms, "title")
                h["snippet_html"] = display.highlight(h["snippet"], terms, "body")
            base = {"q": q, "site": site or ""}

            def page(**kw):
                return PATH + "?" + urlencode({**base, "sort": sort, **kw})
            ctx.update(
                hits=res.hits, total=res.total,
                sort_urls={s: PATH + "?" + urlencode({**base, "sort": s}) for s in SORTS},
                prev_url=page(offset=max(0, offset - PAGE_SIZE)) if offset else None,
                next_url=page(offset=offset + PAGE_SIZE) if offset + PAGE_SIZE < res.total else None,
                table_url=datasette.urls.table(db.name, "articles") + "?" + urlencode(
                    {"_search": q, **({"site": site} if site else {})}))
    body = await datasette.render_template("portal_crawler_search.html", ctx, request=request)
    return Response.html(body, status=status)
