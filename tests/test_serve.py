"""`portal-crawler serve`: Datasette over a crawled replica archive, read-only, with
Chinese search equal to the CLI's and Archive.search's, metadata from the schema
contract, canned queries, the chart and the captures."""
from __future__ import annotations

import asyncio
import hashlib
import json
import re
import sqlite3
from pathlib import Path
from urllib.parse import quote

import pytest
from conftest import E2E_SITES, ROOT, cli, crawl_args

from portal_crawler.crawler.extensions.drift import warnings_for_run
from portal_crawler.store.warcread import read_capture
from portal_crawler.store.paths import warc_dir
from portal_crawler.store import Archive
from portal_crawler.store.contract import TABLES
from portal_crawler.store.search import compile_query
from portal_crawler.serve import make_datasette
from portal_crawler.serve.metadata import QUERIES

QUERIES_TO_CHECK = ["疫情", "中小企业", "企", "融资担保", "疫情 OR 融资", "企业 -疫情", "title:企业",
                    '"统筹疫情防控"', "27.6%", "5G", "同比增长1.0%"]


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    """Four replica sites crawled, the network advanced (new and edited articles),
    crawled again: copies, versions, attachments, two runs."""
    from portal_crawler.replica import ReplicaProcess
    d = tmp_path_factory.mktemp("serve")
    db = d / "a.db"
    with ReplicaProcess(seed=11, sites=E2E_SITES, scale="tiny") as rep:
        rep.sites_file(d / "sites.toml")
        cli(*crawl_args(d / "sites.toml", db), check=True)
        rep.advance()
        cli(*crawl_args(d / "sites.toml", db, E2E_SITES, "--refresh-days", "100000"), check=True)
    with Archive(db) as ar:                     # a run with drift, as a crawl records it
        run = ar.start_run(["harbin"])
        ar.finish_run(run, {"requests": 3, "errors": 2, "drift": {"harbin": {
            "articles": 9, "generic_fallback": 4, "missing": {"author": 3}}},
            "per_site": {"harbin": {"errors": 2}}}, "finished")
    return db


class Client:
    def __init__(self, db):
        self.loop = asyncio.new_event_loop()
        self.ds = make_datasette(db)
        self.loop.run_until_complete(self.ds.invoke_startup())
        self.name = Path(db).stem

    def get(self, path):
        return self.loop.run_until_complete(self.ds.client.get(path))

    def json(self, path):
        r = self.get(path)
        assert r.status_code == 200, (path, r.status_code, r.text[:500])
        return r.json()

    def close(self):
        self.loop.close()


@pytest.fixture(scope="module")
def client(archive):
    c = Client(archive)
    yield c
    c.close()


def _rows(db, sql, args=()):
    con = sqlite3.connect(db)
    con.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in con.execute(sql, args)]
    finally:
        con.close()


def _ds_ids(client, q):
    ids, path = set(), f"/{client.name}/articles.json?_search={quote(q)}&_col=id&_size=max&_shape=objects"
    while path:
        d = client.json(path)
        ids |= {r["id"] for r in d["rows"]}
        nxt = d.get("next_url")
        path = nxt.split("localhost", 1)[-1] if nxt else None
    assert len(ids) == d["filtered_table_rows_count"]
    return ids


def test_metadata_describes_every_table_and_column(archive, client):
    con = sqlite3.connect(archive)
    tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table' AND "
                                        "name NOT LIKE '%_fts_%' AND name NOT LIKE 'sqlite_%'")]
    meta = client.json("/-/metadata.json")["databases"][client.name]["tables"]
    for t in tables:
        cols = [r[1] for r in con.execute(f"PRAGMA table_info({t})")]
        assert t in TABLES and meta[t]["description"] == TABLES[t][0], t
        assert set(cols) == set(TABLES[t][1]) == set(meta[t]["columns"]), t
        assert all(meta[t]["columns"][c] for c in cols)
    # the schema reference (docs/schema.md, linked from the README) names every table and
    # column the contract describes
    section = (ROOT / "docs" / "schema.md").read_text("utf-8")
    for t, (_, cols) in TABLES.items():
        if t != "meta":
            assert f"`{t}`" in section, t
        if t not in ("meta", "dedupe_minhash", "articles_fts", "attachments_fts"):  # docs/schema.md lists columns
            for c in cols:
                assert re.search(rf"\b{c}\b", section), (t, c)
    # the table page shows them
    html = client.get(f"/{client.name}/articles").text
    assert TABLES["articles"][0] in html.replace("&#39;", "'")


