"""Run one crawl in this process: settings from the registry, the lock, the spider."""
from __future__ import annotations

import os
from pathlib import Path

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from portal_crawler.crawl import settings as default_settings
from portal_crawler.crawl.limits import site_limits
from portal_crawler.crawl.lock import ArchiveLock
from portal_crawler.sites.registry import Site
from portal_crawler.crawl.spider import PortalSpider


def build_settings(archive: str | Path, sites: list[Site], *, resume: bool = False, progress: bool = False,
                   contact: str | None = None, overrides: dict | None = None) -> Settings:
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
    for site in sites:  # a bad limit in a sites file fails here, before anything starts
        site_limits(site, s)
    return s


def job_dir(archive: str | Path) -> Path:
    p = Path(archive)
    return p.with_name(p.stem + ".job")


def crawl(archive: str | Path, sites: list[Site], *, known: dict | None = None, settings: Settings,
          **spider_args) -> dict:
    """Crawl ``sites`` into ``archive``; returns Scrapy's final stats."""
    with ArchiveLock(archive):
        from portal_crawler.store import Archive
        with Archive(archive) as ar:
            if known is None:
                known = {s.key: ar.known_keys(site=s.key) for s in sites}
            frontier = [r for s in sites for r in ar.frontier(site=s.key)]   # backfill state
        process = CrawlerProcess(settings, install_root_handler=True)
        crawler = process.create_crawler(PortalSpider)
        process.crawl(crawler, sites=sites, known=known, frontier=frontier, **spider_args)
        process.start()
        return crawler.stats.get_stats()
