"""The archive's near-duplicate index, on disk: memory flat in the archive's size.

Every copy with a MinHash signature has its signature in `dedupe_minhash` and its 64
LSH band keys in `dedupe_bands` (band key, copy), a WITHOUT ROWID table whose primary
key is the lookup: a query reads the copies of its 64 keys (at most MAX_BUCKET a key,
the earliest) and the signatures of those candidates only, and verifies them exactly
as the in-memory `dedupe.NearDupIndex` does (same `Banding`, same `best_owners`), so
the archive groups copies as `dedupe.grouping.Grouper` does in memory. Nothing the
process holds grows with the archive: SQLite's page cache (bounded by `PRAGMA
cache_size`) and the recent level below (issue #19: the writer's peak RSS at 100k
articles / 10k).

Two levels, as a log-structured index: the latest copies (at most RECENT_COPIES) are
listed in `dedupe_bands_recent` and their band keys held in memory (sorted arrays, from
their signatures: a bounded 3 MB, read again after a rollback or another connection's
commit); when full, their rows are merged into `dedupe_bands` in key order. Band keys
are random, so inserting each copy's 64 rows straight into a table of the whole archive
dirtied a page of it per row (at 30,000 copies a 200-copy transaction rewrote most of
the table, and a copy's rows cost 1 ms of CPU, growing with the archive); 64 rows into
a small SQLite table still cost ~0.25 ms a copy. A merge writes the large table once
per RECENT_COPIES copies, in order. Everything on disk is in the caller's transaction.

Band keys are stored as signed 32-bit integers (SQLite keeps one in 4 bytes; the
unsigned value above 2**31 would take 6).
"""
from __future__ import annotations

import sqlite3

import numpy as np

from portal_crawler.dedupe.index import BANDS, MAX_BUCKET, NUM_PERM, Banding, best_owners, merge_runs
from portal_crawler.dedupe.rule import THRESHOLD

__all__ = ["ArchiveNearDupIndex", "band_rows", "band_key_of"]

_LOOKUP_CHUNK = 500     # ids in one IN (...) list
RECENT_COPIES = 4096    # copies in the recent level (in memory: 262,144 keys and ids, 3 MB)
_MERGE_CHUNK = 16384    # rows a merge turns into Python ints at once (all of them: ~17 MB)
_BANDING = Banding(NUM_PERM, BANDS)
_last: list = [None, None]      # the last signature band_key_of was asked about, its keys


def band_key_of(sig: bytes, band: int) -> int:
    """SQL function dedupe_band_key(sig, band): the stored form of one band key of a
    stored signature (migration v10 builds dedupe_bands with it; rows come a signature
    at a time, so its keys are computed once)."""
    if _last[0] != sig:
        _last[:] = [sig, _BANDING.band_keys(np.frombuffer(sig, dtype=np.uint16)[None, :])[0].view(np.int32)]
    return int(_last[1][band])


def band_rows(url_id: int, keys: np.ndarray) -> list[tuple[int, int]]:
    """(band key as int32, url_id) rows of one copy."""
    return [(k, url_id) for k in np.asarray(keys, dtype=np.uint32).view(np.int32).tolist()]


