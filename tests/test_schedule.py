"""``ingest schedule``: each source on its own interval or cron line, runs logged, Ctrl-C and
SIGTERM stop it cleanly with nothing lost, a second scheduler is refused.

The due-time rules are tested as functions (real croniter); the scheduler itself runs as a real
process crawling a site served on 127.0.0.1, and is stopped with real signals.
"""

from __future__ import annotations

import json
import re
import shutil
import signal
import subprocess
import sys
import threading
import urllib.parse
import urllib.request
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from ingest.schedule import Job, after_run, first_due, next_fire
from ingest.webserver import free_port, serve_site
from tests import runs_helpers as h

pytestmark = pytest.mark.timeout(900)

T0 = datetime(2024, 5, 6, 10, 0, 0, tzinfo=UTC)


def test_intervals_and_cron_lines() -> None:
    assert next_fire("30m", T0) == T0 + timedelta(minutes=30)
    assert next_fire("2h", T0) == T0 + timedelta(hours=2)
    assert next_fire("1d", T0) == T0 + timedelta(days=1)
    fire = next_fire("15 */6 * * *", T0)  # cron lines are in local time
    local = fire.astimezone()
    assert local.minute == 15 and local.hour % 6 == 0 and fire > T0
    assert fire - T0 <= timedelta(hours=6, minutes=15)


def test_first_due_follows_the_last_run_in_the_database() -> None:
    assert first_due("30m", None, T0) == T0  # never ran: due now
    assert first_due("30m", T0 - timedelta(minutes=10), T0) == T0 + timedelta(minutes=20)
    assert first_due("30m", T0 - timedelta(hours=5), T0) < T0  # overdue: runs at once
    assert first_due("0 * * * *", None, T0) > T0  # a cron line waits for its next fire


def test_an_overrunning_run_skips_slots_instead_of_queueing_them() -> None:
    job = Job("a", "10m", T0)
    assert after_run(job, T0, T0 + timedelta(minutes=3)) == (T0 + timedelta(minutes=10), 0)
    due, missed = after_run(job, T0, T0 + timedelta(minutes=35))
    assert (due, missed) == (T0 + timedelta(minutes=40), 3)


def _schedule(db: Path, sources: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        h.ingest_cmd("schedule", "--db", str(db), "--sources", str(sources), *args),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=h.ROOT,
        env=h.env(),
    )


def _started(db: Path) -> list[datetime]:
    return [datetime.fromisoformat(s) for (s,) in h.query(db, "SELECT started_at FROM runs")]


def test_runs_each_source_on_its_interval_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    root, db = tmp_path / "site", tmp_path / "news.db"
    h.build(root, h.articles(3))
    with serve_site(root) as base:
        sources = h.write_sources(tmp_path / "sources.toml", base, every='"6s"')
        scheduler = _schedule(db, sources)
        try:
            h.wait_for(
                lambda: h.scalar(db, "SELECT count(*) FROM runs WHERE finished_at NOT NULL") >= 2,
                timeout=240,
            )
        finally:
            scheduler.send_signal(signal.SIGINT)  # what Ctrl-C sends
            out, err = scheduler.communicate(timeout=120)
    assert scheduler.returncode == 0, err
    runs = h.query(db, "SELECT id, status, articles_new FROM runs ORDER BY id")
    assert runs[:2] == [(1, "finished", 3), (2, "finished", 0)]
    assert all(status in ("finished", "interrupted") for _, status, _ in runs)
    starts = [  # when the scheduler started each run (the run's own start_at comes later)
        datetime.strptime(line[:23], "%Y-%m-%d %H:%M:%S,%f")
        for line in err.splitlines()
        if line.endswith("INFO run starts: site")
    ]
    assert len(starts) >= 2 and starts[1] - starts[0] >= timedelta(seconds=6)
    assert starts[1] - starts[0] < timedelta(seconds=6 + 30)  # ... and not much later
    assert "site: every 6s, next run" in err
    assert re.search(r"run starts: site\n.*\[site\] run 1 finished: \d+ URLs fetched", err)
    assert "run done: site" in err and "SIGINT: stopping" in err
    assert err.rstrip().endswith("scheduler stopped")


