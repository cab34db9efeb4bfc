"""Scrapy settings for portal-crawler. The CLI overrides the per-run ones."""

BOT_NAME = "portal_crawler"
SPIDER_MODULES = ["portal_crawler.crawler.spider"]

from portal_crawler import __version__


def user_agent(contact: str) -> str:
    """The one User-Agent of every request we make: honest, naming whom to contact."""
    return f"portal-crawler/{__version__} (+{contact})"


CONTACT = "https://github.com/portal-crawler/portal-crawler"   # `--contact` replaces it
USER_AGENT = user_agent(CONTACT)

ROBOTSTXT_OBEY = True
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
LOG_LEVEL = "INFO"

# Politeness: every site is its own download slot (see crawler/spider.py), so these
# caps hold per site even when several sites share one host. DOWNLOAD_SLOTS is built
# from the registry's per-site settings at crawl time.
CONCURRENT_REQUESTS = 32
CONCURRENT_REQUESTS_PER_DOMAIN = 2
# The delay between two requests to one site is kept by crawler/downloader/pacing.py at send time
# (per site: sites.toml `download_delay`, `concurrency`, `randomize_delay`,
# `adaptive_delay`), so Scrapy's own slot delay and AutoThrottle stay off.
DOWNLOAD_DELAY = 0
DOWNLOAD_HANDLERS = {
    "http": "portal_crawler.crawler.downloader.pacing.PacedDownloadHandler",
    "https": "portal_crawler.crawler.downloader.pacing.PacedDownloadHandler",
}
PACING_ADAPTIVE = True           # follow each site's latency (floor: its own delay)
PACING_MAX_DELAY = 30.0
PACING_TARGET_CONCURRENCY = 1.0
PACING_SITES = {}                # per-site SitePolicy fields, built from the registry (sitesettings.py)
PACING_BOOK = None               # dotted path of a shared PaceBook class (scale-out); None: this process's
PACING_LOG_SENDS = False         # keep every send time (politeness tests, benchmarks)
PACING_INNER_HANDLER = "scrapy.core.downloader.handlers.http11.HTTP11DownloadHandler"
DOWNLOAD_TIMEOUT = 30
# Scrapy starts CONCURRENT_ITEMS worker tasks for every callback's output, however
# little it yields (ours: one item, or a list page's links). At Scrapy's 100 the task
# churn was a third of the crawler's time (154 vs 249 pages/s at no delay, benchmarks).
CONCURRENT_ITEMS = 8
RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
# BackoffRetry (crawler/downloader/middlewares.py): the n-th retry of a request waits
# about RETRY_BACKOFF_BASE * 2**n seconds (jittered), at most RETRY_BACKOFF_MAX.
RETRY_BACKOFF_BASE = 1.0
RETRY_BACKOFF_MAX = 60.0

# Scrapy's dupefilter with the fingerprints in 8 bytes each, not a set that grows with the crawl
DUPEFILTER_CLASS = "portal_crawler.crawler.keyset.CompactDupeFilter"
# One article is fetched once whatever URL form links to it.
REQUEST_FINGERPRINTER_CLASS = "portal_crawler.crawler.downloader.fingerprint.PortalFingerprinter"

# A body shorter than its Content-Length is an error (retried), never a short page;
# crawler/downloader/integrity.py catches the truncation HTTP framing cannot show.
DOWNLOAD_FAIL_ON_DATALOSS = True

DOWNLOADER_MIDDLEWARES = {
    "portal_crawler.crawler.downloader.middlewares.OffsiteGuard": 50,
    "portal_crawler.crawler.downloader.middlewares.BackoffRetry": 550,
    "portal_crawler.crawler.downloader.integrity.IntegrityCheck": 560,
    "portal_crawler.crawler.downloader.blocking.BlockGuard": 580,   # sees answers before retry does
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    # Scrapy's meta refresh (580), skipping pages without the word "refresh" (middlewares.py)
    "portal_crawler.crawler.downloader.middlewares.MetaRefreshGuard": 579,
    "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware": None,
}
# Dropped or failed items are logged by URL, not printed whole (crawler/logformatter.py).
LOG_FORMATTER = "portal_crawler.crawler.logformatter.PortalLogFormatter"
ITEM_PIPELINES = {
    "portal_crawler.crawler.pipelines.archive.ArchivePipeline": 500,
}
EXTENSIONS = {
    "scrapy.extensions.throttle.AutoThrottle": None,
    "portal_crawler.crawler.extensions.warc.WarcWriter": 100,
    "portal_crawler.crawler.extensions.progress.Progress": 200,
}

