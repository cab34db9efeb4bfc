"""Incremental crawling: an unchanged re-crawl costs a few list pages, and after the
replica's ``advance()`` the re-crawl fetches and finds every new article.

Three crawls of one archive: first, unchanged re-crawl, re-crawl after advance.
Requests come from the ``crawl_runs`` table (the run's own record), else Scrapy stats.
"""
from __future__ import annotations

import shutil
import sqlite3
import tempfile
from pathlib import Path

from benchmarks import common
from benchmarks.bench_crawl import crawl_ours

SIZES = {"quick": (["harbin", "wuhan", "xiamen"], "tiny"), "full": (None, "bench")}


def _run_requests(db: Path) -> list[int]:
    try:
        with sqlite3.connect(db) as con:
            return [r[0] for r in con.execute("SELECT requests FROM crawl_runs ORDER BY id")]
    except sqlite3.Error:
        return []


def _archived_keys(db: Path) -> set[str]:
    with sqlite3.connect(db) as con:
        keys = {r[0] for r in con.execute("SELECT url_key FROM article_urls")}
        keys |= {r[0] for r in con.execute("SELECT url_key FROM articles")}
    return keys


def run(quick: bool) -> dict:
    from portal_crawler.urls import identity_key
    sites, scale = SIZES["quick" if quick else "full"]
    work = Path(tempfile.mkdtemp(prefix="bench-recrawl-"))
    db = work / "r.db"  # crawl_ours names it after "r"
    try:
        with common.replica(7, sites, scale) as rep:
            keys = list(rep.base_urls)
            first = crawl_ours(rep, keys, work, "r")
            again = crawl_ours(rep, keys, work, "r")
            rep.advance()
            new = [a for a in rep.truth() if a["epoch_added"] == rep.epoch]
            after = crawl_ours(rep, keys, work, "r")
        runs = _run_requests(db)
        req = runs[-3:] if len(runs) >= 3 else [first["requests"], again["requests"], after["requests"]]
        archived = _archived_keys(db)
        found = sum(identity_key(a["url"]) in archived for a in new)
        return {
            "recrawl_request_ratio": common.ratio(req[1], req[0]),
            "recrawl_detail": {
                "sites": len(keys), "scale": scale, "requests_first": req[0], "requests_unchanged": req[1],
                "requests_after_advance": req[2], "source": "crawl_runs" if len(runs) >= 3 else "scrapy stats",
                "new_articles_k": len(new), "new_found": found,
                "articles_new_per_run": [first["articles_new"], again["articles_new"], after["articles_new"]],
                "replica_requests_per_run": [first["replica_requests"], again["replica_requests"],
                                             after["replica_requests"]],
                "unchanged_by_kind": again["replica_kinds"], "after_advance_by_kind": after["replica_kinds"]}}
    finally:
        shutil.rmtree(work, ignore_errors=True)
