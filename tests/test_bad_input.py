"""Bad input to every command: one `error:` line, exit 2, no traceback, nothing changed.

The commands come from the CLI's own command tree (click introspection), so a command
added later is tested automatically: it needs an entry in ``COMMANDS`` (how to give it
the path under test), and the test fails loudly until it has one.

Each command gets, where its input file goes, in turn:
- a missing path, an empty file, a file that is not SQLite, another program's SQLite
  database: refused (exit 2);
- a valid archive on a read-only file system (a tmpfs remounted read-only: root cannot
  write there either): commands that only read work (exit 0), commands that write
  refuse (exit 2);
- a valid archive locked by a running crawl (a process holding the crawl's lock):
  readers work, writers exit 3 (the documented "locked" code).
Afterwards the file is byte-identical and, where the command refused, nothing was
created beside it.
"""
from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from fsutil import remount_readonly, tmpfs
from portal_crawler.cli import main
from portal_crawler.store import Archive

CASES = ("missing", "empty", "not_sqlite", "foreign_sqlite", "readonly_dir", "locked")
REFUSED = {"missing": 2, "empty": 2, "not_sqlite": 2, "foreign_sqlite": 2}
READER = {**REFUSED, "readonly_dir": 0, "locked": 0}      # reads an archive, never writes it
WRITER = {**REFUSED, "readonly_dir": 2, "locked": 3}      # writes the archive
NOT_AN_ARCHIVE = dict.fromkeys(CASES, 2)                  # its input is some other kind of file
UNREACHABLE = "http://127.0.0.1:9/"                       # the discard port: nothing listens


@dataclass
class Entry:
    """How a command is given the path under test ``f`` (``tmp``: a fresh folder for its
    other files), and the exit code expected per case; a string instead of a code is
    the reason the case does not apply to the command."""
    args: callable
    expect: dict = field(default_factory=dict)


def _sites_file(tmp: Path) -> Path:
    p = tmp / "sites.toml"
    p.write_text(f'[[sites]]\nkey = "harbin"\nbase_url = "{UNREACHABLE}"\n', encoding="utf-8")
    return p


COMMANDS: dict[str, Entry] = {
    "crawl": Entry(lambda f, t: ["crawl", "--site", "harbin", "--sites-file", _sites_file(t), "--db", f,
                                 "--no-progress"],
                   {**WRITER, "missing": "a new archive: crawl creates it (tests/test_crawl_e2e.py)"}),
    "demo": Entry(lambda f, t: ["demo", "--db", f],
                  {**WRITER, "missing": "a new archive: runs the demo (conftest.demo_archive)"}),
    "worker": Entry(lambda f, t: ["worker", "--redis", "redis://127.0.0.1:9/0", "--wait", "0", "--warc-dir", f],
                    {**NOT_AN_ARCHIVE, "missing": "a new WARC folder: the worker creates it (tests/test_scaleout.py)"}),
    "replica serve": Entry(lambda f, t: ["replica", "serve", "--sites", "harbin", "--scale", "tiny",
                                         "--write-sites-file", f],
                           {**NOT_AN_ARCHIVE, "missing": "a new sites file: serves until stopped (tests/test_replica_cli.py)",
                            "empty": "an empty file holds nothing to lose: serves until stopped"}),
    "workers": Entry(lambda f, t: ["workers", "--redis", f],
                     dict.fromkeys(CASES, "takes no file, a Redis URL: see test_redis_commands_refuse_a_bad_url")),
    "parse": Entry(lambda f, t: ["parse", f], NOT_AN_ARCHIVE),
    "sites": Entry(lambda f, t: ["sites", "--db", f], {**READER, "missing": 0}),  # lists the registry alone
    "sites discover": Entry(lambda f, t: ["sites", "discover", UNREACHABLE, "--sites-file", f],
                            {**NOT_AN_ARCHIVE, "missing": "a new sites file: written after the page is fetched",
                             "empty": "an empty sites file is a valid one: written after the page is fetched"}),
    "stats": Entry(lambda f, t: ["stats", "--db", f], READER),
    "dupes": Entry(lambda f, t: ["dupes", "--db", f], READER),
    "search": Entry(lambda f, t: ["search", "企业", "--db", f], READER),
    "export": Entry(lambda f, t: ["export", "--db", f, "-o", t / "out.jsonl"], READER),
    "snapshot": Entry(lambda f, t: ["snapshot", t / "snap", "--db", f], READER),
    "verify": Entry(lambda f, t: ["verify", f], READER),
    "serve": Entry(lambda f, t: ["serve", "--db", f],
                   {**REFUSED, "readonly_dir": "serves until stopped (tests/test_serve.py: read-only archives)",
                    "locked": "serves until stopped (tests/test_serve.py: a crawl's pending WAL)"}),
    "reparse": Entry(lambda f, t: ["reparse", "--db", f], WRITER),
    "dedupe": Entry(lambda f, t: ["dedupe", "--recheck", "--db", f], WRITER),
    "qa": Entry(lambda f, t: ["qa", f], NOT_AN_ARCHIVE),   # its input is a snapshot, never an archive
    "schedule install": Entry(lambda f, t: ["schedule", "install", "--every", "6h", "--dir", t / "units", "--db", f],
                              {**REFUSED, "missing": "a new archive: the first scheduled run creates it",
                               "readonly_dir": 0, "locked": 0}),   # writes the units, never the archive
    "schedule show": Entry(lambda f, t: ["schedule", "show", "--dir", t],
                           dict.fromkeys(CASES, "takes no file, a folder of units: tests/test_schedule.py")),
}


