"""Storage that scales: what a stored article costs must not grow with the database.

Checked on small real SQLite files through plans and counts, not timings (the timings are in
scripts/bench_storage.py): every statement of the write path finds its row through an index,
no index is kept that nothing reads, the writer's page cache follows the database's size, and
the WAL is copied into the database file by a background checkpointer, not by the writer.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from ingest.article import Article
from ingest.storage import Store
from ingest.writer import CACHE_KIB, WARM_UP, BatchWriter, cache_kib, warm_up
from tests import runs_helpers as h
from tests.articles_db import page

TABLES = ("articles", "urls", "fetch_log", "pages", "article_versions")


def _article(i: int, text: str | None = None, url: str | None = None) -> Article:
    return Article(
        url=url or f"https://news.example/2024/05/story-{i}",
        source="daily",
        title=f"Story {i}",
        text=text or f"Paragraph {i} about the harbour. " * 40,
        published_at=f"2024-05-{1 + i % 28:02d}T10:00:00+02:00",
        language="en",
    )


def test_the_write_path_reads_and_writes_rows_through_indexes_only(tmp_path):
    """New, changed, unchanged and duplicate articles: no statement scans a table."""
    store = Store(tmp_path / "news.db")
    store.write_batch(None, [page(_article(i)) for i in range(50)])
    statements: list[str] = []
    store.db.conn.set_trace_callback(statements.append)
    store.write_batch(
        None,
        [
            page(_article(50)),  # new
            page(_article(1, text="A changed text about the ferry. " * 30)),  # updated
            page(_article(2)),  # unchanged
            page(_article(3, url="https://news.example/copy-of-3")),  # same text elsewhere
        ],
    )
    store.db.conn.set_trace_callback(None)
    counts = store.db.execute("SELECT outcome, count(*) FROM fetch_log GROUP BY 1").fetchall()
    assert {"new", "updated", "unchanged", "duplicate"} <= {outcome for outcome, _ in counts}
    checked = 0
    for sql in statements:
        if sql.split()[0].upper() not in ("SELECT", "INSERT", "UPDATE", "DELETE"):
            continue
        steps = [row[3] for row in store.db.execute("EXPLAIN QUERY PLAN " + sql)]
        scans = [s for s in steps if s.split()[:2] in (["SCAN", t] for t in TABLES)]
        assert not scans, (sql, steps)
        checked += 1
    store.close()
    assert checked >= 12


def test_no_index_is_kept_that_no_query_reads(tmp_path):
    """Each index costs every stored page an insert; fetch_log.url and urls.article_url were
    read by nothing (m003 drops them), and the lookups the writer makes keep theirs."""
    store = Store(tmp_path / "news.db")
    indexes = {
        name: table
        for name, table in store.db.execute(
            "SELECT name, tbl_name FROM sqlite_master WHERE type = 'index'"
        )
    }
    assert "idx_fetch_log_url" not in indexes and "idx_urls_article_url" not in indexes
    assert {"idx_articles_content_hash", "idx_fetch_log_run_id_outcome"} <= set(indexes)

    def plan(sql: str) -> str:
        return " / ".join(row[3] for row in store.db.execute("EXPLAIN QUERY PLAN " + sql, ["x"]))

    assert "idx_articles_content_hash" in plan(
        "SELECT url FROM articles WHERE content_hash = ? AND url != 'y' LIMIT 1"
    )
    assert "USING INDEX sqlite_autoindex_urls_1" in plan("SELECT * FROM urls WHERE url = ?")
    store.close()


def test_an_old_database_loses_the_unused_indexes_and_keeps_its_rows(tmp_path):
    path = tmp_path / "old.db"
    store = Store(path)
    store.write_batch(None, [page(_article(i)) for i in range(5)])
    store.db.execute("CREATE INDEX idx_fetch_log_url ON fetch_log (url)")  # as m001 made it
    store.db.execute("DELETE FROM _sqlite_migrations WHERE name = 'm003_drop_unused_url_indexes'")
    store.close()
    store = Store(path)
    names = {r[0] for r in store.db.execute("SELECT name FROM sqlite_master WHERE type='index'")}
    assert "idx_fetch_log_url" not in names
    assert store.db.execute("SELECT count(*) FROM articles").fetchone()[0] == 5
    store.close()


def test_the_writer_cache_grows_with_the_database_within_bounds(tmp_path):
    low, high = CACHE_KIB
    small = tmp_path / "small.db"
    Store(small).close()
    assert cache_kib(small) == low
    assert cache_kib(tmp_path / "missing.db") == low
    big = tmp_path / "big.db"
    with open(big, "wb") as sparse:  # a sparse file: the size of a million articles, no data
        sparse.truncate(7_500_000_000)
    assert cache_kib(big) == 75_000_000 // 1024 < high  # holds the 57 MB content-hash index
    huge = tmp_path / "huge.db"
    with open(huge, "wb") as sparse:
        sparse.truncate(40_000_000_000)
    assert cache_kib(huge) == high
    middle = tmp_path / "middle.db"
    with open(middle, "wb") as sparse:
        sparse.truncate(3_000_000_000)
    assert low < cache_kib(middle) < high


def test_the_checkpointer_copies_the_wal_while_the_writer_runs(tmp_path):
    """The database file grows while the writer is open: pages were copied there from the WAL
    by the checkpointer thread (the writer's own checkpoint waits for 10,000 pages)."""
    path = tmp_path / "news.db"
    Store(path).close()
    before = path.stat().st_size
    writer = BatchWriter(path, None, batch_size=50, linger=0)
    try:
        for i in range(300):
            writer.put(page(_article(i)))
        writer.flush()
        assert h.scalar(path, "SELECT count(*) FROM articles") == 300
        deadline = time.monotonic() + 10
        while path.stat().st_size <= before and time.monotonic() < deadline:
            time.sleep(0.1)
        assert path.stat().st_size > before
        wal = Path(f"{path}-wal")
        assert wal.exists() and wal.stat().st_size < 10000 * 4096
    finally:
        counts = writer.close()
    assert counts["new"] == 300
    assert not Path(f"{path}-wal").exists() or os.path.getsize(f"{path}-wal") == 0


def test_flush_waits_for_the_commit_of_what_was_queued(tmp_path):
    path = tmp_path / "news.db"
    writer = BatchWriter(path, None, batch_size=1000)  # a batch far from full
    try:
        for i in range(20):
            writer.put(page(_article(i)))
        writer.flush()
        assert h.scalar(path, "SELECT count(*) FROM articles") == 20
    finally:
        writer.close()


def test_the_writer_reads_the_content_hash_index_into_its_cache_first(tmp_path):
    """The warm-up scans that index and nothing else (a renamed index would make it a table
    scan or an error); without the index, a user's choice, the writer still stores."""
    store = Store(tmp_path / "news.db")
    plan = " / ".join(row[3] for row in store.db.execute("EXPLAIN QUERY PLAN " + WARM_UP))
    assert plan == "SEARCH articles USING COVERING INDEX idx_articles_content_hash (content_hash>?)"
    store.write_batch(None, [page(_article(i)) for i in range(3)])
    assert store.db.execute(WARM_UP).fetchone()[0] == 3
    store.db.execute("DROP INDEX idx_articles_content_hash")
    assert warm_up(store) >= 0
    store.close()
    writer = BatchWriter(tmp_path / "news.db", None, linger=0)
    writer.put(page(_article(7)))
    assert writer.close()["new"] == 1


@pytest.mark.timeout(60)
def test_close_stores_the_last_batch_without_lingering(tmp_path):
    """A crawl's last results were held back the whole pause before close stored them."""
    path = tmp_path / "news.db"
    writer = BatchWriter(path, None, batch_size=1000, linger=3600)  # a pause that never ends
    for i in range(5):
        writer.put(page(_article(i)))
    writer.close()  # waits for the hour's pause unless close cuts it short (timeout: fails)
    assert h.scalar(path, "SELECT count(*) FROM articles") == 5


def test_a_run_s_figures_read_its_own_rows_whatever_the_statistics_say(tmp_path, monkeypatch):
    """After ``ANALYZE`` on a database whose first run logged nearly every page, sqlite_stat1
    says a run id matches a million rows; the figures of a later run (health at its end, run
    counts, the web UI's per-source run, the recovery of a killed run) must still read that
    run's rows through the index instead of scanning the whole log. With these statistics
    SQLite 3.40 scans for the health figures and the killed run without ``one_run``; the run
    counts and the web UI's query chose the index anyway, and are checked all the same."""
    from ingest import health, lock, query

    db = tmp_path / "news.db"
    store = Store(db)
    first = store.start_run(["daily"])
    store.write_batch(first, [page(_article(i)) for i in range(60)])
    later = store.start_run(["daily"])
    store.write_batch(later, [page(_article(i)) for i in range(60, 63)])
    store.db.execute("ANALYZE")
    store.db.execute(
        "UPDATE sqlite_stat1 SET stat = '1000000 1000000 1000000'"
        " WHERE idx = 'idx_fetch_log_run_id_outcome'"
    )
    store.db.conn.commit()
    store.close()

    store = Store(db)  # statistics are read when a connection opens
    statements: list[str] = []
    store.db.conn.set_trace_callback(statements.append)
    assert sum(h.new for h in health.measure(store, later).values()) == 3
    assert store.run_counts(later)["new"] == 3
    assert query._run_for_source(store.db.conn, later, "daily")["id"] == later
    store.db.conn.set_trace_callback(None)
    store.db.execute("UPDATE runs SET status = 'running', pid = 2147483600 WHERE id = ?", [later])
    store.db.conn.commit()
    store.close()

    class TracedStore(Store):
        def __init__(self, *args: object, **kwargs: object) -> None:
            super().__init__(*args, **kwargs)
            self.db.conn.set_trace_callback(statements.append)

    monkeypatch.setattr(lock, "Store", TracedStore)
    assert later in lock.close_dead_runs(db)  # reads the killed run's last fetch

    logged = [sql for sql in statements if "fetch_log" in sql and sql.lstrip().startswith("SELECT")]
    assert len(logged) >= 4
    check = Store(db)
    for sql in logged:
        steps = " / ".join(row[3] for row in check.db.execute("EXPLAIN QUERY PLAN " + sql))
        assert "idx_fetch_log_run_id_outcome" in steps, (sql, steps)
    check.close()
