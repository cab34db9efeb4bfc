"""Search: the query language's hits equal a scan of the text; the CLI's behaviour."""
from __future__ import annotations

import csv
import io
import json
import random
import re

import pytest
from conftest import cli

from portal_crawler.dedupe.synth import Synth
from portal_crawler.store import Archive
from portal_crawler.store.fts import _index_text_py, index_text
from portal_crawler.store.search import QueryError, compile_query

H = "http://hrb.example.cn"
# Text that must be found exactly: run ends (国企，), Latin next to Chinese, digits.
EXTRAS = ["国企，", "5G网络", "15G", "5g", "27.6%", "127.6%", "COVID-19", "app", "apply",
          "疫情防控", "中小企业", "企", "[/]", "[link=http://x.example/]点我[/link]", "A股",
          "2021年", "防控疫情"]
TITLES = ["哈尔滨市召开中小企业补短板工作会议", "关于做好疫情防控工作的通知", "5G网络建设推进会",
          "国企改革三年行动", "企业融资担保27.6%增长", "App 上线 [/] 测试"]


def _docs(n=120, seed=3):
    rng = random.Random(seed)
    docs = []
    for i in range(n):
        paras = Synth(1000 + i).article((2, 4))
        for _ in range(rng.randint(0, 4)):
            j = rng.randrange(len(paras))
            k = rng.randrange(len(paras[j]) + 1)
            paras[j] = paras[j][:k] + rng.choice(EXTRAS) + paras[j][k:]
        title = rng.choice(TITLES) + f"（{i}）"
        day = f"2021-{1 + i % 12:02d}-{1 + i % 28:02d}"
        docs.append({"url": f"{H}/a/x/2021/0101/{i + 1}.html", "site": ["harbin", "zhejiang"][i % 2],
                     "channel": ["工作动态", "通知公告"][i % 3 == 0], "title": title,
                     "body": "\n".join(paras), "published_at": f"{day}T08:00:00+08:00"})
    return docs


def _item(d):
    return dict(d, published_raw=d["published_at"][:10], date_flag=None, source=None, author=None,
                editor=None, reviewer=None, breadcrumb=None, description=None, clicks=0, pages=1,
                attachments=[], images=[], extractor="dedecms",
                fetched_at="2021-12-01T00:00:00+00:00", warc_file=None, warc_offset=None,
                warc_refs=None)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    path = tmp_path_factory.mktemp("search") / "s.db"
    docs = _docs()
    with Archive(path) as ar:
        res = ar.write_articles([_item(d) for d in docs])
        assert res["new"] == len(docs)           # distinct articles, none merged
        rows = ar.conn.execute("SELECT id, title, body, site, channel, published_at FROM articles").fetchall()
    return path, [dict(zip(("id", "title", "body", "site", "channel", "published_at"), r)) for r in rows]


def _ids(ar, q, **kw):
    res = ar.search(q, limit=10_000, **kw)
    assert res.total == len(res.hits)
    return {h["id"] for h in res.hits}


def _scan(rows, pred):
    return {r["id"] for r in rows if pred(r)}


def test_index_text_numpy_equals_python():
    rng = random.Random(5)
    alphabet = "疫情防控企业中小。，5Gab 27.6%_x\x00\n"
    for _ in range(500):
        s = "".join(rng.choice(alphabet) for _ in range(rng.randint(80, 300)))
        assert index_text(s) == _index_text_py(s)
    assert index_text("疫情防控。5G网络") == "疫情 情防 防控 控 。5G 网络 络 "


def test_chinese_words_of_any_length_equal_a_substring_scan(corpus):
    path, rows = corpus
    rng = random.Random(7)
    texts = [r["title"] + "\n" + r["body"] for r in rows]
    queries = set()
    for _ in range(150):                       # substrings of the archive, 1..8 characters
        t = rng.choice(texts)
        n = rng.choice([1, 1, 2, 2, 3, 4, 4, 5, 8])
        k = rng.randrange(len(t) - n)
        cut = t[k:k + n]
        if re.fullmatch(r"[\u4e00-\u9fff]+", cut):
            queries.add(cut)
    queries |= {"疫情", "企", "国企", "中小企业", "防控疫情", "短板", "补短板工作会议", "龘"}
    assert len(queries) > 80
    with Archive(path) as ar:
        for q in sorted(queries):
            want = _scan(rows, lambda r: q in r["title"] or q in r["body"])
            assert _ids(ar, q) == want, q
        # a character that only ends runs ("国企，") is found: the index has its lone token
        assert _ids(ar, "企") == _scan(rows, lambda r: "企" in r["title"] + r["body"])


