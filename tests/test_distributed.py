"""Distributed crawling on a real Redis server: two ``ingest crawl --redis`` workers and one
``ingest drain`` writer store the same database as a single-process crawl of the same site, with
no duplicate and no missing article, also when a worker or the writer is SIGKILLed mid-way.

redis-server is started on 127.0.0.1 on a free port (``.ci/run`` installs it in CI, where these
tests must run); the site is generated and served on 127.0.0.1, its article pages slowly enough
for a kill to land mid-crawl. Every crawl is a real ``python -m ingest`` child process.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import redis

from ingest import distributed
from ingest.sitegen import Block, SiteArticle, build_site
from ingest.storage import Store
from ingest.webserver import SiteHandler, content_type, serve_site

pytestmark = pytest.mark.timeout(600)

ROOT = Path(__file__).resolve().parent.parent
ARTICLES = 80
WORKER_TTL = "3"  # seconds: how soon a killed worker's requests go back in the queue


# -- Redis ------------------------------------------------------------------------------------


def _redis_binary() -> str | None:
    found = shutil.which("redis-server")
    if found is None and os.path.exists("/usr/bin/redis-server"):
        found = "/usr/bin/redis-server"
    return found


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A private redis-server on 127.0.0.1 (no persistence); yields its base URL."""
    binary = _redis_binary()
    if binary is None:
        if os.environ.get("CI"):
            pytest.fail("redis-server is not installed; .ci/run installs it (apt redis-server)")
        pytest.skip("redis-server is not installed (apt-get install redis-server); CI runs this")
    port = _free_port()
    workdir = tmp_path_factory.mktemp("redis")
    args = ["--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    proc = subprocess.Popen(
        [binary, *args, "--dir", str(workdir)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}"
    try:
        _wait_for(lambda: _pings(url), timeout=20, what="redis-server to answer")
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def _pings(url: str) -> bool:
    try:
        return bool(redis.Redis.from_url(url).ping())
    except redis.exceptions.ConnectionError:
        return False


@pytest.fixture
def redis_url(redis_server: str) -> Iterator[str]:
    """Database 0 of the test server, empty for each test."""
    url = f"{redis_server}/0"
    server = redis.Redis.from_url(url)
    server.flushdb()
    yield url
    server.close()


# -- the site ---------------------------------------------------------------------------------


def _article(number: int) -> SiteArticle:
    """A story with sentences of its own, so no two articles share a text."""
    words = ["harbour", "council", "ferry", "tide", "budget", "river", "market", "station"]
    published = datetime(2024, 3, 1, 8, 0, tzinfo=UTC) + timedelta(hours=5 * number)
    paragraphs = [
        f"Paragraph {p} of story {number}: the {words[(number + p) % 8]} report for district "
        f"{number * 3 + p} was read to {number + p} residents, who asked about the "
        f"{words[(number * p) % 8]} plan and its cost of {number * 100 + p} euros."
        for p in range(5)
    ]
    return SiteArticle(
        slug=f"story-{number}-{words[number % 8]}",
        title=f"Story {number}: the {words[number % 8]} question",
        authors=["Maya Okafor" if number % 2 else "Jonas Hart"],
        published=published,
        modified=published,
        section="Local",
        language="en",
        description=f"What happened in story {number}.",
        blocks=[Block("p", text) for text in paragraphs],
        tags=["city"],
    )


class _Gate:
    """Holds the site's article pages: open (``set``), closed (``clear``), or open for ``n``
    more pages and closed after them (``allow``), so a kill lands mid-crawl however fast the
    crawl runs."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._left: int | None = None  # None: open

    def set(self) -> None:
        self._change(None)

    def clear(self) -> None:
        self._change(0)

    def allow(self, pages: int) -> None:
        self._change(pages)

    def _change(self, left: int | None) -> None:
        with self._cond:
            self._left = left
            self._cond.notify_all()

    def wait(self, timeout: float) -> None:
        with self._cond:
            self._cond.wait_for(lambda: self._left is None or self._left > 0, timeout)
            if self._left:
                self._left -= 1


def _slow_articles(root: Path, delay: float, gate: _Gate) -> Callable[[SiteHandler], None]:
    """Pages answered after ``delay`` seconds (kills land mid-crawl), and only while ``gate``
    is open (a test can hold them until every worker is in)."""

    def route(handler: SiteHandler) -> None:
        gate.wait(timeout=120)
        time.sleep(delay)
        path = urlsplit(handler.path).path
        target = root / path.lstrip("/")
        if target.is_dir():
            if not path.endswith("/"):
                handler.reply(301, b"", headers={"Location": path + "/"})
                return
            target = target / "index.html"
        if not target.is_file():
            handler.reply(404, b"not found\n", "text/plain")
            return
        body = target.read_bytes().replace(b"{{BASE}}", handler.origin.encode("ascii"))
        handler.reply(200, body, content_type(target.name))

    return route


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The served site and a sources file reading its feed, sitemaps and home page."""
    root = tmp_path_factory.mktemp("site")
    manifest = build_site(root, [_article(n) for n in range(ARTICLES)], "wordpress")
    gate = _Gate()
    routes = {  # robots.txt is every worker's first fetch: gated, nothing starts early
        "/20*": _slow_articles(root, 0.05, gate),
        "/robots.txt": _slow_articles(root, 0.0, gate),
    }
    with serve_site(root, routes=routes) as base:
        sources = root.parent / "sources.toml"
        sources.write_text(
            f'[sources.site]\nurl = "{base}/"\ndomains = ["127.0.0.1"]\n'
            f'feeds = ["{base}/feed/"]\ndepth = 1\n',
            encoding="utf-8",
        )
        yield {"base": base, "sources": sources, "articles": manifest.articles, "gate": gate}


# -- running the CLI --------------------------------------------------------------------------

# Few downloads at once (a worker takes no more requests from the queue than it can fetch) and
# one extraction process: the crawl takes long enough to be interrupted, and both workers work.
SLOW = [
    "-s",
    "LOOPBACK_CONCURRENCY=4",
    "-s",
    "CONCURRENT_REQUESTS=4",
    "-s",
    "INGEST_EXTRACT_WORKERS=1",
]


def _ingest(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ingest", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )


def _start(*args: str) -> subprocess.Popen[str]:
    """A child ``ingest`` in its own process group (a kill takes its extraction workers too,
    as when a machine dies)."""
    return subprocess.Popen(
        [sys.executable, "-m", "ingest", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        start_new_session=True,
    )


def _worker(site: dict[str, Any], url: str, sources: Path | None = None) -> subprocess.Popen[str]:
    return _start(
        "crawl",
        "site",
        "--sources",
        str(sources or site["sources"]),
        "--redis",
        url,
        "-s",
        f"INGEST_REDIS_WORKER_TTL={WORKER_TTL}",
        *SLOW,
    )


def _drain(url: str, db: Path, wait: bool = True) -> subprocess.Popen[str]:
    """The writer, once a worker has opened the run (``--idle`` only stops it when no run is
    active: started before any worker, it could stop at once)."""
    server = redis.Redis.from_url(url)
    if wait:
        _wait_for(lambda: distributed.current_runs(server), timeout=60, what="a worker")
    return _start("drain", "--redis", url, "--db", str(db), "--idle", "2", "--batch", "10")


def _finish(proc: subprocess.Popen[str], timeout: float = 300) -> str:
    out, err = proc.communicate(timeout=timeout)
    assert proc.returncode == 0, f"exit {proc.returncode}\n{out}\n{err[-3000:]}"
    return out


def _kill(proc: subprocess.Popen[str]) -> None:
    os.killpg(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=30)


def _wait_for(check: Callable[[], Any], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def _distributed_crawl(
    site: dict[str, Any], url: str, db: Path, sources: Path | None = None
) -> list[str]:
    """Two workers and a writer, to the end; returns the workers' summary lines.

    The site answers nothing until both workers are in the run: on a busy machine one worker
    can start seconds after the other (and even find the run over), and this test is about
    sharing the work."""
    site["gate"].clear()
    workers = [_worker(site, url, sources), _worker(site, url, sources)]
    try:
        writer = _drain(url, db)
        _wait_for(lambda: _workers_in_run(url) == 2, timeout=120, what="both workers")
    except AssertionError as exc:
        for w in workers:
            w.kill()
        outputs = [w.communicate(timeout=30) for w in workers]
        status = distributed.format_status(distributed.status(redis.Redis.from_url(url)))
        raise AssertionError(f"{exc}\n{status}\n{outputs}") from None
    finally:
        site["gate"].set()
    lines = [_finish(w).strip() for w in workers]
    _finish(writer)
    return lines


def _workers_in_run(url: str) -> int:
    runs = distributed.status(redis.Redis.from_url(url))["runs"]
    return sum(len(run["workers"]) for run in runs)


# -- what a database holds --------------------------------------------------------------------


FETCHES = "SELECT url, source, outcome FROM fetch_log WHERE run_id = ?"


def snapshot(db: Path) -> dict[str, Any]:
    """What must be equal between a single-process and a distributed crawl."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        articles = {
            url: (title, text, authors, published_at)
            for url, title, text, authors, published_at in conn.execute(
                "SELECT url, title, text, authors, published_at FROM articles"
            )
        }
        runs = [
            row
            for row in conn.execute(
                "SELECT sources, pages_fetched, discovery_pages, articles_new, articles_updated,"
                " articles_unchanged, not_modified, duplicates, dropped, errors FROM runs"
                " ORDER BY id"
            )
        ]
        fetches = [
            Counter(conn.execute(FETCHES, [run_id]))
            for (run_id,) in conn.execute("SELECT id FROM runs ORDER BY id")
        ]
        urls = dict(conn.execute("SELECT url, outcome FROM urls"))
        versions = conn.execute("SELECT count(*) FROM article_versions").fetchone()[0]
    finally:
        conn.close()
    return {
        "articles": articles,
        "runs": runs,
        "fetches": fetches,
        "urls": urls,
        "versions": versions,
    }


def _runs(db: Path) -> list[tuple[str, str]]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return conn.execute("SELECT status, message FROM runs ORDER BY id").fetchall()
    finally:
        conn.close()


def _assert_same(got: dict[str, Any], want: dict[str, Any], runs: int) -> None:
    """The database after ``runs`` distributed runs equals the reference after as many."""
    assert len(got["runs"]) == runs
    assert set(got["articles"]) == set(want["articles"]), "missing or extra articles"
    assert got["articles"] == want["articles"], "an article's text differs"
    for run in range(runs):
        g, w = got["fetches"][run], want["fetches"][run]
        assert g == w, f"run {run + 1}: fetch log differs: {(g - w) or ''} / {(w - g) or ''}"
        assert got["runs"][run] == want["runs"][run]
    if runs == len(want["runs"]):
        assert got["urls"] == want["urls"]
        assert got["versions"] == want["versions"]


@pytest.fixture(scope="module")
def single(site: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Two runs of a single-process crawl of the site: the reference."""
    db = tmp_path_factory.mktemp("single") / "single.db"
    for _ in range(2):
        done = _ingest("crawl", "site", "--sources", str(site["sources"]), "--db", str(db), *SLOW)
        assert done.returncode == 0, done.stderr[-3000:]
    reference = snapshot(db)
    assert len(reference["articles"]) == ARTICLES
    assert reference["runs"][1][5] == 0, "the second run fetches no stored article again"
    return reference


def _article_gets(base: Any, since: int = 0) -> Counter[str]:
    return Counter(
        path
        for method, path, status in base.server.log[since:]
        if method == "GET" and path.startswith("/20") and status == 200
    )


# -- tests ------------------------------------------------------------------------------------


def test_two_workers_store_what_one_process_stores(
    site: dict[str, Any], single: dict[str, Any], redis_url: str, tmp_path: Path
) -> None:
    db = tmp_path / "distributed.db"
    before = len(site["base"].server.log)
    lines = _distributed_crawl(site, redis_url, db)

    _assert_same(snapshot(db), single, runs=1)
    gets = _article_gets(site["base"], before)
    assert len(gets) == ARTICLES and set(gets.values()) == {1}, "an article was fetched twice"
    fetched = [int(line.split(", ")[1].split()[0]) for line in lines]
    assert all(n > 0 for n in fetched), f"both workers must share the work: {lines}"
    assert sum("seeded site" in line for line in lines) == 1, "discovery seeded once"
    assert all(line.endswith("run complete") for line in lines), lines

    # A second run: the workers read the per-URL state the writer mirrors in Redis, so stored
    # articles are not fetched again, as in the second single-process run.
    before = len(site["base"].server.log)
    _distributed_crawl(site, redis_url, db)
    assert not _article_gets(site["base"], before), "a stored article was fetched again"
    _assert_same(snapshot(db), single, runs=2)
    assert [status for status, _ in _runs(db)] == ["finished", "finished"]
    assert all(message.startswith("distributed run ") for _, message in _runs(db))


def _results_seen(url: str) -> int:
    """Results pushed so far: waiting, being stored, or applied."""
    server = redis.Redis.from_url(url)
    applied = sum(server.scard(run.applied) for run in distributed.current_runs(server))
    return server.llen(distributed.ITEMS) + server.llen(distributed.PROCESSING) + applied


def _leases_of(url: str, pid: int) -> int:
    runs = distributed.status(redis.Redis.from_url(url))["runs"]
    workers = [w for run in runs for w in run["workers"]]
    return sum(w["leases"] for w in workers if w["worker"].split(":")[1] == str(pid))


def test_worker_killed_mid_crawl_loses_nothing(
    site: dict[str, Any], single: dict[str, Any], redis_url: str, tmp_path: Path
) -> None:
    db = tmp_path / "distributed.db"
    site["gate"].allow(ARTICLES // 2)  # the rest waits for the kill
    victim, survivor = _worker(site, redis_url), _worker(site, redis_url)
    writer = _drain(redis_url, db)
    try:
        _wait_for(
            lambda: _results_seen(redis_url) >= ARTICLES // 4 and _leases_of(redis_url, victim.pid),
            timeout=240,
            what="a quarter of the results, with requests in progress at the victim",
        )
        _kill(victim)
        assert _results_seen(redis_url) < ARTICLES, "the kill must land mid-crawl"
    finally:
        site["gate"].set()
    line = _finish(survivor)
    _finish(writer)

    assert "run complete" in line
    ((status, message),) = _runs(db)
    assert status == "finished"
    lost, requeued = (int(x.split()[0]) for x in message.split(", ")[1:3])
    assert lost == 1 and requeued >= 1, message  # the victim's requests went back in the queue
    _assert_same(snapshot(db), single, runs=1)


def test_writer_killed_and_restarted_stores_each_result_once(
    site: dict[str, Any], single: dict[str, Any], redis_url: str, tmp_path: Path
) -> None:
    db = tmp_path / "distributed.db"
    site["gate"].allow(ARTICLES // 2)  # the rest waits for the kill
    workers = [_worker(site, redis_url), _worker(site, redis_url)]
    writer = _drain(redis_url, db)

    def stored() -> int:
        try:
            conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
            return conn.execute("SELECT count(*) FROM articles").fetchone()[0]
        except sqlite3.Error:
            return 0

    try:
        _wait_for(lambda: stored() >= ARTICLES // 4, timeout=240, what="a quarter of the articles")
        _kill(writer)
        assert stored() < ARTICLES, "the kill must land mid-crawl"
    finally:
        site["gate"].set()
    for w in workers:
        _finish(w)  # the workers do not need the writer
    assert redis.Redis.from_url(redis_url).llen(distributed.PROCESSING) or stored() < ARTICLES
    _finish(_drain(redis_url, db, wait=False))  # recovers the killed writer's batch first

    _assert_same(snapshot(db), single, runs=1)


class _CrashAfterCommit(distributed.Drain):
    """A writer that dies right after its first commit, before trimming the processing list."""

    def _applied(self, token: str, fetches: list[str | None]) -> None:
        raise SystemExit("killed")


def _queue_listing_results(server: redis.Redis, token: str, count: int) -> None:
    """``count`` results of run ``token`` (fetches f0, f1 ...) waiting for the writer."""
    for n in range(count):
        result = {
            "url": f"http://127.0.0.1/story-{n}",
            "source": "site",
            "outcome": "not_article",
            "http_status": 200,
            "detail": "listing page",
        }
        server.rpush(distributed.ITEMS, distributed.encode_result(token, "w", f"f{n}", result))


def test_replayed_batch_is_not_stored_twice(redis_url: str, tmp_path: Path) -> None:
    server = distributed.connect(redis_url)
    db = tmp_path / "replay.db"
    token = "20240301T080000-abcdef"
    _queue_listing_results(server, token, 5)
    with pytest.raises(SystemExit), _CrashAfterCommit(server, db, batch=10) as crashing:
        crashing.step()
    assert server.llen(distributed.PROCESSING) == 5  # committed, but not trimmed

    with distributed.Drain(server, db) as writer:
        assert writer.recover() == 0
        assert writer.stats.replayed == 5 and writer.stats.results == 0
    assert server.llen(distributed.PROCESSING) == 0
    store = Store(db, readonly=True)
    try:
        assert store.db.execute("SELECT count(*) FROM fetch_log").fetchone()[0] == 5
    finally:
        store.close()

    # The same fetch pushed again (a worker died after pushing it): stored once.
    server.rpush(
        distributed.ITEMS,
        distributed.encode_result(
            token, "w2", "f0", {"url": "x", "source": "site", "outcome": "failed"}
        ),
    )
    with distributed.Drain(server, db) as writer:
        writer.step()
        assert writer.stats.replayed == 1 and writer.stats.results == 0


class _OutageOnce(distributed.Drain):
    """A writer whose Redis goes away once, at ``where`` in its second batch: before the
    batch's commit (``_not_applied``) or after it (``_applied``)."""

    where = "_not_applied"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.calls = 0

    def _fail_once(self) -> None:
        self.calls += 1
        if self.calls == 2:
            raise redis.exceptions.ConnectionError("Redis restarting")

    def _not_applied(self, token: str, messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
        if self.where == "_not_applied":
            self._fail_once()
        return super()._not_applied(token, messages)

    def _applied(self, token: str, fetches: list[str | None]) -> None:
        if self.where == "_applied":
            self._fail_once()
        super()._applied(token, fetches)


@pytest.mark.parametrize("where", ["_not_applied", "_applied"])
def test_an_outage_mid_batch_stores_each_result_once(
    redis_url: str, tmp_path: Path, where: str
) -> None:
    """Redis back, the drain moved a new batch behind the one the outage cut short, and that
    batch's trim took the cut-short one's entries: its results were lost (an outage before
    the commit) or stored twice (after it). The cut-short batch is now finished first."""
    server = distributed.connect(redis_url)
    db = tmp_path / "outage.db"
    token = "20240301T080000-0utage"
    _queue_listing_results(server, token, 12)
    with _OutageOnce(server, db, batch=4) as writer:
        writer.where = where
        writer.outage = 30
        writer.run(idle_exit=0.5)
    assert writer.calls >= 3  # the outage came, and batches went on after it
    assert server.llen(distributed.ITEMS) == 0 and server.llen(distributed.PROCESSING) == 0
    store = Store(db, readonly=True)
    try:
        logged = [u for (u,) in store.db.execute("SELECT url FROM fetch_log ORDER BY url")]
    finally:
        store.close()
    assert sorted(logged) == sorted(f"http://127.0.0.1/story-{n}" for n in range(12))  # fmt: skip


def test_lease_whose_answer_was_lost_goes_back_in_the_queue(redis_url: str) -> None:
    """Redis ran a worker's pop (the request is leased to it) but the answer never arrived:
    the reclaim script puts back exactly the leases the worker does not know of."""
    server = distributed.connect(redis_url)
    leases, queue = "t:leases:w1", "t:requests"
    server.hset(leases, mapping={"-5|1": b"known request", "-7|2": b"lost request"})
    reclaim = server.register_script(distributed._RECLAIM)
    assert reclaim(keys=[leases, queue], args=["-5|1"]) == 1
    assert server.zrange(queue, 0, -1, withscores=True) == [(b"lost request", -7.0)]
    assert server.hgetall(leases) == {b"-5|1": b"known request"}
    assert reclaim(keys=[leases, queue], args=["-5|1"]) == 0  # nothing lost twice


def test_database_on_a_worker_is_refused(redis_url: str, tmp_path: Path) -> None:
    """A worker writes no database (`ingest drain` does): --db given to one is refused in one
    line rather than ignored; from INGEST_REDIS_URL too."""
    db = tmp_path / "worker.db"
    for how in (["--redis", redis_url], []):
        proc = subprocess.run(
            [sys.executable, "-m", "ingest", "crawl", *how, "--url", "http://x/a", "--db", str(db)],
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=120,
            env={**os.environ, "INGEST_REDIS_URL": redis_url},
        )
        assert proc.returncode == 2, proc.stderr
        error = proc.stderr.strip()
        assert error.startswith("Error: --db (INGEST_DB) is not used by a Redis worker"), error
        assert "\n" not in error and "`ingest drain --redis URL --db PATH`" in error
    assert not db.exists()
    assert not distributed.current_runs(distributed.connect(redis_url))  # no run was started


def test_status_errors_and_one_writer(redis_url: str, tmp_path: Path) -> None:
    shown = _ingest("drain", "--redis", redis_url, "--status")
    assert shown.returncode == 0, shown.stderr
    assert "no run in progress" in shown.stdout and "waiting for the writer: 0" in shown.stdout
    data = json.loads(_ingest("drain", "--redis", redis_url, "--status", "--json").stdout)
    assert data["results_waiting"] == 0 and data["runs"] == []

    port = _free_port()
    down = _ingest("crawl", "--redis", f"redis://127.0.0.1:{port}/0", "--url", "http://x/a")
    assert down.returncode == 2
    assert down.stderr.strip().count("\n") == 0 and "cannot reach Redis" in down.stderr
    bad = _ingest("drain", "--redis", "http://127.0.0.1/0", "--db", str(tmp_path / "x.db"))
    assert bad.returncode == 2 and "not a Redis URL" in bad.stderr

    server = distributed.connect(redis_url)
    with distributed.Drain(server, tmp_path / "one.db"):
        second = _ingest("drain", "--redis", redis_url, "--db", str(tmp_path / "two.db"))
    assert second.returncode == 75 and "another `ingest drain`" in second.stderr  # as cron wants

    # A writer run as a service stops cleanly on SIGTERM, and gives the lock back.
    service = _start("drain", "--redis", redis_url, "--db", str(tmp_path / "one.db"))
    _wait_for(lambda: server.exists(distributed.WRITER), timeout=60, what="the writer's lock")
    service.send_signal(signal.SIGTERM)
    assert "stored 0 results" in _finish(service, timeout=30)
    assert not server.exists(distributed.WRITER)


def test_other_selections_run_side_by_side(
    site: dict[str, Any], redis_url: str, tmp_path: Path
) -> None:
    """Workers asked for other sources are not in the same run: each run has its own queue and
    seeds its own sources, and the one writer records both runs."""
    sources = tmp_path / "two.toml"
    text = site["sources"].read_text(encoding="utf-8")
    sources.write_text(text + "\n" + text.replace("[sources.site]", "[sources.again]"))
    db = tmp_path / "distributed.db"
    args = ["--sources", str(sources), "--redis", redis_url, *SLOW]
    workers = [_start("crawl", "site", *args), _start("crawl", "again", *args)]
    writer = _drain(redis_url, db)
    lines = [_finish(w) for w in workers]
    _finish(writer)
    runs = {line.split(" in run ")[1].split(":")[0] for line in lines}
    assert len(runs) == 2, lines
    assert "seeded site" in lines[0] and "seeded again" in lines[1]
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        got = conn.execute("SELECT sources, status FROM runs ORDER BY sources").fetchall()
        per_source = dict(conn.execute("SELECT source, count(*) FROM articles GROUP BY source"))
    finally:
        conn.close()
    assert got == [('["again"]', "finished"), ('["site"]', "finished")]
    # Both sources name the same site: its articles are stored once, under one of them, and the
    # other run logs them as unchanged or duplicates - as two local runs would.
    assert sum(per_source.values()) == ARTICLES


def _counts(db: Path) -> tuple[int, int]:
    """(articles stored, article pages fetched)."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        stored = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
        fetched = conn.execute("SELECT count(*) FROM fetch_log WHERE outcome != 'discovery'")
        return stored, fetched.fetchone()[0]
    finally:
        conn.close()


def test_max_articles_is_one_budget_for_all_workers(
    site: dict[str, Any], redis_url: str, tmp_path: Path
) -> None:
    """``max_articles`` bounds the run, not each worker: two workers request no more articles
    than one process does (with a budget per worker they would request twice as many)."""
    sources = tmp_path / "budget.toml"
    sources.write_text(site["sources"].read_text() + "max_articles = 20\n", encoding="utf-8")
    local = tmp_path / "single.db"
    done = _ingest("crawl", "site", "--sources", str(sources), "--db", str(local), *SLOW)
    assert done.returncode == 0, done.stderr[-3000:]
    db = tmp_path / "distributed.db"
    _distributed_crawl(site, redis_url, db, sources)
    (want_stored, want_fetched), (stored, fetched) = _counts(local), _counts(db)
    assert 0 < want_fetched < ARTICLES // 2
    # Two workers may each pass the budget check at 19 at the same moment: at most one over.
    assert want_fetched <= fetched <= want_fetched + 1, (fetched, want_fetched)
    # Which URLs the budget goes to depends on which discovery page arrives first (the feed's
    # articles or the home page's links to pages that are no articles): not what is stored.
    assert 0 < want_stored <= want_fetched and 0 < stored <= fetched


# -- Redis going away mid-crawl ---------------------------------------------------------------


class _PersistentRedis:
    """A redis-server whose append-only file is synced on every write: stopped and started
    again on the same port it still holds the run, as a production Redis with AOF does."""

    def __init__(self, workdir: Path) -> None:
        workdir.mkdir(parents=True, exist_ok=True)
        self.workdir = workdir
        self.port = _free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        args = ["--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
        args += ["--appendonly", "yes", "--appendfsync", "always", "--dir", str(self.workdir)]
        self.proc = subprocess.Popen(
            [_redis_binary() or "redis-server", *args],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        _wait_for(lambda: _pings(self.url), timeout=20, what="redis-server to answer")

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()  # a clean shutdown: the append-only file is complete
            self.proc.wait(timeout=30)
            self.proc = None


@pytest.fixture
def persistent_redis(redis_server: str, tmp_path: Path) -> Iterator[_PersistentRedis]:
    """(``redis_server`` only for its skip or failure when redis-server is not installed.)"""
    server = _PersistentRedis(tmp_path / "redis")
    server.start()
    try:
        yield server
    finally:
        server.stop()


def _outage_worker(site: dict[str, Any], url: str, *settings: str) -> subprocess.Popen[str]:
    args = ["--sources", str(site["sources"]), "--redis", url, *SLOW]
    return _start("crawl", "site", *args, *(x for s in settings for x in ("-s", s)))


def test_redis_restart_mid_crawl_loses_nothing(
    site: dict[str, Any],
    single: dict[str, Any],
    persistent_redis: _PersistentRedis,
    tmp_path: Path,
) -> None:
    """Redis restarts while pages are in flight: the worker says so once, holds its results and
    follow-up requests, carries on when Redis is back, and the run stores what one process
    stores."""
    url = persistent_redis.url
    site["gate"].allow(ARTICLES // 2)  # the rest waits for the restart
    worker = _outage_worker(site, url)
    try:
        _wait_for(lambda: _results_seen(url) >= ARTICLES // 4, timeout=240, what="results")
        site["gate"].clear()  # pages requested now are answered while Redis is away
        assert _results_seen(url) < ARTICLES, "the restart must land mid-crawl"
        persistent_redis.stop()
        time.sleep(2)
        site["gate"].set()
        time.sleep(2)
        persistent_redis.start()
        out, err = worker.communicate(timeout=300)
    finally:
        site["gate"].set()
        if worker.poll() is None:
            _kill(worker)
    assert worker.returncode == 0, err[-3000:]
    assert "Traceback" not in err, err[-3000:]
    assert sum(" unreachable (" in line for line in err.splitlines()) == 1, err[-3000:]
    assert "Redis is back after" in err and out.strip().endswith("run complete"), out

    db = tmp_path / "distributed.db"
    _finish(_drain(url, db, wait=False))
    _assert_same(snapshot(db), single, runs=1)


def _stored(db: Path) -> int:
    """Articles the drain has committed (0 before it created the database)."""
    if not db.exists():
        return 0
    with contextlib.closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as conn:
        try:
            return conn.execute("SELECT count(*) FROM articles").fetchone()[0]
        except sqlite3.Error:
            return 0


def test_the_drain_rides_out_a_redis_restart(
    site: dict[str, Any],
    single: dict[str, Any],
    persistent_redis: _PersistentRedis,
    tmp_path: Path,
) -> None:
    """The workers rode out a Redis restart but the writer ended in a 120-line traceback and
    left the run 'running': it now waits as they do, finishes the batch the outage cut short
    (nothing stored twice) and the run stores what one process stores."""
    url = persistent_redis.url
    db = tmp_path / "distributed.db"
    site["gate"].allow(ARTICLES // 2)  # the rest waits for the restart
    worker = _outage_worker(site, url)
    drain = None
    try:
        drain = _drain(url, db)
        _wait_for(lambda: _results_seen(url) >= ARTICLES // 4, timeout=240, what="results")
        _wait_for(lambda: _stored(db), timeout=120, what="the drain's first batch")
        site["gate"].clear()
        assert _results_seen(url) < ARTICLES, "the restart must land mid-crawl"
        persistent_redis.stop()
        time.sleep(3)
        site["gate"].set()
        persistent_redis.start()
        _finish(worker)
        out, err = drain.communicate(timeout=300)
    finally:
        site["gate"].set()
        for proc in (worker, drain):
            if proc is not None and proc.poll() is None:
                _kill(proc)
    assert drain.returncode == 0, f"{out}\n{err[-3000:]}"
    assert "Traceback" not in err, err[-3000:]
    assert sum(" unreachable (" in line for line in err.splitlines()) == 1, err[-3000:]
    assert "Redis is back after" in err, err[-3000:]
    _assert_same(snapshot(db), single, runs=1)


def test_redis_gone_stops_the_worker_in_one_line(
    site: dict[str, Any],
    single: dict[str, Any],
    persistent_redis: _PersistentRedis,
    tmp_path: Path,
) -> None:
    """Redis stays away: after INGEST_REDIS_OUTAGE the worker stops with one error line and
    exit status 1; once Redis is back, the requests it held go back to the queue and the run
    ends as one process's would."""
    url = persistent_redis.url
    settings = ("INGEST_REDIS_OUTAGE=3", f"INGEST_REDIS_WORKER_TTL={WORKER_TTL}")
    out, last = _worker_losing_redis(site, url, url, settings, lose=persistent_redis.stop)
    assert "start redis-server or fix --redis" in last
    assert ": failed, " in out

    persistent_redis.start()
    _run_ends_as_one_process(site, single, url, url, settings, tmp_path)


def _worker_losing_redis(
    site: dict[str, Any],
    worker_url: str,
    redis_url: str,
    settings: tuple[str, ...],
    lose: Callable[[], None],
) -> tuple[str, str]:
    """A worker (reaching Redis at ``worker_url``) loses Redis mid-crawl through ``lose``;
    checks it stopped after INGEST_REDIS_OUTAGE=3 with one warning, one error line and exit 1.
    Returns its stdout and that last line."""
    site["gate"].allow(ARTICLES // 2)  # the rest waits until Redis is lost
    worker = _outage_worker(site, worker_url, *settings)
    try:
        _wait_for(lambda: _results_seen(redis_url) >= ARTICLES // 4, timeout=240, what="results")
        assert _results_seen(redis_url) < ARTICLES, "Redis must be lost mid-crawl"
        lose()
        site["gate"].set()
        out, err = worker.communicate(timeout=120)
    finally:
        site["gate"].set()
        if worker.poll() is None:
            _kill(worker)
    assert worker.returncode == 1, f"{out}\n{err[-3000:]}"
    assert "Traceback" not in err, err[-3000:]
    lines = err.strip().splitlines()
    assert sum(" unreachable (" in line for line in lines) == 1, err[-3000:]
    assert lines[-1].startswith(f"Error: cannot reach Redis at {worker_url} for 3 s ("), lines
    return out, lines[-1]


def _run_ends_as_one_process(
    site: dict[str, Any],
    single: dict[str, Any],
    worker_url: str,
    redis_url: str,
    settings: tuple[str, ...],
    tmp_path: Path,
) -> None:
    """Once Redis is back, a new worker completes the run and the drained database is the one
    a single-process crawl stores."""
    line = _finish(_outage_worker(site, worker_url, *settings))
    assert line.strip().endswith("run complete"), line
    db = tmp_path / "distributed.db"
    _finish(_drain(redis_url, db, wait=False))
    _assert_same(snapshot(db), single, runs=1)


class _Partition:
    """A TCP relay to Redis that can be cut as a network partition cuts a link: bytes stop
    flowing both ways and no connection is reset or refused, so a client waits for answers
    that never come (what a stopped Redis, which refuses connections, cannot show)."""

    def __init__(self, redis_url: str) -> None:
        target = urlsplit(redis_url)
        self.target = (target.hostname or "127.0.0.1", target.port or 6379)
        self.flowing = threading.Event()
        self.flowing.set()
        self.sockets: list[socket.socket] = []
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"redis://127.0.0.1:{self.listener.getsockname()[1]}{target.path}"
        threading.Thread(target=self._accept, daemon=True).start()

    def cut(self) -> None:
        self.flowing.clear()

    def heal(self) -> None:
        """Back after longer than TCP holds a silent connection: the old ones are gone."""
        self._close_all()
        self.flowing.set()

    def close(self) -> None:
        self.listener.close()
        self._close_all()
        self.flowing.set()

    def _close_all(self) -> None:
        while self.sockets:
            self.sockets.pop().close()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            self.sockets.append(client)
            threading.Thread(target=self._connect, args=(client,), daemon=True).start()

    def _connect(self, client: socket.socket) -> None:
        self.flowing.wait()  # cut: the connection is accepted and never answered
        try:
            upstream = socket.create_connection(self.target)
        except OSError:
            client.close()
            return
        self.sockets.append(upstream)
        threading.Thread(target=self._pump, args=(upstream, client), daemon=True).start()
        self._pump(client, upstream)

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while chunk := source.recv(65536):
                self.flowing.wait()  # cut: the bytes are held, never delivered
                sink.sendall(chunk)
            sink.shutdown(socket.SHUT_WR)
        except OSError:
            pass


def test_redis_cut_off_stops_the_worker_in_one_line(
    site: dict[str, Any],
    single: dict[str, Any],
    persistent_redis: _PersistentRedis,
    tmp_path: Path,
) -> None:
    """The network to Redis is cut mid-crawl (no answer, no reset): each call gives up after
    INGEST_REDIS_TIMEOUT, so the worker rides it out and stops in one line, as when Redis is
    gone, instead of waiting for an answer for good. Once the network is back, the run ends as
    one process's would."""
    url = persistent_redis.url
    partition = _Partition(url)
    settings = (
        "INGEST_REDIS_TIMEOUT=1",
        "INGEST_REDIS_OUTAGE=3",
        f"INGEST_REDIS_WORKER_TTL={WORKER_TTL}",
    )
    try:
        try:
            _out, last = _worker_losing_redis(site, partition.url, url, settings, partition.cut)
        finally:
            partition.heal()
        assert "Timeout" in last, last
        _run_ends_as_one_process(site, single, partition.url, url, settings, tmp_path)
    finally:
        partition.close()


def test_an_answer_to_a_call_made_before_the_outage_does_not_end_it(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The reactor, held by the call that noticed Redis was gone, may only then hear that a
    thread's earlier call went through: that answer says nothing about Redis now, so the
    outage goes on (the cut-off test saw "back after 0.0 s" and a second warning)."""
    from ingest.distributed import Outage

    outage = Outage("redis://127.0.0.1:1/0", limit=3)
    before = time.monotonic()
    outage.failed(TimeoutError("Timeout reading from socket"))
    outage.ok(before)
    assert outage.since is not None
    outage.ok(time.monotonic())
    assert outage.since is None
    assert sum("is back" in r.getMessage() for r in caplog.records) == 1
