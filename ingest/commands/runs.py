"""``ingest schedule``, ``ingest runs`` and ``ingest reclean``: running crawls for months.

Thin layers over :mod:`ingest.schedule`, :mod:`ingest.health` and :mod:`ingest.reclean`.
"""

from __future__ import annotations

import contextlib
import json
import logging
import sqlite3
import sys
from datetime import datetime
from typing import Any

import click

from ingest.commands.options import db_option, settings_option, sources_option
from ingest.errors import UserError
from ingest.query import connect_readonly
from ingest.sources import DEFAULT_SOURCES_FILE

# -- ingest schedule ------------------------------------------------------------------------


@click.command()
@click.argument("names", nargs=-1)
@db_option()
@sources_option("Sources file (TOML); re-read when it changes.")
@click.option(
    "--every",
    "default_every",
    metavar="SPEC",
    help='Schedule for sources without their own `every` ("30m", "6h", "0 * * * *").',
)
@settings_option("Setting passed to every `ingest crawl` run (repeatable).")
@click.option(
    "--max-runs",
    type=click.IntRange(min=1),
    metavar="N",
    help="Stop after this many runs, at least 1 (default: never).",
)
def schedule(
    names: tuple[str, ...],
    db: str,
    sources_file: str,
    default_every: str | None,
    overrides: tuple[str, ...],
    max_runs: int | None,
) -> None:
    """Crawl each source on its own `every` schedule until Ctrl-C or SIGTERM.

    Every source with `every = "30m"` (s/m/h/d) or a cron line (`every = "0 */6 * * *"`,
    local time) in the sources file is crawled by an `ingest crawl NAME` child process when
    due; sources due together share a run. Each run is logged with its figures. Ctrl-C or
    SIGTERM stops the running crawl gracefully (nothing stored is lost) and then the scheduler.

    \b
    Examples:
        ingest schedule --db data/news.db
        ingest schedule guardian bbc --every 1h
    """
    from ingest.commands.crawl import _parse_overrides
    from ingest.crawl import check_settings, scrapy_settings
    from ingest.schedule import Scheduler

    # Every run gets these: a bad one is refused now, not at each slot (the runs all failed).
    settings = _parse_overrides(overrides)
    check_settings(scrapy_settings(db, settings), settings)
    _log_to_stderr()
    crawl_args = [arg for pair in overrides for arg in ("-s", pair)]
    scheduler = Scheduler(
        db, sources_file, names, default_every=default_every, crawl_args=crawl_args
    )
    sys.exit(scheduler.run(max_runs=max_runs))


def _log_to_stderr() -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    for name in ("ingest.schedule", "ingest.lock"):
        logger = logging.getLogger(name)
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False


# -- ingest runs ----------------------------------------------------------------------------

_COLUMNS = [
    ("id", "run"),
    ("started_at", "started"),
    ("duration", "took"),
    ("status", "status"),
    ("sources", "sources"),
    ("pages_fetched", "fetched"),
    ("discovery_pages", "discovery"),
    ("articles_new", "new"),
    ("articles_updated", "updated"),
    ("articles_unchanged", "same"),
    ("not_modified", "304"),
    ("duplicates", "dup"),
    ("errors", "errors"),
    ("message", "message"),
]


@click.command()
@db_option()
@click.option(
    "-n",
    "--limit",
    default=20,
    show_default=True,
    type=click.IntRange(min=1),
    help="How many recent runs.",
)
@click.option("--source", metavar="NAME", help="Only runs that crawled this source.")
@click.option("--id", "run_id", type=int, help="Show one run in full, with per-source health.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (health parsed).")
def runs(db: str, limit: int, source: str | None, run_id: int | None, as_json: bool) -> None:
    """List recent runs with their figures (newest first), or one run's health in full.

    \b
    Status: finished; degraded (finished, but a source looks broken: see message);
    interrupted (Ctrl-C/SIGTERM); killed (the process died, found by a later run); running.
    """
    rows = _runs(db, limit, source, run_id)
    if as_json:
        click.echo(json.dumps([_parsed(r) for r in rows], indent=2, ensure_ascii=False))
    elif run_id is not None:
        if not rows:
            raise UserError(f"{db}: no run {run_id}; see `ingest runs --db {db}`")
        click.echo(_detail(rows[0]))
    elif not rows:
        click.echo(f"no runs of source {source} yet" if source else "no runs yet")
    else:
        click.echo("\n".join(_table(rows)))


def _runs(db: str, limit: int, source: str | None, run_id: int | None) -> list[dict[str, Any]]:
    conn = connect_readonly(db, require_articles=False)  # missing, not SQLite: one line
    conn.row_factory = sqlite3.Row
    try:
        sql, params = "SELECT * FROM runs", []
        if run_id is not None:
            sql, params = sql + " WHERE id = ?", [run_id]
        elif source:
            sql += " WHERE EXISTS (SELECT 1 FROM json_each(runs.sources) WHERE value = ?)"
            params = [source]
        return [dict(r) for r in conn.execute(sql + " ORDER BY id DESC LIMIT ?", [*params, limit])]
    except sqlite3.DatabaseError as exc:
        raise UserError(f"{db}: cannot read runs ({exc})") from None
    finally:
        conn.close()


def _parsed(row: dict[str, Any]) -> dict[str, Any]:
    out = dict(row)
    for key in ("sources", "dropped", "health"):
        with contextlib.suppress(ValueError):
            out[key] = json.loads(row[key]) if row[key] else None
    return out


