"""The chaos suite (issue 14): a faulty network, kills at random points, a write-locked
and a full disk, readers during a crawl.

Every test checks the archive against the replica's truth with ``audit``: nothing
broken is ever stored (no field differing from the truth, no capture that is cut or
missing, SQLite's integrity check clean, no article stored twice) and, after one clean
run, nothing is lost. The module ends with one line of figures (runs, faults, kills,
lost, duplicated, corrupt), also written to benchmarks/results/chaos.json, which the
README and docs/operators.md ("Reliability") quote.
"""
from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter

import pytest
from conftest import E2E_SITES, ROOT, cli, archived_count, RUN_DIR
from conftest import crawl_args as _crawl_args

from portal_crawler.extract.truncation import is_truncated
from portal_crawler.store.warcread import read_capture
from portal_crawler.store.paths import warc_dir
from portal_crawler.replica import ReplicaProcess
from portal_crawler.replica.oracle import compare_with_truth
from portal_crawler.store import Archive

TALLY: Counter = Counter()
def crawl_args(sites_file, db, sites=E2E_SITES, *extra):
    """conftest.crawl_args with retries 100x faster (the faults make many)."""
    return _crawl_args(sites_file, db, sites, *extra, "--set", "RETRY_BACKOFF_BASE=0.01")


def sets(**kw) -> list[str]:
    return [a for k, v in kw.items() for a in ("--set", f"{k}={v}")]

# Faults that pass: each hurts a URL once or twice, within its retries.
PASSING = [
    {"fault": "unavailable", "fraction": 0.12, "times": 1},
    {"fault": "reset", "fraction": 0.08, "times": 1},
    {"fault": "truncate_length", "fraction": 0.08, "times": 1},
    {"fault": "truncate_close", "fraction": 0.08, "times": 2, "pages": ["article", "article_page", "list", "home"]},
    {"fault": "error_page", "fraction": 0.08, "times": 1, "pages": ["article", "view_dynamic"]},
    {"fault": "slow", "fraction": 0.03, "delay": 1.0, "times": 1, "pages": ["article"]},
]
# Faults that last: every request of the URL fails, for the whole run.
LASTING = [
    {"fault": "server_error", "fraction": 0.05, "pages": ["article"]},
    {"fault": "truncate_close", "fraction": 0.05, "pages": ["article"]},
    {"fault": "reset", "fraction": 0.04, "pages": ["article"]},
    {"fault": "error_page", "fraction": 0.04, "pages": ["article"]},
]


def figures_line() -> str:
    return (f"chaos suite: {TALLY['runs']} runs, {TALLY['faults']} faults injected, {TALLY['kills']} kills, "
            f"lost {TALLY['lost']}, duplicated {TALLY['duplicated']}, corrupt {TALLY['corrupt']}")


@pytest.fixture(scope="module", autouse=True)
def chaos_figures():
    """After the module: the figures in benchmarks/results/chaos.json (the line itself is
    printed in the terminal summary, tests/conftest.py)."""
    yield
    out = ROOT / "benchmarks" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "chaos.json").write_text(json.dumps({**TALLY, "summary": figures_line()}, indent=1), encoding="utf-8")


def audit(db, truth, *, final: bool) -> dict:
    """The archive against the truth. Broken = corrupt (must always be 0); missing
    articles count as lost only when ``final`` (after the clean run)."""
    with Archive(db) as ar:
        report = compare_with_truth(ar, truth)
        integrity = ar.conn.execute("PRAGMA integrity_check").fetchone()[0]
        refs = [json.loads(r[0] or "[]") for r in ar.conn.execute("SELECT warc_refs FROM articles")]
        twice = ar.conn.execute("SELECT count(*) FROM (SELECT url FROM article_urls GROUP BY url "
                                "HAVING count(*) > 1)").fetchone()[0]
    missing = {u for p in report["problems"] if p.startswith("missing: ") for u in p[9:].split(", ")}
    duplicated = twice + sum(1 for p in report["problems"]
                             if p.startswith("one article stored as") or "the truth does not have" in p)
    broken = [p for p in report["problems"] if not p.startswith("missing: ")
              and not p.startswith("one article stored as") and "the truth does not have" not in p]
    folder = warc_dir(db)
    bad_captures = 0
    for rr in refs:
        for name, off in rr:
            try:
                cap = read_capture(folder, name, off)
                bad_captures += is_truncated(cap.body, cap.content_type)
            except Exception:  # noqa: BLE001 - any unreadable capture is corrupt
                bad_captures += 1
    corrupt = len(broken) + bad_captures + (integrity != "ok")
    TALLY["corrupt"] += corrupt
    TALLY["duplicated"] += duplicated
    if final:
        TALLY["lost"] += len(missing)
    return {"missing": missing, "broken": broken[:5], "bad_captures": bad_captures, "integrity": integrity,
            "duplicated": duplicated, "corrupt": corrupt, "report": report}


