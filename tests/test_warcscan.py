"""The lean WARC scan (store/warcscan.py) reads sound files exactly as warcio does, and
hands anything else back (Irregular) for warcio to diagnose."""
from __future__ import annotations

import gzip
import importlib
import io
import shutil
import zlib

import pytest
from conftest import E2E_SITES, cli, crawl_args, replica_network
from warcio.archiveiterator import ArchiveIterator

from portal_crawler.store import warcscan
from portal_crawler.store.paths import warc_dir

verify_mod = importlib.import_module("portal_crawler.snapshot.verify")


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("warcscan")
    with replica_network(tmp, sites=E2E_SITES[:2]) as rep:
        args = crawl_args(rep.sites_path, tmp / "a.db", E2E_SITES[:2])
        cli(*args, check=True)
        cli(*args, "--refresh-days", "100000", check=True)    # re-checks: revisit records
    cli("snapshot", tmp / "snap", "--db", tmp / "a.db", check=True)
    return tmp


@pytest.fixture(scope="module")
def warcs(crawled):
    files = sorted(warc_dir(crawled / "a.db").glob("*.warc.gz"))
    assert files
    return files


def _warcio_rows(path):
    """What verify's warcio path records for a file: (offset, type, url, declared, actual)."""
    rep = verify_mod.Report(str(path), "archive")
    with verify_mod._Ledger() as led:
        with open(path, "rb") as fh:
            verify_mod._scan_warc(fh, path.name, led, rep, path.stat().st_size)
        rows = led.db.execute("SELECT off, type, url, declared, actual FROM rec ORDER BY rowid").fetchall()
    assert not rep.problems
    return rows


def test_sound_files_read_as_warcio_reads_them(warcs):
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


def test_anything_else_is_irregular(warcs):
    data = warcs[0].read_bytes()
    with open(warcs[0], "rb") as fh:
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
            m.setattr(verify_mod, "_scan_lean", refuse)
        return [str(p) for p in verify_mod.verify(path).problems]


@pytest.mark.parametrize("where", [0.05, 0.2, 0.35, 0.5, 0.65, 0.8, 0.95])
def test_damage_is_reported_as_warcio_reports_it(crawled, tmp_path, monkeypatch, where):
    """A flipped byte anywhere in the WACZ, or in a live WARC: verify's findings are
    those of the warcio-only reader (the lean scan hands damaged files back to it)."""
    shutil.copytree(crawled / "snap", tmp_path / "snap")
    wacz = tmp_path / "snap/data/archive.wacz"
    data = bytearray(wacz.read_bytes())
    data[int(len(data) * where)] ^= 0x1b
    wacz.write_bytes(bytes(data))
    lean = _findings(tmp_path / "snap", True, monkeypatch)
    assert lean and lean == _findings(tmp_path / "snap", False, monkeypatch)

    shutil.copy(crawled / "a.db", tmp_path / "a.db")
    shutil.copytree(warc_dir(crawled / "a.db"), warc_dir(tmp_path / "a.db"))
    warc = sorted(warc_dir(tmp_path / "a.db").glob("*.warc.gz"))[0]
    data = bytearray(warc.read_bytes())
    data[int(len(data) * where)] ^= 0x1b
    warc.write_bytes(bytes(data))
    lean = _findings(tmp_path / "a.db", True, monkeypatch)
    assert lean == _findings(tmp_path / "a.db", False, monkeypatch), lean
