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
