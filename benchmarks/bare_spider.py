"""The crawl baseline: a plain Scrapy spider that follows the same links as ours
(home -> nav channels -> every list page -> every article page) and stores nothing.

Link finding is idiomatic Scrapy (CSS selectors for the replica's two templates), so
the ratio measures what our extraction, dedup, SQLite and WARC cost on top of it.
"""
from __future__ import annotations

import re
import time
from urllib.parse import urljoin, urlsplit

import scrapy

NAV = "div.nav a::attr(href), div.navbar a::attr(href)"
ARTICLES = "div.listbox ul.e2 li a.title::attr(href), div.list ul li a::attr(href)"
PAGES = "ul.pagelist a::attr(href), ul.pagelist option::attr(value)"
FIRST_PAGE = re.compile(r"(?:list_\d+_1\.html|PageNo=1)$")  # page 1 is the channel URL itself
TRS_PAGES = re.compile(r"createPageHTML\((\d+),\s*(\d+),\s*\"(\w+)\",\s*\"(\w+)\"\)")


class BareSpider(scrapy.Spider):
    name = "bare"

    def __init__(self, base_urls: dict[str, str], **kw):
        super().__init__(**kw)
        self.base_urls = base_urls

    def _req(self, url, callback, site):
        return scrapy.Request(url, callback=callback, meta={"download_slot": site, "site": site})

    async def start(self):
        for site, url in self.base_urls.items():
            yield self._req(url, self.parse_home, site)

    def parse_home(self, response):
        site = response.meta["site"]
        for href in response.css(NAV).getall():
            if href.strip() not in ("/", "#", ""):
                yield self._req(response.urljoin(href), self.parse_list, site)

    def parse_list(self, response):
        site = response.meta["site"]
        for href in response.css(ARTICLES).getall():
            yield self._req(response.urljoin(href), self.parse_article, site)
        for href in response.css(PAGES).getall():
            if href not in ("#", "") and not FIRST_PAGE.search(href):
                yield self._req(response.urljoin(href), self.parse_list, site)
        m = TRS_PAGES.search(response.text)
        if m:  # TRS lists: pages 2..n are index_1.html, index_2.html, ... written by script
            n, name, ext = int(m.group(1)), m.group(3), m.group(4)
            for k in range(1, n):
                yield self._req(urljoin(response.url, f"{name}_{k}.{ext}"),
                                self.parse_list, site)

    def parse_article(self, response):
        site = response.meta["site"]
        for href in response.css(PAGES).getall():  # pages 2..n of a multi-page article
            if href not in ("#", "") and urlsplit(href).path != "#":
                yield self._req(response.urljoin(href), self.parse_article, site)


def settings(concurrency: int, per_site: int) -> dict:
    """Same network settings as our benchmark crawl: no delay, no autothrottle."""
    return {"ROBOTSTXT_OBEY": True, "COOKIES_ENABLED": False, "TELNETCONSOLE_ENABLED": False,
            "LOG_LEVEL": "WARNING", "AUTOTHROTTLE_ENABLED": False, "DOWNLOAD_DELAY": 0,
            "CONCURRENT_REQUESTS": concurrency, "CONCURRENT_REQUESTS_PER_DOMAIN": per_site,
            "TWISTED_REACTOR": "twisted.internet.asyncioreactor.AsyncioSelectorReactor",
            "USER_AGENT": "bare-spider (benchmark baseline)"}


def crawl(base_urls: dict[str, str], concurrency: int = 64, per_site: int = 16, extra: dict | None = None) -> dict:
    """Run the bare spider in this process (``extra``: settings on top of the baseline's);
    returns Scrapy's stats plus ``elapsed_s``."""
    from scrapy.crawler import CrawlerProcess
    t0 = time.monotonic()
    process = CrawlerProcess({**settings(concurrency, per_site), **(extra or {})}, install_root_handler=True)
    crawler = process.create_crawler(BareSpider)
    process.crawl(crawler, base_urls=base_urls)
    process.start()
    stats = crawler.stats.get_stats()
    stats["elapsed_s"] = time.monotonic() - t0
    return stats
