"""What a sites file may say: the allowed keys, their types and ranges.

A wrong value is a ``SitesError`` naming the file, the site and the key, never a
traceback later in the crawl (``concurrency = "lots"``), a hang (``concurrency = 0``)
or a setting silently ignored (a misspelt key, a selector that does not compile).
A new per-site setting is one more entry in SETTINGS (README "Sites" documents them);
the per-site limits are named once, in LIMITS below (crawler/limits.py applies them).
"""
from __future__ import annotations

from numbers import Real


class SitesError(Exception):
    """A sites file or a site selection is wrong; the message says how to fix it."""


def _type_name(v) -> str:
    return {bool: "a boolean", int: "an integer", float: "a number", str: "a string", list: "an array",
            dict: "a table"}.get(type(v), type(v).__name__)


def _ranged(kind: type, noun: str, lo, hi=None):
    """A check that a value is a ``kind`` (never a boolean) within [lo, hi]."""
    def check(v):
        if isinstance(v, bool) or not isinstance(v, kind):
            return f"must be {noun}, not {_type_name(v)} {v!r}"
        if v < lo or (hi is not None and v > hi):
            return f"must be between {lo} and {hi}, not {v!r}" if hi is not None else f"must be >= {lo}, not {v!r}"
        return None
    return check


def _number(lo: float, hi: float | None = None):
    return _ranged(Real, "a number", lo, hi)


def _integer(lo: int, hi: int | None = None):
    return _ranged(int, "an integer", lo, hi)


def _of(kind: type):
    def check(v):
        return None if isinstance(v, kind) and not (kind is not bool and isinstance(v, bool)) else \
            f"must be {_type_name(kind())}, not {_type_name(v)} {v!r}"
    return check


def _one_of(*values):
    def check(v):
        return None if v in values else f"must be one of {', '.join(map(repr, values))}, not {v!r}"
    return check


def _table(keys: dict, what: str):
    """A check of a table whose keys are ``keys`` (name -> check)."""
    def check(v):
        if not isinstance(v, dict):
            return f"must be a table, not {_type_name(v)} {v!r}"
        for k, x in v.items():
            if k not in keys:
                return f"has unknown key {k!r} ({what}: {', '.join(keys)})"
            problem = keys[k](x)
            if problem:
                return f"{k} {problem}"
        return None
    return check


def _monitors(v):
    """[defaults.monitors] / a site's `monitors`: thresholds of crawler/monitors.py."""
    from portal_crawler.record import WATCHED_FIELDS as FIELDS
    keys = {"min_new_articles": _integer(0), "body_min_chars": _integer(0), "coverage_drop": _number(0, 1),
            "history_runs": _integer(1), "zero_new_after": _integer(0), "blocked_share": _number(0, 1),
            "template_fallback_share": _number(0, 1),
            "min_coverage": _table({f: _number(0, 1) for f in FIELDS}, "fields")}
    return _table(keys, "allowed")(v)


# Per-site settings ([defaults] and [sites.settings]): name -> check(value) -> problem or None.
SETTINGS = {
    "download_delay": _number(0, 3600),          # seconds between two requests to the site
    "concurrency": _integer(1, 64),              # parallel requests to the site (0 would never fetch)
    "randomize_delay": _of(bool),
    "adaptive_delay": _of(bool),                 # follow the site's latency (crawler/downloader/pacing.py)
    "use_sitemap": _of(bool),
    "use_rss": _of(bool),
    "home_label": _of(str),
    "block_pause_after": _integer(1),          # blocked answers in a row before the site is paused
    "monitors": _monitors,                     # thresholds of the field monitors (crawler/monitors.py)
}

# Keys of one [[sites]] entry.
SITE_KEYS = {
    "key": _of(str), "name": _of(str), "short": _of(str), "region": _of(str), "base_url": _of(str),
    "engine": _one_of("auto", "dedecms", "trs"), "channels": _of(list), "settings": _of(dict),
    "selectors": _of(dict),
}
TOP_KEYS = {"defaults": _of(dict), "sites": _of(list)}

# Record fields a per-site selector may set (extract/template.py apply_overrides).
SELECTOR_FIELDS = ("title", "description", "channel", "breadcrumb", "source", "author", "editor",
                   "reviewer", "published", "published_at", "date", "body")


