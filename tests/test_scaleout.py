"""Scale-out: a coordinator and worker processes on one real Redis frontier crawl the
replica network; the archive must equal the replica's truth and a single-process crawl,
every page fetched once across workers, each site's delay held across all of them."""
from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import time

import pytest
from conftest import E2E_SITES, cli, crawl_args

from portal_crawler.store.warcread import read_capture
from portal_crawler.store.paths import warc_dir
from portal_crawler.extract import extract_page
from portal_crawler.replica.oracle import compare_with_truth
from portal_crawler.replica.redis_server import Cluster, RedisServer, cli_cmd, free_port
from portal_crawler.store import Archive
from portal_crawler.urls import canonical_url

if not RedisServer.available():  # CI installs it (.ci/run); say so instead of passing
    pytest.skip("redis-server is not installed (apt-get install redis-server)", allow_module_level=True)

redis = pytest.importorskip("redis", reason="the `scaleout` extra (redis, scrapy-redis) is not installed")

DELAY = 0.1


@pytest.fixture
def redis_server(tmp_path):
    with RedisServer(tmp_path / "redis") as srv:
        yield srv


def _args(rep, db, *extra):
    # Politeness is part of the contract: one request at a time per site, DELAY apart.
    args = crawl_args(rep.sites_path, db, E2E_SITES, *extra)
    i = args.index("--delay")
    args[i + 1] = str(DELAY)
    args[args.index("--concurrency") + 1] = "1"
    return args + ["--set", "PACING_LOG_SENDS=true", "--set", "PACING_ADAPTIVE=false"]


def _copies(db) -> list[tuple]:
    """Every archived copy, in fields that do not depend on arrival order."""
    con = sqlite3.connect(db)
    try:
        return con.execute("SELECT url, site, title, published_at, source, content_hash, body_hash "
                           "FROM article_urls ORDER BY url").fetchall()
    finally:
        con.close()


def _run_row(db) -> dict:
    with Archive(db) as ar:
        return ar.runs(1)[0]


def _check_ok(res):
    rc, out, err = res["coordinator"]
    assert rc == 0, f"coordinator exit {rc}\n{out[-2000:]}\n{err[-4000:]}"
    for rc, out, err in res["workers"]:
        assert rc == 0, f"worker exit {rc}\n{out[-1000:]}\n{err[-3000:]}"


def _send_gaps(url) -> dict[str, float]:
    """Smallest gap between two sends to one site, across every worker (server clock)."""
    from portal_crawler.scaleout.pacebook import RedisPaceBook
    log = RedisPaceBook(redis.Redis.from_url(url), "portal").send_log()
    return {site: min(b - a for a, b in zip(ts, ts[1:])) for site, ts in log.items() if len(ts) > 1}, log