def cli_commands(group: click.Group = main, prefix: tuple[str, ...] = ()) -> list[str]:
    """Every command of the CLI, subcommands included ("replica serve"); a group that
    runs on its own (``sites``) is a command too."""
    found = []
    for name, cmd in group.commands.items():
        path = prefix + (name,)
        if isinstance(cmd, click.Group):
            if cmd.invoke_without_command:
                found.append(" ".join(path))
            found += cli_commands(cmd, path)
        else:
            found.append(" ".join(path))
    return sorted(found)


def test_every_command_has_an_entry():
    """A new command must say how it takes bad input (add it to COMMANDS)."""
    missing = [c for c in cli_commands() if c not in COMMANDS]
    assert not missing, f"commands without an entry in tests/test_bad_input.py COMMANDS: {missing}"
    stale = [c for c in COMMANDS if c not in cli_commands()]
    assert not stale, f"COMMANDS names commands the CLI does not have: {stale}"
    for name, e in COMMANDS.items():
        assert set(e.expect) == set(CASES), (name, sorted(set(CASES) - set(e.expect)))
        for case, v in e.expect.items():   # an exit code, or why the case is not bad input there
            assert isinstance(v, int) or (isinstance(v, str) and len(v) > 20), (name, case, v)


def _make_archive(path: Path) -> None:
    """A valid archive with one finished crawl run (what snapshot packages)."""
    with Archive.open(path, create=True) as ar:
        ar.finish_run(ar.start_run(["harbin"]), {}, "finished")
    for extra in (Path(str(path) + "-wal"), Path(str(path) + "-shm")):
        assert not extra.exists()       # closed cleanly: one file, nothing pending


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """The inputs, made once: every command only reads them (the test checks that)."""
    base = tmp_path_factory.mktemp("inputs")
    made = {}
    for case in ("missing", "empty", "not_sqlite", "foreign_sqlite", "locked"):   # readonly_dir: its own fixture
        d = base / case
        d.mkdir()
        made[case] = d / "portal.db"
    made["empty"].write_bytes(b"")
    made["not_sqlite"].write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8)   # binary, like a picture
    con = sqlite3.connect(made["foreign_sqlite"])
    con.execute("CREATE TABLE moz_places (id INTEGER PRIMARY KEY, url TEXT)")
    con.execute("INSERT INTO moz_places (url) VALUES ('https://example.org/')")
    con.commit()
    con.close()
    _make_archive(made["locked"])
    # A crawl holds the lock (an flock on the database) for its whole run.
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time; from portal_crawler.crawler.lock import ArchiveLock; "
         f"ArchiveLock({str(made['locked'])!r}).acquire(); print('locked', flush=True); time.sleep(600)"],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        yield made
    finally:
        holder.kill()
        holder.wait()


