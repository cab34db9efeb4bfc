"""The crawl's stats keys (one definition) and the run summary shaped from them.

Scrapy's own keys (``downloader/request_count``, ``item_scraped_count`` ...) are read
by name where they are read; every key this project adds is named here.
"""
from __future__ import annotations

COUNTS = ("new", "updated", "unchanged", "duplicate")   # what the archive did with an article


def error_count(stats: dict) -> int:
    """Requests that failed after their retries, the archive writer's failure, and
    exceptions in the spider's callbacks: the run's errors (exit 1 when not 0)."""
    return int(stats.get("portal/errors", 0)) + int(stats.get("spider_exceptions/count", 0))


def run_stats(stats: dict, sites: list[str]) -> dict:
    """Shape Scrapy's stats into the crawl_runs columns (totals and per site)."""
    responses = {k.rsplit("/", 1)[-1]: v for k, v in stats.items()
                 if k.startswith("downloader/response_status_count/")}
    per_site = {}
    for key in sites:
        prefix = f"site/{key}/"
        d = {k[len(prefix):]: v for k, v in stats.items() if k.startswith(prefix)}
        resp = {k.split("/", 1)[1]: d.pop(k) for k in list(d) if k.startswith("responses/")}
        d["responses"] = resp
        per_site[key] = d
    return {
        "requests": stats.get("downloader/request_count", 0),
        "responses": responses,
        "errors": error_count(stats),
        "per_site": per_site,
        **{f"{c}_articles": stats.get(f"archive/{c}", 0) for c in COUNTS},
    }
