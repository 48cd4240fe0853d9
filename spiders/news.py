"""The ``news`` spider: discovers article URLs of the selected sources and fetches them.

It only crawls. Discovery (feeds, sitemaps, robots.txt, start pages) yields article requests;
article responses are handed, as bytes, to the item pipelines, which extract in worker processes
and store. Every fetched URL ends up in the fetch log with what became of it.

    scrapy crawl news -a source=demo [-a sources=sources.toml] [-s INGEST_DB=data/news.db]
    scrapy crawl news -a url=https://example.com/article.html
    scrapy crawl news -a site=https://example.com/
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import re
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import urljoin

import scrapy
from scrapy.crawler import Crawler
from scrapy.http import Request, Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from ingest import discovery
from ingest.compression import ENCODED, KEEP_ENCODED
from ingest.discovery import BadXML, UnsafeXML
from ingest.frontier import FrontierMiddleware
from ingest.pipelines import ExtractPipeline
from ingest.politeness import slot_settings
from ingest.sources import (
    Source,
    check_selection,
    load_sources,
    select_sources,
    site_source,
)
from ingest.storage import STORED_OUTCOMES, Store
from ingest.urls import (
    canonicalize,
    host_of,
    is_http,
    is_listing,
    is_media,
    looks_like_article_url,
)
from ingest.workers import workers_ready

ADHOC = "adhoc"  # source name of pages given with --url
#: Outcomes that judged a page's content: it is fetched again only when a feed or sitemap says
#: it changed (or with INGEST_REFETCH). Other outcomes are failures and are retried next run.
SETTLED_OUTCOMES = (*STORED_OUTCOMES, "duplicate", "not_article", "empty", "paywall", "not_html")
#: Seconds of reading sitemaps between two turns of the event loop (see ``parse_sitemap``),
#: shared by the sitemaps read at once: four sitemaps taking 2 ms each per turn made the
#: first article downloads, which need a dozen turns, wait 150 ms.
SITEMAP_SLICE = 0.002
#: Entries of a sitemap judged at once for a source with ``max_articles`` (then twice as many).
SITEMAP_CHUNK = 5000
#: Sitemaps up to this size (as fetched) are judged in a thread of the crawl while the
#: extraction workers are still starting; a bigger one waits for them: judging a million
#: entries here held the reactor's GIL for seconds and the crawl process's memory rose 75 MB.
THREAD_SITEMAP_BYTES = 1_000_000
#: Record kind of ``_sitemap_records``: the document is broken (the reason follows).
BAD_SITEMAP = "bad"
_HREF = re.compile(r"""<a\b[^>]*?\shref\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", re.I)


class Budget(Counter):
    """Article requests per source this run, for ``max_articles``.

    A URL counts once however many feeds, sitemaps and pages name it (counting each naming
    spent the budget on requests the frontier then dropped as duplicates). Only URLs counted
    against a budget are remembered, so the set never holds more than ``max_articles`` each.
    """

    def __init__(self) -> None:
        super().__init__()
        self.claimed: dict[str, set[str]] = {}

    def claim(self, source: str, url: str) -> bool:
        seen = self.claimed.setdefault(source, set())
        if url in seen:
            return False
        seen.add(url)
        self[source] += 1
        return True