def test_search_box_equals_substring_scan_and_the_other_doors(archive, client):
    rows = _rows(archive, "SELECT id, title, body FROM articles")
    with Archive(archive) as ar:
        for q in QUERIES_TO_CHECK:
            lib = ar.search(q, limit=100_000)
            ds = _ds_ids(client, q)
            assert {h["id"] for h in lib} == ds and lib.total == len(ds), q
            p = cli("search", q, "--db", archive, "--format", "json", "--limit", "100000", check=True)
            assert {h["id"] for h in json.loads(p.stdout)["hits"]} == ds, q
    for q in ("疫情", "中小企业", "企", "融资担保", '"统筹疫情防控"'):
        w = q.strip('"')
        truth = {r["id"] for r in rows if w in r["title"] or w in r["body"]}
        assert truth and _ds_ids(client, q) == truth, q
    r = client.get(f"/{client.name}/articles.json?_search=-x")
    assert r.status_code == 400 and "needs a term" in r.json()["error"]


def test_read_only_and_immutable(archive, client):
    before = hashlib.sha256(Path(archive).read_bytes()).hexdigest()
    assert not client.ds.databases[client.name].is_mutable
    r = client.get(f"/{client.name}.json?sql=" + quote("DELETE FROM articles"))
    assert r.status_code == 400
    client.json(f"/{client.name}/articles.json?_search=疫情")
    assert hashlib.sha256(Path(archive).read_bytes()).hexdigest() == before
    assert _rows(archive, "SELECT count(*) AS n FROM articles")[0]["n"] > 0


def test_table_view_sorts_facets_truncates_and_links(archive, client):
    d = client.json(f"/{client.name}/articles.json?_shape=objects&_size=5")
    dates = [r["published_at"] for r in d["rows"]]
    assert dates == sorted(dates, reverse=True)
    facets = d["facet_results"]
    by_name = {f["name"]: f for f in (facets.values() if isinstance(facets, dict) else facets)}
    assert by_name["published_at"]["type"] == "month"
    months = by_name["published_at"]["results"]
    n_month = _rows(archive, "SELECT count(DISTINCT substr(published_at, 1, 7)) AS n FROM articles "
                             "WHERE published_at IS NOT NULL")[0]["n"]
    top = _rows(archive, "SELECT substr(published_at, 1, 7) AS m, count(*) AS n FROM articles "
                         "GROUP BY m HAVING m IS NOT NULL ORDER BY m DESC LIMIT 1")[0]
    assert months[0]["value"] == top["m"] and months[0]["count"] == top["n"] and len(months) == min(n_month, 10)
    assert {v["value"] for v in by_name["site"]["results"]} == set(E2E_SITES)
    filtered = client.json(f"/{client.name}/articles.json?published_at__startswith={top['m']}&_size=0")
    assert filtered["filtered_table_rows_count"] == top["n"]
    # long bodies are cut in the HTML table
    html = client.get(f"/{client.name}/articles").text
    longest = max(len(r["body"] or "") for r in _rows(archive, "SELECT body FROM articles"))
    assert longest > 500
    cells = re.findall(r'<td class="col-body[^"]*"[^>]*>(.*?)</td>', html, re.S)
    assert cells and max(len(c) for c in cells) < 200
    # an article's row links to its copies, versions and attachments
    aid = _rows(archive, "SELECT article_id AS id FROM article_versions LIMIT 1")[0]["id"]
    row = client.get(f"/{client.name}/articles/{aid}").text
    assert f"/{client.name}/article_versions?article_id={aid}" in row
    assert f"/{client.name}/article_urls?article_id={aid}" in row
    att = _rows(archive, "SELECT article_id AS id FROM attachments LIMIT 1")[0]["id"]
    assert f"/{client.name}/attachments?article_id={att}" in client.get(f"/{client.name}/articles/{att}").text
    assert f'href="/-/capture/article/{aid}"' in row