def run(*args, **kw):
    TALLY["runs"] += 1
    return cli(*args, **kw)


def lasting_urls(rep, plan) -> set[str]:
    """Truth URLs whose first page a lasting fault hits."""
    from urllib.parse import urlsplit

    from portal_crawler.replica.faults import FaultPlan
    fp = FaultPlan.from_json(plan)
    bases = {u: k for k, u in rep.base_urls.items()}
    out = set()
    for t in rep.truth():
        base = next(b for b in bases if t["url"].startswith(b))
        if fp.persistent(bases[base], "article", urlsplit(t["url"]).path):
            out.add(t["url"])
    return out


def test_passing_faults_lose_nothing_in_one_run(tmp_path):
    plan = {"seed": 21, "rules": PASSING}
    with ReplicaProcess(seed=11, sites=E2E_SITES, scale="tiny", faults=plan) as rep:
        rep.sites_file(tmp_path / "s.toml")
        db = tmp_path / "a.db"
        p = run(*crawl_args(tmp_path / "s.toml", db))
        injected = rep.fault_stats()["injected"]
        TALLY["faults"] += sum(injected.values())
        assert set(injected) == {r["fault"] for r in PASSING}, injected
        assert p.returncode == 0, p.stderr[-3000:]
        a = audit(db, rep.truth(), final=True)
    assert a["corrupt"] == 0 and a["duplicated"] == 0, a
    assert a["missing"] == set(), sorted(a["missing"])[:5]


def test_lasting_faults_are_errors_never_broken_records_and_the_next_run_recovers(tmp_path):
    plan = {"seed": 22, "rules": LASTING + PASSING}
    with ReplicaProcess(seed=11, sites=E2E_SITES, scale="tiny", faults=plan) as rep:
        rep.sites_file(tmp_path / "s.toml")
        db = tmp_path / "a.db"
        lasting = lasting_urls(rep, {"seed": 22, "rules": LASTING + PASSING})
        assert len(lasting) >= 10
        p = run(*crawl_args(tmp_path / "s.toml", db))
        TALLY["faults"] += sum(rep.fault_stats()["injected"].values())
        assert p.returncode == 1, p.stderr[-3000:]
        a = audit(db, rep.truth(), final=False)
        assert a["corrupt"] == 0 and a["duplicated"] == 0, a
        assert a["missing"] == lasting
        with Archive(db) as ar:
            run_row = ar.runs(1)[0]
            failed = ar.failed_requests(run_row["id"])
        assert {f["url"] for f in failed} >= lasting and run_row["errors"] == len(failed)
        # The faults are over: one plain (incremental) run archives exactly what was missing.
        rep.set_faults(None)
        p = run(*crawl_args(tmp_path / "s.toml", db))
        assert p.returncode == 0, p.stderr[-3000:]
        a = audit(db, rep.truth(), final=True)
    assert a["corrupt"] == 0 and a["duplicated"] == 0 and a["missing"] == set(), a


