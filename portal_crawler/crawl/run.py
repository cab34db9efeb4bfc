"""Run one crawl in this process: settings from the registry, the lock, the spider."""
from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from portal_crawler.crawl import settings as default_settings
from portal_crawler.crawl.lock import ArchiveLock
from portal_crawler.sites.registry import Site
from portal_crawler.store import Archive, ArchiveError
from portal_crawler.store.schema import describe
from portal_crawler.crawl.spider import PortalSpider


def build_settings(archive: str | Path, sites: list[Site], *, resume: bool = False, progress: bool = False,
                   contact: str | None = None, overrides: dict | None = None) -> Settings:
    from portal_crawler.sites.schema import check_settings
    for site in sites:  # sites built in code, not read from a file, are checked here
        check_settings(f"site {site.key!r} settings", site.settings)
    s = Settings()
    s.setmodule(default_settings, priority="project")
    s.set("ARCHIVE_PATH", str(archive))
    s.set("PROGRESS_ENABLED", progress)
    contact = contact or os.environ.get("PORTAL_CRAWLER_CONTACT")
    if contact:
        s.set("USER_AGENT", f"portal-crawler/0.1 (+{contact})")
    # Per-site politeness: each site is its own download slot.
    s.set("DOWNLOAD_SLOTS", {
        site.key: {"concurrency": int(site.setting("concurrency", s.getint("CONCURRENT_REQUESTS_PER_DOMAIN"))),
                   "delay": float(site.setting("download_delay", s.getfloat("DOWNLOAD_DELAY"))),
                   "randomize_delay": bool(site.setting("randomize_delay", True))}
        for site in sites})
    # AutoThrottle never goes below the global DOWNLOAD_DELAY, so make that the smallest
    # site delay; each site's own floor is enforced by throttle.SiteAutoThrottle.
    if sites:
        s.set("DOWNLOAD_DELAY", min(v["delay"] for v in s.getdict("DOWNLOAD_SLOTS").values()))
    if os.environ.get("PORTAL_CRAWLER_RETRY_BACKOFF"):  # tests shorten the backoff base
        s.set("RETRY_BACKOFF_BASE", float(os.environ["PORTAL_CRAWLER_RETRY_BACKOFF"]))
    if resume:
        s.set("JOBDIR", str(job_dir(archive)))
    for k, v in (overrides or {}).items():
        s.set(k, v)
    return s


def job_dir(archive: str | Path) -> Path:
    p = Path(archive)
    return p.with_name(p.stem + ".job")


def crawl(archive: str | Path, sites: list[Site], *, known: dict | None = None, settings: Settings,
          **spider_args) -> dict:
    """Crawl ``sites`` into ``archive``; returns Scrapy's final stats.

    Raises ArchiveLocked (another crawl holds the archive), ArchiveError (the archive
    cannot be opened) or OSError (the location is not writable) before any request.
    ``portal/failed`` lists the requests that failed after their retries
    ([{site, url, error}]). If the archive writer fails during the crawl, the stats hold
    ``archive/writer_error`` (its one-line reason) and the finish reason is
    ``archive_error``."""
    with ArchiveLock(archive):
        # Opened here first so that an unusable archive (not a database, corrupt,
        # read-only) is an ArchiveError before any request is made.
        try:
            with Archive(archive) as ar:
                if known is None:
                    known = {s.key: ar.known_keys(site=s.key) for s in sites}
                refetch = {s.key: ar.refetch_urls(site=s.key) for s in sites}
                retry = {s.key: ar.retry_requests(s.key) for s in sites}
                # After a run that did not finish (killed, writer failure, shutdown), the
                # incremental walk would stop at pages the lost run had half archived:
                # walk every list page again, as --resume does.
                if not spider_args.get("full_lists") and ar.last_run_unfinished([s.key for s in sites]):
                    spider_args["full_lists"] = True
        except sqlite3.Error as e:
            raise ArchiveError(describe(archive, e)) from None
        process = CrawlerProcess(settings, install_root_handler=True)
        crawler = process.create_crawler(PortalSpider)
        process.crawl(crawler, sites=sites, known=known, refetch=refetch, retry=retry, **spider_args)
        process.start()
        stats = dict(crawler.stats.get_stats())
        stats["portal/failed"] = list(getattr(crawler.spider, "failed", []))
        if stats.get("archive/writer_error") and stats.get("archive/run_id"):
            _record_failed_run(archive, stats, sites, crawler.spider, settings)
        return stats


def _record_failed_run(archive, stats: dict, sites: list[Site], spider, settings: Settings) -> None:
    """The writer could not finish the run's row: try once more from here, so that
    ``crawl_runs`` says the run ended with ``archive_error`` (impossible on a full disk
    or while another program keeps its write lock; then the row stays unfinished)."""
    from portal_crawler.crawl.pipelines import run_stats
    summary = run_stats(stats, [s.key for s in sites])
    summary["failed"] = stats["portal/failed"]
    try:
        with Archive(archive, busy_timeout=settings.getfloat("ARCHIVE_BUSY_TIMEOUT", 10.0)) as ar:
            ar.finish_run(stats["archive/run_id"], summary, "archive_error")
    except (ArchiveError, sqlite3.Error):
        pass
