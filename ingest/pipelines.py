"""Scrapy item pipelines: thin adapters from the crawl to :mod:`ingest.process` and storage.

``ExtractPipeline`` sends each fetched page to a pool of worker processes (extraction is the
heaviest per-page work and must not run on the reactor thread); ``StorePipeline`` hands results
to the batch writer and records the run.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import sys
from concurrent.futures import Executor
from typing import Any

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.utils.defer import deferred_from_coro

from ingest.errors import UserError
from ingest.health import DEGRADED, assess
from ingest.lock import DbLock, close_dead_runs
from ingest.process import process_kept_pages, with_body
from ingest.storage import Store
from ingest.workers import Batches, extraction_pool
from ingest.writer import BatchWriter

log = logging.getLogger(__name__)


class ExtractPipeline:
    """Runs :func:`ingest.process.process_page` on every fetched page, off the reactor thread
    (through :func:`~ingest.process.process_kept_page`: the page stays here meanwhile), the
    pages of one turn of the event loop in one task (:class:`~ingest.workers.Batches`)."""

    def __init__(self, workers: int | None) -> None:
        self.workers = workers
        self.pool: Executor | None = None
        self.batches: Batches[dict[str, Any], dict[str, Any]] | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ExtractPipeline:
        value = crawler.settings.get("INGEST_EXTRACT_WORKERS")
        return cls(None if value in (None, "") else int(value))

    def open_spider(self, spider: Spider | None = None) -> None:
        self.pool = extraction_pool(self.workers)
        self.batches = Batches(self.pool, process_kept_pages)

    def close_spider(self, spider: Spider | None = None) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)

    async def process_item(
        self, item: dict[str, Any], spider: Spider | None = None
    ) -> dict[str, Any]:
        if item.get("type") != "page":
            return item
        assert self.batches is not None
        return with_body(await self.batches.call(item), item)


class StorePipeline:
    """Stores results through one batch writer and records the run in ``runs``."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.db_path = crawler.settings.get("INGEST_DB")
        self.batch = crawler.settings.getint("INGEST_WRITE_BATCH", 200)
        self.writer: BatchWriter | None = None
        self.run_id: int | None = None
        self.lock: DbLock | None = None
        self._stopping: Any = None  # the close requested after a storage failure
        if crawler.settings.getbool("INGEST_LOCK", True):
            self.lock = _lock_or_exit(self.db_path)
        crawler.signals.connect(self._spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        return cls(crawler)

    def open_spider(self, spider: Spider | None = None) -> None:
        spider = spider or self.crawler.spider
        if self.lock is not None:
            close_dead_runs(self.db_path, finder=getattr(spider, "run_id", None))
        store = Store(self.db_path)
        try:
            self.run_id = getattr(spider, "run_id", None) or store.start_run(
                [s.name for s in getattr(spider, "sources", [])]
            )
        finally:
            store.close()
        spider.run_id = self.run_id
        if self.lock is not None:
            self.lock.set_run(self.run_id)
        self.writer = BatchWriter(self.db_path, self.run_id, batch_size=self.batch)
        spider.store_writer = self.writer  # closed by ingest.crawl when Scrapy stops at once

    def process_item(self, item: dict[str, Any], spider: Spider | None = None) -> dict[str, Any]:
        assert self.writer is not None
        result = {k: v for k, v in item.items() if k != "type"}
        try:
            self.writer.put(result)
        except RuntimeError:  # the writer failed (disk full, database gone read-only ...)
            self._stop_crawl()
            return {"url": result["url"], "outcome": "not_stored"}
        return {"url": result["url"], "outcome": result["outcome"]}

    def close_spider(self, spider: Spider | None = None) -> None:
        """Flush every queued result before the run is closed."""
        if self.writer is not None:
            with contextlib.suppress(RuntimeError):  # reported by _spider_closed
                self.writer.close()

    def _storage_failure(self) -> str | None:
        """What went wrong with storage, said for the user, or None."""
        error = self.writer.error if self.writer is not None else None
        if error is None:
            return None
        return (
            f"storage failed: {error}; the crawl stopped, everything stored before is kept"
            f" ({self.db_path}); free some space or fix the file, then run again"
        )

    def _stop_crawl(self) -> None:
        """Once storage has failed, fetching more only loses more: close the spider, once."""
        if self._stopping is not None:
            return
        log.error("%s", self._storage_failure())
        self._stopping = deferred_from_coro(
            self.crawler.engine.close_spider_async(reason="storage_failed")
        )

    def _spider_closed(self, spider: Spider, reason: str) -> None:
        """Record how the run ended (sent after close_spider, so all results are stored)."""
        if self.run_id is None:
            return
        status = {"finished": "finished", "shutdown": "interrupted"}.get(reason, reason)
        failure = self._storage_failure()
        store = Store(self.db_path)
        try:
            health, alerts = assess(store, self.run_id)
            for line in alerts:
                log.warning("health: %s", line)
            if alerts and status == "finished":
                status = DEGRADED
            if failure:
                status, alerts = "failed", [failure]
            spider.run_row = store.finish_run(
                self.run_id, status, health=health, message="; ".join(alerts) or None
            )
        except sqlite3.Error as exc:  # still no room to record the end of the run
            row = store.db["runs"].get(self.run_id)
            spider.run_row = {**row, "status": "failed", "message": failure or f"{exc}"}
        finally:
            store.close()
            if self.lock is not None:
                self.lock.release()


def _lock_or_exit(db_path: str) -> DbLock:
    """Take the database's write lock; when another run holds it, say which in one line and
    exit with LockedError's status (``scrapy crawl`` would otherwise print a traceback)."""
    try:
        return DbLock(db_path).acquire()
    except UserError as exc:  # held by another run (75), or no room to write the lock file (2)
        print(f"Error: {exc}", file=sys.stderr, flush=True)
        raise SystemExit(getattr(exc, "exit_code", 2)) from None
