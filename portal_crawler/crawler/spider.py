"""The portal spider: home -> nav channels -> list pages -> articles (all pages).

One spider crawls many sites at once; each site is its own download slot, so per-site
politeness holds even when sites share a host. Incremental by default: a channel's
paging stops once a list page holds only archived articles.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import replace
import logging
from urllib.parse import urljoin, urlsplit

import scrapy
from scrapy.exceptions import IgnoreRequest
from parsel import Selector

from portal_crawler import discover
from portal_crawler.extract import extract_page, merge_pages
from portal_crawler.discover.feeds import rss_feeds
from portal_crawler.extract.dates import parse_date
from portal_crawler.extract.dom import parse as parse_html
from portal_crawler.extract.encoding import decode_html
from portal_crawler.crawler.items import ArticleItem
from portal_crawler.record import RECORD_KEYS
from portal_crawler.crawler.lock import ArchiveLock
from portal_crawler.crawler.sitesettings import apply_site_settings
from portal_crawler.sites.registry import Site
from portal_crawler.store.archive import Archive
from portal_crawler.urls import canonical_url, identity_key

logger = logging.getLogger(__name__)
CN = dt.timezone(dt.timedelta(hours=8))


class PortalSpider(scrapy.Spider):
    name = "portal"

    def __init__(self, sites: list[Site], known: dict[str, set[str]] | None = None, channels: list[str] | None = None,
                 since: str | None = None, max_articles: int | None = None, refresh_days: int | None = None,
                 overlap_pages: int | None = None, full_lists: bool = False, **kw):
        super().__init__(**kw)
        self.sites = {s.key: s for s in sites}
        self.known = {k: (known or {}).get(k, set()) for k in self.sites}  # site -> identity keys
        self.channel_filter = [c.strip() for c in (channels or []) if c.strip()]
        self.since = parse_date(since).value[:10] if since else None
        self.max_articles = max_articles
        self.refresh_days = refresh_days
        self.overlap = overlap_pages
        self.full_lists = full_lists  # --resume: walk every list page again, fetch what is missing
        self.slot_for_netloc = {s.netloc: s.key for s in sites}
        self.scheduled: dict[str, int] = {k: 0 for k in self.sites}
        self.friend_links: dict[str, list[dict]] = {}
        self.requested: set[str] = set()  # identity keys of articles asked for in this run

    @classmethod
    def from_crawler(cls, crawler, *args, sites=None, sites_file=None, known=None, **kwargs):
        """Also the entry of ``scrapy crawl portal -a sites=harbin,zhejiang -a sites_file=F
        -s PORTAL_DB=PATH``: ``-a`` values arrive as strings and are parsed here."""
        s = crawler.settings
        chosen = sites if isinstance(sites, list) else resolve_sites(sites or "all", sites_file)
        kwargs = _parse_args(kwargs)
        db = s.get("PORTAL_DB")
        if not s.getbool("PORTAL_LOCK_HELD"):  # `scrapy crawl`: nobody took the lock for us
            crawler.portal_lock = ArchiveLock(db).acquire()
        if known is None:
            with Archive.open(db, create=True) as ar:
                known = {site.key: ar.known_keys(site=site.key) for site in chosen}
        apply_site_settings(s, chosen)
        spider = super().from_crawler(crawler, *args, sites=chosen, known=known, **kwargs)
        if spider.overlap is None:
            spider.overlap = s.getint("INCREMENTAL_OVERLAP_PAGES", 0)
        return spider

    # -- helpers -------------------------------------------------------------------------
    def _req(self, url: str, callback, site: Site, **meta) -> scrapy.Request:
        meta.update(site=site.key, download_slot=site.key)
        # On --resume, requests the interrupted run had already scheduled are in the
        # persisted seen-set; anything not archived yet must be fetchable again.
        return scrapy.Request(url, callback=callback, errback=self.on_error, meta=meta,
                              dont_filter=self.full_lists)

    def _inc(self, site: str, what: str, n: int = 1) -> None:
        self.crawler.stats.inc_value(f"site/{site}/{what}", n)

    def _decode(self, response) -> tuple[str, Selector]:
        """Decoded text and a Selector over the tree the extractor's parser builds: one
        parser for every page kind (extract.dom.parse), one tree per response."""
        text, _ = decode_html(response.body, response.headers.get("Content-Type", b"").decode("latin-1") or None)
        root = parse_html(text)
        return text, (Selector(root=root, type="html") if root is not None else Selector(text=text or "<html/>"))

    def on_error(self, failure):
        site = failure.request.meta.get("site", "?")
        if failure.check(IgnoreRequest):  # robots.txt or off-site: skipped, not failed
            self._inc(site, "skipped")
            return
        self._inc(site, "errors")
        self.crawler.stats.inc_value("portal/errors")
        logger.warning("request failed: %s (%s)", failure.request.url, failure.value)

    def _wanted_channel(self, ch: dict) -> bool:
        if not self.channel_filter:
            return True
        path = urlsplit(ch["url"]).path.strip("/").split("/")
        return any(f == ch["name"] or f in path for f in self.channel_filter)

    # -- crawl ---------------------------------------------------------------------------
    async def start(self):
        for site in self.sites.values():
            if site.channels:  # channels given in the sites file: skip the home page
                for ch in site.channels:
                    if self._wanted_channel(ch):
                        yield self._req(urljoin(site.base_url, ch["url"]), self.parse_list, site, channel=ch["name"])
            else:
                yield self._req(site.base_url, self.parse_home, site)

    def parse_home(self, response):
        site = self.sites[response.meta["site"]]
        self._inc(site.key, f"responses/{response.status}")
        _, sel = self._decode(response)
        self.friend_links[site.key] = discover.friend_links(sel, response.url)
        channels = [c for c in discover.nav_channels(sel, response.url) if self._wanted_channel(c)]
        self.crawler.stats.set_value(f"site/{site.key}/channels", len(channels))
        for ch in channels:
            yield self._req(ch["url"], self.parse_list, site, channel=ch["name"])
        links = discover.special_links(sel, response.url)
        # The sitemap names channels the nav leaves out (sub-channels); RSS feeds are an
        # opt-in extra source (they carry no click counts, so lists stay the main one).
        if site.setting("use_sitemap", True) and links.get("sitemap"):
            yield self._req(links["sitemap"], self.parse_sitemap, site)
        if site.setting("use_rss", False):
            yield self._req(links.get("rss") or urljoin(site.base_url, "/data/rssmap.html"), self.parse_rssmap, site)
        if not channels and not links.get("sitemap"):  # no nav, no sitemap: the home page is the list
            yield from self.parse_list(response)

    def parse_sitemap(self, response):
        site = self.sites[response.meta["site"]]
        self._inc(site.key, f"responses/{response.status}")
        _, sel = self._decode(response)
        for ch in discover.sitemap_channels(sel, response.url):
            if self._wanted_channel(ch) and urlsplit(ch["url"]).netloc.lower() == site.netloc:
                yield self._req(ch["url"], self.parse_list, site, channel=ch["name"])

    def parse_rssmap(self, response):
        site = self.sites[response.meta["site"]]
        self._inc(site.key, f"responses/{response.status}")
        _, sel = self._decode(response)
        for url in rss_feeds(sel, response.url):
            yield self._req(url, self.parse_feed, site)

    def parse_feed(self, response):
        site = self.sites[response.meta["site"]]
        self._inc(site.key, f"responses/{response.status}")
        xml, _ = decode_html(response.body, None)
        for it in discover.rss_items(xml, response.url):
            key = identity_key(it["url"])
            if key in self.requested or key in self.known[site.key]:
                continue
            if urlsplit(it["url"]).netloc.lower() != site.netloc:
                continue
            self.requested.add(key)
            yield self._req(it["url"], self.parse_article, site, list_date=it["date"])

    def _recent(self, date: str | None) -> bool:
        if not self.refresh_days or not date:
            return False
        d = parse_date(date).value
        if not d:
            return False
        cutoff = (dt.datetime.now(CN) - dt.timedelta(days=self.refresh_days)).date().isoformat()
        return d[:10] >= cutoff

    def parse_list(self, response):
        site = self.sites[response.meta["site"]]
        self._inc(site.key, f"responses/{response.status}")
        html, sel = self._decode(response)
        page = discover.parse_list(sel, response.url, html)
        fresh = 0
        too_old = False
        for e in page.entries:
            if urlsplit(e.url).netloc.lower() != site.netloc:
                continue
            if self.since and e.date and (parse_date(e.date).value or "9999")[:10] < self.since:
                too_old = True
                continue
            key = identity_key(e.url)
            if key in self.requested:  # listed again (parent and child channel lists)
                continue
            new = key not in self.known[site.key]
            if not new and not self._recent(e.date):
                continue
            fresh += 1
            if self.max_articles is not None and self.scheduled[site.key] >= self.max_articles:
                continue
            self.scheduled[site.key] += 1
            self.requested.add(key)
            yield self._req(e.url, self.parse_article, site, clicks=e.clicks, list_date=e.date,
                            refresh=not new)
        self._inc(site.key, "list_pages")
        if self.max_articles is not None and self.scheduled[site.key] >= self.max_articles:
            return
        if too_old:
            return
        # First crawl of a site: ask for every page of the list at once (parallel);
        # later crawls page one at a time, to stop at the first page of known articles.
        complete = page.total_pages and len(page.page_urls) >= page.total_pages
        if (self.full_lists or not self.known[site.key]) and not response.meta.get("fanned") and complete:
            for n, url in sorted(page.page_urls.items()):
                if n != page.page_no:
                    yield self._req(url, self.parse_list, site, channel=response.meta.get("channel"), fanned=True)
            return
        if response.meta.get("fanned"):
            return
        streak = 0 if fresh else response.meta.get("known_streak", 0) + 1
        if page.next_url and (self.full_lists or streak <= self.overlap):
            yield self._req(page.next_url, self.parse_list, site, channel=response.meta.get("channel"),
                            known_streak=streak)

    def parse_article(self, response):
        site = self.sites[response.meta["site"]]
        self._inc(site.key, f"responses/{response.status}")
        res = extract_page(response.body, response.url,
                           response.headers.get("Content-Type", b"").decode("latin-1") or None, site)
        # Carried to the next page's request: the extracted record, not the decoded page
        # (a 5 MB page would otherwise ride along in meta until the article is done).
        parts = response.meta.get("parts", []) + [(replace(res, text=""), response.meta.get("warc"))]
        if res.kind != "article":
            self._inc(site.key, "not_article")
            logger.info("not an article page: %s", response.url)
            return
        remaining = response.meta.get("remaining")
        if remaining is None and res.page_urls:
            remaining = list(res.page_urls)
        if remaining:
            nxt, rest = remaining[0], remaining[1:]
            yield self._req(nxt, self.parse_article, site, parts=parts, remaining=rest,
                            clicks=response.meta.get("clicks"), first_url=response.meta.get("first_url", response.url))
            return
        yield self._item(site, parts, response)

    def _item(self, site: Site, parts, response) -> ArticleItem:
        results = [p[0] for p in parts]
        record = merge_pages(results) if len(results) > 1 else dict(results[0].record)
        first_url = response.meta.get("first_url", response.url)
        record["url"] = canonical_url(first_url)
        record["site"] = site.key
        if record.get("clicks") is None:
            record["clicks"] = response.meta.get("clicks")
        record.setdefault("pages", len(results))
        refs = [list(p[1]) for p in parts if p[1]]
        first = refs[0] if refs else (None, None)
        item = ArticleItem(**{k: record.get(k) for k in RECORD_KEYS if record.get(k) is not None},
                           fetched_at=dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
                           warc_refs=refs, warc_file=first[0], warc_offset=first[1])
        self._inc(site.key, "articles")
        return item


_INT_ARGS = ("max_articles", "refresh_days", "overlap_pages")


def _parse_args(kw: dict) -> dict:
    """``scrapy crawl -a`` gives strings: numbers, comma lists and flags become values."""
    out = dict(kw)
    for k in _INT_ARGS:
        if isinstance(out.get(k), str):
            out[k] = int(out[k])
    if isinstance(out.get("channels"), str):
        out["channels"] = [c for c in out["channels"].split(",") if c.strip()]
    if isinstance(out.get("full_lists"), str):
        out["full_lists"] = out["full_lists"].lower() in ("1", "true", "yes")
    return out


def resolve_sites(sites, sites_file):
    from portal_crawler.crawler.run import resolve_sites as resolve
    return resolve(sites, sites_file)
