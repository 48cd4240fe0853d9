"""Read-only access to a news-ingest database: SQL queries, full-text search and statistics.

Everything here opens its own read-only connection (``mode=ro`` URI, ``PRAGMA query_only`` and an
authorizer that refuses writes, ``ATTACH`` and pragma assignments), so a query typed by a user can
never change the data, even while a crawl is writing (WAL lets readers run alongside the writer).
The click commands in :mod:`ingest.commands.query` are thin layers over these functions.
"""

from __future__ import annotations

import math
import re
import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from ingest.defaults import one_run
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


def open_readonly(path: Path) -> sqlite3.Connection:
    """A read-only connection to ``path``, also in a folder nobody may write (a read-only share,
    a snapshot): sqlite3.DatabaseError for a file that is not SQLite.

    SQLite reads a WAL database through a ``-shm`` file it creates beside it; where it cannot,
    ``mode=ro`` fails with "unable to open database file". The file is then opened
    ``immutable`` (no locks, no -shm), which reads it right unless committed pages still wait
    in its ``-wal`` file: that case is said in one line instead."""
    conn = _open_mode_ro(path)
    if conn is not None:
        return conn
    wal = Path(f"{path.resolve()}-wal")  # beside the file a symlink names, where SQLite looks
    if wal.exists() and wal.stat().st_size > 0:
        raise UserError(
            f"{path}: its folder is read-only and its -wal file holds commits not yet in the "
            "database; copy both files to a writable folder, or open it once where it is written"
        )
    uri = f"{path.resolve().as_uri()}?immutable=1"
    return sqlite3.connect(uri, uri=True, check_same_thread=False)


def needs_immutable(path: Path) -> bool:
    """Whether :func:`open_readonly` reads ``path`` ``immutable``: other readers of it
    (Datasette in ``ingest serve``) must open it so too, or fail where it did not."""
    conn = _open_mode_ro(path)
    if conn is None:
        return True
    conn.close()
    return False


def _open_mode_ro(path: Path) -> sqlite3.Connection | None:
    """``path`` opened ``mode=ro``, or None where SQLite cannot create its ``-shm`` file."""
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, check_same_thread=False)
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return conn
    except sqlite3.OperationalError as exc:
        conn.close()
        if "unable to open" not in str(exc):
            raise
        return None


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
        conn = open_readonly(path)
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


