"""Running real crawls in their own processes and checking what they left in SQLite.

Scrapy's reactor cannot be restarted within one process, so every crawl here is the real
``ingest crawl`` command in a subprocess; its peak memory comes from ``wait4``. The checks read
the database file the crawl wrote: the fetch log, the articles and their full-text index rows,
and ``PRAGMA integrity_check``.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.reliability.faults import FaultSite, Story

ROOT = Path(__file__).resolve().parents[2]

#: Settings that keep fault crawls fast: short timeouts, short backoff, one extraction worker.
FAST = {
    "DOWNLOAD_TIMEOUT": "1.5",
    "RETRY_TIMES": "2",
    "RETRY_BACKOFF_BASE": "0.2",
    "RETRY_BACKOFF_MAX": "2",
    "RETRY_AFTER_MAX": "5",
    "DOWNLOAD_MAXSIZE": str(4 * 1024 * 1024),
    "DOWNLOAD_WARNSIZE": str(3 * 1024 * 1024),
    "INGEST_EXTRACT_WORKERS": "1",
    "INGEST_LOCK": "true",
}


#: Exit statuses of a crawl that ran to its end: 0, or 3 when the run's health check flags a
#: source (expected when half the URLs of a fault site fail).
COMPLETED = (0, 3)


@dataclass
class CrawlResult:
    """What a crawl process did: exit status, output, wall time and peak memory."""

    args: list[str]
    returncode: int
    stdout: str
    stderr: str
    seconds: float
    peak_rss_mb: float
    db: Path | None = None

    @property
    def traceback(self) -> bool:
        return "Traceback (most recent call last)" in self.stderr + self.stdout

    def brief(self) -> str:
        return f"exit {self.returncode} in {self.seconds:.1f} s; stderr: {self.stderr[-1500:]}"

    def figures(self) -> str:
        """Exit status, wall time and peak memory, for the report."""
        return f"exit {self.returncode} in {self.seconds:.1f} s, peak RSS {self.peak_rss_mb:.0f} MB"


def ingest_args(*args: str, settings: dict[str, str] | None = None) -> list[str]:
    """``python -m ingest ARGS -s K=V ...`` for the current interpreter."""
    out = [sys.executable, "-m", "ingest", *args]
    for key, value in (settings or {}).items():
        out += ["-s", f"{key}={value}"]
    return out


def start(args: list[str], env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    """Start ``args`` in its own process group (signals reach only it)."""
    proc = subprocess.Popen(
        args,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})},
        start_new_session=True,
    )
    proc.watch = Watch(proc)  # type: ignore[attr-defined]
    return proc


def finish(proc: subprocess.Popen[str], timeout: float, started: float) -> CrawlResult:
    """Wait for ``proc`` (killing it after ``timeout``), with its output and peak RSS."""
    watch: Watch = proc.watch  # type: ignore[attr-defined]
    timer = threading.Timer(timeout, _kill_group, args=(proc.pid,))
    timer.start()
    try:
        _, status = os.waitpid(proc.pid, 0)
    finally:
        timer.cancel()
        watch.peak.stop.set()
    proc.returncode = os.waitstatus_to_exitcode(status)
    for reader in watch.readers:
        reader.join(10)
    watch.peak.join(5)
    return CrawlResult(
        list(proc.args),  # type: ignore[arg-type]
        proc.returncode,
        watch.out.get("stdout", ""),
        watch.out.get("stderr", ""),
        (watch.peak.ended or time.monotonic()) - started,
        watch.peak.mb,
    )


class Watch:
    """From the moment a process starts: its output drained (a full pipe would block it) and
    its peak memory polled."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.out: dict[str, str] = {}
        self.readers = [
            threading.Thread(target=self._drain, args=(name, stream), daemon=True)
            for name, stream in (("stdout", proc.stdout), ("stderr", proc.stderr))
        ]
        self.peak = PeakRSS(proc.pid)
        for thread in (*self.readers, self.peak):
            thread.start()

    def _drain(self, name: str, stream: Any) -> None:
        self.out[name] = stream.read()


