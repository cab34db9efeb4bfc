"""Incremental crawls never leave gaps: a capped, filtered or killed first crawl followed
by one plain crawl archives every article (the backfill frontier, crawler/backfill.py)."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest
from conftest import cli, crawl_args, archived_count, RUN_DIR

from portal_crawler.crawler.backfill import ChannelWalk, Backfill
from portal_crawler.replica.oracle import compare_with_truth
from portal_crawler.store import Archive

SITES = ["harbin", "wuhan", "xiamen"]   # static lists, dynamic lists, TRS


def _frontier(db) -> dict:
    with Archive(db) as ar:
        return {(r["site"], r["channel"]): r for r in ar.backfill()}


def _assert_equals_truth(db, truth, fields=None):
    with Archive(db) as ar:
        report = compare_with_truth(ar, truth, **({"fields": fields, "media": False} if fields else {}))
        dup = list(ar.db.query("SELECT url, count(*) n FROM article_urls GROUP BY url HAVING n > 1"))
    assert report["ok"], report["problems"][:10]
    assert report["matched"] == report["expected"] and dup == []


def _truth(rep):
    return [t for t in rep.truth() if t["site"] in SITES]


# After the replica advances, some known articles are edited; a plain crawl does not
# re-fetch known articles (test_crawl_e2e covers --refresh-days), so growth tests
# compare which articles are archived, every one once, not their edited fields.
PRESENCE = ("site",)


def test_capped_first_crawl_then_plain_crawl_archives_all(replica_net, tmp_path):
    db = tmp_path / "a.db"
    truth = _truth(replica_net)
    cli(*crawl_args(replica_net.sites_path, db, SITES), "--max-articles", "10", check=True)
    with Archive(db) as ar:
        first = ar.db.execute("SELECT count(*) FROM articles").fetchone()[0]
    assert 0 < first <= 10 * len(SITES) < len({t.get("group") or t["url"] for t in truth})
    # A capped run skipped entries: no channel may count as walked to its end.
    fr = _frontier(db)
    assert not any(r["complete"] for r in fr.values())
    shown = cli("stats", "--db", db, check=True).stdout
    assert "backfilling" in shown and "complete" not in shown
    cli(*crawl_args(replica_net.sites_path, db, SITES), check=True)
    _assert_equals_truth(db, truth)
    fr = _frontier(db)
    assert fr and all(r["complete"] for r in fr.values()), fr
    assert {s for s, _ in fr} == set(SITES)
    for command in (["stats"], ["sites", "--sites-file", replica_net.sites_path]):
        shown = cli(*command, "--db", db, check=True).stdout
        rows = [line for line in shown.splitlines() if "complete" in line]
        assert len(rows) == len(fr) and "backfilling" not in shown, shown


def test_since_first_crawl_then_plain_crawl_archives_all(replica_net, tmp_path):
    db = tmp_path / "a.db"
    truth = _truth(replica_net)
    dates = sorted(t["published_at"][:10] for t in truth)
    since = dates[len(dates) // 2]               # half the articles are older
    cli(*crawl_args(replica_net.sites_path, db, SITES), "--since", since, check=True)
    with Archive(db) as ar:
        got = [r[0] for r in ar.db.execute("SELECT published_at FROM articles")]
    assert got and min(got)[:10] >= since and len(got) < len(truth)
    assert not any(r["complete"] for r in _frontier(db).values())
    cli(*crawl_args(replica_net.sites_path, db, SITES), check=True)
    _assert_equals_truth(db, truth)
    assert all(r["complete"] for r in _frontier(db).values())


def test_killed_first_crawl_then_plain_crawl_archives_all(replica_net, tmp_path):
    db = tmp_path / "a.db"
    truth = _truth(replica_net)
    args = crawl_args(replica_net.sites_path, db, SITES)
    args[args.index("--delay") + 1] = "0.02"
    args[args.index("--concurrency") + 1] = "1"
    env = {**os.environ, "PORTAL_CRAWLER_BATCH_SIZE": "5"}
    p = subprocess.Popen([sys.executable, "-m", "portal_crawler.cli", *map(str, args)], cwd=RUN_DIR, env=env,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while archived_count(db) < 15 and time.monotonic() < deadline and p.poll() is None:
        time.sleep(0.1)
    assert p.poll() is None, "the crawl ended before it could be killed; make the replica bigger"
    p.send_signal(signal.SIGKILL)
    p.wait()
    assert 0 < archived_count(db) < len(truth)
    assert _frontier(db) == {}                   # a killed run records no frontier
    cli(*crawl_args(replica_net.sites_path, db, SITES), check=True)   # plain: no --resume
    _assert_equals_truth(db, truth)


@pytest.mark.slow  # CI runs it; test_crawl_e2e covers the growth re-crawl by default
def test_growth_after_complete_walk_stops_at_known(replica_net, tmp_path):
    """Once complete, a plain crawl reads only the head of each list (stop-at-known)."""
    db = tmp_path / "a.db"
    cli(*crawl_args(replica_net.sites_path, db, SITES), check=True)
    fr0 = _frontier(db)
    assert all(r["complete"] for r in fr0.values())
    full_lists = json.loads(Archive(db).runs(1)[0]["per_site"])
    replica_net.advance()
    cli(*crawl_args(replica_net.sites_path, db, SITES), check=True)
    _assert_equals_truth(db, _truth(replica_net), PRESENCE)
    with Archive(db) as ar:
        after = json.loads(ar.runs(1)[0]["per_site"])
    for s in SITES:
        assert after[s]["list_pages"] < full_lists[s]["list_pages"], (s, after[s], full_lists[s])
    fr1 = _frontier(db)
    assert all(r["complete"] for r in fr1.values())
    # The head moved to the new articles.
    assert any(fr1[k]["head_keys"] != fr0[k]["head_keys"] for k in fr0)


@pytest.mark.slow  # CI runs it; test_crawl_e2e covers the growth re-crawl by default
def test_capped_crawl_after_growth_leaves_no_gap(replica_net, tmp_path):
    """A complete channel, then new articles, a capped run and a plain run: all archived
    (the plain run pages past the capped run's head until it meets the stored one)."""
    db = tmp_path / "a.db"
    cli(*crawl_args(replica_net.sites_path, db, SITES), check=True)
    replica_net.advance()
    replica_net.advance()
    cli(*crawl_args(replica_net.sites_path, db, SITES), "--max-articles", "2", check=True)
    cli(*crawl_args(replica_net.sites_path, db, SITES), check=True)
    _assert_equals_truth(db, _truth(replica_net), PRESENCE)


# -- the frontier's rules, without a network ------------------------------------------

def _walk_pages(fr: Backfill, pages: list[list[str]], archive: set[str], stop=None) -> ChannelWalk:
    """Read ``pages`` (keys per page) as a run does; keys in ``archive`` get archived."""
    w = fr.walk("s", "http://s/list", "ch")
    for depth, keys in enumerate(pages, 1):
        st = w.page(depth, f"http://s/list_{depth}")
        if depth == 1:
            w.head_keys = keys[-5:]
        for k in keys:
            if w.is_prior_head(k, None):
                w.met_prior_at = depth
            fr.wait(st, k)
            if k in archive:
                fr.done(k)
        if stop == depth:
            return w
    w.end_depth = len(pages)
    return w


def test_frontier_reports_only_covered_walks():
    pages = [[f"a{p}{i}" for i in range(3)] for p in range(4)]
    every = {k for p in pages for k in p}
    # All archived to the last page: complete.
    r = Backfill().walk("s", "u", None)
    full = Backfill()
    _walk_pages(full, pages, every)
    [row] = full.report()
    assert row["complete"] and row["pages"] == 4 and row["head_keys"] == pages[0]
    # One article of page 2 never archived: the frontier covers page 1 only.
    part = Backfill()
    _walk_pages(part, pages, every - {"a11"})
    [row] = part.report()
    assert not row["complete"] and row["pages"] == 1
    # A run that never met the stored head keeps the stored frontier (no row).
    stored = {"site": "s", "channel_url": "http://s/list", "head_keys": ["zz"], "pages": 2, "complete": 1}
    fr = Backfill([stored])
    _walk_pages(fr, pages, every, stop=2)
    assert fr.report() == [] and r.report() is None


def test_frontier_jump_resumes_where_the_stored_walk_ended():
    stored = {"site": "s", "channel_url": "http://s/list", "head_keys": ["b"], "pages": 6, "complete": 0,
              "resume_url": "http://s/list_6"}
    w = Backfill([stored]).walk("s", "http://s/list", "ch")
    w.met_prior_at = 2
    named = {n: f"http://s/list_{n}" for n in range(1, 20)}
    assert w.jump_target(2, named) == (7, named[7])          # pages + max(P - 2, 0) + 1
    w.jump(2, 7)
    assert w.bridged == {3, 4, 5, 6}
    w3 = Backfill([stored]).walk("s", "http://s/list", "ch")
    w3.met_prior_at = 4                                       # 2 pages of new articles since
    assert w3.jump_target(4, named) == (9, named[9])
    # Lists named only by their next links resume at the stored page's URL.
    w2 = Backfill([stored]).walk("s", "http://s/list", "ch")
    w2.met_prior_at = 1
    assert w2.jump_target(1, {}) == (6, "http://s/list_6")


@pytest.mark.parametrize("opt", [["--channel", "没有这个栏目"]])
def test_channel_matching_nothing_warns_and_exits_5(replica_net, tmp_path, opt):
    db = tmp_path / "a.db"
    p = cli(*crawl_args(replica_net.sites_path, db, ["harbin"]), *opt)
    assert p.returncode == 5, (p.stdout, p.stderr[-2000:])
    assert "warning: harbin: no channel matches --channel 没有这个栏目" in p.stderr
    assert "新闻动态" in p.stderr      # the channels it has are named


def test_site_without_channels_warns_and_exits_5(replica_net, tmp_path):
    """A home page with no nav, no sitemap and no dated links: nothing to crawl."""
    import http.server
    import threading

    class Empty(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            body = "<html><head><title>维护中</title></head><body><p>网站维护中</p></body></html>".encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *a):
            pass

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Empty)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        f = tmp_path / "s.toml"
        f.write_text(f'[[sites]]\nkey = "empty"\nname = "空站"\nbase_url = "http://127.0.0.1:{srv.server_port}/"\n',
                     encoding="utf-8")
        p = cli("crawl", "--sites-file", f, "--site", "empty", "--db", tmp_path / "a.db", "--delay", "0",
                "--no-progress")
    finally:
        srv.shutdown()
        srv.server_close()
    assert p.returncode == 5, (p.stdout, p.stderr[-2000:])
    assert "warning: empty: its home page yields no channel" in p.stderr