class NewsSpider(scrapy.Spider):
    """Crawls news sources from the sources file, given article URLs, or a whole site."""

    name = "news"

    def __init__(
        self,
        source: str | None = None,
        sources: str | None = None,
        url: str | None = None,
        site: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.source_names = [s for s in (source or "").split(",") if s]
        self.sources_file = sources
        self.article_urls = [u for u in (url or "").split(",") if u]
        self.site = site
        self.sources: list[Source] = []
        self.budget = Budget()  # article requests per source with max_articles, this run
        self.skipped: Counter[str] = Counter()
        self.listings: Counter[str] = Counter()  # listing pages followed per source this run
        self.max_listings = 1000
        self.max_url_length = 2083
        self.max_size = 10 * 1024 * 1024  # DOWNLOAD_MAXSIZE: the worker inflates up to it
        self.run_id: int | None = None
        self.refetch = False  # INGEST_REFETCH: ignore what earlier runs stored
        self.sitemaps_reading = 0  # sitemaps whose entries parse_sitemap is going through

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> NewsSpider:
        spider: NewsSpider = super().from_crawler(crawler, *args, **kwargs)
        spider._select_sources(crawler)
        per_source = {d: _slot(s) for s in spider.sources for d in s.domains if _slot(s)}
        crawler.settings.set(
            "DOWNLOAD_SLOTS",
            slot_settings(crawler.settings.getint("LOOPBACK_CONCURRENCY", 32), per_source),
            priority="spider",
        )
        spider.db_path = crawler.settings.get("INGEST_DB")
        spider.keep_raw = crawler.settings.getbool("INGEST_KEEP_RAW_HTML", True)
        spider.max_listings = crawler.settings.getint("INGEST_MAX_LISTING_PAGES", 1000)
        spider.max_url_length = crawler.settings.getint("URLLENGTH_LIMIT", 2083)
        spider.max_size = crawler.settings.getint("DOWNLOAD_MAXSIZE", spider.max_size)
        spider.refetch = crawler.settings.getbool("INGEST_REFETCH", False)
        return spider

    def _select_sources(self, crawler: Crawler) -> None:
        check_selection(self.source_names, self.article_urls, self.site)
        if self.site:
            self.sources = [site_source(self.site)]
        elif self.article_urls:
            domains = tuple(sorted({host_of(u) for u in self.article_urls}))
            self.sources = [Source(name=ADHOC, domains=domains, robots_sitemaps=False)]
        else:
            path = self.sources_file or crawler.settings.get("INGEST_SOURCES")
            self.sources = select_sources(load_sources(path), self.source_names, path)
        self.allowed_domains = sorted({d for s in self.sources for d in s.domains})

    # -- discovery ---------------------------------------------------------------------------

    async def start(self) -> AsyncIterator[Request]:
        if getattr(self, "store", None) is None:  # a distributed worker reads a Redis mirror
            self.store = Store(self.db_path, readonly=True)  # created by the pipeline's open_spider
        if self.article_urls:
            for url in self.article_urls:
                yield self._page_request(self.sources[0], url, given=True)
            return
        for source in self.sources:
            for request in self._discovery_requests(source):
                yield request

    def _discovery_requests(self, source: Source) -> Iterator[Request]:
        meta = {"source": source.name, "allowed_domains": list(source.domains)}
        roots = {_root(u) for u in (*source.start_urls, *source.feeds, *source.sitemaps)}
        if source.robots_sitemaps or source.discover:
            for root in sorted(roots):
                yield Request(
                    root + "robots.txt",
                    self.parse_robots,
                    meta=meta,
                    priority=30,
                    errback=self.on_discovery_error,
                    dont_filter=True,
                )
        for url in source.feeds:
            yield Request(
                url,
                self.parse_feed,
                meta=meta,
                priority=20,
                errback=self.on_error,
                dont_filter=True,
            )
        for url in source.sitemaps:
            yield Request(
                url,
                self.parse_sitemap,
                meta=meta,
                priority=20,
                errback=self.on_error,
                dont_filter=True,
            )
        if source.discover:
            for root in sorted(roots):
                for path in discovery.USUAL_LOCATIONS:
                    yield Request(
                        root + path.lstrip("/"),
                        self.parse_discovered,
                        meta=meta,
                        priority=15,
                        errback=self.on_discovery_error,
                    )
        for url in source.start_urls:
            yield Request(
                url,
                self.parse_listing,
                meta={**meta, "link_depth": 0},
                priority=10,
                errback=self.on_error,
                dont_filter=True,
            )

    def parse_robots(self, response: Response) -> Iterator[Any]:
        source = self._source(response)
        found = (
            discovery.sitemaps_from_robots(response.text, response.url)
            if response.status == 200
            else []
        )
        for url in found:
            if source.allows(url) and is_http(url):  # a Sitemap: line may say ftp:// or file://
                yield Request(
                    url,
                    self.parse_sitemap,
                    meta=_discovery_meta(response),
                    priority=20,
                    errback=self.on_error,
                )
        yield self._discovered(response, source, f"robots.txt: {len(found)} sitemaps")

    async def parse_discovered(self, response: Response) -> AsyncIterator[Any]:
        """A usual feed/sitemap location that answered: sniff which of the two it is."""
        if discovery.looks_like_sitemap(response.body):
            async for item in self.parse_sitemap(response):
                yield item
        elif discovery.looks_like_feed(response.body):
            for item in self.parse_feed(response):
                yield item

    def parse_feed(self, response: Response) -> Iterator[Any]:
        source = self._source(response)
        try:
            entries = discovery.parse_feed(response.body, response.url)
        except (BadXML, UnsafeXML, OSError, EOFError) as exc:
            yield self._log(
                response.url, source.name, "bad_discovery", response.status, f"feed: {exc}"
            )
            return
        requests = [self._article_request(source, e.url, e.lastmod) for e in entries]
        yield from (r for r in requests if r is not None)
        yield self._discovered(
            response,
            source,
            f"feed: {len(entries)} entries, {sum(r is not None for r in requests)} to fetch",
        )

    async def parse_sitemap(self, response: Response) -> AsyncIterator[Any]:
        """Article requests for a sitemap's entries, and its child sitemaps.

        A sitemap names up to 50,000 articles, all judged before the first is fetched. The
        document is read and its URLs judged in an extraction worker (``_sitemap_records``);
        what is left for the reactor thread (the fetch history, the budget, the requests)
        goes in slices (:data:`SITEMAP_SLICE`, shared by the sitemaps read at once) with a
        turn of the event loop between them, for downloads already under way, and the
        article requests go straight into the frontier (see ``FrontierMiddleware.offer``).
        """
        source = self._source(response)
        level = response.meta.get("sitemap_level", 0)
        frontier = self.crawler.get_spider_middleware(FrontierMiddleware)  # None: off, Redis
        self.sitemaps_reading += 1
        try:
            outputs = self._sitemap_output(response, source, level, frontier)
            async with contextlib.aclosing(outputs):
                async for output in outputs:
                    yield output
        finally:
            self.sitemaps_reading -= 1

    async def _sitemap_output(
        self,
        response: Response,
        source: Source,
        level: int,
        frontier: FrontierMiddleware | None,
    ) -> AsyncIterator[Any]:
        entries = fetching = 0
        stopped = ""
        turn = time.monotonic() + SITEMAP_SLICE / self.sitemaps_reading
        records = self._sitemap_records(response, source)
        async for kind, *fields in records:
            if kind == BAD_SITEMAP:
                yield self._log(
                    response.url, source.name, "bad_discovery", response.status, fields[0]
                )
                return
            entries += 1
            if entries % 4 == 0 and time.monotonic() > turn:
                await asyncio.sleep(0)
                turn = time.monotonic() + SITEMAP_SLICE / self.sitemaps_reading
            if kind == discovery.SITEMAP:
                url = fields[0]
                if level < 3 and source.allows(url) and is_http(url):
                    yield Request(
                        url,
                        self.parse_sitemap,
                        priority=19,
                        meta={**_discovery_meta(response), "sitemap_level": level + 1},
                        errback=self.on_error,
                    )
                continue
            request = None
            if kind == discovery.ARTICLE:
                request = self._candidate_request(source, fields[0], fields[1] or None)
            else:  # the reason it is not a candidate
                self.skipped[kind] += 1
            if request is not None:
                fetching += 1
                if frontier is None:
                    yield request
                else:
                    frontier.offer(request)
            if source.max_articles and self.budget[source.name] >= source.max_articles:
                stopped = f" (stopped: max_articles {source.max_articles} reached)"
                break  # a million-entry sitemap costs no more than the budget allows
        await records.aclose()
        detail = f"sitemap: {entries} entries, {fetching} to fetch{stopped}"
        yield self._discovered(response, source, detail)

    async def _sitemap_records(
        self, response: Response, source: Source
    ) -> AsyncIterator[list[str]]:
        """The records of :func:`ingest.discovery.judge_sitemap` for the response, then
        ``[BAD_SITEMAP, why]`` if the document is broken.

        The sitemap is judged in an extraction worker (here when extraction runs in this
        process; in a thread while the workers are still starting, so the first sitemaps do
        not wait for them, unless they are big: :data:`THREAD_SITEMAP_BYTES`). For a source
        with ``max_articles``, in growing slices: reading stops soon after the budget is
        spent, as when entries were judged one by one."""
        extract = self.crawler.get_item_pipeline(ExtractPipeline)
        pool = extract.pool if extract is not None else None
        first, count = 0, SITEMAP_CHUNK if source.max_articles else None
        while True:
            args = (response.body, response.url, source, self.max_url_length, first, count)
            if pool is None:
                records, error, more = discovery.judge_sitemap(*args)
            elif not workers_ready(pool) and len(response.body) <= THREAD_SITEMAP_BYTES:
                # the first sitemaps: a thread, not a wait for the workers
                records, error, more = await asyncio.to_thread(discovery.judge_sitemap, *args)
            else:
                loop = asyncio.get_running_loop()
                records, error, more = await loop.run_in_executor(
                    pool, discovery.judge_sitemap, *args
                )
            for fields in discovery.iter_records(records):
                yield fields
            if error is not None:
                yield [BAD_SITEMAP, error]
            if not more or count is None:
                return
            first, count = first + count, 2 * count

    def parse_listing(self, response: Response) -> Iterator[Any]:
        """A start or listing page: follow its links (within depth), never store it."""
        source = self._source(response)
        if not _is_html(response):
            yield self._log(
                canonicalize(response.url),
                source.name,
                "not_html",
                response.status,
                "listing page is not HTML",
            )
            return
        yield self._discovered(response, source, "listing page")
        if source.discover:
            for url in discovery.feeds_from_html(response.text, response.url):
                if source.allows(url) and is_http(url):
                    yield Request(
                        url,
                        self.parse_feed,
                        meta=_discovery_meta(response),
                        priority=20,
                        errback=self.on_error,
                    )
        yield from self._follow_links(source, response)

    def _follow_links(self, source: Source, response: Response) -> Iterator[Request]:
        depth = response.meta.get("link_depth", 0)
        if depth >= source.depth:
            return
        for link in _links(response):
            if not _follow_allowed(source, link):
                continue
            if is_listing(link):
                if link.rstrip("/") in _starts(source):  # fetched this run already: its
                    continue  # request skips the duplicate filter, so a logo link came again
                if self._robots_blocked(link):
                    self.skipped["known"] += 1
                    continue
                if self.listings[source.name] >= self.max_listings:
                    self.skipped["over_listing_budget"] += 1
                    continue
                self.listings[source.name] += 1
                yield Request(
                    link,
                    self.parse_listing,
                    errback=self.on_error,
                    priority=5,
                    meta={**_discovery_meta(response), "link_depth": depth + 1},
                )
            elif looks_like_article_url(link) or _article_pattern(source, link):
                request = self._article_request(source, link, None, depth=depth + 1)
                if request is not None:
                    yield request

    # -- article pages -----------------------------------------------------------------------

    def _article_request(
        self, source: Source, url: str, lastmod: str | None, depth: int | None = None
    ) -> Request | None:
        """A request for a candidate article URL, or None when it is not worth fetching."""
        url, skip = discovery.judge_article_url(source, url, self.max_url_length)
        if skip is not None:
            self.skipped[skip] += 1
            return None
        return self._candidate_request(source, url, lastmod, depth)

    def _candidate_request(
        self, source: Source, url: str, lastmod: str | None, depth: int | None = None
    ) -> Request | None:
        """A request for ``url`` (canonical, an article candidate of ``source``), or None when
        the budget is spent or the last fetch says it has not changed."""
        if source.max_articles and self.budget[source.name] >= source.max_articles:
            self.skipped["over_budget"] += 1
            return None
        headers = self._conditional_headers(url, lastmod)
        if headers is None:
            self.skipped["known"] += 1
            return None
        if source.max_articles and not self.budget.claim(source.name, url):
            self.skipped["requested"] += 1  # named again by another feed, sitemap or page
            return None
        request = self._page_request(source, url, lastmod=lastmod, depth=depth)
        if headers:
            request.headers.update(headers)
        return request

    def _conditional_headers(self, url: str, lastmod: str | None) -> dict[str, str] | None:
        """None when ``url`` was judged before and nothing says it changed; else headers to send.

        "Changed" is a feed/sitemap date later than both the date seen with the last fetch and
        the last fetch itself: feeds and sitemaps often give one URL different dates (published,
        modified), and any date up to our last fetch describes a version we already have.
        """
        if self.refetch:
            return {}
        state = self.store.url_state(url)
        if state is None or not _settled(state):
            return {}
        if lastmod is None or lastmod <= max(state["lastmod"] or "", state["last_fetched"] or ""):
            return None
        headers = {}
        if state.get("etag"):
            headers["If-None-Match"] = state["etag"]
        if state.get("last_modified"):
            headers["If-Modified-Since"] = state["last_modified"]
        return headers

    def _robots_blocked(self, url: str) -> bool:
        """A listing page robots.txt forbade last time: not worth a fetch-log entry each run."""
        if self.refetch:
            return False
        state = self.store.url_state(canonicalize(url))
        return state is not None and state["outcome"] == "blocked" and not state["http_status"]

    def _page_request(
        self,
        source: Source,
        url: str,
        *,
        lastmod: str | None = None,
        depth: int | None = None,
        given: bool = False,
    ) -> Request:
        meta = {
            "source": source.name,
            "lastmod": lastmod,
            "allowed_domains": list(source.domains),
            "handle_httpstatus_list": [304],
        }
        if depth is not None:
            meta["link_depth"] = depth
        else:  # only the extractor reads it: inflate it in the worker (ingest.compression)
            meta[KEEP_ENCODED] = True
        return Request(url, self.parse_page, errback=self.on_error, meta=meta, dont_filter=given)

    def parse_page(self, response: Response) -> Iterator[Any]:
        source = self._source(response)
        url = canonicalize((response.meta.get("redirect_urls") or [response.url])[0])
        if response.status == 304:
            yield self._log(
                url, source.name, "not_modified", 304, None, lastmod=response.meta.get("lastmod")
            )
            return
        if not _is_html(response):
            ctype = response.headers.get("Content-Type", b"").decode("latin-1")
            yield self._log(url, source.name, "not_html", response.status, f"Content-Type {ctype}")
            return
        yield {
            "type": "page",
            "url": url,
            "source": source.name,
            "body": response.body,
            "content_encoding": response.meta.get(ENCODED),
            "max_size": response.meta.get("download_maxsize", self.max_size),
            "status": response.status,
            "content_type": _header(response, "Content-Type"),
            "etag": _header(response, "ETag"),
            "last_modified": _header(response, "Last-Modified"),
            "lastmod": response.meta.get("lastmod"),
            "language": source.language,
            "drop": source.clean_drop,
            "keep": source.clean_keep,
            "keep_raw": self.keep_raw,
        }
        if "link_depth" in response.meta:
            yield from self._follow_links(source, response)

    # -- errors ------------------------------------------------------------------------------

    def on_error(self, failure: Failure) -> Iterator[dict[str, Any]]:
        """Log what became of a request that produced no usable response."""
        request = failure.request
        source = request.meta.get("source", ADHOC)
        url = canonicalize((request.meta.get("redirect_urls") or [request.url])[0])
        gave_up = request.meta.get("retry_gave_up")  # set by BackoffRetryMiddleware
        if failure.check(HttpError):
            status = failure.value.response.status
            outcome = {403: "blocked", 429: "rate_limited"}.get(status, "http_error")
            detail = f"HTTP {status}" + (f" ({gave_up})" if gave_up else "")
            yield self._log(url, source, outcome, status, detail)
            return
        detail = _failure_detail(failure)
        outcome = "blocked" if "Forbidden by robots.txt" in detail else "failed"
        detail = (f"{detail} ({gave_up})" if gave_up else detail)[:300]
        yield self._log(url, source, outcome, None, detail)

    def on_discovery_error(self, failure: Failure) -> None:
        """Guessed discovery locations (robots.txt, /feed ...) may well not exist: not an error."""
        self.logger.debug("discovery location unavailable: %s", failure.request.url)

    def _discovered(self, response: Response, source: Source, detail: str) -> dict[str, Any]:
        return self._log(
            canonicalize(response.url), source.name, "discovery", response.status, detail
        )

    def _log(
        self,
        url: str,
        source: str,
        outcome: str,
        status: int | None,
        detail: str | None,
        **extra: Any,
    ) -> dict[str, Any]:
        return {
            "type": "log",
            "url": url,
            "source": source,
            "outcome": outcome,
            "http_status": status,
            "detail": detail,
            **extra,
        }

    def _source(self, response: Response) -> Source:
        name = response.meta.get("source")
        return next((s for s in self.sources if s.name == name), self.sources[0])

    def closed(self, reason: str) -> None:
        if getattr(self, "store", None) is not None:
            self.store.close()
        if self.skipped:
            self.logger.info("URLs not fetched: %s", dict(self.skipped))


def _settled(state: dict[str, Any]) -> bool:
    """Was the URL's last fetch a verdict on its content (stored, duplicate, not an article,
    empty...) rather than a failure worth retrying (HTTP error, timeout, 403, 429)?"""
    if state["outcome"] == "blocked":
        return not state["http_status"]  # forbidden by robots.txt, not a 403
    return state["outcome"] in SETTLED_OUTCOMES


def _failure_detail(failure: Failure) -> str:
    """``Type: message`` for the fetch log, with the reasons inside Twisted's ResponseFailed
    spelled out (its own text is a list of Failure reprs) and a docstring for empty ones."""
    reasons = getattr(failure.value.__cause__, "reasons", None)
    if reasons:
        inner = "; ".join(f"{r.type.__name__}: {r.getErrorMessage()}" for r in reasons)
        return f"{failure.type.__name__}: {inner}"
    message = failure.getErrorMessage() or (failure.type.__doc__ or "").strip().split("\n")[0]
    return f"{failure.type.__name__}: {message}"


def _slot(source: Source) -> dict[str, Any]:
    slot: dict[str, Any] = {}
    if source.delay is not None:
        slot["delay"] = source.delay
    if source.concurrency is not None:
        slot["concurrency"] = source.concurrency
    return slot


def _root(url: str) -> str:
    return urljoin(url, "/")


def _discovery_meta(response: Response) -> dict[str, Any]:
    return {
        "source": response.meta.get("source"),
        "allowed_domains": response.meta.get("allowed_domains"),
    }


def _header(response: Response, name: str) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None


def _is_html(response: Response) -> bool:
    ctype = (_header(response, "Content-Type") or "text/html").lower()
    return "html" in ctype or "xml" in ctype and "xhtml" in ctype or ctype.startswith("text/plain")


def _links(response: Response) -> Iterator[str]:
    """Links of a page by a lean regex scan (no DOM): link-following must stay cheap."""
    seen: set[str] = set()
    text = response.text
    for match in _HREF.finditer(text):
        href = (match.group(1) or match.group(2) or match.group(3) or "").strip()
        if not href or href.startswith(("#", "mailto:", "javascript:", "tel:", "data:")):
            continue
        url = canonicalize(urljoin(response.url, href.replace("&amp;", "&")))
        if url not in seen:
            seen.add(url)
            yield url


def _article_pattern(source: Source, url: str) -> bool:
    return any(re.search(p, url) for p in source.article_allow)


@functools.lru_cache(maxsize=64)
def _starts(source: Source) -> frozenset[str]:
    """A source's start URLs, with and without a trailing slash alike."""
    return frozenset(url.rstrip("/") for url in source.start_urls)


def _follow_allowed(source: Source, url: str) -> bool:
    if not is_http(url) or not source.allows(url) or is_media(url):
        return False
    if source.follow_deny and any(re.search(p, url) for p in source.follow_deny):
        return False
    return not source.follow_allow or any(re.search(p, url) for p in source.follow_allow)
