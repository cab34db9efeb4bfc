"""Per-site limits that keep every crawl bounded (README "Limits").

Each limit is a Scrapy setting (its default, in ``crawler/settings.py``) that a site
overrides with the lower-case key in its ``settings`` table of a sites file, or for
every site in ``[defaults]``. Size limits reach Scrapy's downloader and its
decompression through the request meta keys ``download_maxsize`` /
``download_warnsize``; the others are counted by the spider. A limit hit is counted
in the stats as ``site/<key>/limits/<name>`` (stored per site in ``crawl_runs``) and
warned about in the run summary and in ``stats``.
"""
from __future__ import annotations

from scrapy.exceptions import DownloadCancelledError, IgnoreRequest

from portal_crawler.sites.schema import LIMITS

__all__ = ["LIMITS", "LimitError", "site_limits", "size_limit_hit", "limit_hits", "nothing_to_crawl",
           "run_warnings"]


class LimitError(ValueError):
    """A limit in a sites file is not a positive whole number."""


def site_limits(site, settings) -> dict[str, int]:
    """The limits of one site: its own setting, else ``[defaults]``, else the Scrapy setting."""
    out = {}
    for name, (setting, _) in LIMITS.items():
        v = site.setting(name, None)
        if v is None:
            v = settings.getint(setting)
        if isinstance(v, bool) or not isinstance(v, int) or v < 1:
            raise LimitError(f"site {site.key!r}: {name} = {v!r} is not a positive whole number")
        out[name] = v
    return out


def size_limit_hit(failure) -> bool:
    """True when a download failed because the response passed ``download_maxsize``:
    Scrapy cancels the transfer (DownloadCancelledError), or its decompression
    middleware drops the response (IgnoreRequest naming DOWNLOAD_MAXSIZE)."""
    if failure.check(DownloadCancelledError):
        return True
    return bool(failure.check(IgnoreRequest)) and "DOWNLOAD_MAXSIZE" in str(failure.value)


def limit_hits(per_site: dict) -> list[tuple[str, str, int, list]]:
    """(site, limit, count, sample URLs) of every limit hit in a run's per-site stats."""
    out = []
    for site, d in sorted((per_site or {}).items()):
        for k, v in sorted(d.items()):
            if k.startswith("limits/") and isinstance(v, (int, float)) and v:
                name = k.split("/", 1)[1]
                out.append((site, name, int(v), d.get(f"limit_urls/{name}") or []))
    return out


def nothing_to_crawl(per_site: dict, channel_filter: list[str] | None = None) -> list[str]:
    """One line per site that was reached but had no channel to walk (none on its home
    page, or none matching ``--channel``): the CLI exits 5 for these."""
    out = []
    for site, d in sorted((per_site or {}).items()):
        if d.get("channels", None) != 0 or d.get("errors"):
            continue  # channels found, or never reached (a failed request: exit 1)
        names = d.get("channel_names") or []
        if channel_filter:
            out.append(f"{site}: no channel matches --channel {', '.join(channel_filter)}"
                       f" (its channels: {', '.join(names) or 'none found'})")
        else:
            out.append(f"{site}: its home page yields no channel and no list of articles")
    return out


def run_warnings(per_site: dict) -> list[str]:
    """Warning lines for the limit hits of a run (run summary and `stats`)."""
    out = []
    for site, name, n, urls in limit_hits(per_site):
        what = LIMITS[name][1] if name in LIMITS else {
            "list_no_new_urls": "a list stopped adding new article URLs: its channel ended there",
            "list_not_older": "a list stopped getting older: its channel ended there"}.get(name, name)
        out.append(f"{site}: limit {name} hit {n}x ({what})" + (f", e.g. {urls[0]}" if urls else ""))
    return out
