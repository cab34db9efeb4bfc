"""Near-duplicate index: LSH banding over MinHash signatures, in numpy.

Entries are (entry id, owner id, signature); a query returns the owners whose
estimated Jaccard similarity reaches `threshold`, best first.  Band keys live in
sorted numpy runs merged like a binary counter (a log-structured index), plus a
small dict for recent additions, so adding n entries costs O(n log n) overall and
memory is ~ bands*8 + num_perm*2 + 8 bytes per entry (runs stop merging at MAX_RUN keys,
so a merge never holds a second copy of the whole index).  `load` bulk-builds from
persisted signatures in one sort: the whole archive is searchable at open.
"""
from __future__ import annotations

import numpy as np

from portal_crawler.dedupe.minhash import _mix
from portal_crawler.dedupe.rule import THRESHOLD

__all__ = ["NearDupIndex", "Banding", "best_owners", "merge_runs", "NUM_PERM", "BANDS", "MAX_BUCKET"]

NUM_PERM = 128      # signature slots (the archive stores these)
BANDS = 64          # LSH bands of 4 slots (the archive's dedupe_bands rows)
MAX_BUCKET = 256    # entries of one band key looked at: a huge bucket is shared boilerplate


class Banding:
    """Which slots make each band, and a band's key: one definition for the in-memory
    index and the archive's on-disk one (store/neardup.py)."""
    ROWS = 4     # slots per band: four uint16 slots = one uint64 word

    def __init__(self, num_perm: int = NUM_PERM, bands: int = BANDS):
        if num_perm % self.ROWS:
            raise ValueError("num_perm must be a multiple of 4")
        self.num_perm, self.bands = num_perm, bands
        # More bands than num_perm/4: extra bands come from fixed permutations of the
        # slots (overlapping bands: nearly the recall of independent ones, no extra
        # signature bytes).
        n_sets = -(-bands * self.ROWS // num_perm)
        rng = np.random.default_rng(20211022)
        self._slots = np.concatenate([np.arange(num_perm)] + [
            rng.permutation(num_perm) for _ in range(n_sets - 1)])[: bands * self.ROWS]
        self._salt = (np.arange(bands, dtype=np.uint64) + np.uint64(1)) * np.uint64(0x9E3779B97F4A7C15)

    def band_keys(self, sigs: np.ndarray) -> np.ndarray:
        """(m, bands) uint32: each band's 4 slots as one word, mixed with the band number.
        32 bits suffice: a chance key collision only adds a candidate, verified anyway."""
        m = sigs.shape[0]
        words = np.ascontiguousarray(sigs[:, self._slots]).view(np.uint64).reshape(m, self.bands)
        return (_mix(words ^ self._salt) >> np.uint64(32)).astype(np.uint32)


def best_owners(owners, sims: np.ndarray, threshold: float) -> list[tuple[int, float]]:
    """[(owner, similarity)] of the candidates at or above `threshold` (an owner: its best
    entry), best first, ties by owner: the one answer of both indexes' `query`."""
    ok = sims >= threshold
    best: dict[int, float] = {}
    for o, s in zip(np.asarray(owners)[ok].tolist(), sims[ok].tolist()):
        if s > best.get(o, -1.0):
            best[o] = s
    return sorted(best.items(), key=lambda x: (-x[1], x[0]))


class NearDupIndex:
    MAX_RUN = 1 << 21   # band keys a merged run may hold (16 MB of keys and ids; 32,768 entries at 64 bands)

    def __init__(self, num_perm: int = NUM_PERM, bands: int = BANDS, threshold: float = THRESHOLD,
                 buffer_size: int = 4096, max_bucket: int = MAX_BUCKET):
        self.banding = Banding(num_perm, bands)
        self.num_perm, self.bands, self.threshold = num_perm, bands, threshold
        self.buffer_size, self.max_bucket = buffer_size, max_bucket
        self._sig = np.zeros((1024, num_perm), dtype=np.uint16)
        self._owner = np.full(1024, -1, dtype=np.int64)
        self._runs: list[tuple[np.ndarray, np.ndarray]] = []   # (sorted uint32 keys, int32 ids)
        self._buf: dict[int, int] = {}            # recent band key -> entry id
        self._over: dict[int, list[int]] = {}     # ... keys shared by several recent entries
        self._buf_keys: list[np.ndarray] = []
        self._buf_ids: list[int] = []
        self.size = 0

    def band_keys(self, sigs: np.ndarray) -> np.ndarray:
        return self.banding.band_keys(sigs)

    def _store(self, ids: np.ndarray, owners: np.ndarray, sigs: np.ndarray) -> None:
        top = int(ids.max()) + 1
        if top > len(self._owner):
            cap = max(top, 2 * len(self._owner))
            sig = np.zeros((cap, self.num_perm), dtype=np.uint16)
            sig[: len(self._sig)] = self._sig
            own = np.full(cap, -1, dtype=np.int64)
            own[: len(self._owner)] = self._owner
            self._sig, self._owner = sig, own
        self._sig[ids] = sigs
        self._owner[ids] = owners

    # -- add -------------------------------------------------------------------
    def add(self, entry_id: int, owner: int, sig: np.ndarray, keys=None) -> None:
        """Add one entry; visible to the next query at once.  `keys`: its band_keys
        when the caller has them (from a query of the same signature)."""
        self._store(np.array([entry_id]), np.array([owner]), sig[None, :])
        if keys is None:
            keys = self.band_keys(sig[None, :])[0]
        klist = keys.tolist()
        for k in self._buf.keys() & klist:       # set ops and update run in C
            self._over.setdefault(k, [self._buf[k]]).append(entry_id)
        self._buf.update(dict.fromkeys(klist, entry_id))
        self._buf_keys.append(keys)
        self._buf_ids.append(entry_id)
        self.size += 1
        if len(self._buf_ids) >= self.buffer_size:
            self._flush()

    def load(self, ids, owners, sigs: np.ndarray) -> None:
        """Bulk add (at open, from persisted signatures): one sort, no per-entry work."""
        ids = np.asarray(ids, dtype=np.int64)
        if not len(ids):
            return
        self._store(ids, np.asarray(owners, dtype=np.int64), sigs)
        step = max(1, self.MAX_RUN // self.bands)   # runs of at most MAX_RUN keys (see _push_run)
        for i in range(0, len(ids), step):
            keys = self.band_keys(sigs[i:i + step]).ravel()
            eids = np.repeat(ids[i:i + step].astype(np.int32), self.bands)
            self._push_run(keys, eids)
        self.size += len(ids)

    def _flush(self) -> None:
        if not self._buf_ids:
            return
        keys = np.concatenate(self._buf_keys)
        eids = np.repeat(np.array(self._buf_ids, dtype=np.int32), self.bands)
        self._buf, self._over, self._buf_keys, self._buf_ids = {}, {}, [], []
        self._push_run(keys, eids)

    def _push_run(self, keys: np.ndarray, eids: np.ndarray) -> None:
        order = np.argsort(keys, kind="stable")
        self._runs.append((keys[order], eids[order]))
        # Binary-counter merging keeps O(log n) runs, each entry merged O(log n) times,
        # up to MAX_RUN keys a run: a merge holds its two inputs and its output at once,
        # so merging everything into one run doubled the index's memory for a moment
        # (the archive writer's peak, issue #19). Past that size runs stay apart; a
        # query searches each (one searchsorted of the signature's 64 keys per run).
        while (len(self._runs) > 1 and len(self._runs[-2][0]) <= 2 * len(self._runs[-1][0])
               and len(self._runs[-2][0]) + len(self._runs[-1][0]) <= self.MAX_RUN):
            (k2, e2), (k1, e1) = self._runs.pop(), self._runs.pop()
            self._runs.append(merge_runs(k1, e1, k2, e2))

    # -- query -----------------------------------------------------------------
    def candidates(self, sig: np.ndarray, keys=None) -> np.ndarray:
        if keys is None:
            keys = self.band_keys(sig[None, :])[0]
        found = []
        skeys = np.sort(keys)                 # sorted needles: numpy narrows each search
        for rk, re_ in self._runs:
            lo = np.searchsorted(rk, skeys)
            lo_c = np.minimum(lo, len(rk) - 1)
            hit = np.nonzero(rk[lo_c] == skeys)[0]
            if not len(hit):
                continue
            # Only keys present need their bucket's end (one more search, few keys).
            hi = np.searchsorted(rk, skeys[hit], "right")
            for a, b in zip(lo[hit].tolist(), hi.tolist()):
                # A huge bucket is shared boilerplate: a sample of it is enough.
                found.append(re_[a: min(b, a + self.max_bucket)])
        for k in self._buf.keys() & keys.tolist():
            b = self._over.get(k)
            found.append(np.array(b[: self.max_bucket] if b else [self._buf[k]], dtype=np.int32))
        if not found:
            return np.zeros(0, dtype=np.int64)
        return np.unique(np.concatenate(found)).astype(np.int64)

    def query(self, sig: np.ndarray, threshold: float | None = None,
              keys=None) -> list[tuple[int, float]]:
        """[(owner, similarity)] with similarity >= threshold, best first."""
        t = self.threshold if threshold is None else threshold
        cand = self.candidates(sig, keys)
        if not len(cand):
            return []
        cand = cand[self._owner[cand] >= 0]          # removed entries
        return best_owners(self._owner[cand], (self._sig[cand] == sig).mean(axis=1), t)

    def set_owner(self, entry_ids, owner: int) -> None:
        self._owner[np.asarray(entry_ids, dtype=np.int64)] = owner

    def remove(self, entry_ids) -> None:
        """Forget entries (their band keys stay, the owner -1 hides them from queries)."""
        ids = np.asarray(entry_ids, dtype=np.int64)
        self._owner[ids[ids < len(self._owner)]] = -1

    def signature(self, entry_id: int) -> np.ndarray | None:
        """The stored signature of an entry, None when it has none (or was removed)."""
        if 0 <= entry_id < len(self._owner) and self._owner[entry_id] >= 0:
            return self._sig[entry_id].copy()
        return None

    def similarities(self, entry_ids, sig: np.ndarray) -> np.ndarray:
        """Estimated Jaccard similarity of `sig` to each entry; 0.0 for an id that has no
        signature here (a short body, a removed entry)."""
        ids = np.asarray(entry_ids, dtype=np.int64)
        out = np.zeros(len(ids))
        ok = (ids >= 0) & (ids < len(self._owner))
        ok[ok] = self._owner[ids[ok]] >= 0
        if ok.any():
            out[ok] = (self._sig[ids[ok]] == sig).mean(axis=1)
        return out

    def memory_bytes(self) -> int:
        runs = sum(k.nbytes + e.nbytes for k, e in self._runs)
        return runs + self._sig.nbytes + self._owner.nbytes


def merge_runs(k1, e1, k2, e2):
    """Merge two sorted runs in O(n) time and no more than the output's memory."""
    pos = np.searchsorted(k1, k2, side="right") + np.arange(len(k2))
    n = len(k1) + len(k2)
    k, e = np.empty(n, dtype=k1.dtype), np.empty(n, dtype=e1.dtype)
    rest = np.ones(n, dtype=bool)
    rest[pos] = False
    k[pos], e[pos] = k2, e2
    k[rest], e[rest] = k1, e1
    return k, e