def test_canned_queries(archive, client):
    def canned(name):
        return client.json(f"/{client.name}/{name}.json?_shape=objects&_size=max")["rows"]
    per_month = canned("articles_per_site_per_month")
    assert sum(r["articles"] for r in per_month) == _rows(
        archive, "SELECT count(*) AS n FROM articles WHERE published_at IS NOT NULL")[0]["n"]
    copies = _rows(archive, "SELECT a.site AS o, u.site AS r FROM article_urls u JOIN articles a "
                            "ON a.id = u.article_id WHERE u.is_canonical = 0 AND u.site != a.site")
    net = canned("repost_network")
    assert copies and sum(r["reposts"] for r in net) == len(copies)
    assert {(r["origin_site"], r["reposted_by"]) for r in net} == {(c["o"], c["r"]) for c in copies}
    assert all(r["min_days_later"] >= 0 for r in net)        # the canonical copy is the earliest
    assert len(canned("reposts")) == _rows(archive, "SELECT count(*) AS n FROM article_urls "
                                                    "WHERE is_canonical = 0")[0]["n"]
    edits = canned("edits")
    assert edits and len(edits) == _rows(archive, "SELECT count(*) AS n FROM article_versions")[0]["n"]
    recent = canned("recent_articles")
    assert recent[0]["published_at"] == _rows(archive, "SELECT max(published_at) AS m FROM articles")[0]["m"]
    with Archive(archive) as ar:
        want = [w for run in ar.runs(100) for w in warnings_for_run(run)]
    got = canned("drift_warnings")
    assert len(got) == len(want) == 3
    assert {r["warning"] for r in got} == {"template extractor failed on 4 of 9 articles",
                                            "field author missing in 3 of 9 articles", "2 failed requests"}
    assert set(QUERIES) <= {q["name"] for q in client.json(f"/{client.name}.json")["queries"]}


def test_capture_served_from_warc_in_a_sandbox(archive, client):
    row = _rows(archive, "SELECT id, warc_file, warc_offset, warc_refs FROM articles WHERE pages > 1 LIMIT 1")[0]
    for page, (name, off) in enumerate(json.loads(row["warc_refs"]), 1):
        r = client.get(f"/-/capture/article/{row['id']}/{page}")
        assert r.status_code == 200 and r.headers["content-security-policy"] == "sandbox"
        assert r.content == read_capture(warc_dir(archive), name, off).body
    copy = _rows(archive, "SELECT id, warc_file, warc_offset FROM article_urls WHERE is_canonical = 0 LIMIT 1")[0]
    r = client.get(f"/-/capture/copy/{copy['id']}")
    assert r.content == read_capture(warc_dir(archive), copy["warc_file"], copy["warc_offset"]).body
    assert r.headers["content-security-policy"] == "sandbox"
    assert client.get("/-/capture/article/999999").status_code == 404
    assert client.get(f"/-/capture/article/{row['id']}/99").status_code == 404


def test_chart_is_inline_svg_without_script(archive, client):
    r = client.get("/-/chart")
    assert r.status_code == 200
    html = r.text
    assert "<svg" in html and "<script" not in html.lower()
    assert not re.search(r'(src|href)="(https?:)?//', html) and "<link" not in html   # nothing fetched
    assert set(re.findall(r'class="site" data-site="([^"]+)"', html)) == set(E2E_SITES)
    nums = [int(x) for x in re.findall(r"<td>(\d+)</td>", html)]
    assert sum(nums) == _rows(archive, "SELECT count(*) AS n FROM articles WHERE published_at IS NOT NULL")[0]["n"]


