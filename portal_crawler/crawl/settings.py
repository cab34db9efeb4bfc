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

# A body shorter than its Content-Length is an error (retried), never a short page;
# crawl/integrity.py catches the truncation HTTP framing cannot show.
DOWNLOAD_FAIL_ON_DATALOSS = True

DOWNLOADER_MIDDLEWARES = {
    "portal_crawler.crawl.middlewares.OffsiteGuard": 50,
    "portal_crawler.crawl.middlewares.BackoffRetry": 550,
    "portal_crawler.crawl.integrity.IntegrityCheck": 560,
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
# Seconds the archive writer waits for another program's write lock before it gives up
# and the crawl stops (exit 5, README "Reliability").
ARCHIVE_BUSY_TIMEOUT = 10.0
PROGRESS_ENABLED = False

# Incremental crawling: a channel's paging stops at the first list page that holds
# only archived articles; this many further pages are read as an overlap.
INCREMENTAL_OVERLAP_PAGES = 0

FEED_EXPORT_ENCODING = "utf-8"
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