class PeakRSS(threading.Thread):
    """The high-water mark of a process's resident memory (``VmHWM``), polled until it exits.

    Not ``wait4``'s ``ru_maxrss``: Linux carries the RSS of the process *before* ``exec`` (a
    fork of this test process, hundreds of MB) into it, so it would measure pytest, not the
    crawl. ``VmHWM`` belongs to the exec'd program's own memory and only grows, so the last
    value read is the peak (give or take the last 20 ms).
    """

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.path = Path(f"/proc/{pid}/status")
        self.stop = threading.Event()
        self.mb = 0.0
        self.ended: float | None = None  # when the process exited (a zombie has no memory)

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                text = self.path.read_text()
            except OSError:
                text = ""
            if "VmHWM:" not in text:
                self.ended = time.monotonic()
                return
            for line in text.splitlines():
                if line.startswith("VmHWM:"):
                    self.mb = max(self.mb, int(line.split()[1]) / 1024)
            self.stop.wait(0.02)


def _kill_group(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGKILL)


class Background:
    """A command started now and collected later (output drained meanwhile, peak RSS kept)."""

    def __init__(self, args: list[str], db: Path | None = None) -> None:
        self.db = db
        self.started = time.monotonic()
        self.proc = start(args)
        self._result: CrawlResult | None = None
        self._lock = threading.Lock()

    def result(self, timeout: float) -> CrawlResult:
        """Wait for the command (killed ``timeout`` s after it started) and return its result."""
        with self._lock:
            if self._result is None:
                left = max(1.0, timeout - (time.monotonic() - self.started))
                self._result = finish(self.proc, left, self.started)
                self._result.db = self.db
            return self._result

    def kill(self) -> None:
        if self._result is None and self.proc.poll() is None:
            _kill_group(self.proc.pid)


def run(args: list[str], timeout: float = 120, env: dict[str, str] | None = None) -> CrawlResult:
    """Run a command to the end (killed after ``timeout`` seconds)."""
    started = time.monotonic()
    return finish(start(args, env), timeout, started)


def crawl(
    db: Path,
    sources: Path,
    *names: str,
    settings: dict[str, str] | None = None,
    timeout: float = 120,
) -> CrawlResult:
    """``ingest crawl NAMES --sources SOURCES --db DB`` with the fast settings."""
    args = ingest_args(
        "crawl", *names, "--sources", str(sources), "--db", str(db),
        settings={**FAST, **(settings or {})},
    )  # fmt: skip
    result = run(args, timeout)
    result.db = db
    return result


# --- reading the database ---------------------------------------------------------------------


def connect(db: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)
    conn.row_factory = sqlite3.Row
    return conn


def query(db: Path, sql: str, params: Iterable[Any] = ()) -> list[dict[str, Any]]:
    conn = connect(db)
    try:
        return [dict(r) for r in conn.execute(sql, tuple(params))]
    finally:
        conn.close()


def fetch_log(db: Path, url: str) -> list[dict[str, Any]]:
    """Fetch-log rows of ``url`` (in order)."""
    return query(db, "SELECT * FROM fetch_log WHERE url = ? ORDER BY id", [url])


def logged(rows: list[dict[str, Any]], width: int = 90) -> str:
    """Fetch-log rows in a few words for the report: ``failed (IgnoreRequest: ...)``."""
    parts = []
    for r in rows:
        status = f" {r['http_status']}" if r["http_status"] else ""
        detail = f" ({r['detail'][:width]})" if r["detail"] else ""
        parts.append(f"{r['outcome']}{status}{detail}")
    return "logged " + ("; ".join(parts) if parts else "nothing")


def outcomes(db: Path, url: str) -> list[str]:
    return [r["outcome"] for r in fetch_log(db, url)]


def article(db: Path, url: str) -> dict[str, Any] | None:
    found = query(db, "SELECT * FROM articles WHERE url = ?", [url])
    return found[0] if found else None


@dataclass
class Ledger:
    """Good stories versus what was stored: lost ones, and extra copies."""

    lost: list[str] = field(default_factory=list)
    duplicates: int = 0

    def ok(self) -> bool:
        return not self.lost and not self.duplicates


