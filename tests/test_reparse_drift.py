"""Re-extraction from WARC, template-drift warnings, and `parse` on single pages."""
from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from conftest import cli, crawl_args

from portal_crawler.crawler.extensions.drift import DriftCounter, site_profile, warnings_for_run
from portal_crawler.store import Archive
from portal_crawler.replica.oracle import compare_with_truth

FIX = Path(__file__).parent / "fixtures" / "extract"


def test_reparse_restores_records_from_warc_without_fetching(replica_net, tmp_path):
    db = tmp_path / "a.db"
    cli(*crawl_args(replica_net.sites_path, db, ["harbin", "xiamen"]), check=True)
    con = sqlite3.connect(db)
    victims = [r[0] for r in con.execute("SELECT id FROM articles ORDER BY id LIMIT 5")]
    # As an older extractor would have left them: other fields, and the hash of those.
    con.executemany("UPDATE articles SET title = 'stale title', body = 'stale body', content_hash = 'old' "
                    "WHERE id = ?", [(i,) for i in victims])
    con.executemany("UPDATE article_urls SET content_hash = 'old' WHERE article_id = ? AND is_canonical = 1",
                    [(i,) for i in victims])
    con.commit()
    con.close()
    truth = [t for t in replica_net.truth() if t["site"] in ("harbin", "xiamen")]
    replica_net.stop()  # nothing can be fetched now
    p = cli("reparse", "--db", db, "--sites-file", replica_net.sites_path, check=True)
    assert "5 updated" in p.stdout, p.stdout
    with Archive(db) as ar:
        report = compare_with_truth(ar, truth)
        assert report["ok"], report["problems"][:5]
        versions = list(ar.db.query("SELECT article_id, changed_fields FROM article_versions"))
    assert sorted(v["article_id"] for v in versions) == sorted(victims)
    assert all({"title", "body"} <= set(json.loads(v["changed_fields"])) for v in versions)


def _item(site, n, extractor="dedecms", author="张三"):
    return {"url": f"http://127.0.0.1:9/a/x/2021/1022/{n}.html", "site": site, "title": f"第{n}篇文章的标题",
            "published_at": "2021-10-22T08:19:00+08:00", "source": "哈尔滨日报", "author": author,
            "editor": "王芳", "body": f"正文第{n}篇，" + "内容" * (20 + n) + str(n) * 5, "extractor": extractor,
            "pages": 1, "fetched_at": "2026-01-01T00:00:00+00:00"}


def test_drift_counts_generic_fallback_and_missing_fields(tmp_path):
    with Archive(tmp_path / "a.db") as ar:
        ar.write_articles([_item("harbin", n) for n in range(1, 21)])
        prof = site_profile(ar.db, "harbin")
    assert prof["extractor"] == "dedecms" and "author" in prof["always"]
    counter = DriftCounter({"harbin": prof})
    for n in range(21, 25):
        counter.see(_item("harbin", n, extractor="generic", author=None))
    counter.see(_item("harbin", 30))
    report = counter.report()
    assert report["harbin"]["generic_fallback"] == 4 and report["harbin"]["missing"] == {"author": 4}
    warnings = warnings_for_run({"drift": json.dumps(report), "per_site": "{}"})
    assert any("template extractor failed on 4 of 5" in w for w in warnings)
    assert any("'author'" in w and "4 of 5" in w for w in warnings)
    # A healthy run warns about nothing.
    healthy = DriftCounter({"harbin": prof})
    healthy.see(_item("harbin", 40))
    assert warnings_for_run({"drift": json.dumps(healthy.report()), "per_site": "{}"}) == []


def test_parse_prints_the_record_with_article_keys(tmp_path):
    p = cli("parse", FIX / "dedecms_v56_article.html", "--url",
            "http://127.0.0.1:9/a/lingdaojianghua/2021/1022/71.html", check=True)
    rec = json.loads(p.stdout)
    expected = json.loads((FIX / "dedecms_v56_article.expected.json").read_text("utf-8"))
    assert rec["title"] == expected["title"] and rec["body"] == expected["body"]
    assert rec["published_at"] == "2021-10-22T08:19:00+08:00" and rec["source"] == "哈尔滨日报"
    assert rec["editor"] == "王芳" and rec["reviewer"] == "刘继伟" and rec["author"] is None
    assert rec["url"] == "http://127.0.0.1:9/a/lingdaojianghua/2021/1022/71.html"
    with Archive(tmp_path / "schema.db") as ar:
        cols = {c.name for c in ar.db["articles"].columns}
    assert set(rec) - {"attachments", "images"} <= cols


def test_parse_without_url_and_on_a_list_page(tmp_path):
    p = cli("parse", FIX / "dedecms_v56_article.html", check=True)
    assert json.loads(p.stdout)["channel"] == "领导讲话"
    # a list page is no article, but `parse` still prints its best record (issue 21:
    # never a refusal for an HTML page) and says what kind of page it is
    p = cli("parse", FIX / "dedecms_list.html")
    assert p.returncode == 0, p.stderr
    assert "kind: list" in p.stderr
    assert json.loads(p.stdout)["url"] is None
