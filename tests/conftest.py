"""Shared fixtures: a replica network on loopback and the CLI run as users run it."""
from __future__ import annotations

import os
import sqlite3
from contextlib import closing, contextmanager
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# Material shared by the project's sessions lives beside the repository, never in it.
SHARED = ROOT.parent / "shared"
# Child processes run in a scratch folder, never in the repository: a test cannot write
# into the repository, and a developer's own ./sites.toml cannot change what a test crawls.
RUN_DIR = Path(tempfile.mkdtemp(prefix="portal-tests-"))
E2E_SITES = ["harbin", "zhejiang", "wuhan", "xiamen"]  # GBK, UTF-8, dynamic lists, TRS


def cli(*args, timeout=300, check=False, env=None) -> subprocess.CompletedProcess:
    """Run ``portal-crawler ARGS`` in a subprocess (Scrapy's reactor runs once per process)."""
    e = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
    p = subprocess.run([sys.executable, "-m", "portal_crawler.cli", *map(str, args)], capture_output=True,
                       text=True, timeout=timeout, cwd=RUN_DIR, env=e)
    if check and p.returncode != 0:
        raise AssertionError(f"exit {p.returncode}\nstdout:\n{p.stdout}\nstderr:\n{p.stderr[-4000:]}")
    return p


def archived_count(db) -> int:
    """Articles in an archive that another process may be writing (0 before it exists)."""
    if not Path(db).exists():      # read-only: never create the file the crawl is about to make
        return 0
    try:
        with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1)) as con:
            return con.execute("SELECT count(*) FROM articles").fetchone()[0]
    except sqlite3.Error:
        return 0


def crawl_args(sites_file, db, sites=E2E_SITES, *extra):
    args = ["crawl", "--sites-file", sites_file, "--db", db, "--delay", "0", "--concurrency", "8", "--no-progress"]
    for s in sites:
        args += ["--site", s]
    return args + list(extra)


@contextmanager
def replica_network(folder, *, seed=11, sites=E2E_SITES, scale="tiny", faults=None):
    """The replica network the tests crawl (one definition: four sites, seed 11, tiny),
    served on loopback, with its sites file written to ``folder/sites.toml``
    (``rep.sites_path``). Keyword arguments name a variant (fewer sites, faults)."""
    from portal_crawler.replica import ReplicaProcess
    with ReplicaProcess(seed=seed, sites=sites, scale=scale, faults=faults) as rep:
        rep.sites_path = Path(folder) / "sites.toml"
        rep.sites_file(rep.sites_path)
        yield rep


@pytest.fixture
def replica_net(tmp_path):
    """The tests' replica network (fresh per test: tests may advance its epoch)."""
    with replica_network(tmp_path) as rep:
        yield rep


@pytest.fixture(scope="session")
def demo_archive(tmp_path_factory):
    """The demo archive, made as a user makes it: `portal-crawler demo` (5 replica sites,
    demo size; the command checks every article against the replica's truth)."""
    db = tmp_path_factory.mktemp("demo") / "demo.db"
    cli("demo", "--db", db, timeout=600, check=True)
    return db


def pytest_terminal_summary(terminalreporter):
    """The chaos suite's figures (tests/test_chaos.py): one line, quoted by the README."""
    chaos = sys.modules.get("test_chaos")
    if chaos is not None and chaos.TALLY:
        terminalreporter.write_line(chaos.figures_line())


PYWB = "pywb>=2.10,<2.11"


@pytest.fixture(scope="session")
def pywb_bin():
    """pywb's bin folder: its own virtualenv (pywb pins redis==2.10.6), built when absent."""
    import subprocess
    import sys
    from portal_crawler.snapshot.qa import default_pywb
    bindir = default_pywb()
    venv = bindir.parent
    if not (bindir / "wayback").exists():
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True, timeout=300)
        p = subprocess.run([str(bindir / "pip"), "install", "-q", PYWB], capture_output=True, text=True, timeout=1200)
        if p.returncode != 0:
            pytest.fail(f"cannot install {PYWB} into {venv}: {p.stderr[-2000:]}")
    return bindir