# Where the archive lives (`-s PORTAL_DB=PATH`); WARC files and job state go beside it
# (store/paths.py).
from portal_crawler.store.paths import DEFAULT_DB as PORTAL_DB  # noqa: E402
WARC_ENABLED = True
WARC_MAX_BYTES = 1_000_000_000
WARC_DIR = None                  # None: beside the archive (store/paths.py)
WARC_PREFIX = None               # file name prefix; None: the start time and the pid
WARC_OPERATOR = None             # warcinfo `operator`; None: CONTACT
ARCHIVE_BATCH_SIZE = 200
# A batch goes to the writer when it holds ARCHIVE_BATCH_SIZE articles or is this many
# seconds old, whichever comes first: the counts ("new") rise while a crawl runs.
ARCHIVE_FLUSH_INTERVAL = 1.0
# Seconds the archive writer waits for another program's write lock before it gives up
# and the crawl stops (exit 6, docs/operators.md "Reliability").
from portal_crawler.store.schema import BUSY_TIMEOUT as ARCHIVE_BUSY_TIMEOUT  # noqa: E402
# Bounds on each wait for the writer process (on the event loop, never blocking it).
ARCHIVE_WRITER_OPEN_TIMEOUT = 120.0    # to open the archive and start the run
ARCHIVE_WRITER_FINISH_TIMEOUT = 600.0  # to commit what it was sent and record the run
ARCHIVE_WRITER_EXIT_TIMEOUT = 30.0     # to exit after recording the run; then it is killed
ARCHIVE_WRITER_STALL = 0.0             # test knob: the writer sleeps this long before its first write
PROGRESS_ENABLED = False
# Stopping (crawler/stopping.py, docs/operators.md "Stopping a crawl"): after the first SIGINT or
# SIGTERM a crawl finishes what is on the wire and commits it; after STOP_TIMEOUT s, or
# at a second signal, the stop is forced: downloads are cancelled and the writer has
# STOP_FORCE_TIMEOUT s to commit what reached it.
STOP_TIMEOUT = 2.0
STOP_FORCE_TIMEOUT = 1.0
PORTAL_LOCK_HELD = False         # set by crawl(): the archive lock is taken (else the spider takes it)
PORTAL_RUN_ARGS = {}             # the run's arguments, recorded in crawl_runs.args
# The spider class a crawl runs (the scale-out coordinator sets its own).
PORTAL_SPIDER = "portal_crawler.crawler.spider.PortalSpider"

# Limits (crawler/limits.py, README "Limits"): defaults for every site; a site overrides
# one with the lower-case key in its sites-file `settings` (or `[defaults]`).
DOWNLOAD_MAXSIZE = 16 * 1024 * 1024     # Scrapy's own default is 1 GiB
DOWNLOAD_WARNSIZE = 2 * 1024 * 1024
PORTAL_MAX_REQUESTS = 200_000           # per site per run
PORTAL_MAX_LIST_PAGES = 1000            # per channel per run; the frontier resumes there
PORTAL_MAX_ARTICLE_PAGES = 50
PORTAL_MAX_LINKS_PER_PAGE = 500
PORTAL_MAX_STALE_LIST_PAGES = 3

