"""The download handler keeps a connection per parallel request a host may get.

With Scrapy's handler, the idle-connection pool holds CONCURRENT_REQUESTS_PER_DOMAIN (4)
connections per host, while loopback hosts get 32 parallel requests: 28 connections in 32
would be closed after each response (scripts/bench.py shows the cost on the reactor thread).
"""

from __future__ import annotations

from scrapy.settings import Settings

from ingest.downloader import pool_width


def test_pool_is_as_wide_as_the_widest_slot() -> None:
    base = {"CONCURRENT_REQUESTS_PER_DOMAIN": 4, "LOOPBACK_CONCURRENCY": 32}
    assert pool_width(Settings(base)) == 64
    assert pool_width(Settings({**base, "DOWNLOAD_SLOTS": {"a.com": {"concurrency": 48}}})) == 96
    assert pool_width(Settings({**base, "LOOPBACK_CONCURRENCY": 2})) == 8


def test_project_settings_use_it() -> None:
    from ingest import settings

    assert settings.DOWNLOAD_HANDLERS["http"].endswith("KeepAliveHTTPDownloadHandler")
    assert settings.DOWNLOAD_HANDLERS["https"] == settings.DOWNLOAD_HANDLERS["http"]
