"""A single writer thread that stores page results in batches.

Scrapy's reactor thread only enqueues; the writer groups results into one transaction per batch
(what arrived within ``linger`` seconds of the first, at most ``batch_size``), so a crawl never
pays one commit per row and never blocks the reactor on disk. Results not yet committed when a
run is killed are simply fetched again by the next run: the per-URL state only records what
was committed.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

from ingest.storage import PageResult, Store

log = logging.getLogger(__name__)

_STOP = object()


class BatchWriter:
    """Owns the write connection of a crawl; ``put`` results, ``close`` to flush and stop."""

    def __init__(
        self,
        db_path: str | Path,
        run_id: int | None,
        *,
        batch_size: int = 200,
        interval: float = 1.0,
        linger: float = 0.25,
    ) -> None:
        self.db_path = db_path
        self.run_id = run_id
        self.batch_size = batch_size
        self.interval = interval
        self.linger = linger
        self.counts: Counter[str] = Counter()
        self.error: BaseException | None = None
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=batch_size * 10)
        self._thread = threading.Thread(target=self._run, name="ingest-writer", daemon=True)
        self._thread.start()

    def put(self, result: dict[str, Any] | PageResult) -> None:
        """Queue a result for storage (blocks when the writer is far behind: back-pressure)."""
        if self.error is not None:
            raise RuntimeError(f"storage failed: {self.error}")
        self._queue.put(result if isinstance(result, PageResult) else PageResult(**result))

    def close(self) -> Counter[str]:
        """Flush what is queued, stop the thread, return outcome counts."""
        self._queue.put(_STOP)
        self._thread.join()
        if self.error is not None:
            raise RuntimeError(f"storage failed: {self.error}")
        return self.counts

    def _run(self) -> None:
        store = Store(self.db_path)
        # 16 MB of page cache instead of SQLite's 2 MB: in a database of a million articles the
        # inner pages of the URL and content-hash indexes stay in memory, so storing an article
        # costs about what it does in a small database.
        store.db.conn.execute("PRAGMA cache_size = -16384")
        try:
            self._loop(store)
        except BaseException as exc:  # noqa: BLE001 - reported to the reactor thread via put/close
            self.error = exc
            log.error("storage writer stopped: %s", exc)
            self._drain()
        finally:
            store.close()

    def _loop(self, store: Store) -> None:
        stopping = False
        while not stopping:
            batch, stopping = self._next_batch()
            if batch:
                self.counts.update(store.write_batch(self.run_id, batch))

    def _next_batch(self) -> tuple[list[PageResult], bool]:
        """Wait for a result, let more arrive for ``linger`` seconds, take what is there.

        Without the pause a crawl's steady trickle makes batches of one or two rows: a commit,
        an FTS5 segment and a thread wake-up per page. The pause costs at most ``linger``
        seconds of delay before a result is stored."""
        batch: list[PageResult] = []
        try:
            item = self._queue.get(timeout=self.interval)
        except queue.Empty:
            return batch, False
        if item is not _STOP and self.linger > 0 and self._queue.qsize() < self.batch_size:
            time.sleep(self.linger)
        while True:
            if item is _STOP:
                return batch, True
            batch.append(item)
            if len(batch) >= self.batch_size:
                return batch, False
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                return batch, False

    def _drain(self) -> None:
        """Empty the queue after a failure so producers blocked on put() wake up."""
        while True:
            try:
                if self._queue.get_nowait() is _STOP:
                    return
            except queue.Empty:
                return
