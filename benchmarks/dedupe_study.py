"""Dedup quality on the replica network: pairwise precision and recall of the grouping
against the replica's truth (`group`: reposts and duplicate URLs; templated-series
members are articles of their own), for a grid of rules.

The records are the truth records themselves (what a correct extractor reads: the
end-to-end tests check the extractor yields exactly these), fed in a shuffled order
through the archive's matching path (`dedupe.grouping.Grouper`: exact hash, LSH
candidates, `Rule.joins`).  All 25 sites are served.

Seeds: the rule was chosen on TUNE_SEEDS; TEST_SEEDS (and their series, which are
generated from the seed) were never looked at while choosing it.

    python -m benchmarks.dedupe_study [--seeds 100-107] [--scale bench] [--grid] [--json F]
"""
from __future__ import annotations

import argparse
import json
import random
import time
from dataclasses import replace

TUNE_SEEDS = (1, 2, 3, 4)
TEST_SEEDS = tuple(range(100, 108))
SCALE = "bench"          # 10 channels x 40 articles x 25 sites: 10,000 articles a seed


def records(seed: int, scale=SCALE) -> tuple[list[dict], list]:
    """Truth records of the network in a crawl-like shuffled order, and their labels
    (truth group, or the URL: an article of its own)."""
    from portal_crawler.replica.model import Network
    from portal_crawler.replica.truth import truth
    recs = truth(Network(seed, None, scale))
    random.Random(seed).shuffle(recs)
    return recs, [r["group"] or r["url"] for r in recs]


def score(recs, labels, rule) -> dict:
    from portal_crawler.dedupe.grouping import cluster_records, pair_counts
    owners = cluster_records(recs, rule)
    true, found, tp = pair_counts(labels, owners)
    return {"true": true, "found": found, "tp": tp}


def pooled(parts: list[dict]) -> dict:
    t, f, tp = (sum(p[k] for p in parts) for k in ("true", "found", "tp"))
    return {"precision": round(tp / f, 4) if f else 1.0, "recall": round(tp / t, 4) if t else 1.0,
            "true_pairs": t, "found_pairs": f}


def grid():
    """v1, then threshold x title rule (window off / the chosen one), then the window."""
    from portal_crawler.dedupe.rule import LENIENT, RULE
    yield "v1 (body only, any copy)", LENIENT
    for t in (0.2, 0.3, 0.4, 0.5):
        for titles in ("ignore", "same"):
            for w in (None, RULE.window_days):
                yield None, replace(RULE, threshold=t, titles=titles, window_days=w)
    for w in (1, 3, 14, 30):
        yield None, replace(RULE, window_days=w)
    yield None, replace(RULE, linkage="single")


def row_line(r: dict) -> str:
    w = "any" if r["window_days"] is None else r["window_days"]
    t = "v1" if r["rule"].startswith("v1") else r["threshold"]
    return (f"| {t} | {r['titles']} | {w} | {r['linkage']} | {r['precision']:.4f} | "
            f"{r['recall']:.4f} | {r['found_pairs']} | {r['true_pairs']} |")


def main(seeds=TEST_SEEDS, scale=SCALE, do_grid=False, echo=False) -> dict:
    from portal_crawler.dedupe.rule import RULE
    data = [records(s, scale) for s in seeds]
    rules = list(grid()) if do_grid else [("chosen", RULE)]
    rows = []
    for label, rule in rules:
        t0 = time.perf_counter()
        res = pooled([score(r, lab, rule) for r, lab in data])
        rows.append({"rule": label or rule.name, "threshold": rule.threshold,
                     "titles": rule.titles, "window_days": rule.window_days,
                     "linkage": rule.linkage, **res,
                     "seconds": round(time.perf_counter() - t0, 1)})
        if echo:
            print(row_line(rows[-1]), flush=True)
    return {"seeds": list(seeds), "scale": scale, "rows": rows}


def _seeds(s: str) -> tuple[int, ...]:
    out = []
    for part in s.split(","):
        a, _, b = part.partition("-")
        out += range(int(a), int(b or a) + 1)
    return tuple(out)


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", default="100-107")
    ap.add_argument("--scale", default=SCALE)
    ap.add_argument("--grid", action="store_true")
    ap.add_argument("--json")
    a = ap.parse_args()
    scale = json.loads(a.scale) if a.scale.startswith("{") else a.scale
    res = main(_seeds(a.seeds), scale, a.grid, echo=True)
    if a.json:
        with open(a.json, "w") as f:
            json.dump(res, f, indent=1)
