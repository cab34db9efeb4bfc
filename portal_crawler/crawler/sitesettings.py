"""Per-site politeness from the registry into Scrapy settings (one place).

Each site is its own download slot: Scrapy's slot caps the site's concurrency, and
``crawler/downloader/pacing.py`` keeps the site's delay at send time (the slot's own delay is 0 so
that the delay is applied once). Site settings (sites.toml ``[defaults]`` or a site's
``settings`` table): ``download_delay`` (s), ``concurrency``, ``randomize_delay``
(wait up to 1.5x the delay, never less than it), ``adaptive_delay`` (follow the site's
latency; default: the ``PACING_ADAPTIVE`` setting).
"""
from __future__ import annotations

from scrapy.settings import Settings

from portal_crawler.sites.registry import Site, packaged_default

JITTER = 0.5  # randomize_delay: up to this fraction of the delay on top of it


def site_policy(site: Site, settings: Settings) -> dict:
    delay = float(site.setting("download_delay", packaged_default("download_delay")))
    return {
        "delay": delay,
        "concurrency": int(site.setting("concurrency", settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN"))),
        "jitter": JITTER if site.setting("randomize_delay", True) and delay > 0 else 0.0,
        "adaptive": bool(site.setting("adaptive_delay", settings.getbool("PACING_ADAPTIVE"))),
    }


def apply_site_settings(settings: Settings, sites: list[Site]) -> None:
    """Set DOWNLOAD_SLOTS and PACING_SITES for ``sites`` (spider priority)."""
    policies = {s.key: site_policy(s, settings) for s in sites}
    settings.set("PACING_SITES", policies, priority="spider")
    settings.set("DOWNLOAD_SLOTS", {k: {"concurrency": p["concurrency"], "delay": 0.0, "jitter": 0.0}
                                    for k, p in policies.items()}, priority="spider")
    # Every site can fill its own concurrency at once; more is never in flight per site.
    total = sum(p["concurrency"] for p in policies.values())
    if total > settings.getint("CONCURRENT_REQUESTS"):
        settings.set("CONCURRENT_REQUESTS", total, priority="spider")
    # Scrapy's HTTP handler keeps CONCURRENT_REQUESTS_PER_DOMAIN idle connections per host
    # (its pool's maxPersistentPerHost) and closes the rest after each answer. A host can
    # have as many requests in flight as the sites on it allow together: below that, every
    # send past the pool's size opened a new TCP connection (4,580 connects for 3,058
    # requests at concurrency 16 per site; issue #19). Never lowered.
    per_host: dict[str, int] = {}
    for s in sites:
        per_host[s.netloc] = per_host.get(s.netloc, 0) + policies[s.key]["concurrency"]
    most = max(per_host.values(), default=0)
    if most > settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN"):
        settings.set("CONCURRENT_REQUESTS_PER_DOMAIN", most, priority="spider")
