"""A live terminal view of a crawl (rich): requests, articles, errors per site.

Every number in the header is the sum of its column in the table, so the screen adds
up; after a SIGINT/SIGTERM the header says "stopping" (crawler/stopping.py).
"""
from __future__ import annotations

from rich.console import Console
from rich.live import Live
from rich.table import Table
from scrapy import signals
from scrapy.exceptions import NotConfigured
from twisted.internet import task

from portal_crawler.crawler.stats import site_key
from portal_crawler.crawler.stopping import crawl_stopping
from portal_crawler.terminal import safe

COLUMNS = ("requests", "list pages", "articles", "new", "errors")


def site_rows(stats: dict, sites: list[str]) -> list[tuple[str, list[int]]]:
    """(site, [requests, list pages, articles, new, errors]) per site."""
    rows = []
    for key in sites:
        p = site_key(key)
        reqs = sum(v for k, v in stats.items() if k.startswith(p + "responses/"))
        rows.append((key, [reqs] + [int(stats.get(p + k, 0)) for k in ("list_pages", "articles", "new", "errors")]))
    return rows


def site_table(stats: dict, sites: list[str], title: str | None = None) -> Table:
    t = Table(title=title, show_lines=False)
    t.add_column("site")
    for c in COLUMNS:
        t.add_column(c, justify="right")
    for key, values in site_rows(stats, sites):
        t.add_row(safe(key), *map(str, values))
    return t


def headline(stats: dict, sites: list[str], state: str = "crawling") -> str:
    """``state: N requests, M articles (K new), E errors``: the table's column sums."""
    totals = [sum(col) for col in zip(*(v for _, v in site_rows(stats, sites)))] or [0] * len(COLUMNS)
    reqs, _, arts, new, errs = totals
    return f"{state}: {reqs} requests, {arts} articles ({new} new), {errs} errors"


class Progress:
    def __init__(self, crawler):
        self.crawler = crawler
        self.console = Console(stderr=True)
        self.live = None
        self.state = "crawling"
        self.loop = task.LoopingCall(self.refresh)
        crawler.signals.connect(self.opened, signal=signals.spider_opened)
        crawler.signals.connect(self.stopping, signal=crawl_stopping)
        crawler.signals.connect(self.closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler):
        if not crawler.settings.getbool("PROGRESS_ENABLED"):
            raise NotConfigured
        return cls(crawler)

    def _table(self):
        stats = self.crawler.stats.get_stats()
        sites = list(getattr(self.crawler.spider, "sites", {}))
        return site_table(stats, sites, headline(stats, sites, self.state))

    def opened(self, spider=None):
        self.live = Live(self._table(), console=self.console, refresh_per_second=4, transient=True)
        self.live.start()
        self.loop.start(0.5, now=False)

    def stopping(self):
        self.state = "stopping"
        self.refresh()

    def refresh(self):
        if self.live:
            self.live.update(self._table())

    def closed(self, spider=None, reason=None):
        if self.loop.running:
            self.loop.stop()
        if self.live:
            self.live.stop()
            self.live = None
