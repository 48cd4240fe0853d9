"""A bounded-memory frontier for article requests: seen URLs and waiting requests live on disk.

Discovery can yield 100,000 article requests at once (one big sitemap). Left to Scrapy, each
becomes a ``Request`` in the scheduler's memory queue (about 1.2 KB) and a fingerprint in the
dupefilter's set, so memory grows with the crawl. :class:`FrontierMiddleware` diverts article
requests from the spider's output into a private temporary SQLite database (a seen-fingerprint
table and a FIFO queue; SQLite keeps a few MB of it in memory and deletes the file when closed)
and feeds them back through ``start()`` only as fast as the downloader takes them. The scheduler
then never holds more than a few hundred requests and the dupefilter only sees discovery pages,
whatever the size of the crawl.

Requests with ``dont_filter`` (URLs given on the command line) and discovery requests pass
through untouched. Off with ``INGEST_FRONTIER = False``, and in distributed mode (the Redis
scheduler already keeps its queue and seen set out of the process).
"""

from __future__ import annotations

import asyncio
import hashlib
import pickle
import re
import sqlite3
from collections import deque
from collections.abc import AsyncIterator
from typing import Any

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Response
from scrapy.spidermiddlewares.base import BaseSpiderMiddleware
from scrapy.utils.request import RequestFingerprinter, request_from_dict

#: Spider callbacks whose requests go through the frontier (article pages).
ARTICLE_CALLBACKS = ("parse_page",)
#: URLs that w3lib's ``canonicalize_url`` returns unchanged: a lower-case host, no query, no
#: fragment, no percent escapes, no ``.``/``..`` segments (tests/test_frontier.py checks it).
_CANONICAL_URL = re.compile(r"https?://[a-z0-9.-]+(?::[0-9]{1,5})?(?:/(?!\.)[A-Za-z0-9._~-]*)+")


def fingerprint(crawler: Crawler, request: Request) -> bytes:
    """The crawler's request fingerprint of ``request``.

    For a plain GET of a URL already in canonical form (every sitemap article, after
    :func:`ingest.urls.canonicalize`), Scrapy's default fingerprint is the SHA-1 of a fixed
    JSON text around the URL: built here directly, without ``canonicalize_url``, which took
    half of it (16 µs a request on the reactor thread, 4,000 of them as the first sitemaps
    are read). Anything else, or another fingerprinter, goes to the crawler's."""
    if (
        type(crawler.request_fingerprinter) is RequestFingerprinter
        and request.method == "GET"
        and not request.body
        and not request.meta.get("verbatim_url")
        and _CANONICAL_URL.fullmatch(request.url)
    ):
        text = '{"body": "", "headers": {}, "method": "GET", "url": "' + request.url + '"}'
        return hashlib.sha1(text.encode()).digest()  # noqa: S324 - Scrapy's own choice
    return crawler.request_fingerprinter.fingerprint(request)


class Frontier:
    """FIFO of requests with a seen set; the first ``memory`` waiting requests stay in memory,
    the rest are pickled into SQLite (``sqlite3.connect("")``: a private temporary file)."""

    def __init__(self, spider: Spider, memory: int = 1000, cache_kb: int = 4096) -> None:
        self.spider = spider
        self.memory = memory
        self.waiting: deque[Request] = deque()
        self.on_disk = 0
        self.db = sqlite3.connect("", isolation_level=None, check_same_thread=False)
        self.db.execute(f"PRAGMA cache_size = -{cache_kb}")
        self.db.execute("PRAGMA journal_mode = OFF")
        self.db.execute("PRAGMA synchronous = OFF")
        self.db.execute("CREATE TABLE seen (fp BLOB PRIMARY KEY) WITHOUT ROWID")
        self.db.execute("CREATE TABLE queue (id INTEGER PRIMARY KEY, request BLOB)")
        self.db.execute("BEGIN")  # one open transaction: nothing here must survive the run

    def __len__(self) -> int:
        return len(self.waiting) + self.on_disk

    def add(self, request: Request, fingerprint: bytes) -> bool:
        """Queue ``request`` unless its fingerprint was seen before; True when queued."""
        if not self.db.execute("INSERT OR IGNORE INTO seen VALUES (?)", (fingerprint,)).rowcount:
            return False
        if not self.on_disk and len(self.waiting) < self.memory:
            self.waiting.append(request)
            return True
        try:
            blob = pickle.dumps(_to_dict(request, self.spider), pickle.HIGHEST_PROTOCOL)
        except (ValueError, TypeError, AttributeError, pickle.PicklingError):
            self.waiting.append(request)  # not serializable (a lambda callback): keep it
            return True
        self.db.execute("INSERT INTO queue (request) VALUES (?)", (blob,))
        self.on_disk += 1
        return True

    def pop(self) -> Request | None:
        """The oldest waiting request, or None."""
        if not self.waiting and self.on_disk:
            self._refill()
        return self.waiting.popleft() if self.waiting else None

    def _refill(self) -> None:
        rows = self.db.execute(
            "SELECT id, request FROM queue ORDER BY id LIMIT ?", (self.memory,)
        ).fetchall()
        if not rows:
            self.on_disk = 0
            return
        self.db.execute("DELETE FROM queue WHERE id <= ?", (rows[-1][0],))
        self.on_disk -= len(rows)
        for _, blob in rows:
            self.waiting.append(request_from_dict(pickle.loads(blob), spider=self.spider))

    def close(self) -> None:
        self.waiting.clear()
        self.db.close()  # the temporary file goes with the connection


