"""portal-crawler: crawl and archive the 中国中小企业XX网 network.

The Python API (README "Python API")::

    import portal_crawler
    result = portal_crawler.crawl("data/portal.db", ["harbin", "zhejiang"], sites_file="sites.toml")
    with portal_crawler.Archive.open("data/portal.db", readonly=True) as ar:
        ar.search("中小企业"); ar.export("records.jsonl"); ar.snapshot("snap"); ar.verify()
"""
__version__ = "0.2.0"

__all__ = ["crawl", "work", "CrawlResult", "Archive", "ArchivePaths", "__version__"]


def __getattr__(name):
    # Lazy: `import portal_crawler` stays cheap (no Scrapy import) for tools that only read.
    if name in ("crawl", "CrawlResult"):
        from portal_crawler.crawler import run
        return getattr(run, name)
    if name == "work":  # a scale-out worker (portal_crawler/scaleout/worker.py; the `scaleout` extra)
        from portal_crawler.scaleout.worker import work
        return work
    if name == "Archive":
        from portal_crawler.api import Archive
        return Archive
    if name == "ArchivePaths":
        from portal_crawler.store.paths import ArchivePaths
        return ArchivePaths
    raise AttributeError(name)
