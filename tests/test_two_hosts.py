"""Scale-out on two hosts for real: the coordinator, Redis and the replica in one
network namespace, two workers in another, joined only by a veth pair on a private /30
that the test makes and removes (replica/netns.py). The archive equals the truth, each
site's delay holds across hosts as the replica sees it, and the workers' WARC captures,
written to a folder that is not the archive's, reach the archive (scaleout/warcship.py)."""
from __future__ import annotations

import json
import shutil
import sqlite3

import pytest
from conftest import E2E_SITES

from portal_crawler.extract import extract_page
from portal_crawler.replica import netns
from portal_crawler.replica.oracle import compare_with_truth
from portal_crawler.replica.redis_server import RedisServer
from portal_crawler.store import Archive
from portal_crawler.store.paths import warc_dir
from portal_crawler.store.warcread import read_capture
from portal_crawler.urls import canonical_url

WHY = netns.why_not() if RedisServer.available() else "redis-server is not installed (apt-get install redis-server)"
pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(WHY is not None, reason=f"two hosts cannot be made here: {WHY}")]

redis = pytest.importorskip("redis", reason="the `scaleout` extra (redis, scrapy-redis) is not installed")

DELAY = 0.5  # s: single arrival gaps at the replica are checked


def test_coordinator_and_two_workers_on_two_hosts(tmp_path):
    got = netns.crawl_on_two_hosts(tmp_path, E2E_SITES, "tiny", DELAY, workers=2)
    assert all(u.startswith(f"http://{got['addr_a']}:") for u in got["base_urls"].values())
    rc, out, err = got["coordinator"]
    assert rc == 0, f"coordinator exit {rc}\n{out[-2000:]}\n{err[-4000:]}"
    for rc, out, err in got["workers"]:
        assert rc == 0, f"worker exit {rc}\n{out[-1000:]}\n{err[-3000:]}"

    db = got["db"]
    with Archive(db) as ar:
        report = compare_with_truth(ar, got["truth"])
        run = ar.runs(1)[0]
    assert report["ok"] and report["matched"] == report["expected"] > 40, report["problems"][:10]
    workers = {k: w for k, w in json.loads(run["args"])["workers"].items() if w["role"] == "worker"}
    # Host B reaches host A only over the veth link: whatever the workers fetched crossed it.
    assert len(workers) == 2 and all(w["requests"] > 10 for w in workers.values()), workers

    # Each site's delay across hosts, where the site sees it (and as booked, on Redis's clock).
    assert set(got["arrivals"]) == set(E2E_SITES)
    gaps = netns.min_arrival_gap(got["arrivals"])
    print(f"min gap at the replica across hosts: {min(gaps.values()):.3f} s (delay {DELAY} s): {gaps}")
    assert min(gaps.values()) >= 0.9 * DELAY, gaps
    assert all(min(b - a for a, b in zip(ts, ts[1:])) >= DELAY for ts in got["sends"].values()), "booked sends"

    # The workers' WARC files came through Redis: their own folder is gone now, and every
    # article's capture reads back from the archive's WARC folder.
    shutil.rmtree(got["worker_warc"])
    folder = warc_dir(db)
    names = {p.name for p in folder.iterdir()}
    for wid in workers:
        pid = wid.split("-")[-2]
        assert any(f"-{pid}-" in n and n.endswith(".warc.gz") for n in names), (wid, sorted(names))
        assert any(f"-{pid}-" in n and n.endswith(".cdxj") for n in names), (wid, sorted(names))
    assert not [n for n in names if n.endswith(".part") or n.startswith(".scaleout-")], names
    con = sqlite3.connect(db)
    rows = con.execute("SELECT url, title, warc_file, warc_offset FROM articles").fetchall()
    con.close()
    by_worker = [r for r in rows if any(f"-{w.split('-')[-2]}-" in r[2] for w in workers)]
    assert len(by_worker) > 10, "the workers' captures are the archive's pointers"
    for url, title, wf, off in rows:
        cap = read_capture(folder, wf, off)
        assert canonical_url(cap.url) == url
        assert extract_page(cap.body, cap.url, cap.content_type).record["title"] == title
