"""Scrapy components redone to cost the reactor thread less per page, with the same output.

Every page passes through them on the one thread all downloads share (:mod:`ingest.settings`
puts them in place of Scrapy's own):

- :class:`QuietLogFormatter`: Scrapy builds a DEBUG "Crawled (200) ..." and a "Scraped from
  ..." log record for every page even when ``LOG_LEVEL`` drops them unseen (its root handler
  filters, the loggers let everything through);
- :class:`DownloaderStats`: the same ``downloader/*`` stats (``ingest.distributed`` reports
  ``downloader/response_count``), with byte counts added up from the raw header dicts instead
  of building each request's HTTP text and normalizing each header again.
"""

from __future__ import annotations

import logging
from functools import cache
from typing import Any

from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.stats import DownloaderStats as ScrapyDownloaderStats
from scrapy.downloadermiddlewares.stats import get_status_size
from scrapy.http import Response
from scrapy.logformatter import LogFormatter, LogFormatterResult
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.python import global_object_name
from twisted.python.failure import Failure

#: ``b"GET " + path + b" HTTP/1.1\r\n" + b"Host: " + host + b"\r\n"``, less method, path, host.
_REQUEST_LINE_BYTES = len(b"  HTTP/1.1\r\n") + len(b"Host: \r\n")


class QuietLogFormatter(LogFormatter):
    """Scrapy's log formatter, minus the per-page DEBUG messages when the log level hides them.

    Returning None tells Scrapy not to log: the same as what reaches the log at INFO and above,
    without a record made and thrown away twice per page."""

    def __init__(self, debug: bool = True) -> None:
        super().__init__()
        self.debug = debug

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> QuietLogFormatter:
        level = crawler.settings.get("LOG_LEVEL") or "DEBUG"
        if isinstance(level, str):
            level = logging.getLevelName(level.upper())
        debug = not isinstance(level, int) or level <= logging.DEBUG
        return cls(debug=debug or not crawler.settings.getbool("LOG_ENABLED", True))

    def crawled(self, request: Request, response: Response, spider: Spider) -> Any:
        return super().crawled(request, response, spider) if self.debug else None

    def scraped(
        self, item: Any, response: Response | Failure | None, spider: Spider
    ) -> LogFormatterResult | None:
        return super().scraped(item, response, spider) if self.debug else None


class DownloaderStats(ScrapyDownloaderStats):
    """Scrapy's DownloaderStats (same keys, same byte counts), computed without copies."""

    def process_request(self, request: Request, spider: Spider | None = None) -> None:
        self.stats.inc_value("downloader/request_count")
        self.stats.inc_value(f"downloader/request_method_count/{request.method}")
        self.stats.inc_value("downloader/request_bytes", request_size(request))
        return None

    def process_response(
        self, request: Request, response: Response, spider: Spider | None = None
    ) -> Response:
        self.stats.inc_value("downloader/response_count")
        self.stats.inc_value(f"downloader/response_status_count/{response.status}")
        size = len(response.body) + header_size(response.headers, per_key=True)
        self.stats.inc_value("downloader/response_bytes", size + _status_size(response.status) + 4)
        return response

    def process_exception(
        self, request: Request, exception: Exception, spider: Spider | None = None
    ) -> None:
        name = global_object_name(exception.__class__)
        self.stats.inc_value("downloader/exception_count")
        self.stats.inc_value(f"downloader/exception_type_count/{name}")
        return None


def request_size(request: Request) -> int:
    """``len(scrapy.utils.request.request_httprepr(request))`` without building it."""
    parsed = urlparse_cached(request)
    path = (parsed.path or "/") + (";" + parsed.params if parsed.params else "")
    path += "?" + parsed.query if parsed.query else ""
    size = len(request.method) + len(path.encode()) + len((parsed.hostname or "").encode())
    headers = header_size(request.headers)
    return size + _REQUEST_LINE_BYTES + (headers + 2 if headers else 0) + 2 + len(request.body)


def header_size(headers: Any, *, per_key: bool = False) -> int:
    """Bytes of ``Name: value`` lines joined by CRLF, read from the raw dict (Scrapy keeps
    names and values as bytes already). ``per_key``: Scrapy's response count, which adds one
    CRLF per header name, not per line."""
    size = lines = 0
    for key, values in dict.items(headers):
        for value in values:
            size += len(key) + 2 + len(value)
            lines += 1
    separators = len(headers) if per_key else lines
    return size + 2 * (separators - 1) if (separators or per_key) else 0


@cache
def _status_size(status: int) -> int:
    return get_status_size(status)
