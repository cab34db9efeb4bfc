"""The SQLite archive: schema, write semantics, dedupe across opens, search."""
import functools
import json
import sqlite3

import pytest

from portal_crawler.dedupe.synth import Synth
from portal_crawler.store import SCHEMA_VERSION, Archive
from portal_crawler.store.search import QueryError

H = "http://hrb.example.cn"
Z = "http://zj.example.cn"
N = "http://nat.example.cn"


@functools.lru_cache(maxsize=None)
def body(seed: int, paras=(6, 7)) -> str:
    return "\n".join(Synth(seed).article(paras))


def item(url, site="harbin", **kw):
    rec = dict(url=url, site=site, title="哈尔滨市召开中小企业补短板工作会议",
               published_at="2021-10-22T08:19:00+08:00", published_raw="2021-10-22 08:19",
               date_flag=None, source="哈尔滨市工信局", author=None, editor="王芳",
               reviewer="刘继伟", channel="工作动态", breadcrumb="首页 > 新闻动态 > 工作动态",
               description=None, body="疫情防控期间，各企业要补齐短板。\n" + body(1),
               clicks=5, pages=1, attachments=[{"url": f"{H}/uploads/a.pdf", "text": "附件1"}],
               images=[{"url": f"{H}/uploads/1.jpg", "alt": None}], extractor="dedecms",
               fetched_at="2021-10-23T00:00:00+00:00", warc_file="c-0001.warc.gz",
               warc_offset=100, warc_refs=[["c-0001.warc.gz", 100]])
    rec.update(kw)
    return rec


def counts(ar):
    return ar.counts()


def test_schema_created_and_version_recorded(tmp_path):
    path = tmp_path / "sub" / "dir" / "portal.db"
    with Archive(path) as ar:
        assert ar.schema_version == SCHEMA_VERSION
    con = sqlite3.connect(path)
    assert con.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert con.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()[0] == str(SCHEMA_VERSION)
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"articles", "article_urls", "article_versions", "attachments", "images",
            "crawl_runs", "dedupe_minhash", "articles_fts", "meta"} <= tables
    cols = [r[1] for r in con.execute("PRAGMA table_info(articles)")]
    for c in ("url", "url_key", "site", "channel", "breadcrumb", "title", "published_at",
              "published_raw", "date_flag", "source", "author", "editor", "reviewer",
              "description", "body", "clicks", "pages", "extractor", "content_hash",
              "warc_file", "warc_offset", "warc_refs", "first_seen", "last_seen",
              "updated_at", "version", "group_size"):
        assert c in cols
    con.close()
    with Archive(path) as ar:                   # reopen: nothing migrates twice
        ar.write_articles([item(f"{H}/a/x/2021/1022/1.html")])
    with Archive(path) as ar:
        assert ar.counts()["articles"] == 1


def test_new_migration_applied_once(tmp_path, monkeypatch):
    from portal_crawler.store import schema
    path = tmp_path / "a.db"
    Archive(path).close()
    monkeypatch.setattr(schema, "MIGRATIONS", schema.MIGRATIONS + [
        "ALTER TABLE articles ADD COLUMN extra TEXT;\nCREATE INDEX articles_extra ON articles(extra);"])
    new = len(schema.MIGRATIONS)
    with Archive(path) as ar:                   # v1 is not re-run (it would fail)
        assert ar.schema_version == new
    with Archive(path) as ar:                   # the new step is not re-run either
        assert ar.conn.execute("PRAGMA user_version").fetchone()[0] == new
        assert ar.conn.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()[0] == str(new)
    monkeypatch.setattr(schema, "MIGRATIONS", schema.MIGRATIONS[:1])
    with pytest.raises(RuntimeError):           # an archive newer than the code
        Archive(path)


def test_rewrite_adds_zero_rows(tmp_path):
    items = [item(f"{H}/a/x/2021/1022/1.html"),
             item(f"{H}/a/x/2021/1022/2.html", title="另一篇", body=body(2)),
             item(f"{Z}/a/y/2021/1023/9.html", site="zhejiang", title="第三篇", body=body(3))]
    with Archive(tmp_path / "a.db") as ar:
        assert ar.write_articles(items) == {"new": 3, "updated": 0, "unchanged": 0, "duplicate": 0}
        before = counts(ar)
        again = [dict(i, fetched_at="2021-11-01T00:00:00+00:00", clicks=9) for i in items]
        assert ar.write_articles(again) == {"new": 0, "updated": 0, "unchanged": 3, "duplicate": 0}
        assert counts(ar) == before
        art = ar.article_by_url(f"{H}/plus/view.php?aid=1")
        assert art["last_seen"] == "2021-11-01T00:00:00+00:00" and art["clicks"] == 9
        assert art["first_seen"] == "2021-10-23T00:00:00+00:00" and art["version"] == 1
        assert art["warc_refs"] == [["c-0001.warc.gz", 100]]
        assert art["attachments"] == [{"url": f"{H}/uploads/a.pdf", "text": "附件1", "ext": "pdf"}]