def test_operators_equal_set_algebra_of_scans(corpus):
    path, rows = corpus
    has = lambda w: _scan(rows, lambda r: w in r["title"] or w in r["body"])  # noqa: E731
    in_title = lambda w: _scan(rows, lambda r: w in r["title"])  # noqa: E731
    with Archive(path) as ar:
        assert _ids(ar, "疫情 企业") == has("疫情") & has("企业")
        assert _ids(ar, "疫情 OR 融资") == has("疫情") | has("融资")
        assert _ids(ar, "企业 -疫情") == has("企业") - has("疫情")
        assert _ids(ar, "企业 -疫情防控") == has("企业") - has("疫情防控")
        assert _ids(ar, "title:疫情") == in_title("疫情")
        assert _ids(ar, "body:国企 -title:国企") == _scan(rows, lambda r: "国企" in r["body"]) - in_title("国企")
        assert _ids(ar, "(疫情 OR 融资) 中小 -5G") == ((has("疫情") | has("融资")) & has("中小")) - _scan(
            rows, lambda r: _latin(r, "5G"))
        assert _ids(ar, '"中小企业 发展"') == _scan(rows, lambda r: re.search(r"中小企业\s+发展", r["title"] + "\n" + r["body"]))
        assert _ids(ar, '"疫情防控"') == has("疫情防控")
        assert has("疫情") & has("企业") and has("企业") - has("疫情")       # the cases are not empty


def _latin(row, word):
    """Whole-word, case-insensitive: not glued to other letters or digits."""
    rx = re.compile(rf"(?<![^\W_\u4e00-\u9fff]){re.escape(word)}(?![^\W_\u4e00-\u9fff])", re.I)
    return bool(rx.search(row["title"]) or rx.search(row["body"]))


def test_latin_digits_and_mixed_terms(corpus):
    path, rows = corpus
    with Archive(path) as ar:
        for q in ("5G", "5g", "15G", "27.6%", "127.6%", "COVID-19", "app", "apply", "5G网络", "A股", "2021年"):
            want = _scan(rows, lambda r: _latin(r, q))
            assert _ids(ar, q) == want, q
            assert want, q                     # each case occurs in the corpus
        # 5G is not found inside 15G, app not inside apply; 27.6% not inside 127.6%
        only_15g = _scan(rows, lambda r: "15G" in r["title"] + r["body"]) - _scan(rows, lambda r: _latin(r, "5G"))
        assert only_15g and not only_15g & _ids(ar, "5G")


def test_filters_paging_total_and_sort(corpus):
    path, rows = corpus
    with Archive(path) as ar:
        want = [r for r in rows if "的" in r["title"] + r["body"] and r["site"] == "zhejiang"
                and "2021-02-01" <= r["published_at"][:10] <= "2021-09-30" and r["channel"] == "工作动态"]
        res = ar.search("的", site="zhejiang", since="2021-02-01", until="2021-09-30", channel="工作动态",
                        sort="date", limit=5)
        assert res.total == len(want) > 5
        by_date = sorted(want, key=lambda r: (r["published_at"], r["id"]), reverse=True)
        assert [h["id"] for h in res] == [r["id"] for r in by_date[:5]]
        page2 = ar.search("的", site="zhejiang", since="2021-02-01", until="2021-09-30", channel="工作动态",
                          sort="date", limit=5, offset=5)
        assert [h["id"] for h in page2] == [r["id"] for r in by_date[5:10]]
        # relevance: a title hit outranks body-only hits
        rel = ar.search("疫情", limit=10_000)
        first_body_only = next(i for i, h in enumerate(rel) if "疫情" not in h["title"])
        assert all("疫情" in h["title"] for h in rel.hits[:first_body_only]) and first_body_only > 0
        assert all("疫情" not in h["title"] for h in rel.hits[first_body_only:])
        with pytest.raises(QueryError):
            ar.search("企业", since="2021-13-01")