@pytest.fixture(scope="module")
def readonly_archive(tmp_path_factory):
    """A valid archive on a read-only file system (a tmpfs remounted read-only: not
    even root writes there; mounting needs root, as CI runs)."""
    ro = tmp_path_factory.mktemp("inputs-ro") / "readonly_dir"
    with tmpfs(ro, size="8m"):
        _make_archive(ro / "portal.db")
        remount_readonly(ro)
        yield ro / "portal.db"


@pytest.fixture(autouse=True)
def _state_home(tmp_path, monkeypatch):
    """Snapshots of read-only archives are recorded in the user's state folder: here, tmp."""
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))


def _state(f: Path) -> tuple:
    """The file's bytes (a digest) and what is beside it."""
    digest = hashlib.sha256(f.read_bytes()).hexdigest() if f.exists() else None
    return digest, sorted(p.name for p in f.parent.iterdir())


# Every (command, case) the table gives an exit code for; a case it answers with a
# reason instead (e.g. a missing path where crawl creates an archive) is not run, and
# test_every_command_has_an_entry checks that each case has one or the other.
RUNS = [(c, k) for c in sorted(COMMANDS) for k in CASES if isinstance(COMMANDS[c].expect.get(k), int)]


@pytest.mark.parametrize("command,case", RUNS)
def test_bad_input(command, case, files, tmp_path, request):
    entry = COMMANDS[command]
    expected = entry.expect[case]
    f = request.getfixturevalue("readonly_archive") if case == "readonly_dir" else files[case]
    before = _state(f)
    args = [str(a) for a in entry.args(f, tmp_path)]
    started = time.monotonic()
    r = CliRunner().invoke(main, args, catch_exceptions=True)
    took = time.monotonic() - started
    assert r.exception is None or isinstance(r.exception, SystemExit), \
        f"{args}: {type(r.exception).__name__}: {r.exception}"    # a traceback, not an error line
    assert "Traceback" not in r.stderr and "Traceback" not in r.stdout
    assert r.exit_code == expected, (args, r.exit_code, r.stdout[-500:], r.stderr[-500:])
    if expected:
        lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
        assert len(lines) == 1 and lines[0].startswith("error: "), (args, r.stderr)
        # it names the problem's file (its folder, for a read-only place)
        assert f.name in lines[0] or str(f.parent) in lines[0], (args, lines[0])
        assert took < 30, f"{args}: {took:.1f} s to refuse"
    after = _state(f)
    assert after[0] == before[0], f"{args} changed {f}"
    if expected or case in ("readonly_dir", "not_sqlite", "empty", "missing", "foreign_sqlite"):
        assert after[1] == before[1], f"{args} created {set(after[1]) - set(before[1])} beside {f}"
    if command == "snapshot" and expected == 0:
        assert (tmp_path / "snap" / "bagit.txt").is_file()   # the bag was written, and the command said so
        assert "snapshot" in r.stdout


def test_a_refused_snapshot_or_export_writes_no_output(files, tmp_path):
    for args in (["snapshot", tmp_path / "snap", "--db", files["foreign_sqlite"]],
                 ["export", "--db", files["empty"], "-o", tmp_path / "out.jsonl"]):
        r = CliRunner().invoke(main, [str(a) for a in args])
        assert r.exit_code == 2, r.stderr
    assert list(tmp_path.iterdir()) == []


