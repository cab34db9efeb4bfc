"""The crawl API: ``portal_crawler.crawl(db, sites, **options) -> CrawlResult``.

Everything that starts a crawl goes through ``crawl()``: the CLI's ``crawl`` and
``demo``, the benchmarks and the tests. ``scrapy crawl portal -a sites=... -s
PORTAL_DB=...`` reaches the same spider and components through Scrapy's own runner;
per-site settings are applied by the spider (``PortalSpider.from_crawler``) in both.
"""
from __future__ import annotations

import sqlite3
import time
from dataclasses import asdict, dataclass, field
from enum import IntEnum
from pathlib import Path
from typing import Iterable

from scrapy.settings import Settings

from portal_crawler.crawler import settings as default_settings
from portal_crawler.crawler.lock import ArchiveLock, ArchiveLocked
from portal_crawler.sites import registry
from portal_crawler.spawn import CTX, start_process
from portal_crawler.sites.registry import Site, SitesError
from portal_crawler.sites.schema import check_settings
from portal_crawler.store.archive import Archive, ArchiveError
from portal_crawler.store.paths import ArchivePaths
from portal_crawler.store.schema import BUSY_TIMEOUT, describe

__all__ = ["crawl", "CrawlResult", "CrawlInputError", "ExitCode", "build_settings", "resolve_sites",
           "ArchiveLocked"]


class ExitCode(IntEnum):
    """Process exit codes of the CLI (README "Exit codes")."""
    OK = 0            # done
    ERRORS = 1        # done, but some requests failed after their retries
    USAGE = 2         # bad input: file, key, URL, option, archive
    LOCKED = 3        # another crawl holds the archive
    UNFINISHED = 4    # stopped before the end (killed, shutdown, a limit)
    NOTHING = 5       # nothing to crawl where something was asked for: a site without
                      # channels, or a --channel matching none of a site's channels
    ARCHIVE = 6       # the archive could not be written (lock timeout, disk full, corrupt): stopped
    FINDINGS = 7      # done, but a monitor found something (crawler/monitors.py): a field's
                      # coverage fell, no new articles where there always are, pages blocked
                      # or rate-limited (site paused), template extractor failing; one line each


class CrawlInputError(ValueError):
    """Bad input to ``crawl()``: the message is one line saying what to fix."""


COUNT_KEYS = ("new", "updated", "unchanged", "duplicate")


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
                             if k.startswith(f"site/{s}/") and isinstance(v, (int, float))}
                         for s in self.sites}
        return d

    @classmethod
    def from_stats(cls, stats: dict, sites: list[str], elapsed: float) -> "CrawlResult":
        from portal_crawler.crawler.limits import nothing_to_crawl, run_warnings
        from portal_crawler.crawler.pipelines import error_count, run_stats
        reason = stats.get("finish_reason", "finished")
        # A callback that raised lost whatever that page held: an error, never hidden.
        errors = error_count(stats)
        per_site = run_stats(stats, list(sites))["per_site"]
        empty = nothing_to_crawl(per_site, stats.get("portal/channel_filter"))
        archive_error = stats.get("archive/writer_error")
        if archive_error:
            code = ExitCode.ARCHIVE
        elif reason != "finished":
            code = ExitCode.UNFINISHED
        elif stats.get("portal/findings"):
            code = ExitCode.FINDINGS
        elif errors:
            code = ExitCode.ERRORS
        elif empty:
            code = ExitCode.NOTHING
        else:
            code = ExitCode.OK
        return cls(exit_code=int(code), finish_reason=reason, elapsed=elapsed, sites=list(sites),
                   run_id=stats.get("archive/run_id"), requests=int(stats.get("downloader/request_count", 0)),
                   articles={k: int(stats.get(f"archive/{k}", 0)) for k in COUNT_KEYS}, errors=errors,
                   failed=list(stats.get("portal/failed", [])), archive_error=archive_error,
                   warnings=run_warnings(per_site) + empty, findings=list(stats.get("portal/findings", [])),
                   stats=stats)


def default_sites_file() -> Path | None:
    """``sites.toml`` in the working directory, where ``sites discover`` writes it."""
    p = Path("sites.toml")
    return p if p.is_file() else None


