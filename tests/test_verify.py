"""`verify` passes a sound snapshot, bag, WACZ and live archive, and names each
problem of a damaged one: a tampered byte, a truncated WARC, a missing file, a
capture the index lost."""
from __future__ import annotations

import gzip
import shutil
import zlib
from pathlib import Path

import pytest
from conftest import E2E_SITES, cli, crawl_args

from portal_crawler.store.paths import warc_dir
from portal_crawler.snapshot import verify
from portal_crawler.store import cdxj


@pytest.fixture(scope="module")
def pristine(tmp_path_factory):
    """One crawled archive and its snapshot, copied fresh for each test to damage."""
    from portal_crawler.replica import ReplicaProcess
    tmp = tmp_path_factory.mktemp("verify")
    with ReplicaProcess(seed=11, sites=E2E_SITES[:2], scale="tiny") as rep:
        rep.sites_file(tmp / "sites.toml")
        cli(*crawl_args(tmp / "sites.toml", tmp / "a.db", E2E_SITES[:2]), check=True)
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
