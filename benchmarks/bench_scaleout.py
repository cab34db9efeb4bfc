"""Scale-out on one real Redis: pages/s with 1, 2 and 3 fetching processes, politeness
across them, and Redis memory per queued request and per seen fingerprint.

* Throughput (steady state: sends from the first to the last, on the Redis clock, so the
  fixed start-up and drain seconds of a small crawl do not hide the rate): replica sites with no delay and 8 requests in flight per site, so that a
  process is CPU-bound (extraction, WARC, the engine); the coordinator is one fetching
  process, each ``worker`` one more. ``scaleout_speedup_2w`` = pages/s with 2 processes
  / with 1 (this machine has 2 cores, shared).
* Cost of the shared frontier: 1 process on Redis vs the plain single-process crawl
  (whole-run pages/s), and CPU ms per page of all processes (``RUSAGE_CHILDREN``: the
  load of other programs on the machine does not count), the basis of the README's
  capacity plan.
* Politeness: the same crawl with a 0.1 s delay and concurrency 1 per site on 3
  processes. ``scaleout_min_gap_ratio`` = the smallest gap between two sends to one site
  / delay, from the pace book's log (every send booked in Redis on the Redis clock,
  ``PACING_LOG_SENDS``: where the single-process ``polite`` benchmark measures too, at
  send time). Beside it, as the replica saw the requests arrive: the smallest single gap
  (it carries both event loops' jitter) and the smallest mean gap over 10 consecutive
  requests, and each site's rate.
* Memory: ``MEMORY USAGE`` of N article requests encoded by scrapy-redis exactly as the
  crawl queues them, of N dupefilter fingerprints and of N known identity keys.
* Redis restarts: the polite crawl again (3 processes) with Redis stopped and started
  three times (at 1/4, 1/2, 3/4 of its requests). ``scaleout_restart_items_lost`` =
  articles of the truth missing from the archive at the end of THAT run (target 0), and
  URLs stored twice beside it.
* Two hosts (``replica/netns.py``; root only, else "not measured" with the reason):
  coordinator, Redis and replica in one network namespace, two workers in another, a
  0.5 s delay. ``scaleout_hosts_min_gap_ratio`` = the smallest gap between two requests
  to one site as the replica saw them arrive / delay (target >= 0.9).

Without ``redis-server`` nothing here can run: the benchmark says so in the table and
``python -m benchmarks`` exits 1 (benchmarks/README.md: how to install it).
"""
from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

from benchmarks import common

SIZES = {"quick": {"channels": 2, "articles_per_channel": 10}, "full": "tiny"}
POLITE_DELAY = 0.1


def _crawl(rep, url: str | None, work: Path, name: str, processes: int, delay: float, concurrency: int) -> dict:
    """One crawl of every replica site on ``processes`` processes (``url`` None: the plain
    single-process crawl, no Redis); CPU seconds of all its processes per page."""
    import resource
    import subprocess
    from portal_crawler.replica.redis_server import Cluster, cli_cmd
    sites_file = rep.sites_file(work / "sites.toml")
    summary = work / f"{name}.json"
    args = ["crawl", "--sites-file", sites_file, "--db", work / f"{name}.db", "--delay", delay,
            "--concurrency", concurrency, "--no-progress", "--summary-json", summary,
            "--set", "PACING_LOG_SENDS=true", "--set", "PACING_ADAPTIVE=false"]
    for k in rep.base_urls:
        args += ["--site", k]
    rep.reset_stats()
    cpu0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    if url is None:
        p = subprocess.run(cli_cmd(*args), capture_output=True, text=True, timeout=1800)
        rc, err = p.returncode, p.stderr
    else:
        res = Cluster(url, args, workers=processes - 1).wait(timeout=1800)
        rc, err = res["coordinator"][0], res["coordinator"][2]
    if rc != 0:
        raise RuntimeError(f"{name}: exit {rc}: {err[-800:]}")
    cpu1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (cpu1.ru_utime + cpu1.ru_stime) - (cpu0.ru_utime + cpu0.ru_stime)
    s = json.loads(summary.read_text())
    out = {"processes": processes, "redis": url is not None, "requests": s["requests"],
           "elapsed_s": round(s["elapsed"], 2), "pages_per_s": round(s["requests"] / s["elapsed"], 1),
           "cpu_ms_per_page": round(1000 * cpu / s["requests"], 2), "served": rep.stats()["total"]}
    if url is not None:
        from portal_crawler.store import Archive
        with Archive(work / f"{name}.db") as ar:
            workers = json.loads(ar.runs(1)[0]["args"])["workers"]
        out["per_process_requests"] = sorted(w["requests"] for w in workers.values())
        out["lost_processes"] = sum(1 for w in workers.values() if w.get("lost"))
        sends = sorted(t for ts in _send_log(url).values() for t in ts)
        out["steady_pages_per_s"] = round((len(sends) - 1) / (sends[-1] - sends[0]), 1)
    return out