class ArchiveNearDupIndex:
    """The interface `dedupe.grouping` and `store.recheck` use (band_keys, query,
    similarities, signature), plus `put` and `remove`, which keep `dedupe_minhash`,
    `dedupe_bands` and `dedupe_bands_recent` in step, inside the caller's transaction."""

    FOLD = 256      # recent copies kept in a dict before they join the sorted arrays

    def __init__(self, conn: sqlite3.Connection, threshold: float = THRESHOLD,
                 max_bucket: int = MAX_BUCKET):
        self.conn, self.threshold, self.max_bucket = conn, threshold, max_bucket
        self.banding = _BANDING
        # The recent level in memory (bounded by RECENT_COPIES): sorted keys and their
        # copies, plus a dict of the latest few; None until read from the archive.
        self._rk: np.ndarray | None = None
        self._ru = np.zeros(0, dtype=np.int64)
        self._pend: dict[int, list[int]] = {}
        self._pend_rows: list[tuple[int, int]] = []
        self._n = 0
        self._version = None     # PRAGMA data_version when the recent level was read (it
        #                          changes with other connections' commits, not with ours)
        # One statement for a signature's 64 buckets (SQLite seeks each key in C): rows
        # by key, then copy (the earliest first).
        self._lookup = (f"SELECT band_key, url_id FROM dedupe_bands "
                        f"WHERE band_key IN ({', '.join('?' * BANDS)})")

    def band_keys(self, sigs: np.ndarray) -> np.ndarray:
        return self.banding.band_keys(sigs)

    # -- the recent level ----------------------------------------------------------
    def _recent(self) -> None:
        """Read the recent level from the archive unless what is in memory is current
        (another connection's commit changes data_version; a rollback forgets it)."""
        v = self.conn.execute("PRAGMA data_version").fetchone()[0]
        if self._rk is not None and v == self._version:
            return
        self._version = v
        rows = self.conn.execute("SELECT r.url_id, m.sig FROM dedupe_bands_recent r "
                                 "JOIN dedupe_minhash m ON m.url_id = r.url_id").fetchall()
        self._pend, self._pend_rows, self._n = {}, [], len(rows)
        if rows:
            ids = np.repeat(np.array([u for u, _ in rows], dtype=np.int64), BANDS)
            sigs = np.frombuffer(b"".join(b for _, b in rows), dtype=np.uint16).reshape(len(rows), -1)
            keys = self.band_keys(sigs).view(np.int32).ravel()
            order = np.lexsort((ids, keys))
            self._rk, self._ru = keys[order], ids[order]
        else:
            self._rk, self._ru = np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.int64)

    def _fold(self) -> None:
        # One linear merge of the sorted pending rows (a bucket's order is restored by
        # `candidates` when it is cut).
        if self._pend_rows:
            rows = np.array(self._pend_rows, dtype=np.int64)
            order = np.argsort(rows[:, 0], kind="stable")
            self._rk, self._ru = merge_runs(self._rk, self._ru, rows[order, 0].astype(np.int32), rows[order, 1])
            self._pend, self._pend_rows = {}, []

    # -- writes ------------------------------------------------------------------
    def put(self, url_id: int, article_id: int, sig: np.ndarray, keys=None, *, new: bool = False) -> None:
        """Store the signature of copy `url_id` and its band rows, replacing those it had
        (`new`: a copy just inserted, which has none)."""
        if keys is None:
            keys = self.band_keys(sig[None, :])[0]
        if not new:
            self._drop_bands([url_id])
        self._recent()
        ex = self.conn.execute
        ex("INSERT OR REPLACE INTO dedupe_minhash (url_id, article_id, sig) VALUES (?, ?, ?)",
           (url_id, article_id, sig.tobytes()))
        ex("INSERT OR IGNORE INTO dedupe_bands_recent (url_id) VALUES (?)", (url_id,))
        rows = band_rows(url_id, keys)
        self._pend_rows += rows
        for k, _ in rows:
            self._pend.setdefault(k, []).append(url_id)
        self._n += 1
        if len(self._pend_rows) >= self.FOLD * BANDS:
            self._fold()
        if self._n >= RECENT_COPIES:
            self.merge()

    def merge(self) -> None:
        """Move the recent level into dedupe_bands: its rows in key order, so the large
        table is written front to back, each page once."""
        self._recent()
        self._fold()
        for j in range(0, len(self._rk), _MERGE_CHUNK):    # Python ints a chunk at a time
            self.conn.executemany("INSERT OR IGNORE INTO dedupe_bands (band_key, url_id) VALUES (?, ?)",
                                  zip(self._rk[j:j + _MERGE_CHUNK].tolist(), self._ru[j:j + _MERGE_CHUNK].tolist()))
        self.conn.execute("DELETE FROM dedupe_bands_recent")
        self._rk, self._ru, self._n = np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.int64), 0

    def rolled_back(self) -> None:
        """The caller's transaction rolled back: the recent level is read again."""
        self._rk = None

    def remove(self, url_ids) -> None:
        """Forget copies: their signatures and band rows."""
        ids = [int(i) for i in url_ids]
        self._drop_bands(ids)
        self.conn.executemany("DELETE FROM dedupe_minhash WHERE url_id = ?", [(i,) for i in ids])

    def _drop_bands(self, url_ids: list[int]) -> None:
        # The band rows are found from the stored signature (the key leads the primary key).
        sigs = self._signatures(url_ids)
        if not sigs:
            return
        ids = list(sigs)
        keys = self.band_keys(np.stack([sigs[i][1] for i in ids]))
        rows = [row for i, k in zip(ids, keys) for row in band_rows(i, k)]
        self.conn.executemany("DELETE FROM dedupe_bands WHERE band_key = ? AND url_id = ?", rows)
        self.conn.executemany("DELETE FROM dedupe_bands_recent WHERE url_id = ?", [(i,) for i in ids])
        self._rk = None          # read again (edits and removals are rare)

    # -- reads -------------------------------------------------------------------
    def _signatures(self, url_ids) -> dict[int, tuple[int, np.ndarray]]:
        """{url_id: (article_id, signature)} of the ids that have one."""
        out: dict[int, tuple[int, np.ndarray]] = {}
        ids = list(dict.fromkeys(int(i) for i in url_ids))
        for j in range(0, len(ids), _LOOKUP_CHUNK):
            part = ids[j:j + _LOOKUP_CHUNK]
            for u, a, blob in self.conn.execute(
                    f"SELECT url_id, article_id, sig FROM dedupe_minhash "
                    f"WHERE url_id IN ({', '.join('?' * len(part))})", part):
                out[u] = (a, np.frombuffer(blob, dtype=np.uint16))
        return out

    def candidates(self, sig: np.ndarray, keys=None) -> list[int]:
        """Copies sharing a band key with `sig`: at most max_bucket a key, the earliest."""
        if keys is None:
            keys = self.band_keys(sig[None, :])[0]
        self._recent()
        k32 = np.asarray(keys, dtype=np.uint32).view(np.int32)
        bucket: dict[int, list[int]] = {}
        for k, u in self.conn.execute(self._lookup, k32.tolist()):
            bucket.setdefault(k, []).append(u)
        if len(self._rk):
            uk = np.unique(k32)
            lo, hi = np.searchsorted(self._rk, uk), np.searchsorted(self._rk, uk, "right")
            for j in np.nonzero(hi > lo)[0].tolist():
                bucket.setdefault(int(uk[j]), []).extend(self._ru[lo[j]:hi[j]].tolist())
        for k in set(k32.tolist()) & self._pend.keys():
            bucket.setdefault(k, []).extend(self._pend[k])
        out: set[int] = set()
        for ids in bucket.values():
            out.update(ids if len(ids) <= self.max_bucket else sorted(ids)[: self.max_bucket])
        return list(out)

    def query(self, sig: np.ndarray, threshold: float | None = None,
              keys=None) -> list[tuple[int, float]]:
        """[(article id, similarity)] with similarity >= threshold, best first."""
        t = self.threshold if threshold is None else threshold
        found = self._signatures(self.candidates(sig, keys))
        if not found:
            return []
        owners = [a for a, _ in found.values()]
        sims = (np.stack([s for _, s in found.values()]) == sig).mean(axis=1)
        return best_owners(owners, sims, t)

    def signature(self, url_id: int) -> np.ndarray | None:
        """The stored signature of a copy, None when it has none."""
        got = self._signatures([url_id]).get(int(url_id))
        return None if got is None else got[1].copy()

    def similarities(self, url_ids, sig: np.ndarray) -> np.ndarray:
        """Estimated Jaccard similarity of `sig` to each copy; 0.0 for one without a signature."""
        ids = [int(i) for i in url_ids]
        found = self._signatures(ids)
        out = np.zeros(len(ids))
        for j, i in enumerate(ids):
            if i in found:
                out[j] = (found[i][1] == sig).mean()
        return out
