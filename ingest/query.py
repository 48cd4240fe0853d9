"""Read-only access to a news-ingest database: SQL queries, full-text search and statistics.

Everything here opens its own read-only connection (``mode=ro`` URI, ``PRAGMA query_only`` and an
authorizer that refuses writes, ``ATTACH`` and pragma assignments), so a query typed by a user can
never change the data, even while a crawl is writing (WAL lets readers run alongside the writer).
The click commands in :mod:`ingest.commands.query` are thin layers over these functions.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from ingest.errors import UserError

#: What each column of ``articles`` holds; shown by ``ingest serve`` and in dataset cards.
ARTICLE_COLUMN_DOCS: dict[str, str] = {
    "url": "Canonical URL of the article (primary key)",
    "source": "Name of the sources-file entry that found the article",
    "title": "Headline",
    "authors": "Authors, as a JSON list of names",
    "published_at": "Publication time, ISO 8601 with the site's UTC offset",
    "modified_at": "Last modification time given by the site, ISO 8601 with offset",
    "language": "Language of the text, ISO 639-1 code",
    "description": "Summary from the page's metadata",
    "section": "Section or category given by the site",
    "tags": "Keywords given by the site, as a JSON list",
    "image": "URL of the top image",
    "site_name": "Name of the site",
    "text": "Main text, paragraphs separated by a blank line, boilerplate removed",
    "word_count": "Number of words of the text",
    "content_hash": "Hash of the normalised text; equal hashes mean the same text",
    "fetched_url": "URL the page was fetched from (may differ from the canonical url)",
    "first_seen": "When the article was first stored (UTC)",
    "last_fetched": "When the article was last fetched (UTC)",
    "last_changed": "When the stored text last changed (UTC)",
    "version": "1 for the first text, +1 for each change (old texts in article_versions)",
}

#: Weight of a word in the title relative to one in the text, for bm25 ranking.
TITLE_WEIGHT = 5.0

_READ_PRAGMAS_WITH_ARGUMENT = {
    "table_info",
    "table_xinfo",
    "table_list",
    "index_list",
    "index_info",
    "index_xinfo",
    "foreign_key_list",
    "foreign_key_check",
    "integrity_check",
    "quick_check",
}
_ALLOWED_ACTIONS = {
    sqlite3.SQLITE_SELECT,
    sqlite3.SQLITE_READ,
    sqlite3.SQLITE_FUNCTION,
    sqlite3.SQLITE_RECURSIVE,
    sqlite3.SQLITE_TRANSACTION,
}


# -- connections ------------------------------------------------------------------------------


def _authorize(
    action: int, arg1: str | None, arg2: str | None, _db: str | None, _trigger: str | None
) -> int:
    """Allow reads only: SELECT, reading pragmas, functions. Everything else is denied."""
    if action in _ALLOWED_ACTIONS:
        return sqlite3.SQLITE_OK
    if action == sqlite3.SQLITE_UPDATE and arg1 == "sqlite_master" and _db == "main":
        # Virtual tables (FTS5, json_each) declare their schema when first opened; the file is
        # opened read-only and writable_schema cannot be set, so this cannot change anything.
        return sqlite3.SQLITE_OK
    if action == sqlite3.SQLITE_PRAGMA and (
        arg2 is None or (arg1 or "").lower() in _READ_PRAGMAS_WITH_ARGUMENT
    ):
        return sqlite3.SQLITE_OK
    return sqlite3.SQLITE_DENY


def connect_readonly(db: str | Path, *, require_articles: bool = True) -> sqlite3.Connection:
    """Open ``db`` so that nothing can be written through the connection.

    Raises :class:`UserError` when the file is missing, is not SQLite, or (``require_articles``)
    lacks the ``articles`` table, i.e. is not a news-ingest database.
    """
    path = Path(db)
    if not path.exists():
        raise UserError(f"{path}: database not found; run `ingest crawl` first or pass --db PATH")
    if path.is_dir():
        raise UserError(f"{path}: is a folder, not a database file; pass --db PATH/news.db")
    try:
        conn = sqlite3.connect(
            f"{path.resolve().as_uri()}?mode=ro", uri=True, check_same_thread=False
        )
        conn.execute("PRAGMA busy_timeout = 10000")
        conn.execute("PRAGMA query_only = ON")
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    except sqlite3.DatabaseError as exc:
        raise UserError(
            f"{path}: not a readable SQLite database ({exc}); pass the --db of a news-ingest crawl"
        ) from None
    if require_articles and "articles" not in tables:
        conn.close()
        raise UserError(
            f"{path}: not a news-ingest database (it has no articles table); "
            "pass the --db written by `ingest crawl`"
        )
    conn.set_authorizer(_authorize)
    return conn


def _sql_error(exc: sqlite3.Error, what: str) -> UserError:
    """Turn an SQLite error into one line that says what to do."""
    text = str(exc)
    if any(
        m in text
        for m in (
            "not authorized",
            "authorization denied",
            "readonly",
            "read-only",
            "may not be modified",
        )
    ):
        return UserError(
            f"{what}: this statement would change the database; the connection is "
            "read-only, so only SELECT (and reading PRAGMAs) can run"
        )
    if "one statement at a time" in text:
        return UserError(f"{what}: give a single SQL statement (no ';'-separated list)")
    return UserError(
        f"{what}: {text}; check the SQL (tables: articles, runs, fetch_log, urls, article_versions)"
    )


# -- ad-hoc SQL -------------------------------------------------------------------------------


@dataclass
class QueryResult:
    """Column names and a lazy row iterator (rows are read from SQLite as they are consumed)."""

    columns: list[str]
    rows: Iterator[tuple[Any, ...]]


def query(db: str | Path, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> QueryResult:
    """Run one read-only SQL statement on ``db``; rows are streamed, not loaded at once.

    A statement that writes (INSERT, UPDATE, DELETE, DDL, ATTACH, a pragma assignment) raises
    :class:`UserError` and changes nothing.
    """
    conn = connect_readonly(db)
    try:
        cursor = conn.execute(sql, params)
    except sqlite3.Error as exc:
        conn.close()
        raise _sql_error(exc, "query") from None
    columns = [c[0] for c in cursor.description or []]
    return QueryResult(columns, _stream(conn, cursor))


def _stream(
    conn: sqlite3.Connection, cursor: sqlite3.Cursor, size: int = 500
) -> Iterator[tuple[Any, ...]]:
    try:
        while rows := cursor.fetchmany(size):
            yield from rows
    except sqlite3.Error as exc:
        raise _sql_error(exc, "query") from None
    finally:
        conn.close()


# -- filters shared by search and export --------------------------------------------------------

_RELATIVE = re.compile(r"^(\d+)\s*(h|d|w)$", re.IGNORECASE)
_YEAR = re.compile(r"^\d{4}$")
_MONTH = re.compile(r"^\d{4}-\d{2}$")
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def parse_when(
    value: str | date | datetime,
    *,
    option: str = "--since",
    end: bool = False,
    now: datetime | None = None,
) -> datetime:
    """A point in time (UTC) from a user's date: ``2024``, ``2024-05``, ``2024-05-03``, an ISO
    8601 time (no offset means UTC) or an age like ``36h``, ``7d``, ``2w``.

    With ``end`` the value is an exclusive upper bound: a day, month or year means "up to the end
    of it", so ``--until 2024-05-31`` includes the 31st.
    """
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=UTC)
        return moment.astimezone(UTC) + (timedelta(seconds=1) if end else timedelta(0))
    if isinstance(value, date):
        value = value.isoformat()
    text = str(value).strip()
    if match := _RELATIVE.match(text):
        unit = {"h": "hours", "d": "days", "w": "weeks"}[match[2].lower()]
        return (now or datetime.now(UTC)) - timedelta(**{unit: int(match[1])})
    try:
        if _YEAR.match(text):
            year = int(text)
            return datetime(year + (1 if end else 0), 1, 1, tzinfo=UTC)
        if _MONTH.match(text):
            first = datetime.strptime(text, "%Y-%m").replace(tzinfo=UTC)
            return (first + timedelta(days=32)).replace(day=1) if end else first
        if _DAY.match(text):
            day = datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=UTC)
            return day + timedelta(days=1) if end else day
        return parse_when(datetime.fromisoformat(text.replace("Z", "+00:00")), end=end)
    except ValueError:
        raise UserError(
            f"{option}: {text!r} is not a date; use YYYY-MM-DD, an ISO 8601 time "
            "like 2024-05-03T10:00:00+02:00, or an age like 7d or 12h"
        ) from None


def _split(values: str | Sequence[str] | None) -> tuple[str, ...]:
    """``("a,b", "c")`` -> ``("a", "b", "c")``: repeatable options also take comma lists."""
    if not values:
        return ()
    if isinstance(values, str):
        values = [values]
    return tuple(dict.fromkeys(v.strip() for item in values for v in item.split(",") if v.strip()))


def _sql_time(moment: datetime) -> str:
    """The form SQLite's ``datetime()`` returns, so normalised times compare as strings."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


