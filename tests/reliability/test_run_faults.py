"""Faults of the run itself, injected for real: SIGKILL, SIGTERM and Ctrl-C in the middle of a
crawl (then a new run), a reader querying the database during a crawl, a full disk, a
read-only database, and bad input. The site serves its articles slowly, so a crawl lasts
long enough to be interrupted; every article must end up stored exactly once.

(The lock, the marking of killed runs and resuming are ``ingest.lock``/issue 5's; the tests
here check their outcome from the outside, with the same measures as every other fault.)
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import signal
import sqlite3
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.reliability import faults as F
from tests.reliability.checks import (
    FAST,
    Background,
    CrawlResult,
    crawl,
    finish,
    ingest_args,
    integrity,
    ledger,
    query,
    run_row,
    start,
)

ARTICLES = 60
DELAY = 0.15  # seconds per article page: 60 pages at 4 at a time last a few seconds
SLOW = {"CONCURRENT_REQUESTS": "4", "INGEST_WRITE_BATCH": "5"}


@dataclass
class SlowSite:
    site: F.FaultSite
    sources: Path
    base: str

    def expected(self) -> dict[str, F.Story]:
        return self.site.expected()

    def article_gets(self) -> int:
        return sum(len(v) for k, v in self.site.hits.items() if k.startswith("/news/"))


@pytest.fixture(scope="module")
def slow_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SlowSite]:
    site = F.FaultSite()
    for n in range(ARTICLES):
        path = f"/news/slow-story-{n}.html"
        story = F.make_story(f"slow-{n}")
        site.stories[path] = story
        body = F.article_html(story).encode()

        def handler(h, body: bytes = body) -> None:
            site.stop.wait(DELAY)
            h.reply(200, body)

        site.route(path, handler, in_feed=True)
    site.feed("/feed.xml")
    with site.serve() as base:
        sources = tmp_path_factory.mktemp("run-faults") / "sources.toml"
        sources.write_text(
            f'[sources.slow]\ndomains = ["127.0.0.1"]\nfeeds = ["{base}/feed.xml"]\n'
            "robots_sitemaps = false\n"
        )
        yield SlowSite(site, sources, str(base))


def count_articles(db: Path) -> int:
    try:
        return query(db, "SELECT count(*) AS n FROM articles")[0]["n"]
    except sqlite3.Error:
        return 0


def wait_for(check: Callable[[], bool], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise TimeoutError("condition not reached")
        time.sleep(0.05)


def start_crawl(slow: SlowSite, db: Path) -> tuple[subprocess.Popen[str], float]:
    """A crawl to interrupt: two pages at a time, so it lasts several seconds."""
    settings = {**FAST, **SLOW, "CONCURRENT_REQUESTS": "2"}
    args = ingest_args("crawl", "--sources", str(slow.sources), "--db", str(db), settings=settings)
    return start(args), time.monotonic()


def hashes(db: Path) -> dict[str, str]:
    rows = query(db, "SELECT url, content_hash FROM articles")
    return {r["url"]: r["content_hash"] for r in rows}


# --- signals -----------------------------------------------------------------------------------


def test_sigkill_mid_crawl_then_a_new_run(slow_site: SlowSite, tmp_path: Path, report) -> None:
    obs = report(
        "SIGKILL mid-crawl, then a new run",
        "killed run marked killed; nothing it stored lost or changed; the new run stores the "
        "rest once; integrity ok, fetch log consistent",
    )
    db = tmp_path / "news.db"
    proc, started = start_crawl(slow_site, db)
    wait_for(lambda: count_articles(db) >= 10)
    os.kill(proc.pid, signal.SIGKILL)
    killed = finish(proc, 30, started)
    kept = hashes(db)
    problems_after_kill = integrity(db)
    obs.saw(f"killed with {len(kept)} of {ARTICLES} stored; integrity after kill: "
            f"{problems_after_kill or 'ok'}")  # fmt: skip
    again = crawl(db, slow_site.sources, settings=SLOW)
    after = hashes(db)
    runs = query(db, "SELECT id, status FROM runs ORDER BY id")
    changed = [u for u, h in kept.items() if after.get(u) != h]
    book = ledger(db, slow_site.expected())
    obs.count(book)
    problems = integrity(db)
    statuses = [(r["id"], r["status"]) for r in runs]
    obs.saw(f"new run exit {again.returncode}; runs {statuses}; kept articles changed or "
            f"lost: {len(changed)}; integrity {problems or 'ok'}")  # fmt: skip
    assert killed.returncode == -signal.SIGKILL
    assert 10 <= len(kept) < ARTICLES, "the kill must land mid-crawl"
    assert not problems_after_kill
    assert again.returncode == 0, again.brief()
    assert [r["status"] for r in runs] == ["killed", "finished"]
    assert not changed
    assert book.ok(), book
    assert not problems


@pytest.mark.parametrize(
    ("signum", "group", "label"),
    [
        (signal.SIGTERM, False, "SIGTERM mid-crawl"),
        (signal.SIGINT, True, "Ctrl-C mid-crawl (SIGINT to the whole process group)"),
    ],
    ids=["sigterm", "ctrl-c"],
)
def test_graceful_stop(slow_site: SlowSite, tmp_path: Path, report, signum, group, label) -> None:
    obs = report(
        f"{label}, then a new run",
        "stops within seconds, exit 130, run 'interrupted', no traceback; the new run "
        "stores the rest once",
    )
    db = tmp_path / "news.db"
    proc, started = start_crawl(slow_site, db)
    wait_for(lambda: count_articles(db) >= 5)
    sent = time.monotonic()
    if group:
        os.killpg(proc.pid, signum)
    else:
        os.kill(proc.pid, signum)
    stopped = finish(proc, 60, started)
    took = time.monotonic() - sent
    row = run_row(db)
    kept = hashes(db)
    obs.saw(f"stopped in {took:.1f} s, exit {stopped.returncode}, run {row['status']}, "
            f"{len(kept)} stored, traceback: {stopped.traceback}")  # fmt: skip
    again = crawl(db, slow_site.sources, settings=SLOW)
    book = ledger(db, slow_site.expected())
    obs.count(book)
    problems = integrity(db)
    obs.saw(f"new run exit {again.returncode}; integrity {problems or 'ok'}")
    assert stopped.returncode == 130, stopped.brief()
    assert row["status"] == "interrupted"
    assert 5 <= len(kept) < ARTICLES, "the signal must land mid-crawl"
    assert not stopped.traceback, stopped.brief()
    assert took < 30
    assert again.returncode == 0, again.brief()
    assert all(hashes(db).get(u) == h for u, h in kept.items())
    assert book.ok(), book
    assert not problems


# --- a reader during the crawl -----------------------------------------------------------------


@dataclass
class ReaderStats:
    queries: int = 0
    slowest: float = 0.0
    busy_errors: int = 0
    half_written: list[str] = field(default_factory=list)
    seen: int = 0


def read_loop(db: Path, stop: threading.Event, stats: ReaderStats) -> None:
    """Query like a user would, as often as possible: every article must be whole (text, its
    full-text row, its fetch-log row) in every snapshot; time each query."""
    sql = (
        "SELECT a.url, length(a.text) AS chars,"
        " EXISTS (SELECT 1 FROM articles_fts_docsize d WHERE d.id = a.rowid) AS indexed,"
        " EXISTS (SELECT 1 FROM fetch_log f WHERE f.article_url = a.url) AS logged,"
        " (SELECT count(*) FROM articles_fts WHERE articles_fts MATCH 'committee') AS hits"
        " FROM articles a"
    )
    while not stop.is_set():
        if not db.exists():
            time.sleep(0.01)
            continue
        try:
            conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)
            began = time.monotonic()
            rows = conn.execute(sql).fetchall()
            stats.slowest = max(stats.slowest, time.monotonic() - began)
            conn.close()
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                stats.busy_errors += 1
            time.sleep(0.01)  # schema not created yet
            continue
        stats.queries += 1
        stats.seen = max(stats.seen, len(rows))
        stats.half_written += [r[0] for r in rows if not (r[1] and r[2] and r[3])]


def test_reader_during_a_crawl(slow_site: SlowSite, tmp_path: Path, report) -> None:
    obs = report(
        "a reader querying (incl. full-text search) all through a crawl",
        "never blocked for long (< 1 s), never sees a half-written article",
    )
    db = tmp_path / "news.db"
    stats, stop = ReaderStats(), threading.Event()
    reader = threading.Thread(target=read_loop, args=(db, stop, stats), daemon=True)
    reader.start()
    result = crawl(db, slow_site.sources, settings=SLOW)
    stop.set()
    reader.join(30)
    book = ledger(db, slow_site.expected())
    obs.count(book)
    obs.saw(f"{stats.queries} queries during the crawl, slowest {stats.slowest * 1000:.0f} ms, "
            f"busy errors {stats.busy_errors}, half-written articles seen "
            f"{len(stats.half_written)}, up to {stats.seen} articles seen")  # fmt: skip
    assert result.returncode == 0, result.brief()
    assert stats.queries >= 10 and stats.seen > 0
    assert stats.busy_errors == 0
    assert stats.slowest < 1.0
    assert not stats.half_written
    assert book.ok(), book


# --- storage faults ----------------------------------------------------------------------------


@contextlib.contextmanager
def tmpfs(path: Path, size: str) -> Iterator[Path]:
    """A small tmpfs mounted at ``path`` (needs root; the test is skipped otherwise)."""
    path.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0777", "tmpfs", str(path)],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({done.stderr.strip()}); needs root")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], capture_output=True)


def remount(path: Path, options: str) -> None:
    subprocess.run(["mount", "-o", f"remount,{options}", str(path)], check=True)


def one_line_error(result: CrawlResult) -> str:
    """The ``Error: ...`` line a failed command printed (stderr), or ''."""
    lines = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    return lines[-1] if lines else ""


def test_disk_full(slow_site: SlowSite, tmp_path: Path, report) -> None:
    obs = report(
        "disk full mid-crawl (database on a 512 KB tmpfs)",
        "crawl stops with a one-line error, no traceback; what was stored is intact; after "
        "freeing space a new run stores the rest once",
    )
    # 512 KB: the writer's background checkpoints recycle the WAL, so 1 MB held every article
    with tmpfs(tmp_path / "small", "512k") as mount:
        db = mount / "news.db"
        full = crawl(db, slow_site.sources, settings={**SLOW, "INGEST_KEEP_RAW_HTML": "true"})
        error = one_line_error(full)
        stored = count_articles(db)
        problems = integrity(db)
        obs.saw(f"exit {full.returncode}, {error or 'no Error: line'!r}, traceback: "
                f"{full.traceback}; {stored} stored; integrity {problems or 'ok'}")  # fmt: skip
        remount(mount, "size=64m")
        again = crawl(db, slow_site.sources, settings=SLOW)
        book = ledger(db, slow_site.expected())
        obs.count(book)
        problems_after = integrity(db)
        obs.saw(f"after freeing space: exit {again.returncode}, integrity {problems_after or 'ok'}")
    assert full.returncode != 0
    assert "full" in error.lower() or "space" in error.lower(), full.brief()
    assert not full.traceback, full.brief()
    assert not problems
    assert again.returncode == 0, again.brief()
    assert book.ok(), book
    assert not problems_after


def test_read_only_database(slow_site: SlowSite, tmp_path: Path, report) -> None:
    obs = report(
        "read-only database (file system remounted read-only)",
        "one-line error naming the file, exit 2, nothing changed",
    )
    with tmpfs(tmp_path / "ro", "16m") as mount:
        db = mount / "news.db"
        first = crawl(db, slow_site.sources, settings=SLOW)
        assert first.returncode == 0, first.brief()
        obs.count(ledger(db, slow_site.expected()))
        before = hashlib.sha256(db.read_bytes()).hexdigest()
        remount(mount, "ro")
        result = crawl(db, slow_site.sources, settings=SLOW)
        after = hashlib.sha256(db.read_bytes()).hexdigest()
        error = one_line_error(result)
        obs.saw(f"exit {result.returncode}, {error!r}, unchanged: {before == after}")
    assert result.returncode == 2, result.brief()
    assert str(db) in error and not result.traceback
    assert before == after


BAD_INPUT = {
    "toml": "sources file that is not valid TOML",
    "entry": "sources entry with a wrong field",
    "missing": "sources file that does not exist",
    "unknown": "unknown source name",
    "db-under-file": "--db under a path that is a file",
    "db-proc": "--db in a directory that cannot be written (/proc)",
    "db-is-dir": "--db naming a directory",
    "db-garbage": "--db naming a file that is not SQLite",
}


def _bad_input(case: str, tmp: Path, sources: Path) -> tuple[list[str], Path]:
    """The command line of one bad-input case, and the --db path it must not create."""
    db, names = tmp / f"{case}.db", ["slow"]
    if case == "toml":
        sources = tmp / "bad.toml"
        sources.write_text('[sources.slow]\ndomains = ["127.0.0.1"\n')
    elif case == "entry":
        sources = tmp / "wrong.toml"
        sources.write_text('[sources.slow]\ndomains = "127.0.0.1"\ndepth = "deep"\n')
    elif case == "missing":
        sources = tmp / "nowhere.toml"
    elif case == "unknown":
        names = ["no-such-source"]
    elif case == "db-under-file":
        (tmp / "afile").write_text("x")
        db = tmp / "afile" / "news.db"
    elif case == "db-proc":
        db = Path("/proc/news-ingest-test/news.db")
    elif case == "db-is-dir":
        db = tmp / "a-directory"
        db.mkdir()
    elif case == "db-garbage":
        db = tmp / "garbage.db"
        db.write_bytes(bytes(range(256)) * 20)
    return ingest_args("crawl", *names, "--sources", str(sources), "--db", str(db)), db


@pytest.fixture(scope="module")
def bad_inputs(slow_site: SlowSite, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Every bad-input command started at once (each is a second or two of start-up)."""
    tmp = tmp_path_factory.mktemp("bad-input")
    launched = {}
    for case in BAD_INPUT:
        args, db = _bad_input(case, tmp, slow_site.sources)
        before = db.read_bytes() if db.is_file() else None
        launched[case] = (Background(args, db), before)
    return {case: (bg.result(60), bg.db, before) for case, (bg, before) in launched.items()}


@pytest.mark.parametrize("case", list(BAD_INPUT))
def test_bad_input_is_one_line_and_exit_2(bad_inputs: dict, report, case: str) -> None:
    obs = report(
        BAD_INPUT[case], "one line 'Error: ...' naming the problem, exit 2, nothing written"
    )
    result, db, before = bad_inputs[case]
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    obs.saw(f"exit {result.returncode}: {' / '.join(lines)[:160]}")
    assert result.returncode == 2, result.brief()
    assert len(lines) == 1 and lines[0].startswith("Error:"), result.stderr
    if before is None:
        assert not db.is_file()
    else:
        assert db.read_bytes() == before