# The per-site limits a sites file may set (crawler/limits.py applies them).
# per-site key: (Scrapy setting that holds the default, what it bounds)
LIMITS: dict[str, tuple[str, str]] = {
    "download_maxsize": ("DOWNLOAD_MAXSIZE",
                         "bytes of one response, after decompression; a larger one is dropped"),
    "download_warnsize": ("DOWNLOAD_WARNSIZE", "bytes of one response above which a warning is logged"),
    "attachment_maxsize": ("ATTACHMENT_MAXSIZE",
                           "bytes of one attachment; a larger one is recorded as skipped, never read whole"),
    "max_requests": ("PORTAL_MAX_REQUESTS", "requests the spider schedules per site per run"),
    "max_list_pages": ("PORTAL_MAX_LIST_PAGES", "list pages read per channel per run"),
    "max_article_pages": ("PORTAL_MAX_ARTICLE_PAGES",
                          "pages fetched of one multi-page article (the first N are archived)"),
    "max_links_per_page": ("PORTAL_MAX_LINKS_PER_PAGE", "article links taken from one list page"),
    "max_stale_list_pages": ("PORTAL_MAX_STALE_LIST_PAGES",
                             "list pages in a row that add no new article URL, or get no older, "
                             "before the channel's walk ends"),
}

def _unknown(where: str, key: str, allowed) -> SitesError:
    return SitesError(f"{where}: unknown key {key!r} (allowed: {', '.join(allowed)})")


def allowed_settings() -> dict:
    """SETTINGS plus the per-site limits (LIMITS: positive whole numbers)."""
    return {**SETTINGS, **{name: _integer(1) for name in LIMITS}}


def check_settings(where: str, settings: dict) -> None:
    allowed = allowed_settings()
    for k, v in settings.items():
        if k not in allowed:
            raise _unknown(where, k, allowed)
        problem = allowed[k](v)
        if problem:
            raise SitesError(f"{where}: {k} {problem}")


def check_selector(where: str, field: str, sel) -> None:
    from portal_crawler.extract.dom import compile_selector
    if field not in SELECTOR_FIELDS:
        raise _unknown(where, field, SELECTOR_FIELDS)
    if not isinstance(sel, str) or not sel.strip():
        raise SitesError(f"{where}: selector {field} must be a non-empty string, not {sel!r}")
    try:
        compile_selector(sel)
    except Exception as e:  # noqa: BLE001 - lxml and cssselect raise several kinds
        raise SitesError(f"{where}: selector {field} = {sel!r} does not compile "
                         f"(CSS, or XPath when it starts with / or ( ): {e}") from None


def check_document(name: str, doc: dict) -> None:
    """Check a parsed sites file (or the packaged one); raise SitesError at the first problem."""
    for k, v in doc.items():
        if k not in TOP_KEYS:
            raise _unknown(f"sites file {name}", k, TOP_KEYS)
        problem = TOP_KEYS[k](v)
        if problem:
            hint = " ([[sites]] tables)" if k == "sites" else " ([defaults] table)"
            raise SitesError(f"sites file {name}: {k} {problem}{hint}")
    check_settings(f"sites file {name}: [defaults]", doc.get("defaults", {}))
    for i, s in enumerate(doc.get("sites", [])):
        if not isinstance(s, dict):
            raise SitesError(f"sites file {name}: sites entry {i + 1} must be a table ([[sites]]), not {s!r}")
        where = f"sites file {name}: site {s.get('key', f'entry {i + 1}')!r}"
        for k, v in s.items():
            if k not in SITE_KEYS:
                raise _unknown(where, k, SITE_KEYS)
            problem = SITE_KEYS[k](v)
            if problem:
                raise SitesError(f"{where}: {k} {problem}")
        check_settings(f"{where} settings", s.get("settings", {}))
        for field, sel in s.get("selectors", {}).items():
            check_selector(f"{where} selectors", field, sel)
        for j, ch in enumerate(s.get("channels", [])):
            if not (isinstance(ch, dict) and isinstance(ch.get("name"), str) and isinstance(ch.get("url"), str)
                    and set(ch) <= {"name", "url"}):
                raise SitesError(f"{where}: channels entry {j + 1} must be {{ name = \"...\", url = \"...\" }}, "
                                 f"not {ch!r}")