def _popen(args, env):
    return subprocess.Popen([sys.executable, "-m", "portal_crawler.cli", *map(str, args)], cwd=RUN_DIR,
                            env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _writer_of(pid: int) -> int | None:
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            stat = open(f"/proc/{d}/stat").read()
            cmd = open(f"/proc/{d}/cmdline", "rb").read()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid and b"multiprocessing" in cmd \
                and b"resource_tracker" not in cmd:
            return int(d)
    return None


def _gone(pid: int, wait: float) -> bool:
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        try:
            if open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[0] == "Z":
                return True
        except OSError:
            return True
        time.sleep(0.05)
    return False


@pytest.mark.slow
@pytest.mark.parametrize("cycles", [8])
def test_sigkill_of_crawler_and_writer_at_random_points(tmp_path, cycles):
    """Kill the crawler or its writer at a random moment, again and again, through
    plain runs and --resume; then one clean run: the archive equals the truth."""
    rng = random.Random(1414)
    plan = {"seed": 23, "rules": PASSING}
    with ReplicaProcess(seed=11, sites=E2E_SITES, scale="tiny", faults=plan) as rep:
        rep.sites_file(tmp_path / "s.toml")
        db = tmp_path / "a.db"
        truth = rep.truth()
        for cycle in range(cycles):
            args = crawl_args(tmp_path / "s.toml", db)
            # Slow enough that every cycle is killed mid-crawl, at a random moment.
            args[args.index("--delay") + 1] = "0.1"
            args[args.index("--concurrency") + 1] = "1"
            if cycle % 3 == 2:
                args.append("--resume")
            p = _popen(args + sets(ARCHIVE_BATCH_SIZE=4), {})
            TALLY["runs"] += 1
            time.sleep(rng.uniform(0.3, 4.0))
            if p.poll() is not None:
                continue                      # finished before its kill: fine, audited below
            writer = _writer_of(p.pid)
            if cycle % 2 == 1 and writer is not None:
                os.kill(writer, signal.SIGKILL)
                TALLY["kills"] += 1
                # The crawler notices at once and stops with the archive error code.
                rc = p.wait(timeout=120)
                err = p.stderr.read().decode("utf-8", "replace")
                assert rc == 6 and "archive writer died" in err, (rc, err[-2000:])
            else:
                p.send_signal(signal.SIGKILL)
                TALLY["kills"] += 1
                p.wait()
                if writer is not None:
                    assert _gone(writer, 15), "the writer outlived its crawler"
            p.stderr.close()
            a = audit(db, truth, final=False)
            assert a["corrupt"] == 0 and a["duplicated"] == 0, (cycle, a)
        TALLY["faults"] += sum(rep.fault_stats()["injected"].values())
        p = run(*crawl_args(tmp_path / "s.toml", db))
        assert p.returncode == 0, p.stderr[-3000:]
        a = audit(db, truth, final=True)
        assert a["corrupt"] == 0 and a["duplicated"] == 0 and a["missing"] == set(), a
        # And --resume after a clean run adds nothing twice.
        assert run(*crawl_args(tmp_path / "s.toml", db), "--resume").returncode == 0
        a = audit(db, truth, final=False)
        assert a["corrupt"] == 0 and a["duplicated"] == 0 and a["missing"] == set(), a


# One, two or three SIGINTs, a SIGTERM, a SIGINT while the writer commits: the signals a
# user or a service manager sends. Each kind, in turn, at a random moment of the crawl.
SIGNALS = [("SIGINT x1", [signal.SIGINT]), ("SIGINT x2", [signal.SIGINT] * 2),
           ("SIGINT x3", [signal.SIGINT] * 3), ("SIGTERM", [signal.SIGTERM]),
           ("SIGINT in commit", [signal.SIGINT])]


def _signal_run(rep, args, rng, kind, sigs, stall, mid_crawl) -> tuple[float, float]:
    """Start a crawl, send ``sigs`` at a random moment (of its fetching when
    ``mid_crawl``, else of its start-up); seconds from the first and from the last
    signal to the process's exit (an exit within 10 s is asserted)."""
    served = rep.stats()["total"]
    p = _popen(args + (sets(ARCHIVE_WRITER_STALL=stall) if stall else []), {})
    TALLY["runs"] += 1
    try:
        if mid_crawl:
            deadline = time.monotonic() + 60
            while rep.stats()["total"] == served and p.poll() is None and time.monotonic() < deadline:
                time.sleep(0.05)
            time.sleep(rng.uniform(0.0, 3.0))
        else:
            time.sleep(rng.uniform(0.2, 3.0))
        if kind == "SIGINT in commit":   # the writer is in its (stalled) first write now
            deadline = time.monotonic() + 60
            while _writer_of(p.pid) is None and p.poll() is None and time.monotonic() < deadline:
                time.sleep(0.05)
        writer = _writer_of(p.pid)
        t0 = time.monotonic()
        for i, sig in enumerate(sigs):
            if i:
                time.sleep(rng.uniform(0.05, 0.8))
            last = time.monotonic()
            if p.poll() is None:
                p.send_signal(sig)
                TALLY["kills"] += 1
        try:
            rc = p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"{kind}: still running 10 s after the first signal") from None
        took, after_last = time.monotonic() - t0, time.monotonic() - last
        err = p.stderr.read().decode("utf-8", "replace")
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
        p.stderr.close()
    assert rc in (0, 4), (kind, rc, err[-2000:])     # finished before the signal, or stopped
    assert "Traceback" not in err, (kind, err[-3000:])
    if writer is not None:
        assert _gone(writer, 10 - took), f"{kind}: the writer outlived its crawler"
    return took, after_last