def test_three_workers_equal_truth_and_single_process(replica_net, redis_server, tmp_path):
    # The single-process crawl of the same sites, for comparison (politeness is not
    # compared here: no delay, to keep the test short).
    single = tmp_path / "single.db"
    cli(*crawl_args(replica_net.sites_path, single), check=True)
    replica_net.reset_stats()

    db = tmp_path / "shared.db"
    res = Cluster(redis_server.url, _args(replica_net, db), workers=3).wait()
    _check_ok(res)

    truth = replica_net.truth()
    with Archive(db) as ar:
        report = compare_with_truth(ar, truth)
    assert report["ok"], report["problems"][:10]
    assert report["matched"] == report["expected"] > 40
    assert _copies(db) == _copies(single)

    # Every page fetched once across all processes (robots.txt: once per process).
    served = replica_net.stats(paths=True)["paths"]
    twice = {s: [p for p, n in paths.items() if n > 1 and p != "/robots.txt"] for s, paths in served.items()}
    assert not any(twice.values()), twice

    # One run row, with each process's counts; together they are the run's requests.
    run = _run_row(db)
    workers = json.loads(run["args"])["workers"]
    assert len(workers) == 4 and sorted(w["role"] for w in workers.values()) == ["coordinator"] + ["worker"] * 3
    assert sum(w["requests"] for w in workers.values()) == run["requests"]
    assert sum(w["articles"] for w in workers.values()) == sum(
        run[f"{k}_articles"] for k in ("new", "updated", "unchanged", "duplicate"))
    fetched = sum(sum(p.values()) for p in served.values())
    assert run["requests"] == fetched
    assert sum(1 for w in workers.values() if w["requests"] > 10) >= 3, workers  # the work was shared

    # Politeness across processes. Booked sends (the shared pace book, Redis clock): never
    # two to one site closer than the delay. As the replica saw them arrive, single gaps
    # carry both event loops' jitter (tens of ms on this loaded machine), so: any 10
    # consecutive requests to one site span at least 9 delays (less 10%), and no site
    # was served faster than 1 / delay. Per-process pacing would break both 3-fold.
    gaps, log = _send_gaps(redis_server.url)
    assert set(gaps) == set(E2E_SITES)
    assert min(gaps.values()) >= 0.9 * DELAY, gaps
    arrivals = replica_net.stats(paths=True)["arrivals"]
    assert set(arrivals) == set(E2E_SITES)
    for site, ts in arrivals.items():
        spans = [ts[i + 9] - ts[i] for i in range(len(ts) - 9)]
        assert min(spans) >= 0.9 * 9 * DELAY, (site, min(spans))
        assert (len(ts) - 1) / (ts[-1] - ts[0]) <= 1 / DELAY, site
    assert sum(len(v) for v in log.values()) == run["requests"]

    # WARC captures of every process are in the archive's WARC set, pointers correct.
    con = sqlite3.connect(db)
    rows = con.execute("SELECT url, title, warc_file, warc_offset FROM articles").fetchall()
    con.close()
    files = {r[2] for r in rows}
    assert len({f.split("-")[-2] for f in files}) >= 3, files  # written by several processes
    for url, title, wf, off in rows:
        cap = read_capture(warc_dir(db), wf, off)
        assert canonical_url(cap.url) == url
        assert extract_page(cap.body, cap.url, cap.content_type).record["title"] == title


def _wait_requests(rep, n, timeout=120):
    deadline = time.monotonic() + timeout
    while rep.stats()["total"] < n:
        assert time.monotonic() < deadline, "the crawl did not get going"
        time.sleep(0.1)


@pytest.mark.slow
def test_killed_worker_loses_nothing(replica_net, redis_server, tmp_path):
    """One worker SIGKILLed, another stopped with SIGTERM (Scrapy's graceful shutdown)
    mid-crawl: the archive is still complete."""
    db = tmp_path / "shared.db"
    cluster = Cluster(redis_server.url, _args(replica_net, db), workers=3)
    _wait_requests(replica_net, 120)
    victim = cluster.workers[0]
    victim.send_signal(signal.SIGKILL)
    victim.wait()
    cluster.workers[1].send_signal(signal.SIGTERM)
    res = cluster.wait()
    rc, out, err = res["coordinator"]
    assert rc == 0, err[-4000:]
    assert res["workers"][0][0] == -signal.SIGKILL
    assert res["workers"][1][0] == 4, res["workers"][1][2][-2000:]  # stopped before the end
    assert res["workers"][2][0] == 0
    with Archive(db) as ar:
        report = compare_with_truth(ar, replica_net.truth())
    assert report["ok"] and report["matched"] == report["expected"], report["problems"][:10]
    workers = json.loads(_run_row(db)["args"])["workers"]
    assert [w.get("lost") for w in workers.values()].count(True) == 1