@dataclass
class Filters:
    """Which articles a search or an export covers. Empty fields do not filter."""

    sources: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    since: datetime | None = None  # inclusive, UTC
    until: datetime | None = None  # exclusive, UTC
    min_words: int | None = None
    search: str | None = None  # full-text query the articles must match (export only)
    fts_syntax: bool | None = None  # see fts_query(); False searches ``search`` as plain words
    limit: int | None = None
    raw: dict[str, Any] = field(default_factory=dict)  # the values as the user gave them

    @classmethod
    def build(
        cls,
        *,
        sources: str | Sequence[str] | None = None,
        languages: str | Sequence[str] | None = None,
        since: str | date | datetime | None = None,
        until: str | date | datetime | None = None,
        min_words: int | None = None,
        search: str | None = None,
        limit: int | None = None,
    ) -> Filters:
        """Validate user values (dates, numbers) into filters; bad values raise UserError."""
        if limit is not None and limit < 1:
            raise UserError(f"--limit: {limit} is not a positive number of articles")
        if min_words is not None and min_words < 0:
            raise UserError(f"--min-words: {min_words} is negative; give 0 or more")
        start = parse_when(since, option="--since") if since not in (None, "") else None
        stop = parse_when(until, option="--until", end=True) if until not in (None, "") else None
        if start and stop and start >= stop:
            raise UserError(f"--since {since} is not before --until {until}; swap or widen them")
        given = {
            "source": list(_split(sources)),
            "lang": list(_split(languages)),
            "since": since,
            "until": until,
            "min_words": min_words,
            "search": search,
            "limit": limit,
        }
        raw = {
            k: (str(v) if isinstance(v, date) else v)
            for k, v in given.items()
            if v not in (None, [], "")
        }
        return cls(
            _split(sources),
            _split(languages),
            start,
            stop,
            min_words,
            search or None,
            limit=limit,
            raw=raw,
        )

    def where(self, alias: str = "a") -> tuple[str, list[Any]]:
        """SQL conditions on ``articles AS alias`` (``1`` when none) and their parameters.

        Dates compare on ``datetime(published_at)`` (UTC, whatever offset the site used), behind
        a one-day-wider range on the raw column so the ``published_at`` index narrows the scan.
        """
        parts: list[str] = []
        params: list[Any] = []
        if self.sources:
            parts.append(f"{alias}.source IN ({', '.join('?' * len(self.sources))})")
            params += self.sources
        if self.languages:
            parts.append(f"{alias}.language IN ({', '.join('?' * len(self.languages))})")
            params += self.languages
        if self.since:
            parts.append(f"{alias}.published_at >= ? AND datetime({alias}.published_at) >= ?")
            params += [(self.since - timedelta(days=1)).date().isoformat(), _sql_time(self.since)]
        if self.until:
            parts.append(f"{alias}.published_at < ? AND datetime({alias}.published_at) < ?")
            params += [(self.until + timedelta(days=1)).date().isoformat(), _sql_time(self.until)]
        if self.min_words:
            parts.append(f"{alias}.word_count >= ?")
            params.append(self.min_words)
        if self.search:
            parts.append(
                f"{alias}.rowid IN (SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?)"
            )
            params.append(fts_query(self.search, syntax=self.fts_syntax))
        return (" AND ".join(parts) or "1"), params


