"""CPU profile of the crawler process, ours and the tuned bare spider, same replica.

``python -m benchmarks.profile_crawl [--sites N] [--scale bench] [--out DIR] [--top 30]``

Each crawl runs in its own child under cProfile; the archive writer is a process of its
own and is not in the crawler's profile (it uses the other core). The figure that
matters is the crawler's CPU per page (user + system, from getrusage), which a shared
machine's load hardly moves, unlike pages/s. Writes ``DIR/{ours,bare}.prof`` (pstats)
and prints the top functions by cumulative and by own time.

``--ratio N --base DIR`` also runs our crawl from another checkout (``DIR``: e.g. ``git
archive main | tar -x -C DIR``) in the same alternation, ``base`` beside ``ours``: a
change's before and after measured in one run, against the same bare spider.
"""
from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import shutil
import tempfile
from pathlib import Path

from benchmarks import bench_crawl, common


def child_profiled(args: dict) -> dict:
    prof = cProfile.Profile() if args.get("prof_out") else None
    if prof:
        prof.enable()
    res = (bench_crawl.child_ours if args.pop("which") == "ours" else bench_crawl.child_bare)(args)
    if prof:
        prof.disable()
        prof.dump_stats(args["prof_out"])
    res["crawler_cpu_s"] = bench_crawl._cpu_s()
    return res


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.profile_crawl")
    ap.add_argument("--sites", type=int, default=5, help="the first N replica sites (default 5)")
    ap.add_argument("--scale", default="bench")
    ap.add_argument("--out", default=tempfile.gettempdir())
    ap.add_argument("--top", type=int, default=30)
    ap.add_argument("--only", choices=("ours", "bare"), default=None)
    ap.add_argument("--base", default=None, metavar="DIR",
                    help="another checkout: its crawl runs too, as 'base', alternated with ours and bare")
    ap.add_argument("--ratio", type=int, default=0, metavar="N",
                    help="no profiler: N alternations of bare and ours; best pages/s and CPU ms/page of each")
    a = ap.parse_args(argv)
    out = Path(a.out)
    work = Path(tempfile.mkdtemp(prefix="profile-crawl-"))
    try:
        with common.replica(7, None, a.scale) as rep:
            keys = list(rep.base_urls)[:a.sites]
        with common.replica(7, keys, a.scale) as rep:
            best: dict[str, dict] = {}
            kinds = ("bare", "base", "ours") if a.base else ("bare", "ours")
            for i, which in enumerate(kinds * max(a.ratio, 1)):
                if a.only and which != a.only:
                    continue
                prof = None if a.ratio else str(out / f"{which}.prof")
                rep.reset_stats()
                if which in ("ours", "base"):
                    args = {"sites_file": str(rep.sites_file(work / "sites.toml")), "keys": keys,
                            "db": str(work / f"ours{i}.db"), "concurrency": bench_crawl.CONCURRENCY,
                            "per_site": bench_crawl.PER_SITE}
                else:
                    args = {"base_urls": {k: rep.base_urls[k] for k in keys}, "concurrency": bench_crawl.CONCURRENCY,
                            "per_site": bench_crawl.PER_SITE, "settings": bench_crawl.TUNING}
                res = common.run_child("benchmarks.profile_crawl:child_profiled",
                                       {**args, "which": "bare" if which == "bare" else "ours", "prof_out": prof},
                                       root=a.base if which == "base" else common.ROOT)
                ms = 1000 * res["crawler_cpu_s"] / max(res["pages"], 1)
                pps = res["pages"] / res["elapsed_s"]
                print(f"== {which}: {res['pages']} pages, {res['elapsed_s']:.1f} s = {pps:.1f} pages/s, crawler CPU "
                      f"{res['crawler_cpu_s']} s = {ms:.2f} ms/page{'' if a.ratio else ' (under cProfile)'}, "
                      f"peak RSS {res.get('root_peak_rss_mb')} MB", flush=True)
                b = best.setdefault(which, {"pps": 0.0, "ms": float("inf")})
                b["pps"], b["ms"] = max(b["pps"], pps), min(b["ms"], ms)
                if a.ratio:
                    continue
                for order in ("cumulative", "tottime"):
                    s = io.StringIO()
                    pstats.Stats(prof, stream=s).strip_dirs().sort_stats(order).print_stats(a.top)
                    print(s.getvalue())
            if a.ratio and "base" in best:
                print(f"best pages/s base/bare {best['base']['pps']:.1f}/{best['bare']['pps']:.1f} = "
                      f"{best['base']['pps'] / best['bare']['pps']:.3f}; best CPU ms/page base {best['base']['ms']:.2f}")
            if a.ratio and "ours" in best and "bare" in best:
                print(f"best pages/s ours/bare {best['ours']['pps']:.1f}/{best['bare']['pps']:.1f} = "
                      f"{best['ours']['pps'] / best['bare']['pps']:.3f}; best CPU ms/page ours/bare "
                      f"{best['ours']['ms']:.2f}/{best['bare']['ms']:.2f} = {best['ours']['ms'] / best['bare']['ms']:.2f}")
    finally:
        shutil.rmtree(work, ignore_errors=True)   # the crawls' archives and WARCs


if __name__ == "__main__":
    main()
