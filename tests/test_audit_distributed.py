"""Audit of README "Distributed crawling" beyond tests/test_distributed.py: the Redis URLs the
section's commands accept (a unix socket, a database number that is no number, an empty
--redis), a worker named through ``-s INGEST_REDIS_URL``, options that mean nothing alone, and
a worker's stderr on a clean run.

A real redis-server (TCP from test_distributed's fixture, plus one on a unix socket here), the
generated site served on 127.0.0.1 and real ``python -m ingest`` children.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis

from ingest import distributed
from tests import test_distributed as td
from tests.test_distributed import (
    _assert_same,
    _finish,
    _ingest,
    _redis_binary,
    _start,
    _wait_for,
    snapshot,
)

# test_distributed's fixtures, used here by name: its Redis server, site and reference crawl.
redis_server, redis_url, site, single = td.redis_server, td.redis_url, td.site, td.single

pytestmark = pytest.mark.timeout(600)


def _one_line_error(done: subprocess.CompletedProcess[str]) -> str:
    """Exit status 2 and one ``Error:`` line, no traceback."""
    error = done.stderr.strip()
    assert done.returncode == 2, f"exit {done.returncode}\n{done.stdout}\n{error[-3000:]}"
    assert "\n" not in error and "Traceback" not in error, error[-3000:]
    return error


@pytest.fixture
def unix_redis(redis_server: str, tmp_path: Path) -> Iterator[str]:
    """A redis-server listening on a unix socket only; yields its unix:// URL.
    (``redis_server`` only for its skip or failure when redis-server is not installed.)"""
    sock = tmp_path / "redis.sock"
    args = ["--port", "0", "--unixsocket", str(sock), "--save", "", "--appendonly", "no"]
    proc = subprocess.Popen(
        [_redis_binary() or "redis-server", *args, "--dir", str(tmp_path)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"unix://{sock}?db=0"
    try:
        _wait_for(sock.exists, timeout=20, what="redis-server's socket")
        _wait_for(lambda: redis.Redis.from_url(url).ping(), timeout=20, what="redis-server")
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_redis_on_a_unix_socket_runs_a_crawl(
    site: dict[str, Any], single: dict[str, Any], unix_redis: str, tmp_path: Path
) -> None:
    """unix:// is a Redis URL the section's commands take (the error for a bad one lists it):
    a worker and the writer reach Redis on its socket, and store what one process stores."""
    shown = _ingest("drain", "--redis", unix_redis, "--status")
    assert shown.returncode == 0 and "no run in progress" in shown.stdout, shown.stderr[-3000:]
    worker = _ingest("crawl", "site", "--sources", str(site["sources"]), "--redis", unix_redis)
    assert worker.returncode == 0, worker.stderr[-3000:]
    assert worker.stdout.strip().endswith("run complete"), worker.stdout
    db = tmp_path / "unix.db"
    drained = _ingest("drain", "--redis", unix_redis, "--db", str(db), "--idle", "1")
    assert drained.returncode == 0, drained.stderr[-3000:]
    _assert_same(snapshot(db), single, runs=1)

    gone = f"unix://{tmp_path / 'nothing.sock'}"
    error = _one_line_error(_ingest("drain", "--redis", gone, "--status"))
    assert error.startswith(f"Error: cannot reach Redis at {gone} ("), error


def test_a_database_number_that_is_no_number_is_refused(redis_url: str, tmp_path: Path) -> None:
    """redis://HOST:PORT/abc is no Redis database: refused in one line, not read as database 0
    (where the worker would join another crawl's queue)."""
    base = redis_url.rsplit("/", 1)[0]
    for bad in (f"{base}/abc", f"{base}/0/1"):
        error = _one_line_error(_ingest("crawl", "--redis", bad, "--url", "http://127.0.0.1:9/a"))
        assert f"--redis {bad!r} is not a Redis URL" in error, error
        error = _one_line_error(_ingest("drain", "--redis", bad, "--status"))
        assert "is not a Redis URL" in error and "redis://HOST:PORT/N" in error, error
    assert not distributed.current_runs(redis.Redis.from_url(redis_url))
    assert _ingest("drain", "--redis", f"{base}/3", "--status").returncode == 0


def test_worker_named_by_setting_refuses_a_database(redis_url: str, tmp_path: Path) -> None:
    """`-s INGEST_REDIS_URL=URL` makes a worker as --redis does, so --db is refused alike."""
    db = tmp_path / "worker.db"
    args = ["crawl", "-s", f"INGEST_REDIS_URL={redis_url}", "--url", "http://127.0.0.1:9/a"]
    error = _one_line_error(_ingest(*args, "--db", str(db)))
    assert error.startswith("Error: --db (INGEST_DB) is not used by a Redis worker"), error
    assert not db.exists()
    assert not distributed.current_runs(redis.Redis.from_url(redis_url))


def test_empty_redis_url_is_refused_not_a_local_crawl(tmp_path: Path) -> None:
    """`--redis "$REDIS"` with the variable unset must not quietly crawl into a local
    database on a crawler machine."""
    db = tmp_path / "local.db"
    error = _one_line_error(
        _ingest("crawl", "--redis", "", "--url", "http://127.0.0.1:9/a", "--db", str(db))
    )
    assert "--redis" in error, error
    assert not db.exists()


def test_json_without_status_is_refused(redis_url: str, tmp_path: Path) -> None:
    """`--json` only shapes `--status`: alone it would start a writer on --db instead."""
    db = tmp_path / "news.db"
    error = _one_line_error(
        _ingest("drain", "--redis", redis_url, "--json", "--db", str(db), "--idle", "1")
    )
    assert "--json" in error and "--status" in error, error
    assert not db.exists()
    assert not redis.Redis.from_url(redis_url).exists(distributed.WRITER)


def test_worker_says_nothing_on_stderr_in_a_clean_run(
    site: dict[str, Any], redis_url: str, tmp_path: Path
) -> None:
    """A clean run of a worker prints its summary line and no warning (cron mails stderr)."""
    worker = _start("crawl", "site", "--sources", str(site["sources"]), "--redis", redis_url)
    out, err = worker.communicate(timeout=300)
    assert worker.returncode == 0, err[-3000:]
    assert out.strip().endswith("run complete"), out
    assert err == "", err[-3000:]
    _finish(_start("drain", "--redis", redis_url, "--db", str(tmp_path / "d.db"), "--idle", "1"))


def test_redis_timeout_zero_waits_and_a_negative_one_is_refused(redis_url: str) -> None:
    """INGEST_REDIS_TIMEOUT=0 made redis-py's socket non-blocking: every call failed as
    "cannot reach Redis". 0 means no limit; below 0 is one line."""
    server = distributed.connect(redis_url, 0)
    assert server.blpop(["ingest:test:nothing"], timeout=0.3) is None  # an answer 0.3 s later
    server.close()
    error = _one_line_error(
        _ingest("crawl", "--redis", redis_url, "--url", "http://127.0.0.1:9/a",
                "-s", "INGEST_REDIS_TIMEOUT=-1")
    )  # fmt: skip
    assert "INGEST_REDIS_TIMEOUT -1" in error and "0: no limit" in error, error


def test_workers_pause_at_max_items_until_the_writer_drains(
    site: dict[str, Any], single: dict[str, Any], redis_url: str, tmp_path: Path
) -> None:
    """With no writer running, a worker pushed every result of the site past
    INGEST_REDIS_MAX_ITEMS=10 (the length was checked every 100 pushes, after pushing, and
    results in flight all landed): the list must stay at the limit (one result over at most)
    while the worker waits, and the run end as one process's once `ingest drain` starts."""
    site["gate"].set()
    worker = _start(
        "crawl", "site", "--sources", str(site["sources"]), "--redis", redis_url,
        "-s", "INGEST_REDIS_MAX_ITEMS=10", "-s", f"INGEST_REDIS_WORKER_TTL={td.WORKER_TTL}",
    )  # fmt: skip
    server = redis.Redis.from_url(redis_url)
    try:
        _wait_for(lambda: server.llen(distributed.ITEMS) >= 10, timeout=120, what="10 results")
        longest = 0
        for _ in range(30):  # 3 s: the worker holds its results instead of pushing them
            longest = max(longest, server.llen(distributed.ITEMS))
            time.sleep(0.1)
        assert longest <= 11, f"{longest} results wait, the limit is 10"
        assert worker.poll() is None, "the worker must wait for the writer, not finish"
        db = tmp_path / "distributed.db"
        drain = td._drain(redis_url, db)
        out = _finish(worker)
        _finish(drain)
    finally:
        if worker.poll() is None:
            td._kill(worker)
    assert out.strip().endswith("run complete"), out
    _assert_same(snapshot(db), single, runs=1)