# -- full-text search -------------------------------------------------------------------------

_FTS_SYNTAX = re.compile(r'["*():^]|\b(?:OR|AND|NOT|NEAR)\b')
_TOKEN = re.compile(r'[^\s"]+')


def fts_query(words: str, *, syntax: bool | None = None) -> str:
    """The FTS5 query for what a user typed.

    Plain words become quoted tokens that must all appear (``U.S. covid-19`` just works). Text that
    uses FTS5 syntax (``"exact phrase"``, ``OR``, ``NOT``, ``NEAR()``, ``prefix*``, ``title:word``)
    is passed through unless ``syntax=False``; :func:`search` falls back to plain words when SQLite
    rejects it.
    """
    text = words.strip()
    if not text:
        raise UserError('search: no words given; try `ingest search "climate policy"`')
    if syntax or (syntax is None and _FTS_SYNTAX.search(text)):
        return text
    tokens = []
    for token in _TOKEN.findall(text):
        star = token.endswith("*")
        token = token.rstrip("*")
        if token:
            tokens.append(f'"{token}"' + ("*" if star else ""))
    if not tokens:
        raise UserError(f"search: {words!r} has no words to search for")
    return " ".join(tokens)


_FTS_ERRORS = (
    "fts5",
    "no such column",
    "unknown special query",
    "unterminated string",
    "syntax error",
)


