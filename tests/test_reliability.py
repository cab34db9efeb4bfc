"""Issue 14: the writer's death, failures after retries, truncation, unusable archives.

Each test runs the CLI as users run it, against the replica (fault mode where needed),
and checks the exit code, the one-line error, and the archive against the truth.
"""
from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time

import pytest
from conftest import E2E_SITES, cli, archived_count, replica_network, RUN_DIR
from conftest import crawl_args as _crawl_args

from portal_crawler.replica import ReplicaProcess
from portal_crawler.replica.faults import FaultPlan
from portal_crawler.replica.oracle import compare_with_truth
from portal_crawler.store import Archive

def crawl_args(sites_file, db, sites=E2E_SITES, *extra):
    """conftest.crawl_args with retries 100x faster (the faults make many)."""
    return _crawl_args(sites_file, db, sites, *extra, "--set", "RETRY_BACKOFF_BASE=0.01")


def sets(**kw) -> list[str]:
    return [a for k, v in kw.items() for a in ("--set", f"{k}={v}")]
SITES = ["harbin", "xiamen"]  # a DedeCMS site and the TRS one


def _missing(report) -> set[str]:
    assert all(pr.startswith("missing: ") for pr in report["problems"]), report["problems"][:5]
    return {u for pr in report["problems"] for u in pr.split(": ", 1)[1].split(", ")}


def _one_line_error(stderr: str) -> str:
    lines = [ln for ln in stderr.strip().splitlines() if ln.startswith("error: ")]
    assert len(lines) == 1, stderr[-3000:]
    assert "Traceback" not in stderr, stderr[-3000:]
    return lines[0]




def _truth_paths(rep, plan, kinds=("article",)):
    """URLs of the truth whose first page a persistent fault hits."""
    from urllib.parse import urlsplit
    rev = {u: k for k, u in rep.base_urls.items()}
    out = set()
    for t in rep.truth():
        base = next(b for b in rev if t["url"].startswith(b))
        if any(FaultPlan.from_json(plan).persistent(rev[base], k, urlsplit(t["url"]).path) for k in kinds):
            out.add(t["url"])
    return out


@pytest.fixture
def small_net(tmp_path):
    with replica_network(tmp_path, sites=SITES) as rep:
        yield rep


# -- finding 1: the writer's death ------------------------------------------------------
def test_write_lock_held_by_another_program_stops_the_crawl_with_exit_6(small_net, tmp_path):
    db = tmp_path / "a.db"
    Archive(db).close()
    holder = sqlite3.connect(db, isolation_level=None, timeout=30, check_same_thread=False)
    started = threading.Event()

    def hold():
        # Wait until the crawl has written something, then keep a write lock for 4 s.
        deadline = time.monotonic() + 120
        while archived_count(db) < 5 and time.monotonic() < deadline:
            time.sleep(0.05)
        holder.execute("BEGIN IMMEDIATE")
        started.set()
        time.sleep(4)
        holder.execute("ROLLBACK")

    t = threading.Thread(target=hold)
    t.start()
    args = crawl_args(small_net.sites_path, db, SITES)
    args[args.index("--concurrency") + 1] = "1"
    args[args.index("--delay") + 1] = "0.05"
    p = cli(*args, *sets(ARCHIVE_BATCH_SIZE=3, ARCHIVE_BUSY_TIMEOUT=1), timeout=240)
    t.join()
    holder.close()
    assert started.is_set()
    assert p.returncode == 6, p.stderr[-3000:]
    line = _one_line_error(p.stderr)
    assert "database is locked" in line and "another program holds a write lock" in line
    truth = small_net.truth()
    with Archive(db) as ar:
        run = ar.runs(1)[0]
        assert run["finish_reason"] == "archive_error"
        assert run["errors"] >= 1
        kept = ar.counts()["articles"]
    assert 5 <= kept < len(truth)               # stopped at once, not after the whole crawl
    # Nothing lost: a plain run after the lock is gone archives the rest.
    assert cli(*crawl_args(small_net.sites_path, db, SITES)).returncode == 0
    with Archive(db) as ar:
        report = compare_with_truth(ar, truth)
    assert report["ok"], report["problems"][:5]


