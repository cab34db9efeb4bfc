"""A worker: ``portal_crawler.work(URL)`` (CLI ``worker --redis URL``).

It waits for a coordinator to publish a run, builds the same spider from it (sites and
options come from Redis: a worker needs no sites file and never opens the archive),
fetches, extracts, writes its WARC captures and relays its items until the run ends.
"""
from __future__ import annotations

import json
import time

from portal_crawler.scaleout.node import node_settings
from portal_crawler.scaleout.state import ScaleoutError, SharedRun, connect
from portal_crawler.sites.registry import Site


def _alive(sh: SharedRun, worker_id: str, tick: float) -> bool:
    """The coordinator's heartbeat moves (a config left by a killed coordinator is no run
    to join, even in the seconds its last heartbeat still looks recent)."""
    def beat():
        hb = sh.server.hget(sh.key("workers"), worker_id)
        return json.loads(hb)["t"] if hb else None
    first = beat()
    if first is None:
        return False
    time.sleep(4 * tick)  # a few of its ticks (not on an event loop: before the crawl starts)
    return (beat() or first) > first


def work(redis_url: str, *, prefix: str | None = None, warc_dir: str | None = None, wait: float = 60.0,
         log_level: str = "WARNING", settings: dict | None = None):
    """Join the coordinated crawl at ``redis_url`` as a worker; returns its CrawlResult.

    Waits up to ``wait`` seconds for a coordinator to publish a run. ``warc_dir``: where
    this worker writes its WARC files (default: the archive's WARC folder, as the
    coordinator sees it). Raises ``ScaleoutError`` (one line) for a wrong or unreachable
    URL, or when no run appears.
    """
    from portal_crawler.crawler.run import build_settings
    from portal_crawler.crawler.runner import run_crawler
    from portal_crawler.scaleout.spider import ScaleoutSpider
    server = connect(redis_url)
    base = build_settings("unused.db", settings=settings)
    prefix = prefix or base.get("SCALEOUT_PREFIX")
    deadline = time.monotonic() + wait
    probe = SharedRun(server, prefix, "probe", "worker")
    while (config := probe.config()) is None or not _alive(probe, config["coordinator"],
                                                           base.getfloat("SCALEOUT_TICK")):
        if time.monotonic() > deadline:
            raise ScaleoutError(f"no coordinated crawl at {redis_url} (waited {wait:.0f} s): "
                                f"start `portal-crawler crawl --redis {redis_url}` first")
        time.sleep(0.5)
    sites = [Site(**d) for d in config["sites"]]
    s = build_settings(config["db"], log_level=log_level, settings={**config["settings"], **(settings or {})})
    for k, v in node_settings(s, redis_url, "worker", prefix).items():
        s.set(k, v)
    s.set("PORTAL_LOCK_HELD", True)  # a worker never opens the archive
    s.set("WARC_DIR", str(warc_dir or config["warc_dir"]))
    s.set("SCALEOUT_COORDINATOR", config["coordinator"])  # a worker never outlives it
    known = probe.known([x.key for x in sites])
    files = probe.archive_files()    # the archive's files: none fetched again, re-checked once per run
    return run_crawler(s, ScaleoutSpider, sites, known=known, backfill=config["backfill"],
                       known_files=set(files.get("known_files", ())),
                       known_resources=set(files.get("known_resources", ())),
                       recheck=files.get("recheck"), **config["spider_args"])
