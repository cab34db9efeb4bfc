"""Crawl filters (--channel, --since, --max-articles, --all) and dedup quality on the
replica's labelled repost groups."""
from __future__ import annotations

from collections import defaultdict
from itertools import combinations

import pytest
from conftest import cli, crawl_args

from portal_crawler.replica import ReplicaProcess
from portal_crawler.store import Archive
from portal_crawler.urls import canonical_url


def _urls(db, site=None) -> set[str]:
    with Archive(db) as ar:
        q = "SELECT url FROM article_urls" + (" WHERE site = ?" if site else "")
        return {r["url"] for r in ar.db.query(q, [site] if site else [])}


def test_channel_filter(replica_net, tmp_path):
    db = tmp_path / "a.db"
    cli(*crawl_args(replica_net.sites_path, db, ["harbin"], "--channel", "领导讲话"), check=True)
    want = {canonical_url(t["url"]) for t in replica_net.truth() if t["site"] == "harbin" and t["channel"] == "领导讲话"}
    assert want and _urls(db) == want


def test_since_filter(replica_net, tmp_path):
    db = tmp_path / "a.db"
    truth = [t for t in replica_net.truth() if t["site"] == "zhejiang"]
    dates = sorted(t["published_at"][:10] for t in truth)
    since = dates[len(dates) // 2]
    cli(*crawl_args(replica_net.sites_path, db, ["zhejiang"], "--since", since), check=True)
    want = {canonical_url(t["url"]) for t in truth if t["published_at"][:10] >= since}
    assert 0 < len(want) < len(truth)
    assert _urls(db) == want


def test_max_articles_per_site(replica_net, tmp_path):
    db = tmp_path / "a.db"
    cli(*crawl_args(replica_net.sites_path, db, ["harbin", "zhejiang"], "--max-articles", "5"), check=True)
    assert len(_urls(db, "harbin")) == 5 and len(_urls(db, "zhejiang")) == 5


def test_all_crawls_every_configured_site(replica_net, tmp_path):
    db = tmp_path / "a.db"
    cli("crawl", "--sites-file", replica_net.sites_path, "--all", "--db", db, "--delay", "0",
        "--concurrency", "8", "--no-progress", "--max-articles", "3", check=True)
    with Archive(db) as ar:
        sites = {r["site"] for r in ar.db.query("SELECT DISTINCT site FROM article_urls")}
    assert sites == set(replica_net.base_urls)


def _pairs(clusters) -> set[tuple[str, str]]:
    return {tuple(sorted(p)) for c in clusters for p in combinations(c, 2)}


@pytest.mark.parametrize("seed", [5, 23])
def test_dedup_precision_recall_on_labelled_repost_groups(tmp_path, seed):
    sites = ["national", "harbin", "zhejiang", "hubei", "wuhan"]
    with ReplicaProcess(seed=seed, sites=sites, scale="tiny") as rep:
        f = tmp_path / "s.toml"
        rep.sites_file(f)
        db = tmp_path / "a.db"
        cli(*crawl_args(f, db, sites), check=True)
        truth = rep.truth()
    labelled = defaultdict(set)
    for t in truth:
        if t.get("group"):
            labelled[t["group"]].add(canonical_url(t["url"]))
    assert len(labelled) >= 5 and any(len({u.split("/")[2] for u in g}) > 1 for g in labelled.values())
    found = defaultdict(set)
    with Archive(db) as ar:
        for r in ar.db.query("SELECT article_id, url FROM article_urls"):
            found[r["article_id"]].add(r["url"])
    true_pairs, found_pairs = _pairs(labelled.values()), _pairs(found.values())
    tp = len(true_pairs & found_pairs)
    precision = tp / len(found_pairs) if found_pairs else 1.0
    recall = tp / len(true_pairs)
    assert (precision, recall) == (1.0, 1.0), (precision, recall, found_pairs ^ true_pairs)


# -- held-out style network: templated series must stay one row per article ------------

import itertools                                                          # noqa: E402
import json                                                               # noqa: E402
from types import SimpleNamespace                                         # noqa: E402

from portal_crawler.dedupe import LENIENT, normalise_body, shingles       # noqa: E402
from portal_crawler.dedupe.grouping import cluster_records                # noqa: E402
from portal_crawler.replica.oracle import compare_with_truth              # noqa: E402
from portal_crawler.store.paths import warc_dir                            # noqa: E402

HELD_OUT = ["harbin", "hubei", "xiamen"]      # DedeCMS GBK, DedeCMS V5.7 UTF-8, TRS
HELD_OUT_SEED = 103                           # never used to tune the rule (tuned on 1-4)


@pytest.fixture(scope="module")
def held_out(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("held_out")
    with ReplicaProcess(seed=HELD_OUT_SEED, sites=HELD_OUT, scale="tiny") as rep:
        f = tmp / "s.toml"
        rep.sites_file(f)
        db = tmp / "a.db"
        cli(*crawl_args(f, db, HELD_OUT), check=True)
        truth = rep.truth()
    return SimpleNamespace(db=db, sites_file=f, truth=truth, tmp=tmp)


def _distinct(truth) -> int:
    return len({t["group"] or t["url"] for t in truth})


def test_held_out_network_keeps_one_row_per_article(held_out):
    truth = held_out.truth
    series = defaultdict(list)
    for t in truth:
        if t["series"]:
            series[t["series"]].append(t)
    assert len(series) >= 12 and all(len(m) >= 3 for m in series.values())
    assert all(len({t["title"] for t in m}) == len(m) for s, m in series.items()
               if t["title"] and "召开" not in m[0]["title"])       # 公示/通知: titles differ
    with Archive(held_out.db) as ar:
        report = compare_with_truth(ar, truth)
        rows = ar.counts()["articles"]
    assert report["ok"], report["problems"][:10]
    assert rows == report["expected"] == _distinct(truth)
    # Body similarity alone (the v1 rule) would have merged whole series.
    v1 = cluster_records(truth, LENIENT)
    assert len(set(v1)) < rows - 20


def _items_with_captures(db, truth) -> list[dict]:
    """The truth records as crawled items (same captures, fetch times, in crawl order)."""
    with Archive(db) as ar:
        caps = {r["url"]: r for r in ar.db.query(
            "SELECT url, first_seen, warc_file, warc_offset, warc_refs FROM article_urls ORDER BY id")}
    by_url = {canonical_url(t["url"]): t for t in truth}
    return [dict(by_url[u], url=u, fetched_at=c["first_seen"], warc_file=c["warc_file"],
                 warc_offset=c["warc_offset"], warc_refs=json.loads(c["warc_refs"]))
            for u, c in caps.items()]


def test_recheck_splits_groups_the_v1_rule_merged(held_out, tmp_path):
    """An archive grouped by the v1 rule (body similarity to any copy) holds merged series;
    `dedupe --recheck` splits them back into the truth, each copy keeping its URL row,
    first-seen time, capture and versions."""
    truth = held_out.truth
    items = _items_with_captures(held_out.db, truth)
    # A series pair S0 < S1 similar enough for v1 to merge: S1 is archived first and
    # edited (a version row), then S0, published earlier, takes over as canonical.
    by_series = defaultdict(list)
    for it in items:
        if it["series"]:
            by_series[it["series"]].append(it)
    def jac(a, b):
        x, y = shingles(normalise_body(a["body"])), shingles(normalise_body(b["body"]))
        return len(x & y) / len(x | y)
    s0, s1 = next((a, b) for m in by_series.values() for a, b in itertools.combinations(
        sorted(m, key=lambda t: t["published_at"]), 2)
        if jac(a, b) > 0.4 and a["published_at"][:10] < b["published_at"][:10])
    old = tmp_path / "old.db"
    warc_dir(old).symlink_to(warc_dir(held_out.db), target_is_directory=True)
    with Archive(old, rule=LENIENT) as ar:
        ar.write_articles([dict(s1, body=s1["body"] + "\n旧版本的一段文字。")])
        ar.write_articles([s1])
        rest = [it for it in items if it["url"] != s1["url"]]
        for b in range(0, len(rest), 50):
            ar.write_articles(rest[b:b + 50])
        before_rows = ar.counts()["articles"]
        merged = ar.conn.execute("SELECT article_id, is_canonical FROM article_urls WHERE url IN (?, ?) "
                                 "ORDER BY url = ?", (canonical_url(s0["url"]), canonical_url(s1["url"]),
                                                       canonical_url(s1["url"]))).fetchall()
        seen = dict(ar.conn.execute("SELECT url, first_seen FROM article_urls"))
        assert not compare_with_truth(ar, truth)["ok"]
    assert merged[0][0] == merged[1][0] and merged[0][1] == 1      # S0 canonical of S1's article
    assert before_rows < _distinct(truth) - 20

    dry = cli("dedupe", "--recheck", "--db", old, "--sites-file", held_out.sites_file, "--dry-run",
              "--json", check=True)
    plan = json.loads(dry.stdout)
    assert plan["dry_run"] and plan["articles_created"] == _distinct(truth) - before_rows
    with Archive(old) as ar:
        assert ar.counts()["articles"] == before_rows                 # nothing changed
    p = cli("dedupe", "--recheck", "--db", old, "--sites-file", held_out.sites_file, "--json", check=True)
    s = json.loads(p.stdout)
    assert s["articles_created"] == _distinct(truth) - before_rows == plan["articles_created"]
    assert s["copies_moved"] == plan["copies_moved"] >= s["groups_split"] > 0 and s["unsplittable"] == 0
    with Archive(old) as ar:
        report = compare_with_truth(ar, truth)
        assert report["ok"], report["problems"][:10]
        assert ar.counts()["articles"] == _distinct(truth)
        assert dict(ar.conn.execute("SELECT url, first_seen FROM article_urls")) == seen
        aid1 = ar.conn.execute("SELECT article_id FROM article_urls WHERE url = ?",
                               (canonical_url(s1["url"]),)).fetchone()[0]
        assert ar.conn.execute("SELECT article_id, url FROM article_versions").fetchall() == [
            (aid1, canonical_url(s1["url"]))]
        assert canonical_url(s1["url"]) in {r["url"] for r in ar.search(s1["title"], limit=50)}
        assert ar.conn.execute("SELECT value FROM meta WHERE key = 'dedupe_rule'").fetchone()[0] == ar.rule.name
    again = json.loads(cli("dedupe", "--recheck", "--db", old, "--json", check=True).stdout)
    assert again["groups_split"] == 0 and again["articles_created"] == 0


def test_dedupe_command_bad_input(tmp_path):
    p = cli("dedupe", "--recheck", "--db", tmp_path / "none.db")
    assert p.returncode == 2 and p.stderr.startswith("error: no archive at")
    p = cli("dedupe", "--db", tmp_path / "none.db")
    assert p.returncode == 2 and "--recheck" in p.stderr
    bad = tmp_path / "bad.db"
    bad.write_text("not sqlite")
    p = cli("dedupe", "--recheck", "--db", bad)
    assert p.returncode == 2 and p.stderr == f"error: {bad} is not an SQLite file, so not a portal-crawler archive\n"
    assert bad.read_text() == "not sqlite"
