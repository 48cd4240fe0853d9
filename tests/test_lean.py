"""Scrapy components redone for the reactor thread (ingest.lean): the same stats and log."""

from __future__ import annotations

import logging

import pytest
from scrapy import Request
from scrapy.downloadermiddlewares.stats import DownloaderStats as ScrapyDownloaderStats
from scrapy.http import HtmlResponse
from scrapy.statscollectors import MemoryStatsCollector
from scrapy.utils.test import get_crawler

from ingest.lean import DownloaderStats, QuietLogFormatter

REQUESTS = [
    Request("http://127.0.0.1:8731/a/b;p?x=1&y=%C3%A9", headers={"Accept": "x", "X": ["a", "b"]}),
    Request("https://Example.com"),
    Request("http://h/p", method="POST", body=b"abc"),
    Request("http://h/\u00e9t\u00e9.html"),
]
RESPONSES = [
    HtmlResponse("http://h/", status=200, headers={"Set-Cookie": ["a", "b"]}, body=b"x" * 10),
    HtmlResponse("http://h/", status=404, body=b""),
    HtmlResponse("http://h/", status=599, headers={"Content-Type": "text/html"}, body=b"y"),
]


def _stats(middleware_class: type) -> dict:
    crawler = get_crawler()
    stats = MemoryStatsCollector(crawler)
    middleware = middleware_class(stats)
    for request in REQUESTS:
        middleware.process_request(request)
        for response in RESPONSES:
            middleware.process_response(request, response)
        middleware.process_exception(request, TimeoutError("slow"))
    return stats.get_stats()


def test_downloader_stats_are_scrapys_to_the_byte():
    ours = _stats(DownloaderStats)
    assert ours == _stats(ScrapyDownloaderStats)
    assert ours["downloader/response_count"] == 12


@pytest.mark.parametrize(("level", "quiet"), [("INFO", True), ("WARNING", True), ("DEBUG", False)])
def test_per_page_debug_messages_only_when_the_log_shows_them(level: str, quiet: bool):
    crawler = get_crawler(settings_dict={"LOG_LEVEL": level})
    formatter = QuietLogFormatter.from_crawler(crawler)
    response = RESPONSES[0]
    crawled = formatter.crawled(REQUESTS[0], response, None)
    scraped = formatter.scraped({"url": "x"}, response, None)
    if quiet:
        assert crawled is None and scraped is None
    else:
        assert crawled["level"] == scraped["level"] == logging.DEBUG
    assert formatter.download_error(ValueError("x"), REQUESTS[0], None) is not None  # others stay
