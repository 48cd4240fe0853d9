"""Two runs never write one database at once; a lock left by a dead process is taken over.

Real processes: a slow real crawl holds the lock while a second ``ingest crawl`` and a
``scrapy crawl news`` try to start; a process holding the lock is SIGKILLed and the next crawl
takes its lock over.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from ingest.errors import LockedError, UserError
from ingest.lock import DbLock, Holder, holder, lock_path, pid_alive
from ingest.webserver import serve_site
from tests import runs_helpers as h

pytestmark = pytest.mark.timeout(600)


def test_lock_is_reentrant_in_one_process_and_names_its_holder(tmp_path: Path) -> None:
    db = tmp_path / "news.db"
    with DbLock(db, command="test") as lock:
        lock.set_run(42)
        again = DbLock(db).acquire()  # ingest crawl, then the store pipeline: same process
        assert again is lock
        again.release()
        assert lock.held
        info = holder(db)
        assert info is not None and info.pid == os.getpid() and info.run_id == 42
        assert "run 42" in info.describe() and "`test`" in info.describe()
    assert holder(db) is None
    assert lock_path(db).read_text() == ""  # never deleted (that would race), emptied


def test_lock_file_follows_symlinks(tmp_path: Path) -> None:
    real = tmp_path / "real.db"
    real.touch()
    link = tmp_path / "link.db"
    link.symlink_to(real)
    assert lock_path(link) == lock_path(real) == tmp_path / "real.db.lock"


def test_second_crawl_is_refused_while_the_first_runs(tmp_path: Path) -> None:
    root, db = tmp_path / "site", tmp_path / "news.db"
    h.build(root, h.articles(30))
    gate = threading.Event()  # article pages are served only once the test opens it
    with serve_site(root, routes={"/20*": h.slow_route(0, gate)}) as base:
        sources = h.write_sources(tmp_path / "sources.toml", base)
        first = h.start_crawl(db, sources, "-s", "DOWNLOAD_TIMEOUT=600")
        try:
            running = h.wait_for(lambda: _holder_with_run(db), timeout=120)
            assert running.pid == first.pid

            second = h.crawl(db, sources)
            scrapy = subprocess.run(
                [sys.executable, "-m", "scrapy", "crawl", "news", "-a", "source=site"]
                + ["-a", f"sources={sources}", "-s", f"INGEST_DB={db}", "-s", "LOG_LEVEL=INFO"],
                capture_output=True,
                text=True,
                cwd=h.ROOT,
                env=h.env(),
                timeout=120,
            )
            assert first.poll() is None, "the first crawl must still be running"
        finally:
            gate.set()
            out, err = first.communicate(timeout=300)
    assert first.returncode == 0, err
    for refused in (second, scrapy):
        assert refused.returncode == 75, refused.stderr
        errors = [line for line in refused.stderr.splitlines() if line.startswith("Error:")]
        assert errors == [
            f"Error: {db}: locked by run 1 (pid {first.pid} on {running.host}, "
            f"`{running.command}`, since {running.started_at}); not starting a second writer, "
            "try again later"
        ]
        assert "Traceback" not in refused.stderr
    assert second.stdout == "" and second.stderr.count("\n") == 1
    assert [r[0] for r in h.query(db, "SELECT status FROM runs")] == ["finished"]
    assert h.scalar(db, "SELECT count(*) FROM articles") == 30
    assert holder(db) is None


def _holder_with_run(db: Path) -> Holder | None:
    info = holder(db)
    return info if info is not None and info.run_id else None


def test_stale_lock_of_a_killed_process_is_taken_over(tmp_path: Path) -> None:
    root, db = tmp_path / "site", tmp_path / "news.db"
    h.build(root, h.articles(3))
    script = textwrap.dedent(
        f"""
        import time
        from ingest.lock import DbLock
        DbLock({str(db)!r}, command="doomed").acquire().set_run(7)
        print("locked", flush=True)
        time.sleep(600)
        """
    )
    doomed = subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, cwd=h.ROOT, env=h.env()
    )
    assert doomed.stdout is not None and doomed.stdout.readline().strip() == "locked"
    with serve_site(root) as base:
        sources = h.write_sources(tmp_path / "sources.toml", base)
        refused = h.crawl(db, sources)
        assert refused.returncode == 75 and "locked by run 7" in refused.stderr
        assert f"pid {doomed.pid}" in refused.stderr

        doomed.send_signal(signal.SIGKILL)
        doomed.wait()
        assert not pid_alive(doomed.pid)
        stale = json.loads(lock_path(db).read_text())
        assert stale["pid"] == doomed.pid  # the file still names the dead holder

        taken = h.crawl(db, sources)
    assert taken.returncode == 0, taken.stderr
    assert f"took over the stale lock of run 7 (pid {doomed.pid}" in taken.stderr
    assert "no longer running" in taken.stderr
    assert h.scalar(db, "SELECT count(*) FROM articles") == 3
    assert holder(db) is None


def test_unwritable_lock_location_is_one_line(tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        if os.access(folder, os.W_OK):
            pytest.skip("running as a user who can write anywhere")
        with pytest.raises(Exception) as info:
            DbLock(folder / "news.db").acquire()
        assert "cannot create the lock file" in str(info.value)
        assert not isinstance(info.value, LockedError)
    finally:
        folder.chmod(0o700)


def test_lock_names_python_m_ingest_as_ingest(monkeypatch):
    """`python -m ingest crawl` showed as `__main__.py crawl` in the lock and its message."""
    from ingest.lock import current_command

    monkeypatch.setattr(sys, "argv", ["/srv/app/ingest/__main__.py", "crawl", "--db", "x.db"])
    assert current_command() == "ingest crawl --db x.db"
    monkeypatch.setattr(sys, "argv", ["/srv/app/.venv/bin/scrapy", "crawl", "news"])
    assert current_command() == "scrapy crawl news"


def test_a_full_disk_is_one_line_before_the_run(full_disk: Path) -> None:
    """After a run filled the disk, every later command that takes the lock (crawl, reclean,
    schedule, drain) ended in a traceback writing the lock file."""
    db = full_disk / "news.db"
    with pytest.raises(UserError, match="cannot write the lock file .*free some space") as info:
        DbLock(db).acquire()
    assert not isinstance(info.value, LockedError)
    proc = subprocess.run(
        [sys.executable, "-m", "ingest", "reclean", "--db", str(db)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert proc.returncode != 0 and "Traceback" not in proc.stderr, proc.stderr
    assert proc.stderr.strip().startswith("Error: ") and "\n" not in proc.stderr.strip()


def test_a_killed_run_ends_at_its_last_write(tmp_path: Path) -> None:
    """A run found dead by the next one was given that moment as its end: a run killed at
    night and found in the morning 'took' the whole night."""
    from ingest.article import Article
    from ingest.lock import close_dead_runs
    from ingest.storage import Store
    from tests.articles_db import page

    db = tmp_path / "news.db"
    store = Store(db)
    run = store.start_run(["site"])
    store.write_batch(run, [page(Article(url="https://s.example/a", source="site", text="A."))])
    store.db.execute("UPDATE fetch_log SET fetched_at = '2024-05-03T02:00:00+00:00'")
    store.db.conn.commit()
    store.close()
    assert close_dead_runs(db) == [run]
    store = Store(db, readonly=True)
    try:
        row = store.db["runs"].get(run)
    finally:
        store.close()
    assert row["status"] == "killed" and row["finished_at"] == "2024-05-03T02:00:00+00:00"
    assert row["articles_new"] == 1
