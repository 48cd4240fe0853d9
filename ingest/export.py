"""Export articles as a dataset file (JSONL, CSV or Parquet) with a dataset card next to it.

Exports stream: rows come from a read-only SQLite cursor in batches and go straight to the file
(Parquet: one row group per batch of rows), so a million articles export in constant memory.
The same database and filters give byte-identical JSONL and CSV: rows are ordered by URL, JSON
keys are sorted, and nothing time-dependent goes into the data file (the card has the time).
The file is written under a temporary name and renamed when complete, so an interrupted export
never leaves a half file that looks whole.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import json
import os
import sqlite3
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import IO, Any

import pyarrow as pa
import pyarrow.parquet as pq

from ingest.card import card_path
from ingest.duplicates import duplicate_rowids
from ingest.errors import UserError
from ingest.query import (
    ARTICLE_COLUMN_DOCS,
    Filters,
    check_sources,
    connect_readonly,
    is_fts_syntax_error,
    newer_schema,
)
from ingest.storage import ARTICLE_COLUMNS

FORMATS = ("jsonl", "csv", "parquet")
_SUFFIXES = {
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
    ".csv": "csv",
    ".parquet": "parquet",
    ".pq": "parquet",
}

#: Columns exported when ``fields`` is not given: every column of ``articles``.
DEFAULT_FIELDS: tuple[str, ...] = tuple(ARTICLE_COLUMNS)
LIST_FIELDS = frozenset({"authors", "tags"})
TIME_FIELDS = frozenset(
    {"published_at", "modified_at", "first_seen", "last_fetched", "last_changed"}
)
INT_FIELDS = frozenset({"word_count", "version"})

#: A Parquet column whose type says otherwise than the stored text: times are UTC instants
#: (JSONL and CSV keep the site's offset) and lists are lists, not JSON text.
_PARQUET_DOCS = {
    "published_at": "Publication time, a UTC instant (JSONL and CSV keep the site's offset)",
    "modified_at": "Last modification time given by the site, a UTC instant",
    "authors": "Authors, a list of names",
    "tags": "Keywords given by the site, a list",
}


def column_doc(name: str, fmt: str) -> str:
    """The description of field ``name`` in an export of format ``fmt``."""
    if fmt == "parquet" and name in _PARQUET_DOCS:
        return _PARQUET_DOCS[name]
    return ARTICLE_COLUMN_DOCS.get(name, "")


#: Type of each field in a Parquet export.
PARQUET_TYPES: dict[str, pa.DataType] = {
    name: (
        pa.list_(pa.string())
        if name in LIST_FIELDS
        else pa.timestamp("us", tz="UTC")
        if name in TIME_FIELDS
        else pa.int64()
        if name in INT_FIELDS
        else pa.string()
    )
    for name in ARTICLE_COLUMNS
}

Progress = Callable[[int, int | None], None]


@dataclass
class ExportResult:
    """What an export wrote; also the content of its dataset card."""

    path: Path
    format: str
    fields: list[str]
    filters: dict[str, Any]
    db: Path
    command: str
    rows: int = 0
    bytes: int = 0
    sha256: str = ""
    sources: Counter[str] = field(default_factory=Counter)
    languages: Counter[str] = field(default_factory=Counter)
    published_from: str | None = None  # UTC, ISO 8601
    published_to: str | None = None
    without_date: int = 0
    duplicates_excluded: int = 0
    card: Path | None = None
    last_run: dict[str, Any] | None = None


def export(
    db: str | Path,
    out: str | Path,
    *,
    format: str | None = None,
    fields: str | Sequence[str] | None = None,
    sources: str | Sequence[str] | None = None,
    languages: str | Sequence[str] | None = None,
    since: str | date | datetime | None = None,
    until: str | date | datetime | None = None,
    min_words: int | None = None,
    search: str | None = None,
    limit: int | None = None,
    exclude_duplicates: bool = False,
    progress: Progress | None = None,
    command: str | None = None,
    batch_size: int = 1000,
) -> ExportResult:
    """Write the articles of ``db`` that pass the filters to ``out`` and a card to
    ``out.card.md``; return what was written.

    ``format`` defaults to the suffix of ``out``. ``fields`` (a list or a comma-separated string)
    picks and orders columns. ``progress(done, total)`` is called after each batch.
    """
    out = Path(out)
    _check_target(out, Path(db))
    fmt = _format(format, out)
    names = _fields(fields)
    filters = Filters.build(
        sources=sources,
        languages=languages,
        since=since,
        until=until,
        min_words=min_words,
        search=search,
        limit=limit,
    )
    _prepare_out(out)
    conn = connect_readonly(db)
    try:
        check_sources(conn, filters.sources)
        result = ExportResult(
            out,
            fmt,
            names,
            filters.raw,
            Path(db).resolve(),
            command or _python_call(db, out, fmt, fields, filters.raw, exclude_duplicates),
        )
        if exclude_duplicates:
            result.filters["exclude_duplicates"] = True
        try:
            try:
                _write(conn, result, filters, exclude_duplicates, progress, batch_size)
            except sqlite3.OperationalError as exc:
                if not (filters.search and is_fts_syntax_error(exc)):
                    raise
                filters.fts_syntax = False  # not valid FTS5 syntax: search the plain words
                _write(conn, result, filters, exclude_duplicates, progress, batch_size)
        except sqlite3.OperationalError as exc:
            raise newer_schema(conn, db) or UserError(f"export: cannot read {db} ({exc})") from None
        result.last_run = _last_run(conn)
    finally:
        conn.close()
    from ingest.card import write_card

    result.card = write_card(result)
    return result


def _format(format: str | None, out: Path) -> str:
    fmt = (format or _SUFFIXES.get(out.suffix.lower(), "")).lower()
    if fmt not in FORMATS:
        raise UserError(
            f"--format: {(format or out.suffix)!r} is not a known format; use "
            f"--format {'|'.join(FORMATS)} or an --out ending in .jsonl/.csv/.parquet"
        )
    implied = _SUFFIXES.get(out.suffix.lower())
    if implied and implied != fmt:  # CSV written into news.jsonl breaks whoever reads it next
        raise UserError(
            f"--format {fmt} but --out {out.name} is named for {implied}; "
            f"name the file .{fmt} or leave --format out"
        )
    return fmt


def _fields(fields: str | Sequence[str] | None) -> list[str]:
    if fields is None:  # `--fields ''` (an empty variable in a script) is no field, not all
        return list(DEFAULT_FIELDS)
    items = [fields] if isinstance(fields, str) else list(fields)
    names = list(dict.fromkeys(n.strip() for item in items for n in item.split(",") if n.strip()))
    unknown = [n for n in names if n not in ARTICLE_COLUMNS]
    if unknown:
        raise UserError(
            f"--fields: unknown field {unknown[0]!r}; choose from {', '.join(ARTICLE_COLUMNS)}"
        )
    if not names:
        raise UserError("--fields: no field given; e.g. --fields url,title,text")
    return names


#: The first bytes of every SQLite database file.
SQLITE_HEADER = b"SQLite format 3\x00"


def _check_target(out: Path, db: Path) -> None:
    """Refuse an ``--out`` that is not a file an export may create or replace.

    An export replaces an existing file of its name: right for the last export of the same
    dataset, data lost when ``--out`` names the crawl's database or a file of another kind
    (``--out news.db``, ``--out sources.toml`` typed for ``--db``). So only a file named as an
    export (.jsonl, .csv, .parquet ...) or one with an export's card beside it is replaced, and
    never a SQLite database."""
    if str(out) == "-":
        raise UserError(
            "--out -: an export writes a file and its dataset card, not standard output; give a "
            'file name, or stream rows with `ingest query "SELECT ..." --nl`'
        )
    if out.is_dir():
        raise UserError(f"--out: {out} is a folder; give a file name such as {out}/news.jsonl")
    if db.exists() and out.exists() and out.resolve() == db.resolve():
        raise UserError(f"--out: {out} is the database itself; give another file name")
    if out.exists() and not out.is_file():
        # The file is written under a temporary name and renamed over --out: that would replace
        # a device such as /dev/stdout (as root) or a pipe with a regular file.
        raise UserError(f"--out: {out} is not a regular file (a device or pipe); give a file name")
    if out.is_file() and _is_sqlite(out):
        raise UserError(
            f"--out: {out} is a SQLite database and an export would replace it; give a new file "
            "name (the database to read from is --db)"
        )
    card = card_path(out)
    if out.is_file() and out.suffix.lower() not in _SUFFIXES and not card.is_file():
        raise UserError(
            f"--out: {out} exists and is not an export (.jsonl, .csv, .parquet); give a new file "
            "name or remove that file first"
        )


def _is_sqlite(path: Path) -> bool:
    try:
        with path.open("rb") as fh:
            return fh.read(len(SQLITE_HEADER)) == SQLITE_HEADER
    except OSError:
        return False


def _prepare_out(out: Path) -> None:
    """Make room for the export and its card (checked after the filters, so that a mistyped
    filter creates no folder)."""
    card = card_path(out)
    if card.is_dir():
        raise UserError(f"--out: the dataset card {card} would replace a folder; move it away")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(
            f"--out: cannot create folder {out.parent} ({exc.strerror}); pass another path"
        ) from None


def _python_call(
    db: str | Path,
    out: Path,
    fmt: str,
    fields: Any,
    filters: dict[str, Any],
    exclude_duplicates: bool,
) -> str:
    """How to repeat this export from Python, for the card of a library call."""
    args = [repr(str(db)), repr(str(out)), f"format={fmt!r}"]
    if fields:
        args.append(f"fields={fields!r}")
    keys = {"source": "sources", "lang": "languages"}
    args += [f"{keys.get(k, k)}={v!r}" for k, v in filters.items()]
    if exclude_duplicates:
        args.append("exclude_duplicates=True")
    return f"ingest.export.export({', '.join(args)})"


# -- the streaming loop -----------------------------------------------------------------------


def _write(
    conn: sqlite3.Connection,
    result: ExportResult,
    filters: Filters,
    exclude_duplicates: bool,
    progress: Progress | None,
    batch_size: int,
) -> None:
    """Stream the selected rows into the data file (via a temporary name) and checksum it."""
    where, params = filters.where("a")
    skip = duplicate_rowids(conn, where, params) if exclude_duplicates else set()
    total = _total(conn, where, params, filters.limit, len(skip)) if progress else None
    columns = list(dict.fromkeys([*result.fields, "source", "language"]))
    sql = (
        f"SELECT a.rowid, datetime(a.published_at), {', '.join('a.' + c for c in columns)}"
        f" FROM articles AS a WHERE {where} ORDER BY a.url"
    )
    part = result.path.with_name(result.path.name + ".part")
    _reset_counts(result)
    writer = _WRITERS[result.format](part, result.fields)
    try:
        cursor = conn.execute(sql, params)
        while batch := cursor.fetchmany(batch_size):
            rows = _take(batch, columns, skip, result, filters.limit)
            writer.write(rows)
            if progress:
                progress(result.rows, total)
            if filters.limit and result.rows >= filters.limit:
                break
        cursor.close()
        writer.close()
        os.replace(part, result.path)
    except BaseException:
        writer.abort()
        part.unlink(missing_ok=True)
        raise
    result.duplicates_excluded = len(skip)
    result.bytes = result.path.stat().st_size
    result.sha256 = sha256_file(result.path)


def _reset_counts(result: ExportResult) -> None:
    result.rows, result.without_date = 0, 0
    result.sources, result.languages = Counter(), Counter()
    result.published_from = result.published_to = None


def _total(
    conn: sqlite3.Connection, where: str, params: list[Any], limit: int | None, skipped: int
) -> int:
    count = conn.execute(f"SELECT count(*) FROM articles AS a WHERE {where}", params).fetchone()[0]
    count -= skipped
    return min(count, limit) if limit else count


def _take(
    batch: list[tuple[Any, ...]],
    columns: list[str],
    skip: set[int],
    result: ExportResult,
    limit: int | None,
) -> list[dict[str, Any]]:
    """Rows of a batch to write (duplicates and rows past the limit left out), counted."""
    rows = []
    for rowid, utc, *values in batch:
        if rowid in skip:
            continue
        if limit and result.rows >= limit:
            break
        row = dict(zip(columns, values, strict=True))
        result.rows += 1
        result.sources[row["source"]] += 1
        result.languages[row["language"] or "unknown"] += 1
        _count_date(result, utc)
        rows.append({name: row[name] for name in result.fields})
    return rows


def _count_date(result: ExportResult, utc: str | None) -> None:
    if utc is None:
        result.without_date += 1
        return
    stamp = utc.replace(" ", "T") + "Z"
    if result.published_from is None or stamp < result.published_from:
        result.published_from = stamp
    if result.published_to is None or stamp > result.published_to:
        result.published_to = stamp


def _last_run(conn: sqlite3.Connection) -> dict[str, Any] | None:
    try:
        row = conn.execute(
            "SELECT id, finished_at, status FROM runs ORDER BY id DESC LIMIT 1"
        ).fetchone()
    except sqlite3.OperationalError:
        return None
    return None if row is None else {"id": row[0], "finished_at": row[1], "status": row[2]}


def sha256_file(path: Path) -> str:
    """SHA-256 of a file, read in chunks (constant memory)."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