def test_snippet_marks_the_first_hit(corpus):
    path, rows = corpus
    body = {r["id"]: r["body"] for r in rows}
    with Archive(path) as ar:
        hits = ar.search("疫情防控", limit=50).hits
        assert any(h["snippet_hit"] is None for h in hits) and any(h["snippet_hit"] for h in hits)
        for h in hits:
            if "疫情防控" not in body[h["id"]]:        # a title hit: the body's start
                assert h["snippet_hit"] is None and body[h["id"]].startswith(h["snippet"][:10])
                continue
            a, b = h["snippet_hit"]
            assert h["snippet"][a:b] == "疫情防控"
            first = body[h["id"]].index("疫情防控")   # the first hit, with what precedes it
            assert body[h["id"]][:first].replace("\n", " ").endswith(h["snippet"][:a].lstrip("…"))


@pytest.mark.parametrize("q", ["", "   ", "-融资", '"未闭合', "(疫情", "疫情)", "OR 疫情", "疫情 OR",
                               "。，", "()", "--x"])
def test_bad_queries_are_errors(q):
    with pytest.raises(QueryError) as e:
        compile_query(q)
    assert str(e.value) and "\n" not in str(e.value)


def test_cli_search_formats_and_errors(corpus, tmp_path):
    path, rows = corpus
    want = _scan(rows, lambda r: "疫情" in r["title"] + r["body"]) - _scan(rows, lambda r: "融资" in r["title"] + r["body"])
    p = cli("search", "疫情", "-融资", "--db", path, "--format", "json", "--limit", "1000", check=True)
    data = json.loads(p.stdout)
    assert data["total"] == len(want) and {h["id"] for h in data["hits"]} == want
    assert all("«" in h["snippet"] for h in data["hits"] if "疫情" in body_of(rows, h["id"]))
    p = cli("search", "疫情 OR 融资", "--db", path, "--format", "csv", "--limit", "3", "--offset", "2", check=True)
    got = list(csv.DictReader(io.StringIO(p.stdout)))
    assert len(got) == 3 and p.stderr.strip() == f"{len(_scan(rows, lambda r: '疫情' in r['title'] + r['body'] or '融资' in r['title'] + r['body']))} results"
    for args in (["search", "", "--db", path], ["search", "-融资", "--db", path], ["search", '"x', "--db", path],
                 ["search", "疫情", "--since", "yesterday", "--db", path], ["search", "疫情", "--site", "nowhere", "--db", path],
                 ["search", "疫情", "--limti", "3", "--db", path], ["search", "疫情", "--db", tmp_path / "none.db"]):
        p = cli(*args)
        assert p.returncode == 2, (args, p.stdout, p.stderr)
        assert p.stderr.startswith("error: ") and p.stderr.count("\n") == 1, p.stderr


def body_of(rows, i):
    return next(r["body"] for r in rows if r["id"] == i)


def test_cli_table_prints_titles_literally(tmp_path):
    db = tmp_path / "m.db"
    title = "测试[/]标题[link=http://evil.example/]点击[/link][bold]粗[/bold]"
    with Archive(db) as ar:
        ar.write_articles([_item({"url": f"{H}/a/x/2021/0101/1.html", "site": "harbin", "channel": "工作动态",
                                  "title": title, "body": "正文[red]不是样式[/red]，包含疫情。",
                                  "published_at": "2021-01-01T08:00:00+08:00"})])
    p = cli("search", "疫情", "--db", db, env={"COLUMNS": "300"}, check=True)
    assert title in p.stdout and "[red]不是样式[/red]" in p.stdout
    assert "1-1 of 1 results" in p.stdout


def test_sql_check_equals_python_check(corpus):
    """Query.check_sql (instr for plain terms, Python for the rest) decides as
    Query.matches does, NULL fields included."""
    import sqlite3
    from portal_crawler.store.search import register_functions
    _, rows = corpus
    con = sqlite3.connect(":memory:")
    register_functions(con)
    con.execute("CREATE TABLE articles (id INTEGER PRIMARY KEY, title TEXT, body TEXT)")
    data = [(r["id"], r["title"], r["body"]) for r in rows] + [(10_001, None, "国企，同比增长12.5%"),
                                                               (10_002, "27.6%增长", None)]
    con.executemany("INSERT INTO articles VALUES (?, ?, ?)", data)
    for q in ('"同比增长12.5%" -title:国企', "国企， OR 27.6%", "-27.6% 增长", '"点我[/link]" OR A股', "5G网络 -15G",
              "title:27.6% OR body:国企，", '"中小企业 发展" OR 疫情防控'):
        query = compile_query(q)
        assert not query.exact
        sql, params = query.check_sql("articles")
        got = {i for (i,) in con.execute(f"SELECT id FROM articles WHERE {sql}", params)}
        assert got == {i for i, t, b in data if query.matches(t, b)}, q
        assert got, q
