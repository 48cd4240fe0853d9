"""HTTP download handler that keeps a connection open for every request a host may run at once.

Scrapy's handler keeps at most ``CONCURRENT_REQUESTS_PER_DOMAIN`` idle connections per host
(4 here, the polite limit for remote sites), but loopback hosts get ``LOOPBACK_CONCURRENCY``
(32) parallel requests (:mod:`ingest.politeness`). With the smaller pool, most connections to
127.0.0.1 are closed after one response and a new one is opened for the next request: a TCP
handshake and teardown for every other page of a local crawl, a tenth of the reactor thread's
time. A wider pool opens no more connections to a remote host than its concurrency allows; it
only stops closing the ones a fast host would reuse.
"""

from __future__ import annotations

from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler
from scrapy.crawler import Crawler
from scrapy.settings import BaseSettings


class KeepAliveHTTPDownloadHandler(HTTP11DownloadHandler):
    """``HTTP11DownloadHandler`` with a persistent-connection pool as wide as the widest slot."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self._pool.maxPersistentPerHost = pool_width(crawler.settings)


def pool_width(settings: BaseSettings) -> int:
    """Twice the most requests any one host may have in flight (the default per-domain limit,
    the loopback slot, or a source's own ``concurrency``).

    Twice: a download slot is free again as soon as a response has arrived, a moment before its
    connection goes back to the pool, so the next request often opens a connection of its own;
    with room for only as many idle connections as the slot allows, the pool then closes one
    for each it takes back (half the requests of a local crawl paid a new TCP connection)."""
    widest = max(
        settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN"),
        settings.getint("LOOPBACK_CONCURRENCY", 0),
        *(int(slot.get("concurrency", 0)) for slot in settings.getdict("DOWNLOAD_SLOTS").values()),
    )
    return 2 * widest
