"""A live terminal view of a crawl (rich): requests, articles, errors per site."""
from __future__ import annotations

from rich.console import Console
from rich.live import Live
from rich.table import Table
from scrapy import signals
from scrapy.exceptions import NotConfigured
from twisted.internet import task

from portal_crawler.terminal import safe


def site_table(stats: dict, sites: list[str], title: str | None = None) -> Table:
    t = Table(title=title, show_lines=False)
    t.add_column("site")
    for c in ("requests", "list pages", "articles", "new", "errors"):
        t.add_column(c, justify="right")
    for key in sites:
        p = f"site/{key}/"
        reqs = sum(v for k, v in stats.items() if k.startswith(p + "responses/"))
        t.add_row(safe(key), str(reqs), str(stats.get(p + "list_pages", 0)), str(stats.get(p + "articles", 0)),
                  str(stats.get(p + "new", 0)), str(stats.get(p + "errors", 0)))
    return t


class Progress:
    def __init__(self, crawler):
        self.crawler = crawler
        self.console = Console(stderr=True)
        self.live = None
        self.loop = task.LoopingCall(self.refresh)
        crawler.signals.connect(self.opened, signal=signals.spider_opened)
        crawler.signals.connect(self.closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler):
        if not crawler.settings.getbool("PROGRESS_ENABLED"):
            raise NotConfigured
        return cls(crawler)

    def _table(self):
        stats = self.crawler.stats.get_stats()
        title = (f"crawling: {stats.get('downloader/request_count', 0)} requests, "
                 f"{stats.get('item_scraped_count', 0)} articles")
        return site_table(stats, list(getattr(self.crawler.spider, "sites", {})), title)

    def opened(self, spider=None):
        self.live = Live(self._table(), console=self.console, refresh_per_second=4, transient=True)
        self.live.start()
        self.loop.start(0.5, now=False)

    def refresh(self):
        if self.live:
            self.live.update(self._table())

    def closed(self, spider=None, reason=None):
        if self.loop.running:
            self.loop.stop()
        if self.live:
            self.live.stop()
            self.live = None
