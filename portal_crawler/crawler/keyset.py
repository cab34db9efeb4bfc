"""KeySet: a set of keys (URL identity keys, request fingerprints) in 8 bytes each.

A crawl remembers every article key it asked for, every key a channel walk listed and
every request fingerprint; as Python sets of strings these cost ~150 bytes per key and
made the crawler's memory grow with the crawl (issue #19). A KeySet keeps a 64-bit hash
of each key: recent ones in a small set, the rest in one sorted ``array('Q')`` (looked
up with bisect: 6x faster per call than numpy's searchsorted on a scalar), merged by
numpy when the set fills (O(n) per ``BUFFER`` additions). A false "seen" needs two of the
keys to share 64 bits: ~n²/2⁶⁵, under 1e-7 at a million keys.

``CompactDupeFilter`` is Scrapy's RFPDupeFilter with its fingerprints in a KeySet.
"""
from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import Iterable
from hashlib import blake2b

import numpy as np
from scrapy.dupefilters import RFPDupeFilter

BUFFER = 4096


def _hash(key: str | bytes) -> int:
    if isinstance(key, str):
        key = key.encode("utf-8")
    return int.from_bytes(blake2b(key, digest_size=8).digest(), "little")


class KeySet:
    """``add``, ``update``, ``in`` and ``len`` of a set; keys are not kept (no iteration)."""

    def __init__(self, keys: Iterable[str | bytes] = ()):
        self._old = array("Q")   # sorted, unique
        self._new: set[int] = set()
        self.update(keys)

    def _merge(self) -> None:
        new = np.fromiter(self._new, dtype=np.uint64, count=len(self._new))
        merged = np.union1d(np.frombuffer(self._old, dtype=np.uint64), new)
        self._old = array("Q")
        self._old.frombytes(merged.tobytes())
        self._new = set()

    def _in_old(self, h: int) -> bool:
        i = bisect_left(self._old, h)
        return i < len(self._old) and self._old[i] == h

    def add(self, key: str | bytes) -> None:
        h = _hash(key)
        if h not in self._new and not self._in_old(h):
            self._new.add(h)
            if len(self._new) >= BUFFER:
                self._merge()

    def update(self, keys: Iterable[str | bytes]) -> None:
        for k in keys:
            self.add(k)

    def __contains__(self, key: str | bytes) -> bool:
        h = _hash(key)
        return h in self._new or self._in_old(h)

    def __len__(self) -> int:
        return len(self._old) + len(self._new)

    def __bool__(self) -> bool:
        return len(self) > 0


class CompactDupeFilter(RFPDupeFilter):
    """Scrapy's dupefilter (same fingerprints, same log) holding them in a KeySet. With
    a JOBDIR (a fingerprint file to resume from) Scrapy's own set is used unchanged."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.seen_keys = KeySet()

    def request_seen(self, request) -> bool:
        if self.file:
            return super().request_seen(request)
        fp = self.fingerprinter.fingerprint(request)
        if fp in self.seen_keys:
            return True
        self.seen_keys.add(fp)
        return False
