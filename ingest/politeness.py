"""Downloader middlewares: full speed on loopback, safe redirects, retries that back off.

Politeness is for other people's servers. A crawl of 127.0.0.1 (the demo, the tests, a user's
own mirror) gets its own download slot with no delay and AutoThrottle off; every other host keeps
the polite defaults. Redirects never leave the source's domains nor the http(s) schemes. Retries
wait longer each time, and a server's ``Retry-After`` is honoured up to a cap.
"""

from __future__ import annotations

import logging
import random
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urljoin

from scrapy import Request, Spider
from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware, RedirectMiddleware
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.http.request import NO_CALLBACK
from scrapy.settings import BaseSettings
from scrapy.utils.asyncio import sleep
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.response import response_status_message
from twisted.internet.defer import Deferred

from ingest.compression import ENCODED
from ingest.urls import host_of, is_http, is_loopback

log = logging.getLogger(__name__)


class LoopbackFastLaneMiddleware:
    """Loopback requests skip AutoThrottle and use a wide, delay-free download slot."""

    """(The wide slot itself is declared by :func:`slot_settings`, before settings freeze.)"""

    def process_request(self, request: Request, spider: Spider | None = None) -> None:
        if is_loopback(request.url):
            request.meta.setdefault("autothrottle_dont_adjust_delay", True)
        return None


class _RedirectPolicy:
    """What any redirect (HTTP or ``<meta refresh>``) must satisfy to be followed: an http(s)
    URL, on the domains of the request's source, not already in this chain (a loop).

    A followed redirect skips the duplicate filter: Scrapy would otherwise drop a redirect to
    a URL seen before without a trace, and the fetch log must say what became of every URL
    (chains stay bounded by ``REDIRECT_MAX_TIMES`` and the loop check).
    """

    def _redirect(self, redirected: Request, request: Request, reason: Any) -> Request:
        allowed = request.meta.get("allowed_domains")
        if not is_http(redirected.url):
            raise IgnoreRequest(f"redirect to a non-HTTP URL refused: {redirected.url[:200]}")
        if allowed and not _on_domains(redirected.url, allowed):
            raise IgnoreRequest(
                f"redirect off the source's domains refused: {redirected.url[:200]}"
            )
        if redirected.url in (*request.meta.get("redirect_urls", ()), request.url):
            raise IgnoreRequest(f"redirect loop at {redirected.url[:200]}")
        followed = super()._redirect(redirected, request, reason)  # type: ignore[misc]
        followed.dont_filter = True
        return followed


class SafeRedirectMiddleware(_RedirectPolicy, RedirectMiddleware):
    """Redirects are followed only to http(s) URLs on the domains of the request's source.

    Refused redirects raise IgnoreRequest, so the fetch log says why the URL was not followed
    (Scrapy itself would hand a redirect to ``file:``/``ftp:`` back as a bare 3xx response).
    """

    def process_response(
        self, request: Request, response: Response, spider: Spider | None = None
    ) -> Request | Response:
        location = response.headers.get("Location")
        if (
            location
            and response.status in (301, 302, 303, 307, 308)
            and not request.meta.get("dont_redirect", False)
            and response.status not in request.meta.get("handle_httpstatus_list", ())
        ):
            target = urljoin(request.url, location.decode("latin-1").strip())
            if not is_http(target):
                raise IgnoreRequest(f"redirect to a non-HTTP URL refused: {target[:200]}")
        return super().process_response(request, response)


class SafeMetaRefreshMiddleware(_RedirectPolicy, MetaRefreshMiddleware):
    """``<meta http-equiv="refresh">`` redirects, under the same rules as HTTP redirects.

    A body left gzip-encoded for the extraction workers (:mod:`ingest.compression`) was
    checked for a refresh before it was left so: nothing to read here."""

    def process_response(
        self, request: Request, response: Response, spider: Spider | None = None
    ) -> Request | Response:
        if request.meta.get(ENCODED):
            return response
        return super().process_response(request, response)


class BackoffRetryMiddleware(RetryMiddleware):
    """Scrapy's retries, spaced out: exponential backoff with jitter, and ``Retry-After``.

    Scrapy retries at once, which hammers a server that is failing or asking us to slow down.
    Here the n-th retry waits ``RETRY_BACKOFF_BASE * 2**n`` seconds (at most
    ``RETRY_BACKOFF_MAX``), or what the server's ``Retry-After`` asks. A ``Retry-After`` over
    ``RETRY_AFTER_MAX`` is not waited for in this run: the URL is given up at once (and fetched
    again by a later run). Why a URL was given up is left in ``request.meta["retry_gave_up"]``
    for the fetch log.
    """

    def __init__(self, settings: BaseSettings) -> None:
        super().__init__(settings)
        self.backoff_base = settings.getfloat("RETRY_BACKOFF_BASE", 1.0)
        self.backoff_max = settings.getfloat("RETRY_BACKOFF_MAX", 30.0)
        self.retry_after_max = settings.getfloat("RETRY_AFTER_MAX", 120.0)

    async def process_response(
        self, request: Request, response: Response, spider: Spider | None = None
    ) -> Request | Response:
        if request.meta.get("dont_retry", False) or response.status not in self.retry_http_codes:
            return response
        wait = retry_after(response)
        if wait is not None and wait > self.retry_after_max:
            request.meta["retry_gave_up"] = (
                f"Retry-After {wait:.0f} s is over RETRY_AFTER_MAX ({self.retry_after_max:.0f} s)"
            )
            return response
        retry = self._retry(request, response_status_message(response.status))
        if retry is None:
            request.meta["retry_gave_up"] = f"gave up after {self._tries(request)} retries"
            return response
        await sleep(self._backoff(request) if wait is None else wait)
        return retry

    async def process_exception(
        self, request: Request, exception: Exception, spider: Spider | None = None
    ) -> Request | Response | None:
        if request.meta.get("dont_retry", False) or not isinstance(
            exception, self.exceptions_to_retry
        ):
            return None
        retry = self._retry(request, exception)
        if retry is None:
            request.meta["retry_gave_up"] = f"gave up after {self._tries(request)} retries"
            return None
        await sleep(self._backoff(request))
        return retry

    def _backoff(self, request: Request) -> float:
        """Seconds before the next try: doubling from the base, capped, with up to 25% jitter."""
        done = request.meta.get("retry_times", 0)
        delay = min(self.backoff_max, self.backoff_base * 2**done)
        return delay * (1 + 0.25 * random.random())

    def _tries(self, request: Request) -> int:
        return int(request.meta.get("retry_times", 0))