def test_serve_refuses_bad_archives(tmp_path):
    p = cli("serve", "--db", tmp_path / "none.db")
    assert p.returncode == 2 and p.stderr.startswith("error: no archive at")
    old = tmp_path / "old.db"
    Archive(old).close()
    con = sqlite3.connect(old)
    con.execute("PRAGMA user_version = 1")          # as written by schema v1
    con.close()
    p = cli("serve", "--db", old)
    assert p.returncode == 2 and "schema v1" in p.stderr and p.stderr.count("\n") == 1


def test_three_doors_agree_on_the_demo_archive(demo_archive):
    """The demo archive (what a new user queries first): CLI, Archive.search and the
    Datasette search box give the same articles, and the Chinese ones equal a scan."""
    c = Client(demo_archive)
    try:
        rows = _rows(demo_archive, "SELECT id, title, body FROM articles")
        with Archive.open(demo_archive, readonly=True) as ar:
            for q in ("疫情", "中小企业", "企", "疫情 OR 融资", "融资 -担保", "title:企业", "27.6%"):
                lib = {h["id"] for h in ar.search(q, limit=100_000)}
                p = cli("search", q, "--db", demo_archive, "--format", "json", "--limit", "100000", check=True)
                assert {h["id"] for h in json.loads(p.stdout)["hits"]} == lib == _ds_ids(c, q), q
                if re.fullmatch(r"[\u4e00-\u9fff]+", q):
                    assert lib == {r["id"] for r in rows if q in r["title"] or q in r["body"]} != set(), q
    finally:
        c.close()


def test_pending_wal_is_served_read_only(tmp_path):
    """While a crawl holds the archive open (its write-ahead log not yet checkpointed),
    serve reads through `?mode=ro`: it sees the committed rows and writes nothing."""
    db = tmp_path / "live.db"
    writer = Archive(db)
    try:
        writer.write_articles([{"url": "http://hrb.example.cn/a/x/2021/0101/1.html", "site": "harbin",
                                "channel": "工作动态", "title": "疫情防控工作会议", "body": "统筹疫情防控。",
                                "published_at": "2021-01-01T08:00:00+08:00", "published_raw": "2021-01-01",
                                "date_flag": None, "source": None, "author": None, "editor": None,
                                "reviewer": None, "breadcrumb": None, "description": None, "clicks": 0,
                                "pages": 1, "attachments": [], "images": [], "extractor": "dedecms",
                                "fetched_at": "2021-12-01T00:00:00+00:00", "warc_file": None,
                                "warc_offset": None, "warc_refs": None}])
        wal = Path(f"{db}-wal")
        assert wal.stat().st_size > 0
        before = (db.read_bytes(), wal.read_bytes())
        c = Client(db)
        try:
            assert c.ds.databases["live"].is_mutable
            assert _ds_ids(c, "疫情") == {1}
            assert c.get("/live.json?sql=" + quote("UPDATE articles SET title = 'x'")).status_code == 400
        finally:
            c.close()
        assert (db.read_bytes(), wal.read_bytes()) == before
    finally:
        writer.close()


def test_search_page_is_the_search_api_ranked_with_marks(archive, client):
    """/-/search lists Archive.search's hits in its order (relevance or date), a page
    at a time, each title and snippet with the query's words in <mark>."""
    from html import unescape
    with Archive.open(archive, readonly=True) as ar:
        for q, sort, site in (("企业", "relevance", None), ("企业", "date", None),
                              ("疫情 OR 融资", "relevance", "harbin"), ('"统筹疫情防控"', "date", None)):
            for offset in (0, 20):
                want = ar.search(q, sort=sort, site=site, limit=20, offset=offset)
                args = {"q": q, "sort": sort, "offset": offset, **({"site": site} if site else {})}
                r = client.get("/-/search?" + "&".join(f"{k}={quote(str(v))}" for k, v in args.items()))
                assert r.status_code == 200
                ids = [int(i) for i in re.findall(r'<li class="hit" data-id="(\d+)"', r.text)]
                assert ids == [h["id"] for h in want], (q, sort, offset)
                assert f"{want.total:,} article" in r.text
                marks = {unescape(m) for m in re.findall(r"<mark>(.*?)</mark>", r.text)}
                words = {t.text for t in compile_query(q).terms()}
                assert marks and marks <= words, (q, marks)