def ledger(db: Path, stories: dict[str, Story]) -> Ledger:
    """Every story stored once with all its sentences (keyed by URL), nothing stored twice.

    Lost: a story's URL has no article row, or a sentence of it is missing from the text.
    Duplicates: more than one row holds a story's marker sentence, or two rows share a
    content hash.
    """
    rows = query(db, "SELECT url, text, content_hash FROM articles")
    by_url = {r["url"]: r for r in rows}
    out = Ledger()
    for url, story in stories.items():
        row = by_url.get(url)
        if row is None or not all(p in (row["text"] or "") for p in story.paragraphs):
            out.lost.append(url)
        holders = sum(story.marker in (r["text"] or "") for r in rows)
        out.duplicates += max(0, holders - 1)
    hashes = [r["content_hash"] for r in rows if r["content_hash"]]
    out.duplicates += len(hashes) - len(set(hashes))
    return out


#: (query counting the rows that show a problem, the problem) for :func:`integrity`.
_COUNTED_PROBLEMS = [
    (
        "SELECT count(*) FROM fetch_log f WHERE f.outcome IN ('new', 'updated', 'unchanged')"
        " AND NOT EXISTS (SELECT 1 FROM articles a WHERE a.url = f.article_url)",
        "fetch-log rows say stored but the article is missing",
    ),
    (
        "SELECT count(*) FROM articles a WHERE NOT EXISTS (SELECT 1 FROM fetch_log f"
        " WHERE f.article_url = a.url AND f.outcome IN ('new', 'updated'))",
        "articles with no fetch-log row that stored them",
    ),
    (
        "SELECT count(*) FROM articles WHERE text IS NULL OR trim(text) = ''",
        "articles with empty text",
    ),
]


def integrity(db: Path) -> list[str]:
    """Problems found: SQLite's integrity check, articles without their full-text row (or the
    reverse), stored outcomes without an article, articles the fetch log never stored."""
    conn = connect(db)
    try:
        problems = [r[0] for r in conn.execute("PRAGMA integrity_check") if r[0] != "ok"]
        fts = {r[0] for r in conn.execute("SELECT id FROM articles_fts_docsize")}
        arts = {r[0] for r in conn.execute("SELECT rowid FROM articles")}
        if fts != arts:
            problems.append(f"FTS out of sync: {len(arts - fts)} missing, {len(fts - arts)} extra")
        for sql, problem in _COUNTED_PROBLEMS:
            count = conn.execute(sql).fetchone()[0]
            if count:
                problems.append(f"{count} {problem}")
        return problems
    finally:
        conn.close()


def run_row(db: Path, run_id: int | None = None) -> dict[str, Any]:
    sql = "SELECT * FROM runs " + ("WHERE id = ?" if run_id else "ORDER BY id DESC LIMIT 1")
    return query(db, sql, [run_id] if run_id else [])[0]


def check_crawl_survived(
    obs: Any, result: CrawlResult, db: Path, expected: dict[str, Story]
) -> None:
    """The verdict every fault crawl shares, recorded in the report row ``obs``: the crawl ran to
    its end (exit 0, or 3 for a health alert) without a traceback, stored every ``expected``
    article once and left the database intact."""
    obs.saw(result.figures())
    book = ledger(db, expected)
    obs.count(book)
    problems = integrity(db)
    obs.saw("integrity ok" if not problems else f"integrity: {problems}")
    assert result.returncode in COMPLETED, result.brief()
    assert not result.traceback, result.brief()
    assert book.ok(), book
    assert not problems


@dataclass
class FaultCrawl:
    """A finished crawl of a fault site, and what its tests ask of it (by root-relative path)."""

    site: FaultSite
    result: CrawlResult
    db: Path

    def log(self, path: str) -> list[dict[str, Any]]:
        return fetch_log(self.db, self.site.url(path))

    def stored(self, path: str) -> dict[str, Any] | None:
        return article(self.db, self.site.url(path))

    def outcomes(self, path: str) -> list[str]:
        return outcomes(self.db, self.site.url(path))

    def observe(self, obs: Any, path: str, before: str = "") -> list[dict[str, Any]]:
        """The fetch log of ``path``, recorded (after ``before``) in the report row ``obs``,
        which also counts the articles stored twice (none may be)."""
        log = self.log(path)
        obs.saw(f"{before}{logged(log)}")
        obs.count(ledger(self.db, {}))
        return log
