"""Peak RSS of the archive writer process at two archive sizes (issue #19: 100k / 10k <= 1.2).

A writer-only measurement: the real writer process (`pipelines.writer.writer_main`,
started as the pipeline starts it) is fed, in ARCHIVE_BATCH_SIZE batches, the records a
crawl of the replica gives it: the replica network's truth records (series, reposts and
their copies, as served; crawl-like shuffled order) with capture fields added. The
feeder is the measured child's root; the writer is its descendant named WRITER_NAME, sampled
from /proc (`common.TreeMemory`), so the crawl's own cost (Scrapy, 30+ minutes for
100k articles on a shared machine) is not paid to measure the writer. The crawler's
peak RSS is `bench_crawl`'s rows.
Run: python -m benchmarks.bench_writer [--quick]
"""
from __future__ import annotations

import json
import os
import random
import tempfile
import time
from pathlib import Path

from benchmarks import common
from portal_crawler.crawler.pipelines.writer import WRITER_NAME

# (articles, replica scale): the replica has 25 sites of `channels` x `articles_per_channel`
SIZES = {"quick": [(500, {"channels": 1, "articles_per_channel": 20}),   # the smoke run
                   (2_000, {"channels": 2, "articles_per_channel": 40})],
         "full": [(10_000, "bench"),
                  (100_000, {"channels": 10, "articles_per_channel": 400})]}
_TRUTH_ONLY = ("aid", "alt_urls", "edited_epoch", "epoch_added", "group", "origin", "series")


def feed(args: dict) -> dict:
    """Child target: start a writer on a fresh archive, send it the replica's records,
    finish the run; returns counts and timings (run_child adds the memory figures)."""
    from portal_crawler.crawler.pipelines.writer import TERM_GRACE, WRITER_NAME, writer_main
    from portal_crawler.crawler.settings import ARCHIVE_BATCH_SIZE
    from portal_crawler.replica.model import Network
    from portal_crawler.replica.truth import truth
    from portal_crawler.spawn import CTX, start_process
    recs = truth(Network(args["seed"], None, args["scale"]))
    random.Random(args["seed"]).shuffle(recs)           # a crawl's interleaving of sites
    sites = sorted({r["site"] for r in recs})
    with tempfile.TemporaryDirectory(prefix="bench-writer-") as d:
        path = str(Path(d) / "a.db")
        inbox, outbox = CTX.Queue(), CTX.Queue()
        proc = start_process(writer_main, name=WRITER_NAME,
                             args=(path, sites, {}, inbox, outbox, os.getpid(), None, TERM_GRACE, 0.0))
        assert outbox.get(timeout=120)[0] == "opened"
        t0, counts, sent = time.monotonic(), {}, 0
        for b in range(0, len(recs), ARCHIVE_BATCH_SIZE):
            batch = []
            for i, r in enumerate(recs[b:b + ARCHIVE_BATCH_SIZE], b):
                it = {k: v for k, v in r.items() if k not in _TRUTH_ONLY}
                it.update(warc_file="crawl-0001.warc.gz", warc_offset=i * 4096,
                          warc_refs=[["crawl-0001.warc.gz", i * 4096]],
                          fetched_at="2026-12-07T00:00:00+00:00")
                batch.append(it)
            inbox.put(("write", batch))
            sent += 1
            # At most two batches in flight, as a crawl at full speed keeps it busy.
            while sent > 2:
                msg = outbox.get(timeout=600)
                if msg[0] != "counts":
                    raise RuntimeError(f"writer said {msg!r}")
                sent -= 1
                for _, c in msg[1]:
                    for k, v in c.items():
                        counts[k] = counts.get(k, 0) + v
        inbox.put(("finish", {}, "finished"))
        while (msg := outbox.get(timeout=600))[0] != "finished":
            if msg[0] != "counts":
                raise RuntimeError(f"writer said {msg!r}")
            for _, c in msg[1]:
                for k, v in c.items():
                    counts[k] = counts.get(k, 0) + v
        wall = time.monotonic() - t0
        proc.join(60)
        db_mb = sum(p.stat().st_size for p in Path(d).glob("a.db*")) / 2**20
    return {"articles": len(recs), "counts": counts, "write_s": round(wall, 1),
            "archive_mb": round(db_mb, 1)}


def run(quick: bool) -> dict:
    points = []
    for n, scale in SIZES["quick" if quick else "full"]:
        r = common.run_child("benchmarks.bench_writer:feed", {"seed": 7, "scale": scale})
        points.append({"articles": r["articles"], "writer_peak_rss_mb": r["peak_rss_mb_by_name"].get(WRITER_NAME),
                       "feeder_peak_rss_mb": r["root_peak_rss_mb"], "write_s": r["write_s"],
                       "archive_mb": r["archive_mb"], "counts": r["counts"]})
    lo, hi = points
    return {"writer_only_rss_growth_ratio": common.ratio(hi["writer_peak_rss_mb"], lo["writer_peak_rss_mb"]),
            "writer_only_detail": points}


if __name__ == "__main__":
    import sys
    print(json.dumps(run("--quick" in sys.argv), indent=2))
