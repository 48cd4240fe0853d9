"""``ingest demo``: crawl the bundled demo news sites into a database and show what was stored."""

from __future__ import annotations

import json
import sqlite3
import tempfile
import time
from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ingest.commands.crawl import run_summary
from ingest.demo import DEMO_PORTS, DEMO_SITES, build_demo, serve_demo, sources_toml
from ingest.query import fts_query, search


@click.command("demo")
@click.option(
    "--db",
    default="data/demo.db",
    show_default=True,
    type=click.Path(dir_okay=False),
    help="Database to crawl the demo sites into.",
)
@click.option("--serve", is_flag=True, help="Only serve the demo sites (Ctrl-C stops).")
@click.option(
    "--search",
    "query",
    default="ferry",
    show_default=True,
    help="Words for the sample full-text search.",
)
def demo_command(db: str, serve: bool, query: str) -> None:
    """Serve the bundled demo news sites on 127.0.0.1, crawl them into --db, show the result.

    \b
    Examples:
        ingest demo                      # what `make demo` runs
        ingest demo --serve              # keep the sites up; then: ingest crawl demo-news
    """
    fts_query(query, syntax=False)  # no words to search for: say so before crawling
    console = Console()
    with tempfile.TemporaryDirectory(prefix="news-ingest-demo-") as tmp:
        root = Path(tmp)
        build_demo(root)
        with serve_demo(root) as bases:
            for theme, base in bases.items():
                console.print(f"serving demo site [bold]{theme}[/] at {base}/")
            if serve:
                _crawl_hint(console, db, bases)
                _wait_forever(console)
                return
            from ingest.crawl import crawl  # Scrapy: imported only when a crawl runs

            sources_file = _write_sources(db, bases)
            console.print(f"crawling {len(DEMO_SITES)} sites into {db} ...")
            row = crawl(db, sources_file=sources_file, settings={"LOG_LEVEL": "WARNING"})
    show(console, db, row, query)


def _write_sources(db: str, bases: dict[str, str]) -> Path:
    """The sources file for the sites as served, next to ``db``."""
    sources_file = Path(db).with_suffix(".sources.toml")
    sources_file.parent.mkdir(parents=True, exist_ok=True)
    sources_file.write_text(sources_toml(bases), encoding="utf-8")
    return sources_file


def _crawl_hint(console: Console, db: str, bases: dict[str, str]) -> None:
    """How to crawl the served sites. ``sources.toml`` names the usual ports; when one was
    taken, the demo-news entry there points at whatever holds it, so a sources file with the
    ports used is written and named."""
    if all(base.endswith(f":{DEMO_PORTS[theme]}") for theme, base in bases.items()):
        console.print("crawl them with: ingest crawl demo-news")
        return
    sources_file = _write_sources(db, bases)
    console.print(
        f"a demo port was taken, so sources.toml does not point here; crawl them with: "
        f"ingest crawl demo-news --sources {sources_file}",
        soft_wrap=True,
    )


def _wait_forever(console: Console) -> None:
    console.print("Ctrl-C to stop.")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        console.print("stopped")


def show(console: Console, db: str, run: dict, query: str) -> None:
    """Print what the demo stored: run figures, articles per source, titles, a search."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    # Not wrapped at the console's width: the line is read, copied and compared whole.
    console.print("\n" + escape(run_summary(run)), soft_wrap=True)
    per_source = Table("source", "articles", "languages", "words", title="Articles per source")
    for row in conn.execute(
        "SELECT source, count(*), group_concat(DISTINCT language), "
        "sum(word_count) FROM articles GROUP BY source ORDER BY source"
    ):
        per_source.add_row(*(str(v) for v in row))
    console.print(per_source)
    titles = Table("published", "source", "title", "authors", title="Latest articles")
    for published, source, title, authors in conn.execute(
        "SELECT published_at, source, title, authors FROM articles "
        "ORDER BY published_at DESC LIMIT 8"
    ):
        titles.add_row(
            published or "", source, escape(title or ""), escape(", ".join(json.loads(authors)))
        )
    console.print(titles)
    hits = Table("title", "snippet", title=f"Full-text search: {query!r}")
    # As `ingest search` reads the words: FTS5 syntax when valid, else plain words.
    for hit in search(db, query, limit=5, marks=("\x01", "\x02"), snippet_words=12):
        marked = escape(hit["snippet"]).replace("\x01", "[bold yellow]").replace("\x02", "[/]")
        hits.add_row(escape(hit["title"] or ""), marked)
    console.print(hits)
    console.print(f"Database: {db}  (try: ingest search {query!r} --db {db})")


COMMANDS = [demo_command]