@pytest.mark.slow
def test_workers_stop_when_the_coordinator_dies(replica_net, redis_server, tmp_path):
    cluster = Cluster(redis_server.url, _args(replica_net, tmp_path / "shared.db"), workers=2)
    _wait_requests(replica_net, 60)
    cluster.coordinator.send_signal(signal.SIGKILL)
    t0 = time.monotonic()
    codes = [w.wait(60) for w in cluster.workers]
    cluster.kill()
    assert codes == [4, 4] and time.monotonic() - t0 < 30


@pytest.mark.slow
def test_resume_after_every_process_was_killed(replica_net, redis_server, tmp_path):
    db = tmp_path / "shared.db"
    cluster = Cluster(redis_server.url, _args(replica_net, db), workers=2)
    _wait_requests(replica_net, 150)
    cluster.kill()  # SIGKILL: coordinator, workers (and so the archive writer) at once
    _check_ok(Cluster(redis_server.url, _args(replica_net, db, "--resume"), workers=2).wait())
    with Archive(db) as ar:
        report = compare_with_truth(ar, replica_net.truth())
    assert report["ok"] and report["matched"] == report["expected"], report["problems"][:10]


@pytest.mark.slow
def test_three_redis_restarts_lose_nothing_in_that_run(replica_net, redis_server, tmp_path):
    """Redis stopped and started three times while 3 workers and the coordinator crawl:
    the run that spans the restarts ends with the replica's truth, every article once
    (leased requests and relayed items survive: AOF + idempotent writes, scaleout/state.py)."""
    db = tmp_path / "shared.db"
    cluster = Cluster(redis_server.url, _args(replica_net, db), workers=3)
    served = []
    for n in (80, 160, 240):
        _wait_requests(replica_net, n)
        served.append(replica_net.stats()["total"])
        redis_server.restart(down=0.5)
    res = cluster.wait()
    _check_ok(res)
    assert replica_net.stats()["total"] > served[-1] + 20  # the crawl went on after the last restart
    with Archive(db) as ar:
        report = compare_with_truth(ar, replica_net.truth())
    assert report["ok"] and report["matched"] == report["expected"] > 40, report["problems"][:10]
    con = sqlite3.connect(db)
    try:
        twice = con.execute("SELECT url, COUNT(*) FROM article_urls GROUP BY url HAVING COUNT(*) > 1").fetchall()
        rows = con.execute("SELECT COUNT(*) FROM article_urls").fetchone()[0]
    finally:
        con.close()
    assert twice == [], twice
    run = _run_row(db)  # each stored URL counted once as new (or a duplicate copy), never twice
    assert run["finish_reason"] == "finished" and run["new_articles"] + run["duplicate_articles"] == rows


@pytest.mark.slow
def test_incremental_recrawl_on_workers_fetches_only_new(replica_net, redis_server, tmp_path):
    db = tmp_path / "shared.db"
    _check_ok(Cluster(redis_server.url, _args(replica_net, db), workers=2).wait())
    first = _run_row(db)
    replica_net.advance()
    replica_net.reset_stats()
    added = [t for t in replica_net.truth() if t.get("epoch_added") == 1]
    assert added
    _check_ok(Cluster(redis_server.url, _args(replica_net, db), workers=2).wait())
    seen = replica_net.stats()["sites"]
    second = _run_row(db)
    with Archive(db) as ar:
        archived = {r["url"] for r in ar.db.query("SELECT url FROM article_urls")}
    # The same rule as one process: every new article, and no known article fetched again.
    assert all(canonical_url(t["url"]) in archived for t in added)
    assert second["new_articles"] + second["duplicate_articles"] == len(added)
    for site in E2E_SITES:
        k = [t for t in added if t["site"] == site]
        assert seen[site].get("article", 0) == len(k), (site, seen[site])
    assert second["requests"] < first["requests"] * 0.5


