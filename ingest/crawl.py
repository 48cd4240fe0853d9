"""Run a crawl from Python: ``crawl(db=..., sources=[...])`` is what ``ingest crawl`` calls.

It builds Scrapy settings from :mod:`ingest.settings` (no ``scrapy.cfg`` needed, so it works from
any folder), runs the ``news`` spider in this process, and returns the run's row from ``runs``.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from ingest.errors import UserError
from ingest.lock import DbLock
from ingest.sources import DEFAULT_SOURCES_FILE, load_sources, select_sources, site_source
from ingest.storage import DEFAULT_DB, Store


def scrapy_settings(db: str | Path, overrides: dict[str, Any] | None = None) -> Settings:
    """The project's Scrapy settings, pointed at ``db``, with ``overrides`` applied."""
    settings = Settings()
    settings.setmodule("ingest.settings", priority="project")
    settings.set("INGEST_DB", str(db), priority="cmdline")
    for key, value in (overrides or {}).items():
        settings.set(key, value, priority="cmdline")
    return settings


def check_inputs(
    db: str | Path,
    sources_file: str | Path,
    names: list[str],
    urls: list[str],
    site: str | None,
    redis_url: str | None = None,
) -> None:
    """Validate everything before Scrapy starts, so bad input is one line and nothing runs."""
    if site:
        site_source(site)
    elif urls:
        for url in urls:
            site_source(url)  # same URL check
    else:
        select_sources(load_sources(sources_file), names, sources_file)
    if redis_url:  # a distributed worker writes no database (`ingest drain` does)
        from ingest.distributed import connect

        connect(redis_url).close()
    else:
        Store(db).close()  # creates/migrates the database, or says why it cannot


def crawl(
    db: str | Path = DEFAULT_DB,
    *,
    sources_file: str | Path = DEFAULT_SOURCES_FILE,
    names: list[str] | None = None,
    urls: list[str] | None = None,
    site: str | None = None,
    settings: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Crawl the named sources (all when none), or given article URLs, or a whole site.

    Returns the row of the run in ``runs`` (status, counts). Raises :class:`UserError` for bad
    input before anything is fetched.
    """
    names, urls = names or [], urls or []
    options = scrapy_settings(db, settings)
    redis_url = options.get("INGEST_REDIS_URL")
    check_inputs(db, sources_file, names, urls, site, redis_url)
    # Taken before Scrapy starts so a second run stops with one line (LockedError, status 75);
    # the store pipeline takes it again (re-entrant), which covers `scrapy crawl news` too.
    lock = DbLock(db).acquire() if options.getbool("INGEST_LOCK", True) and not redis_url else None
    try:
        process = CrawlerProcess(options)
        from spiders.news import NewsSpider

        crawler = process.create_crawler(NewsSpider)
        process.crawl(
            crawler,
            source=",".join(names),
            sources=str(sources_file),
            url=",".join(urls),
            site=site,
        )
        process.start()
    finally:
        if lock is not None:
            lock.release()
    row = getattr(crawler.spider, "run_row", None)
    if row is None:
        raise UserError("the crawl stopped before it could record its run; see the log above")
    return row


def quiet_scrapy_logs(level: int) -> None:
    """Scrapy logs every request at DEBUG; users of ``ingest`` see warnings unless -v."""
    logging.getLogger("scrapy").setLevel(level)