@pytest.mark.slow
@pytest.mark.parametrize("crawls", [20])
def test_signals_at_random_moments_never_hang_and_resume_ends_with_the_truth(tmp_path, crawls):
    """Issue 24: 20 crawls (plain and --resume), each sent one of SIGNALS at a random
    moment. Every process exits within 10 s, with 0 or 4; after each the archive is
    whole; then `--resume` ends with the replica's truth."""
    rng = random.Random(2424)
    with ReplicaProcess(seed=11, sites=E2E_SITES, scale="tiny") as rep:
        rep.sites_file(tmp_path / "s.toml")
        db = tmp_path / "a.db"
        truth = rep.truth()
        took = {}
        for n in range(crawls):
            kind, sigs = SIGNALS[n % len(SIGNALS)]
            args = crawl_args(tmp_path / "s.toml", db)
            args[args.index("--delay") + 1] = "0.1"           # slow enough to be stopped mid-crawl
            args[args.index("--concurrency") + 1] = "1"
            if n % 2:
                args.append("--resume")
            took.setdefault(kind, []).append(tuple(round(t, 2) for t in _signal_run(
                rep, args + sets(ARCHIVE_BATCH_SIZE=4), rng, kind, sigs,
                stall=2 if kind == "SIGINT in commit" else 0, mid_crawl=n % 4 != 3)))
            a = audit(db, truth, final=False)
            assert a["corrupt"] == 0 and a["duplicated"] == 0 and a["integrity"] == "ok", (n, kind, a)
        p = run(*crawl_args(tmp_path / "s.toml", db), "--resume")
        assert p.returncode == 0, p.stderr[-3000:]
        a = audit(db, truth, final=True)
        assert a["corrupt"] == 0 and a["duplicated"] == 0 and a["missing"] == set(), a
    # Stopping is prompt, not only bounded: one signal ends a crawl in 5 s; a second
    # one in 2 s (STOP_FORCE_TIMEOUT and the close) plus the interpreter's own exit,
    # which takes 0.5-1.3 s on a loaded 2-core machine.
    assert max(t for t, _ in took["SIGINT x1"] + took["SIGTERM"]) < 5, took
    assert max(t for _, t in took["SIGINT x2"]) < 2 + 1.5, took
    print("seconds to exit after the first / last signal:", took)


