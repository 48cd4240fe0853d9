"""Duplicate detection through ``content_keys`` (m005) on real SQLite files.

The writer keeps the keys of articles stored since the last merge in memory and merges them in
bulk; triggers cover every other writer. Whatever the path (pending or merged, this writer or
another connection, a restart, an update, a delete, a shared key prefix), the same text under a
new URL must be found, and a different text must not be taken for it.
"""

from __future__ import annotations

import sqlite3

import pytest
import sqlite_utils

from ingest import storage
from ingest.storage import MIGRATIONS, PageResult, Store
from tests.test_storage import page


def outcome(store: Store, url: str, text: str) -> tuple[str, str | None]:
    result = page(url, text)
    store.write_batch(None, [result])
    return result.outcome, result.detail


def forged(url: str, content_hash: str) -> PageResult:
    """An article with a chosen hash (two texts whose hashes share the key's characters)."""
    result = page(url, f"Text of {url}.")
    result.article["content_hash"] = content_hash
    return result


def keys(path) -> set[tuple[str, int]]:
    conn = sqlite3.connect(path)
    try:
        return set(conn.execute("SELECT key, article_rowid FROM content_keys"))
    finally:
        conn.close()


def test_the_same_text_is_a_duplicate_while_pending_and_once_merged(store):
    assert outcome(store, "http://a/1", "The ferry sank at dawn.")[0] == "new"
    assert store._pending_count == 1 and not keys(store.path)  # pending, in memory only
    assert outcome(store, "http://b/1", "The ferry sank at dawn.") == (
        "duplicate",
        "same text as http://a/1",
    )
    assert store.merge_content_keys() == 1
    assert keys(store.path) == {(store.db["articles"].get("http://a/1")["content_hash"][:8], 1)}
    assert outcome(store, "http://c/1", "The ferry  sank at DAWN.")[0] == "duplicate"
    assert outcome(store, "http://d/1", "The ferry sank at noon.")[0] == "new"


def test_pending_articles_are_found_after_a_restart(tmp_path):
    path = tmp_path / "news.db"
    first = Store(path)
    first.write_batch(None, [page("http://a/1", "Dam opens its gates.")])
    first.close()
    second = Store(path)
    assert outcome(second, "http://b/1", "Dam opens its gates.")[0] == "duplicate"
    second.close()


def test_articles_written_by_another_connection_are_found(store):
    """A user's INSERT and UPDATE by SQL, between two batches of the writer."""
    outcome(store, "http://a/1", "First story.")
    store.merge_content_keys()
    other = sqlite3.connect(store.path)
    other.execute(
        "INSERT INTO articles (url, source, text, content_hash) VALUES (?, 's', 'x', ?)",
        ["http://user/1", page("u", "Inserted by hand.").article["content_hash"]],
    )
    changed = page("u", "Corrected by hand.").article["content_hash"]
    other.execute("UPDATE articles SET content_hash = ? WHERE url = 'http://a/1'", [changed])
    other.commit()
    other.close()
    assert outcome(store, "http://b/1", "Inserted by hand.") == (
        "duplicate",
        "same text as http://user/1",
    )
    assert outcome(store, "http://b/2", "Corrected by hand.")[0] == "duplicate"
    assert outcome(store, "http://b/3", "First story.")[0] == "new"  # the old hash is gone


def test_a_deleted_article_is_forgotten_and_a_reused_rowid_gets_its_key(store):
    for i in range(3):
        outcome(store, f"http://a/{i}", f"Story number {i}.")
    store.merge_content_keys()
    store.db.execute("DELETE FROM articles WHERE url = 'http://a/2'")  # the top rowid
    assert len(keys(store.path)) == 2
    assert outcome(store, "http://b/2", "Story number 2.")[0] == "new"  # reuses rowid 3
    rowid = store.db.execute("SELECT rowid FROM articles WHERE url = 'http://b/2'").fetchone()[0]
    assert rowid == 3 and (store._pending_count, len(keys(store.path))) == (0, 3)
    assert outcome(store, "http://c/2", "Story number 2.")[0] == "duplicate"


def test_a_changed_text_moves_its_key(store):
    outcome(store, "http://a/1", "Early version.")
    assert outcome(store, "http://a/1", "Final version.")[0] == "updated"  # still pending
    assert outcome(store, "http://b/1", "Final version.")[0] == "duplicate"
    assert outcome(store, "http://b/2", "Early version.")[0] == "new"
    store.merge_content_keys()
    hashes = dict(store.db.execute("SELECT rowid, content_hash FROM articles"))
    assert keys(store.path) == {(h[:8], rowid) for rowid, h in hashes.items()}


