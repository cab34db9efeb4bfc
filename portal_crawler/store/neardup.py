"""The archive's near-duplicate index, on disk: memory flat in the archive's size.

Every copy with a MinHash signature has its signature in `dedupe_minhash` and its 64
LSH band keys in `dedupe_bands` (band key, copy), a WITHOUT ROWID table whose primary
key is the lookup: a query reads the copies of its 64 keys (at most MAX_BUCKET a key,
the earliest) and the signatures of those candidates only, and verifies them exactly
as the in-memory `dedupe.NearDupIndex` does (same `Banding`, same `best_owners`), so
the archive groups copies as `dedupe.grouping.Grouper` does in memory. The process
holds no per-article state: what it keeps is SQLite's page cache, bounded by
`PRAGMA cache_size` (issue #19: the writer's peak RSS at 100k articles / 10k).

Two levels, as a log-structured index: a new copy's rows go to `dedupe_bands_recent`
(same layout, at most RECENT_COPIES copies), which is merged into `dedupe_bands` in key
order when full. Band keys are random, so inserting each copy's 64 rows straight into a
table of the whole archive dirtied a page of it per row: at 30,000 copies a 200-copy
transaction rewrote most of the table (~25 MB through the WAL) and a copy's rows cost
1 ms of CPU, growing with the archive. The small table keeps each transaction's pages
few; a merge writes the large one once per RECENT_COPIES copies, in order. Everything
is in the caller's transaction (a rollback takes the index back with the archive).

Band keys are stored as signed 32-bit integers (SQLite keeps one in 4 bytes; the
unsigned value above 2**31 would take 6).
"""
from __future__ import annotations

import sqlite3

import numpy as np

from portal_crawler.dedupe.index import BANDS, MAX_BUCKET, NUM_PERM, Banding, best_owners
from portal_crawler.dedupe.rule import THRESHOLD

__all__ = ["ArchiveNearDupIndex", "band_rows", "band_key_of"]

_LOOKUP_CHUNK = 500     # ids in one IN (...) list
RECENT_COPIES = 4096    # copies whose band rows wait in dedupe_bands_recent (~3.4 MB of it)
_TABLES = ("dedupe_bands", "dedupe_bands_recent")
_BANDING = Banding(NUM_PERM, BANDS)
_last: list = [None, None]      # the last signature band_key_of was asked about, its keys


def band_key_of(sig: bytes, band: int) -> int:
    """SQL function dedupe_band_key(sig, band): the stored form of one band key of a
    stored signature (migration v10 builds dedupe_bands with it; rows come a signature
    at a time, so its keys are computed once)."""
    if _last[0] != sig:
        _last[:] = [sig, _BANDING.band_keys(np.frombuffer(sig, dtype=np.uint16)[None, :])[0].view(np.int32)]
    return int(_last[1][band])


def band_rows(banding: Banding, url_id: int, keys: np.ndarray) -> list[tuple[int, int]]:
    """(band key as int32, url_id) rows of one copy."""
    return [(k, url_id) for k in np.asarray(keys, dtype=np.uint32).view(np.int32).tolist()]


class ArchiveNearDupIndex:
    """The interface `dedupe.grouping` and `store.recheck` use (band_keys, query,
    similarities, signature), plus `put` and `remove`, which keep `dedupe_minhash` and
    `dedupe_bands` in step, inside the caller's transaction."""

    def __init__(self, conn: sqlite3.Connection, threshold: float = THRESHOLD,
                 max_bucket: int = MAX_BUCKET):
        self.conn, self.threshold, self.max_bucket = conn, threshold, max_bucket
        self.banding = _BANDING
        self._recent: int | None = None      # rows in dedupe_bands_recent (None: count them)
        # One statement for a signature's 64 buckets in both levels (SQLite seeks each key
        # in C), by key, then copy (the earliest first), capped per key in Python.
        keys = ", ".join(f"?{i + 1}" for i in range(BANDS))
        self._lookup = " UNION ALL ".join(
            f"SELECT band_key, url_id FROM {t} WHERE band_key IN ({keys})" for t in _TABLES) + " ORDER BY 1, 2"

    def band_keys(self, sigs: np.ndarray) -> np.ndarray:
        return self.banding.band_keys(sigs)

    # -- writes ------------------------------------------------------------------
    def put(self, url_id: int, article_id: int, sig: np.ndarray, keys=None, *, new: bool = False) -> None:
        """Store the signature of copy `url_id` and its band rows, replacing those it had
        (`new`: a copy just inserted, which has none)."""
        if keys is None:
            keys = self.band_keys(sig[None, :])[0]
        if not new:
            self._drop_bands([url_id])
        self.conn.execute("INSERT OR REPLACE INTO dedupe_minhash (url_id, article_id, sig) VALUES (?, ?, ?)",
                          (url_id, article_id, sig.tobytes()))
        rows = band_rows(self.banding, url_id, keys)
        self.conn.executemany("INSERT OR IGNORE INTO dedupe_bands_recent (band_key, url_id) VALUES (?, ?)", rows)
        if self._recent is None:
            self._recent = self.conn.execute("SELECT count(*) FROM dedupe_bands_recent").fetchone()[0]
        else:
            self._recent += len(rows)
        if self._recent >= RECENT_COPIES * BANDS:
            self.merge()

    def merge(self) -> None:
        """Move the recent level's rows into dedupe_bands (read in key order: the large
        table is written front to back, each page once)."""
        self.conn.execute("INSERT OR IGNORE INTO dedupe_bands (band_key, url_id) "
                          "SELECT band_key, url_id FROM dedupe_bands_recent ORDER BY band_key, url_id")
        self.conn.execute("DELETE FROM dedupe_bands_recent")
        self._recent = 0

    def rolled_back(self) -> None:
        """The caller's transaction rolled back: the recent level's count is unknown."""
        self._recent = None

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
        rows = [row for i, k in zip(ids, keys) for row in band_rows(self.banding, i, k)]
        for t in _TABLES:
            self.conn.executemany(f"DELETE FROM {t} WHERE band_key = ? AND url_id = ?", rows)
        self._recent = None

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
        if keys is None:
            keys = self.band_keys(sig[None, :])[0]
        out, cap = [], self.max_bucket
        last, n = None, 0
        for k, u in self.conn.execute(self._lookup, np.asarray(keys, dtype=np.uint32).view(np.int32).tolist()):
            n = n + 1 if k == last else 1
            last = k
            if n <= cap:
                out.append(u)
        return out

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
