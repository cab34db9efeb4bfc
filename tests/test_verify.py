"""`verify` passes a sound snapshot, bag, WACZ and live archive, and names each
problem of a damaged one: a tampered byte, a truncated WARC, a missing file, a
capture the index lost."""
from __future__ import annotations

import gzip
import re
import shutil
import zlib
from pathlib import Path

import pytest
from conftest import E2E_SITES, cli, crawl_args, replica_network

from portal_crawler.store.paths import warc_dir
from portal_crawler.snapshot import verify
from portal_crawler.store import cdxj


@pytest.fixture(scope="module")
def pristine(tmp_path_factory):
    """One crawled archive and its snapshot, copied fresh for each test to damage."""
    tmp = tmp_path_factory.mktemp("verify")
    with replica_network(tmp, sites=E2E_SITES[:2]) as rep:
        cli(*crawl_args(rep.sites_path, tmp / "a.db", E2E_SITES[:2]), check=True)
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
    assert sum(p.kind == "index" for p in rep.problems) == 1 + rep.counts["captures"]
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
