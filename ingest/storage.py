"""Storage: articles, runs and the per-URL fetch log in one SQLite file, via sqlite-utils.

Writes come in batches (one transaction per batch, never one commit per row) from a single writer;
readers use WAL so they are never blocked for long and never see half a batch. The schema is
created and migrated by :data:`MIGRATIONS`.
"""

from __future__ import annotations

import json
import os
import socket
import sqlite3
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ingest import import_sqlite_utils
from ingest.defaults import DEFAULT_DB, one_run
from ingest.errors import UserError
from ingest.urls import canonicalize, is_amp

sqlite_utils = import_sqlite_utils()  # without pandas: see there
from sqlite_utils.migrations import Migrations  # noqa: E402

#: What became of a fetched URL (``fetch_log.outcome`` and ``urls.outcome``).
STORED_OUTCOMES = ("new", "updated", "unchanged")
OUTCOMES = (
    *STORED_OUTCOMES,
    "not_modified",  # 304 to a conditional request: the stored copy is current
    "duplicate",  # same article as one stored under another URL
    "not_article",  # listing, tag, author or home page
    "paywall",  # paywalled teaser, not stored as a short article
    "empty",  # no main text found
    "not_html",  # binary, PDF, image served instead of a page
    "http_error",  # 4xx/5xx after retries
    "blocked",  # 403, or robots.txt forbids it
    "rate_limited",  # 429 after retries
    "failed",  # timeout, connection reset, DNS, too large ...
    "extract_error",  # the page could not be parsed
    "bad_discovery",  # a feed or sitemap that is malformed or unsafe
    "discovery",  # a feed, sitemap, robots.txt or start/listing page that was read for links
)

ARTICLE_COLUMNS = {
    "url": str,
    "source": str,
    "title": str,
    "authors": str,
    "published_at": str,
    "modified_at": str,
    "language": str,
    "description": str,
    "section": str,
    "tags": str,
    "image": str,
    "site_name": str,
    "text": str,
    "word_count": int,
    "content_hash": str,
    "fetched_url": str,
    "first_seen": str,
    "last_fetched": str,
    "last_changed": str,
    "version": int,
}

MIGRATIONS = Migrations("news-ingest")


def _upsert_sql(table: str, columns: list[str], key: str = "url") -> str:
    """``INSERT ... ON CONFLICT DO UPDATE`` for every column: what sqlite-utils' ``upsert``
    runs, without the schema look-ups it makes on every call (a third of the writer's time)."""
    names = ", ".join(columns)
    marks = ", ".join("?" for _ in columns)
    updates = ", ".join(f"{c} = excluded.{c}" for c in columns if c != key)
    return (
        f"INSERT INTO {table} ({names}) VALUES ({marks}) ON CONFLICT({key}) DO UPDATE SET {updates}"
    )


_UPSERT_ARTICLE = _upsert_sql("articles", list(ARTICLE_COLUMNS))
_UPSERT_PAGE = _upsert_sql("pages", ["url", "fetched_url", "encoding", "html_gz", "fetched_at"])
#: Batch start: articles inserted from here on wait for :data:`_INDEX_DEFERRED` (see m004).
_DEFER_FTS = "INSERT INTO articles_fts_pending SELECT coalesce(max(rowid), 0) FROM articles"
#: Batch end: the batch's new articles, title and text as they end up, in one FTS5 segment.
_INDEX_DEFERRED = (
    "INSERT INTO articles_fts (rowid, title, text) SELECT a.rowid, a.title, a.text"
    " FROM articles_fts_pending AS p JOIN articles AS a ON a.rowid > p.since_rowid"
)


