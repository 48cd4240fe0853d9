"""Shared parts of the scheduled-run tests: generated articles, sources files, real crawls.

Every crawl here is a real ``python -m ingest crawl`` child process (Scrapy's reactor cannot
restart inside the test process) against a site served on 127.0.0.1 by ingest.webserver.
"""

from __future__ import annotations

import os
import random
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from ingest.sitegen import Block, SiteArticle, build_site
from ingest.webserver import SiteHandler

ROOT = Path(__file__).resolve().parent.parent
START = datetime(2024, 3, 1, 8, 0, tzinfo=UTC)

_WORDS = [
    "harbour",
    "council",
    "ferry",
    "tide",
    "engineers",
    "budget",
    "river",
    "market",
    "volunteers",
    "station",
    "bridge",
    "school",
    "library",
    "museum",
    "farmers",
    "storm",
    "rail",
    "workers",
    "hospital",
    "festival",
    "energy",
    "turbine",
    "mayor",
    "residents",
    "archive",
    "orchestra",
    "league",
    "season",
    "coast",
    "village",
    "inspectors",
    "survey",
    "plan",
    "vote",
    "report",
    "museum",
    "schedule",
    "repair",
    "district",
    "committee",
    "garden",
    "transport",
]
_SECTIONS = ("Local", "Business", "Science")
_AUTHORS = ("Maya Okafor", "Jonas Hart", "Ines Duarte", "Tomasz Lis")


def sentence(rng: random.Random, number: int) -> str:
    words = [rng.choice(_WORDS) for _ in range(rng.randint(12, 20))]
    words.insert(rng.randint(1, len(words) - 1), f"item{number}")
    return " ".join(words).capitalize() + "."


def article(
    number: int, *, paragraphs: int = 5, modified: datetime | None = None, variant: str = ""
) -> SiteArticle:
    """Story ``number``: unique sentences (so no two articles share a text), fixed dates."""
    rng = random.Random(f"{number}{variant}")
    published = START + timedelta(hours=6 * number)
    body = [
        Block("p", " ".join(sentence(rng, number) for _ in range(3))) for _ in range(paragraphs)
    ]
    body.insert(2, Block("blockquote", f"We will keep working on case {number}, a speaker said."))
    return SiteArticle(
        slug=f"story-{number}-{_WORDS[number % len(_WORDS)]}",
        title=f"Story {number}: {_WORDS[number % len(_WORDS)]} {_WORDS[(number * 7) % 41]} news",
        authors=[_AUTHORS[number % len(_AUTHORS)]],
        published=published,
        modified=modified or published,
        section=_SECTIONS[number % len(_SECTIONS)],
        language="en",
        description=f"What happened in story {number}.",
        blocks=body,
        tags=["city"],
    )


def articles(count: int, first: int = 0) -> list[SiteArticle]:
    return [article(n) for n in range(first, first + count)]


def build(root: Path, items: list[SiteArticle], theme: str = "wordpress") -> Any:
    """(Re)write the whole site; returns the manifest."""
    return build_site(root, items, theme)


def write_sources(path: Path, base: str, name: str = "site", **extra: str) -> Path:
    """A sources file with one source reading the site's feed, its sitemaps (from robots.txt)
    and its home page (link-following, depth 1)."""
    lines = [
        f"[sources.{name}]",
        f'url = "{base}/"',
        'domains = ["127.0.0.1"]',
        f'feeds = ["{base}/feed/"]',
        "depth = 1",
        *(f"{k} = {v}" for k, v in extra.items()),
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def ingest_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "ingest", *args]


def env() -> dict[str, str]:
    """The child's environment: the project importable, no inherited INGEST_* settings."""
    out = {k: v for k, v in os.environ.items() if not k.startswith("INGEST_")}
    out["PYTHONPATH"] = str(ROOT) + os.pathsep + out.get("PYTHONPATH", "")
    return out


def crawl(db: Path, sources: Path, *args: str, timeout: float = 240) -> subprocess.CompletedProcess:
    """One real ``ingest crawl`` run, to completion."""
    return subprocess.run(
        ingest_cmd("crawl", "--db", str(db), "--sources", str(sources), *args),
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
        env=env(),
    )


def start_crawl(db: Path, sources: Path, *args: str) -> subprocess.Popen:
    """An ``ingest crawl`` child in its own process group (to signal it and its workers)."""
    return subprocess.Popen(
        ingest_cmd("crawl", "--db", str(db), "--sources", str(sources), *args),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env=env(),
        start_new_session=True,
    )


def query(db: Path, sql: str, params: tuple = ()) -> list[tuple]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def scalar(db: Path, sql: str, params: tuple = ()) -> Any:
    return query(db, sql, params)[0][0]


def run_row(db: Path, run_id: int) -> dict[str, Any]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    try:
        return dict(conn.execute("SELECT * FROM runs WHERE id = ?", (run_id,)).fetchone())
    finally:
        conn.close()


def wait_for(check: Callable[[], Any], timeout: float = 60, step: float = 0.1) -> Any:
    """Poll ``check`` until it returns something true; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            value = check()
        except sqlite3.OperationalError:  # table not created yet
            value = None
        if value:
            return value
        time.sleep(step)
    raise AssertionError(f"condition not met within {timeout} s")


def slow_route(delay: float, gate: threading.Event | None = None) -> Callable[[SiteHandler], None]:
    """A route serving the site's own files after ``delay`` seconds (a slow origin server), and
    only once ``gate`` is set, when given (a test then decides when a crawl may go on)."""

    def handle(handler: SiteHandler) -> None:
        if gate is not None:
            gate.wait(timeout=600)
        time.sleep(delay)
        target = handler._resolve(handler.path.split("?")[0])
        if target is None or target.is_dir():
            handler._not_found()
        else:
            handler._serve_file(target)

    return handle


def article_gets(server: Any, since: int = 0) -> list[str]:
    """Paths of article pages the server answered with a body, from log index ``since``."""
    return [
        path
        for method, path, status in server.log[since:]
        if method == "GET" and path.startswith("/20") and status == 200
    ]