def newer_schema(conn: sqlite3.Connection, db: str | Path) -> UserError | None:
    """The error for a database migrated by a newer news-ingest, or None. Called once a read
    has failed: the usual advice, migrate it with `ingest crawl`, would run an older writer."""
    if not _has_table(conn, "_sqlite_migrations"):
        return None
    from ingest.storage import MIGRATIONS, sqlite_utils  # slow to import, so only here

    known = {m.name for m in MIGRATIONS.pending(sqlite_utils.Database(memory=True))}
    applied = conn.execute(
        "SELECT name FROM _sqlite_migrations WHERE migration_set = ? ORDER BY rowid",
        [MIGRATIONS.name],
    )
    unknown = [name for (name,) in applied if name not in known]
    if not unknown:
        return None
    return UserError(
        f"{db}: written by a newer news-ingest (schema {unknown[-1]}); upgrade news-ingest "
        "to read it, and do not crawl into it with this version"
    )


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
    missing = re.search(r"value for binding parameter :?(\w+)", text)
    if missing:
        name = missing.group(1)
        return UserError(f"{what}: no value for :{name}; give it with -p {name} VALUE")
    if "has no name" in text:
        return UserError(f"{what}: '?' parameters have no name; write :name and give -p name VALUE")
    return UserError(
        f"{what}: {text}; check the SQL "
        "(tables: articles, runs, fetch_log, urls, article_versions, pages)"
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
    if cursor.description is None:  # empty, only a comment, or BEGIN/COMMIT: nothing to print
        conn.close()
        raise UserError(
            "query: no SQL statement that returns rows; give a SELECT, e.g. "
            '`ingest query "SELECT count(*) FROM articles"`'
        )
    columns = [c[0] for c in cursor.description]
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


#: Dates a filter may use: :meth:`Filters.where` widens them by a day, which must not overflow.
_EARLIEST = datetime(2, 1, 1, tzinfo=UTC)
_LATEST = datetime(9998, 12, 31, tzinfo=UTC)


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
    try:
        moment = _parse_when(value, option=option, end=end, now=now)
    except OverflowError:  # 99999999d, or a day after 9999-12-31
        moment = None
    if moment is None or not _EARLIEST <= moment <= _LATEST:
        raise UserError(
            f"{option}: {str(value)!r} is too far in the past or future; "
            f"leave {option} out for no limit"
        )
    return moment


def _parse_when(
    value: str | date | datetime, *, option: str, end: bool, now: datetime | None
) -> datetime:
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
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        return _parse_when(moment, option=option, end=end, now=now)
    except ValueError:
        raise UserError(
            f"{option}: {text!r} is not a date; use YYYY-MM-DD, an ISO 8601 time "
            "like 2024-05-03T10:00:00+02:00, or an age like 7d or 12h"
        ) from None


#: ``--lang unknown``: the articles whose language could not be told (stored as NULL).
NO_LANGUAGE = "unknown"


def _languages(given: tuple[str, ...]) -> tuple[str, ...]:
    """``--lang`` values as stored: ISO 639-1 codes (``en-US``, ``eng`` or ``English`` -> en).
    A value that is no language matched nothing without a word; now it says so."""
    from ingest.language import given_language

    codes = []
    for value in given:
        if value.strip().lower() == NO_LANGUAGE:  # what the dataset card calls them
            codes.append(NO_LANGUAGE)
            continue
        code = given_language(value)
        if code is None:
            raise UserError(
                f"--lang {value!r}: not a language; give ISO 639-1 codes such as en, de, fr"
            )
        codes.append(code)
    return tuple(dict.fromkeys(codes))


def _split(values: str | Sequence[str] | None) -> tuple[str, ...]:
    """``("a,b", "c")`` -> ``("a", "b", "c")``: repeatable options also take comma lists."""
    if not values:
        return ()
    if isinstance(values, str):
        values = [values]
    return tuple(dict.fromkeys(v.strip() for item in values for v in item.split(",") if v.strip()))


def _refuse_blank(value: str | Sequence[str] | None, option: str, wanted: str) -> None:
    """An option given with nothing in it (``--search ""``, a script's empty variable) is a
    mistake, not "no filter": `ingest search ""` said so, while export wrote every article."""
    if value is None or (not isinstance(value, str) and len(value) == 0):
        return
    blank = not str(value).strip() if option == "--search" else not _split(value)
    if blank:
        raise UserError(f"{option}: nothing given; give {wanted} or leave {option} out")


def check_sources(conn: sqlite3.Connection, sources: Sequence[str]) -> None:
    """Refuse a ``--source`` the database does not know: a typo would otherwise give an empty
    answer that looks like "nothing was published". One index lookup per name."""
    for name in sources:
        if not _source_known(conn, name):
            known = [r[0] for r in conn.execute("SELECT DISTINCT source FROM articles ORDER BY 1")]
            raise UserError(
                f"--source: no article from {name!r} in this database and no run crawled it; "
                f"its sources are {', '.join(known) or 'none yet'}"
            )


def _source_known(conn: sqlite3.Connection, name: str) -> bool:
    """It stored an article, or a run crawled it: a source added lately with nothing stored
    yet is rightly an empty answer (a cron export of it must not fail)."""
    if conn.execute("SELECT 1 FROM articles WHERE source = ? LIMIT 1", [name]).fetchone():
        return True
    if not _has_table(conn, "runs"):
        return False
    crawled = "SELECT 1 FROM runs, json_each(runs.sources) AS s WHERE s.value = ? LIMIT 1"
    return conn.execute(crawled, [name]).fetchone() is not None


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
        _refuse_blank(sources, "--source", "a source name")
        _refuse_blank(languages, "--lang", "a language such as en")
        _refuse_blank(search, "--search", "words to search for")
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
            _languages(_split(languages)),
            start,
            stop,
            min_words,
            search or None,
            limit=limit,
            raw=raw,
        )

    def where(self, alias: str = "a", *, exact: bool = True) -> tuple[str, list[Any]]:
        """SQL conditions on ``articles AS alias`` (``1`` when none) and their parameters.

        Dates compare on ``datetime(published_at)`` (UTC, whatever offset the site used), behind
        a range on the raw column widened by the largest UTC offsets, so the ``published_at``
        index narrows the scan.
        ``exact=False`` leaves out the ``datetime()`` test (two thirds of the cost of scanning
        the index): the rows kept then include all the right ones and some a day apart.
        """
        parts: list[str] = []
        params: list[Any] = []
        if self.sources:
            parts.append(f"{alias}.source IN ({', '.join('?' * len(self.sources))})")
            params += self.sources
        if self.languages:
            codes = [code for code in self.languages if code != NO_LANGUAGE]
            either = [f"{alias}.language IN ({', '.join('?' * len(codes))})"] if codes else []
            if NO_LANGUAGE in self.languages:
                either.append(f"{alias}.language IS NULL")
            parts.append(f"({' OR '.join(either)})")
            params += codes
        if self.since:
            parts.append(f"{alias}.published_at >= ?")
            params.append((self.since - _AHEAD).date().isoformat())
            if exact:
                parts.append(f"datetime({alias}.published_at) >= ?")
                params.append(_sql_time(self.since))
        if self.until:
            # The raw column holds the site's local time, up to 14 hours ahead of UTC: a story
            # at 00:15+01:00 on the 4th is 23:15 UTC on the 3rd, inside `--until 3rd 23:59Z`.
            parts.append(f"{alias}.published_at < ?")
            params.append(((self.until + _AHEAD).date() + timedelta(days=1)).isoformat())
            if exact:
                parts.append(f"datetime({alias}.published_at) < ?")
                params.append(_sql_time(self.until))
        if self.min_words:
            parts.append(f"{alias}.word_count >= ?")
            params.append(self.min_words)
        if self.search:
            parts.append(
                f"{alias}.rowid IN (SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?)"
            )
            params.append(fts_query(self.search, syntax=self.fts_syntax))
        return (" AND ".join(parts) or "1"), params