# Attachments (crawler/files.py): fetched with their article, at most once per archive;
# a larger one than ATTACHMENT_MAXSIZE is recorded as skipped with its announced size
# (per site: `attachment_maxsize` in the sites file). Their text is read in a child
# process, per file bounded in time (s), address space and input size (bytes).
ATTACHMENTS_ENABLED = True
ATTACHMENT_MAXSIZE = 50 * 1024 * 1024
ATTACHMENT_TEXT_TIMEOUT = 30.0
ATTACHMENT_TEXT_MEMORY = 1024 * 1024 * 1024
ATTACHMENT_TEXT_MAXSIZE = 64 * 1024 * 1024
# Page resources (crawler/files.py): the images and stylesheets an article page loads,
# captured once per archive (the same payload under another URL: a revisit record), so
# its replay looks as the page did. They are fetched at the site's pace; robots.txt
# rules them only with RESOURCES_OBEY_ROBOTS. Off by default: they are page requisites,
# which a reader's browser loads with every page and archival crawlers (Heritrix,
# Browsertrix) fetch regardless, and DedeCMS sites disallow /templets, where their
# stylesheets live (obeying it replays every page unstyled). Attachments are documents
# of their own: they obey robots.txt like pages (ROBOTSTXT_OBEY; a disallowed one is
# recorded ``skipped``).
RESOURCES_ENABLED = True
RESOURCES_OBEY_ROBOTS = False
# Re-checks (crawler/files.py): an archived attachment or page resource is asked for
# again, conditionally (If-None-Match / If-Modified-Since with its stored validators),
# once per run when an article linking it is fetched. A 304 costs a request and no
# body; a changed file is captured anew (the earlier capture stays). Off: an archived
# file is never asked for again, and a changed one goes unnoticed.
FILES_RECHECK = True

# Blocked answers: anti-bot challenges, firewalls, rate limits (crawler/downloader/blocking.py,
# docs/operators.md "Blocks and back-off"). A site whose last BLOCK_BACKOFF_WINDOW answers were at
# least BLOCK_BACKOFF_SHARE blocked gets its delay multiplied by BLOCK_BACKOFF_FACTOR
# (at least BLOCK_BACKOFF_MIN_DELAY s); after BLOCK_PAUSE_AFTER blocked answers in a row
# (sites file: `block_pause_after`) it is paused for the run.
BLOCK_BACKOFF_WINDOW = 10
BLOCK_BACKOFF_SHARE = 0.5
BLOCK_BACKOFF_FACTOR = 2.0
BLOCK_BACKOFF_MIN_DELAY = 2.0
BLOCK_PAUSE_AFTER = 20

# Field monitors (crawler/monitors.py, docs/operators.md "Monitors"): thresholds of the findings a
# run ends with (exit 7). A sites file overrides them key by key in [defaults.monitors]
# and per site in its settings' `monitors` table.
MONITORS = {
    "min_new_articles": 5,       # coverage is judged on at least this many new records
    "body_min_chars": 50,        # a body shorter than this counts as missing
    "coverage_drop": 0.3,        # a field's share this far below the site's history
    "history_runs": 5,           # finished runs the history is taken from
    "min_coverage": {"title": 0.9, "published_at": 0.9, "body": 0.9},   # absolute floors
    "zero_new_after": 3,         # runs in a row with new articles before "none" is a finding
    "blocked_share": 0.0,        # blocked answers above this share of a site's answers
    "template_fallback_share": 0.3,   # articles where the generic extractor took over
}

# Incremental crawling: once a channel's list was walked to its end (the backfill
# frontier), paging stops at the first list page past the frontier's head that holds
# only archived articles; this many further pages are read as an overlap.
INCREMENTAL_OVERLAP_PAGES = 0

FEED_EXPORT_ENCODING = "utf-8"
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"

# Scale-out (portal_crawler/scaleout/, the `scaleout` extra; README "Scale-out", docs/design.md
# section 9). Wired in only by `crawl --redis` / `worker`; these are the defaults of its knobs.
# `crawl(..., redis=URL)`: the function that makes a crawl's settings those of a
# scale-out coordinator. Named here so that the crawl core never imports scale-out.
SCALEOUT_COORDINATE = "portal_crawler.scaleout.coordinator.coordinate"
SCALEOUT_PREFIX = "portal"     # every Redis key of a run starts with this
SCALEOUT_TICK = 0.25           # s between two heartbeats of a process (and the coordinator's checks)
SCALEOUT_GRACE = 1.0           # s the shared queue and every lease must stay empty before the end
SCALEOUT_DEAD_AFTER = 6.0      # s without a heartbeat: a process is dead, its leases go back to the queue
SCALEOUT_RESUME = False        # the coordinator keeps the interrupted run's queue (`crawl --resume`)
SCALEOUT_ROLE = None           # set per process: "coordinator" or "worker"
SCALEOUT_WORKER_ID = None      # set per process
SCALEOUT_COORDINATOR = None    # a worker's coordinator (it stops when that one's heartbeat does)
PACING_LEASE_TTL = 10.0        # s: an in-flight send of a dead process frees its site's slot after this