def test_edit_makes_version(tmp_path):
    url = f"{H}/a/x/2021/1022/1.html"
    with Archive(tmp_path / "a.db") as ar:
        ar.write_articles([item(url)])
        edited = item(url, title="哈尔滨市召开中小企业补短板工作会议（更新）",
                      body=item(url)["body"] + "\n会议要求各区县抓好落实。",
                      attachments=[], fetched_at="2021-10-30T00:00:00+00:00")
        assert ar.write_articles([edited])["updated"] == 1
        assert ar.write_articles([edited])["unchanged"] == 1
        art = ar.article_by_url(url)
        assert art["version"] == 2 and art["title"].endswith("（更新）")
        assert art["updated_at"] == "2021-10-30T00:00:00+00:00"
        assert art["attachments"] == []
        assert [v["changed_fields"] for v in art["versions"]] == [["title", "body", "attachments"]]
        old = ar.conn.execute("SELECT version, title, attachments FROM article_versions").fetchone()
        assert old[0] == 1 and old[1] == "哈尔滨市召开中小企业补短板工作会议"
        assert json.loads(old[2])[0]["text"] == "附件1"
        assert ar.search("更新")[0]["id"] == art["id"]
        assert ar.search("抓好落实")


def test_exact_duplicate_two_urls(tmp_path):
    a = item(f"{H}/a/x/2021/1022/1.html")
    b = item(f"{N}/a/news/2021/1024/77.html", site="national", source="中国中小企业哈尔滨网",
             published_at="2021-10-24T10:00:00+08:00",
             body="来源：中国中小企业哈尔滨网\n" + a["body"] + "\n（本文转自中国中小企业哈尔滨网）")
    with Archive(tmp_path / "a.db") as ar:
        assert ar.write_articles([a, b]) == {"new": 1, "updated": 0, "unchanged": 0, "duplicate": 1}
        c = counts(ar)
        assert c["articles"] == 1 and c["article_urls"] == 2
        art = ar.article_by_url(b["url"])
        assert art["url"] == a["url"] and art["group_size"] == 2
        copy = [x for x in art["copies"] if x["site"] == "national"][0]
        assert copy["source"] == "中国中小企业哈尔滨网" and copy["similarity"] == 1.0
        assert copy["is_canonical"] == 0 and copy["is_repost"] == 1
        assert ar.write_articles([a, b])["unchanged"] == 2 and counts(ar) == c
        groups = ar.dupe_groups("national")
        assert len(groups) == 1 and groups[0]["copies"][0]["is_canonical"] == 1


def near_variants():
    s = Synth(11)
    paras = s.article((7, 8))
    origin = "\n".join(paras)
    drop, _ = s.variant(paras, "drop")
    combo, _ = s.variant(paras, "combo")
    return origin, "\n".join(drop), "\n".join(combo)


def test_near_duplicates_canonical_rule(tmp_path):
    origin, drop, combo = near_variants()
    # The repost is archived first and published the same day: the origin still wins.
    repost = item(f"{N}/a/news/2021/1022/5.html", site="national", body=combo,
                  source="哈尔滨日报", published_at="2021-10-22T15:00:00+08:00")
    orig = item(f"{H}/a/x/2021/1022/1.html", body=origin, published_at="2021-10-22")
    later = item(f"{Z}/a/y/2021/1025/8.html", site="zhejiang", body=drop,
                 source="中国中小企业哈尔滨网", published_at="2021-10-25")
    with Archive(tmp_path / "a.db") as ar:
        assert ar.write_articles([repost])["new"] == 1
        assert ar.write_articles([orig, later]) == {"new": 0, "updated": 0, "unchanged": 0,
                                                    "duplicate": 2}
        art = ar.article_by_url(later["url"])
        assert art["url"] == orig["url"] and art["site"] == "harbin" and art["body"] == origin
        assert art["group_size"] == 3 and art["is_repost"] == 0
        srcs = {c["site"]: (c["source"], c["is_canonical"]) for c in art["copies"]}
        assert srcs == {"national": ("哈尔滨日报", 0), "harbin": ("哈尔滨市工信局", 1),
                        "zhejiang": ("中国中小企业哈尔滨网", 0)}
        assert all(0.3 <= c["similarity"] <= 1 for c in art["copies"] if c["similarity"])
        # An even earlier copy (a repost, but earlier published) wins on date.
        early = item(f"{N}/a/news/2021/1020/3.html", site="national", body=drop,
                     source="黑龙江日报", published_at="2021-10-20")
        assert ar.write_articles([early])["duplicate"] == 1
        assert ar.article_by_url(orig["url"])["url"] == early["url"]


