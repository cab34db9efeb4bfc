"""`verify` passes a sound snapshot, bag, WACZ and live archive, and names each
problem of a damaged one: a tampered byte, a truncated WARC, a missing file, a
capture the index lost. Its lean WARC reader (store/warcscan.py) reads sound files
exactly as warcio does and hands anything else back to warcio."""
from __future__ import annotations

import gzip
import importlib
import io
import json
import re
import shutil
import sqlite3
import zlib
from contextlib import closing
from pathlib import Path

import pytest
from conftest import E2E_SITES, cli, crawl_args, replica_network
from warcio.archiveiterator import ArchiveIterator

from portal_crawler.store.paths import warc_dir
from portal_crawler.snapshot import verify
from portal_crawler.store import cdxj, warcscan

verify_module = importlib.import_module("portal_crawler.snapshot.verify")   # the package exports the function


@pytest.fixture(scope="module")
def pristine(tmp_path_factory):
    """One crawled archive (and re-checked: revisit records) and its snapshot, copied
    fresh for each test to damage."""
    tmp = tmp_path_factory.mktemp("verify")
    with replica_network(tmp, sites=E2E_SITES[:2]) as rep:
        args = crawl_args(rep.sites_path, tmp / "a.db", E2E_SITES[:2])
        cli(*args, check=True)
        cli(*args, "--refresh-days", "100000", check=True)
    cli("snapshot", tmp / "snap", "--db", tmp / "a.db", check=True)
    return tmp


@pytest.fixture
def work(pristine, tmp_path):
    for name in ("a.db", "a.warc", "snap"):
        src = pristine / name
        (shutil.copytree if src.is_dir() else shutil.copyfile)(src, tmp_path / name)
    return tmp_path


def _kinds(rep):
    return {(p.kind, p.where) for p in rep.problems}


def test_sound_packages_pass(work):
    for path, kind in ((work / "snap", "bag"), (work / "snap/data/archive.wacz", "wacz"), (work / "a.db", "archive")):
        rep = verify(path)
        assert rep.kind == kind and rep.ok, [str(p) for p in rep.problems[:5]]
        assert rep.counts["captures"] == rep.counts["index_entries"] > 50
    rep = verify(work / "snap")
    assert rep.counts["pointers"] > rep.counts["captures"] / 2
    p = cli("verify", work / "snap")
    assert p.returncode == 0 and p.stdout.startswith("ok: bag")


def _response_offsets(db: Path) -> list[tuple[Path, int, int]]:
    """(WARC file, offset, length) of every response capture, from the index."""
    out = []
    for idx in sorted(warc_dir(db).glob("*.cdxj")):
        for ln in idx.read_text(encoding="utf-8").splitlines():
            _, _, d = cdxj.parse(ln)
            if d.get("mime") != "warc/revisit":
                out.append((idx.parent / d["filename"], int(d["offset"]), int(d["length"])))
    return sorted(out)