def test_write_locked_archive_stops_the_crawl_then_nothing_is_lost(tmp_path):
    with ReplicaProcess(seed=11, sites=E2E_SITES, scale="tiny") as rep:
        rep.sites_file(tmp_path / "s.toml")
        db = tmp_path / "a.db"
        Archive(db).close()
        holder = sqlite3.connect(db, isolation_level=None, timeout=30, check_same_thread=False)
        held = threading.Event()

        def hold():
            deadline = time.monotonic() + 120
            while archived_count(db) < 8 and time.monotonic() < deadline:
                time.sleep(0.05)
            holder.execute("BEGIN IMMEDIATE")   # another program's write transaction
            held.set()
            time.sleep(4)
            holder.execute("ROLLBACK")

        t = threading.Thread(target=hold)
        t.start()
        args = crawl_args(tmp_path / "s.toml", db)
        args[args.index("--concurrency") + 1] = "1"
        args[args.index("--delay") + 1] = "0.03"
        p = run(*args, *sets(ARCHIVE_BATCH_SIZE=4, ARCHIVE_BUSY_TIMEOUT=1))
        t.join()
        holder.close()
        TALLY["faults"] += 1
        assert held.is_set()
        assert p.returncode == 6, p.stderr[-3000:]
        errors = [ln for ln in p.stderr.splitlines() if ln.startswith("error: ")]
        assert len(errors) == 1 and "database is locked" in errors[0]
        a = audit(db, rep.truth(), final=False)
        assert a["corrupt"] == 0 and a["duplicated"] == 0 and a["missing"], a
        p = run(*crawl_args(tmp_path / "s.toml", db))
        assert p.returncode == 0, p.stderr[-3000:]
        a = audit(db, rep.truth(), final=True)
        assert a["corrupt"] == 0 and a["duplicated"] == 0 and a["missing"] == set(), a


def test_full_disk_stops_the_crawl_then_nothing_is_lost(tmp_path):
    from fsutil import tmpfs
    with ReplicaProcess(seed=11, sites=E2E_SITES, scale="tiny") as rep:
        rep.sites_file(tmp_path / "s.toml")
        truth = rep.truth()
        moved = tmp_path / "roomy"
        with tmpfs(tmp_path / "disk", size="1m") as d:
            p = run(*crawl_args(tmp_path / "s.toml", d / "a.db"), *sets(ARCHIVE_BATCH_SIZE=4))
            TALLY["faults"] += 1
            assert p.returncode == 6, p.stderr[-3000:]
            errors = [ln for ln in p.stderr.splitlines() if ln.startswith("error: ")]
            assert len(errors) == 1, p.stderr[-3000:]
            assert "No space left on device" in errors[0] or "disk is full" in errors[0], errors
            assert rep.stats()["total"] < len(truth)     # stopped at once, not after the whole crawl
            # What was stored is whole; move the archive to a roomy disk and finish it there.
            subprocess.run(["cp", "-a", f"{d}/.", str(moved)], check=True)
        db = moved / "a.db"
        a = audit(db, truth, final=False)
        assert a["corrupt"] == 0 and a["duplicated"] == 0, a
        p = run(*crawl_args(tmp_path / "s.toml", db))
        assert p.returncode == 0, p.stderr[-3000:]
        a = audit(db, truth, final=True)
    assert a["corrupt"] == 0 and a["duplicated"] == 0 and a["missing"] == set(), a


def test_concurrent_readers_during_a_crawl(tmp_path):
    with ReplicaProcess(seed=11, sites=E2E_SITES, scale="tiny") as rep:
        rep.sites_file(tmp_path / "s.toml")
        db = tmp_path / "a.db"
        Archive(db).close()
        stop = threading.Event()
        reads, failures = Counter(), []

        def reader(i):
            while not stop.is_set():
                try:
                    with Archive(db, readonly=True) as ar:
                        ar.search("企业")
                        ar.runs(5)
                        ar.site_counts()
                        reads[i] += 1
                except Exception as e:  # noqa: BLE001 - every failure is counted and shown
                    failures.append(repr(e))
                time.sleep(0.01)

        threads = [threading.Thread(target=reader, args=(i,)) for i in range(3)]
        for t in threads:
            t.start()
        args = crawl_args(tmp_path / "s.toml", db)
        args[args.index("--concurrency") + 1] = "2"
        p = run(*args, *sets(ARCHIVE_BATCH_SIZE=4))
        stop.set()
        for t in threads:
            t.join()
        assert p.returncode == 0, p.stderr[-3000:]
        assert failures == [] and sum(reads.values()) > 20, (failures[:3], reads)
        a = audit(db, rep.truth(), final=True)
    assert a["corrupt"] == 0 and a["duplicated"] == 0 and a["missing"] == set(), a