def is_fts_syntax_error(exc: sqlite3.Error) -> bool:
    """True for the errors SQLite gives for a malformed FTS5 query (then search plain words)."""
    return any(marker in str(exc) for marker in _FTS_ERRORS)


def search(
    db: str | Path,
    words: str,
    *,
    sources: str | Sequence[str] | None = None,
    languages: str | Sequence[str] | None = None,
    since: str | date | datetime | None = None,
    until: str | date | datetime | None = None,
    limit: int = 20,
    newest: bool = False,
    marks: tuple[str, str] = ("[", "]"),
    snippet_words: int = 24,
) -> list[dict[str, Any]]:
    """Articles matching ``words`` in title or text, best first (bm25; title words weigh more).

    The FTS5 index drives the query: MATCH on ``articles_fts`` gives candidate rowids, joined to
    ``articles`` by rowid where the filters apply, so a million articles answer in milliseconds
    for selective words. Each hit carries a ``snippet`` of the text and the ``title_marked``
    with matched words between ``marks``. ``newest`` orders by publication time instead of rank.
    """
    filters = Filters.build(
        sources=sources, languages=languages, since=since, until=until, limit=limit
    )
    conn = connect_readonly(db)
    try:
        fts = fts_query(words)
        try:
            hits = _ranked(conn, fts, filters, newest)
        except sqlite3.OperationalError as exc:
            if not is_fts_syntax_error(exc):
                raise _sql_error(exc, "search") from None
            fts = fts_query(words, syntax=False)
            hits = _ranked(conn, fts, filters, newest)
        for hit in hits:
            hit.update(_snippet(conn, fts, hit.pop("rowid"), marks, snippet_words))
        return hits
    except sqlite3.OperationalError as exc:
        raise _sql_error(exc, "search") from None
    finally:
        conn.close()


def search_sql(fts: str, filters: Filters, newest: bool = False) -> tuple[str, list[Any]]:
    """The ranking statement (rowid and score of the top hits) and its parameters.

    It selects as little as possible, because it runs over every match: with no filter it ranks
    inside the FTS5 index alone; with filters, ``CROSS JOIN`` fixes the join order so the index
    yields the matching rowids first and each is looked up in ``articles`` by rowid to check the
    filters (the articles table is never scanned). Titles and snippets are read afterwards for
    the returned rows only.
    """
    score = f"bm25(articles_fts, {TITLE_WEIGHT}, 1.0)"
    where, params = filters.where("a")
    limit = filters.limit or 20
    if where == "1" and not newest:
        sql = (
            f"SELECT rowid, {score} AS score FROM articles_fts WHERE articles_fts MATCH ?"
            " ORDER BY score, rowid LIMIT ?"
        )
        return sql, [fts, limit]
    order = "datetime(a.published_at) DESC, score" if newest else "score"
    sql = (
        f"SELECT a.rowid AS rowid, {score} AS score"
        " FROM articles_fts CROSS JOIN articles AS a ON a.rowid = articles_fts.rowid"
        f" WHERE articles_fts MATCH ? AND {where} ORDER BY {order}, a.rowid LIMIT ?"
    )
    return sql, [fts, *params, limit]


_HIT_COLUMNS = ("url", "title", "source", "language", "published_at", "word_count")


def _ranked(
    conn: sqlite3.Connection, fts: str, filters: Filters, newest: bool
) -> list[dict[str, Any]]:
    """Top hits without snippets: snippets cost, so they are made for the returned rows only."""
    ranked = conn.execute(*search_sql(fts, filters, newest)).fetchall()
    if not ranked:
        return []
    marks = ", ".join("?" * len(ranked))
    rows = {
        row[0]: row[1:]
        for row in conn.execute(
            f"SELECT rowid, {', '.join(_HIT_COLUMNS)} FROM articles WHERE rowid IN ({marks})",
            [rowid for rowid, _ in ranked],
        )
    }
    hits = []
    for rank, (rowid, score) in enumerate(ranked, 1):
        hit = {"rowid": rowid, **dict(zip(_HIT_COLUMNS, rows[rowid], strict=True))}
        hit["rank"] = rank
        hit["score"] = round(-score, 4)  # bm25 is negative: flip so higher is better
        hits.append(hit)
    return hits


def _snippet(
    conn: sqlite3.Connection, fts: str, rowid: int, marks: tuple[str, str], words: int
) -> dict[str, str]:
    row = conn.execute(
        "SELECT highlight(articles_fts, 0, ?, ?), snippet(articles_fts, 1, ?, ?, '…', ?)"
        " FROM articles_fts WHERE articles_fts MATCH ? AND rowid = ?",
        [*marks, *marks, words, fts, rowid],
    ).fetchone()
    title, snippet = row if row else (None, "")
    return {"title_marked": title, "snippet": " ".join((snippet or "").split())}


