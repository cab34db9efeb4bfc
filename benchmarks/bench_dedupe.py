"""Dedupe scaling: N vs 2N synthetic articles through the archive's dedupe path.

Each size runs in a fresh child process (so peak RSS is that size's own): bodies
are generated (not timed), then, in batches of 500 like the pipeline's, timed: the
archive's matching path in memory (`dedupe.grouping.Grouper`): normalise_body, exact
body hash lookup, batched MinHash signatures, NearDupIndex query, the same-article
rule against every copy of each candidate (these records have no title or date, so
R3/R4 are not applied), add.  Precision and recall of the grouping are reported.  About 10% of the articles are repost variants of an earlier one
(another 来源 line, a 转自 note, a dropped paragraph); the rest are unrelated
bodies recombined from a shared pool of sentences.
`time_ratio` = time(2N) / time(N) (must be <= 2.3; also as CPU time, steadier on a
shared machine); `peak_rss_mb` per size.
Run: python benchmarks/bench_dedupe.py [N] [--quick]
"""
from __future__ import annotations

import json
import multiprocessing as mp
import resource
import sys
import time

import numpy as np


def make_bodies(n: int, seed: int = 3) -> tuple[list[str], np.ndarray]:
    """n bodies (~1,000 characters) and their group labels."""
    from portal_crawler.dedupe.synth import Synth
    s = Synth(seed)
    rng = np.random.default_rng(seed)
    pool = [s.sentence(int(k)) for k in rng.integers(8, 20, size=20000)]
    bodies, labels = [], np.arange(n)
    for i in range(n):
        if i > 10 and rng.random() < 0.1:                 # a repost of an earlier one
            j = int(rng.integers(0, i))
            paras = bodies[j].split("\n")
            kind = int(rng.integers(0, 3))
            if kind == 0:
                paras.insert(0, "来源：哈尔滨日报")
            elif kind == 1:
                paras.append("（本文转自黑龙江日报）")
            elif len(paras) > 3:
                del paras[int(rng.integers(1, len(paras)))]
            bodies.append("\n".join(paras))
            labels[i] = labels[j]
            continue
        idx = rng.integers(0, len(pool), size=40)
        bodies.append("\n".join("，".join(pool[k] for k in idx[p:p + 5]) + "。"
                                for p in range(0, 40, 5)))
    return bodies, labels


def dedupe(bodies: list[str], batch: int = 500, stats: dict | None = None) -> list[int]:
    """The archive's path: exact hash, then LSH query, then add (see store.archive)."""
    from portal_crawler.dedupe.synth import cluster
    return cluster(bodies, batch=batch, stats=stats)


def _child(n: int, q) -> None:
    bodies, labels = make_bodies(n)
    r0 = resource.getrusage(resource.RUSAGE_SELF)
    t = time.perf_counter()
    extra: dict = {}
    owners = dedupe(bodies, stats=extra)
    dt = time.perf_counter() - t
    r1 = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
    own, lab = np.asarray(owners), labels
    # Pairwise P/R per group without n^2 pairs: compare partitions by (label, owner) counts.
    def pairs(keys):
        _, c = np.unique(keys, return_counts=True, axis=0)
        return int((c * (c - 1) // 2).sum())
    tp = pairs(np.stack([lab, own], axis=1))
    q.put({"n": n, "seconds": round(dt, 2), "cpu_seconds": round(cpu, 2),
           "us_per_article": round(dt / n * 1e6, 1),
           "precision": round(tp / max(pairs(own), 1), 4),
           "recall": round(tp / max(pairs(lab), 1), 4),
           "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
           "rss_before_dedupe_mb": round(r0.ru_maxrss / 1024), **extra})


def _run(n: int) -> dict:
    ctx = mp.get_context("fork")
    q = ctx.Queue()
    p = ctx.Process(target=_child, args=(n, q))
    p.start()
    res = q.get()
    p.join()
    return res


def main(n: int = 200_000, quick: bool = False) -> dict:
    if quick:
        n = min(n, 20_000)
    one, two = _run(n), _run(2 * n)
    ratio = two["seconds"] / one["seconds"]
    cpu_ratio = two["cpu_seconds"] / one["cpu_seconds"]
    # CPU time is the steadier measure on a shared machine; both must pass.
    return {"N": one, "2N": two, "time_ratio": round(ratio, 3),
            "cpu_time_ratio": round(cpu_ratio, 3), "time_ratio_ok": max(ratio, cpu_ratio) <= 2.3}


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    print(json.dumps(main(int(args[0]) if args else 200_000, quick="--quick" in sys.argv),
                     indent=1, ensure_ascii=False))