def test_a_typo_saved_into_the_sources_file_does_not_stop_the_runs(tmp_path: Path) -> None:
    """Each child crawl read the sources file itself: once a typo was saved into it, every
    run failed ("not valid TOML") until it was fixed, though the log said the schedule was
    kept. Runs now go on with the file as last read without error."""
    root, db = tmp_path / "site", tmp_path / "news.db"
    h.build(root, h.articles(3))
    with serve_site(root) as base:
        sources = h.write_sources(tmp_path / "sources.toml", base, every='"3s"')
        scheduler = _schedule(db, sources)
        try:
            finished = "SELECT count(*) FROM runs WHERE finished_at NOT NULL"
            h.wait_for(lambda: h.scalar(db, finished) >= 1, timeout=240)
            with sources.open("a", encoding="utf-8") as out:
                out.write("[sources.broken\n")  # saved half-typed
            h.wait_for(lambda: h.scalar(db, finished) >= 3, timeout=240)
        finally:
            scheduler.send_signal(signal.SIGINT)
            out_text, err = scheduler.communicate(timeout=120)
    assert scheduler.returncode == 0, err
    statuses = [s for (s,) in h.query(db, "SELECT status FROM runs ORDER BY id")]
    assert statuses[:3] == ["finished"] * 3, err
    assert "not valid TOML" in err and "keeping the previous schedule and sources" in err
    assert "run failed" not in err
    assert sources.read_text(encoding="utf-8").endswith("[sources.broken\n")  # left as saved


def test_sigterm_mid_run_stops_gracefully_and_nothing_is_lost(tmp_path: Path) -> None:
    root, db = tmp_path / "site", tmp_path / "news.db"
    h.build(root, h.articles(60))
    gate = threading.Event()
    with serve_site(root, routes={"/20*": h.slow_route(0.5, gate)}) as base:
        sources = h.write_sources(tmp_path / "sources.toml", base, every='"1h"')
        slow = ("-s", "CONCURRENT_REQUESTS=2", "-s", "INGEST_WRITE_BATCH=2")
        scheduler = _schedule(db, sources, *slow)
        try:
            h.wait_for(lambda: h.query(db, "SELECT id FROM runs WHERE status = 'running'"))
            second = subprocess.run(
                h.ingest_cmd("schedule", "--db", str(db), "--sources", str(sources)),
                capture_output=True,
                text=True,
                cwd=h.ROOT,
                env=h.env(),
                timeout=120,
            )
            gate.set()
            h.wait_for(lambda: h.scalar(db, "SELECT count(*) FROM articles") >= 5, timeout=240)
        finally:
            gate.set()
            scheduler.send_signal(signal.SIGTERM)
            served_then = len(h.article_gets(base.server))
            out, err = scheduler.communicate(timeout=180)
        assert scheduler.returncode == 0, err
        assert served_then < 60, "the signal must land mid-crawl"

        assert second.returncode == 75
        assert second.stderr.strip().startswith(
            f"Error: {db}: locked by a scheduler (pid {scheduler.pid}"
        )
        assert second.stderr.strip().endswith("not starting a second scheduler, try again later")

        # The crawl stopped gracefully: recorded as interrupted, everything it stored is there.
        assert h.query(db, "SELECT status FROM runs") == [("interrupted",)]
        assert "SIGTERM: stopping the running crawl" in err and "run interrupted: site" in err
        assert h.scalar(db, "PRAGMA integrity_check") == "ok"
        stored = {u for (u,) in h.query(db, "SELECT url FROM articles")}
        logged = {u for (u,) in h.query(db, "SELECT url FROM fetch_log WHERE outcome = 'new'")}
        assert 5 <= len(stored) < 60 and stored == logged
        assert h.run_row(db, 1)["articles_new"] == len(stored)

        # A restarted scheduler knows the source ran minutes ago: next run in about an hour.
        again = _schedule(db, sources)
        try:
            line = h.wait_for(lambda: _next_run_line(again), timeout=120)
        finally:
            again.send_signal(signal.SIGTERM)
            again.communicate(timeout=60)
    due = datetime.fromisoformat(line.rsplit(" ", 1)[1])
    started = _started(db)[0]
    assert due - started == timedelta(hours=1)
    assert len(_started(db)) == 1


def _next_run_line(proc: subprocess.Popen) -> str | None:
    assert proc.stderr is not None
    line = proc.stderr.readline()
    return line.strip() if "site: every 1h, next run" in line else None