# -- writers ----------------------------------------------------------------------------------


def _as_list(value: str | None) -> list[str] | None:
    """The JSON text lists of ``authors``/``tags`` as lists (None stays None)."""
    if value is None:
        return None
    try:
        items = json.loads(value)
    except ValueError:
        return [value]
    return [str(x) for x in items] if isinstance(items, list) else [str(items)]


class _Writer:
    """One data file being written; ``abort`` closes it after a failure."""

    def __init__(self, path: Path, fields: list[str]) -> None:
        self.path = path
        self.fields = fields

    def write(self, rows: list[dict[str, Any]]) -> None:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    def abort(self) -> None:
        with contextlib.suppress(Exception):  # the original error is what matters
            self.close()


class _TextWriter(_Writer):
    def __init__(self, path: Path, fields: list[str]) -> None:
        super().__init__(path, fields)
        try:
            self.handle: IO[str] = path.open("w", encoding="utf-8", newline="")
        except OSError as exc:
            raise UserError(
                f"--out: cannot write {path.with_suffix('')} ({exc.strerror}); pass another path"
            ) from None

    def close(self) -> None:
        if not self.handle.closed:
            self.handle.close()


class JsonlWriter(_TextWriter):
    """One JSON object per line, keys sorted; authors and tags as JSON lists."""

    def write(self, rows: list[dict[str, Any]]) -> None:
        lists = LIST_FIELDS.intersection(self.fields)
        for row in rows:
            for name in lists:
                row[name] = _as_list(row[name])
            self.handle.write(json.dumps(row, ensure_ascii=False, sort_keys=True) + "\n")