#: How far a stored local time may be from UTC (UTC+14, Kiribati; UTC-12 the other way).
_AHEAD = timedelta(hours=14)


# -- full-text search -------------------------------------------------------------------------

_FTS_SYNTAX = re.compile(r'["*():^]|\b(?:OR|AND|NOT|NEAR)\b')
_TOKEN = re.compile(r'[^\s"]+')


def fts_query(words: str, *, syntax: bool | None = None) -> str:
    """The FTS5 query for what a user typed.

    Plain words become quoted tokens that must all appear (``U.S. covid-19`` just works). Text that
    uses FTS5 syntax (``"exact phrase"``, ``OR``, ``NOT``, ``NEAR()``, ``prefix*``, ``title:word``)
    is passed through unless ``syntax=False``; :func:`search` falls back to plain words when SQLite
    rejects it. A NUL character separates words: SQLite reads an FTS5 query as a C string, so a
    NUL cut it short ("unterminated string" for any quoted token).
    """
    text = words.replace("\x00", " ").strip()
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

    The FTS5 index drives the query; :func:`choose_plan` decides from two cheap counts how the
    filters are applied, so that no plan reads every matching article row from the (large)
    articles table. Each hit carries a ``snippet`` of the text and the ``title_marked`` with
    matched words between ``marks``. ``newest`` orders by publication time instead of rank.
    """
    filters = Filters.build(
        sources=sources, languages=languages, since=since, until=until, limit=limit
    )
    conn = connect_readonly(db)
    try:
        check_sources(conn, filters.sources)
        fts = fts_query(words)
        try:
            hits = _ranked(conn, fts, filters, newest)
        except sqlite3.OperationalError as exc:
            if not is_fts_syntax_error(exc):
                raise _sql_error(exc, "search") from None
            fts = fts_query(words, syntax=False)
            hits = _ranked(conn, fts, filters, newest)
        _add_snippets(conn, fts, hits, marks, snippet_words)
        return hits
    except sqlite3.OperationalError as exc:
        raise newer_schema(conn, db) or _sql_error(exc, "search") from None
    finally:
        conn.close()


# -- search plans -------------------------------------------------------------------------------
#
# Reading an article row costs a random read in the biggest table (texts included: gigabytes for
# a million articles), and bm25 costs about a microsecond per matching row. A word in a quarter
# of a million articles makes both add up to a second, so each plan avoids the first and, where
# it can, the second:
#
# index   no filter: rank inside the FTS index alone.
# set     the filters keep fewer articles than the words match: their rowids come from a covering
#         index (source, published_at) or (published_at), and only the matches among them are
#         ranked.
# ranked  the filters keep more articles than the words match (or filter on columns without an
#         index, like the language): rank every match inside the index, then read articles in
#         rank order until ``limit`` pass the filters.
# recent  newest first: walk the published_at index from the newest article to the ``limit``-th
#         match; that date minus two days bounds the answer (see :func:`_cutoff`), and the set
#         plan ranks the matches published since.
# lookup  every match read from articles by rowid: for a few matches, and the fallback.

#: Up to this many matches ``--newest`` reads every matching article instead of walking dates.
FEW_MATCHES = 200
#: Rows of the first ``ranked`` round, as a multiple of the limit (the rest is streamed).
RANKED_FIRST_ROUND = 10


@dataclass(frozen=True)
class Plan:
    """A search plan (see the table above) and the counts it was chosen from."""

    name: str
    matches: int | None = None  # rows the FTS query matches
    filtered: int | None = None  # rows the indexed filters keep, counted up to matches + 1
    rowids: tuple[int, int] | None = None  # smallest and largest rowid the filters keep
    cutoff: str | None = None  # recent: only articles published on or after this day


def _indexed_and_residual(filters: Filters) -> tuple[Filters, Filters]:
    """The filters a covering index answers (source, dates) and the rest (language, words)."""
    indexed = replace(filters, languages=(), min_words=None, search=None)
    residual = replace(filters, sources=(), since=None, until=None, search=None)
    return indexed, residual


def choose_plan(conn: sqlite3.Connection, fts: str, filters: Filters, newest: bool = False) -> Plan:
    """The cheapest plan for this query, from the number of matches and of filtered rows."""
    indexed, residual = _indexed_and_residual(filters)
    has_indexed = indexed.where("a")[0] != "1"
    if not newest and not has_indexed and residual.where("a")[0] == "1":
        return Plan("index")
    matches = conn.execute(
        "SELECT count(*) FROM articles_fts WHERE articles_fts MATCH ?", [fts]
    ).fetchone()[0]
    if matches == 0 or (newest and matches <= FEW_MATCHES):
        return Plan("lookup", matches)
    filtered = None
    if has_indexed:
        # Ranking: the set plan reads ``filtered`` index entries instead of ranking ``matches``
        # rows. Newest first: it reads the article of each match in the set (about filtered *
        # matches / articles rows), where walking the dates reads about limit * articles /
        # filtered of them; the two are equal at filtered = articles * sqrt(limit / matches).
        budget = matches
        if newest:
            articles = conn.execute("SELECT max(rowid) FROM articles").fetchone()[0] or 0
            budget = int(articles * math.sqrt((filters.limit or 20) / matches))
        filtered, rowids = _filtered_rows(conn, indexed, budget + 1)
        if filtered <= budget:
            return Plan("set", matches, filtered, rowids)
    if not newest:
        return Plan("ranked", matches, filtered)
    cutoff = _cutoff(conn, fts, filters)
    if cutoff is None:
        return Plan("lookup", matches, filtered)
    count, rowids = _filtered_rows(conn, indexed, None, cutoff)
    return Plan("recent", matches, count, rowids, cutoff)


def _filtered_rows(
    conn: sqlite3.Connection, indexed: Filters, cap: int | None, cutoff: str | None = None
) -> tuple[int, tuple[int, int] | None]:
    """About how many articles the indexed filters keep (at most ``cap``; counted on the raw
    dates, so a few more than exactly) and a rowid range that holds all of them."""
    where, params = _set_where(indexed, cutoff, exact=False)
    count, low, high = conn.execute(
        f"SELECT count(*), min(rowid), max(rowid) FROM (SELECT s.rowid FROM articles AS s"
        f" WHERE {where}{' LIMIT ?' if cap is not None else ''})",
        [*params, *([cap] if cap is not None else [])],
    ).fetchone()
    return count, (None if low is None else (low, high))


def _set_where(
    indexed: Filters, cutoff: str | None, *, exact: bool = True
) -> tuple[str, list[Any]]:
    """Conditions on ``articles AS s`` for the set plan: the indexed filters and the cutoff."""
    where, params = indexed.where("s", exact=exact)
    if cutoff is not None:
        where = ("" if where == "1" else where + " AND ") + "s.published_at >= ?"
        params = [*params, cutoff]
    return where, params


_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}")


def _cutoff(conn: sqlite3.Connection, fts: str, filters: Filters) -> str | None:
    """A day before which no article can be among the ``limit`` newest matches, or None.

    Walking the published_at index newest first (its raw strings, which keep each site's UTC
    offset) finds the ``limit``-th matching article with a valid date, published on local day
    D, so at least ``limit`` matches are later than D 00:00 minus 14 hours (the largest UTC
    offset). An article stored as published before D - 2 days (local time, any offset down to
    -12 hours) is earlier than D - 36 hours in UTC, so it cannot be among the newest. Rows
    without a valid date sort last, after those ``limit``.
    """
    where, params = filters.where("a")
    row = conn.execute(
        "SELECT a.published_at FROM articles AS a INDEXED BY idx_articles_published_at"
        " WHERE +a.rowid IN (SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?)"
        f" AND {where} AND datetime(a.published_at) IS NOT NULL"
        " ORDER BY a.published_at DESC LIMIT 1 OFFSET ?",
        [fts, *params, (filters.limit or 20) - 1],
    ).fetchone()
    if row is None or not _ISO_DAY.match(row[0]):
        return None
    try:
        day = date.fromisoformat(row[0][:10])
    except ValueError:
        return None
    return (day - timedelta(days=2)).isoformat()


def search_sql(
    fts: str, filters: Filters, newest: bool = False, plan: Plan | str | None = None
) -> tuple[str, list[Any]]:
    """The ranking statement of a plan (rowid and score of the top hits) and its parameters.

    It selects as little as possible, because it runs over every match; titles and snippets
    are read afterwards for the returned rows only. Without ``plan``: ``index`` when there is
    nothing to filter or sort by date, else ``lookup``, where ``CROSS JOIN`` fixes the join
    order so the FTS index yields the matching rowids and each is looked up in ``articles`` by
    rowid. The ``ranked`` plan has no single statement (see :func:`_rank_then_filter`).
    """
    if isinstance(plan, str):
        plan = Plan(plan)
    score = f"bm25(articles_fts, {TITLE_WEIGHT}, 1.0)"
    where, params = filters.where("a")
    limit = filters.limit or 20
    name = plan.name if plan else ("index" if where == "1" and not newest else "lookup")
    if name in ("index", "ranked"):
        sql = (
            f"SELECT rowid, {score} AS score FROM articles_fts WHERE articles_fts MATCH ?"
            " ORDER BY score, rowid"
        )
        return (sql + " LIMIT ?", [fts, limit]) if name == "index" else (sql, [fts])
    if name in ("set", "recent"):
        return _set_sql(fts, filters, newest, plan or Plan(name), score)
    order = "datetime(a.published_at) DESC, score" if newest else "score"
    sql = (
        f"SELECT a.rowid AS rowid, {score} AS score"
        " FROM articles_fts CROSS JOIN articles AS a ON a.rowid = articles_fts.rowid"
        f" WHERE articles_fts MATCH ? AND {where} ORDER BY {order}, a.rowid LIMIT ?"
    )
    return sql, [fts, *params, limit]


def _set_sql(
    fts: str, filters: Filters, newest: bool, plan: Plan, score: str
) -> tuple[str, list[Any]]:
    """The set plan: matches among the rowids the indexed filters keep, ranked.

    ``+rowid`` keeps the IN list from being handed to FTS5 as rowid lookups (one index probe
    per listed row); SQLite builds the list once and checks each match against it. The rowid
    range of the list also bounds the FTS5 scan (recent articles have recent rowids)."""
    indexed, residual = _indexed_and_residual(filters)
    inner, inner_params = _set_where(indexed, plan.cutoff)
    rest, rest_params = residual.where("a")
    join = rest != "1" or newest
    low, high = plan.rowids or (0, -1)
    sql = (
        f"SELECT articles_fts.rowid AS rowid, {score} AS score FROM articles_fts"
        + (" CROSS JOIN articles AS a ON a.rowid = articles_fts.rowid" if join else "")
        + " WHERE articles_fts MATCH ? AND articles_fts.rowid BETWEEN ? AND ?"
        f" AND +articles_fts.rowid IN (SELECT s.rowid FROM articles AS s WHERE {inner})"
        + (f" AND {rest}" if rest != "1" else "")
        + " ORDER BY "
        + ("datetime(a.published_at) DESC, score, a.rowid" if newest else "score, rowid")
        + " LIMIT ?"
    )
    return sql, [fts, low, high, *inner_params, *rest_params, filters.limit or 20]


def _rank_then_filter(
    conn: sqlite3.Connection, fts: str, filters: Filters
) -> list[tuple[int, float]]:
    """The ranked plan: best matches first from the FTS index, kept if their article passes.

    A first round ranks with a small LIMIT (SQLite then keeps only the top rows while sorting);
    when too few of them pass, the whole ranking is streamed past them in growing chunks."""
    limit = filters.limit or 20
    sql, params = search_sql(fts, filters, plan="ranked")
    first = max(limit * RANKED_FIRST_ROUND, 200)
    rows = conn.execute(sql + " LIMIT ?", [*params, first]).fetchall()
    kept = _passing(conn, rows, filters)
    if len(kept) >= limit or len(rows) < first:
        return kept[:limit]
    cursor = conn.execute(sql, params)
    cursor.fetchmany(first)  # the same rows as the first round: (score, rowid) is a total order
    size = first
    while len(kept) < limit and (rows := cursor.fetchmany(size)):
        kept += _passing(conn, rows, filters)
        size = min(size * 2, 5000)
    return kept[:limit]


def _passing(
    conn: sqlite3.Connection, rows: list[tuple[int, float]], filters: Filters
) -> list[tuple[int, float]]:
    """``rows`` (rowid, score) whose article passes ``filters``, in the given order."""
    where, params = filters.where("a")
    marks = ", ".join("?" * len(rows))
    good = {
        r[0]
        for r in conn.execute(
            f"SELECT a.rowid FROM articles AS a WHERE a.rowid IN ({marks}) AND {where}",
            [*(rowid for rowid, _ in rows), *params],
        )
    }
    return [row for row in rows if row[0] in good]


_HIT_COLUMNS = ("url", "title", "source", "language", "published_at", "word_count")


def rank(
    conn: sqlite3.Connection, fts: str, filters: Filters, newest: bool, plan: Plan
) -> list[tuple[int, float]]:
    """(rowid, bm25 score) of the top hits, by ``plan``: every plan gives the same rows."""
    if plan.name == "ranked" and not newest:
        return _rank_then_filter(conn, fts, filters)
    if plan.name == "ranked":
        plan = Plan("lookup")
    return conn.execute(*search_sql(fts, filters, newest, plan)).fetchall()


def _ranked(
    conn: sqlite3.Connection, fts: str, filters: Filters, newest: bool
) -> list[dict[str, Any]]:
    """Top hits without snippets: snippets cost, so they are made for the returned rows only."""
    ranked = rank(conn, fts, filters, newest, choose_plan(conn, fts, filters, newest))
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
    for position, (rowid, score) in enumerate(ranked, 1):
        hit = {"rowid": rowid, **dict(zip(_HIT_COLUMNS, rows[rowid], strict=True))}
        hit["rank"] = position
        hit["score"] = round(-score, 4)  # bm25 is negative: flip so higher is better
        hits.append(hit)
    return hits


def _add_snippets(
    conn: sqlite3.Connection,
    fts: str,
    hits: list[dict[str, Any]],
    marks: tuple[str, str],
    words: int,
) -> None:
    """Set ``title_marked`` and ``snippet`` of each hit (and drop its ``rowid``).

    One statement per hit seeks straight to its row. A prefix query (``harb*``) is instead
    answered by one statement for all hits: FTS5 expands a prefix into all its terms' rows each
    time a statement starts, which for a common prefix costs as much as the search itself."""
    sql = (
        "SELECT rowid, highlight(articles_fts, 0, ?, ?), snippet(articles_fts, 1, ?, ?, '…', ?)"
        " FROM articles_fts WHERE articles_fts MATCH ? AND "
    )
    rowids = [hit.pop("rowid") for hit in hits]
    found: dict[int, tuple[str | None, str | None]] = {}
    if "*" in fts and len(rowids) > 1:
        found = {
            r[0]: r[1:]
            for r in conn.execute(
                sql + f"+rowid IN ({', '.join('?' * len(rowids))})",
                [*marks, *marks, words, fts, *rowids],
            )
        }
    else:
        for rowid in rowids:
            row = conn.execute(sql + "rowid = ?", [*marks, *marks, words, fts, rowid]).fetchone()
            if row:
                found[rowid] = row[1:]
    for hit, rowid in zip(hits, rowids, strict=True):
        title, snippet = found.get(rowid, (None, ""))
        hit["title_marked"] = title
        hit["snippet"] = " ".join((snippet or "").split())


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
        raise newer_schema(conn, db) or UserError(
            f"{db}: cannot read statistics ({exc}); is it a news-ingest database "
            "from an older version? open it once with `ingest crawl` to migrate"
        ) from None
    finally:
        conn.close()


def _totals(conn: sqlite3.Connection) -> dict[str, Any]:
    row = conn.execute(
        "SELECT count(*), count(DISTINCT source), count(DISTINCT language), total(word_count),"
        " min(datetime(published_at)), max(datetime(published_at)),"
        " count(*) - count(published_at) FROM articles"
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
    totals["words"] = int(totals["words"])  # total(): 0.0 for no rows where sum() gives NULL
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
            "SELECT outcome, count(*) FROM fetch_log"
            f" WHERE {one_run()} AND source = ?"
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