def _duration(row: dict[str, Any]) -> str:
    if not row["finished_at"]:
        return ""
    seconds = int(
        (
            datetime.fromisoformat(row["finished_at"]) - datetime.fromisoformat(row["started_at"])
        ).total_seconds()
    )
    return (
        f"{seconds // 3600}h{seconds // 60 % 60:02d}m"
        if seconds >= 3600
        else (f"{seconds // 60}m{seconds % 60:02d}s" if seconds >= 60 else f"{seconds}s")
    )


def _cell(row: dict[str, Any], key: str) -> str:
    if key == "duration":
        return _duration(row)
    if key == "started_at":
        return (row[key] or "")[:19].replace("T", " ")
    if key == "sources":
        names = _parsed(row)["sources"] or []
        text = ",".join(names) if isinstance(names, list) else str(names)
        return text if len(text) <= 24 else text[:23] + "…"
    value = row.get(key)
    if key == "message" and value and len(value) > 60:
        return value[:59] + "…"
    return "" if value is None else str(value)


def _table(rows: list[dict[str, Any]]) -> list[str]:
    cells = [[_cell(r, key) for key, _ in _COLUMNS] for r in rows]
    heads = [head for _, head in _COLUMNS]
    widths = [max(len(h), *(len(c[i]) for c in cells)) for i, h in enumerate(heads)]
    numeric = {
        i
        for i, (k, _) in enumerate(_COLUMNS)
        if k not in ("started_at", "status", "sources", "message")
    }

    def line(values: list[str]) -> str:
        parts = [
            v.rjust(w) if i in numeric else v.ljust(w)
            for i, (v, w) in enumerate(zip(values, widths, strict=True))
        ]
        return "  ".join(parts).rstrip()

    return [line(heads), *(line(c) for c in cells)]


_HEALTH = [
    ("pages_fetched", "fetched"),
    ("discovery_pages", "discovery"),
    ("articles", "articles"),
    ("new", "new"),
    ("not_modified", "304"),
    ("errors", "errors"),
    ("http_403", "403"),
    ("http_429", "429"),
    ("error_rate", "err%"),
    ("empty_share", "empty%"),
    ("no_date_share", "nodate%"),
]


def _detail(row: dict[str, Any]) -> str:
    data = _parsed(row)
    lines = [
        f"run {row['id']}: {row['status']}, {row['started_at']} -> {row['finished_at'] or '…'}"
        f" ({_duration(row) or 'not finished'}), pid {row['pid']} on {row['host']}",
        f"sources: {', '.join(data['sources'] or [])}",
        f"fetched {row['pages_fetched']} URLs ({row['discovery_pages']} discovery pages): "
        f"{row['articles_new']} new, {row['articles_updated']} updated, "
        f"{row['articles_unchanged']} unchanged, {row['not_modified']} not modified, "
        f"{row['duplicates']} duplicates, {row['errors']} errors",
        f"dropped: {json.dumps(data['dropped'] or {}, sort_keys=True)}",
    ]
    if row["message"]:
        lines.append(f"message: {row['message']}")
    health = data["health"] or {}
    if isinstance(health, dict) and health:
        rows = []
        for name, figures in sorted(health.items()):
            rows.append([name, *(_figure(figures.get(k), k) for k, _ in _HEALTH)])
        heads = ["source", *(h for _, h in _HEALTH)]
        widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(heads)]
        lines.append("health:")
        for values in [heads, *rows]:
            lines.append(
                "  "
                + "  ".join(
                    v.ljust(w) if i == 0 else v.rjust(w)
                    for i, (v, w) in enumerate(zip(values, widths, strict=True))
                )
            )
        for _name, figures in sorted(health.items()):
            for alert in figures.get("alerts") or []:
                lines.append(f"  ALERT {alert}")
    return "\n".join(lines)


def _figure(value: Any, key: str) -> str:
    if value is None:
        return ""
    if key.endswith(("_share", "_rate")):
        return f"{float(value):.0%}"
    return str(value)


# -- ingest reclean -------------------------------------------------------------------------


@click.command()
@db_option()
@click.option("--source", "sources", multiple=True, metavar="NAME", help="Only this source.")
@click.option(
    "--sources",
    "sources_file",
    type=click.Path(dir_okay=False),
    help=f"Sources file for per-source cleaning rules [default: {DEFAULT_SOURCES_FILE} if any].",
)
@click.option(
    "--workers",
    type=click.IntRange(min=0),
    help="Worker processes (default: one per CPU core; 0: extract in this process).",
)
@click.option("--dry-run", is_flag=True, help="Report what would change; write nothing.")
@click.option("-v", "--verbose", is_flag=True, help="List the URLs of changed articles.")
def reclean(
    db: str,
    sources: tuple[str, ...],
    sources_file: str | None,
    workers: int | None,
    dry_run: bool,
    verbose: bool,
) -> None:
    """Re-run extraction and cleaning over the stored raw pages, with no network.

    Articles whose text changes get a new version (the old text is kept in article_versions);
    changed metadata is updated in place; pages the new rules reject are reported, not deleted.

    \b
    Examples:
        ingest reclean --db data/news.db
        ingest reclean --source guardian --dry-run -v
    """
    from ingest.reclean import reclean as run_reclean

    names = [n for value in sources for n in value.split(",") if n]
    report = run_reclean(
        db, sources=names or None, sources_file=sources_file, workers=workers, dry_run=dry_run
    )
    click.echo(("dry run: " if dry_run else "") + report.summary())
    if verbose:
        for url in report.changed_urls:
            click.echo(f"changed: {url}")
        for url in report.dropped_urls:
            click.echo(f"no longer an article (kept): {url}")


COMMANDS = [schedule, runs, reclean]
