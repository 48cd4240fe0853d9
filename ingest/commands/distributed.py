"""``ingest drain``: the single writer of a distributed crawl (Redis results -> SQLite)."""

from __future__ import annotations

import json
import signal
from typing import TYPE_CHECKING

import click

from ingest.commands.options import db_option, redis_option

if TYPE_CHECKING:
    from ingest.distributed import DrainStats


@click.command("drain")
@redis_option(
    "Redis of the crawl workers, redis://HOST:PORT/N (or INGEST_REDIS_URL).", required=True
)
@db_option("SQLite database to write.")
@click.option(
    "--batch",
    default=200,
    show_default=True,
    type=click.IntRange(1, 5000),
    help="Results per transaction.",
)
@click.option(
    "--idle",
    "idle_exit",
    default=0.0,
    show_default=True,
    type=click.FloatRange(0),
    help="Stop after this many seconds without results while no run is active (0: never).",
)
@click.option("--status", is_flag=True, help="Show queue lengths and workers, then exit.")
@click.option("--json", "as_json", is_flag=True, help="With --status: print JSON.")
@click.option("-q", "--quiet", is_flag=True, help="No progress lines.")
def drain(
    redis_url: str,
    db: str,
    batch: int,
    idle_exit: float,
    status: bool,
    as_json: bool,
    quiet: bool,
) -> None:
    """Store the results of `ingest crawl --redis` workers into --db, as the only writer.

    Results move to a processing list, are stored in batches (same upsert, dedup and fetch log
    as a local crawl) and leave the processing list only after the commit; a restarted drain
    stores what a killed one left there, skipping what was already committed.

    \b
    Examples:
        ingest drain --redis redis://10.0.0.5:6379/0 --db data/news.db
        ingest drain --redis redis://10.0.0.5:6379/0 --db data/news.db --idle 60   # cron
        ingest drain --redis redis://10.0.0.5:6379/0 --status
    """
    if as_json and not status:  # alone it would start a writer on --db
        raise click.UsageError(
            "--json goes with --status: ingest drain --redis URL --status --json"
        )
    from ingest import distributed  # redis: imported only when a drain runs (--help stays quick)

    server = distributed.connect(redis_url)
    if status:
        data = distributed.status(server)
        click.echo(json.dumps(data, indent=2) if as_json else distributed.format_status(data))
        return
    writer = distributed.Drain(server, db, batch=batch, url=redis_url)
    for signum in (signal.SIGINT, signal.SIGTERM):  # before the locks: a stop is never lost
        signal.signal(signum, lambda *_: writer.stop())
    with writer:
        if not quiet:
            click.echo(f"draining {redis_url} into {db} (Ctrl-C stops after the current batch)")
        stats = writer.run(idle_exit=idle_exit, progress=None if quiet else _progress())
    click.echo(
        f"stored {stats.results} results in {stats.batches} batches, "
        f"{stats.replayed} already stored, {stats.runs_finished} runs finished"
    )


def _progress():
    """A progress callback that prints at most one line per finished run or 1,000 results."""
    last = {"results": 0, "runs": 0}

    def show(stats: DrainStats) -> None:
        if stats.results - last["results"] >= 1000 or stats.runs_finished != last["runs"]:
            last.update(results=stats.results, runs=stats.runs_finished)
            click.echo(f"  {stats.results} results stored, {stats.runs_finished} runs finished")

    return show


COMMANDS = [drain]
