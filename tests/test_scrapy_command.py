"""``scrapy crawl news`` (ingest/scrapy_commands/crawl.py) answers like ``ingest crawl``: bad input
is one line with exit status 2 before Scrapy starts, and the exit status carries how the run
ended (3 when a health alert fired), so cron or a monitor running the Scrapy-native command sees
a broken source too.

Real ``python -m scrapy`` children from the project folder (``scrapy.cfg``) against a generated
site served on 127.0.0.1; the health scenario is test_health.py's (a redesign to app shells).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from ingest.health import EXIT_DEGRADED
from ingest.webserver import free_port, serve_site
from tests import runs_helpers as h
from tests.test_health import _break

pytestmark = pytest.mark.timeout(600)


def scrapy_crawl(db: Path | None, *args: str) -> subprocess.CompletedProcess[str]:
    """One real ``scrapy crawl news`` run, to completion, quiet but for warnings."""
    database = ["-s", f"INGEST_DB={db}"] if db else []
    return subprocess.run(
        [sys.executable, "-m", "scrapy", "crawl", "news", *database]
        + ["-s", "LOG_LEVEL=WARNING", *args],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=h.ROOT,
        env=h.env(),
    )


def test_health_alert_gives_exit_status_3(tmp_path: Path) -> None:
    root, db = tmp_path / "site", tmp_path / "news.db"
    items = h.articles(6)
    h.build(root, items)
    with serve_site(root) as base:
        sources = h.write_sources(tmp_path / "sources.toml", base)
        first = scrapy_crawl(db, "-a", f"sources={sources}")
        assert first.returncode == 0, first.stderr[-2000:]
        assert h.run_row(db, 1)["status"] == "finished"

        items += h.articles(4, first=6)  # a redesign: the new articles have no text
        manifest = h.build(root, items)
        _break(root, manifest, items, [6, 7, 8, 9])
        second = scrapy_crawl(db, "-a", f"sources={sources}", "-a", "source=site")
    assert second.returncode == EXIT_DEGRADED, second.stderr[-2000:]
    run = h.run_row(db, 2)
    assert run["status"] == "degraded" and "site: no articles from 4 pages" in run["message"]
    assert "health: site: no articles" in second.stderr  # the log says why
    assert "Traceback" not in second.stderr


def _one_line_error(proc: subprocess.CompletedProcess[str]) -> str:
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr
    error = proc.stderr.strip()
    assert error.startswith("Error: ") and "\n" not in error, error
    return error


def test_unknown_source_is_one_line(tmp_path: Path) -> None:
    sources = h.write_sources(tmp_path / "sources.toml", "http://127.0.0.1:9")
    db = tmp_path / "news.db"
    error = _one_line_error(scrapy_crawl(db, "-a", f"sources={sources}", "-a", "source=nope"))
    assert "unknown source nope; known sources: site" in error
    assert not db.exists()  # refused before anything was created


def test_source_beside_url_is_one_line(tmp_path: Path) -> None:
    sources = h.write_sources(tmp_path / "sources.toml", "http://127.0.0.1:9")
    db = tmp_path / "news.db"
    args = ["-a", f"sources={sources}", "-a", "source=site", "-a", "url=http://127.0.0.1:9/a"]
    error = _one_line_error(scrapy_crawl(db, *args))
    assert "source names and --url given together" in error


def test_bad_clean_selector_is_one_line(tmp_path: Path) -> None:
    sources = h.write_sources(tmp_path / "sources.toml", "http://127.0.0.1:9")
    with sources.open("a", encoding="utf-8") as out:
        out.write("[sources.site.clean]\nkeep = ['article >']\n")
    error = _one_line_error(scrapy_crawl(tmp_path / "news.db", "-a", f"sources={sources}"))
    assert "[sources.site]: [clean] invalid keep selector 'article >'" in error


def test_unreachable_redis_is_one_line(tmp_path: Path) -> None:
    sources = h.write_sources(tmp_path / "sources.toml", "http://127.0.0.1:9")
    url = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    proc = scrapy_crawl(None, "-a", f"sources={sources}", "-s", f"INGEST_REDIS_URL={url}")
    error = _one_line_error(proc)
    assert f"cannot reach Redis at {url}" in error and "start redis-server" in error


def test_database_on_a_worker_is_refused(tmp_path: Path) -> None:
    """A worker writes no database (``ingest drain`` does): INGEST_DB given to one is refused
    rather than ignored."""
    sources = h.write_sources(tmp_path / "sources.toml", "http://127.0.0.1:9")
    url = f"redis://127.0.0.1:{free_port()}/0"
    db = tmp_path / "news.db"
    error = _one_line_error(
        scrapy_crawl(db, "-a", f"sources={sources}", "-s", f"INGEST_REDIS_URL={url}")
    )
    assert "is not used by a Redis worker" in error and "`ingest drain" in error
    assert not db.exists()
