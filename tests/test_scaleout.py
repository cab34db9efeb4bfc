"""Scale-out: a coordinator and worker processes on one real Redis frontier crawl the
replica network; the archive must equal the replica's truth and a single-process crawl,
every page fetched once across workers, each site's delay held across all of them."""
from __future__ import annotations

import json
import signal
import sqlite3
import time

import pytest
from conftest import E2E_SITES, cli, crawl_args

from portal_crawler.store.warcread import read_capture
from portal_crawler.store.paths import warc_dir
from portal_crawler.extract import extract_page
from portal_crawler.replica.oracle import compare_with_truth
from portal_crawler.replica.redis_server import Cluster, RedisServer, free_port
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
    from portal_crawler.crawler.redisbook import RedisPaceBook
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
def test_redis_restart_mid_crawl_resumes(replica_net, redis_server, tmp_path):
    db = tmp_path / "shared.db"
    cluster = Cluster(redis_server.url, _args(replica_net, db), workers=2)
    _wait_requests(replica_net, 100)
    before = replica_net.stats()["total"]
    redis_server.restart(down=1.0)
    res = cluster.wait()
    _check_ok(res)
    assert replica_net.stats()["total"] > before + 50  # the crawl went on after the restart
    with Archive(db) as ar:
        first = compare_with_truth(ar, replica_net.truth())
    # A reply lost while Redis shuts down can drop one relayed item or request in the run
    # that spans the restart (seen once in ~10 runs under heavy load: 1 article of 300).
    # What is guaranteed is that nothing stays lost: the next plain coordinated run
    # (lists walked again, as after any unfinished run) completes the archive.
    print(f"after the restart run: {first['matched']}/{first['expected']} equal; {first['problems'][:3]}")
    _check_ok(Cluster(redis_server.url, _args(replica_net, db), workers=2).wait())
    with Archive(db) as ar:
        report = compare_with_truth(ar, replica_net.truth())
    assert report["ok"] and report["matched"] == report["expected"], report["problems"][:10]
    assert first["matched"] >= first["expected"] - 3, first["problems"][:10]  # a restart loses little


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


@pytest.mark.parametrize("url, says", [
    ("http://127.0.0.1:6379/0", "is not a Redis URL"),
    ("redis://127.0.0.1:{port}/0", "cannot reach Redis"),
    ("redis://127.0.0.1:{port}/notanumber", "redis://"),
])
def test_bad_or_unreachable_redis_is_one_line_exit_2(url, says, tmp_path):
    url = url.format(port=free_port())
    for args in (["worker", "--redis", url, "--wait", "1"],
                 ["crawl", "--db", tmp_path / "a.db", "--site", "harbin", "--no-progress", "--redis", url]):
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
    and a dead worker's lease frees itself after its TTL."""
    from portal_crawler.crawler.redisbook import RedisPaceBook
    a = RedisPaceBook(redis.Redis.from_url(redis_server.url), "t", lease_ttl=1.5, owner="a", log_sends=True)
    b = RedisPaceBook(redis.Redis.from_url(redis_server.url), "t", lease_ttl=1.5, owner="b", log_sends=True)
    assert a.try_send("s", 0.2, 2) == 0.0
    wait = b.try_send("s", 0.2, 2)
    assert 0.1 < wait <= 0.2          # b must wait for a's send, not its own
    time.sleep(wait + 0.01)
    assert b.try_send("s", 0.2, 2) == 0.0
    time.sleep(0.25)
    assert a.try_send("s", 0.2, 2) is None  # two in flight across the books: at the cap
    b.done("s")
    assert a.try_send("s", 0.2, 2) == 0.0
    # `a` dies holding two leases: b is at the cap until they expire (no renewal).
    time.sleep(0.25)
    assert b.try_send("s", 0.2, 2) is None
    time.sleep(1.6)
    assert b.try_send("s", 0.2, 2) == 0.0
    sends = b.send_log()["s"]
    assert len(sends) == 4 and min(y - x for x, y in zip(sends, sends[1:])) >= 0.2