class Unreachable:
    """The robots.txt of a host that could not be read: nothing of it is fetched this run."""

    def __init__(self, why: str) -> None:
        self.why = why

    def allowed(self, url: str, user_agent: str | bytes) -> bool:
        return False


class RobotsRulesMiddleware(RobotsTxtMiddleware):
    """robots.txt read as RFC 9309 says. A 4xx (no file) means no rules; but a file that is
    *unreachable* (a 5xx or 429 after the retries, a timeout, a reset) means the crawler must
    assume complete disallow: the host is not crawled this run, and the next run tries again.

    Scrapy allows everything in both cases, and logs a traceback for the second. Here the
    refusal is one warning per host, and each page it stops is logged ``failed`` (a retryable
    outcome), not ``blocked``.
    """

    async def robot_parser(self, request: Request) -> Any:
        netloc = urlparse_cached(request).netloc
        if netloc not in self._parsers:
            self._parsers[netloc] = Deferred()
            rules = await self._fetch_rules(request, netloc)
            waiting = self._parsers[netloc]
            self._parsers[netloc] = rules
            if isinstance(waiting, Deferred) and not waiting.called:
                waiting.callback(rules)
            self._stats.inc_value("robotstxt/request_count")
        parser = self._parsers[netloc]
        if isinstance(parser, Deferred):
            return await maybe_deferred_to_future(parser)
        return parser

    async def _fetch_rules(self, request: Request, netloc: str) -> Any:
        """The parser of ``netloc``'s robots.txt, None (no rules) or :class:`Unreachable`."""
        scheme = urlparse_cached(request).scheme
        robots = Request(
            f"{scheme}://{netloc}/robots.txt",
            priority=self.DOWNLOAD_PRIORITY,
            meta={"dont_obey_robotstxt": True},
            callback=NO_CALLBACK,
        )
        try:
            response = await self.crawler.engine.download_async(robots)
        except IgnoreRequest:
            return None  # e.g. robots.txt redirects off the source's domains: no rules
        except Exception as exc:  # noqa: BLE001 - any network failure: unreachable
            return self._unreachable(netloc, _describe(exc))
        if response.status >= 500 or response.status == 429:
            return self._unreachable(netloc, f"HTTP {response.status}")
        if response.status >= 400:
            return None
        return build_from_crawler(self._parserimpl, self.crawler, response.body)

    def _unreachable(self, netloc: str, why: str) -> Unreachable:
        log.warning(
            "robots.txt of %s is unreachable (%s): none of its pages are fetched this run",
            netloc,
            why,
        )
        self._stats.inc_value("robotstxt/unreachable")
        return Unreachable(why)

    def process_request_2(self, rp: Any, request: Request) -> None:
        if isinstance(rp, Unreachable):
            raise IgnoreRequest(f"robots.txt unreachable ({rp.why}): not fetched this run")
        super().process_request_2(rp, request)


def _describe(exc: BaseException) -> str:
    """``Type: message``, with the reasons inside Twisted's ResponseFailed spelled out."""
    reasons = getattr(exc.__cause__, "reasons", None)
    if reasons:
        inner = "; ".join(f"{r.type.__name__}: {r.getErrorMessage()}" for r in reasons)
        return f"{type(exc).__name__}: {inner}"[:200]
    return f"{type(exc).__name__}: {exc}"[:200]


def retry_after(response: Response) -> float | None:
    """Seconds a ``Retry-After`` header asks for (delta-seconds or an HTTP-date), else None."""
    raw = response.headers.get("Retry-After")
    if not raw:
        return None
    value = raw.decode("latin-1").strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def slot_settings(concurrency: int, per_source: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """``DOWNLOAD_SLOTS``: a wide, delay-free slot for loopback hosts, plus the per-source
    ``delay``/``concurrency`` of the sources file for their domains."""
    slots: dict[str, Any] = dict(per_source)
    for host in ("127.0.0.1", "localhost", "::1"):
        slots[host] = {"concurrency": concurrency, "delay": 0, "jitter": 0}
    return slots


def _on_domains(url: str, domains: list[str]) -> bool:
    host = host_of(url)
    return any(host == d or host.endswith("." + d) for d in domains)