def _send_log(url: str) -> dict[str, list[float]]:
    import redis
    from portal_crawler.scaleout.pacebook import RedisPaceBook
    return RedisPaceBook(redis.Redis.from_url(url), "portal").send_log()


def _gaps(url: str, delay: float) -> dict:
    log = _send_log(url)
    per = {}
    for site, ts in log.items():
        gaps = [b - a for a, b in zip(ts, ts[1:])]
        span = ts[-1] - ts[0] if len(ts) > 1 else None
        per[site] = {"sends": len(ts), "min_gap_s": round(min(gaps), 4) if gaps else None,
                     "rate_per_s": round((len(ts) - 1) / span, 2) if span else None}
    worst = min((v["min_gap_s"] for v in per.values() if v["min_gap_s"] is not None), default=None)
    return {"min_gap_s": worst, "ratio": round(worst / delay, 3) if worst is not None else None,
            "max_rate_per_s": max((v["rate_per_s"] or 0) for v in per.values()), "per_site": per}


def _memory(url: str, rep, n: int) -> dict:
    """Bytes per queued article request, as scrapy-redis encodes it for our spider."""
    import redis
    from scrapy import Request
    from scrapy_redis import picklecompat
    from portal_crawler.crawler.spider import PortalSpider
    from portal_crawler.sites import registry
    from portal_crawler.urls import identity_key
    r = redis.Redis.from_url(url)
    r.flushdb()
    sites = registry.load(rep.sites_file(Path(tempfile.mkdtemp()) / "s.toml")).select(list(rep.base_urls))
    spider = PortalSpider(sites=sites)
    site = sites[0]
    before = int(r.info("memory")["used_memory"])
    pipe = r.pipeline(transaction=False)
    for i in range(n):
        # an article request as the spider makes it (crawler/spider.py `_req`)
        req = Request(f"{site.base_url}a/xinwendongtai/2024/{i % 1231:04d}/{100000 + i}.html",
                      callback=spider.parse_article, errback=spider.on_error,
                      meta={"site": site.key, "download_slot": site.key, "clicks": i,
                            "list_date": "2024-05-01", "refresh": False, "key": f"{site.netloc}/aid:{100000 + i}"})
        pipe.execute_command("ZADD", "bench:requests", 0, picklecompat.dumps(req.to_dict(spider=spider)))
        pipe.sadd("bench:dupefilter", f"{i:040x}")
        pipe.sadd("bench:known", identity_key(req.url))
    pipe.execute()
    after = int(r.info("memory")["used_memory"])
    q = int(r.memory_usage("bench:requests", samples=0))
    d = int(r.memory_usage("bench:dupefilter", samples=0))
    k = int(r.memory_usage("bench:known", samples=0))
    r.flushdb()
    return {"requests": n, "bytes_per_queued_request": round(q / n), "bytes_per_fingerprint": round(d / n),
            "bytes_per_known_key": round(k / n),
            "used_memory_delta_per_request": round((after - before) / n)}


HOSTS_DELAY = 0.5
HOSTS_SITES = ["harbin", "zhejiang", "wuhan", "xiamen"]