def test_snapshot_of_a_read_only_archive_is_recorded_and_the_chain_holds(tmp_path):
    """The bag is written, the snapshot recorded in the user's state folder (the
    archive's own folder cannot take it), and --since-snapshot finds it there: after
    the archive gained a run (a read-only mount of an archive crawled elsewhere), the
    next snapshot depends on the first."""
    ro = tmp_path / "media"
    with tmpfs(ro, size="8m"):
        db = ro / "portal.db"
        _make_archive(db)
        remount_readonly(ro)
        first = CliRunner().invoke(main, ["snapshot", str(tmp_path / "s1"), "--db", str(db)])
        assert first.exit_code == 0, first.stderr
        assert "read-only" in first.stderr and str(tmp_path / "state") in first.stderr
        logs = list((tmp_path / "state").rglob("*.jsonl"))
        assert len(logs) == 1 and not (ro / "portal.snapshots").exists()
        snap_id = json.loads(logs[0].read_text(encoding="utf-8").splitlines()[-1])["id"]
        nothing = CliRunner().invoke(main, ["snapshot", str(tmp_path / "s0"), "--db", str(db), "--since-snapshot"])
        assert nothing.exit_code == 2 and "nothing new since the last snapshot" in nothing.stderr
        subprocess.run(["mount", "-o", "remount,rw", str(ro)], check=True)
        with Archive.open(db) as ar:
            ar.finish_run(ar.start_run(["wuhan"]), {}, "finished")
        remount_readonly(ro)
        second = CliRunner().invoke(main, ["snapshot", str(tmp_path / "s2"), "--db", str(db), "--since-snapshot"])
        assert second.exit_code == 0, second.stderr
        assert f"depends on {snap_id}" in second.stdout
        assert f"Depends-On: {snap_id}" in (tmp_path / "s2" / "bag-info.txt").read_text(encoding="utf-8")
        for bag in ("s1", "s2"):
            r = CliRunner().invoke(main, ["verify", str(tmp_path / bag)])
            assert r.exit_code == 0, r.stdout + r.stderr


# Commands that take --site, with the rest of a command line that would otherwise run.
SITE_ARGS: dict[str, callable] = {
    "crawl": lambda db, t: ["crawl", "--sites-file", _sites_file(t), "--db", db, "--no-progress"],
    "export": lambda db, t: ["export", "--db", db, "-o", t / "out.jsonl"],
    "search": lambda db, t: ["search", "企业", "--db", db],
    "dupes": lambda db, t: ["dupes", "--db", db],
    "reparse": lambda db, t: ["reparse", "--db", db],
    "schedule install": lambda db, t: ["schedule", "install", "--every", "6h", "--dir", t / "units", "--db", db],
}


def _site_commands() -> list[str]:
    out = []
    for name in cli_commands():
        cmd = main
        for part in name.split():
            cmd = cmd.commands[part]
        if any("--site" in p.opts for p in cmd.params):
            out.append(name)
    return out


def test_every_site_command_has_an_entry():
    assert set(_site_commands()) == set(SITE_ARGS), "add the command to SITE_ARGS in tests/test_bad_input.py"


@pytest.mark.parametrize("command", sorted(SITE_ARGS))
def test_unknown_site_is_exit_2_everywhere(command, tmp_path):
    (tmp_path / "archive").mkdir()
    db = tmp_path / "archive" / "portal.db"
    _make_archive(db)
    before = _state(db)
    args = [str(a) for a in SITE_ARGS[command](db, tmp_path)] + ["--site", "nosuchsite"]
    r = CliRunner().invoke(main, args)
    assert r.exit_code == 2, (args, r.exit_code, r.stdout, r.stderr)
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and "unknown site key 'nosuchsite'" in lines[0], r.stderr
    assert _state(db)[0] == before[0] and not (tmp_path / "out.jsonl").exists()
    # a site of the network is known, even where the archive holds none of it
    ok = CliRunner().invoke(main, [str(a) for a in SITE_ARGS[command](db, tmp_path)] + ["--site", "wuhan"])
    assert "unknown site key" not in ok.stderr


@pytest.mark.parametrize("args", [["workers"], ["worker", "--wait", "0"]])
@pytest.mark.parametrize("url", ["redis://127.0.0.1:9/0", "notaurl"])
def test_redis_commands_refuse_a_bad_url(args, url):
    """The scale-out commands' input is a Redis URL: unreachable or malformed is one line, exit 2."""
    r = CliRunner().invoke(main, args + ["--redis", url])
    assert r.exception is None or isinstance(r.exception, SystemExit), r.exception
    assert r.exit_code == 2, (args, url, r.stdout, r.stderr)
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ") and url in lines[0], r.stderr
