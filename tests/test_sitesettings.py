"""Per-site settings into Scrapy's (crawler/sitesettings.py): the HTTP connection pool
keeps as many connections per host as the sites on that host may have in flight."""
from __future__ import annotations

from pathlib import Path

from scrapy.settings import Settings

from portal_crawler.crawler import settings as defaults
from portal_crawler.crawler.sitesettings import apply_site_settings
from portal_crawler.sites.registry import Site


def _site(key, base, concurrency=None):
    return Site(key=key, name=key, base_url=base,
                settings={"download_delay": 0, **({"concurrency": concurrency} if concurrency else {})})


def _applied(sites) -> Settings:
    s = Settings()
    s.setmodule(defaults, priority="project")
    apply_site_settings(s, sites)
    return s


def test_pool_size_is_the_busiest_hosts_concurrency():
    sites = [_site("a", "http://127.0.0.1:8001/", 16), _site("b", "http://127.0.0.1:8001/x/", 6),
             _site("c", "http://127.0.0.1:8002/", 20)]
    s = _applied(sites)
    assert s.getint("CONCURRENT_REQUESTS_PER_DOMAIN") == 22        # a + b share 127.0.0.1:8001
    assert s.getdict("DOWNLOAD_SLOTS")["a"]["concurrency"] == 16    # each site's own cap stays
    assert s.getint("CONCURRENT_REQUESTS") >= 42


def test_pool_size_never_lowered():
    s = _applied([_site("a", "http://127.0.0.1:8001/", 1), _site("b", "http://127.0.0.1:8002/")])
    assert s.getint("CONCURRENT_REQUESTS_PER_DOMAIN") == defaults.CONCURRENT_REQUESTS_PER_DOMAIN
    assert s.getdict("DOWNLOAD_SLOTS")["b"]["concurrency"] == defaults.CONCURRENT_REQUESTS_PER_DOMAIN


def test_the_settings_module_gives_each_default_once():
    """One definition of each fact: a second assignment of a name in crawler/settings.py
    silently overrides the first (two different comments, possibly two values)."""
    import ast
    from collections import Counter
    tree = ast.parse(Path(defaults.__file__).read_text(encoding="utf-8"))
    names = Counter(t.id for node in tree.body if isinstance(node, ast.Assign)
                    for t in node.targets if isinstance(t, ast.Name))
    assert [n for n, c in names.items() if c > 1] == []
