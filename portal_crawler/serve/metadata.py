"""Datasette metadata for an archive: titles and descriptions from the schema
contract (store/contract.py), default sorts, facets, the search box, canned queries."""
from __future__ import annotations

from portal_crawler.store.contract import TABLES

__all__ = ["QUERIES", "metadata"]

# Per-table presentation: how a table opens in Datasette.
_TABLE_OPTIONS = {
    "articles": {"sort_desc": "published_at", "label_column": "title",
                 "facets": ["site", "channel", {"month": "published_at"}],
                 # the search box: Datasette's own, answered by serve/plugin.py
                 "fts_table": "articles_fts", "fts_pk": "id"},
    "article_urls": {"sort_desc": "last_seen", "label_column": "url",
                     "facets": ["site", "is_canonical", "is_repost"]},
    "article_versions": {"sort_desc": "replaced_at", "facets": ["version"]},
    "attachments": {"facets": ["ext", "fetch", "text_status", "format"], "label_column": "text"},
    "crawl_runs": {"sort_desc": "id", "facets": ["finish_reason"]},
    "articles_fts": {"hidden": True},
    "attachments_fts": {"hidden": True},
    "resources": {"facets": ["fetch", "content_type", "revisit"], "label_column": "url"},
    "dedupe_minhash": {"hidden": True},
    "dedupe_bands": {"hidden": True},
    "dedupe_bands_recent": {"hidden": True},
}

QUERIES = {
    "articles_per_site_per_month": {
        "title": "Articles per site per month",
        "description": "Canonical articles by month of publication and site "
                       "(the chart: /-/chart).",
        "sql": "SELECT substr(published_at, 1, 7) AS month, site, count(*) AS articles\n"
               "FROM articles WHERE published_at IS NOT NULL\n"
               "GROUP BY month, site ORDER BY month DESC, site",
    },
    "repost_network": {
        "title": "Repost network: who reposts whom, and how fast",
        "description": "Pairs of sites: the site of an article's canonical (earliest) copy "
                       "and a site that published a copy of it; days between the two "
                       "publication times.",
        "sql": "SELECT a.site AS origin_site, u.site AS reposted_by, count(*) AS reposts,\n"
               "  round(avg(julianday(u.published_at) - julianday(a.published_at)), 2) "
               "AS avg_days_later,\n"
               "  round(min(julianday(u.published_at) - julianday(a.published_at)), 2) "
               "AS min_days_later,\n"
               "  round(max(julianday(u.published_at) - julianday(a.published_at)), 2) "
               "AS max_days_later\n"
               "FROM article_urls u JOIN articles a ON a.id = u.article_id\n"
               "WHERE u.is_canonical = 0 AND u.site != a.site\n"
               "GROUP BY origin_site, reposted_by ORDER BY reposts DESC, origin_site, reposted_by",
    },
    "reposts": {
        "title": "Where each article was reposted",
        "description": "Every non-canonical copy of an article, with its 来源 and delay.",
        "sql": "SELECT a.id AS article_id, a.title, a.site AS origin_site, "
               "a.published_at AS origin_published,\n"
               "  u.site AS reposted_by, u.published_at AS reposted_at,\n"
               "  round(julianday(u.published_at) - julianday(a.published_at), 2) AS days_later,\n"
               "  u.source, u.similarity, u.url\n"
               "FROM article_urls u JOIN articles a ON a.id = u.article_id\n"
               "WHERE u.is_canonical = 0 ORDER BY a.id, u.id",
    },
    "edits": {
        "title": "Edits: earlier versions of changed articles",
        "description": "Each replaced version and the fields the next version changed.",
        "sql": "SELECT v.article_id, a.title, v.version, v.changed_fields, v.replaced_at, a.url\n"
               "FROM article_versions v JOIN articles a ON a.id = v.article_id\n"
               "ORDER BY v.replaced_at DESC, v.article_id, v.version",
    },
    "recent_articles": {
        "title": "Recent articles",
        "description": "The 100 most recently published articles.",
        "sql": "SELECT id, published_at, site, channel, title, url FROM articles\n"
               "WHERE published_at IS NOT NULL ORDER BY published_at DESC, id DESC LIMIT 100",
    },
    "drift_warnings": {
        "title": "Drift warnings",
        "description": "Per crawl and site: the template extractor failing, a field the "
                       "site always had going missing, failed requests (as portal-crawler "
                       "stats warns).",
        "sql": "SELECT r.id AS run, r.started_at, d.key AS site,\n"
               "  'template extractor failed on ' || json_extract(d.value, '$.generic_fallback')"
               " || ' of ' || json_extract(d.value, '$.articles') || ' articles' AS warning\n"
               "FROM crawl_runs r, json_each(coalesce(r.drift, '{}')) d\n"
               "WHERE json_extract(d.value, '$.generic_fallback') > 0\n"
               "UNION ALL\n"
               "SELECT r.id, r.started_at, d.key, 'field ' || m.key || ' missing in ' || m.value"
               " || ' of ' || json_extract(d.value, '$.articles') || ' articles'\n"
               "FROM crawl_runs r, json_each(coalesce(r.drift, '{}')) d, "
               "json_each(d.value, '$.missing') m\n"
               "UNION ALL\n"
               "SELECT r.id, r.started_at, s.key, json_extract(s.value, '$.errors') "
               "|| ' failed requests'\n"
               "FROM crawl_runs r, json_each(coalesce(r.per_site, '{}')) s\n"
               "WHERE json_extract(s.value, '$.errors') > 0\n"
               "ORDER BY run DESC, site",
    },
}


def metadata(database: str) -> dict:
    """Datasette metadata for the archive served as `database` (its file stem)."""
    tables = {}
    for name, (desc, cols) in TABLES.items():
        tables[name] = {"title": name, "description": desc, "columns": dict(cols),
                        **_TABLE_OPTIONS.get(name, {})}
    return {
        "title": "portal-crawler archive",
        "description_html": (
            "Articles of the 中国中小企业XX网 network. "
            '<a href="/-/search">Search the articles</a> (Chinese words of any length, '
            '"phrases", OR, -word, title:word; ranked by relevance or date, with snippets), '
            f'browse the <a href="/{database}/articles">articles table</a>, see '
            '<a href="/-/chart">articles per month per site</a>, or run one of the '
            f'<a href="/{database}#queries">canned queries</a>. '
            "Each article links to its copies, versions, attachments and archived capture."),
        "databases": {database: {"tables": tables, "queries": QUERIES}},
    }