@pytest.mark.slow
def test_workers_fetch_no_archived_file_again_and_recheck_each_once(replica_net, redis_server, tmp_path):
    """Workers know the archive's attachments and page resources (they never open it):
    a re-crawl on workers that fetches every article again downloads no file the archive
    holds; each is re-checked once across the run, conditionally (304: no body bytes)."""
    db = tmp_path / "shared.db"
    _check_ok(Cluster(redis_server.url, _args(replica_net, db), workers=2).wait())
    first = replica_net.stats(paths=True)
    replica_net.reset_stats()
    _check_ok(Cluster(redis_server.url, _args(replica_net, db, "--refresh-days", "100000"), workers=2).wait())
    second = replica_net.stats(paths=True)
    files = ("attachment", "upload", "static")
    assert sum(first["bytes"][s].get(k, 0) for s in first["bytes"] for k in files) > 100_000
    assert {s: {k: v for k, v in b.items() if k in files} for s, b in second["bytes"].items()} == \
        {s: {k: 0 for k in b if k in files} for s, b in second["bytes"].items()}
    con = sqlite3.connect(db)
    checked = {u for (u,) in con.execute("SELECT url FROM attachments WHERE fetch = 'ok' AND etag IS NOT NULL "
                                         "UNION SELECT url FROM resources WHERE fetch = 'ok' AND etag IS NOT NULL")}
    assert checked
    asked = {}
    for site, paths in second["paths"].items():
        for p, n in paths.items():
            if p.startswith(("/uploads/", "/templets/")):
                asked[(site, p)] = n
    assert asked and max(asked.values()) == 1     # once across the coordinator and both workers
    assert len(asked) == len(checked)
    assert con.execute("SELECT count(*) FROM attachments WHERE fetch = 'ok' AND etag IS NOT NULL "
                       "AND checked_at IS NULL").fetchone()[0] == 0


@pytest.mark.slow
def test_workers_command_and_a_frozen_workers_leases_returned(replica_net, redis_server, tmp_path):
    """`workers --redis URL` lists the live processes with their leases and last heartbeat;
    a worker that stops heartbeating (SIGSTOP: frozen, holding its leases) has them back
    in the queue within SCALEOUT_DEAD_AFTER + RETURN_SLACK_S of its last heartbeat."""
    from portal_crawler.scaleout.operators import RETURN_SLACK_S
    dead_after = 20.0  # (default 6 s) room for the `workers` commands to start while it is frozen
    db = tmp_path / "shared.db"
    cluster = Cluster(redis_server.url, _args(replica_net, db, "--set", f"SCALEOUT_DEAD_AFTER={dead_after}"),
                      workers=2)
    try:
        from portal_crawler.scaleout.operators import live_workers
        deadline = time.monotonic() + 120
        while len(live_workers(redis_server.url)["workers"]) < 3 or replica_net.stats()["total"] < 60:
            assert time.monotonic() < deadline, "the workers did not join"
            time.sleep(0.1)
        victim = cluster.workers[0]
        victim.send_signal(signal.SIGSTOP)
        time.sleep(1.0)
        # Both views at once: each command takes seconds to start on a loaded machine.
        views = [subprocess.Popen(cli_cmd("workers", "--redis", redis_server.url, *extra), text=True,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE) for extra in (["--json"], [])]
        (js, js_err), (table, _) = [v.communicate(timeout=120) for v in views]
        assert [v.returncode for v in views] == [0, 0], js_err
        status = json.loads(js)
        rows = {w["id"].split("-")[-2]: w for w in status["workers"]}
        assert [w["role"] for w in status["workers"]] == ["coordinator", "worker", "worker"], status
        frozen = rows[str(victim.pid)]
        assert frozen["leases"] > 0 and frozen["last_heartbeat_s"] >= 0.9, frozen
        assert all(w["last_heartbeat_s"] < 0.9 for k, w in rows.items() if k != str(victim.pid)), rows
        assert f"-{victim.pid}-" in table and "leases" in table and "last heartbeat" in table, table
        # Its leases go back within the stated time of its last heartbeat (server clock).
        r = redis.Redis.from_url(redis_server.url)
        wid = frozen["id"]
        last_beat = json.loads(r.hget("portal:workers", wid))["t"]
        while r.hlen(f"portal:leases:{wid}"):
            s, us = r.time()
            assert s + us / 1e6 - last_beat <= dead_after + RETURN_SLACK_S, "leases not returned"
            time.sleep(0.05)
        s, us = r.time()
        returned_after = s + us / 1e6 - last_beat
        print(f"leases returned {returned_after:.2f} s after the last heartbeat")
        assert returned_after >= dead_after - 0.5  # not before it was due
        assert wid not in {w["id"] for w in json.loads(cli("workers", "--redis", redis_server.url, "--json",
                                                             timeout=60).stdout)["workers"]}
        victim.send_signal(signal.SIGKILL)
        res = cluster.wait()
    finally:
        cluster.kill()
    assert res["coordinator"][0] == 0, res["coordinator"][2][-3000:]
    with Archive(db) as ar:
        report = compare_with_truth(ar, replica_net.truth())
    assert report["ok"] and report["matched"] == report["expected"], report["problems"][:10]