def test_no_scheduled_source_is_one_line(tmp_path: Path) -> None:
    sources = tmp_path / "sources.toml"
    sources.write_text('[sources.x]\nurl = "http://127.0.0.1:9/"\n', encoding="utf-8")
    done = subprocess.run(
        h.ingest_cmd("schedule", "--db", str(tmp_path / "n.db"), "--sources", str(sources)),
        capture_output=True,
        text=True,
        cwd=h.ROOT,
        env=h.env(),
        timeout=120,
    )
    assert done.returncode == 2
    assert done.stderr.strip() == (
        f"Error: {sources}: no source has an 'every' interval or cron line; "
        'add e.g. every = "1h" or pass --every'
    )


# -- Scrapyd ----------------------------------------------------------------------------------


def _copy_project(target: Path) -> None:
    """The files scrapyd-deploy packs: the packages, scrapy.cfg and the project metadata."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in ("ingest", "spiders"):
        shutil.copytree(h.ROOT / name, target / name, ignore=ignore)
    for name in ("pyproject.toml", "README.md", "scrapy.cfg"):
        shutil.copy2(h.ROOT / name, target / name)


def _get(url: str, data: dict[str, str] | list[tuple[str, str]] | None = None) -> dict:
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    with urllib.request.urlopen(url, data=body, timeout=30) as response:
        return json.loads(response.read())


@pytest.mark.skipif(
    shutil.which("scrapyd", path=str(Path(sys.executable).parent)) is None,
    reason="scrapyd not installed (pip install -e '.[dev]')",
)
def test_scrapyd_deploy_and_scheduled_job(tmp_path: Path) -> None:
    bin_dir = Path(sys.executable).parent
    project, daemon, db = tmp_path / "project", tmp_path / "scrapyd", tmp_path / "news.db"
    project.mkdir()
    daemon.mkdir()
    _copy_project(project)
    port = free_port()
    config = (project / "scrapy.cfg").read_text()
    (project / "scrapy.cfg").write_text(
        config.replace("url = http://localhost:6800/", f"url = http://127.0.0.1:{port}/")
    )
    (daemon / "scrapyd.conf").write_text(
        f"[scrapyd]\nbind_address = 127.0.0.1\nhttp_port = {port}\npoll_interval = 0.5\n"
        f"eggs_dir = {daemon}/eggs\nlogs_dir = {daemon}/logs\ndbs_dir = {daemon}/dbs\n"
        "items_dir =\n"
    )
    built = subprocess.run(
        [str(bin_dir / "scrapyd-deploy"), "--build-egg", str(tmp_path / "news.egg")],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=300,
        env=h.env(),
    )
    assert built.returncode == 0, built.stderr
    with zipfile.ZipFile(tmp_path / "news.egg") as egg:
        names = set(egg.namelist())
        entry_points = egg.read("EGG-INFO/entry_points.txt").decode()
    assert {"spiders/news.py", "ingest/settings.py", "ingest/rules/boilerplate.toml"} <= names
    assert "[scrapy]\nsettings = ingest.settings" in entry_points

    root = tmp_path / "site"
    h.build(root, h.articles(4))
    server = subprocess.Popen(
        [str(bin_dir / "scrapyd")],
        cwd=daemon,
        env=h.env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        base_url = f"http://127.0.0.1:{port}"
        h.wait_for(lambda: _alive(base_url), timeout=60)
        deployed = subprocess.run(
            [str(bin_dir / "scrapyd-deploy")],
            cwd=project,
            capture_output=True,
            text=True,
            timeout=300,
            env=h.env(),
        )
        assert deployed.returncode == 0, deployed.stdout + deployed.stderr
        assert _get(f"{base_url}/listspiders.json?project=news-ingest")["spiders"] == ["news"]
        with serve_site(root) as site:
            sources = h.write_sources(tmp_path / "sources.toml", site)
            job = _get(
                f"{base_url}/schedule.json",
                [
                    ("project", "news-ingest"),
                    ("spider", "news"),
                    ("source", "site"),
                    ("sources", str(sources)),
                    ("setting", f"INGEST_DB={db}"),
                ],
            )["jobid"]
            h.wait_for(lambda: _finished(base_url, job), timeout=240, step=0.5)
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert h.query(db, "SELECT status, articles_new, errors FROM runs") == [("finished", 4, 0)]
    assert h.scalar(db, "SELECT count(*) FROM articles WHERE length(text) > 500") == 4


def _alive(base_url: str) -> bool:
    try:
        return _get(f"{base_url}/daemonstatus.json")["status"] == "ok"
    except OSError:
        return False


def _finished(base_url: str, job: str) -> bool:
    jobs = _get(f"{base_url}/listjobs.json?project=news-ingest")
    return any(j["id"] == job for j in jobs["finished"])
