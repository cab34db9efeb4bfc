"""portal-crawler: crawl and archive the 中国中小企业XX网 network.

The Python API (README "Python API")::

    import portal_crawler
    result = portal_crawler.crawl("data/portal.db", ["harbin", "zhejiang"], sites_file="sites.toml")
    with portal_crawler.Archive.open("data/portal.db", readonly=True) as ar:
        ar.search("中小企业")
"""
__version__ = "0.2.0"

__all__ = ["crawl", "work", "CrawlResult", "Archive", "ArchivePaths", "__version__"]

_NEEDS_EXTRA = "scale-out needs the `scaleout` extra (pip install 'portal-crawler[scaleout]')"


def crawl(db, sites="all", *, redis: str | None = None, **options):
    """Crawl ``sites`` into the archive ``db``; see ``portal_crawler.crawler.run.crawl``
    for every option. ``redis``: ``redis://HOST:PORT/DB``: coordinate a crawl shared with
    any number of ``work(URL)`` / ``portal-crawler worker --redis URL`` processes
    (``portal_crawler/scaleout/``); this process seeds the queue, fetches too, and alone
    writes the archive. Returns a ``CrawlResult``."""
    if redis is None:
        from portal_crawler.crawler.run import crawl as plain
        return plain(db, sites, **options)
    from portal_crawler.crawler.run import CrawlInputError
    try:
        from portal_crawler.scaleout.coordinator import coordinate
    except ImportError as e:
        raise CrawlInputError(f"{_NEEDS_EXTRA}: {e}") from None
    return coordinate(db, sites, redis=redis, **options)


def work(redis_url: str, **options):
    """Join the crawl coordinated through ``redis_url`` as a worker (``scaleout/worker.py``)."""
    from portal_crawler.scaleout.worker import work as join
    return join(redis_url, **options)


def __getattr__(name):
    # Lazy: `import portal_crawler` stays cheap (no Scrapy import) for tools that only read.
    if name == "CrawlResult":
        from portal_crawler.crawler import run
        return getattr(run, name)
    if name == "Archive":
        from portal_crawler.store.archive import Archive
        return Archive
    if name == "ArchivePaths":
        from portal_crawler.store.paths import ArchivePaths
        return ArchivePaths
    raise AttributeError(name)