def test_hashes_sharing_the_key_are_told_apart(store):
    store.write_batch(None, [forged("http://a/1", "abcdef12" + "0" * 24)])
    store.merge_content_keys()
    store.write_batch(None, [forged("http://a/2", "abcdef12" + "1" * 24)])
    for url, content_hash, expected in [
        ("http://b/1", "abcdef12" + "2" * 24, "new"),
        ("http://b/2", "abcdef12" + "0" * 24, "duplicate"),  # the merged one
        ("http://b/3", "abcdef12" + "1" * 24, "duplicate"),  # the pending one
    ]:
        result = forged(url, content_hash)
        store.write_batch(None, [result])
        assert result.outcome == expected, url


def test_the_writer_merges_by_itself_and_holds_few_keys(store, monkeypatch):
    monkeypatch.setattr(storage, "PENDING_KEYS", (10, 40))
    for batch in range(6):
        store.write_batch(
            None, [page(f"http://a/{batch}-{i}", f"Text {batch} {i}.") for i in range(7)]
        )
        assert store._pending_count <= 10 + 7
    merged = store.db.execute("SELECT upto_rowid FROM content_keys_merged").fetchone()[0]
    # merged at the start of the 3rd and 5th batches (14 pending >= 10), 14 left pending
    assert (merged, len(keys(store.path)), store._pending_count) == (28, 28, 14)
    assert outcome(store, "http://b/1", "Text 0 3.")[0] == "duplicate"


def test_many_rows_inserted_by_sql_are_merged_from_the_table(store, monkeypatch):
    """More pending rows than the writer holds in memory (a bulk import): merged at once."""
    monkeypatch.setattr(storage, "PENDING_KEYS", (10, 40))
    rows = [
        (f"http://bulk/{i}", page("u", f"Bulk {i}.").article["content_hash"]) for i in range(60)
    ]
    other = sqlite3.connect(store.path)
    other.executemany(
        "INSERT INTO articles (url, source, text, content_hash) VALUES (?, 's', 'x', ?)", rows
    )
    other.commit()
    other.close()
    assert outcome(store, "http://b/1", "Bulk 59.")[0] == "duplicate"
    assert store._pending_count == 0 and len(keys(store.path)) == 60


def test_a_database_made_before_m005_upgrades_in_place(tmp_path):
    """Articles stored under m001-m004 (index on content_hash): their keys come from that
    index, the index goes, and their texts are still recognised."""
    path = tmp_path / "old.db"
    db = sqlite_utils.Database(path)
    MIGRATIONS.apply(db, stop_before="m005_content_keys")
    texts = [f"Old story {i}." for i in range(5)]
    for i, text in enumerate(texts):
        art = page(f"http://old/{i}", text).article
        db.execute(
            "INSERT INTO articles (url, source, text, content_hash) VALUES (?, 's', ?, ?)",
            [art["url"], text, art["content_hash"]],
        )
    db.conn.commit()
    assert "idx_articles_content_hash" in {i.name for i in db["articles"].indexes}
    db.close()
    store = Store(path)
    assert "idx_articles_content_hash" not in {i.name for i in store.db["articles"].indexes}
    assert len(keys(path)) == 5
    assert store.db.execute("SELECT upto_rowid FROM content_keys_merged").fetchone()[0] == 5
    assert outcome(store, "http://new/3", "Old story 3.") == (
        "duplicate",
        "same text as http://old/3",
    )
    assert outcome(store, "http://new/9", "Old story 9.")[0] == "new"
    store.close()


def test_a_failed_batch_takes_its_merge_and_keys_back(store, monkeypatch):
    """The merge at the start of a batch that then fails is rolled back with it: the keys it
    took are pending again and still found."""
    monkeypatch.setattr(storage, "PENDING_KEYS", (2, 40))
    store.write_batch(None, [page(f"http://a/{i}", f"Kept text {i}.") for i in range(3)])
    bad = PageResult(url="http://x/1", source="s", outcome="new", article={"url": None})
    with pytest.raises(KeyError):
        store.write_batch(None, [page("http://a/9", "Lost text."), bad])
    assert not keys(store.path)  # the merge was undone
    assert outcome(store, "http://b/1", "Kept text 1.")[0] == "duplicate"
    assert outcome(store, "http://b/9", "Lost text.")[0] == "new"
    assert len(keys(store.path)) == 3  # merged again, by this batch
