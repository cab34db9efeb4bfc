"""Which existing article a new copy joins: one procedure for the archive (members in
SQLite) and for the in-memory `Grouper` (tuning, the study, the benchmark).

Candidates are the articles holding a copy with the same exact body hash, the owners
of LSH hits with estimated Jaccard >= the rule's threshold, and (rule R3 on) the
articles holding a copy with the same normalised title: LSH misses a pair at J = 0.45
one time in ten, a title lookup never.  They are tried best first and the first one the rule accepts (`Rule.joins`: the new copy against every
member) wins.  A candidate the rule refuses does not stop the search: the next
notice of a series may refuse its sibling and still be a repost of another article.
"""
from __future__ import annotations

from typing import Callable, Iterable, Sequence

import numpy as np

from portal_crawler.dedupe.index import NearDupIndex
from portal_crawler.dedupe.minhash import MinHasher
from portal_crawler.dedupe.normalise import body_hash, normalise_body
from portal_crawler.dedupe.rule import RULE, Member, Rule, member

__all__ = ["find_article", "member_sims", "Grouper", "TITLE_CANDIDATES"]

# At most this many articles are tried by title (the most recent): a generic title
# (`通知`) must not make every copy scan the archive.
TITLE_CANDIDATES = 32


def member_sims(index: NearDupIndex, new: Member, sig, members: Sequence[Member]) -> list[float]:
    """Body similarity of the new copy to each member: 1.0 on the same exact body hash,
    else the signatures' estimate (0.0 when either has none: a short body)."""
    sims = [1.0 if new.body_hash is not None and m.body_hash == new.body_hash else None
            for m in members]
    todo = [i for i, s in enumerate(sims) if s is None and members[i].entry is not None]
    if sig is not None and todo:
        est = index.similarities([members[i].entry for i in todo], sig)
        for i, s in zip(todo, est.tolist()):
            sims[i] = s
    return [0.0 if s is None else s for s in sims]


def find_article(rule: Rule, index: NearDupIndex, new: Member, sig, keys,
                 exact_owners: Iterable[int], members_of: Callable[[int], Sequence[Member]],
                 title_owners: Iterable[int] = ()) -> tuple[int | None, float | None]:
    """(article id, similarity to its best member) the new copy joins, or (None, None)."""
    cands: dict[int, float] = {o: 1.0 for o in exact_owners}
    if sig is not None:
        for o, s in index.query(sig, threshold=rule.threshold, keys=keys):
            cands.setdefault(o, s)
    for o in title_owners:
        cands.setdefault(o, 0.0)
    for owner, _ in sorted(cands.items(), key=lambda x: (-x[1], x[0])):
        members = members_of(owner)
        if not members:
            continue
        sims = member_sims(index, new, sig, members)
        if rule.joins(new, members, sims):
            return owner, max(sims)
    return None, None


class Grouper:
    """The archive's matching path in memory: `add(records)` -> owner of each record
    (the index of the first record of its group).  Records are dicts with `body` and,
    optionally, `title` and `published_at`; signatures are computed a batch at a time,
    as the archive does for one write batch."""

    def __init__(self, rule: Rule = RULE, num_perm: int = 128, bands: int = 64):
        self.rule = rule
        self.hasher = MinHasher(num_perm)
        self.index = NearDupIndex(num_perm=num_perm, bands=bands, threshold=rule.threshold)
        self.exact: dict[str, list[int]] = {}          # body hash -> owners holding it
        self.titled: dict[str, list[int]] = {}         # title key -> owners holding it
        self.members: dict[int, list[Member]] = {}
        self.owners: list[int] = []

    def add(self, records: Sequence[dict]) -> list[int]:
        norm = [normalise_body(r.get("body")) for r in records]
        sigs, ok = self.hasher.signatures(norm)
        keys = self.index.band_keys(sigs)              # one vectorised call per batch
        out = []
        for j, r in enumerate(records):
            i = len(self.owners)
            h = body_hash(r.get("body"), r.get("title"), normalised=norm[j])
            sig = sigs[j] if ok[j] else None
            new = member(i if ok[j] else None, r.get("title"), r.get("published_at"), h)
            titled = (self.titled.get(new.title_key, [])[-TITLE_CANDIDATES:]
                      if self.rule.titles == "same" and new.title_key else ())
            o, _ = find_article(self.rule, self.index, new, sig, keys[j],
                                self.exact.get(h, ()) if h else (), self.members.__getitem__,
                                titled)
            o = i if o is None else o
            if new.title_key and o not in self.titled.setdefault(new.title_key, []):
                self.titled[new.title_key].append(o)
            self.members.setdefault(o, []).append(new)
            if h and o not in self.exact.setdefault(h, []):
                self.exact[h].append(o)
            if sig is not None:
                self.index.add(i, o, sig, keys=keys[j])
            self.owners.append(o)
            out.append(o)
        return out


def cluster_records(records: Sequence[dict], rule: Rule = RULE, batch: int = 500,
                    stats: dict | None = None, **kw) -> list[int]:
    g = Grouper(rule, **kw)
    for b0 in range(0, len(records), batch):
        g.add(records[b0:b0 + batch])
    if stats is not None:
        stats["index_mb"] = round(g.index.memory_bytes() / 2**20, 1)
    return g.owners


def pair_counts(labels, owners) -> tuple[int, int, int]:
    """(true pairs, found pairs, true positives) of a clustering, without n^2 pairs."""
    lab = np.unique(np.asarray(labels), return_inverse=True)[1]
    own = np.unique(np.asarray(owners), return_inverse=True)[1]

    def pairs(keys):
        _, c = np.unique(keys, return_counts=True, axis=0)
        return int((c * (c - 1) // 2).sum())
    return pairs(lab), pairs(own), pairs(np.stack([lab, own], axis=1))