@MIGRATIONS()
def m001_initial(db: sqlite_utils.Database) -> None:
    """Articles keyed on canonical URL, runs, per-URL state and the fetch log."""
    db["articles"].create(ARTICLE_COLUMNS, pk="url", not_null={"source", "text"})
    db["articles"].create_index(["source", "published_at"])
    db["articles"].create_index(["content_hash"])
    db["articles"].create_index(["published_at"])
    db["articles"].enable_fts(
        ["title", "text"], create_triggers=True, tokenize="unicode61 remove_diacritics 2"
    )
    db["article_versions"].create(
        {
            "id": int,
            "url": str,
            "version": int,
            "title": str,
            "text": str,
            "content_hash": str,
            "first_seen": str,
            "replaced_at": str,
        },
        pk="id",
        foreign_keys=[("url", "articles", "url")],
    )
    db["article_versions"].create_index(["url"])
    db["runs"].create(
        {
            "id": int,
            "started_at": str,
            "finished_at": str,
            "status": str,
            "pid": int,
            "host": str,
            "sources": str,
            "pages_fetched": int,
            "discovery_pages": int,
            "articles_new": int,
            "articles_updated": int,
            "articles_unchanged": int,
            "not_modified": int,
            "duplicates": int,
            "dropped": str,
            "errors": int,
            "health": str,
            "message": str,
        },
        pk="id",
    )
    db["urls"].create(
        {
            "url": str,
            "source": str,
            "article_url": str,
            "outcome": str,
            "http_status": int,
            "etag": str,
            "last_modified": str,
            "lastmod": str,
            "first_seen": str,
            "last_fetched": str,
        },
        pk="url",
    )
    db["urls"].create_index(["article_url"])
    db["fetch_log"].create(
        {
            "id": int,
            "run_id": int,
            "url": str,
            "source": str,
            "http_status": int,
            "outcome": str,
            "detail": str,
            "article_url": str,
            "fetched_at": str,
        },
        pk="id",
    )
    db["fetch_log"].create_index(["run_id", "outcome"])
    db["fetch_log"].create_index(["url"])
    db["pages"].create(
        {"url": str, "fetched_url": str, "encoding": str, "html_gz": bytes, "fetched_at": str},
        pk="url",
    )


@MIGRATIONS()
def m002_fts_automerge(db: sqlite_utils.Database) -> None:
    """FTS5 merges 16 segments of a level at a time instead of 4 (its ``automerge`` option).

    The full-text index grows like a log-structured tree: each batch of articles adds a small
    segment, and segments are merged into larger ones in the background of later inserts. With
    4 a level every article's terms are rewritten log4(N) times, so storing an article into a
    database of a million costs far more than into an empty one; with 16, log16(N) times (half
    as many rewrites), for a few more segments per search to read. See scripts/bench_storage.py.
    """
    db.execute("INSERT INTO articles_fts(articles_fts, rank) VALUES ('automerge', 16)")


@MIGRATIONS()
def m003_drop_unused_url_indexes(db: sqlite_utils.Database) -> None:
    """Drop the indexes on ``fetch_log.url`` and ``urls.article_url``: no code reads by them.

    Every stored page inserts a URL into each; URLs that are not ordered by date land on a
    random leaf, and once such an index outgrows the writer's page cache that is a page read
    and a page write per article, which a database of a million articles pays and an empty
    one does not (145 MB of the file, too). A user's query by these columns still works, by
    a scan of the table. See scripts/bench_storage.py.
    """
    db.execute("DROP INDEX IF EXISTS idx_fetch_log_url")
    db.execute("DROP INDEX IF EXISTS idx_urls_article_url")


#: While a batch is being written this table holds one row: the largest article rowid before the
#: batch. Articles above it are the batch's own, added to the full-text index at its end (m004).
FTS_PENDING = "articles_fts_pending"
_PENDING_ROW = f"NOT EXISTS (SELECT 1 FROM {FTS_PENDING} WHERE {{row}}.rowid > since_rowid)"
_FTS_TRIGGERS = (
    f"""CREATE TRIGGER articles_ai AFTER INSERT ON articles WHEN {_PENDING_ROW.format(row="new")}
BEGIN
  INSERT INTO articles_fts (rowid, title, text) VALUES (new.rowid, new.title, new.text);
END""",
    f"""CREATE TRIGGER articles_ad AFTER DELETE ON articles WHEN {_PENDING_ROW.format(row="old")}
BEGIN
  INSERT INTO articles_fts (articles_fts, rowid, title, text)
    VALUES ('delete', old.rowid, old.title, old.text);
END""",
    f"""CREATE TRIGGER articles_au AFTER UPDATE OF title, text ON articles
WHEN {_PENDING_ROW.format(row="old")}
BEGIN
  INSERT INTO articles_fts (articles_fts, rowid, title, text)
    VALUES ('delete', old.rowid, old.title, old.text);
  INSERT INTO articles_fts (rowid, title, text) VALUES (new.rowid, new.title, new.text);
END""",
)


