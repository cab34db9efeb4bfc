"""The crawl's stats keys (one definition) and the run summary shaped from them.

Scrapy's own keys (``downloader/request_count``, ``item_scraped_count`` ...) are read
by name where they are read; every key this project adds is named here.
"""
from __future__ import annotations

COUNTS = ("new", "updated", "unchanged", "duplicate")   # what the archive did with an article

# Keys this project adds (Scrapy's own are named where they are read).
ERRORS = "portal/errors"                      # failed after retries, writer failures (exit 1)
FAILED = "portal/failed"                      # [{site, url, kind, error}] (set by runner.run_crawler)
CHANNEL_FILTER = "portal/channel_filter"      # the --channel values
RUN_ID = "archive/run_id"                     # this run's crawl_runs row
WRITER_ERROR = "archive/writer_error"         # why the archive could not be written (exit 6)
WRITER_PEAK_RSS = "archive/writer_peak_rss_mb"
SKIPPED_BEFORE_SINCE = "archive/skipped_before_since"
TRUNCATED = "integrity/truncated"             # responses retried as truncated
WARC_RECORDS, WARC_REVISITS = "warc/records", "warc/revisits"
WARC_BYTES, WARC_REVISIT_BYTES_SAVED = "warc/bytes", "warc/revisit_bytes_saved"
BLOCKED = "portal/blocked"                    # block pages answered (crawler/downloader/blocking.py)
FINDINGS = "portal/findings"                  # the monitors' findings (crawler/monitors.py; exit 7)
MONITOR_ERROR = "portal/monitor_error"        # why the monitors could not read or write the archive
# Per-site names (site_key(site, NAME)) of the blocks: blocked/<kind> per kind of block,
# backoff_delay (s, the highest), paused (1), paused_after_sends, not_fetched_paused,
# blocked_urls (requests whose answer was a block page).
# Scrapy's own keys this project reads.
REQUESTS = "downloader/request_count"
SPIDER_EXCEPTIONS = "spider_exceptions/count"
STATUS_PREFIX = "downloader/response_status_count/"


def archive_count(name: str) -> str:
    """The run's count of articles ``name`` (one of COUNTS)."""
    return f"archive/{name}"


def site_key(site: str, name: str = "") -> str:
    """A per-site key, ``site/<key>/<name>`` (``site_key(k)`` is the prefix)."""
    return f"site/{site}/{name}"


def error_count(stats: dict) -> int:
    """Requests that failed after their retries, the archive writer's failure, and
    exceptions in the spider's callbacks: the run's errors (exit 1 when not 0)."""
    return int(stats.get(ERRORS, 0)) + int(stats.get(SPIDER_EXCEPTIONS, 0))


def run_stats(stats: dict, sites: list[str]) -> dict:
    """Shape Scrapy's stats into the crawl_runs columns (totals and per site)."""
    responses = {k.rsplit("/", 1)[-1]: v for k, v in stats.items()
                 if k.startswith(STATUS_PREFIX)}
    per_site = {}
    for key in sites:
        prefix = site_key(key)
        d = {k[len(prefix):]: v for k, v in stats.items() if k.startswith(prefix)}
        resp = {k.split("/", 1)[1]: d.pop(k) for k in list(d) if k.startswith("responses/")}
        d["responses"] = resp
        per_site[key] = d
    return {
        "requests": stats.get(REQUESTS, 0),
        "responses": responses,
        "errors": error_count(stats),
        "per_site": per_site,
        **{f"{c}_articles": stats.get(archive_count(c), 0) for c in COUNTS},
    }