def test_bad_query_pages_and_api_log_nothing(client, capfd):
    """A bad query: the search page (400) and the table page (200, no rows) keep the
    form and say what is wrong in one line; the API answers 400 with that line; a
    missing capture is a 404, an unknown sort column Datasette's error. None of it
    prints a traceback (Datasette prints every
    exception with rich, locals and all, unless serve/plugin.py answers it)."""
    capfd.readouterr()
    for q in ('"统筹', "OR", "-疫情", "(企业", "*"):
        r = client.get(f"/-/search?q={quote(q)}")
        assert r.status_code == 400 and 'name="q"' in r.text
        msg = re.search(r'<p class="search-error"[^>]*>(.*?)</p>', r.text, re.S).group(1)
        assert msg.startswith("invalid search") and "\n" not in msg
        r = client.get(f"/{client.name}/articles?_search={quote(q)}")
        assert r.status_code == 200 and 'name="_search"' in r.text
        assert re.search(r'<p class="search-error"[^>]*>(.*?)</p>', r.text).group(1) == msg
        assert "<tbody>" not in r.text
        r = client.get(f"/{client.name}/articles.json?_search={quote(q)}")
        assert r.status_code == 400 and r.json()["error"].startswith("invalid search")
    # Datasette's per-column search goes through the same check
    r = client.get(f"/{client.name}/articles?_search_title={quote(chr(34) + '统筹')}")
    assert r.status_code == 200 and '<p class="search-error"' in r.text and "<tbody>" not in r.text
    assert client.get(f"/{client.name}/articles.json?_search_body=OR").status_code == 400
    assert client.get(f"/{client.name}/articles?_search=x&_searchmode=raw").status_code == 400
    assert client.get(f"/{client.name}/articles?_sort=nope").status_code == 500   # Datasette's
    assert client.get("/-/capture/article/999999").status_code == 404
    out = capfd.readouterr()
    assert "Traceback" not in out.out + out.err and "locals" not in out.out + out.err


def test_display_shortens_long_values_and_marks_words():
    from markupsafe import Markup
    from portal_crawler.serve.display import column_order, highlight, search_terms, short
    url = "http://hrb.example.cn/a/xinwendongtai/gongzuodongtai/2021/1022/12345.html"
    s = short(url)
    assert isinstance(s, Markup) and f'href="{url}"' in s and f'title="{url}"' in s
    assert ">hrb.example.cn/…/12345.html<" in s
    h = "f969f65b8bf8068df6ef0a0ad3f8eb96f969f65b8bf8068d"
    assert short(h) == Markup(f'<span class="short" title="{h}">{h[:21]}…{h[-10:]}</span>')
    assert short("2021-10-22T08:19:00+08:00") == Markup(
        '<span class="time" title="2021-10-22T08:19:00+08:00">2021-10-22 08:19</span>')
    assert short("short value") is None and short("统筹疫情防控 " * 10) is None
    assert column_order("articles", ["id", "url", "site", "channel", "title", "published_at",
                                     "source", "body", "x"]) == [4, 2, 3, 5, 6, 7, 0, 1, 8]
    assert str(highlight("<b>疫情防控</b>和疫情", search_terms("疫情"), "title")) == \
        "&lt;b&gt;<mark>疫情</mark>防控&lt;/b&gt;和<mark>疫情</mark>"
    # overlapping terms make one mark; a title: term is not marked in the body
    assert str(highlight("统筹疫情防控", search_terms("疫情 情防"), "body")) == "统筹<mark>疫情防</mark>控"
    assert str(highlight("疫情", search_terms("title:疫情 企业"), "body")) == "疫情"