def test_tampered_byte_in_a_bag_is_caught(work):
    wacz = work / "snap/data/archive.wacz"
    data = bytearray(wacz.read_bytes())
    data[len(data) // 2] ^= 0x01
    wacz.write_bytes(bytes(data))
    rep = verify(work / "snap")
    assert not rep.ok
    assert any(p.kind == "fixity" and p.where.endswith("data/archive.wacz") for p in rep.problems)   # bag manifest
    # ... and the WACZ's own digests name the entry that changed.
    assert any(p.kind in ("fixity", "corrupt", "digest") and "archive/" in p.where for p in rep.problems), \
        [str(p) for p in rep.problems]
    p = cli("verify", work / "snap")
    assert p.returncode == 1 and "problem" in p.stderr


def test_tampered_payload_in_a_live_warc_is_caught(work):
    # Re-write one response's gzip member with one payload byte changed: the gzip is
    # sound, only the WARC digest can tell.
    warc, off, length = _response_offsets(work / "a.db")[40]
    raw = warc.read_bytes()
    member = bytearray(gzip.decompress(raw[off:off + length]))
    member[-10] ^= 0x20                          # inside the payload, before the record's CRLFs
    gz = zlib.compressobj(6, zlib.DEFLATED, zlib.MAX_WBITS + 16)
    new = gz.compress(bytes(member)) + gz.flush()
    warc.write_bytes(raw[:off] + new + raw[off + length:])
    rep = verify(work / "a.db")
    where = f"{warc.name}:{off}"
    kinds = {p.kind for p in rep.problems if p.where == where}
    assert "digest" in kinds, [str(p) for p in rep.problems[:10]]


def test_truncated_warc_is_caught(work):
    warc, off, length = _response_offsets(work / "a.db")[len(_response_offsets(work / "a.db")) // 2]
    with open(warc, "r+b") as fh:
        fh.truncate(off + length // 2)             # cut inside a record
    rep = verify(work / "a.db")
    assert any(p.kind == "corrupt" and p.where == warc.name for p in rep.problems), [str(p) for p in rep.problems[:5]]
    # Every capture pointer past the cut is named.
    lost = [p for p in rep.problems if p.kind == "pointer"]
    assert lost and all(int(p.where.rsplit(":", 1)[1]) >= off for p in lost)
    assert any(p.where == f"{warc.name}:{off}" for p in rep.problems)


def test_missing_files_are_caught(work):
    (work / "snap/data/records.jsonl").unlink()
    rep = verify(work / "snap")
    assert any(p.kind == "missing" and p.where.endswith("data/records.jsonl") for p in rep.problems), \
        [str(p) for p in rep.problems]
    warc = sorted(warc_dir(work / "a.db").glob("*.warc.gz"))[0]
    warc.unlink()
    rep = verify(work / "a.db")
    assert ("missing", warc.name) in _kinds(rep)
    assert sum(p.kind == "pointer" and p.where.startswith(warc.name) for p in rep.problems) > 50


def test_capture_missing_from_the_index_is_caught(work):
    idx = sorted(warc_dir(work / "a.db").glob("*.cdxj"))[0]
    lines = idx.read_text(encoding="utf-8").splitlines(keepends=True)
    dropped = cdxj.parse(lines.pop(7))[2]
    idx.write_text("".join(lines), encoding="utf-8")
    rep = verify(work / "a.db")
    assert any(p.kind == "index" and p.where == f"{dropped['filename']}:{dropped['offset']}" for p in rep.problems)


def test_missing_index_is_caught_and_rebuilt_by_snapshot(work):
    idx = sorted(warc_dir(work / "a.db").glob("*.cdxj"))[0]
    want = idx.read_text(encoding="utf-8")
    idx.unlink()
    rep = verify(work / "a.db")
    assert any(p.kind == "index" and p.where == idx.name[:-len(".cdxj")] + ".warc.gz" for p in rep.problems)
    # the missing file, then each of its captures (the lines the index held)
    assert sum(p.kind == "index" for p in rep.problems) == 1 + len(want.splitlines())
    cli("snapshot", work / "again", "--db", work / "a.db", check=True)
    assert idx.read_text(encoding="utf-8") == want        # rebuilt from the WARC, the same index
    assert verify(work / "a.db").ok


def test_not_a_package_is_exit_2(tmp_path):
    p = cli("verify", tmp_path / "nothing-here")
    assert p.returncode == 2 and "is not a snapshot" in p.stderr


# -- what a user reads after one flipped byte (issue 24, item 6) ------------------------
LABELLED = re.compile(r"^(\d+ files? (changed|missing|added|damaged): |\d+ follow-on findings? \(|  \w+: |FAILED: )")


def _flip(path: Path, at: float, mask: int = 0x01) -> None:
    data = bytearray(path.read_bytes())
    data[int(len(data) * at)] ^= mask
    path.write_bytes(bytes(data))


def _printed(*args):
    p = cli("verify", *args)
    text = p.stdout + p.stderr
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]", text), "raw bytes reached the terminal"
    assert "Traceback" not in text
    lines = [ln for ln in text.splitlines() if ln.strip()]
    unlabelled = [ln for ln in lines if not LABELLED.match(ln)]
    assert not unlabelled, unlabelled      # e.g. a bare "Error -3 while decompressing data"
    return p, p.stdout.splitlines()


def test_one_flipped_byte_in_the_records_is_named_in_words(work):
    _flip(work / "snap/data/records.jsonl", 0.5)
    p, out = _printed(work / "snap")
    assert p.returncode == 1
    assert out == ["1 file changed: data/records.jsonl, sha256 and sha512 mismatch"]
    assert p.stderr.startswith("FAILED: 2 problem(s) in bag")


def test_one_flipped_byte_in_the_wacz_counts_the_follow_on_findings(work):
    _flip(work / "snap/data/archive.wacz", 0.5, mask=0x1b)      # an ESC byte's worth of damage
    rep = verify(work / "snap")
    roots, follow = rep.causes()
    p, out = _printed(work / "snap")
    assert p.returncode == 1
    assert out[0] == "1 file changed: data/archive.wacz, sha256 and sha512 mismatch"
    assert len(roots) == 2 and all(r.where == "data/archive.wacz" for r in roots)
    if follow:     # the damage inside the WACZ: counted on one line, not listed
        kinds = ", ".join(f"{k} {n}" for k, n in sorted({f.kind: sum(g.kind == f.kind for g in follow)
                                                         for f in follow}.items()))
        assert out[1:] == [f"{len(follow)} follow-on finding{'s' if len(follow) != 1 else ''} ({kinds}); "
                           f"--verbose lists them"]
    else:
        assert out[1:] == []
    p, out = _printed(work / "snap", "--verbose")
    assert out[0] == "1 file changed: data/archive.wacz, sha256 and sha512 mismatch"
    assert out[1:] == [f"  {q}" for q in rep.problems]          # every finding, labelled


def test_a_damaged_live_warc_is_one_damaged_file(work):
    warc, off, length = _response_offsets(work / "a.db")[20]
    data = bytearray(warc.read_bytes())
    data[off + length // 2] ^= 0x1b
    warc.write_bytes(bytes(data))
    p, out = _printed(work / "a.db")
    assert p.returncode == 1
    assert re.match(rf"1 file damaged: {re.escape(warc.name)} \(", out[0]), out
    assert len(out) <= 2


# -- the lean WARC scan (store/warcscan.py) against warcio ----------------------------
def _warcio_rows(path):
    """What verify's warcio path records for a file: (offset, type, url, declared, actual)."""
    rep = verify_module.Report(str(path), "archive")
    with verify_module._Ledger() as led:
        with open(path, "rb") as fh:
            verify_module._scan_warc(fh, path.name, led, rep, path.stat().st_size)
        rows = led.db.execute("SELECT off, type, url, declared, actual FROM rec ORDER BY rowid").fetchall()
    assert not rep.problems
    return rows


def test_lean_scan_reads_sound_files_as_warcio_reads_them(pristine):
    """store/warcscan.py, the reader verify uses first: the same rows as warcio."""
    warcs = sorted(warc_dir(pristine / "a.db").glob("*.warc.gz"))
    types = set()
    for path in warcs:
        with open(path, "rb") as fh:
            lean = [(r.offset, r.rec_type, r.url, r.declared, r.actual)
                    for r in warcscan.scan(fh, path.stat().st_size)]
        assert lean == _warcio_rows(path)
        types |= {r[1] for r in lean}
        # lengths: each member ends where the next begins, the last at the file's end
        with open(path, "rb") as fh:
            recs = list(warcscan.scan(fh))
        assert all(a.offset + a.length == b.offset for a, b in zip(recs, recs[1:]))
        assert recs[-1].offset + recs[-1].length == path.stat().st_size
        with open(path, "rb") as fh:          # head_at: the headers warcio gives at each offset
            it = ArchiveIterator(fh)
            for rec in it:
                off = it.get_record_offset()
                with open(path, "rb") as fh2:
                    h = warcscan.head_at(fh2, off)
                assert h.get("warc-target-uri") == rec.rec_headers.get_header("WARC-Target-URI")
                assert h.get("warc-date") == rec.rec_headers.get_header("WARC-Date")
    assert {"warcinfo", "request", "response", "revisit"} <= types


def _irregular(data: bytes, size=None):
    with pytest.raises(warcscan.Irregular):
        list(warcscan.scan(io.BytesIO(data), len(data) if size is None else size))


def test_lean_scan_hands_anything_else_back(pristine):
    warc = sorted(warc_dir(pristine / "a.db").glob("*.warc.gz"))[0]
    data = warc.read_bytes()
    with open(warc, "rb") as fh:
        recs = list(warcscan.scan(fh))
    resp = next(r for r in recs if r.rec_type == "response")
    _irregular(data[:resp.offset + resp.length // 2])                 # cut inside a member
    flipped = bytearray(data)
    flipped[resp.offset + resp.length // 2] ^= 0xFF                    # a damaged member
    _irregular(bytes(flipped))
    _irregular(data + b"trailing bytes")                               # not a member
    _irregular(gzip.decompress(data))                                  # plain, uncompressed WARC
    two = zlib.compressobj(1, zlib.DEFLATED, 31)                       # two records in one member
    plain = gzip.decompress(data[recs[0].offset:recs[2].offset])
    _irregular(two.compress(plain) + two.flush())
    folded = gzip.decompress(data[resp.offset:resp.offset + resp.length]).replace(
        b"\r\nWARC-Date:", b"\r\n WARC-Date:", 1)
    _irregular(gzip.compress(folded))


def _findings(path, lean: bool, monkeypatch) -> list[str]:
    with monkeypatch.context() as m:
        if not lean:
            def refuse(*a, **k):
                raise warcscan.Irregular("the warcio path only")
            m.setattr(verify_module, "_scan_lean", refuse)
        return [str(p) for p in verify_module.verify(path).problems]


@pytest.mark.parametrize("where", [0.05, 0.2, 0.35, 0.5, 0.65, 0.8, 0.95])
def test_damage_is_reported_as_warcio_reports_it(pristine, tmp_path, monkeypatch, where):
    """A flipped byte anywhere in the WACZ, or in a live WARC: verify's findings are
    those of the warcio-only reader (the lean scan hands damaged files back to it)."""
    shutil.copytree(pristine / "snap", tmp_path / "snap")
    wacz = tmp_path / "snap/data/archive.wacz"
    data = bytearray(wacz.read_bytes())
    data[int(len(data) * where)] ^= 0x1b
    wacz.write_bytes(bytes(data))
    lean = _findings(tmp_path / "snap", True, monkeypatch)
    assert lean and lean == _findings(tmp_path / "snap", False, monkeypatch)

    shutil.copy(pristine / "a.db", tmp_path / "a.db")
    shutil.copytree(warc_dir(pristine / "a.db"), warc_dir(tmp_path / "a.db"))
    warc = sorted(warc_dir(tmp_path / "a.db").glob("*.warc.gz"))[0]
    data = bytearray(warc.read_bytes())
    data[int(len(data) * where)] ^= 0x1b
    warc.write_bytes(bytes(data))
    lean = _findings(tmp_path / "a.db", True, monkeypatch)
    assert lean == _findings(tmp_path / "a.db", False, monkeypatch), lean


# -- the scan in pieces (worker processes) and the pointers read in SQL (issue #19) ---
def _lean_rows(path):
    with open(path, "rb") as fh:
        return [(path.name, r.offset, r.rec_type, r.url, r.declared, r.actual)
                for r in warcscan.scan(fh, path.stat().st_size)]


def test_pieces_give_the_rows_of_one_scan(pristine, tmp_path, monkeypatch):
    """A WARC cut into pieces at member starts, each scanned by its own worker process:
    together the rows of one scan from the start, in order; a damaged piece fails the
    whole (then verify reads the file with warcio)."""
    monkeypatch.setattr(warcscan, "PIECE_MIN", 1)
    warc = max(warc_dir(pristine / "a.db").glob("*.warc.gz"), key=lambda p: p.stat().st_size)
    size = warc.stat().st_size
    with open(warc, "rb") as fh:
        starts = warcscan._starts(fh, 0, size, 3)
    assert len(starts) == 3 and starts[0] == 0
    members = {r[1] for r in _lean_rows(warc)}
    assert set(starts) <= members                  # every piece begins at a record's member
    assert _piece_rows(warc, 0, size, warc.name, tmp_path, 3, parts=3) == _lean_rows(warc)
    # The same bytes inside a larger file (a WACZ's stored entry): offsets count from the WARC's start.
    inside = tmp_path / "inside.bin"
    inside.write_bytes(b"x" * 1000 + warc.read_bytes() + b"y" * 1000)
    assert _piece_rows(inside, 1000, size, warc.name, tmp_path, 2, parts=2) == _lean_rows(warc)
    # One flipped byte in the second piece: the pieces fail as one scan does.
    data = bytearray(warc.read_bytes())
    data[(starts[1] + starts[2]) // 2] ^= 0x1b
    bad = tmp_path / warc.name
    bad.write_bytes(bytes(data))
    with pytest.raises(warcscan.Irregular):
        _piece_rows(bad, 0, size, warc.name, tmp_path, 3)


def _piece_rows(path, origin, size, name, folder, n, parts=None):
    """The rows of ``warcscan.Pieces`` over those bytes, parts in order."""
    pieces = warcscan.Pieces(path, origin, size, name, folder, n)
    try:
        done = pieces.parts()
    finally:
        pieces.close()
    assert parts is None or len(done) == parts
    rows = []
    for part in done:
        with closing(sqlite3.connect(part)) as db:
            rows += db.execute("SELECT * FROM rec ORDER BY rowid").fetchall()
    return rows


@pytest.mark.parametrize("where", [0.2, 0.5, 0.8])
def test_damage_is_reported_alike_when_scanned_in_pieces(pristine, tmp_path, monkeypatch, where):
    """verify with every WARC scanned in pieces by workers: a sound package gives the
    counts of one scan, and a damaged one the findings of the warcio-only reader."""
    shutil.copytree(pristine / "snap", tmp_path / "snap")
    want = verify(tmp_path / "snap").counts
    monkeypatch.setattr(warcscan, "PIECE_MIN", 1)
    monkeypatch.setattr(warcscan, "workers", lambda: 3)
    started = []
    real = warcscan.Pieces.__init__
    monkeypatch.setattr(warcscan.Pieces, "__init__", lambda self, *a: (started.append(a), real(self, *a))[1])
    rep = verify(tmp_path / "snap")
    assert rep.ok and rep.counts == want and started
    _flip(tmp_path / "snap/data/archive.wacz", where, 0x1b)
    in_pieces = _findings(tmp_path / "snap", True, monkeypatch)
    assert in_pieces and in_pieces == _findings(tmp_path / "snap", False, monkeypatch)


def test_pointers_are_every_reference_the_archive_rows_hold(pristine):
    """The ledger's pointers (read in SQL: json_each, labels by ||) are what a plain
    reading of the rows gives: every page of every article, copies, versions,
    attachments and resources, with their labels, in order."""
    conn = sqlite3.connect(pristine / "a.db")
    want = []
    for aid, url, refs in conn.execute("SELECT id, url, warc_refs FROM articles WHERE warc_refs IS NOT NULL"):
        want += [(f, int(o), f"article {aid} ({url}) page {k + 1}") for k, (f, o) in enumerate(json.loads(refs))]
    for table, label in (("article_urls", "copy"), ("article_versions", "version"), ("attachments", "attachment")):
        want += [(f, o, f"{label} {i} ({u})") for i, u, f, o in conn.execute(
            f"SELECT id, url, warc_file, warc_offset FROM {table} WHERE warc_file IS NOT NULL")]
    want += [(f, o, f"resource {u}") for u, f, o in conn.execute(
        "SELECT url, warc_file, warc_offset FROM resources WHERE warc_file IS NOT NULL")]
    assert sum(w[2].startswith("article") for w in want) > 50 and any(w[2].startswith("copy") for w in want)
    with verify_module._Ledger() as led:
        assert verify_module._add_pointers(conn, led) == 0
        got = led.db.execute("SELECT file, off, what FROM ptr ORDER BY rowid").fetchall()
        files = {w[0] for w in want}
        keep = {sorted(files)[0]}
        led.db.execute("DELETE FROM ptr")
        elsewhere = verify_module._add_pointers(conn, led, only=keep)
        kept = led.db.execute("SELECT file, off, what FROM ptr ORDER BY rowid").fetchall()
    conn.close()
    assert got == want
    assert kept == [w for w in want if w[0] in keep] and elsewhere == len(want) - len(kept)
