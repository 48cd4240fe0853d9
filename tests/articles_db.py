"""Real news-ingest databases for the query, search, export and serve tests.

``make_db`` stores a small, varied set of articles through :meth:`Store.write_batch` (the same
path a crawl takes) and records a finished run, so every reader sees what a crawl would leave.
``make_big_db`` bulk-inserts many small synthetic rows for the memory tests.
"""

from __future__ import annotations

import contextlib
import io
import os
import random
import sqlite3
import subprocess
import sys
from pathlib import Path

from ingest.article import Article
from ingest.storage import PageResult, Store

ROOT = Path(__file__).resolve().parent.parent

ARTICLES = [
    Article(
        url="https://daily.example/2024/05/harbour-bridge.html",
        source="daily",
        title="Harbour bridge reopens after repairs",
        text="The harbour bridge reopened on Friday after six months of repairs.\n\n"
        '"It is a relief," said Maria Lopez, who crosses it every day.',
        authors=["Ana Ruiz", "Tom Berg"],
        published_at="2024-05-03T10:00:00+02:00",
        modified_at="2024-05-03T12:30:00+02:00",
        language="en",
        section="City",
        tags=["transport", "bridges"],
        description="Six months of repairs end.",
        site_name="The Daily",
    ),
    Article(
        url="https://daily.example/2024/05/council-budget.html",
        source="daily",
        title="Council approves the budget",
        text="The city council approved next year's budget by nine votes to four. "
        "Spending on the harbour rises.",
        authors=["Tom Berg"],
        published_at="2024-05-20T18:45:00+00:00",
        language="en",
        section="Politics",
        tags=["council"],
        site_name="The Daily",
    ),
    Article(
        url="https://daily.example/2024/06/storm.html",
        source="daily",
        title="Storm closes schools",
        text="A storm closed every school in the region on Monday morning. "
        "Trains were cancelled and the ferry stayed in port.",
        authors=[],
        published_at="2024-06-10T23:30:00-05:00",
        language="en",
        tags=[],
        site_name="The Daily",
    ),
    Article(
        url="https://zeitung.example/2024/05/brucke.html",
        source="zeitung",
        title="Die Hafenbrücke ist wieder offen",
        text="Die Hafenbrücke wurde am Freitag nach sechs Monaten Bauzeit wieder eröffnet. "
        "Pendler sind erleichtert.",
        authors=["Jana Müller"],
        published_at="2024-05-03T09:00:00+02:00",
        language="de",
        tags=["Verkehr"],
        site_name="Die Zeitung",
    ),
    Article(
        url="https://zeitung.example/2024/05/wahl.html",
        source="zeitung",
        title="Wahlbeteiligung so hoch wie nie",
        text="Die Wahlbeteiligung lag bei 78 Prozent, so hoch wie nie zuvor in der Stadt.",
        authors=["Jana Müller", "Lukas Kern"],
        published_at=None,
        language="de",
        tags=["Wahl", "Politik"],
        site_name="Die Zeitung",
    ),
]


def page(article: Article) -> PageResult:
    """The result a crawl hands to storage for one fetched article page."""
    return PageResult(
        url=article.url,
        source=article.source or "daily",
        outcome="new",
        http_status=200,
        article=article.to_dict(),
    )


def make_db(path: Path, articles: list[Article] | None = None) -> Path:
    """A news-ingest database holding ``articles`` (default :data:`ARTICLES`) and one run."""
    store = Store(path)
    try:
        run = store.start_run(sorted({a.source or "daily" for a in articles or ARTICLES}))
        store.write_batch(run, [page(a) for a in articles or ARTICLES])
        store.write_batch(
            run,
            [
                PageResult(
                    url="https://daily.example/tag/x",
                    source="daily",
                    outcome="not_article",
                    http_status=200,
                )
            ],
        )
        store.finish_run(run, "finished")
    finally:
        store.close()
    return path


WORDS = [
    "harbour",
    "council",
    "storm",
    "bridge",
    "school",
    "ferry",
    "budget",
    "election",
    "river",
    "market",
    "train",
    "festival",
    "museum",
    "hospital",
    "weather",
    "police",
    "court",
    "library",
    "stadium",
    "airport",
]


def make_big_db(path: Path, rows: int, *, seed: int = 7) -> Path:
    """A real database with ``rows`` small synthetic articles, inserted in bulk (fast)."""
    Store(path).close()  # schema and FTS triggers, as a crawl creates them
    rnd = random.Random(seed)
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = OFF")

    def gen():
        for i in range(rows):
            words = " ".join(rnd.choice(WORDS) for _ in range(40))
            yield (
                f"https://big.example/{i:08d}",
                f"src{i % 5}",
                f"Story {i} {rnd.choice(WORDS)}",
                '["A. Writer"]',
                f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}T08:00:00+00:00",
                "en" if i % 3 else "de",
                words,
                40,
                f"{i:032x}",
                '["t"]',
                1,
            )

    with conn:
        # Index the text once at the end ("rebuild"), not row by row through the trigger.
        (trigger,) = conn.execute(
            "SELECT sql FROM sqlite_master WHERE name = 'articles_ai'"
        ).fetchone()
        conn.execute("DROP TRIGGER articles_ai")
        conn.executemany(
            "INSERT INTO articles (url, source, title, authors, published_at, language, text,"
            " word_count, content_hash, tags, version) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            gen(),
        )
        conn.execute("INSERT INTO articles_fts (articles_fts) VALUES ('rebuild')")
        conn.execute(trigger)
    conn.close()
    return path


def ingest(
    *args: str, cwd: Path | None = None, timeout: float = 120
) -> subprocess.CompletedProcess:
    """Run the real ``ingest`` command line (``python -m ingest``) and capture its output."""
    return subprocess.run(
        [sys.executable, "-m", "ingest", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=timeout,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


def assert_one_line_error(result: subprocess.CompletedProcess, *words: str) -> None:
    """Exit status 2 and a single stderr line that names the problem (no traceback)."""
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 2, (result.returncode, result.stderr)
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    for word in words:
        assert word in lines[0], (word, lines[0])


def main(*args: object) -> subprocess.CompletedProcess:
    """Run ``ingest.cli.main`` (the console-script entry, with its error handling) in this
    process: the same code path as the ``ingest`` binary, without a second of start-up."""
    from ingest.cli import main as entry

    out, err, code = io.StringIO(), io.StringIO(), 0
    argv = sys.argv
    sys.argv = ["ingest", *map(str, args)]
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            entry()
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    finally:
        sys.argv = argv
    return subprocess.CompletedProcess(list(args), code, out.getvalue(), err.getvalue())
