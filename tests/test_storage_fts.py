"""The full-text index on real SQLite files: written once per batch, in sync after every commit.

The writer adds a batch's new articles to ``articles_fts`` with one statement before it commits
(m004); the triggers keep doing it for every other writer. FTS5's own ``integrity-check`` with
rank 1 compares the index against the articles table row by row, so a missed, stale or doubled
row fails these tests.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from ingest.storage import FTS_PENDING, PageResult, Store
from tests.test_storage import page


def _conn(db: Store | Path) -> sqlite3.Connection:
    return db.db.conn if isinstance(db, Store) else sqlite3.connect(db)


def hits(db: Store | Path, words: str) -> list[str]:
    conn = _conn(db)
    rows = conn.execute(
        "SELECT a.url FROM articles_fts JOIN articles AS a ON a.rowid = articles_fts.rowid"
        " WHERE articles_fts MATCH ? ORDER BY a.url",
        [words],
    )
    return [r[0] for r in rows]


def assert_in_sync(db: Store | Path) -> None:
    """FTS5 compares every indexed row with the articles table; no batch left half-done."""
    conn = _conn(db)
    conn.execute("INSERT INTO articles_fts (articles_fts, rank) VALUES ('integrity-check', 1)")
    indexed = conn.execute("SELECT count(*) FROM articles_fts_docsize").fetchone()[0]
    assert indexed == conn.execute("SELECT count(*) FROM articles").fetchone()[0]
    assert conn.execute(f"SELECT count(*) FROM {FTS_PENDING}").fetchone()[0] == 0


def structure(store: Store) -> tuple[int, int]:
    """Segments in the index and FTS5's write counter (leaf pages written), from the structure
    record (row 10 of ``articles_fts_data``: a 4-byte cookie, then varints)."""
    block = store.db.execute("SELECT block FROM articles_fts_data WHERE id = 10").fetchone()[0]
    values, value, pos = [], 0, 4
    while len(values) < 3:
        byte = block[pos]
        pos += 1
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            values.append(value)
            value = 0
    _levels, segments, writes = values
    return segments, writes


def test_a_batch_of_new_articles_is_one_segment_of_the_index(store):
    """A trigger per article wrote one FTS5 segment per article (each INSERT's savepoint
    flushes FTS5's pending terms), then merged them: 50 articles left several segments."""
    store.write_batch(
        None, [page(f"http://a/{i}", f"Story {i} about the harbour.") for i in range(50)]
    )
    assert structure(store)[0] == 1
    assert len(hits(store, "harbour")) == 50
    assert_in_sync(store)


def test_new_updated_and_repeated_articles_of_one_batch_are_indexed_as_stored(store):
    store.write_batch(None, [page("http://a/old", "The old ferry timetable.")])
    store.write_batch(
        None,
        [
            page("http://a/1", "A glacier retreats."),
            page("http://a/1", "A glacier retreats faster than measured."),  # new, then updated
            page("http://a/old", "The new tram timetable."),  # stored before: updated
            page("http://a/2", "Vineyard harvest starts early.", title="Harvest"),
        ],
    )
    assert hits(store, "measured") == ["http://a/1"]
    assert hits(store, "tram") == ["http://a/old"] and hits(store, "ferry") == []
    assert hits(store, "title:harvest") == ["http://a/2"]
    assert store.db.execute("SELECT count(*) FROM article_versions").fetchone()[0] == 2
    assert_in_sync(store)


def test_an_unchanged_recrawl_does_not_rewrite_the_index(store):
    """``last_fetched`` changes, title and text do not: FTS5 writes nothing (the old trigger
    deleted and re-added every term of the article)."""
    batch = [page(f"http://a/{i}", f"Council meeting number {i}.") for i in range(20)]
    store.write_batch(None, batch)
    before = structure(store)
    again = [page(f"http://a/{i}", f"Council meeting number {i}.") for i in range(20)]
    assert store.write_batch(None, again)["unchanged"] == 20
    assert structure(store) == before
    assert_in_sync(store)


def test_other_writers_keep_the_index_in_sync_through_the_triggers(store):
    store.write_batch(None, [page("http://a/1", "Reservoir levels fall.")])
    conn = sqlite3.connect(store.path, isolation_level=None)
    conn.execute("INSERT INTO articles (url, source, text) VALUES ('http://b/1', 'b', 'Quarry')")
    assert hits(store, "quarry") == ["http://b/1"]
    conn.execute("UPDATE articles SET text = 'Quarry closes' WHERE url = 'http://b/1'")
    conn.execute("UPDATE articles SET title = 'Dry' WHERE url = 'http://a/1'")
    assert hits(store, "closes") == ["http://b/1"] and hits(store, "title:dry") == ["http://a/1"]
    conn.execute("DELETE FROM articles WHERE url = 'http://a/1'")
    assert hits(store, "reservoir") == []
    conn.close()
    assert_in_sync(store)


def test_a_failed_batch_leaves_neither_rows_nor_index_entries(store):
    store.write_batch(None, [page("http://a/1", "Turbine blades arrive.")])
    bad = PageResult(url="http://a/3", source="s", outcome="new", article={"url": None})
    with pytest.raises(KeyError):
        store.write_batch(None, [page("http://a/2", "Turbine tower rises."), bad])
    assert hits(store, "turbine") == ["http://a/1"]
    assert_in_sync(store)
    store.write_batch(None, [page("http://a/2", "Turbine tower rises.")])
    assert hits(store, "turbine") == ["http://a/1", "http://a/2"]


def test_a_database_made_before_m004_migrates_and_stays_searchable(tmp_path):
    """Per-row triggers as sqlite-utils made them, the migration not yet recorded."""
    path = tmp_path / "old.db"
    store = Store(path)
    store.write_batch(None, [page(f"http://a/{i}", f"Lighthouse report {i}.") for i in range(5)])
    store.db.execute(f"DROP TABLE {FTS_PENDING}")
    for name in ("articles_ai", "articles_ad", "articles_au"):
        store.db.execute(f"DROP TRIGGER {name}")
    store.db.execute(
        "CREATE TRIGGER articles_ai AFTER INSERT ON articles BEGIN INSERT INTO articles_fts"
        " (rowid, title, text) VALUES (new.rowid, new.title, new.text); END"
    )
    store.db.execute("DELETE FROM _sqlite_migrations WHERE name = 'm004_fts_rows_per_batch'")
    store.close()
    store = Store(path)
    triggers = dict(store.db.execute("SELECT name, sql FROM sqlite_master WHERE type='trigger'"))
    assert set(triggers) == {"articles_ai", "articles_ad", "articles_au"}
    assert all(FTS_PENDING in sql for sql in triggers.values())
    store.write_batch(None, [page("http://a/9", "Lighthouse keeper retires.")])
    assert len(hits(store, "lighthouse")) == 6
    assert_in_sync(store)
    store.close()