def _list_requests(rep) -> int:
    return sum(k.get("list", 0) for k in rep.stats()["sites"].values())


def _walks(db) -> dict:
    with Archive(db) as ar:
        return {(r["site"], r["channel_url"]): (r["pages"], bool(r["complete"])) for r in ar.backfill()}


@pytest.mark.slow
def test_workers_advance_the_backfill_frontier(replica_net, redis_server, tmp_path):
    """Lists walked by workers count toward each channel's walk: a coordinated first crawl,
    then a plain one, make no more list requests than the single-process pair."""
    single = tmp_path / "single.db"
    cli(*crawl_args(replica_net.sites_path, single), check=True)
    replica_net.reset_stats()
    cli(*crawl_args(replica_net.sites_path, single), check=True)
    single_second = _list_requests(replica_net)

    db = tmp_path / "shared.db"
    replica_net.reset_stats()
    res = Cluster(redis_server.url, _args(replica_net, db), workers=2).wait()
    _check_ok(res)
    first = _list_requests(replica_net)
    run = json.loads(_run_row(db)["args"])["workers"]
    assert sum(1 for w in run.values() if w["role"] == "worker" and w["requests"] > 10) == 2, run
    assert _walks(db) == _walks(single) and all(c for _, c in _walks(db).values())  # every walk complete
    replica_net.reset_stats()
    cli(*crawl_args(replica_net.sites_path, db), check=True)
    second = _list_requests(replica_net)
    assert second <= single_second < first, (second, single_second, first)


@pytest.mark.parametrize("url, says", [
    ("http://127.0.0.1:6379/0", "is not a Redis URL"),
    ("redis://127.0.0.1:{port}/0", "cannot reach Redis"),
    ("redis://127.0.0.1:{port}/notanumber", "redis://"),
])
def test_bad_or_unreachable_redis_is_one_line_exit_2(url, says, tmp_path):
    url = url.format(port=free_port())
    sites = tmp_path / "sites.toml"  # a valid site (never contacted): the Redis URL is what is wrong
    sites.write_text('[[sites]]\nkey = "harbin"\nbase_url = "http://127.0.0.1:9/"\n', "utf-8")
    for args in (["worker", "--redis", url, "--wait", "1"], ["workers", "--redis", url],
                 ["crawl", "--db", tmp_path / "a.db", "--sites-file", sites, "--site", "harbin", "--no-progress",
                  "--redis", url]):
        p = cli(*args, timeout=60)
        assert p.returncode == 2, (args, p.stdout, p.stderr)
        lines = p.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: ") and says in lines[0], p.stderr
    assert not (tmp_path / "a.db").exists()  # nothing was created


def test_worker_without_a_coordinator_waits_then_exit_2(redis_server):
    p = cli("worker", "--redis", redis_server.url, "--wait", "1", timeout=60)
    assert p.returncode == 2 and p.stderr.strip().count("\n") == 0
    assert "no coordinated crawl" in p.stderr