def _restarts(rep, srv, work: Path, requests: int) -> dict:
    """The polite crawl with Redis restarted three times while it runs; what it lost."""
    import sqlite3
    import time
    from portal_crawler.replica.oracle import compare_with_truth
    from portal_crawler.replica.redis_server import Cluster
    from portal_crawler.store import Archive
    db = work / "restarts.db"
    args = ["crawl", "--sites-file", rep.sites_file(work / "sites.toml"), "--db", db, "--delay", POLITE_DELAY,
            "--concurrency", 1, "--no-progress"]
    for k in rep.base_urls:
        args += ["--site", k]
    rep.reset_stats()
    cluster = Cluster(srv.url, args, workers=2)
    at = []
    for n in (requests // 4, requests // 2, 3 * requests // 4):
        while rep.stats()["total"] < n and cluster.coordinator.poll() is None:
            time.sleep(0.05)
        at.append(rep.stats()["total"])
        srv.restart(down=0.5)
    res = cluster.wait(timeout=1800)
    if res["coordinator"][0] != 0:
        raise RuntimeError(f"restarts: coordinator exit {res['coordinator'][0]}: {res['coordinator'][2][-800:]}")
    with Archive(db) as ar:
        report = compare_with_truth(ar, rep.truth())
    con = sqlite3.connect(db)
    twice = con.execute("SELECT COUNT(*) FROM (SELECT url FROM article_urls GROUP BY url HAVING COUNT(*) > 1)"
                        ).fetchone()[0]
    con.close()
    return {"restarts_at_requests": at, "requests": rep.stats()["total"], "expected": report["expected"],
            "items_lost": report["expected"] - report["matched"], "urls_stored_twice": twice,
            "problems": report["problems"][:5]}


def _two_hosts(work: Path, quick: bool) -> dict:
    from portal_crawler.replica import netns
    why = netns.why_not()
    if why is not None:
        return {"not_measured": why}
    got = netns.crawl_on_two_hosts(work, HOSTS_SITES, SIZES["quick"], HOSTS_DELAY, workers=2)
    if got["coordinator"][0] != 0:
        raise RuntimeError(f"two hosts: coordinator exit {got['coordinator'][0]}: {got['coordinator'][2][-800:]}")
    gaps = netns.min_arrival_gap(got["arrivals"])
    worst = min(gaps.values())
    return {"delay_s": HOSTS_DELAY, "sites": len(gaps), "min_gap_s": round(worst, 4),
            "ratio": round(worst / HOSTS_DELAY, 3), "per_site_min_gap_s": {k: round(v, 4) for k, v in gaps.items()},
            "requests": sum(len(v) for v in got["arrivals"].values())}


def run(quick: bool) -> dict:
    from portal_crawler.replica.redis_server import RedisServer
    if not RedisServer.available():
        raise RuntimeError("redis-server is not installed: scale-out not measured "
                           "(apt-get install redis-server; benchmarks/README.md)")
    scale = SIZES["quick" if quick else "full"]
    work = Path(tempfile.mkdtemp(prefix="bench-scaleout-"))
    try:
        with RedisServer(work / "redis") as srv, common.replica(7, None if not quick else
                                                                  ["harbin", "zhejiang", "wuhan", "xiamen", "hunan", "yunnan"], scale) as rep:
            plain = _crawl(rep, None, work, "plain", 1, 0, 8)
            runs = [_crawl(rep, srv.url, work, f"fast{n}", n, 0, 8) for n in (1, 2, 3)]
            polite = _crawl(rep, srv.url, work, "polite", 3, POLITE_DELAY, 1)
            gaps = _gaps(srv.url, POLITE_DELAY)
            arrivals = [ts for ts in rep.stats(paths=True)["arrivals"].values() if len(ts) > 10]
            seen = min(min(b - a for a, b in zip(ts, ts[1:])) for ts in arrivals)
            seen10 = min(min(ts[i + 9] - ts[i] for i in range(len(ts) - 9)) for ts in arrivals) / 9
            mem = _memory(srv.url, rep, 2000 if quick else 20000)
            restarts = _restarts(rep, srv, work, polite["served"])
            sites = len(rep.base_urls)
        hosts = _two_hosts(work / "hosts", quick)
        one = runs[0]["steady_pages_per_s"]
        return {
            "scaleout_speedup_2w": common.ratio(runs[1]["steady_pages_per_s"], one),
            "scaleout_speedup_3w": common.ratio(runs[2]["steady_pages_per_s"], one),
            "scaleout_min_gap_ratio": gaps["ratio"],
            "scaleout_restart_items_lost": restarts["items_lost"],
            "scaleout_hosts_min_gap_ratio": hosts.get("ratio"),
            # the cost of the shared frontier: 1 process on Redis vs the plain crawl
            "scaleout_1w_vs_plain": common.ratio(runs[0]["pages_per_s"], plain["pages_per_s"]),
            "scaleout_detail": {"sites": sites, "scale": scale, "plain": plain, "runs": runs,
                                "polite": {**polite, "delay_s": POLITE_DELAY, **gaps,
                                           "server_min_gap_s": round(seen, 4),
                                           "server_min_mean_gap_of_10_s": round(seen10, 4)},
                                "redis_memory": mem, "restarts": restarts, "two_hosts": hosts}}
    finally:
        shutil.rmtree(work, ignore_errors=True)