class CsvWriter(_TextWriter):
    """RFC 4180 CSV with a header, ``\\n`` line ends; lists stay JSON text, empty is NULL."""

    def __init__(self, path: Path, fields: list[str]) -> None:
        super().__init__(path, fields)
        self.csv = csv.writer(self.handle, lineterminator="\n")
        self.csv.writerow(fields)

    def write(self, rows: list[dict[str, Any]]) -> None:
        self.csv.writerows(
            [["" if row[n] is None else row[n] for n in self.fields] for row in rows]
        )


class ParquetWriter(_Writer):
    """Typed Parquet (zstd): timestamps as timestamp[us, UTC], authors/tags as list<string>.

    Each batch of rows becomes an Arrow record batch at once (compact, typed); record batches
    are buffered up to ``row_group_rows`` rows or ``row_group_bytes`` of Arrow data, then written
    as one row group, which bounds memory whatever the size of the export.
    """

    row_group_rows = 20_000
    row_group_bytes = 32 << 20

    def __init__(self, path: Path, fields: list[str]) -> None:
        super().__init__(path, fields)
        self.schema = pa.schema(
            [
                pa.field(n, PARQUET_TYPES[n], metadata={"description": column_doc(n, "parquet")})
                for n in fields
            ]
        )
        try:
            self.writer = pq.ParquetWriter(path, self.schema, compression="zstd")
        except OSError as exc:
            raise UserError(f"--out: cannot write {path} ({exc}); pass another path") from None
        self.batches: list[pa.RecordBatch] = []
        self.rows = 0
        self.bytes = 0

    def write(self, rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        columns = {n: [_parquet_value(n, row[n]) for row in rows] for n in self.fields}
        batch = pa.RecordBatch.from_pydict(columns, schema=self.schema)
        self.batches.append(batch)
        self.rows += batch.num_rows
        self.bytes += batch.nbytes
        if self.rows >= self.row_group_rows or self.bytes >= self.row_group_bytes:
            self._flush()

    def _flush(self) -> None:
        if not self.batches:
            return
        table = pa.Table.from_batches(self.batches, schema=self.schema)
        self.writer.write_table(table, row_group_size=table.num_rows)
        self.batches, self.rows, self.bytes = [], 0, 0

    def close(self) -> None:
        if self.writer is not None:
            self._flush()
            self.writer.close()
            self.writer = None

    def abort(self) -> None:
        self.batches = []
        super().abort()


def _parquet_value(name: str, value: Any) -> Any:
    if value is None:
        return None
    if name in LIST_FIELDS:
        return _as_list(value)
    if name in TIME_FIELDS:
        return parse_time(value)
    return value


def parse_time(value: str) -> datetime | None:
    """A stored ISO 8601 time as an aware datetime (no offset means UTC); None if unreadable."""
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except (ValueError, AttributeError):
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


_WRITERS: dict[str, type[_Writer]] = {
    "jsonl": JsonlWriter,
    "csv": CsvWriter,
    "parquet": ParquetWriter,
}