def test_redis_pace_book_holds_delay_and_concurrency_across_books(redis_server):
    """Two books (two workers) on one Redis: one site's delay and cap hold across both,
    the delay counts from the end of the last request too, and a dead worker's lease
    frees itself after its TTL."""
    from portal_crawler.scaleout.pacebook import RedisPaceBook
    a = RedisPaceBook(redis.Redis.from_url(redis_server.url), "t", lease_ttl=1.5, owner="a", log_sends=True)
    b = RedisPaceBook(redis.Redis.from_url(redis_server.url), "t", lease_ttl=1.5, owner="b", log_sends=True)
    assert a.try_send("s", 0.2, 2) == 0.0
    wait = b.try_send("s", 0.2, 2)
    assert 0.1 < wait <= 0.2          # b must wait for a's send, not its own
    time.sleep(wait + 0.01)
    assert b.try_send("s", 0.2, 2) == 0.0
    time.sleep(0.25)
    assert a.try_send("s", 0.2, 2) is None  # two in flight across the books: at the cap
    b.done("s")               # a slot is free, and the delay runs from b's request's end
    wait = a.try_send("s", 0.2, 2)
    assert 0.15 < wait <= 0.2, wait
    time.sleep(wait + 0.01)
    assert a.try_send("s", 0.2, 2) == 0.0
    # `a` dies holding two leases: b is at the cap until they expire (no renewal).
    time.sleep(0.25)
    assert b.try_send("s", 0.2, 2) is None
    time.sleep(1.6)
    assert b.try_send("s", 0.2, 2) == 0.0
    sends = b.send_log()["s"]
    assert len(sends) == 4 and min(y - x for x, y in zip(sends, sends[1:])) >= 0.2


def test_every_shared_write_has_one_effect_when_resent(redis_server):
    """What a Redis restart does to a command whose reply was lost: the client sends it
    again. Each write of the shared run, sent twice with the same arguments, has the
    effect of one (scaleout/state.py): nothing lost, nothing doubled."""
    from portal_crawler.scaleout.state import SharedRun
    r = redis.Redis.from_url(redis_server.url)
    sh = SharedRun(r, "t", "w1", "worker")
    queue = [sh.key("requests"), sh.key("dupefilter")]
    # A new request: marked seen and queued once (was: seen on the first send, dropped on the second).
    assert sh._push(keys=queue, args=["fp1", "0", b"req1"]) == 1
    assert sh._push(keys=queue, args=["fp1", "0", b"req1"]) == 0
    assert r.zcard(queue[0]) == 1 and r.sismember(queue[1], "fp1")
    # A pop: the second send re-delivers the request leased by the first (was: a second pop
    # overwrote the lease, the first request lost).
    pop = dict(keys=[queue[0], sh.lease_key], args=["7"])
    assert sh._pop(**pop) == sh._pop(**pop) == b"req1"
    assert r.zcard(queue[0]) == 0 and r.hlen(sh.lease_key) == 1
    # A relayed item: pushed once per sequence number.
    relay = dict(keys=[sh.key("items"), sh.key("relayed")], args=["w1", 0, b"item0"])
    sh._relay(**relay)
    sh._relay(**relay)
    assert r.lrange(sh.key("items"), 0, -1) == [b"item0"]
    # The coordinator's acknowledgement of items it read: trims once per token (was: LPOP,
    # whose second send took the next batch, the first lost).
    r.rpush(sh.key("items"), b"item1", b"item2")
    got = []
    assert sh.take_items(2, got.append) == 2 and got == [b"item0", b"item1"]
    ack = dict(keys=[sh.key("items"), sh.key("items_ack")], args=["w1:0", 2])
    assert sh._ack(**ack) == 0  # take_items sent it once already: the resend is a no-op
    assert r.lrange(sh.key("items"), 0, -1) == [b"item2"]
