"""Character-shingle MinHash signatures, batched and vectorised with numpy.

One-permutation hashing (Li et al. 2012) with rotation densification: every
5-character shingle is hashed once (a rolling polynomial hash + splitmix64), the
top bits choose one of `num_perm` bins and the bin keeps its minimum.  That is one
hash per shingle instead of `num_perm`, which makes a signature cost about as much
as reading the text; a whole batch of bodies is hashed in a few numpy calls.
Signatures are deterministic (no Python `hash`) so they can be persisted.
Slots are stored as uint16: a false slot match has probability 2**-16.
"""
from __future__ import annotations

import numpy as np

__all__ = ["MinHasher", "shingles", "SHINGLE"]

SHINGLE = 5
_U64 = np.uint64
_EMPTY = np.iinfo(np.uint64).max


def shingles(text: str, k: int = SHINGLE) -> set[str]:
    """The set of k-character shingles of a (normalised) text; for tests and tools."""
    if len(text) <= k:
        return {text} if text else set()
    return {text[i:i + k] for i in range(len(text) - k + 1)}


def _mix(h: np.ndarray) -> np.ndarray:
    # splitmix64 finaliser: spreads the polynomial hash over all 64 bits.
    h ^= h >> _U64(30)
    h *= _U64(0xBF58476D1CE4E5B9)
    h ^= h >> _U64(27)
    h *= _U64(0x94D049BB133111EB)
    h ^= h >> _U64(31)
    return h


class MinHasher:
    """`signatures(texts)` -> (len(texts), num_perm) uint16 array and a `valid` mask."""

    def __init__(self, num_perm: int = 128, k: int = SHINGLE, min_chars: int = 50):
        if num_perm & (num_perm - 1):
            raise ValueError("num_perm must be a power of two")
        self.num_perm = num_perm
        self.k = k
        self.min_chars = min_chars          # shorter texts get no signature
        self._bin_shift = _U64(64 - (num_perm.bit_length() - 1))
        self._val_mask = _U64((1 << (64 - (num_perm.bit_length() - 1))) - 1)
        self._val_shift = _U64(64 - (num_perm.bit_length() - 1) - 16)
        self._pow = [_U64(pow(1_000_003, e, 1 << 64)) for e in range(k)][::-1]

    def signature(self, text: str) -> np.ndarray | None:
        sig, ok = self.signatures([text])
        return sig[0] if ok[0] else None

    def signatures(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        m, K, k = len(texts), self.num_perm, self.k
        lens = np.fromiter((len(t) for t in texts), dtype=np.int64, count=m)
        valid = lens >= max(self.min_chars, k)
        out = np.zeros((m, K), dtype=np.uint16)
        if not valid.any():
            return out, valid
        cp = np.frombuffer("".join(texts).encode("utf-32-le"), dtype=np.uint32).astype(_U64)
        n = len(cp) - k + 1
        if n <= 0:
            return out, valid & False
        h = cp[:n] * self._pow[0]
        for j in range(1, k):
            h += cp[j:j + n] * self._pow[j]
        h = _mix(h)
        # A shingle belongs to a document when it starts and ends inside it.
        ends = np.cumsum(lens)
        doc = np.repeat(np.arange(m), lens)[:n]
        keep = (np.arange(n) + k <= ends[doc]) & valid[doc]
        h, doc = h[keep], doc[keep]
        flat = np.full(m * K, _EMPTY, dtype=_U64)
        slot = doc * K + (h >> self._bin_shift).astype(np.int64)
        np.minimum.at(flat, slot, h & self._val_mask)
        flat = flat.reshape(m, K)
        empty = flat == _EMPTY
        out[:] = (flat >> self._val_shift).astype(np.uint16)
        for r in np.nonzero(empty.any(axis=1) & valid)[0]:
            self._densify(out[r], empty[r])
        return out, valid

    @staticmethod
    def _densify(sig: np.ndarray, empty: np.ndarray) -> None:
        # An empty bin borrows the next non-empty bin (circularly), offset by the
        # distance so that borrowed slots only match when both borrow alike.
        K = len(sig)
        full = np.nonzero(~empty)[0]
        idx = np.nonzero(empty)[0]
        pos = np.searchsorted(full, idx) % len(full)
        src = full[pos]
        dist = (src - idx) % K
        sig[idx] = (sig[src].astype(np.uint32) + dist.astype(np.uint32) * 40503) & 0xFFFF

    @staticmethod
    def similarity(a: np.ndarray, b: np.ndarray) -> float:
        """Estimated Jaccard similarity of the shingle sets."""
        return float(np.count_nonzero(a == b)) / len(a)