# -- statistics -------------------------------------------------------------------------------


def stats(db: str | Path) -> dict[str, Any]:
    """What the database holds: totals, articles per source and per language, publication date
    range (UTC), and the last run that covered each source with its outcome counts."""
    conn = connect_readonly(db)
    try:
        return {
            "database": str(db),
            "totals": _totals(conn),
            "sources": _per_source(conn),
            "languages": [
                {"language": lang, "articles": n}
                for lang, n in conn.execute(
                    "SELECT coalesce(language, '?'), count(*) FROM articles GROUP BY 1 "
                    "ORDER BY 2 DESC, 1"
                )
            ],
            "last_run": _last_run(conn),
        }
    except sqlite3.OperationalError as exc:
        raise UserError(
            f"{db}: cannot read statistics ({exc}); is it a news-ingest database "
            "from an older version? open it once with `ingest crawl` to migrate"
        ) from None
    finally:
        conn.close()


def _totals(conn: sqlite3.Connection) -> dict[str, Any]:
    row = conn.execute(
        "SELECT count(*), count(DISTINCT source), count(DISTINCT language), sum(word_count),"
        " min(datetime(published_at)), max(datetime(published_at)),"
        " sum(published_at IS NULL) FROM articles"
    ).fetchone()
    keys = (
        "articles",
        "sources",
        "languages",
        "words",
        "published_from",
        "published_to",
        "without_date",
    )
    totals = dict(zip(keys, row, strict=True))
    totals["published_from"] = _utc(totals["published_from"])
    totals["published_to"] = _utc(totals["published_to"])
    totals["runs"] = (
        conn.execute("SELECT count(*) FROM runs").fetchone()[0] if _has_table(conn, "runs") else 0
    )
    return totals


def _utc(value: str | None) -> str | None:
    """``2024-05-03 07:00:00`` (SQLite's datetime()) -> ``2024-05-03T07:00:00Z``."""
    return value.replace(" ", "T") + "Z" if value else None


def _has_table(conn: sqlite3.Connection, name: str) -> bool:
    return (
        conn.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name=?", [name]).fetchone()
        is not None
    )


def _per_source(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    rows = {}
    for source, count, first, last, langs in conn.execute(
        "SELECT source, count(*), min(datetime(published_at)), max(datetime(published_at)),"
        " group_concat(DISTINCT language) FROM articles GROUP BY source ORDER BY source"
    ):
        rows[source] = {
            "source": source,
            "articles": count,
            "published_from": _utc(first),
            "published_to": _utc(last),
            "languages": sorted((langs or "").split(",")) if langs else [],
            "last_run": None,
        }
    if _has_table(conn, "runs") and _has_table(conn, "fetch_log"):
        for source, run_id in conn.execute(
            "SELECT j.value, max(r.id) FROM runs AS r, json_each(r.sources) AS j"
            " WHERE json_valid(r.sources) GROUP BY j.value"
        ):
            entry = rows.setdefault(
                source,
                {
                    "source": source,
                    "articles": 0,
                    "published_from": None,
                    "published_to": None,
                    "languages": [],
                    "last_run": None,
                },
            )
            entry["last_run"] = _run_for_source(conn, run_id, source)
    return sorted(rows.values(), key=lambda r: r["source"])


def _run_for_source(conn: sqlite3.Connection, run_id: int, source: str) -> dict[str, Any]:
    run = conn.execute(
        "SELECT id, started_at, finished_at, status FROM runs WHERE id = ?", [run_id]
    ).fetchone()
    outcomes = dict(
        conn.execute(
            "SELECT outcome, count(*) FROM fetch_log WHERE run_id = ? AND source = ?"
            " GROUP BY outcome ORDER BY outcome",
            [run_id, source],
        ).fetchall()
    )
    return {
        "id": run[0],
        "started_at": run[1],
        "finished_at": run[2],
        "status": run[3],
        "outcomes": outcomes,
    }


def _last_run(conn: sqlite3.Connection) -> dict[str, Any] | None:
    if not _has_table(conn, "runs"):
        return None
    cursor = conn.execute(
        "SELECT id, started_at, finished_at, status, sources, pages_fetched, articles_new,"
        " articles_updated, articles_unchanged, errors FROM runs ORDER BY id DESC LIMIT 1"
    )
    row = cursor.fetchone()
    return None if row is None else dict(zip([c[0] for c in cursor.description], row, strict=True))