def _children(pid: int) -> list[int]:
    out = []
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/stat") as f:
                    if int(f.read().rsplit(")", 1)[1].split()[1]) == pid:
                        out.append(int(d))
            except (OSError, IndexError, ValueError):
                pass
    return out


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_writer_exits_when_its_crawler_is_killed_right_after_starting_it(small_net, tmp_path):
    db = tmp_path / "a.db"
    p = subprocess.Popen([sys.executable, "-m", "portal_crawler.cli",
                          *map(str, crawl_args(small_net.sites_path, db, SITES))],
                         cwd=RUN_DIR, env=os.environ, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    writer = None
    deadline = time.monotonic() + 60
    while writer is None and time.monotonic() < deadline:
        # The writer is spawned: a fresh interpreter whose command line names multiprocessing.
        for c in _children(p.pid):
            try:
                cmd = open(f"/proc/{c}/cmdline", "rb").read()
            except OSError:
                continue
            if b"multiprocessing" in cmd and b"resource_tracker" not in cmd:
                writer = c
        time.sleep(0.005)
    assert writer is not None, "no writer process seen"
    p.send_signal(signal.SIGKILL)  # before the writer has even opened the archive
    p.wait()
    deadline = time.monotonic() + 30
    while _alive(writer) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _alive(writer), "the writer outlived its crawler"
    # And the archive is usable: a plain run completes it.
    assert cli(*crawl_args(small_net.sites_path, db, SITES)).returncode == 0
    with Archive(db) as ar:
        assert compare_with_truth(ar, small_net.truth())["ok"]


@pytest.mark.parametrize("content", [b"this is not a database\n" * 100,
                                     b"SQLite format 3\x00" + b"\xff" * 8000])
def test_unusable_archive_file_is_exit_2_with_no_request(small_net, tmp_path, content):
    db = tmp_path / "a.db"
    db.write_bytes(content)
    small_net.reset_stats()
    p = cli(*crawl_args(small_net.sites_path, db, SITES), timeout=120)
    assert p.returncode == 2, p.stderr[-3000:]
    assert str(db) in _one_line_error(p.stderr)
    assert small_net.stats()["total"] == 0
    assert db.read_bytes() == content            # and the file is left as it was
    for cmd in (["stats"], ["search", "企业"], ["dupes"]):
        r = cli(*cmd, "--db", db, timeout=60)
        assert r.returncode == 2 and str(db) in _one_line_error(r.stderr), (cmd, r.stderr[-2000:])


# -- finding 2: failures after retries are errors ---------------------------------------
def test_requests_failing_after_retries_are_errors_listed_by_site_and_url(tmp_path):
    plan = {"seed": 5, "rules": [{"fault": "server_error", "fraction": 0.15, "pages": ["article"]}]}
    with ReplicaProcess(seed=11, sites=SITES, scale="tiny", faults=plan) as rep:
        rep.sites_file(tmp_path / "s.toml")
        db = tmp_path / "a.db"
        failing = _truth_paths(rep, plan)
        assert failing
        p = cli(*crawl_args(tmp_path / "s.toml", db, SITES))
        assert p.returncode == 1, p.stderr[-3000:]
        with Archive(db) as ar:
            run = ar.runs(1)[0]
            failed = ar.failed_requests(run["id"])
            report = compare_with_truth(ar, rep.truth())
        assert {f["url"] for f in failed} == failing
        assert all(f["error"] == "HTTP 500" for f in failed)
        assert run["errors"] == len(failing) and run["finish_reason"] == "finished"
        assert _missing(report) == failing
        s = cli("stats", "--db", db, env={"COLUMNS": "300"}, check=True).stdout
        for f in failed:
            assert f["url"] in s and f["site"] in s
        # The faults pass: the next plain run fetches exactly what failed.
        rep.set_faults(None)
        assert cli(*crawl_args(tmp_path / "s.toml", db, SITES)).returncode == 0
        with Archive(db) as ar:
            report = compare_with_truth(ar, rep.truth())
            assert report["ok"], (report["problems"][:5], ar.retry_requests("harbin")[:3])


# -- finding 5: truncated responses -----------------------------------------------------
@pytest.mark.parametrize("fault", ["truncate_close", "truncate_length"])
def test_truncated_articles_are_retried_never_stored(tmp_path, fault):
    plan = {"seed": 9, "rules": [{"fault": fault, "fraction": 0.3, "pages": ["article"], "sites": ["harbin"]},
                                 {"fault": fault, "fraction": 0.3, "pages": ["article"], "times": 2}]}
    with ReplicaProcess(seed=11, sites=SITES, scale="tiny", faults=plan) as rep:
        rep.sites_file(tmp_path / "s.toml")
        db = tmp_path / "a.db"
        lasting = _truth_paths(rep, plan)
        p = cli(*crawl_args(tmp_path / "s.toml", db, SITES))
        assert p.returncode == 1, p.stderr[-3000:]
        with Archive(db) as ar:
            report = compare_with_truth(ar, rep.truth())
            failed = {f["url"] for f in ar.failed_requests(ar.runs(1)[0]["id"])}
        # What passed after a retry is whole; what stayed cut is missing, never stored broken.
        assert _missing(report) == lasting
        assert failed == lasting
        assert rep.fault_stats()["injected"][fault] > 0


def test_stored_truncated_record_is_fetched_again(tmp_path):
    """An archive written without the integrity check (as before this fix) holds cut
    articles; `reparse` finds them and the next crawl fetches them again."""
    plan = {"seed": 9, "rules": [{"fault": "truncate_close", "fraction": 0.2, "pages": ["article"]}]}
    with ReplicaProcess(seed=11, sites=["harbin"], scale="tiny", faults=plan) as rep:
        rep.sites_file(tmp_path / "s.toml")
        db = tmp_path / "a.db"
        cut = _truth_paths(rep, plan)
        from portal_crawler.crawler import settings as S
        without_check = {**S.DOWNLOADER_MIDDLEWARES, "portal_crawler.crawler.downloader.integrity.IntegrityCheck": None}
        cli(*crawl_args(tmp_path / "s.toml", db, ["harbin"]), "--set",
            f"DOWNLOADER_MIDDLEWARES={json.dumps(without_check)}", check=True)
        with Archive(db) as ar:
            broken = [pr for pr in compare_with_truth(ar, rep.truth())["problems"] if not pr.startswith("missing")]
        assert broken                                    # the old behaviour stored cut pages
        r = cli("reparse", "--db", db, "--sites-file", tmp_path / "s.toml", check=True)
        assert f"{len(cut)} truncated" in r.stdout
        rep.set_faults(None)
        assert cli(*crawl_args(tmp_path / "s.toml", db, ["harbin"])).returncode == 0
        with Archive(db) as ar:
            report = compare_with_truth(ar, rep.truth())
            assert report["ok"], report["problems"][:5]
            assert ar.refetch_urls() == []


# -- finding 8: read-only and unusable locations --------------------------------------
def _archive_with_one_run(small_net, db):
    assert cli(*crawl_args(small_net.sites_path, db, SITES)).returncode == 0


def test_read_only_archive_opens_for_reading_and_refuses_a_crawl(small_net, tmp_path):
    """On a read-only filesystem (even root cannot write there) and as a 0444 file:
    `stats` and `search` read it without writing a byte; a crawl is a one-line exit 2."""
    from fsutil import remount_readonly, tmpfs
    with tmpfs(tmp_path / "ro", size="64m") as d:
        db = d / "a.db"
        _archive_with_one_run(small_net, db)
        with Archive(db) as ar:
            title = ar.db.execute("SELECT title FROM articles ORDER BY id LIMIT 1").fetchone()[0]
            n_runs = len(ar.runs(100))
        db.chmod(0o444)
        remount_readonly(d)
        before = {f.name: f.read_bytes() for f in d.iterdir() if f.is_file()}
        s = cli("stats", "--db", db, env={"COLUMNS": "200"})
        assert s.returncode == 0, s.stderr[-2000:]
        assert s.stdout.count("│ finished") == n_runs
        # the whole title as a phrase: the hit is on the first page whatever the ranking
        r = cli("search", f'title:"{title}"', "--db", db, env={"COLUMNS": "400"})
        assert r.returncode == 0 and title in r.stdout, r.stderr[-2000:]
        assert {f.name: f.read_bytes() for f in d.iterdir() if f.is_file()} == before
        c = cli(*crawl_args(small_net.sites_path, db, SITES), timeout=60)
        assert c.returncode == 2, c.stderr[-2000:]
        assert "cannot open archive" in _one_line_error(c.stderr) and "Read-only file system" in c.stderr


def test_crawl_into_a_read_only_directory_is_exit_2(small_net, tmp_path):
    from fsutil import remount_readonly, tmpfs
    with tmpfs(tmp_path / "ro") as d:
        remount_readonly(d)
        small_net.reset_stats()
        p = cli(*crawl_args(small_net.sites_path, d / "a.db", SITES), timeout=60)
        assert p.returncode == 2
        assert "cannot open archive" in _one_line_error(p.stderr)
        assert small_net.stats()["total"] == 0


def test_writer_ignores_sigint_but_not_sigterm_forever(tmp_path):
    import multiprocessing as mp
    from portal_crawler.crawler.pipelines.writer import writer_main
    ctx = mp.get_context("spawn")
    inbox, outbox = ctx.Queue(), ctx.Queue()
    p = ctx.Process(target=writer_main, args=(str(tmp_path / "a.db"), ["harbin"], {}, inbox, outbox,
                                              os.getpid(), 1.0, 1.0))
    p.start()
    try:
        assert outbox.get(timeout=60)[0] == "opened"
        os.kill(p.pid, signal.SIGINT)     # Ctrl-C: the crawler will say "finish"; keep going
        p.join(2.5)
        assert p.is_alive()
        os.kill(p.pid, signal.SIGTERM)    # told to stop: waits term_grace (1 s) for "finish", then goes
        p.join(15)
        assert not p.is_alive() and p.exitcode == 0
    finally:
        if p.is_alive():
            p.kill()
    with Archive(tmp_path / "a.db") as ar:  # the archive is whole and says the run did not finish
        assert ar.runs(1)[0]["finish_reason"] is None
        assert ar.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


# -- stopping: at once, nothing downloaded lost, never a hang (issue 24 items 1, 2) -----

def _arrivals(rep) -> list[float]:
    """When each request reached the replica (the replica's clock: CLOCK_MONOTONIC, the
    same clock as this process's time.monotonic on Linux)."""
    return sorted(t for ts in rep.stats(paths=True)["arrivals"].values() for t in ts)


def _start(args):
    return subprocess.Popen([sys.executable, "-m", "portal_crawler.cli", *map(str, args)], cwd=RUN_DIR,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _until(cond, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        assert time.monotonic() < deadline, f"waited {timeout} s for {what}"
        time.sleep(0.05)


IN_FLIGHT = 0.5  # s: a request sent just before the signal reaches the loopback replica within this


def _sigint(p) -> tuple[int, float, float, str]:
    """SIGINT to a running crawl: (exit code, when sent, seconds to exit, stderr); the
    crawl is killed if it is still running 5 s later (the test then fails)."""
    try:
        t0 = time.monotonic()
        p.send_signal(signal.SIGINT)
        rc = p.wait(timeout=5)
        return rc, t0, time.monotonic() - t0, p.stderr.read().decode("utf-8", "replace")
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()


def test_a_stalled_writer_blocks_neither_the_downloads_nor_a_stop(small_net, tmp_path):
    """The writer sleeps 30 s before its first write (ARCHIVE_WRITER_STALL). The crawl
    goes on fetching meanwhile (the replica sees the requests), and SIGINT ends it in
    5 s with exit 4, sending nothing after the signal."""
    db = tmp_path / "a.db"
    args = crawl_args(small_net.sites_path, db, SITES) + sets(ARCHIVE_WRITER_STALL=30, ARCHIVE_BATCH_SIZE=1)
    args[args.index("--delay") + 1] = "0.1"
    args[args.index("--concurrency") + 1] = "1"
    p = _start(args)
    try:
        _until(lambda: len(_arrivals(small_net)) >= 30, 180, "30 requests")   # articles among them: the writer stalls
        seen = len(_arrivals(small_net))
        time.sleep(2.0)
        assert len(_arrivals(small_net)) >= seen + 8, "downloads stopped while the writer stalled"
        assert archived_count(db) == 0        # the writer is indeed stalled: nothing committed yet
    finally:
        rc, t0, took, err = _sigint(p)
    assert rc == 4 and took < 5, (rc, took, err[-2000:])
    assert "stopping" in err and "Traceback" not in err, err[-2000:]
    assert [t for t in _arrivals(small_net) if t > t0 + IN_FLIGHT] == []
    with Archive(db) as ar:
        assert ar.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    # Nothing is lost for good: the next run archives exactly the truth.
    assert cli(*crawl_args(small_net.sites_path, db, SITES)).returncode == 0
    with Archive(db) as ar:
        assert compare_with_truth(ar, small_net.truth())["problems"] == []


def test_one_sigint_sends_nothing_more_and_commits_every_article_downloaded(small_net, tmp_path):
    db, summary = tmp_path / "a.db", tmp_path / "summary.json"
    args = crawl_args(small_net.sites_path, db, SITES, "--summary-json", summary)
    args[args.index("--delay") + 1] = "0.1"
    args[args.index("--concurrency") + 1] = "1"
    p = _start(args)
    try:
        _until(lambda: archived_count(db) >= 5, 60, "5 archived articles")   # mid-crawl
    finally:
        rc, t0, took, err = _sigint(p)
    assert rc == 4 and took < 5, (rc, took, err[-2000:])
    assert err.splitlines()[0].startswith("stopping"), err[-2000:]
    assert [t for t in _arrivals(small_net) if t > t0 + IN_FLIGHT] == []
    s = json.loads(summary.read_text("utf-8"))
    assert s["finish_reason"] == "shutdown" and s["exit_code"] == 4
    # Every article the spider got from a page is accounted for by the archive.
    extracted = sum(v.get("articles", 0) for v in s["per_site"].values())
    assert extracted == sum(s["articles"].values()) > 0, s
    with Archive(db) as ar:
        assert ar.conn.execute("SELECT count(*) FROM articles").fetchone()[0] == s["articles"]["new"]
        assert ar.runs(1)[0]["finish_reason"] == "shutdown"
    assert small_net.truth() and len(small_net.truth()) > s["articles"]["new"]   # stopped mid-crawl indeed
