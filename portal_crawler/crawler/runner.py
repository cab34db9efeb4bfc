"""One Scrapy crawl in this process -> ``CrawlResult``.

``run_crawler`` is the one place a Scrapy process is built and run: the single-process
crawl (``crawler/run.py``) and scale-out workers both call it.
"""
from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field

from scrapy.settings import Settings

from portal_crawler.crawler.exitcodes import ExitCode
from portal_crawler.crawler.limits import nothing_to_crawl, run_warnings
from portal_crawler.crawler.stopping import Stopper
from portal_crawler.crawler.stats import (CHANNEL_FILTER, COUNTS, FAILED, FINDINGS, REQUESTS, RUN_ID,
                                          WRITER_ERROR, archive_count, error_count, run_stats, site_key)

__all__ = ["CrawlResult", "run_crawler"]



@dataclass
class CrawlResult:
    """What one crawl did. ``exit_code`` is what the CLI exits with."""
    exit_code: int
    finish_reason: str
    elapsed: float
    sites: list[str]
    run_id: int | None
    requests: int
    articles: dict = field(default_factory=dict)   # new / updated / unchanged / duplicate
    errors: int = 0
    failed: list = field(default_factory=list)     # [{site, url, kind, error}]: failed after retries
    archive_error: str | None = None               # why the archive could not be written (exit 6)
    warnings: list = field(default_factory=list)   # limit hits, sites with nothing to crawl
    findings: list = field(default_factory=list)   # monitor findings [{kind, site, message, ...}] (exit 7)
    stats: dict = field(default_factory=dict, repr=False)   # Scrapy's final stats

    @property
    def ok(self) -> bool:
        return self.exit_code == ExitCode.OK

    def summary(self) -> dict:
        """A JSON-ready summary (``crawl --summary-json``): no Scrapy internals."""
        d = asdict(self)
        d.pop("stats")
        d["pages_per_s"] = round(self.requests / self.elapsed, 1) if self.elapsed else None
        d["per_site"] = {s: {k.split("/", 2)[2]: v for k, v in self.stats.items()
                             if k.startswith(site_key(s)) and isinstance(v, (int, float))}
                         for s in self.sites}
        return d

    @classmethod
    def from_stats(cls, stats: dict, sites: list[str], elapsed: float) -> "CrawlResult":
        reason = stats.get("finish_reason", "finished")
        # A callback that raised lost whatever that page held: an error, never hidden.
        errors = error_count(stats)
        per_site = run_stats(stats, list(sites))["per_site"]
        empty = nothing_to_crawl(per_site, stats.get(CHANNEL_FILTER))
        archive_error = stats.get(WRITER_ERROR)
        if archive_error:
            code = ExitCode.ARCHIVE
        elif reason != "finished":
            code = ExitCode.UNFINISHED
        elif stats.get(FINDINGS):
            code = ExitCode.FINDINGS
        elif errors:
            code = ExitCode.ERRORS
        elif empty:
            code = ExitCode.NOTHING
        else:
            code = ExitCode.OK
        return cls(exit_code=int(code), finish_reason=reason, elapsed=elapsed, sites=list(sites),
                   run_id=stats.get(RUN_ID), requests=int(stats.get(REQUESTS, 0)),
                   articles={k: int(stats.get(archive_count(k), 0)) for k in COUNTS}, errors=errors,
                   failed=list(stats.get(FAILED, [])), archive_error=archive_error,
                   warnings=run_warnings(per_site) + empty, findings=list(stats.get(FINDINGS, [])),
                   stats=stats)


def run_crawler(settings: Settings, spider_cls, sites: list, **spider_kwargs) -> CrawlResult:
    """Run one crawl of ``spider_cls`` in this process and return what it did.

    ``settings``: complete Scrapy settings (``build_settings`` plus the caller's own);
    ``spider_cls``: the spider class (or its dotted path); ``sites``: the ``Site``
    objects to crawl; ``spider_kwargs``: the spider's other arguments (``known``,
    ``backfill``, ``channels``, ...). Blocks until the crawl ends: finished, stopped
    by a signal or a limit, or by the archive failing. Starts Twisted's reactor, which
    runs once per process (``crawl()`` runs a second crawl in a child process).

    SIGINT and SIGTERM are handled by ``stopping.Stopper`` (not Scrapy's handlers) while
    the crawl runs: the first stops it gracefully within ``STOP_TIMEOUT``, a second at
    once; exit code ``ExitCode.UNFINISHED``.
    """
    from scrapy.crawler import CrawlerProcess
    from scrapy.utils.log import configure_logging
    from scrapy.utils.misc import load_object

    if isinstance(spider_cls, str):
        spider_cls = load_object(spider_cls)
    started = time.monotonic()
    configure_logging(settings)
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(spider_cls)
    stopper = Stopper(process, crawler, int(ExitCode.UNFINISHED))
    try:
        process.crawl(crawler, sites=sites, **spider_kwargs)   # installs the reactor
        stopper.install()
        process.start(install_signal_handlers=False)
    finally:
        stopper.uninstall()
    stats = dict(crawler.stats.get_stats())
    stats[FAILED] = list(getattr(crawler.spider, "failed", []))
    return CrawlResult.from_stats(stats, [s.key for s in sites], time.monotonic() - started)
