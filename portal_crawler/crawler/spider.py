"""The portal spider: home -> nav channels -> list pages -> articles (all pages).

One spider crawls many sites at once; each site is its own download slot, so per-site
politeness holds even when sites share a host. Lists are walked page by page, never
fanned out (a pager may claim 共1000000页). Incremental by default, with a backfill
frontier (crawler/backfill.py): a channel's paging stops at known articles only once its
list was walked to the end. Every walk is bounded by the site's limits (crawler/limits.py).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import replace
import logging
from urllib.parse import urljoin, urlsplit

import scrapy
from scrapy.downloadermiddlewares.retry import get_retry_request
from scrapy.exceptions import IgnoreRequest
from scrapy.spidermiddlewares.httperror import HttpError
from parsel import Selector

from portal_crawler import discover
from portal_crawler.extract import extract_page, merge_pages
from portal_crawler.discover.feeds import rss_feeds
from portal_crawler.extract.dates import parse_date
from portal_crawler.extract.dom import parse as parse_html
from portal_crawler.extract.encoding import decode_html
from portal_crawler.crawler.keyset import KeySet
from portal_crawler.crawler.files import FileFetcher
from portal_crawler.discover.resources import page_resources
from portal_crawler.crawler.backfill import HEAD_KEYS, Backfill
from portal_crawler.crawler.downloader.blocking import SitePaused, is_block_failure
from portal_crawler.crawler.items import ArticleItem
from portal_crawler.crawler.limits import site_limits, size_limit_hit
from portal_crawler.record import RECORD_KEYS
from portal_crawler.crawler.lock import ArchiveLock
from portal_crawler.crawler.sitesettings import apply_site_settings
from portal_crawler.sites.registry import Site, resolve_sites
from portal_crawler.store.archive import Archive
from portal_crawler.store.attachments import known_file_urls, known_resource_urls, recheck_validators
from portal_crawler.urls import canonical_url, identity_key
from portal_crawler.crawler.stats import CHANNEL_FILTER, ERRORS, site_key
from portal_crawler.crawler.stopping import StopRequested

logger = logging.getLogger(__name__)
# What a failed request asked for, by its callback (crawl_errors.kind).
_KINDS = {"parse_article": "article", "parse_list": "list", "parse_home": "home"}
_RETRY_META = ("clicks", "list_date", "channel")  # what a list said of a request, kept to ask again
CN = dt.timezone(dt.timedelta(hours=8))


class PortalSpider(scrapy.Spider):
    name = "portal"

    def __init__(self, sites: list[Site], known: dict[str, set[str]] | None = None, channels: list[str] | None = None,
                 since: str | None = None, max_articles: int | None = None, refresh_days: int | None = None,
                 overlap_pages: int | None = None, full_lists: bool = False, backfill: list[dict] | None = None,
                 refetch: dict[str, list[dict]] | None = None, retry: dict[str, list[dict]] | None = None,
                 **kw):
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
        self.requested = KeySet()  # identity keys of articles asked for in this run (8 bytes each)
        self.backfill = Backfill(backfill)
        self.requests_made: dict[str, int] = {k: 0 for k in self.sites}
        self.channel_urls: dict[str, set[str]] = {k: set() for k in self.sites}
        self.channel_names: dict[str, list[str]] = {k: [] for k in self.sites}
        self.limits: dict[str, dict] = {}
        self.refetch = {k: list((refetch or {}).get(k, [])) for k in self.sites}  # stored truncated
        self.retry = {k: list((retry or {}).get(k, [])) for k in self.sites}  # failed in the last run
        self.failed: list[dict] = []  # requests that failed after their retries (crawl_errors)

    @classmethod
    def from_crawler(cls, crawler, *args, sites=None, sites_file=None, known=None, backfill=None,
                     known_files=None, known_resources=None, recheck=None, **kwargs):
        """Also the entry of ``scrapy crawl portal -a sites=harbin,zhejiang -a sites_file=F
        -s PORTAL_DB=PATH``: ``-a`` values arrive as strings and are parsed here."""
        s = crawler.settings
        chosen = sites if isinstance(sites, list) else resolve_sites(sites or "all", sites_file)
        kwargs = _parse_args(kwargs)
        db = s.get("PORTAL_DB")
        if not s.getbool("PORTAL_LOCK_HELD"):  # `scrapy crawl`: nobody took the lock for us
            crawler.portal_lock = ArchiveLock(db).acquire()
        if known is None or backfill is None:
            with Archive.open(db, create=True) as ar:
                k, state = archive_state(ar, chosen, kwargs.get("full_lists", False))
            known = k if known is None else known
            backfill = state.pop("backfill") if backfill is None else backfill
            state.pop("backfill", None)
            files_known, res_known = state.pop("known_files"), state.pop("known_resources")
            known_files = files_known if known_files is None else known_files
            known_resources = res_known if known_resources is None else known_resources
            recheck = state.pop("recheck") if recheck is None else recheck
            state.pop("recheck", None)
            for key, value in state.items():
                kwargs.setdefault(key, value)
        apply_site_settings(s, chosen)
        spider = super().from_crawler(crawler, *args, sites=chosen, known=known, backfill=backfill, **kwargs)
        if spider.overlap is None:
            spider.overlap = s.getint("INCREMENTAL_OVERLAP_PAGES")
        spider.limits = {k: site_limits(site, s) for k, site in spider.sites.items()}
        spider.files = FileFetcher.from_crawler(crawler, spider, known_files or set(), known_resources or set(),
                                                recheck)
        return spider

    # -- helpers -------------------------------------------------------------------------
    def _req(self, url: str, callback, site: Site, errback=None, **meta) -> scrapy.Request | None:
        """A request to ``site``, or None once the site's request budget is spent."""
        lim = self.limits[site.key]
        if self.requests_made[site.key] >= lim["max_requests"]:
            self._limit(site.key, "max_requests", url)
            return None
        self.requests_made[site.key] += 1
        meta.update(site=site.key, download_slot=site.key, download_maxsize=lim["download_maxsize"],
                    download_warnsize=lim["download_warnsize"])
        # On --resume, requests the interrupted run had already scheduled are in the
        # persisted seen-set; anything not archived yet must be fetchable again.
        return scrapy.Request(url, callback=callback, errback=errback or self.on_error, meta=meta,
                              dont_filter=self.full_lists)

    def _limit(self, site: str, name: str, url: str | None = None) -> None:
        """Count a limit hit (stored per site in crawl_runs) with a few example URLs."""
        self._inc(site, f"limits/{name}")
        key = site_key(site, f"limit_urls/{name}")
        urls = self.crawler.stats.get_value(key) or []
        if url and len(urls) < 5 and url not in urls:
            self.crawler.stats.set_value(key, urls + [url])
        if self.crawler.stats.get_value(site_key(site, f"limits/{name}")) == 1:
            logger.warning("site %s: limit %s reached (%s)", site, name, url)

    def _channel(self, url: str, site: Site, name: str | None):
        """The first list page of a channel (its walk is keyed by that page's URL)."""
        key = canonical_url(url)
        if key in self.channel_urls[site.key]:  # named by the nav and the sitemap: one walk
            return
        self.channel_urls[site.key].add(key)
        self.crawler.stats.set_value(site_key(site.key, "channels"), len(self.channel_urls[site.key]))
        req = self._req(url, self.parse_list, site, channel=name, walk=key, list_page=1)
        if req is not None:
            self.backfill.walk(site.key, key, name).list_requests += 1
            yield req

    def _inc(self, site: str, what: str, n: int = 1) -> None:
        self.crawler.stats.inc_value(site_key(site, what), n)

    def _decode(self, response) -> tuple[str, Selector]:
        """Decoded text and a Selector over the tree the extractor's parser builds: one
        parser for every page kind (extract.dom.parse), one tree per response."""
        text, _ = decode_html(response.body, response.headers.get("Content-Type", b"").decode("latin-1") or None)
        root = parse_html(text)
        return text, (Selector(root=root, type="html") if root is not None else Selector(text=text or "<html/>"))

    def on_error(self, failure):
        """A request that failed after its retries is an error (exit 1, `crawl_errors`);
        only robots.txt and off-site filtering are "skipped". Scrapy files an HTTP error
        status under IgnoreRequest (HttpError), so that is checked first."""
        site = failure.request.meta.get("site", "?")
        if is_block_failure(failure):  # a block page, or a paused site: asked for again next run
            self._inc(site, "not_fetched_paused" if failure.check(SitePaused) else "blocked_urls")
            self._record(failure.request, str(failure.value))
            return
        if size_limit_hit(failure):  # a limit, not a fault: warned, and its entry counts as done
            self._limit(site, "download_maxsize", failure.request.url)
            if failure.request.meta.get("key"):
                self.backfill.done(failure.request.meta["key"])
            return
        if failure.check(StopRequested):   # not sent: the crawl is stopping (the next run asks again)
            return
        if not failure.check(HttpError) and failure.check(IgnoreRequest):
            self._inc(site, "skipped")
            return
        why = failure.value
        if failure.check(HttpError):
            why = f"HTTP {failure.value.response.status}"
        else:
            why = f"{type(why).__name__}: {why}" if str(why) else type(why).__name__
        self._fail(failure.request, why)

    def _fail(self, req, why) -> None:
        site = req.meta.get("site", "?")
        self._inc(site, "errors")
        self.crawler.stats.inc_value(ERRORS)
        self._record(req, why)
        logger.warning("request failed: %s (%s)", req.url, why)

    def _record(self, req, why) -> None:
        """Keep a request that brought nothing (crawl_errors): the next crawl asks again."""
        site = req.meta.get("site", "?")
        kind = _KINDS.get(getattr(req.callback, "__name__", ""), "other")
        self.failed.append({"site": site, "url": req.url, "kind": kind, "error": " ".join(str(why).split())[:300],
                            "retry_url": req.meta.get("first_url", req.url),
                            "retry_meta": {k: req.meta[k] for k in _RETRY_META if req.meta.get(k) is not None}})

    def _wanted_channel(self, ch: dict, site: Site | None = None) -> bool:
        if site is not None and ch["name"] not in self.channel_names[site.key]:
            self.channel_names[site.key].append(ch["name"])
            self.crawler.stats.set_value(site_key(site.key, "channel_names"), self.channel_names[site.key])
        if not self.channel_filter:
            return True
        path = urlsplit(ch["url"]).path.strip("/").split("/")
        return any(f == ch["name"] or f in path for f in self.channel_filter)

    # -- crawl ---------------------------------------------------------------------------
    async def start(self):
        if self.channel_filter:  # named in the nothing-to-crawl warning (CrawlResult)
            self.crawler.stats.set_value(CHANNEL_FILTER, self.channel_filter)
        for site in self.sites.values():
            again = []
            for r in self.refetch[site.key]:  # stored truncated: fetch again, whatever the lists say
                self.requested.add(identity_key(r["url"]))
                again.append(self._req(r["url"], self.parse_article, site, refresh=True, clicks=r["clicks"]))
            # What failed after its retries in the last run is asked for again: nothing
            # stays lost because the incremental walk stops before it.
            for r in self.retry[site.key]:
                if r["kind"] == "article" and identity_key(r["url"]) not in self.requested:
                    self.requested.add(identity_key(r["url"]))
                    again.append(self._req(r["url"], self.parse_article, site, **r.get("meta", {})))
                elif r["kind"] == "list":
                    again.append(self._req(r["url"], self.parse_list, site, fanned=True, **r.get("meta", {})))
            for req in again:
                if req is not None:  # None: the site's request budget is spent
                    yield req
            if site.channels:  # channels given in the sites file: skip the home page
                self.crawler.stats.set_value(site_key(site.key, "channels"), 0)
                for ch in site.channels:
                    if self._wanted_channel(ch, site):
                        for r in self._channel(urljoin(site.base_url, ch["url"]), site, ch["name"]):
                            yield r
            elif (r := self._req(site.base_url, self.parse_home, site)) is not None:
                yield r

    def parse_home(self, response):
        site = self.sites[response.meta["site"]]
        self._inc(site.key, f"responses/{response.status}")
        _, sel = self._decode(response)
        self.friend_links[site.key] = discover.friend_links(sel, response.url)
        # Counted as found only when a list is asked for: 0 at the end means nothing to
        # crawl on this site (the CLI warns and exits 5).
        self.crawler.stats.set_value(site_key(site.key, "channels"), 0)
        nav = discover.nav_channels(sel, response.url)
        channels = [c for c in nav if self._wanted_channel(c, site)]
        for ch in channels:
            yield from self._channel(ch["url"], site, ch["name"])
        links = discover.special_links(sel, response.url)
        # The sitemap names channels the nav leaves out (sub-channels); RSS feeds are an
        # opt-in extra source (they carry no click counts, so lists stay the main one).
        if site.setting("use_sitemap", True) and links.get("sitemap"):
            if (r := self._req(links["sitemap"], self.parse_sitemap, site)) is not None:
                yield r
        if site.setting("use_rss", False):
            if (r := self._req(links.get("rss") or urljoin(site.base_url, "/data/rssmap.html"),
                               self.parse_rssmap, site)) is not None:
                yield r
        if not nav and not links.get("sitemap"):  # no nav, no sitemap: the home page is the list
            response.meta.update(walk=canonical_url(response.url), list_page=1, home_list=True)
            yield from self.parse_list(response)

    def parse_sitemap(self, response):
        site = self.sites[response.meta["site"]]
        self._inc(site.key, f"responses/{response.status}")
        _, sel = self._decode(response)
        for ch in discover.sitemap_channels(sel, response.url):
            if urlsplit(ch["url"]).netloc.lower() == site.netloc and self._wanted_channel(ch, site):
                yield from self._channel(ch["url"], site, ch["name"])

    def parse_rssmap(self, response):
        site = self.sites[response.meta["site"]]
        self._inc(site.key, f"responses/{response.status}")
        _, sel = self._decode(response)
        for url in rss_feeds(sel, response.url):
            if (r := self._req(url, self.parse_feed, site)) is not None:
                yield r

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
            if (r := self._req(it["url"], self.parse_article, site, list_date=it["date"], key=key)) is not None:
                self.requested.add(key)
                yield r

    def _recent(self, d: str | None) -> bool:
        """``d``: the list entry's date, already parsed (ISO)."""
        if not self.refresh_days or not d:
            return False
        cutoff = (dt.datetime.now(CN) - dt.timedelta(days=self.refresh_days)).date().isoformat()
        return d[:10] >= cutoff

    def parse_list(self, response):
        site = self.sites[response.meta["site"]]
        lim = self.limits[site.key]
        self._inc(site.key, f"responses/{response.status}")
        html, sel = self._decode(response)
        page = discover.parse_list(sel, response.url, html, limit=lim["max_links_per_page"])
        channel = response.meta.get("channel")
        walk = self.backfill.walk(site.key, response.meta.get("walk") or canonical_url(response.url), channel)
        depth = response.meta.get("list_page", 1)  # not "depth": Scrapy's DepthMiddleware owns it
        entries = [e for e in page.entries if urlsplit(e.url).netloc.lower() == site.netloc]
        if len(entries) > lim["max_links_per_page"]:
            self._limit(site.key, "max_links_per_page", response.url)
            entries = entries[:lim["max_links_per_page"]]
        if response.meta.get("home_list"):
            if not entries:
                return
            self.channel_urls[site.key].add(walk.channel_url)
            self.crawler.stats.set_value(site_key(site.key, "channels"), len(self.channel_urls[site.key]))
        state = walk.page(depth, response.url)
        keys = [identity_key(e.url) for e in entries]
        # each entry's date parsed once (it was parsed up to four times per entry: issue #19)
        parsed = [parse_date(e.date).value if e.date else None for e in entries]
        dates = [d[:10] for d in parsed if d]
        state.dates = dates
        if depth == 1 and not walk.head_keys:
            walk.head_keys = keys[-HEAD_KEYS:]
            walk.head_date = dates[-1] if dates else None
        fresh = 0
        too_old = False
        capped = False
        for e, key, date in zip(entries, keys, parsed):
            if walk.is_prior_head(key, date):
                walk.met_prior_at = depth
            if self.since and date and date[:10] < self.since:
                too_old = True
                state.skipped = True
                continue
            if key in self.requested:  # listed again (parent and child channel lists)
                self.backfill.wait(state, key)
                continue
            new = key not in self.known[site.key]
            if not new and not self._recent(date):
                continue
            fresh += 1
            if self.max_articles is not None and self.scheduled[site.key] >= self.max_articles:
                capped = state.skipped = True
                continue
            req = self._req(e.url, self.parse_article, site, clicks=e.clicks, list_date=e.date,
                            refresh=not new, key=key)
            if req is None:  # the site's request budget is spent
                capped = state.skipped = True
                continue
            self.scheduled[site.key] += 1
            self.requested.add(key)
            self.backfill.wait(state, key)
            yield req
        self._inc(site.key, "list_pages")
        if capped or too_old:
            return
        # Traps: a list that adds no new article, or gets no older, page after page.
        no_new, not_older = walk.staleness(keys, dates)
        if max(no_new, not_older) >= lim["max_stale_list_pages"]:
            self._limit(site.key, "list_no_new_urls" if no_new >= not_older else "list_not_older", response.url)
            return
        if not page.next_url or page.next_url == response.url:
            walk.end_depth = depth
            return
        if walk.met_prior_at is not None and walk.prior.get("complete") and not self.full_lists:
            # Past the stored head of a complete channel: stop at known articles.
            streak = 0 if fresh else response.meta.get("known_streak", 0) + 1
            if streak > self.overlap:
                walk.stopped_known_at = depth
                return
        else:
            streak = 0
        if walk.list_requests >= lim["max_list_pages"]:
            self._limit(site.key, "max_list_pages", page.next_url)
            return
        nxt, nxt_depth = page.next_url, depth + 1
        target = walk.jump_target(depth, page.page_urls)
        if target is not None:
            nxt_depth, nxt = target
            walk.jump(depth, nxt_depth)
        req = self._req(nxt, self.parse_list, site, channel=channel, walk=walk.channel_url, list_page=nxt_depth,
                        known_streak=streak)
        if req is not None:
            walk.list_requests += 1
            yield req

    def parse_article(self, response):
        site = self.sites[response.meta["site"]]
        self._inc(site.key, f"responses/{response.status}")
        res = extract_page(response.body, response.url,
                           response.headers.get("Content-Type", b"").decode("latin-1") or None, site)
        # Carried to the next page's request: the extracted record, not the decoded page
        # (a 5 MB page would otherwise ride along in meta until the article is done).
        parts = response.meta.get("parts", []) + [(replace(res, text=""), response.meta.get("warc"))]
        requisites = response.meta.get("requisites", []) + (
            page_resources(res.text, response.url) if self.files.resources and res.kind == "article" else [])
        if res.kind != "article":
            self._inc(site.key, "not_article")
            logger.info("not an article page: %s", response.url)
            if response.meta.get("key"):  # nothing to archive there: the list entry is done
                self.backfill.done(response.meta["key"])
            if res.kind == "other" and b"html" in response.headers.get("Content-Type", b"html").lower():
                # A listed article answering with an error page (status 200): retried,
                # then an error the next crawl asks for again - never silently dropped.
                retry = get_retry_request(response.request, spider=self, reason="not an article page")
                if retry is not None:
                    yield retry
                else:
                    self._fail(response.request, "not an article page (an error page with status 200?)")
            return
        remaining = response.meta.get("remaining")
        if remaining is None and res.page_urls:
            remaining = list(res.page_urls)
            limit = self.limits[site.key]["max_article_pages"]
            if len(remaining) >= limit:  # the first N pages are archived, the rest left
                self._limit(site.key, "max_article_pages", response.url)
                remaining = remaining[:limit - 1]
                response.meta["cut"] = True
        if remaining:
            nxt, rest = remaining[0], remaining[1:]
            # refresh: page k of a re-checked article may be a revisit too (crawler/extensions/warc.py).
            req = self._req(nxt, self.parse_article, site, parts=parts, remaining=rest, key=response.meta.get("key"),
                            requisites=requisites,
                            cut=response.meta.get("cut", False), refresh=response.meta.get("refresh", False),
                            clicks=response.meta.get("clicks"), first_url=response.meta.get("first_url", response.url))
            if req is not None:
                yield req
            return
        item = self._item(site, parts, response)
        # The article's attachments are fetched before its item goes out (crawler/files.py):
        # the item carries their captures and text to the archive.
        yield from self.files.start(item, site, response.meta.get("key"), requisites)

    # Attachment and resource callbacks: spider methods, so that a request serialises
    # (scale-out frontier) with its callback; the work is crawler/files.py's.
    async def parse_file(self, response):
        async for out in self.files.parse(response):
            yield out

    def file_failed(self, failure):
        return self.files.failed(failure)

    def claim_file(self, url: str) -> bool:
        """True when this process is the one to fetch ``url`` (an attachment or page
        resource not asked for elsewhere in the run); the scale-out spider asks Redis."""
        return True

    def emit(self, item: ArticleItem, key: str | None):
        """The article's item, once its pages and attachments are in."""
        published = getattr(item, "published_at", None)
        # An article the archive drops (published before --since) stays missing.
        if key and not (self.since and published and published[:10] < self.since):
            self.backfill.done(key)
        yield item

    def _item(self, site: Site, parts, response) -> ArticleItem:
        results = [p[0] for p in parts]
        record = merge_pages(results) if len(results) > 1 else dict(results[0].record)
        first_url = response.meta.get("first_url", response.url)
        record["url"] = canonical_url(first_url)
        record["site"] = site.key
        if record.get("clicks") is None:
            record["clicks"] = response.meta.get("clicks")
        record.setdefault("pages", len(results))
        if response.meta.get("cut"):  # cut at max_article_pages: the pages stored, as warc_refs
            record["pages"] = len(results)
        refs = [list(p[1]) for p in parts if p[1]]
        first = refs[0] if refs else (None, None)
        item = ArticleItem(**{k: record.get(k) for k in RECORD_KEYS if record.get(k) is not None},
                           fetched_at=dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
                           warc_refs=refs, warc_file=first[0], warc_offset=first[1])
        self._inc(site.key, "articles")
        return item


def archive_state(ar: Archive, sites: list[Site], full_lists: bool) -> tuple[dict, dict]:
    """What the archive tells a new crawl: the known identity keys per site, and
    spider arguments so that nothing stays lost - URLs stored truncated (``refetch``),
    requests that failed in the last run (``retry``), the backfill state of every channel
    (``backfill``), and after a run that did not
    finish (killed, writer failure, shutdown) every list walked again (``full_lists``):
    the incremental walk would stop at pages the lost run had half archived."""
    keys = [s.key for s in sites]
    known = {k: ar.known_keys(site=k) for k in keys}
    state = {"backfill": [r for k in keys for r in ar.backfill(site=k)],  # crawler/backfill.py
             "refetch": {k: ar.refetch_urls(site=k) for k in keys},
             "retry": {k: ar.retry_requests(k) for k in keys},
             "full_lists": full_lists or ar.last_run_unfinished(keys),
             "known_files": known_file_urls(ar.conn),     # attachments and page resources:
             "known_resources": known_resource_urls(ar.conn),   # fetched once per archive,
             "recheck": {"files": recheck_validators(ar.conn, "attachments"),   # re-checked
                         "resources": recheck_validators(ar.conn, "resources")}}   # conditionally
    return known, state


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
