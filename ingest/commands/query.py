"""``ingest query``, ``search``, ``stats``, ``serve`` and ``export``: reading the database.

Each command is a thin layer over a library function (:mod:`ingest.query`, :mod:`ingest.export`,
:mod:`ingest.serve`) that does the work and raises :class:`UserError` for bad input; this module
only parses options and prints.
"""

from __future__ import annotations

import csv
import json
import math
import shlex
import sys
from typing import Any

import click

from ingest import query as query_lib
from ingest.commands.options import db_option as shared_db_option

db_option = shared_db_option(
    "news-ingest database to read (opened read-only).", metavar="PATH", type=None
)


def filter_options(func: Any) -> Any:
    """--source, --lang, --since, --until, --limit: shared by search and export."""
    options = [
        click.option(
            "--source",
            "sources",
            multiple=True,
            metavar="NAME",
            help="Only this source (repeatable, or comma-separated).",
        ),
        click.option(
            "--lang",
            "languages",
            multiple=True,
            metavar="CODE",
            help="Only this language, ISO 639-1 like en (repeatable).",
        ),
        click.option(
            "--since",
            metavar="DATE",
            help="Published at or after: 2024-05-01, 2024-05, an ISO time, or 7d/12h.",
        ),
        click.option(
            "--until",
            metavar="DATE",
            help="Published before the end of: 2024-05-31 (day included), 2024-05...",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


# -- ingest query -----------------------------------------------------------------------------


@click.command()
@click.argument("sql")
@db_option
@click.option(
    "-p",
    "--param",
    "params",
    nargs=2,
    multiple=True,
    metavar="NAME VALUE",
    help="Value of a :NAME parameter in the SQL (repeatable).",
)
@click.option("--json", "fmt", flag_value="json", help="Print a JSON array of objects.")
@click.option("--nl", "fmt", flag_value="nl", help="Print one JSON object per line.")
@click.option("--csv", "fmt", flag_value="csv", help="Print CSV with a header row.")
@click.option(
    "--max-width",
    default=60,
    show_default=True,
    type=click.IntRange(min=0),
    help="Cut table cells to this many characters (0: never).",
)
def query(
    sql: str, db: str, params: tuple[tuple[str, str], ...], fmt: str | None, max_width: int
) -> None:
    """Run one SQL statement on a read-only connection and print the rows.

    A statement that would change the database (INSERT, UPDATE, DELETE, CREATE, DROP, ATTACH, a
    PRAGMA assignment) is refused with an error and changes nothing.

    \b
    Examples:
        ingest query "SELECT source, count(*) AS n FROM articles GROUP BY source"
        ingest query "SELECT url, title FROM articles WHERE source = :s" -p s bbc --json
        ingest query "SELECT * FROM runs ORDER BY id DESC LIMIT 5" --csv > runs.csv
    """
    result = query_lib.query(db, sql, dict(params))
    if fmt == "json":
        _print_json_array(result)
    elif fmt == "nl":
        for row in result.rows:
            click.echo(_json_row(result.columns, row))
    elif fmt == "csv":
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(result.columns)
        for row in result.rows:  # a BLOB as in --json and the table, not as Python's b'...'
            writer.writerow([_blob(v) if isinstance(v, bytes) else v for v in row])
    else:
        _print_table(result.columns, result.rows, max_width)


def _blob(value: bytes) -> str:
    """How a BLOB (a page's gzip HTML) is shown: its size, not its bytes."""
    return f"<{len(value)} bytes>"


def _json_row(columns: list[str], row: Any) -> str:
    """One row as a JSON object. JSON has no Infinity or NaN: a float SQLite overflowed to
    infinity (``SELECT 1e308 * 10``) is null, where json.dumps wrote ``Infinity``, which no
    strict JSON reader (jq, JavaScript) accepts."""
    values = [None if isinstance(v, float) and not math.isfinite(v) else v for v in row]
    item = dict(zip(columns, values, strict=True))
    return json.dumps(item, ensure_ascii=False, default=_jsonable)


def _jsonable(value: Any) -> Any:
    if isinstance(value, bytes):
        return _blob(value)
    raise TypeError(type(value).__name__)


def _print_json_array(result: query_lib.QueryResult) -> None:
    """A JSON array written row by row, so a large result never sits in memory."""
    first = True
    click.echo("[", nl=False)
    for row in result.rows:
        item = _json_row(result.columns, row)
        click.echo(("\n " if first else ",\n ") + item, nl=False)
        first = False
    click.echo("\n]" if not first else "]")


def _cell(value: Any, width: int) -> str:
    if value is None:
        return ""
    text = _blob(value) if isinstance(value, bytes) else str(value)
    text = " ".join(text.split()) if ("\n" in text or "\t" in text) else text
    return text if not width or len(text) <= width else text[: width - 1] + "…"


def _print_table(columns: list[str], rows: Any, width: int, sample: int = 1000) -> None:
    """Aligned columns; widths come from the first ``sample`` rows so output streams."""
    head: list[list[str]] = []
    for row in rows:
        head.append([_cell(v, width) for v in row])
        if len(head) >= sample:
            break
    widths = [max([len(c)] + [len(r[i]) for r in head]) for i, c in enumerate(columns)]

    def line(cells: list[str]) -> str:
        return "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()

    click.echo(line(columns))
    click.echo(line(["-" * w for w in widths]))
    for cells in head:
        click.echo(line(cells))
    for row in rows:
        click.echo(line([_cell(v, width) for v in row]))


# -- ingest search ----------------------------------------------------------------------------

_BOLD, _RESET = "\x1b[1;33m", "\x1b[0m"


@click.command()
@click.argument("words", nargs=-1, required=True)
@db_option
@filter_options
@click.option(
    "--limit",
    default=20,
    show_default=True,
    type=click.IntRange(min=1),
    help="Show at most this many articles.",
)
@click.option("--newest", is_flag=True, help="Newest first instead of best match first.")
@click.option("--json", "as_json", is_flag=True, help="Print the hits as JSON.")
def search(
    words: tuple[str, ...],
    db: str,
    sources: tuple[str, ...],
    languages: tuple[str, ...],
    since: str | None,
    until: str | None,
    limit: int,
    newest: bool,
    as_json: bool,
) -> None:
    """Full-text search of titles and texts, best matches first, with highlighted snippets.

    Plain words must all appear (in any order, accents ignored); "exact phrase", OR, NOT,
    prefix* and title:word work as in SQLite FTS5.

    \b
    Examples:
        ingest search harbour bridge
        ingest search '"climate change" OR flooding' --lang en --since 2024-01-01
        ingest search election --source bbc --source npr --limit 5 --json
    """
    tty = sys.stdout.isatty() and not as_json
    hits = query_lib.search(
        db,
        " ".join(words),
        sources=sources,
        languages=languages,
        since=since,
        until=until,
        limit=limit,
        newest=newest,
        marks=(_BOLD, _RESET) if tty else ("[", "]"),
    )
    if as_json:
        click.echo(json.dumps(hits, ensure_ascii=False, indent=2))
        return
    if not hits:
        click.echo(f"No article matches {' '.join(words)!r}.", err=True)
        return
    for hit in hits:
        click.echo(_format_hit(hit))
    click.echo(
        f"{len(hits)} article{'s' if len(hits) != 1 else ''}"
        + (" (use --limit for more)" if len(hits) == limit else ""),
        err=True,
    )


def _format_hit(hit: dict[str, Any]) -> str:
    meta = " · ".join(
        str(x)
        for x in (hit["source"], hit["language"] or "?", hit["published_at"] or "no date")
        if x
    )
    return (
        f"{hit['rank']}. {hit['title_marked'] or hit['title'] or '(no title)'}\n"
        f"   {meta} · score {hit['score']:.2f}\n   {hit['url']}\n   {hit['snippet']}\n"
    )


# -- ingest stats -----------------------------------------------------------------------------


@click.command()
@db_option
@click.option("--json", "as_json", is_flag=True, help="Print the statistics as JSON.")
def stats(db: str, as_json: bool) -> None:
    """Articles per source and language, publication dates, and each source's last run.

    \b
    Examples:
        ingest stats
        ingest stats --db data/demo.db --json
    """
    data = query_lib.stats(db)
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    click.echo(_stats_text(data))


def _published_range(t: dict[str, Any]) -> str:
    if t["published_from"] is None:  # nothing stored, or no article with a date
        return f"no publication dates ({t['without_date']} articles without one)"
    span = f"published {t['published_from']} to {t['published_to']}"
    return f"{span} ({t['without_date']} without a date)"


def _stats_text(data: dict[str, Any]) -> str:
    t = data["totals"]
    lines = [
        f"{data['database']}: {t['articles']} articles from {t['sources']} sources in "
        f"{t['languages']} languages, {t['words']} words, {t['runs']} runs",
        _published_range(t),
        "",
    ]
    rows = [
        [
            s["source"],
            str(s["articles"]),
            ",".join(s["languages"]) or "-",
            s["published_from"] or "-",
            s["published_to"] or "-",
            _run_text(s["last_run"]),
        ]
        for s in data["sources"]
    ]
    lines += _table(
        ["source", "articles", "languages", "first published", "last published", "last run"], rows
    )
    lines.append("")
    lines += _table(
        ["language", "articles"], [[x["language"], str(x["articles"])] for x in data["languages"]]
    )
    run = data["last_run"]
    if run:
        lines += [
            "",
            f"last run: #{run['id']} {run['status']}, started {run['started_at']}, "
            f"finished {run['finished_at'] or '-'}: {run['pages_fetched'] or 0} URLs, "
            f"{run['articles_new'] or 0} new, {run['articles_updated'] or 0} updated, "
            f"{run['articles_unchanged'] or 0} unchanged, {run['errors'] or 0} errors",
        ]
    return "\n".join(lines)


def _run_text(run: dict[str, Any] | None) -> str:
    if not run:
        return "-"
    counts = sorted(run["outcomes"].items(), key=lambda kv: (-kv[1], kv[0]))
    outcomes = ", ".join(f"{n} {k}" for k, n in counts) or "no URLs"
    when = (run["finished_at"] or run["started_at"] or "")[:16].replace("T", " ")
    return f"#{run['id']} {run['status']} {when}: {outcomes}"


def _table(columns: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max([len(c)] + [len(r[i]) for r in rows]) for i, c in enumerate(columns)]
    return [
        "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()
        for r in [columns, ["-" * w for w in widths], *rows]
    ]


# -- ingest serve -----------------------------------------------------------------------------


@click.command()
@db_option
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on; 0.0.0.0 makes it reachable from other machines.",
)
@click.option("--port", default=8001, show_default=True, type=int, help="Port to listen on.")
def serve(db: str, host: str, port: int) -> None:
    """Browse and search the database in Datasette (web UI, read-only) until Ctrl-C.

    Articles are faceted by source and language, sorted newest first, and searchable through
    the full-text index; the 'search' query ranks hits and shows snippets.

    \b
    Examples:
        ingest serve                       # http://127.0.0.1:8001/news/articles
        ingest serve --db data/demo.db --port 8080
    """
    from ingest import serve as serve_lib

    query_lib.connect_readonly(db).close()  # missing or foreign database: say so first
    serve_lib.check_port(host, port)
    click.echo(f"Serving {db} at {serve_lib.url_of(db, host, port)} (Ctrl-C to stop)", err=True)
    serve_lib.serve(db, host=host, port=port)


# -- ingest export ----------------------------------------------------------------------------


@click.command()
@click.option(
    "--format",
    "fmt",
    metavar="[jsonl|csv|parquet]",
    help="File format (default: from the --out suffix).",
)
@click.option(
    "--out",
    "-o",
    required=True,
    metavar="PATH",
    help="Data file to write; the card goes to PATH.card.md.",
)
@db_option
@filter_options
@click.option("--limit", type=click.IntRange(min=1), help="Export at most this many articles.")
@click.option("--min-words", type=click.IntRange(min=0), help="Only articles this long.")
@click.option("--search", metavar="WORDS", help="Only articles matching this full-text search.")
@click.option(
    "--fields",
    metavar="A,B,...",
    help="Columns to export, in this order (default: all columns of articles).",
)
@click.option(
    "--exclude-duplicates",
    is_flag=True,
    help="Keep one copy of articles with the same or nearly the same text and title.",
)
@click.option("-q", "--quiet", is_flag=True, help="No progress bar and no summary (for cron).")
def export(
    fmt: str | None,
    out: str,
    db: str,
    sources: tuple[str, ...],
    languages: tuple[str, ...],
    since: str | None,
    until: str | None,
    limit: int | None,
    min_words: int | None,
    search: str | None,
    fields: str | None,
    exclude_duplicates: bool,
    quiet: bool,
) -> None:
    """Write articles to a JSONL, CSV or Parquet dataset with a dataset card next to it.

    Streams in constant memory; the same database and filters give byte-identical JSONL and
    CSV. Parquet has typed columns (timestamps in UTC, authors and tags as lists).

    \b
    Examples:
        ingest export --format jsonl --out datasets/news.jsonl
        ingest export --out news.parquet --lang en --since 2024-01-01 --min-words 150
        ingest export --format csv --out bbc.csv --source bbc --fields url,title,published_at
        ingest export --out climate.jsonl --search climate --exclude-duplicates --quiet
    """
    from ingest import export as export_lib  # pyarrow: imported only when exporting

    ctx = click.get_current_context()
    with _progress(quiet) as progress:
        result = export_lib.export(
            db,
            out,
            format=fmt,
            fields=fields,
            sources=sources,
            languages=languages,
            since=since,
            until=until,
            min_words=min_words,
            search=search,
            limit=limit,
            exclude_duplicates=exclude_duplicates,
            progress=progress,
            command=_command_line(ctx),
        )
    if not quiet:
        dupes = f", {result.duplicates_excluded} duplicates left out" if exclude_duplicates else ""
        click.echo(
            f"Wrote {result.rows} articles to {result.path} ({_size(result.bytes)}, "
            f"sha256 {result.sha256[:12]}…){dupes}; card: {result.card}",
            err=True,
        )


def _size(count: int) -> str:
    for unit in ("bytes", "kB", "MB", "GB"):
        if count < 1000 or unit == "GB":
            return f"{count} {unit}" if unit == "bytes" else f"{count:.1f} {unit}"
        count /= 1000
    return str(count)


class _progress:
    """A rich progress bar on a terminal (stderr); nothing when quiet or not a terminal."""

    def __init__(self, quiet: bool) -> None:
        self.bar: Any = None
        if not quiet and sys.stderr.isatty():
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeRemainingColumn,
            )

            self.bar = Progress(
                TextColumn("exporting"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeRemainingColumn(),
                console=Console(stderr=True),
                transient=True,
            )
            self.task = self.bar.add_task("export", total=None)

    def __enter__(self) -> Any:
        if self.bar is None:
            return None
        self.bar.start()
        return self.update

    def update(self, done: int, total: int | None) -> None:
        self.bar.update(self.task, completed=done, total=total)

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()


def _command_line(ctx: click.Context) -> str:
    """The command as the user could retype it, from the parsed options (for the card)."""
    parts = ["ingest", ctx.info_name or "export"]
    for param in ctx.command.params:
        value = ctx.params.get(param.name or "")
        if (
            not isinstance(param, click.Option)
            or value in (None, (), False)
            or value == param.default
        ):
            continue
        flag = max(param.opts, key=len)
        if param.is_flag:
            parts.append(flag)
        else:
            for item in value if param.multiple else (value,):
                parts += [flag, str(item)]
    return shlex.join(parts)


COMMANDS = [query, search, stats, serve, export]
