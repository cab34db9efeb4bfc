"""End to end: the CLI crawls a replica network into SQLite + WARC; the archive must
equal the replica's ground truth, field by field."""
from __future__ import annotations

import json
import sqlite3
import subprocess
import sys

from conftest import E2E_SITES, cli, crawl_args

from portal_crawler.extract import extract_page
from portal_crawler.store import Archive
from portal_crawler.urls import canonical_url
from portal_crawler.replica.oracle import compare_with_truth
from portal_crawler.store.warcread import read_capture
from portal_crawler.store.paths import warc_dir


def _counts(db):
    con = sqlite3.connect(db)
    try:
        return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                for t in ("articles", "article_urls", "article_versions", "attachments", "images")}
    finally:
        con.close()


def test_crawl_archives_every_article_exactly(replica_net, tmp_path):
    db = tmp_path / "a.db"
    cli(*crawl_args(replica_net.sites_path, db), check=True)
    truth = replica_net.truth()
    assert {t["site"] for t in truth} == set(E2E_SITES)
    with Archive(db) as ar:
        report = compare_with_truth(ar, truth)
        assert report["ok"], report["problems"][:10]
        assert report["matched"] == report["expected"] > 40
        runs = ar.runs(1)
    run = runs[0]
    assert run["finish_reason"] == "finished" and run["new_articles"] == report["expected"]
    assert run["requests"] > report["expected"]
    per_site = json.loads(run["per_site"])
    assert set(per_site) == set(E2E_SITES)
    # Friend links are recorded, and none of the siblings' pages was fetched.
    harbin_links = {l["label"] for l in per_site["harbin"]["friend_links"]}
    assert {"总站", "浙江", "武汉", "湖南"} <= harbin_links and len(harbin_links) == 24
    served = replica_net.stats()["sites"]
    assert all(set(kinds) <= {"robots", "home", "sitemap", "list", "list_dynamic", "article", "article_page", "attachment", "upload", "static", "not_found"}
               for kinds in served.values()), served

    # Every article row points at its raw capture, and the capture re-extracts to it.
    con = sqlite3.connect(db)
    con.row_factory = sqlite3.Row
    rows = con.execute("SELECT url, title, body, warc_file, warc_offset, warc_refs, pages FROM articles").fetchall()
    for row in rows:
        cap = read_capture(warc_dir(db), row["warc_file"], row["warc_offset"])
        assert cap.status == 200 and canonical_url(cap.url) == row["url"]
        assert extract_page(cap.body, cap.url, cap.content_type).record["title"] == row["title"]
        assert len(json.loads(row["warc_refs"])) == row["pages"]

    # The files are valid WARC: warcio verifies every record's digests.
    files = sorted(warc_dir(db).glob("*.warc.gz"))
    check = subprocess.run([sys.executable, "-m", "warcio.cli", "check", *map(str, files)], capture_output=True, text=True)
    assert files and check.returncode == 0, check.stdout + check.stderr

    # A second crawl of the unchanged network adds nothing and fetches little.
    before = _counts(db)
    cli(*crawl_args(replica_net.sites_path, db), check=True)
    assert _counts(db) == before
    with Archive(db) as ar:
        second = ar.runs(1)[0]
    assert second["new_articles"] == 0 and second["updated_articles"] == 0
    assert second["requests"] < run["requests"] * 0.25


def test_recrawl_after_growth_fetches_only_new(replica_net, tmp_path):
    db = tmp_path / "a.db"
    cli(*crawl_args(replica_net.sites_path, db), check=True)
    replica_net.advance()
    replica_net.reset_stats()
    truth = replica_net.truth()
    added = [t for t in truth if t.get("epoch_added") == 1]
    assert added, "the replica should add articles when advanced"
    cli(*crawl_args(replica_net.sites_path, db), check=True)
    seen = replica_net.stats()["sites"]
    net = replica_net.network()
    with Archive(db) as ar:
        run = ar.runs(1)[0]
        archived = {r["url"] for r in ar.db.query("SELECT url FROM article_urls")}
    # Finds all K new articles ...
    assert all(canonical_url(t["url"]) in archived for t in added)
    assert run["new_articles"] + run["duplicate_articles"] == len(added)
    for site in E2E_SITES:
        k = [t for t in added if t["site"] == site]
        # ... fetches exactly those (page 1 of each; no known article again) ...
        assert seen[site].get("article", 0) == len(k), (site, seen[site])
        assert seen[site].get("article_page", 0) == sum(t["pages"] - 1 for t in k)
        # ... and per channel only the list head plus one page of known articles.
        lists = seen[site].get("list", 0) + seen[site].get("list_dynamic", 0)
        assert lists <= 2 * len(net.sites[site].channels), (site, seen[site])


def test_locked_archive_refuses(replica_net, tmp_path):
    from portal_crawler.crawler.lock import ArchiveLock
    db = tmp_path / "a.db"
    with ArchiveLock(db):
        p = cli(*crawl_args(replica_net.sites_path, db))
    assert p.returncode == 3
    assert "being crawled" in p.stderr


def test_edited_articles_make_versions(replica_net, tmp_path):
    db = tmp_path / "a.db"
    cli(*crawl_args(replica_net.sites_path, db), check=True)
    replica_net.advance()
    truth = replica_net.truth()
    edited = [t for t in truth if t.get("edited_epoch") == 1]
    assert edited, "the replica should edit articles when advanced"
    # --refresh-days re-checks known articles (the replica's dates are years old).
    cli(*crawl_args(replica_net.sites_path, db, E2E_SITES, "--refresh-days", "100000"), check=True)
    with Archive(db) as ar:
        report = compare_with_truth(ar, truth)
        assert report["ok"], report["problems"][:10]
        run = ar.runs(1)[0]
        for t in edited:
            row = next(iter(ar.db.query(
                "SELECT a.id, a.version FROM articles a JOIN article_urls u ON u.article_id = a.id WHERE u.url = ?",
                [canonical_url(t["url"])])))
            versions = list(ar.db.query("SELECT changed_fields FROM article_versions WHERE article_id = ?", [row["id"]]))
            assert versions and row["version"] >= 2
    assert run["updated_articles"] >= len({t.get("group") or t["url"] for t in edited if t.get("origin", True)})
