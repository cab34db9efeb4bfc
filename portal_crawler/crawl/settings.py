"""Scrapy settings for portal-crawler. The CLI overrides the per-run ones."""

BOT_NAME = "portal_crawler"
SPIDER_MODULES = ["portal_crawler.crawl.spider"]

# An honest User-Agent; CONTACT is filled from --contact / PORTAL_CRAWLER_CONTACT.
CONTACT = "https://github.com/portal-crawler/portal-crawler"
USER_AGENT = f"portal-crawler/0.1 (+{CONTACT})"

ROBOTSTXT_OBEY = True
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
LOG_LEVEL = "INFO"

# Politeness: every site is its own download slot (see crawl/spider.py), so these
# caps hold per site even when several sites share one host. DOWNLOAD_SLOTS is built
# from the registry's per-site settings at crawl time.
CONCURRENT_REQUESTS = 32
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 0.5
RANDOMIZE_DOWNLOAD_DELAY = True
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 0.5
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_TIMEOUT = 30
RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]

# One article is fetched once whatever URL form links to it.
REQUEST_FINGERPRINTER_CLASS = "portal_crawler.crawl.fingerprint.PortalFingerprinter"

DOWNLOADER_MIDDLEWARES = {
    "portal_crawler.crawl.middlewares.OffsiteGuard": 50,
    "portal_crawler.crawl.middlewares.BackoffRetry": 550,
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
}
ITEM_PIPELINES = {
    "portal_crawler.crawl.pipelines.ArchivePipeline": 500,
}
EXTENSIONS = {
    "scrapy.extensions.throttle.AutoThrottle": None,
    "portal_crawler.crawl.throttle.SiteAutoThrottle": 0,
    "portal_crawler.crawl.warc.WarcWriter": 100,
    "portal_crawler.crawl.progress.Progress": 200,
}

# Where the archive lives; WARC files and job state go beside it.
ARCHIVE_PATH = "data/portal.db"
WARC_ENABLED = True
WARC_MAX_BYTES = 1_000_000_000
ARCHIVE_BATCH_SIZE = 200
PROGRESS_ENABLED = False

# Limits (crawl/limits.py, README "Limits"): defaults for every site; a site overrides
# one with the lower-case key in its sites-file `settings` (or `[defaults]`).
DOWNLOAD_MAXSIZE = 16 * 1024 * 1024     # Scrapy's own default is 1 GiB
DOWNLOAD_WARNSIZE = 2 * 1024 * 1024
PORTAL_MAX_REQUESTS = 200_000           # per site per run
PORTAL_MAX_LIST_PAGES = 1000            # per channel per run; the frontier resumes there
PORTAL_MAX_ARTICLE_PAGES = 50
PORTAL_MAX_LINKS_PER_PAGE = 500
PORTAL_MAX_STALE_LIST_PAGES = 3

# Incremental crawling: once a channel's list was walked to its end (the backfill
# frontier), paging stops at the first list page past the frontier's head that holds
# only archived articles; this many further pages are read as an overlap.
INCREMENTAL_OVERLAP_PAGES = 0

FEED_EXPORT_ENCODING = "utf-8"
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