@MIGRATIONS()
def m004_fts_rows_per_batch(db: sqlite_utils.Database) -> None:
    """The writer adds a batch's new articles to the full-text index with one statement at the
    end of the batch, where a trigger added each article on its own.

    FTS5 writes its pending terms out as a new segment whenever a statement opens a
    savepoint, and every INSERT into ``articles`` inside a transaction does: one segment per
    article, then merged with others level after level, and FTS5 does merge work per write in
    proportion to the depth of the index, which grows with the database. One
    ``INSERT ... SELECT`` per batch writes one segment per batch (a stored article cost half
    as much in an empty database, and the extra cost at a million articles went down too).

    The triggers stay for every other writer (a user's own INSERT, ``ingest reclean``) but
    skip the rows of the batch under way (rowid above the row of ``articles_fts_pending``),
    which the batch indexes itself before it commits: no committed state has a pending row,
    so the index is in sync after every commit, as before. An update re-indexes only when
    title or text change: a recrawl of an unchanged article (``last_fetched``) used to delete
    and re-add all its terms.
    """
    db.execute(f"CREATE TABLE IF NOT EXISTS {FTS_PENDING} (since_rowid INTEGER NOT NULL)")
    for name in ("articles_ai", "articles_ad", "articles_au"):
        db.execute(f"DROP TRIGGER IF EXISTS {name}")
    for trigger in _FTS_TRIGGERS:
        db.execute(trigger)


def now_iso() -> str:
    """Current UTC time, ISO 8601 with offset, second precision."""
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass
class PageResult:
    """What one fetched URL produced: a fetch-log entry and maybe an article (as a dict)."""

    url: str
    source: str
    outcome: str
    http_status: int | None = None
    detail: str | None = None
    article: dict[str, Any] | None = None
    html_gz: bytes | None = None
    encoding: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    lastmod: str | None = None  # the feed's/sitemap's change date that led to this fetch

    def to_dict(self) -> dict[str, Any]:
        """Plain dict (for process pools and Redis queues)."""
        return self.__dict__.copy()


@dataclass
class BatchCounts:
    """Outcomes of the URLs written so far, by outcome name."""

    outcomes: Counter[str] = field(default_factory=Counter)

    def add(self, outcome: str) -> None:
        self.outcomes[outcome] += 1


