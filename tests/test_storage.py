"""Storage on real SQLite files: upserts, versions, duplicates, FTS sync, runs, errors."""

import json
import sqlite3
import subprocess
import sys

import pytest

from ingest.article import Article
from ingest.errors import UserError
from ingest.storage import PageResult, Store


def page(url, text, title="Title", **kw):
    art = Article(url=url, title=title, text=text, authors=["Ana Ruiz"], **kw)
    return PageResult(url=url, source="s", outcome="new", http_status=200, article=art.to_dict())


def test_insert_update_unchanged_and_versions(store):
    run = store.start_run(["s"])
    assert store.write_batch(run, [page("http://a/1", "First text of the story.")])["new"] == 1
    assert (
        store.write_batch(run, [page("http://a/1", "First text of the story.")])["unchanged"] == 1
    )
    assert (
        store.write_batch(run, [page("http://a/1", "Corrected text of the story.")])["updated"] == 1
    )
    row = store.db["articles"].get("http://a/1")
    assert row["version"] == 2 and row["text"] == "Corrected text of the story."
    assert json.loads(row["authors"]) == ["Ana Ruiz"]
    [old] = list(store.db["article_versions"].rows)
    assert old["text"] == "First text of the story." and old["version"] == 1
    finished = store.finish_run(run, "finished")
    assert (
        finished["articles_new"],
        finished["articles_updated"],
        finished["articles_unchanged"],
    ) == (1, 1, 1)


def test_same_text_other_url_is_duplicate(store):
    store.write_batch(None, [page("http://a/1", "Same words here.")])
    counts = store.write_batch(None, [page("http://a/2", "Same  words here.")])
    assert counts["duplicate"] == 1 and store.db["articles"].count == 1


def test_fts_follows_updates(store):
    store.write_batch(None, [page("http://a/1", "The harbour bridge reopened.")])
    store.write_batch(None, [page("http://a/1", "The tunnel reopened.")])

    def hits(word):
        return store.db.execute(
            "select count(*) from articles_fts where articles_fts match ?", [word]
        ).fetchone()[0]

    assert hits("tunnel") == 1 and hits("harbour") == 0


def test_batch_is_atomic(store):
    bad = PageResult(url="http://a/3", source="s", outcome="new", article={"url": None})
    with pytest.raises(KeyError):
        store.write_batch(None, [page("http://a/2", "Fine text."), bad])
    assert store.db["articles"].count == 0


def test_fetch_log_and_url_state(store):
    run = store.start_run(["s"])
    store.write_batch(
        run,
        [
            PageResult(url="http://a/x", source="s", outcome="http_error", http_status=500),
            PageResult(
                url="http://a/4",
                source="s",
                outcome="new",
                etag='"e1"',
                last_modified="Tue, 05 Mar 2024 10:00:00 GMT",
                lastmod="2024-03-05T10:00:00+00:00",
                article=Article(url="http://a/4", text="Body.").to_dict(),
            ),
        ],
    )
    assert store.url_state("http://a/4")["etag"] == '"e1"'
    store.write_batch(run, [PageResult(url="http://a/4", source="s", outcome="not_modified")])
    state = store.url_state("http://a/4")
    assert state["outcome"] == "new" and state["etag"] == '"e1"'
    assert dict(store.run_counts(run)) == {"http_error": 1, "new": 1, "not_modified": 1}


def test_unwritable_path_is_a_user_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(UserError, match="cannot create its folder"):
        Store(blocker / "sub" / "news.db")


def test_not_a_database(tmp_path):
    path = tmp_path / "x.db"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(UserError, match="not a usable SQLite database"):
        Store(path)


def test_another_applications_database_is_not_written(tmp_path):
    """--db naming another program's database got our tables and WAL mode added to it."""
    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE t (x)")
    conn.execute("INSERT INTO t VALUES (1)")
    conn.commit()
    conn.close()
    before = path.read_bytes()
    with pytest.raises(UserError, match=r"not a news-ingest database \(it holds other tables: t\)"):
        Store(path)
    assert path.read_bytes() == before
    empty = tmp_path / "empty.db"
    sqlite3.connect(empty).close()  # an empty SQLite file is a new database
    Store(empty).close()
    Store(empty).close()  # and ours the second time


def test_database_of_a_newer_version_is_not_written(tmp_path):
    """An older writer on a newer schema would leave the new columns empty and not know the
    new triggers: refused in one line, the file untouched. Reading stays possible."""
    path = tmp_path / "newer.db"
    Store(path).close()
    with sqlite3.connect(path) as conn:
        conn.execute(
            "INSERT INTO _sqlite_migrations (migration_set, name, applied_at)"
            " VALUES ('news-ingest', 'm999_future', '2030-01-01')"
        )
    conn.close()
    before = path.read_bytes()
    with pytest.raises(UserError, match="newer news-ingest .*m999_future.*do not crawl into it"):
        Store(path)
    assert path.read_bytes() == before
    Store(path, readonly=True).close()


def test_wal_and_migrations_recorded(store):
    assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    names = [r[0] for r in store.db.execute("select name from _sqlite_migrations")]
    assert "m001_initial" in names
    sqlite3.connect(store.path).execute("select * from articles").fetchall()


def test_writer_zeroes_freed_content_only_in_pages_it_writes(store, tmp_path):
    """secure_delete FAST, not Debian's default ON that rewrites every page FTS5 frees."""
    assert store.db.conn.execute("PRAGMA secure_delete").fetchone()[0] == 2
    reader = Store(tmp_path / "news.db", readonly=True)
    try:
        assert reader.db.conn.execute("PRAGMA secure_delete").fetchone()[0] != 2
    finally:
        reader.close()


def test_lean_import_hides_pandas_only_from_sqlite_utils() -> None:
    code = (
        "import ingest.storage, sys, sqlite_utils.db as d\n"
        "assert d.pd is None and d.np is None, (d.pd, d.np)\n"
        "assert 'pandas' not in sys.modules\n"
        "import pandas\n"
        "print(pandas.__name__)\n"
    )
    pytest.importorskip("pandas")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "pandas"
