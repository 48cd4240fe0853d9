"""``ingest crawl``: run the news spider over sources, given URLs or a whole site."""

from __future__ import annotations

import json
import sys

import click
from click.core import ParameterSource

from ingest.commands.options import db_option, redis_option, settings_option, sources_option


@click.command()
@click.argument("names", nargs=-1)
@db_option("SQLite database to write.")
@sources_option()
@click.option("--url", "urls", multiple=True, help="Ingest this article URL (repeatable).")
@click.option("--site", help="Crawl a site not in the sources file, discovering its feeds.")
@settings_option("Override a Scrapy/ingest setting, e.g. -s CONCURRENT_REQUESTS=8.")
@click.option(
    "--refetch",
    is_flag=True,
    help="Fetch every discovered URL again, even those stored and unchanged.",
)
@redis_option(
    "Be one of N workers sharing a Redis queue (redis://HOST:PORT/N); `ingest drain` "
    "stores the results. Also INGEST_REDIS_URL."
)
@click.option("-v", "--verbose", count=True, help="Show Scrapy's log (-vv for debug).")
def crawl(
    names: tuple[str, ...],
    db: str,
    sources_file: str,
    urls: tuple[str, ...],
    site: str | None,
    overrides: tuple[str, ...],
    refetch: bool,
    redis_url: str | None,
    verbose: int,
) -> None:
    """Crawl SOURCES from the sources file (all when none are named) into --db.

    \b
    Examples:
        ingest crawl                       # every source in sources.toml
        ingest crawl demo-news bbc --db data/news.db
        ingest crawl --url https://example.com/news/some-article.html
        ingest crawl --site https://example.com/
        ingest crawl --redis redis://10.0.0.5:6379/0 demo-news   # a distributed worker

    \b
    Exit status: 0 done; 3 done, but a source looks broken (health alert);
    75 another run holds the database; 130 interrupted; 2 bad input; 1 failed.
    """
    level = {0: "WARNING", 1: "INFO"}.get(verbose, "DEBUG")
    settings = {"LOG_LEVEL": level, **_parse_overrides(overrides)}
    if refetch:
        settings["INGEST_REFETCH"] = True
    if redis_url is not None and not redis_url.strip():  # `--redis "$UNSET"`: not a local crawl
        raise click.BadParameter(
            "is empty; give redis://HOST:PORT/N (no --redis: a local crawl)", param_hint="--redis"
        )
    if redis_url:
        settings["INGEST_REDIS_URL"] = redis_url
    if settings.get("INGEST_EXTRACT_WORKERS") != "0":
        # Before Scrapy and SQLite are imported: the fork server loads the extraction stack on
        # the other core meanwhile (ingest.workers).
        from ingest.workers import start_fork_server

        start_fork_server()
    from ingest import crawl as crawl_lib
    from ingest.health import DEGRADED, exit_status

    db_source = click.get_current_context().get_parameter_source("db")
    worker = settings.get("INGEST_REDIS_URL")  # --redis, INGEST_REDIS_URL or -s
    crawl_lib.check_worker_db(worker, db_source is not ParameterSource.DEFAULT)
    row = crawl_lib.crawl(
        db,
        sources_file=sources_file,
        names=list(names),
        urls=list(urls),
        site=site,
        settings=settings,
    )
    if row.get("distributed"):  # a worker: the run's figures are the writer's
        from ingest.distributed import worker_summary

        click.echo(worker_summary(row))
        if row.get("message"):
            click.echo(f"Error: {row['message']}", err=True)
        sys.exit(exit_status(row))
    click.echo(run_summary(row))
    if row["status"] == DEGRADED:
        click.echo(f"Health alert: {row['message']}", err=True)
    elif row["status"] == "failed" and row.get("message"):
        click.echo(f"Error: {row['message']}", err=True)
    sys.exit(exit_status(row))


def _parse_overrides(pairs: tuple[str, ...]) -> dict[str, str]:
    out = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise click.BadParameter(f"{pair!r} is not NAME=VALUE", param_hint="-s/--set")
        out[name.strip()] = value.strip()
    return out


def run_summary(row: dict) -> str:
    """One line for a finished run (``ingest crawl`` and ``ingest demo`` print it)."""
    if row.get("pages_fetched") is None:  # the run's end could not be written (a full disk)
        return (
            f"run {row['id']} {row['status']}: its figures could not be stored; what it stored "
            "is kept, and the next run records it as killed"
        )
    dropped = json.loads(row.get("dropped") or "{}")
    parts = [
        f"run {row['id']} {row['status']}: {row['pages_fetched']} URLs fetched",
        f"{row['discovery_pages']} discovery pages",
        f"{row['articles_new']} new",
        f"{row['articles_updated']} updated",
        f"{row['articles_unchanged']} unchanged",
        f"{row['not_modified']} not modified",
        f"{row['duplicates']} duplicates",
    ]
    if dropped:
        parts.append("dropped " + ", ".join(f"{k} {v}" for k, v in sorted(dropped.items())))
    return ", ".join(parts)


COMMANDS = [crawl]
