"""`snapshot`: a BagIt bag with a WACZ, a SQLite copy and the records, accepted by
bagit.py, py-wacz and warcio; reproducible to the byte; incremental; never half-done."""
from __future__ import annotations

import filecmp
import json
import signal
import sqlite3
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from archived import crawl_twice
from conftest import E2E_SITES, cli, crawl_args, RUN_DIR

from portal_crawler.store.paths import warc_dir
from portal_crawler.store.warcread import read_record

BIN = Path(sys.executable).parent
TABLES = ("articles", "article_urls", "article_versions", "attachments", "images", "crawl_runs")


@pytest.fixture(scope="module")
def arc(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("snap")
    a = crawl_twice(tmp)
    a["snap"] = tmp / "snap"
    p = cli("snapshot", a["snap"], "--db", a["db"], "--contact", "mailto:keeper@example.org",
            "--organization", "Example Library", "--sites-file", a["sites_file"])
    assert p.returncode == 0, p.stderr
    return a


def _rows(db, table):
    con = sqlite3.connect(db)
    try:
        return con.execute(f"SELECT * FROM {table} ORDER BY rowid").fetchall()
    finally:
        con.close()


def test_standard_tools_accept_the_package(arc, tmp_path):
    snap = arc["snap"]
    v = subprocess.run([str(BIN / "bagit.py"), "--validate", str(snap)], capture_output=True, text=True)
    assert v.returncode == 0 and "is valid" in v.stderr, v.stderr[-2000:]
    w = subprocess.run([str(BIN / "wacz"), "validate", "-f", str(snap / "data/archive.wacz")], capture_output=True, text=True)
    assert w.returncode == 0 and "is valid" in w.stdout, w.stdout[-2000:]
    with zipfile.ZipFile(snap / "data/archive.wacz") as z:
        names = z.namelist()
        warcs = [n for n in names if n.startswith("archive/")]
        z.extractall(tmp_path, warcs)
        assert names == sorted(names)
        assert all(i.date_time == z.infolist()[0].date_time for i in z.infolist())
    assert sorted(Path(n).name for n in warcs) == sorted(p.name for p in warc_dir(arc["db"]).glob("*.warc.gz"))
    c = subprocess.run([sys.executable, "-m", "warcio.cli", "check", *[str(tmp_path / n) for n in warcs]],
                       capture_output=True, text=True)
    assert c.returncode == 0, c.stdout
    for name in warcs:                      # the WARCs inside are the archive's, byte for byte
        assert (tmp_path / name).read_bytes() == (warc_dir(arc["db"]) / Path(name).name).read_bytes()

    info = dict(l.split(": ", 1) for l in (snap / "bag-info.txt").read_text(encoding="utf-8").splitlines())
    runs = [r[0] for r in _rows(arc["db"], "crawl_runs")]
    assert info["Source-Organization"] == "Example Library" and info["Contact-Email"] == "keeper@example.org"
    assert info["External-Description"] and info["Crawl-Runs"] == ", ".join(map(str, runs))
    payload = [p for p in (snap / "data").rglob("*") if p.is_file()]
    assert info["Payload-Oxum"] == f"{sum(p.stat().st_size for p in payload)}.{len(payload)}"
    con = sqlite3.connect(arc["db"])
    lo, hi = con.execute("SELECT min(published_at), max(published_at) FROM articles").fetchone()
    finished = con.execute("SELECT max(finished_at) FROM crawl_runs").fetchone()[0]
    con.close()
    assert info["Published-Date-Range"] == f"{lo} / {hi}" and info["Bagging-Date"] == finished[:10]
    assert (snap / "manifest-sha256.txt").exists() and (snap / "manifest-sha512.txt").exists()


def test_package_contents_equal_the_archive(arc, tmp_path):
    data = arc["snap"] / "data"
    for t in TABLES:                          # the SQLite copy is the archive
        assert _rows(data / "archive.sqlite", t) == _rows(arc["db"], t)
    export = tmp_path / "r.jsonl"
    cli("export", "--db", arc["db"], "-o", export, "--with", "copies,versions,attachments,images", check=True)
    assert (data / "records.jsonl").read_bytes() == export.read_bytes()
    runs = [json.loads(l) for l in (data / "crawl_runs.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in runs] == [r[0] for r in _rows(arc["db"], "crawl_runs")]
    assert (data / "sites.toml").read_bytes() == Path(arc["sites_file"]).read_bytes()
    meta = json.loads((data / "snapshot.json").read_text(encoding="utf-8"))
    assert meta["depends_on"] is None and meta["runs"] == [r["id"] for r in runs]

    # pages.jsonl: one page per article, at its capture's URL and WARC-Date, with its
    # title and text (GBK sites included: the text is the archive's decoded body).
    with zipfile.ZipFile(data / "archive.wacz") as z:
        lines = z.read("pages/pages.jsonl").decode("utf-8").splitlines()
    header, pages = json.loads(lines[0]), [json.loads(l) for l in lines[1:]]
    assert header["format"] == "json-pages-1.0" and header.get("hasText") is True
    con = sqlite3.connect(arc["db"])
    arts = {str(r[0]): r[1:] for r in con.execute("SELECT id, title, body, warc_file, warc_offset, site FROM articles")}
    con.close()
    assert {p["id"] for p in pages} == set(arts)
    gbk = 0
    for p in pages:
        title, body, wfile, woff, site = arts[p["id"]]
        cap = read_record(warc_dir(arc["db"]), wfile, woff)
        assert (p["title"], p["text"], p["url"]) == (title, body, cap.url)
        assert p["ts"] == cap.date[:19] + "Z"
        if b"charset=gb2312" in cap.body[:600].lower():   # the capture holds GBK bytes ...
            gbk += 1
            assert title.encode("gbk") in cap.body and p["title"] == title   # ... the page, text
    assert gbk > 5


def test_same_archive_same_bytes(arc, tmp_path):
    again = tmp_path / "again"
    cli("snapshot", again, "--db", arc["db"], "--contact", "mailto:keeper@example.org",
        "--organization", "Example Library", "--sites-file", arc["sites_file"], check=True)
    cmp = filecmp.dircmp(arc["snap"], again)
    files = [p.relative_to(again) for p in again.rglob("*") if p.is_file()]
    assert len(files) > 10
    for f in files:
        assert (again / f).read_bytes() == (arc["snap"] / f).read_bytes(), f
    assert not cmp.left_only and not cmp.right_only


def test_failed_snapshot_leaves_nothing(arc, tmp_path, monkeypatch):
    from portal_crawler.snapshot import package

    def disk_full(*a, **k):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(package, "create_wacz", disk_full)
    out = tmp_path / "s"
    with pytest.raises(OSError):
        package.snapshot(arc["db"], out)
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_killed_snapshot_never_looks_complete(arc, tmp_path):
    out = tmp_path / "s"
    proc = subprocess.Popen([sys.executable, "-m", "portal_crawler.cli", "snapshot", str(out), "--db", str(arc["db"])],
                            cwd=RUN_DIR, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while not any(p.name.startswith(".s.partial") and (p / "archive.sqlite").exists() for p in tmp_path.iterdir()):
        assert time.monotonic() < deadline and proc.poll() is None, "snapshot never started writing"
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir() if not p.name.startswith(".s.partial")] == []


def test_bad_input(arc, tmp_path):
    p = cli("snapshot", arc["snap"], "--db", arc["db"])
    assert p.returncode == 2 and "exists" in p.stderr
    p = cli("snapshot", tmp_path / "x", "--db", tmp_path / "typo.db")
    assert p.returncode == 2 and "no archive" in p.stderr and not (tmp_path / "typo.db").exists()


def test_incremental_snapshot(replica_net, tmp_path):
    db = tmp_path / "a.db"
    # Two of the four sites (GBK dedecms, TRS): what is asserted (the delta of files,
    # records and runs, Depends-On, pointers elsewhere) does not depend on how many.
    sites = [E2E_SITES[0], E2E_SITES[3]]
    cli(*crawl_args(replica_net.sites_path, db, sites), check=True)
    p = cli("snapshot", tmp_path / "s1", "--db", db, "--since-snapshot")
    assert p.returncode == 2 and "no earlier snapshot" in p.stderr
    cli("snapshot", tmp_path / "s1", "--db", db, check=True)
    first_files = set(p.name for p in warc_dir(db).glob("*.warc.gz"))
    p = cli("snapshot", tmp_path / "s0", "--db", db, "--since-snapshot")
    assert p.returncode == 2 and "nothing new" in p.stderr
    replica_net.advance()
    cli(*crawl_args(replica_net.sites_path, db, sites), check=True)
    cli("snapshot", tmp_path / "s2", "--db", db, "--since-snapshot", check=True)
    s1 = json.loads((tmp_path / "s1/data/snapshot.json").read_text(encoding="utf-8"))
    s2 = json.loads((tmp_path / "s2/data/snapshot.json").read_text(encoding="utf-8"))
    new_files = set(p.name for p in warc_dir(db).glob("*.warc.gz")) - first_files
    assert s2["depends_on"].startswith(s1["id"]) and s2["incremental"]
    assert set(s2["warc_files"]) == new_files and len(new_files) == 1
    info = (tmp_path / "s2/bag-info.txt").read_text(encoding="utf-8")
    assert f"Depends-On: {s1['id']}" in info
    with zipfile.ZipFile(tmp_path / "s2/data/archive.wacz") as z:
        assert {Path(n).name for n in z.namelist() if n.startswith("archive/")} == new_files
    # Records: exactly those the second crawl added or changed (its export delta).
    con = sqlite3.connect(db)
    run1, run2 = [r[0] for r in con.execute("SELECT id FROM crawl_runs ORDER BY id")]
    con.close()
    delta = cli("export", "--db", db, "--changed-since", str(run1), "--with", "copies,versions,attachments,images", check=True)
    assert (tmp_path / "s2/data/records.jsonl").read_text(encoding="utf-8") == delta.stdout and delta.stdout
    assert s2["runs"] == [run2]
    v = subprocess.run([str(BIN / "bagit.py"), "--validate", str(tmp_path / "s2")], capture_output=True, text=True)
    assert v.returncode == 0, v.stderr[-1000:]
    p = cli("verify", tmp_path / "s2")
    assert p.returncode == 0, p.stdout[-2000:]
    assert "pointers elsewhere" in p.stdout and "pointers elsewhere 0" not in p.stdout
    log = [json.loads(l) for l in (tmp_path / "a.snapshots/snapshots.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [l["id"] for l in log] == [s1["id"], s2["id"]]


def test_snapshot_while_a_crawl_writes(replica_net, tmp_path):
    """The database copy is one consistent state, and every capture it points at is in
    the package, even from the WARC file the crawl is still writing."""
    from portal_crawler.snapshot import snapshot, verify
    db = tmp_path / "a.db"
    args = crawl_args(replica_net.sites_path, db)
    args[args.index("--delay") + 1] = "0.05"          # slow enough to catch it mid-way
    args[args.index("--concurrency") + 1] = "1"
    proc = subprocess.Popen([sys.executable, "-m", "portal_crawler.cli", *map(str, args)], cwd=RUN_DIR,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while True:
            assert proc.poll() is None and time.monotonic() < deadline, "the crawl ended before any article"
            try:
                con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
                n = con.execute("SELECT count(*) FROM articles").fetchone()[0]
                con.close()
            except sqlite3.Error:
                n = 0
            if n >= 20:
                break
            time.sleep(0.2)
        res = snapshot(db, tmp_path / "snap")
        assert proc.poll() is None, "the crawl should still be running during the snapshot"
    finally:
        proc.wait(300)
    rep = verify(tmp_path / "snap")
    assert rep.ok, [str(p) for p in rep.problems[:5]]
    copied = _rows(tmp_path / "snap/data/archive.sqlite", "articles")
    assert 20 <= len(copied) < len(_rows(db, "articles")) and rep.counts["pointers"] >= len(copied)
    assert res.warc_files and rep.counts["captures"] >= len(copied)
