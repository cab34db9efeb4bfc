"""Article extraction for the spider: in the crawler's process, or in a worker
process once extraction is what holds the crawl back.

Extracting an article is ~1 ms of Python (extract/). Everything else in the crawler
(Scrapy, discovery, WARC) runs on the reactor's one core, so at no delay extraction
is about a quarter of the crawl's time while a second core sits idle. A worker
process takes it there; the reactor only ships the page bytes and gets the record.

``EXTRACT_PROCESSES`` (a Scrapy setting, ``--set``):

- ``0``: always in the crawler's process;
- ``N``: N worker processes from the start;
- ``auto`` (default): in the crawler's process, and one worker once extraction took
  more than ``AUTO_SHARE`` of the wall time over ``AUTO_WINDOW`` articles on a machine
  with two or more cores. A polite crawl (a second between requests) never gets
  there, so it never pays for the extra process.

A worker that dies (killed, out of memory) costs nothing: the page is extracted in
the crawler's process, which goes on without workers (logged once).
"""
from __future__ import annotations

import asyncio
import logging
import os
import signal
import time
from concurrent.futures.process import BrokenProcessPool
from dataclasses import replace

from scrapy import signals

from portal_crawler.extract import PageResult, extract_page

logger = logging.getLogger(__name__)

AUTO_WINDOW = 200     # articles per decision
AUTO_SHARE = 0.2      # extraction's share of the wall time that starts a worker

_SITES: dict = {}     # in a worker: the crawl's sites, by key (sent once, not per page)


def _worker_init(sites: dict) -> None:
    # Ctrl-C reaches the whole process group; the crawl shuts down gracefully and
    # closes the pool itself, so the worker must not die on it first.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _SITES.update(sites)


def _extract(body: bytes, url: str, content_type: str | None, site) -> PageResult:
    # The decoded page is not needed after extraction: not kept, not sent back.
    return replace(extract_page(body, url, content_type, site), text="")


def _work(body: bytes, url: str, content_type: str | None, site_key: str) -> PageResult:
    return _extract(body, url, content_type, _SITES.get(site_key))


def processes_setting(value) -> int | None:
    """``EXTRACT_PROCESSES`` -> a number of processes, or None for ``auto``."""
    if value is None or str(value).strip().lower() == "auto":
        return None
    try:
        n = int(value)
    except (TypeError, ValueError):
        raise ValueError(f"EXTRACT_PROCESSES must be 'auto' or a number >= 0, not {value!r}") from None
    if n < 0:
        raise ValueError(f"EXTRACT_PROCESSES must be 'auto' or a number >= 0, not {value!r}")
    return n


class Extractor:
    """``await extractor.extract(response_body, url, content_type, site)`` -> PageResult."""

    def __init__(self, sites: dict, processes: int | None, cpu_count: int | None = None, crawler=None):
        self.sites, self.crawler, self.processes = sites, crawler, processes
        self.auto = processes is None and (cpu_count or os.cpu_count() or 1) >= 2
        self.pool = None
        self._window_start = None
        self._window_busy = 0.0
        self._window_n = 0

    @classmethod
    def from_crawler(cls, crawler, sites: dict) -> "Extractor":
        ex = cls(sites, processes_setting(crawler.settings.get("EXTRACT_PROCESSES", "auto")), crawler=crawler)
        crawler.signals.connect(ex.open, signal=signals.spider_opened)
        crawler.signals.connect(ex.close, signal=signals.spider_closed)
        return ex

    def open(self) -> None:
        if self.processes:
            self._start(self.processes)

    def _inc(self, key: str, n: int = 1) -> None:
        if self.crawler is not None:
            self.crawler.stats.inc_value(key, n)

    def _start(self, n: int) -> None:
        from portal_crawler.spawn import process_pool
        try:
            self.pool = process_pool(n, _worker_init, (self.sites,))
        except OSError as e:  # no processes left (ulimit): extraction stays here
            logger.warning("extraction stays in the crawler's process: cannot start a worker (%s)", e)
            self.pool = None
            return
        logger.info("extraction moved to %d worker process(es)", n)
        if self.crawler is not None:
            self.crawler.stats.set_value("extract/processes", n)

    async def extract(self, body: bytes, url: str, content_type: str | None, site) -> PageResult:
        if self.pool is not None:
            try:
                res = await asyncio.wrap_future(self.pool.submit(_work, body, url, content_type, site.key))
                self._inc("extract/worker_pages")
                return res
            except (BrokenProcessPool, RuntimeError) as e:
                logger.warning("extraction worker lost (%s): extracting in the crawler's process from now on",
                               type(e).__name__)
                self.close()
                self.auto = False
        t0 = time.perf_counter()
        res = _extract(body, url, content_type, site)
        if self.auto:
            self._observe(t0, time.perf_counter())
        return res

    def _observe(self, t0: float, t1: float) -> None:
        """The ``auto`` rule: a worker once extraction holds the crawl back."""
        if self._window_start is None:
            self._window_start = t0
        self._window_busy += t1 - t0
        self._window_n += 1
        if self._window_n < AUTO_WINDOW:
            return
        share = self._window_busy / max(t1 - self._window_start, 1e-9)
        self._window_start, self._window_busy, self._window_n = t1, 0.0, 0
        if share > AUTO_SHARE:
            logger.info("extraction took %.0f%% of the crawl's time over %d articles", share * 100, AUTO_WINDOW)
            self.auto = False
            self._start(1)

    def close(self) -> None:
        if self.pool is not None:
            pool, self.pool = self.pool, None
            pool.shutdown(wait=True, cancel_futures=True)
