"""A crawl killed with SIGKILL mid-way loses nothing it had stored; the next run marks it killed
and continues where it stopped, without fetching again what was stored.

A real ``ingest crawl`` child process crawls a 120-article site whose article pages are served
slowly, is SIGKILLed (with its extraction workers) once part of the articles are committed, and
a second real run completes the job.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from ingest.lock import holder, lock_path
from ingest.webserver import serve_site
from tests import runs_helpers as h

pytestmark = pytest.mark.timeout(900)

TOTAL = 120


def _articles(db: Path) -> int:
    try:
        return h.scalar(db, "SELECT count(*) FROM articles")
    except Exception:  # noqa: BLE001 - not created yet
        return 0


def test_sigkill_mid_crawl_then_resume(tmp_path: Path) -> None:
    root, db = tmp_path / "site", tmp_path / "news.db"
    manifest = h.build(root, h.articles(TOTAL))
    with serve_site(root, routes={"/20*": h.slow_route(0.2)}) as base:
        sources = h.write_sources(tmp_path / "sources.toml", base)
        crawl = h.start_crawl(
            db, sources, "-s", "INGEST_WRITE_BATCH=5", "-s", "CONCURRENT_REQUESTS=4"
        )
        h.wait_for(lambda: _articles(db) >= 25, timeout=300)
        os.kill(crawl.pid, signal.SIGKILL)  # the crawl only: its workers must go by themselves
        crawl.wait(timeout=30)
        killed_at = len(base.server.log)
        assert crawl.returncode == -signal.SIGKILL
        _no_process_left(crawl.pid)

        # What the killed run left: a sound database, a run still marked running.
        assert h.scalar(db, "PRAGMA integrity_check") == "ok"
        kept = dict(h.query(db, "SELECT url, content_hash FROM articles"))
        assert 25 <= len(kept) < TOTAL, "the kill must land mid-crawl"
        log_rows = h.scalar(db, "SELECT count(*) FROM fetch_log WHERE run_id = 1")
        assert h.query(db, "SELECT status FROM runs") == [("running",)]
        assert json_pid(db) == crawl.pid  # the lock file names the dead holder; flock is gone
        assert holder(db) is None

        resumed = h.crawl(db, sources, "-s", "INGEST_WRITE_BATCH=5")
        assert resumed.returncode == 0, resumed.stderr
        refetched = h.article_gets(base.server, killed_at)

    # Nothing lost, nothing twice, the dead run closed.
    assert h.scalar(db, "PRAGMA integrity_check") == "ok"
    final = dict(h.query(db, "SELECT url, content_hash FROM articles"))
    assert len(final) == TOTAL
    assert all(final[url] == digest for url, digest in kept.items())
    assert h.scalar(db, "SELECT count(DISTINCT content_hash) FROM articles") == TOTAL
    assert h.scalar(db, "SELECT count(*) FROM fetch_log WHERE run_id = 1") == log_rows
    status, message = h.query(db, "SELECT status, message FROM runs WHERE id = 1")[0]
    assert status == "killed" and f"process {crawl.pid}" in message
    run = h.run_row(db, 2)
    assert run["status"] == "finished" and run["articles_new"] == TOTAL - len(kept)

    # The second run fetched only what the first had not stored.
    stored_paths = {_path(url) for url in kept}
    assert not stored_paths & set(refetched)
    assert sorted(refetched) == sorted(set(refetched))
    assert set(refetched) == set(manifest.articles) - stored_paths
    run2_urls = {u for (u,) in h.query(db, "SELECT url FROM fetch_log WHERE run_id = 2")}
    assert not run2_urls & set(kept)
    assert lock_path(db).read_text() == ""


def json_pid(db: Path) -> int:
    import json

    return json.loads(lock_path(db).read_text())["pid"]


def _path(url: str) -> str:
    return "/" + url.split("/", 3)[3]


def _no_process_left(group: int, timeout: float = 15) -> None:
    """No process of the killed crawl's group survives (no orphaned extraction workers)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.killpg(group, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    os.killpg(group, signal.SIGKILL)
    raise AssertionError("processes of the killed crawl were left running")