class FrontierMiddleware(BaseSpiderMiddleware):
    """Diverts article requests into a :class:`Frontier` and feeds them back lazily."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        settings = crawler.settings
        self.buffer = settings.getint("INGEST_FRONTIER_BUFFER") or 2 * settings.getint(
            "CONCURRENT_REQUESTS", 16
        )
        self.memory = settings.getint("INGEST_FRONTIER_MEMORY", 1000)
        self.frontier: Frontier | None = None
        self.finished = False
        self.stats = crawler.stats
        crawler.signals.connect(self._closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> FrontierMiddleware:
        if not crawler.settings.getbool("INGEST_FRONTIER", True):
            raise NotConfigured("INGEST_FRONTIER is off")
        if crawler.settings.get("INGEST_REDIS_URL"):
            # The Redis scheduler keeps the queue out of memory already. No message: Scrapy
            # would log it as a warning at every worker's start.
            raise NotConfigured
        return cls(crawler)

    def get_processed_request(self, request: Request, response: Response | None) -> Request | None:
        """Spider output: article requests go to the frontier; everything else passes."""
        if response is None or request.dont_filter or not _is_article(request):
            return request
        self.offer(request)
        return None

    def offer(self, request: Request) -> None:
        """Queue an article request (once per URL).

        The spider hands a sitemap's requests here directly: Scrapy's spider-middleware chain
        costs about 0.1 ms of the reactor thread per request that passes through it, and a
        sitemap names up to 50,000 articles before the first of them is fetched. Such
        requests go without the Referer header Scrapy's referer middleware would add (the
        sitemap's URL); nothing else in that chain changes an article request."""
        frontier = self._frontier()
        if frontier.add(request, fingerprint(self.crawler, request)):
            self.stats.inc_value("frontier/enqueued")
            self.stats.max_value("frontier/max_waiting", len(frontier))
        else:
            self.stats.inc_value("frontier/duplicate")

    async def process_start(self, start: AsyncIterator[Any]) -> AsyncIterator[Any]:
        """The spider's start requests, then the frontier, as fast as the downloader takes it.

        The frontier's requests go to the engine in bulk (``engine.crawl``), not through this
        generator, from which Scrapy takes one request per turn of the event loop: a turn can
        be long while a big sitemap is read, and the downloader would starve meanwhile.
        Ends when the frontier is empty and nothing that could add to it is in flight (the
        checks Scrapy makes before closing an idle spider)."""
        async for item in super().process_start(start):
            yield item
        idle_checks = 0
        engine = self.crawler.engine
        while not self.finished and engine.running:
            frontier = self._frontier()
            while len(frontier) and self._room():
                request = frontier.pop()
                if request is not None:
                    request.dont_filter = True  # the frontier has de-duplicated it
                    self.stats.inc_value("frontier/fed")
                    engine.crawl(request)
            if len(frontier) or not self._engine_idle():
                idle_checks = 0
            else:
                idle_checks += 1
                if idle_checks >= 2:  # idle twice in a row, a tick apart: nothing more to come
                    return
            await asyncio.sleep(0.02)

    def _frontier(self) -> Frontier:
        if self.frontier is None:
            self.frontier = Frontier(self.crawler.spider, memory=self.memory)
        return self.frontier

    def _room(self) -> bool:
        scheduler = self.crawler.engine.scheduler
        if scheduler is None:
            return True
        waiting = len(scheduler)  # type: ignore[arg-type]
        self.stats.max_value("frontier/max_scheduled", waiting)
        return waiting < self.buffer

    def _engine_idle(self) -> bool:
        engine = self.crawler.engine
        scraper_slot = engine.scraper.slot
        return (
            (scraper_slot is None or scraper_slot.is_idle())
            and not engine.downloader.active
            and not (engine.scheduler is not None and engine.scheduler.has_pending_requests())
        )

    def _closed(self, spider: Spider, reason: str) -> None:
        self.finished = True
        if self.frontier is not None:
            left = len(self.frontier)
            if left:
                self.stats.set_value("frontier/left_unfetched", left)
            self.frontier.close()
            self.frontier = None


def _to_dict(request: Request, spider: Spider) -> dict[str, Any]:
    """``request.to_dict(spider=spider)``, naming the callbacks without a search.

    Scrapy finds a callback's name by listing every method of the spider
    (``inspect.getmembers``), which was most of the cost of a request going to disk. A bound
    method of the spider is named by its ``__name__`` when the spider's attribute of that name
    is the same function; anything else goes the long way."""
    names = {}
    for attr in ("callback", "errback"):
        func = names[attr] = getattr(request, attr)
        if not callable(func):
            continue
        name = getattr(func, "__name__", "")
        own = getattr(getattr(spider, name, None), "__func__", None)
        if own is None or own is not getattr(func, "__func__", None):
            return request.to_dict(spider=spider)
        names[attr] = name
    data = {"url": request.url, **names, "headers": dict(request.headers)}
    for attr in request.attributes:
        data.setdefault(attr, getattr(request, attr))
    if type(request) is not Request:
        data["_class"] = request.__module__ + "." + request.__class__.__name__
    return data


def _is_article(request: Request) -> bool:
    callback = request.callback
    return getattr(callback, "__name__", None) in ARTICLE_CALLBACKS
