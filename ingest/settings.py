"""Scrapy settings of news-ingest (``scrapy.cfg`` points here).

Polite to other people's servers (robots.txt, AutoThrottle, per-domain limits, an identifying
User-Agent) and at full speed on the user's own machine: loopback hosts get their own download
slot with no delay (see :mod:`ingest.politeness`). No listener is opened by a crawl.
"""

import os

from scrapy.settings import default_settings


def _without(components: dict[str, int], *names: str) -> dict[str, int]:
    """Scrapy's base components minus ``names`` (absent ones too: the remote-control
    extension only exists from Scrapy 2.19, and pyproject.toml allows 2.13)."""
    return {k: v for k, v in components.items() if k not in names}


BOT_NAME = "news-ingest"
SPIDER_MODULES = ["spiders"]
NEWSPIDER_MODULE = "spiders"
# `scrapy crawl news` checks its input and exits as `ingest crawl` does (ingest.scrapy_commands).
COMMANDS_MODULE = "ingest.scrapy_commands"

USER_AGENT = os.environ.get(
    "INGEST_USER_AGENT", "news-ingest/0.1 (+https://github.com/news-ingest/news-ingest)"
)
ROBOTSTXT_OBEY = True

# No telnet console and no remote-control HTTP listener (on by default in Scrapy 2.19).
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False
# Not even loaded: Scrapy imports every key of a component dict, off or not, and the
# remote-control module imports aiohttp (0.1 s of every crawl's start).
EXTENSIONS_BASE = _without(
    default_settings.EXTENSIONS_BASE,
    "scrapy.extensions.remote_control.RemoteControl",
    "scrapy.extensions.telnet.TelnetConsole",
)
# Scrapy checks each callback for a generator's "return value" by reading and parsing its
# source with ast; its cache is keyed weakly on the bound method, which a response drops at
# once, so the check re-ran for every page (1-2% of the reactor thread). The spider's
# callbacks are ours and tested; the check has nothing to find.
WARN_ON_GENERATOR_RETURN_VALUE = False
# The same stats without a hook on every attribute access (ingest.crawlstats).
STATS_CLASS = "ingest.crawlstats.PlainStatsCollector"
# No per-page DEBUG records ("Crawled (200)", "Scraped from") made when LOG_LEVEL drops them.
LOG_FORMATTER = "ingest.lean.QuietLogFormatter"

# Politeness towards remote hosts; loopback hosts are exempt (ingest.politeness).
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0
CONCURRENT_REQUESTS = 64
CONCURRENT_REQUESTS_PER_DOMAIN = 4
DOWNLOAD_DELAY = 0.25
LOOPBACK_CONCURRENCY = 32
COOKIES_ENABLED = False

# Retries with backoff; 429 honours Retry-After (ingest.politeness.BackoffRetryMiddleware).
RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
RETRY_BACKOFF_BASE = 1.0  # seconds before the first retry; doubles with each retry
RETRY_BACKOFF_MAX = 30.0
RETRY_AFTER_MAX = 120.0  # a longer Retry-After gives the URL up for this run

# Bounded responses: pages bigger than this are not news articles, and bombs stop here.
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 10 * 1024 * 1024
DOWNLOAD_WARNSIZE = 4 * 1024 * 1024
REDIRECT_MAX_TIMES = 5
DEPTH_LIMIT = 0  # link-following depth is limited per source by the spider

