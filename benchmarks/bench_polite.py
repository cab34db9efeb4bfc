"""Politeness at scale: 25 replica sites, each with its own delay (0.05-0.2 s) and
concurrency 1, crawled in one process. Wall time over the slowest site crawled alone
with the same settings; and the smallest gap between two requests to one site.

Gaps are taken where a request is handed to Scrapy's HTTP handler, i.e. at send time
after our pacing (crawler/downloader/pacing.py), from a thin wrapper around that handler; robots.txt
counts too. Adaptive delay is off so the configured delays are the ones under test.
`polite_min_gap_ratio`: the smallest gap between two sends to one site over its delay.
"""
from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler

from benchmarks import common

SIZES = {"quick": {"channels": 2, "articles_per_channel": 8}, "full": "demo"}
LO, HI = 0.05, 0.2
SENT: list[tuple[str, float, str]] = []  # (netloc, monotonic time, path) per request sent


class TimedHandler(HTTP11DownloadHandler):
    async def download_request(self, request):
        u = urlsplit(request.url)
        SENT.append((u.netloc, time.monotonic(), u.path + (f"?{u.query}" if u.query else "")))
        return await super().download_request(request)


def delays(keys: list[str]) -> dict[str, float]:
    n = max(1, len(keys) - 1)
    return {k: round(LO + (HI - LO) * i / n, 3) for i, k in enumerate(sorted(keys))}


def child(args: dict) -> dict:
    from portal_crawler import crawl
    sites = common.load_sites(args["sites_file"], args["keys"], concurrency=1, randomize_delay=False)
    for s in sites:
        s.settings["download_delay"] = args["delays"][s.key]
    t0 = time.monotonic()
    st = crawl(args["db"], sites, settings={"PACING_ADAPTIVE": False,
                                            "PACING_INNER_HANDLER": "benchmarks.bench_polite.TimedHandler"}).stats
    elapsed = time.monotonic() - t0
    by_site: dict[str, list[tuple[float, str]]] = {}
    key_of = {s.netloc: s.key for s in sites}
    for netloc, t, path in SENT:
        by_site.setdefault(key_of.get(netloc, netloc), []).append((t, path))
    per_site = {}
    for k, ts in by_site.items():
        gaps = sorted((b[0] - a[0], a[1], b[1]) for a, b in zip(ts, ts[1:]))
        pages = [g[0] for g in gaps if g[1] != "/robots.txt"]
        per_site[k] = {"requests": len(ts), "min_gap_s": round(gaps[0][0], 4) if gaps else None,
                       "min_gap_excl_robots_s": round(pages[0], 4) if pages else None,
                       "min_gap_between": gaps[0][1:] if gaps else None,
                       "gaps_below_delay": [(round(g[0], 4), g[1], g[2]) for g in gaps
                                            if g[0] < args["delays"][k] - 0.001][:5],
                       "first_s": round(ts[0][0] - t0, 3), "last_s": round(ts[-1][0] - t0, 3)}
    return {"elapsed_s": elapsed, "requests": st.get("downloader/request_count", 0), "per_site": per_site}


def _crawl(rep, keys, d, work: Path, name: str) -> dict:
    sites_file = rep.sites_file(work / f"{name}-sites.toml")
    rep.reset_stats()
    res = common.run_child("benchmarks.bench_polite:child",
                           {"sites_file": str(sites_file), "keys": keys, "db": str(work / f"{name}.db"),
                            "delays": {k: d[k] for k in keys}})
    res["replica"] = rep.stats()["sites"]
    return res


def run(quick: bool) -> dict:
    scale = SIZES["quick" if quick else "full"]
    work = Path(tempfile.mkdtemp(prefix="bench-polite-"))
    try:
        with common.replica(7, None, scale) as rep:
            keys = list(rep.base_urls)
            d = delays(keys)
            together = _crawl(rep, keys, d, work, "all")
            # the slowest site alone: most (requests - 1) x delay in the joint run
            est = {k: (v["requests"] - 1) * d[k] for k, v in together["per_site"].items() if k in d}
            slow = max(est, key=est.get)
            alone = _crawl(rep, [slow], d, work, "alone")
        gaps = {k: v["min_gap_s"] for k, v in together["per_site"].items() if k in d}
        ratios = {k: round(g / d[k], 3) for k, g in gaps.items() if g is not None}
        worst = min(ratios, key=ratios.get) if ratios else None
        excl = [v["min_gap_excl_robots_s"] / d[k] for k, v in together["per_site"].items()
                if k in d and v.get("min_gap_excl_robots_s") is not None]
        return {
            "polite_wall_ratio": common.ratio(together["elapsed_s"], alone["elapsed_s"]),
            "polite_min_gap_ratio": ratios.get(worst) if worst else None,
            "polite_detail": {
                "sites": len(keys), "scale": scale, "delay_range_s": [LO, HI],
                "wall_together_s": round(together["elapsed_s"], 2), "slowest_site": slow,
                "slowest_delay_s": d[slow], "wall_alone_s": round(alone["elapsed_s"], 2),
                "requests_together": together["requests"], "requests_alone": alone["requests"],
                "min_gap_over_delay": ratios.get(worst) if worst else None, "min_gap_site": worst,
                "min_gap_over_delay_excl_robots": round(min(excl), 3) if excl else None,
                "per_site": {k: {"delay_s": d[k], **together["per_site"][k]} for k in sorted(together["per_site"])
                             if k in d},
                "replica_requests_per_site": {k: sum(v.values()) for k, v in together["replica"].items()}}}
    finally:
        shutil.rmtree(work, ignore_errors=True)
