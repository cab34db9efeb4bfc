"""The archive's on-disk near-duplicate index (store/neardup.py, schema v10) answers as
the in-memory NearDupIndex does, survives updates and removals, and is built for an
existing archive from its stored signatures."""
from __future__ import annotations

import sqlite3

import numpy as np
import pytest

from benchmarks import dedupe_study
from portal_crawler.dedupe import MinHasher, NearDupIndex, normalise_body
from portal_crawler.store import Archive
from portal_crawler.store import neardup
from portal_crawler.store.neardup import band_rows


@pytest.fixture(scope="module")
def series_sigs():
    """Signatures of the replica's records (demo scale, 25 sites: templated series,
    reposts, exact copies), in a crawl-like order."""
    recs, labels = dedupe_study.records(5, "demo")
    sigs, ok = MinHasher().signatures([normalise_body(r["body"]) for r in recs])
    assert sum(1 for r in recs if r["series"]) > 300
    return sigs[ok], [l for l, k in zip(labels, ok) if k]


def _bands(conn) -> set[tuple[int, int]]:
    """Band rows of both levels (the recent level's from its copies' signatures; a copy is
    in one level, never both)."""
    main = set(conn.execute("SELECT band_key, url_id FROM dedupe_bands"))
    recent = set()
    for u, sig in conn.execute("SELECT r.url_id, m.sig FROM dedupe_bands_recent r "
                               "JOIN dedupe_minhash m ON m.url_id = r.url_id"):
        recent |= set(band_rows(u, neardup._BANDING.band_keys(
            np.frombuffer(sig, dtype=np.uint16)[None, :])[0]))
    assert not {u for _, u in main} & {u for _, u in recent}
    return main | recent


def test_on_disk_index_finds_the_same_pairs_as_the_in_memory_one(tmp_path, monkeypatch, series_sigs):
    """Every signature is queried before it is added (as a new copy is) in both indexes:
    the answers (owners, similarities, order) are equal, so are the near-duplicate pairs,
    and they hold the replica's series siblings and reposts. The recent level is merged
    every 300 copies here, so answers come from both levels."""
    monkeypatch.setattr(neardup, "RECENT_COPIES", 300)
    sigs, labels = series_sigs
    mem = NearDupIndex()
    with Archive(tmp_path / "a.db") as ar:
        disk = ar.index
        pairs, same_label = [], 0
        with ar.transaction():
            for i, sig in enumerate(sigs):
                got_mem, got_disk = mem.query(sig), disk.query(sig)
                assert got_disk == got_mem, i
                owner = got_mem[0][0] if got_mem else i      # joins its best match, as the archive does
                pairs += [(o, i) for o, _ in got_mem]
                same_label += sum(labels[o] == labels[i] for o, _ in got_mem)
                mem.add(i, owner, sig)
                disk.put(i, owner, sig, new=True)
            assert (disk.similarities([0, 5, 10**9], sigs[5]) == mem.similarities([0, 5, 10**9], sigs[5])).all()
            assert (disk.signature(7) == sigs[7]).all() and disk.signature(10**9) is None
        n_rows = len(_bands(ar.conn))
        merged = ar.conn.execute("SELECT count(*) FROM dedupe_bands").fetchone()[0]
    assert merged >= 63.9 * 300 * (len(sigs) // 300)
    assert len(pairs) > 300 and same_label > 100, (len(pairs), same_label)
    # 64 band rows a copy (fewer only where two bands of one copy share a key)
    assert 63.9 * len(sigs) <= n_rows <= 64 * len(sigs)


def test_update_and_remove_keep_band_rows_in_step(tmp_path, series_sigs):
    sigs, _ = series_sigs
    a, b = sigs[0], sigs[1]
    with Archive(tmp_path / "a.db") as ar:
        ix = ar.index
        with ar.transaction():
            ix.put(1, 1, a, new=True)
            ix.put(2, 2, b, new=True)
            ix.put(1, 1, b)                         # copy 1 edited: now b's text
        assert _bands(ar.conn) == set(band_rows(1, ix.band_keys(b[None, :])[0])) | set(
            band_rows(2, ix.band_keys(b[None, :])[0]))
        assert ix.query(a) == [] and ix.query(b) == [(1, 1.0), (2, 1.0)]
        with ar.transaction():
            ix.remove([1])
        assert ix.query(b) == [(2, 1.0)] and ix.signature(1) is None
        assert {u for _, u in _bands(ar.conn)} == {2}
        with ar.transaction():                      # merged: the same answers from the large level
            ix.merge()
            ix.put(1, 1, a, new=True)
        assert ar.conn.execute("SELECT DISTINCT url_id FROM dedupe_bands").fetchall() == [(2,)]
        assert ix.query(a) == [(1, 1.0)] and ix.query(b) == [(2, 1.0)]
        with ar.transaction():
            ix.put(2, 2, a)                         # an edit of a merged copy replaces its rows
            ix.remove([1])
        assert ix.query(b) == [] and ix.query(a) == [(2, 1.0)]
        assert _bands(ar.conn) == set(band_rows(2, ix.band_keys(a[None, :])[0]))
        # a rolled-back write leaves the index as it was
        with pytest.raises(RuntimeError), ar.transaction():
            ix.put(3, 3, b, new=True)
            raise RuntimeError("rolled back")
        assert ix.query(b) == [] and {u for _, u in _bands(ar.conn)} == {2}
        with ar.transaction():
            ix.put(4, 4, b, new=True)               # in the recent level (not merged)
    with Archive(tmp_path / "a.db") as ar, Archive(tmp_path / "a.db") as other:
        assert ar.index.query(b) == [(4, 1.0)]      # the recent level is read from the archive
        with other.transaction():                   # another connection's write is seen
            other.index.put(5, 5, b, new=True)
        assert ar.index.query(b) == [(4, 1.0), (5, 1.0)]


def test_existing_archive_gets_its_band_table_from_stored_signatures(tmp_path, monkeypatch, series_sigs):
    """A v9 archive (signatures only) migrates: dedupe_bands holds exactly the rows the
    writer would have made, and queries answer as the in-memory index loaded from the
    same signatures."""
    from portal_crawler.store import schema
    sigs, _ = series_sigs
    sigs = sigs[:400]
    path = tmp_path / "v9.db"
    monkeypatch.setattr(schema, "MIGRATIONS", schema.MIGRATIONS[:9])
    con = schema.connect(str(path))
    assert schema.migrate(con) == 9
    owners = [i // 3 for i in range(len(sigs))]
    con.executemany("INSERT INTO dedupe_minhash (url_id, article_id, sig) VALUES (?, ?, ?)",
                    [(i, o, s.tobytes()) for i, (o, s) in enumerate(zip(owners, sigs))])
    con.close()
    monkeypatch.undo()
    mem = NearDupIndex()
    mem.load(np.arange(len(sigs)), owners, sigs)
    with Archive(path) as ar:
        assert ar.schema_version == len(schema.MIGRATIONS) == 10
        keys = ar.index.band_keys(sigs)
        assert _bands(ar.conn) == {r for i in range(len(sigs)) for r in band_rows(i, keys[i])}
        for s in sigs[::7]:
            assert ar.index.query(s) == mem.query(s)
    con = sqlite3.connect(path)
    assert con.execute("SELECT sql FROM sqlite_master WHERE name = 'dedupe_bands'").fetchone()[0].rstrip().endswith(
        "WITHOUT ROWID")
    con.close()