class Store:
    """The SQLite database of one news-ingest project (``data/news.db`` by default)."""

    def __init__(self, path: str | Path = DEFAULT_DB, *, readonly: bool = False) -> None:
        self.path = Path(path)
        self.readonly = readonly
        self.db = sqlite_utils.Database(self._connect())
        if not readonly:
            self._refuse_newer_schema()
            MIGRATIONS.apply(self.db)

    def _refuse_newer_schema(self) -> None:
        """A database a newer news-ingest migrated is not written by this one: its tables may
        hold columns this version leaves empty and triggers it does not know of."""
        from ingest.query import newer_schema  # the readers' check, with its one-line error

        error = newer_schema(self.db.conn, self.path)
        if error is not None:
            self.db.conn.close()
            raise error

    def _connect(self) -> sqlite3.Connection:
        if self.readonly:
            if not self.path.exists():
                raise UserError(
                    f"{self.path}: database not found; run `ingest crawl` first or pass --db"
                )
            from ingest.query import open_readonly  # also in a read-only folder

            conn = open_readonly(self.path)
        else:
            self._check_writable()
            conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        conn.execute("PRAGMA busy_timeout = 10000")
        try:
            if not self.readonly:
                self._refuse_foreign(conn)
                conn.execute("PRAGMA journal_mode = WAL")
                conn.execute("PRAGMA synchronous = NORMAL")
                # Zero deleted content inside the pages written anyway, not every page freed:
                # Debian builds SQLite with secure_delete on, and FTS5 merges free pages all
                # along (0.4 extra WAL pages per stored article).
                conn.execute("PRAGMA secure_delete = FAST")
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlite3.DatabaseError as exc:
            raise UserError(f"{self.path}: not a usable SQLite database ({exc})") from None
        return conn

    def _refuse_foreign(self, conn: sqlite3.Connection) -> None:
        """Write only into a new database or one of ours.

        ``--db`` pointed at another application's database (a typo, a tab completion) got
        news-ingest's tables added and its journal switched to WAL, while every reading command
        refused that file as not a news-ingest database."""
        tables = [
            name
            for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            if not name.startswith("sqlite_")
        ]
        if tables and not {"articles", "_sqlite_migrations"} & set(tables):
            conn.close()
            shown = ", ".join(sorted(tables)[:5]) + (", ..." if len(tables) > 5 else "")
            raise UserError(
                f"{self.path}: not a news-ingest database (it holds other tables: {shown}); "
                "pass a new or news-ingest --db file"
            )

    def _check_writable(self) -> None:
        parent = self.path.parent
        try:
            parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise UserError(
                f"{self.path}: cannot create its folder ({exc.strerror}); pass another --db"
            ) from None
        target = self.path if self.path.exists() else parent
        if not os.access(target, os.W_OK):
            raise UserError(f"{self.path}: not writable; pass a writable --db path")

    def close(self) -> None:
        self.db.conn.close()

    # -- runs ---------------------------------------------------------------------------------

    def start_run(self, sources: list[str]) -> int:
        """Record a new run as ``running``; return its id."""
        with self.db.conn:
            self.db.conn.execute("BEGIN IMMEDIATE")
            table = self.db["runs"]
            table.insert(
                {
                    "started_at": now_iso(),
                    "status": "running",
                    "pid": os.getpid(),
                    "host": socket.gethostname(),
                    "sources": json.dumps(sources),
                }
            )
            return int(table.last_pk)

    def finish_run(
        self,
        run_id: int,
        status: str,
        *,
        message: str | None = None,
        health: dict[str, Any] | None = None,
        finished_at: str | None = None,
    ) -> dict[str, Any]:
        """Close a run with its status and the counts computed from its fetch log
        (``finished_at``: when it ended, if not now)."""
        counts = self.run_counts(run_id)
        dropped = {
            k: v
            for k, v in counts.items()
            if k not in (*STORED_OUTCOMES, "not_modified", "duplicate", "discovery")
        }
        errors = sum(
            counts.get(k, 0)
            for k in (
                "http_error",
                "blocked",
                "rate_limited",
                "failed",
                "extract_error",
                "bad_discovery",
            )
        )
        row = {
            "finished_at": finished_at or now_iso(),
            "status": status,
            "message": message,
            "pages_fetched": sum(counts.values()),
            "discovery_pages": counts.get("discovery", 0),
            "articles_new": counts.get("new", 0),
            "articles_updated": counts.get("updated", 0),
            "articles_unchanged": counts.get("unchanged", 0),
            "not_modified": counts.get("not_modified", 0),
            "duplicates": counts.get("duplicate", 0),
            "dropped": json.dumps(dropped, sort_keys=True),
            "errors": errors,
            "health": json.dumps(health or {}, sort_keys=True),
        }
        with self.db.conn:
            self.db.conn.execute("BEGIN IMMEDIATE")
            self.db["runs"].update(run_id, row)
        return self.db["runs"].get(run_id)

    def run_counts(self, run_id: int) -> Counter[str]:
        """Outcome counts of one run, from the fetch log."""
        rows = self.db.execute(
            f"SELECT outcome, count(*) FROM fetch_log WHERE {one_run()} GROUP BY outcome",
            [run_id],
        )
        return Counter(dict(rows.fetchall()))

    # -- per-URL state (incremental crawls) ---------------------------------------------------

    def url_state(self, url: str) -> dict[str, Any] | None:
        """What the last fetch of ``url`` gave: outcome, ETag, Last-Modified, lastmod."""
        cursor = self.db.conn.execute("SELECT * FROM urls WHERE url = ?", (url,))
        row = cursor.fetchone()
        if row is None:
            return None
        return dict(zip([c[0] for c in cursor.description], row, strict=True))

    # -- writing ------------------------------------------------------------------------------

    def write_batch(self, run_id: int | None, results: list[PageResult]) -> Counter[str]:
        """Store a batch of page results in one transaction; return outcome counts.

        Each article is upserted on its canonical URL: a new URL inserts, a changed text moves
        the old version to ``article_versions``, the same text only updates ``last_fetched``.
        An article whose text is already stored under another URL is logged as a duplicate.
        New articles enter the full-text index together, by one statement before the commit.
        """
        counts: Counter[str] = Counter()
        stamp = now_iso()
        conn = self.db.conn
        with conn:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute(_DEFER_FTS)
            for result in results:
                if result.article is not None and result.outcome == "new":
                    result.outcome, result.detail = self._upsert_article(result, stamp)
                counts[result.outcome] += 1
                self._log_fetch(run_id, result, stamp)
            conn.execute(_INDEX_DEFERRED)
            conn.execute(f"DELETE FROM {FTS_PENDING}")
        return counts

    def _upsert_article(self, result: PageResult, stamp: str) -> tuple[str, str | None]:
        art = dict(result.article or {})
        key = art["url"]
        existing = self._article_row(key)
        if existing is None:
            duplicate = self._duplicate_of(art["content_hash"], key)
            if duplicate is not None:
                return "duplicate", f"same text as {duplicate}"
            self._insert_article(art, result, stamp)
            return "new", None
        if is_amp(result.url) and canonicalize(result.url) != key:
            return "duplicate", f"AMP copy of {key}"  # the full page is the better source
        if existing["content_hash"] == art["content_hash"]:
            self.db.conn.execute("UPDATE articles SET last_fetched = ? WHERE url = ?", [stamp, key])
            self._save_page(key, result, stamp)
            return "unchanged", None
        self._keep_version(existing, stamp)
        self._insert_article(art, result, stamp, previous=existing)
        return "updated", None

    def _article_row(self, url: str) -> dict[str, Any] | None:
        cursor = self.db.conn.execute(
            "SELECT url, content_hash, first_seen, version, title, text, last_changed "
            "FROM articles WHERE url = ?",
            [url],
        )
        row = cursor.fetchone()
        return (
            None if row is None else dict(zip([c[0] for c in cursor.description], row, strict=True))
        )

    def _duplicate_of(self, content_hash: str, url: str) -> str | None:
        row = self.db.conn.execute(
            "SELECT url FROM articles WHERE content_hash = ? AND url != ? LIMIT 1",
            [content_hash, url],
        ).fetchone()
        return row[0] if row else None

    def _insert_article(
        self,
        art: dict[str, Any],
        result: PageResult,
        stamp: str,
        previous: dict[str, Any] | None = None,
    ) -> None:
        row = {k: art.get(k) for k in ARTICLE_COLUMNS if k in art}
        row["authors"] = json.dumps(art.get("authors") or [], ensure_ascii=False)
        row["tags"] = json.dumps(art.get("tags") or [], ensure_ascii=False)
        row["source"] = result.source
        row["first_seen"] = previous["first_seen"] if previous else stamp
        row["last_fetched"] = stamp
        row["last_changed"] = stamp
        row["version"] = (previous["version"] or 1) + 1 if previous else 1
        self.db.conn.execute(_UPSERT_ARTICLE, [row.get(c) for c in ARTICLE_COLUMNS])
        self._save_page(art["url"], result, stamp)

    def _keep_version(self, existing: dict[str, Any], stamp: str) -> None:
        self.db["article_versions"].insert(
            {
                "url": existing["url"],
                "version": existing["version"],
                "title": existing["title"],
                "text": existing["text"],
                "content_hash": existing["content_hash"],
                "first_seen": existing["last_changed"] or existing["first_seen"],
                "replaced_at": stamp,
            }
        )

    def _save_page(self, url: str, result: PageResult, stamp: str) -> None:
        if result.html_gz is None:
            return
        self.db.conn.execute(
            _UPSERT_PAGE, [url, result.url, result.encoding, result.html_gz, stamp]
        )

    def _log_fetch(self, run_id: int | None, result: PageResult, stamp: str) -> None:
        article_url = (result.article or {}).get("url")
        self.db.conn.execute(
            "INSERT INTO fetch_log (run_id, url, source, http_status, outcome, detail, article_url,"
            " fetched_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                run_id,
                result.url,
                result.source,
                result.http_status,
                result.outcome,
                result.detail,
                article_url,
                stamp,
            ],
        )
        self.db.conn.execute(
            "INSERT INTO urls (url, source, article_url, outcome, http_status, etag, last_modified,"
            " lastmod, first_seen, last_fetched) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT(url) DO UPDATE SET source = excluded.source,"
            " article_url = coalesce(excluded.article_url, urls.article_url),"
            " outcome = CASE WHEN excluded.outcome = 'not_modified' THEN urls.outcome"
            "   ELSE excluded.outcome END,"
            " http_status = excluded.http_status,"
            " etag = coalesce(excluded.etag, urls.etag),"
            " last_modified = coalesce(excluded.last_modified, urls.last_modified),"
            " lastmod = coalesce(excluded.lastmod, urls.lastmod),"
            " last_fetched = excluded.last_fetched",
            [
                result.url,
                result.source,
                article_url,
                result.outcome,
                result.http_status,
                result.etag,
                result.last_modified,
                result.lastmod,
                stamp,
                stamp,
            ],
        )
