"""Downloader middlewares: full speed on loopback, safe redirects.

Politeness is for other people's servers. A crawl of 127.0.0.1 (the demo, the tests, a user's
own mirror) gets its own download slot with no delay and AutoThrottle off; every other host keeps
the polite defaults. Redirects never leave the source's domains nor the http(s) schemes.
"""

from __future__ import annotations

from typing import Any

from scrapy import Request, Spider
from scrapy.downloadermiddlewares.redirect import RedirectMiddleware
from scrapy.exceptions import IgnoreRequest

from ingest.urls import host_of, is_http, is_loopback


class LoopbackFastLaneMiddleware:
    """Loopback requests skip AutoThrottle and use a wide, delay-free download slot."""

    """(The wide slot itself is declared by :func:`slot_settings`, before settings freeze.)"""

    def process_request(self, request: Request, spider: Spider | None = None) -> None:
        if is_loopback(request.url):
            request.meta.setdefault("autothrottle_dont_adjust_delay", True)
        return None


class SafeRedirectMiddleware(RedirectMiddleware):
    """Redirects are followed only to http(s) URLs on the domains of the request's source."""

    def _redirect(self, redirected: Request, request: Request, reason: Any) -> Request:
        allowed = request.meta.get("allowed_domains")
        if not is_http(redirected.url):
            raise IgnoreRequest(f"redirect to a non-HTTP URL refused: {redirected.url[:200]}")
        if allowed and not _on_domains(redirected.url, allowed):
            raise IgnoreRequest(
                f"redirect off the source's domains refused: {redirected.url[:200]}"
            )
        return super()._redirect(redirected, request, reason)


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
