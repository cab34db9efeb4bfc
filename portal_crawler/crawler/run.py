"""The crawl API: ``portal_crawler.crawl(db, sites, **options) -> CrawlResult``.

Everything that starts a crawl goes through ``crawl()``: the CLI's ``crawl`` and
``demo``, the benchmarks and the tests. ``scrapy crawl portal -a sites=... -s
PORTAL_DB=...`` reaches the same spider and components through Scrapy's own runner;
per-site settings are applied by the spider (``PortalSpider.from_crawler``) in both.
"""
from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Iterable

from scrapy.settings import Settings

from portal_crawler.crawler import settings as default_settings
from portal_crawler.crawler.lock import ArchiveLock, ArchiveLocked
from portal_crawler.crawler.exitcodes import ExitCode
from portal_crawler.crawler.runner import CrawlResult, run_crawler
from portal_crawler.crawler.stats import FAILED, RUN_ID, run_stats
from portal_crawler.spawn import CTX, start_process
from portal_crawler.sites.registry import Site, SitesError, resolve_sites
from portal_crawler.sites.schema import check_settings
from portal_crawler.store.archive import Archive, ArchiveError, check_archive_file
from portal_crawler.store.paths import ArchivePaths
from portal_crawler.store.schema import BUSY_TIMEOUT, describe

__all__ = ["crawl", "CrawlResult", "CrawlInputError", "ExitCode", "build_settings", "resolve_sites",
           "ArchiveLocked"]


class CrawlInputError(ValueError):
    """Bad input to ``crawl()``: the message is one line saying what to fix."""


def build_settings(db: str | Path, *, resume: bool = False, progress: bool = False,
                   contact: str | None = None, log_level: str = "WARNING",
                   settings: dict | None = None) -> Settings:
    """Scrapy settings of one crawl (per-site ones are applied by the spider)."""
    s = Settings()
    s.setmodule(default_settings, priority="project")
    s.set("PORTAL_DB", str(db))
    s.set("PROGRESS_ENABLED", progress)
    s.set("LOG_LEVEL", log_level)
    if contact:
        s.set("CONTACT", contact)
        s.set("USER_AGENT", default_settings.user_agent(contact))
    if resume:
        s.set("JOBDIR", str(ArchivePaths.of(db).job_dir))
    for k, v in (settings or {}).items():
        s.set(k, v)
    return s


def crawl(db: str | Path, sites: str | Iterable[str | Site] = "all", *, sites_file: str | Path | None = None,
          channels: Iterable[str] = (), since: str | None = None, max_articles: int | None = None,
          refresh_days: int | None = None, overlap: int | None = None, resume: bool = False,
          delay: float | None = None, concurrency: int | None = None, contact: str | None = None,
          progress: bool = False, log_level: str = "WARNING", settings: dict | None = None,
          redis: str | None = None) -> CrawlResult:
    """Crawl ``sites`` into the archive ``db`` (created if missing); incremental by default.

    ``sites``: ``"all"`` (every configured site), site keys, or ``Site`` objects.
    ``sites_file``: a TOML file adding or overriding sites (default: ``./sites.toml``
    when it exists). ``delay``/``concurrency`` override every site's politeness.
    ``settings``: extra Scrapy settings (``{"CONCURRENT_REQUESTS": 64}``).
    ``redis``: ``redis://HOST:PORT/DB``: coordinate a crawl shared with any number of
    ``portal-crawler worker --redis URL`` processes (the scale-out package, reached
    through the ``SCALEOUT_COORDINATE`` setting); this process seeds the shared
    request queue, fetches too, and alone writes the archive.

    Raises ``CrawlInputError`` for bad input (a sites file or value, an archive that is
    not an SQLite file or is corrupt, a location that cannot be written) before any
    request, and ``ArchiveLocked`` when another crawl holds the archive (through any
    path to the same file). The archive failing during the crawl stops it:
    ``exit_code`` ``ExitCode.ARCHIVE`` (6) and ``archive_error`` say why. Scrapy's reactor runs once per process: a second call in the
    same process runs the crawl in a child process, transparently.
    """
    try:
        chosen = resolve_sites(sites, sites_file)
    except SitesError as e:
        raise CrawlInputError(str(e)) from None
    if since:
        from portal_crawler.extract.dates import parse_date
        if not parse_date(since).value:
            raise CrawlInputError(f"--since {since!r} is not a date (use YYYY-MM-DD)")
    for s in chosen:
        if delay is not None:
            s.settings["download_delay"] = delay
        if concurrency is not None:
            s.settings["concurrency"] = concurrency
        try:  # sites built in code, not read from a file, are checked here too
            check_settings(f"site {s.key!r} settings", s.settings)
        except SitesError as e:
            raise CrawlInputError(str(e)) from None
    spider_args = dict(channels=[c for c in channels], since=since, max_articles=max_articles,
                       refresh_days=refresh_days, overlap_pages=overlap, full_lists=resume)
    s = build_settings(db, resume=resume, progress=progress, contact=contact, log_level=log_level,
                       settings=settings)
    from portal_crawler.crawler.limits import LimitError, site_limits
    try:  # a bad limit in a sites file fails here, before anything starts
        for x in chosen:
            site_limits(x, s)
    except LimitError as e:
        raise CrawlInputError(str(e)) from None
    s.set("PORTAL_RUN_ARGS", {"sites": [x.key for x in chosen], "resume": resume,
                              **{k: v for k, v in spider_args.items() if v not in (None, [], False)}})
    if redis:
        _coordinate(s, redis, resume, spider_args)
    global _reactor_used
    if _reactor_used:
        return _in_child(db, chosen, s, spider_args)
    _reactor_used = True
    return _run(db, chosen, s, spider_args)