DOWNLOADER_MIDDLEWARES = {
    "ingest.politeness.LoopbackFastLaneMiddleware": 50,
    # robots.txt per RFC 9309: an unreachable file (5xx, 429, no answer) means disallow all.
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "ingest.politeness.RobotsRulesMiddleware": 100,
    # Replace Scrapy's retry and redirect middlewares (the originals would run too).
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "ingest.politeness.BackoffRetryMiddleware": 550,
    "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware": None,
    "ingest.politeness.SafeMetaRefreshMiddleware": 580,
    "scrapy.downloadermiddlewares.redirect.RedirectMiddleware": None,
    "ingest.politeness.SafeRedirectMiddleware": 600,
    # Article bodies stay gzip-compressed until the extraction worker (ingest.compression).
    "scrapy.downloadermiddlewares.httpcompression.HttpCompressionMiddleware": None,
    "ingest.compression.WireCompressionMiddleware": 590,
    # The same downloader/* stats, without building each request's HTTP text (ingest.lean).
    "scrapy.downloadermiddlewares.stats.DownloaderStats": None,
    "ingest.lean.DownloaderStats": 850,
}
# Only http(s) is ever fetched: no file://, ftp://, s3:// or data: handler to reach by mistake.
DOWNLOAD_HANDLERS = {"file": None, "ftp": None, "s3": None, "data": None}
# Keep-alive for every parallel request a host gets (ingest.downloader): 32 on loopback.
DOWNLOAD_HANDLERS["http"] = DOWNLOAD_HANDLERS["https"] = (
    "ingest.downloader.KeepAliveHTTPDownloadHandler"
)
ITEM_PIPELINES = {
    "ingest.pipelines.ExtractPipeline": 300,
    "ingest.pipelines.StorePipeline": 800,
}
# Bounded memory: article requests wait in an on-disk frontier (ingest.frontier), fed to the
# scheduler as the downloader takes them, so a 100,000-article sitemap costs no more memory
# than a small one. A response yields one item or a few: Scrapy's default CONCURRENT_ITEMS
# (100) starts 100 asyncio tasks per response for nothing.
SPIDER_MIDDLEWARES = {
    "ingest.frontier.FrontierMiddleware": 100,
    # Unused, and it costs the reactor thread on every request and page: link depth is counted
    # per source by the spider (DEPTH_LIMIT above). (The referer middleware stays: Scrapy's
    # redirect middlewares ask for it and warn at every start without it.)
    "scrapy.spidermiddlewares.depth.DepthMiddleware": None,
    # A warning for spiders that copy response.meta into new requests; this one builds each
    # request's meta afresh, and the check is one more layer around every page's output.
    "scrapy.spidermiddlewares.metacopy.MetaCopyDetectionMiddleware": None,
}
CONCURRENT_ITEMS = 4

# news-ingest's own settings (also settable with -s on the scrapy command line).
INGEST_DB = os.environ.get("INGEST_DB", "data/news.db")
INGEST_SOURCES = os.environ.get("INGEST_SOURCES", "sources.toml")
INGEST_EXTRACT_WORKERS = None  # None: one per CPU core; 0: extract in a thread (debugging)
INGEST_KEEP_RAW_HTML = True  # store compressed raw HTML so `ingest reclean` can re-extract
INGEST_WRITE_BATCH = 200
INGEST_LOCK = True  # take <db>.lock for the run; false for a database you manage yourself
INGEST_REFETCH = False  # fetch every discovered URL again (ingest crawl --refetch)
INGEST_MAX_LISTING_PAGES = 1000  # listing pages followed per source and run (spider traps)
INGEST_FRONTIER = True  # False: article requests go straight to Scrapy's in-memory scheduler
INGEST_FRONTIER_BUFFER = 0  # requests kept in the scheduler (0: twice CONCURRENT_REQUESTS)
INGEST_FRONTIER_MEMORY = 1000  # waiting requests kept in memory before the rest go to disk

# Distributed crawling (ingest.distributed): with a Redis URL, `ingest crawl` is one of N workers
# sharing a scrapy-redis queue, and `ingest drain` is the one writer of the database.
INGEST_REDIS_URL = os.environ.get("INGEST_REDIS_URL") or None
INGEST_REDIS_WORKER_TTL = 30  # seconds without a heartbeat before a worker's requests go back
INGEST_REDIS_MAX_IDLE = 0  # > 0: a worker leaves after that long with nothing to do
INGEST_REDIS_OUTAGE = 60  # seconds a worker waits for an unreachable Redis before it stops
INGEST_REDIS_TIMEOUT = 15  # seconds a Redis call waits for an answer before Redis counts as gone
INGEST_REDIS_MAX_ITEMS = 20_000  # results waiting for `ingest drain` before workers pause
ADDONS = {"ingest.redis_addon.RedisMode": 0}  # switches the components when INGEST_REDIS_URL is set

LOG_LEVEL = os.environ.get("INGEST_LOG_LEVEL", "INFO")