def test_unrelated_never_merged(tmp_path):
    s = Synth(5)
    items = [item(f"{H}/a/x/2021/1022/{i}.html", title=f"标题{i}", body="\n".join(s.article()))
             for i in range(1, 120)]
    with Archive(tmp_path / "a.db") as ar:
        assert ar.write_articles(items)["new"] == 119
        assert ar.dupe_groups() == []


def test_incremental_across_opens(tmp_path):
    origin, drop, combo = near_variants()
    path = tmp_path / "a.db"
    with Archive(path) as ar:
        ar.write_articles([item(f"{H}/a/x/2021/1022/1.html", body=origin)])
    with Archive(path) as ar:                          # index rebuilt from the file
        res = ar.write_articles([item(f"{Z}/a/y/2021/1025/8.html", site="zhejiang",
                                      body=combo, published_at="2021-10-25")])
        assert res["duplicate"] == 1
        assert ar.counts()["articles"] == 1 and ar.counts()["dedupe_minhash"] == 2


def test_two_character_search(tmp_path):
    with Archive(tmp_path / "a.db") as ar:
        ar.write_articles([item(f"{H}/a/x/2021/1022/1.html"),
                           item(f"{H}/a/x/2021/1022/2.html", title="其他新闻",
                                body="今年企业融资担保工作取得新进展。" + body(4))])
        assert [r["id"] for r in ar.search("短板")] == [1]
        assert [r["id"] for r in ar.search("疫情")] == [1]
        assert [r["id"] for r in ar.search("融资担保")] == [2]
        assert {r["id"] for r in ar.search("企业")} == {1, 2}
        assert ar.search("短板 融资").total == 0
        with pytest.raises(QueryError):                  # nothing searchable in it
            ar.search("。，")
        assert ar.search("企业要") and not ar.search("要企业")     # bigrams in order only
        assert [r["id"] for r in ar.search("疫")] == [1]


def test_known_keys_cover_dynamic_forms(tmp_path):
    with Archive(tmp_path / "a.db") as ar:
        ar.write_articles([item(f"{H}/a/x/2021/1022/123.html"),
                           item("http://127.0.0.1:8001/plus/view.php?aid=9&pageno=2",
                                title="t", body=body(6))])
        keys = ar.known_keys()
        assert keys == {"hrb.example.cn/aid:123", "127.0.0.1:8001/aid:9"}
        assert ar.known_keys("zhejiang") == set()
        from portal_crawler.urls import identity_key
        for u in (f"{H}/plus/view.php?aid=123", "https://www.hrb.example.cn/plus/view-123-1.html",
                  f"{H}/a/x/2021/1022/123_2.html", "http://127.0.0.1:8001/a/q/2021/0101/9.html"):
            assert identity_key(u) in keys
        # A known article at another URL form is the same article, not a new one.
        assert ar.write_articles([item(f"{H}/plus/view.php?aid=123")])["unchanged"] == 1


def test_runs_and_summaries(tmp_path):
    with Archive(tmp_path / "a.db") as ar:
        rid = ar.start_run(["harbin", "zhejiang"], {"scale": "demo"})
        ar.write_articles([item(f"{H}/a/x/2021/1022/1.html"),
                           item(f"{Z}/a/y/2021/1023/9.html", site="zhejiang", title="x",
                                body=body(3), channel="通知公告")])
        ar.finish_run(rid, {"requests": 10, "responses": {"200": 9, "404": 1}, "errors": 1,
                            "per_site": {"harbin": {"articles": 1}}, "drift": {}}, "finished")
        run = ar.runs(1)[0]
        assert run["new_articles"] == 2 and json.loads(run["responses"]) == {"200": 9, "404": 1}
        assert json.loads(run["sites"]) == ["harbin", "zhejiang"]
        assert run["finish_reason"] == "finished" and run["finished_at"]
        assert ar.site_summary() == [
            {"site": "harbin", "channel": "工作动态", "articles": 1,
             "last_crawled": "2021-10-23T00:00:00+00:00"},
            {"site": "zhejiang", "channel": "通知公告", "articles": 1,
             "last_crawled": "2021-10-23T00:00:00+00:00"}]
        assert [(r["site"], r["articles"], r["copies"]) for r in ar.site_counts()] == [
            ("harbin", 1, 1), ("zhejiang", 1, 1)]
        assert ar.db["articles"].count == 2          # sqlite-utils view of the same file


def test_failed_batch_rolls_back(tmp_path):
    with Archive(tmp_path / "a.db") as ar:
        good = item(f"{H}/a/x/2021/1022/1.html")
        with pytest.raises(Exception):
            ar.write_articles([good, {"site": "harbin"}])     # no url: KeyError
        assert ar.counts()["articles"] == 0
        assert ar.write_articles([good])["new"] == 1
