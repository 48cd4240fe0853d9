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
import sqlite3
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

from ingest.storage import PageResult, Store

log = logging.getLogger(__name__)

_STOP = object()

#: The writer's page cache: 1% of the database file, between these bounds (KiB).
CACHE_KIB = (16 * 1024, 256 * 1024)
#: Read into the writer's cache when it starts: the index every stored article looks up and
#: updates at a random place (the hash of its text), 0.75% of the database file.
WARM_UP = (
    "SELECT count(*) FROM articles INDEXED BY idx_articles_content_hash WHERE content_hash > ''"
)
#: Pages the WAL may hold before the writer copies them itself (when the checkpointer lags).
WAL_PAGES_FALLBACK = 10000


def cache_kib(db_path: str | Path) -> int:
    """Page cache for the writer of ``db_path``, in KiB.

    Each stored article looks up and updates one random leaf of the content-hash index (and,
    for sites whose URLs are not ordered by date, of the URL indexes); once that index
    outgrows the cache, every article waits for a page read from disk. It is 0.75% of the
    file, so a million articles (7.6 GB) get 76 MB (the index, 57 MB, and the pages a batch
    writes), while a crawl of a hundred thousand keeps the 16 MB it always had (its memory
    stays flat). Past 25 GB the index no longer fits and articles read their leaf again."""
    try:
        size = Path(db_path).stat().st_size
    except OSError:
        size = 0
    low, high = CACHE_KIB
    return max(low, min(high, size // 100 // 1024))


def warm_up(store: Store) -> float:
    """Read the content-hash index into the writer's page cache once; return seconds taken.

    Without it the first articles of a crawl into a large database each wait for a random
    leaf of that index from disk (0.1-0.3 ms each when the OS holds little of the file in its
    cache), until the whole index has been read that way; one scan reads it in 0.2-2 s on a
    million articles. A database without the index (a user dropped it) skips this."""
    start = time.perf_counter()
    try:
        store.db.conn.execute(WARM_UP).fetchone()
    except sqlite3.OperationalError as exc:  # no such index
        log.debug("writer cache not warmed up: %s", exc)
    return time.perf_counter() - start


class Checkpointer:
    """Copies committed pages from the WAL into the database file, on its own thread.

    SQLite's automatic checkpoint runs inside the writer's commit, which then waits while
    pages are written to their places in the file and synced. In a large database those
    places are scattered (index leaves, reused free pages), so the wait grows with the
    database. A PASSIVE checkpoint on a second connection never blocks the writer or readers
    (WAL mode lets it run beside a write transaction), and SQLite releases the GIL meanwhile.
    """

    def __init__(self, db_path: str | Path, interval: float = 0.5) -> None:
        self.db_path = db_path
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="ingest-checkpoint", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            conn = sqlite3.connect(self.db_path, isolation_level=None, check_same_thread=False)
        except sqlite3.Error as exc:
            log.warning("checkpointer not started (%s); the writer checkpoints itself", exc)
            return
        try:
            while not self._stop.wait(self.interval):
                conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        except sqlite3.Error as exc:  # e.g. disk full: the writer's own checkpoint takes over
            log.warning("checkpointer stopped: %s", exc)
        finally:
            conn.close()

    def stop(self) -> None:
        """Stop after the checkpoint under way (the writer's close checkpoints the rest)."""
        self._stop.set()
        self._thread.join()


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
        self._hurry = threading.Event()  # close() is waiting: no more lingering
        self._thread = threading.Thread(target=self._run, name="ingest-writer", daemon=True)
        self._thread.start()

    def put(self, result: dict[str, Any] | PageResult) -> None:
        """Queue a result for storage (blocks when the writer is far behind: back-pressure)."""
        if self.error is not None:
            raise RuntimeError(f"storage failed: {self.error}")
        self._queue.put(result if isinstance(result, PageResult) else PageResult(**result))

    def flush(self) -> None:
        """Wait until everything queued so far is committed (for tests and benchmarks: a
        crawl only needs ``close``)."""
        done = threading.Event()
        self._queue.put(done)
        while not done.wait(0.1) and self._thread.is_alive():
            pass
        if self.error is not None:
            raise RuntimeError(f"storage failed: {self.error}")

    def close(self) -> Counter[str]:
        """Flush what is queued, stop the thread, return outcome counts."""
        self._queue.put(_STOP)
        self._hurry.set()
        self._thread.join()
        if self.error is not None:
            raise RuntimeError(f"storage failed: {self.error}")
        return self.counts

    def _run(self) -> None:
        store = Store(self.db_path)
        store.db.conn.execute(f"PRAGMA cache_size = -{cache_kib(self.db_path)}")
        store.db.conn.execute(f"PRAGMA wal_autocheckpoint = {WAL_PAGES_FALLBACK}")
        warm_up(store)
        checkpointer = Checkpointer(self.db_path)
        try:
            self._loop(store)
        except BaseException as exc:  # noqa: BLE001 - reported to the reactor thread via put/close
            self.error = exc
            log.debug("storage writer stopped: %s", exc)  # the pipeline reports it, once
            self._drain()
        finally:
            checkpointer.stop()
            store.close()

    def _loop(self, store: Store) -> None:
        stopping = False
        while not stopping:
            batch, stopping, flushed = self._next_batch()
            if batch:
                self.counts.update(store.write_batch(self.run_id, batch))
            if flushed is not None:
                flushed.set()

    def _next_batch(self) -> tuple[list[PageResult], bool, threading.Event | None]:
        """Wait for a result, let more arrive for ``linger`` seconds, take what is there.

        Without the pause a crawl's steady trickle makes batches of one or two rows: a commit,
        an FTS5 segment and a thread wake-up per page. The pause costs at most ``linger``
        seconds of delay before a result is stored, and none once ``close`` waits (the last
        batch of a crawl lingered up to that long after its last page)."""
        batch: list[PageResult] = []
        try:
            item = self._queue.get(timeout=self.interval)
        except queue.Empty:
            return batch, False, None
        lingering = isinstance(item, PageResult) and self.linger > 0
        if lingering and self._queue.qsize() < self.batch_size:
            self._hurry.wait(self.linger)
        while True:
            if item is _STOP:
                return batch, True, None
            if isinstance(item, threading.Event):  # flush(): commit what came before it
                return batch, False, item
            batch.append(item)
            if len(batch) >= self.batch_size:
                return batch, False, None
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                return batch, False, None

    def _drain(self) -> None:
        """Empty the queue after a failure so producers blocked on put() wake up."""
        while True:
            try:
                if self._queue.get_nowait() is _STOP:
                    return
            except queue.Empty:
                return