_reactor_used = False


def _coordinate(s: Settings, redis: str, resume: bool, spider_args: dict) -> None:
    """Make ``s`` the settings of a scale-out coordinator. The scale-out package is
    named by a setting (``SCALEOUT_COORDINATE``), never imported by the crawl core."""
    from scrapy.utils.misc import load_object
    try:
        coordinate = load_object(s.get("SCALEOUT_COORDINATE"))
    except ImportError as e:
        raise CrawlInputError(f"--redis needs the `scaleout` extra (pip install 'portal-crawler[scaleout]'): {e}")
    try:
        coordinate(s, redis, resume=resume, spider_args=spider_args)
    except ValueError as e:   # a wrong or unreachable Redis URL: one line
        raise CrawlInputError(str(e)) from None


def _run(db, sites: list[Site], settings: Settings, spider_args: dict) -> CrawlResult:
    from portal_crawler.crawler.spider import archive_state
    if Path(db).exists():  # checked before anything opens it: another program's file stays untouched
        try:
            check_archive_file(db)
        except ArchiveError as e:
            try:      # a crawl that has just begun holds a still-empty file: that is exit 3
                ArchiveLock(db).acquire().release()
            except OSError:
                pass
            raise CrawlInputError(str(e)) from None
    try:
        lock = ArchiveLock(db).acquire()
    except OSError as e:  # a read-only file, directory or file system; a missing mount
        raise CrawlInputError(f"cannot open archive {db} for writing: {e.strerror or e}") from None
    try:
        # Opened here first so that an unusable archive (not a database, corrupt,
        # read-only) is one line, exit 2, before any request is made.
        try:
            with Archive.open(db, create=True) as ar:
                known, state = archive_state(ar, sites, spider_args.get("full_lists", False))
        except ArchiveError as e:
            raise CrawlInputError(str(e)) from None
        except sqlite3.Error as e:
            raise CrawlInputError(describe(db, e)) from None
        settings.set("PORTAL_LOCK_HELD", True)
        # The scale-out coordinator runs its own spider class (PORTAL_SPIDER).
        result = run_crawler(settings, settings.get("PORTAL_SPIDER"), sites, known=known,
                             **{**spider_args, **state})
        if result.archive_error and result.run_id:
            _record_failed_run(db, result.stats, sites, settings)
        elif result.run_id and _assess(db, result.stats, sites, settings):
            result = CrawlResult.from_stats(result.stats, result.sites, result.elapsed)  # exit 7
    finally:
        lock.release()
    return result


def _record_failed_run(db, stats: dict, sites: list[Site], settings: Settings) -> None:
    """The writer could not finish the run's row: try once more from here, so that
    ``crawl_runs`` says the run ended with ``archive_error`` (impossible on a full disk
    or while another program keeps its write lock; then the row stays unfinished)."""
    summary = run_stats(stats, [s.key for s in sites])
    summary["failed"] = stats[FAILED]
    try:
        # One small row: worth waiting the default busy timeout for, even when the
        # writer was told to give up sooner.
        wait = max(settings.getfloat("ARCHIVE_BUSY_TIMEOUT"), BUSY_TIMEOUT)
        with Archive.open(db, busy_timeout=wait) as ar:
            ar.finish_run(stats[RUN_ID], summary, "archive_error")
    except (ArchiveError, sqlite3.Error):
        pass


def _assess(db, stats: dict, sites: list[Site], settings: Settings) -> bool:
    """The monitors (crawler/monitors.py) over the recorded run, under the crawl's lock:
    findings into the stats (exit 7) and into the run's row, coverage into the history.
    True when there are findings."""
    from dataclasses import asdict as _asdict
    from portal_crawler.crawler.monitors import assess_run, monitor_config
    from portal_crawler.crawler.stats import FINDINGS, MONITOR_ERROR
    per_site = run_stats(stats, [s.key for s in sites])["per_site"]
    configs = {s.key: monitor_config(s, settings.getdict("MONITORS")) for s in sites}
    try:
        with Archive.open(db) as ar:
            found = assess_run(ar, stats["archive/run_id"], per_site, configs,
                               finished=stats.get("finish_reason", "finished") == "finished")
    except (ArchiveError, sqlite3.Error) as e:  # the run is archived; only its findings are lost
        stats[MONITOR_ERROR] = str(e)
        return False
    stats[FINDINGS] = [_asdict(f) for f in found]
    return bool(found)


def _child(db, sites, settings_dict, spider_args, q) -> None:
    try:
        q.put(("ok", _run(db, sites, Settings(settings_dict), spider_args)))
    except BaseException as e:  # noqa: BLE001 - the parent re-raises it
        q.put(("error", e))


def _in_child(db, sites, settings: Settings, spider_args: dict) -> CrawlResult:
    q = CTX.Queue()
    p = start_process(_child, args=(db, sites, settings.copy_to_dict(), spider_args, q))
    kind, value = q.get()
    p.join()
    if kind == "error":
        raise value
    return value