def resolve_sites(sites: str | Iterable[str | Site], sites_file: str | Path | None = None) -> list[Site]:
    """Site objects for ``"all"``, a comma-separated string, or keys / Site objects."""
    if isinstance(sites, str) and sites != "all":
        sites = [s.strip() for s in sites.split(",") if s.strip()]
    if not isinstance(sites, str):
        sites = list(sites)
        if not sites:
            raise SitesError("name the sites to crawl: --site KEY (repeatable) or --all")
        if all(isinstance(s, Site) for s in sites):
            return sites
    reg = registry.load(sites_file if sites_file is not None else default_sites_file())
    if sites == "all":
        chosen = reg.configured()
        if not chosen:
            raise SitesError("no site has a base_url; add them in a sites file or run "
                             "`portal-crawler sites discover URL`")
        return chosen
    return reg.select([s.key if isinstance(s, Site) else s for s in sites])


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
    ``portal-crawler worker --redis URL`` processes (``crawler/scaleout.py``); this
    process seeds the frontier, fetches too, and alone writes the archive.

    Raises ``CrawlInputError`` for bad input (a sites file or value, an archive that is
    not an SQLite file or is corrupt, a location that cannot be written) before any
    request, and ``ArchiveLocked`` when another crawl holds the archive (through any
    path to the same file). The archive failing during the crawl stops it:
    ``exit_code`` 5 and ``archive_error`` say why. Scrapy's reactor runs once per process: a second call in the
    same process runs the crawl in a child process, transparently.
    """
    if redis:
        try:
            from portal_crawler.crawler.redisfrontier import FrontierError, connect
            from portal_crawler.crawler.scaleout import apply_frontier
        except ImportError as e:
            raise CrawlInputError(f"--redis needs the `scaleout` extra (pip install 'portal-crawler[scaleout]'): {e}")
        try:
            connect(redis)
        except FrontierError as e:
            raise CrawlInputError(str(e)) from None
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
        apply_frontier(s, redis, "coordinator")
        s.set("JOBDIR", None)  # the frontier lives in Redis, not in a job folder
        s.set("FRONTIER_RESUME", resume)
        s.set("PORTAL_SPIDER_ARGS", spider_args)
    global _reactor_used
    if _reactor_used:
        return _in_child(db, chosen, s, spider_args)
    _reactor_used = True
    return _run(db, chosen, s, spider_args)


_reactor_used = False


def _run(db, sites: list[Site], settings: Settings, spider_args: dict) -> CrawlResult:
    from scrapy.crawler import CrawlerProcess
    from scrapy.utils.log import configure_logging
    from scrapy.utils.misc import load_object

    from portal_crawler.crawler.spider import archive_state
    # The scale-out coordinator runs its own spider class (crawler/scaleout.py).
    spider_cls = load_object(settings.get("PORTAL_SPIDER") or "portal_crawler.crawler.spider.PortalSpider")
    started = time.monotonic()
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
        configure_logging(settings)
        process = CrawlerProcess(settings)
        crawler = process.create_crawler(spider_cls)
        process.crawl(crawler, sites=sites, known=known, **{**spider_args, **state})
        process.start()
        stats = dict(crawler.stats.get_stats())
        stats["portal/failed"] = list(getattr(crawler.spider, "failed", []))
        if stats.get("archive/writer_error") and stats.get("archive/run_id"):
            _record_failed_run(db, stats, sites, settings)
        elif stats.get("archive/run_id"):
            _assess(db, stats, sites, settings)
    finally:
        lock.release()
    return CrawlResult.from_stats(stats, [s.key for s in sites], time.monotonic() - started)


def _record_failed_run(db, stats: dict, sites: list[Site], settings: Settings) -> None:
    """The writer could not finish the run's row: try once more from here, so that
    ``crawl_runs`` says the run ended with ``archive_error`` (impossible on a full disk
    or while another program keeps its write lock; then the row stays unfinished)."""
    from portal_crawler.crawler.pipelines import run_stats
    summary = run_stats(stats, [s.key for s in sites])
    summary["failed"] = stats["portal/failed"]
    try:
        # One small row: worth waiting the default busy timeout for, even when the
        # writer was told to give up sooner.
        wait = max(settings.getfloat("ARCHIVE_BUSY_TIMEOUT", BUSY_TIMEOUT), BUSY_TIMEOUT)
        with Archive.open(db, busy_timeout=wait) as ar:
            ar.finish_run(stats["archive/run_id"], summary, "archive_error")
    except (ArchiveError, sqlite3.Error):
        pass


def _assess(db, stats: dict, sites: list[Site], settings: Settings) -> None:
    """The monitors (crawler/monitors.py) over the recorded run, under the crawl's lock:
    findings into the stats (exit 7) and into the run's row, coverage into the history."""
    from dataclasses import asdict as _asdict
    from portal_crawler.crawler.monitors import assess_run, monitor_config
    from portal_crawler.crawler.pipelines import run_stats
    per_site = run_stats(stats, [s.key for s in sites])["per_site"]
    configs = {s.key: monitor_config(s, settings.getdict("MONITORS")) for s in sites}
    try:
        with Archive.open(db) as ar:
            found = assess_run(ar, stats["archive/run_id"], per_site, configs,
                               finished=stats.get("finish_reason", "finished") == "finished")
    except (ArchiveError, sqlite3.Error) as e:  # the run is archived; only its findings are lost
        stats["portal/monitor_error"] = str(e)
        return
    stats["portal/findings"] = [_asdict(f) for f in found]


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

