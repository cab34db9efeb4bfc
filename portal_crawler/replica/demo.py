"""The demo as an API: start the replica, crawl five of its sites, check the truth.

``portal-crawler demo`` prints what ``run_demo`` returns; the tests call it too.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from portal_crawler.crawler.run import CrawlResult, crawl
from portal_crawler.replica.oracle import compare_with_truth
from portal_crawler.replica.process import ReplicaProcess
from portal_crawler.store.archive import Archive
from portal_crawler.store.paths import ArchivePaths

DEMO_SITES = ["harbin", "zhejiang", "hubei", "wuhan", "xiamen"]  # GBK, UTF-8, dynamic lists, TRS
# Our own replica on loopback: no need to be slow with it.
DEMO_SETTINGS = {"PACING_ADAPTIVE": False, "CONCURRENT_REQUESTS": 64}


@dataclass
class DemoReport:
    db: Path
    base_urls: dict[str, str]
    result: CrawlResult
    summary: list[dict]        # articles per site and channel
    truth_check: dict          # compare_with_truth(): matched, expected, ok, problems

    @property
    def ok(self) -> bool:
        return bool(self.truth_check["ok"])


def run_demo(db: str | Path = "data/demo.db", *, fresh: bool = True, progress: bool = False,
             seed: int = 7, scale: str = "demo") -> DemoReport:
    db = Path(db)
    _check_replaceable(db)
    if fresh:
        ArchivePaths.of(db).remove()
    db.parent.mkdir(parents=True, exist_ok=True)
    with ReplicaProcess(seed=seed, sites=DEMO_SITES, scale=scale) as rep:
        sites_file = db.with_name(db.stem + "-sites.toml")
        rep.sites_file(sites_file)
        result = crawl(db, DEMO_SITES, sites_file=sites_file, delay=0, concurrency=8, progress=progress,
                       settings=DEMO_SETTINGS)
        truth = rep.truth()
        base_urls = dict(rep.base_urls)
    with Archive.open(db, readonly=True) as ar:
        return DemoReport(db=db, base_urls=base_urls, result=result, summary=ar.site_summary(),
                          truth_check=compare_with_truth(ar, truth))


def _check_replaceable(db: Path) -> None:
    """The demo starts from an empty archive: it removes only an archive (never another
    program's file), only one no crawl is writing, and only where it can write again.
    Raises ``CrawlInputError`` or ``ArchiveLocked`` (one line each) before touching anything."""
    import os
    from portal_crawler.crawler.lock import ArchiveLock
    from portal_crawler.crawler.run import CrawlInputError
    from portal_crawler.store.archive import ArchiveError, check_archive_file
    where = next(p for p in db.absolute().parents if p.exists())   # where the files will be made
    if not os.access(where, os.W_OK):
        raise CrawlInputError(f"cannot write the demo archive {db}: {where} is read-only")
    if db.exists():
        ArchiveLock(db).acquire().release()     # ArchiveLocked: a crawl is writing it
        try:
            check_archive_file(db)
        except ArchiveError as e:
            raise CrawlInputError(str(e)) from None
