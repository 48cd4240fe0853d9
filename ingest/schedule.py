"""``ingest schedule``: crawl each source on its own interval or cron expression, in the foreground.

Each run is a child process, ``python -m ingest crawl NAME... --db DB``, for two reasons: Scrapy's
Twisted reactor cannot be started twice in one process, and a crawl that crashes, leaks or is
killed cannot take the scheduler down with it. Sources due at the same moment share one run.

When a source is due comes from the database, not from memory: an ``every = "30m"`` source is due
30 minutes after its last run started (at once if it never ran), so restarting the scheduler
neither repeats nor skips runs. A cron expression (``every = "0 */6 * * *"``, local time) is due
at its next fire time after the last run. A slot missed because a run overran is skipped, not
queued behind it.

Ctrl-C or SIGTERM stops the scheduler: a running crawl gets SIGTERM and stops gracefully (what it
fetched is stored, the run is recorded as ``interrupted``); a second signal is passed on too and
Scrapy then stops at once; batches already committed are never lost. A second scheduler on the
same database is refused (lock ``<db>.schedule.lock``).
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import FrameType

from croniter import croniter

from ingest.errors import ConfigError, UserError
from ingest.health import EXIT_DEGRADED
from ingest.lock import DbLock
from ingest.sources import Source, load_sources, select_sources
from ingest.storage import Store

log = logging.getLogger("ingest.schedule")

EXIT_LOCKED = 75
EXIT_INTERRUPTED = 130


@dataclass
class Job:
    """One scheduled source and when it is due next (aware UTC datetime)."""

    name: str
    every: str
    due: datetime


def interval_of(every: str) -> int | None:
    """Seconds of an interval like "30m" (as the sources file reads it); None for cron lines."""
    return Source(name="every", domains=("every",), every=every).interval_seconds


def next_fire(every: str, after: datetime) -> datetime:
    """The first time strictly after ``after`` that ``every`` (interval or cron) fires."""
    seconds = interval_of(every)
    if seconds:
        return after + timedelta(seconds=seconds)
    local = after.astimezone()  # cron lines are written in the machine's local time
    return croniter(every, local).get_next(datetime).astimezone(UTC)


def last_started(store: Store, name: str) -> datetime | None:
    """Start of the most recent run that crawled source ``name``."""
    row = store.db.execute(
        "SELECT max(started_at) FROM runs "
        "WHERE EXISTS (SELECT 1 FROM json_each(runs.sources) WHERE value = ?)",
        [name],
    ).fetchone()
    return datetime.fromisoformat(row[0]) if row and row[0] else None


def first_due(every: str, last: datetime | None, now: datetime) -> datetime:
    """When a source is due on start-up: an interval after its last run (now if none); for a
    cron line, its next fire after the last run (after now if it never ran)."""
    if last is None:
        return now if interval_of(every) else next_fire(every, now)
    return next_fire(every, last)


def after_run(job: Job, started: datetime, now: datetime) -> tuple[datetime, int]:
    """Next due time after a run that started at ``started``; and how many slots were missed
    (an overrunning crawl skips slots rather than queueing runs behind it)."""
    due = next_fire(job.every, started)
    missed = 0
    while due <= now:
        due = next_fire(job.every, due)
        missed += 1
    return due, missed


class Scheduler:
    """Runs due sources as child ``ingest crawl`` processes until stopped by a signal."""

    def __init__(
        self,
        db: str | Path,
        sources_file: str | Path,
        names: Sequence[str] = (),
        *,
        default_every: str | None = None,
        crawl_args: Sequence[str] = (),
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.db = str(db)
        self.sources_file = str(sources_file)
        self.names = list(names)
        self.default_every = default_every
        self.crawl_args = list(crawl_args)
        self.clock = clock
        self.jobs: dict[str, Job] = {}
        self.runs = 0
        self._mtime: float | None = None
        self._good = ""  # the sources file as last read without error
        self._stopping = False
        self._child: subprocess.Popen[str] | None = None

    # -- configuration ----------------------------------------------------------------------

    def load(self) -> None:
        """(Re)read the sources file; keep due times of unchanged jobs."""
        sources = select_sources(load_sources(self.sources_file), self.names, self.sources_file)
        self._mtime = _mtime(self.sources_file)
        text = Path(self.sources_file).read_text(encoding="utf-8")
        every = {s.name: s.every or self.default_every for s in sources}
        unscheduled = sorted(n for n, e in every.items() if not e)
        if self.default_every:
            _check_every(self.default_every)
        scheduled = {n: e for n, e in every.items() if e}
        if not scheduled:
            raise ConfigError(
                f"{self.sources_file}: no source has an 'every' interval or cron line; "
                'add e.g. every = "1h" or pass --every'
            )
        now = self.clock()
        store = Store(self.db)
        try:
            jobs = {}
            for name, spec in scheduled.items():
                old = self.jobs.get(name)
                if old is not None and old.every == spec:
                    jobs[name] = old
                else:
                    jobs[name] = Job(name, spec, first_due(spec, last_started(store, name), now))
        finally:
            store.close()
        self.jobs = jobs
        self._good = text  # the file as last accepted whole: what runs read while it is broken
        for job in jobs.values():
            log.info("%s: every %s, next run %s", job.name, job.every, _local(job.due))
        if unscheduled:
            log.info("not scheduled (no 'every'): %s", ", ".join(unscheduled))

    def _reload_if_changed(self) -> None:
        if _mtime(self.sources_file) == self._mtime:
            return
        try:
            self.load()
            log.info("reloaded %s", self.sources_file)
        except UserError as exc:
            self._mtime = _mtime(self.sources_file)
            log.error("%s; keeping the previous schedule and sources until it is fixed", exc)

    # -- main loop --------------------------------------------------------------------------

    def run(self, max_runs: int | None = None) -> int:
        """Schedule until a signal (or ``max_runs`` runs); returns the exit status (0)."""
        with DbLock(self.db, suffix=".schedule.lock", role="scheduler"):
            self.load()
            previous = self._install_signals()
            try:
                while not self._stopping:
                    self._reload_if_changed()
                    due = sorted(n for n, j in self.jobs.items() if j.due <= self.clock())
                    if due:
                        self._run(due)
                        if max_runs is not None and self.runs >= max_runs:
                            break
                    else:
                        self._sleep_until_due()
            finally:
                _restore_signals(previous)
        log.info("scheduler stopped")
        return 0

    def _sleep_until_due(self) -> None:
        """Sleep in short steps: a signal stops the wait soon, and the sources file is re-read
        every half minute."""
        wake = min(j.due for j in self.jobs.values())
        deadline = time.monotonic() + min((wake - self.clock()).total_seconds(), 30.0)
        while not self._stopping and time.monotonic() < deadline:
            time.sleep(min(0.2, max(0.01, deadline - time.monotonic())))

    def _run(self, names: list[str]) -> None:
        started = self.clock()
        status = self._crawl(names)
        self.runs += 1
        now = self.clock()
        for name in names:
            job = self.jobs[name]
            job.due, missed = after_run(job, started, now)
            if missed:
                log.warning("%s: run overran, skipped %d scheduled slot(s)", name, missed)
            log.info("%s: next run %s", name, _local(job.due))
        if status == EXIT_INTERRUPTED:
            self._stopping = True

    def _crawl(self, names: list[str]) -> int:
        """One ``ingest crawl`` child, on the sources as last read without error."""
        with self._sources_for_run() as sources:
            return self._child_crawl(names, sources)

    @contextlib.contextmanager
    def _sources_for_run(self) -> Iterator[str]:
        """The sources file, or a copy of it as last read without error while it is broken.

        Each crawl reads the file itself: a typo saved into it (or the file moved away) while
        the scheduler ran made every run fail until it was fixed, though the log said the
        previous schedule was kept."""
        try:
            current = Path(self.sources_file).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            current = None
        if current == self._good:
            yield self.sources_file
            return
        handle, copy = tempfile.mkstemp(prefix="ingest-sources-", suffix=".toml")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                out.write(self._good)
            yield copy
        finally:
            Path(copy).unlink(missing_ok=True)

    def _child_crawl(self, names: list[str], sources: str) -> int:
        """One ``ingest crawl`` child; its output is logged line by line as it comes."""
        command = [
            sys.executable,
            "-m",
            "ingest",
            "crawl",
            *names,
            "--db",
            self.db,
            "--sources",
            sources,
            *self.crawl_args,
        ]
        log.info("run starts: %s", " ".join(names))
        self._child = subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,  # Ctrl-C reaches the scheduler only; it passes SIGTERM on
        )
        reader = threading.Thread(target=_relay, args=(self._child, names), daemon=True)
        reader.start()
        status = self._child.wait()
        reader.join(timeout=5)
        self._child = None
        _log_status(names, status)
        return status

    # -- signals ----------------------------------------------------------------------------

    def _install_signals(self) -> dict[int, object]:
        previous = {}
        for signum in (signal.SIGINT, signal.SIGTERM):
            previous[signum] = signal.signal(signum, self._on_signal)
        return previous

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        """Stop scheduling; pass the signal on to a running crawl as SIGTERM (graceful stop;
        a second one makes Scrapy stop at once)."""
        self._stopping = True
        child = self._child
        name = signal.Signals(signum).name
        if child is not None and child.poll() is None:
            log.warning("%s: stopping the running crawl (pid %d) ...", name, child.pid)
            with contextlib.suppress(ProcessLookupError):
                os.kill(child.pid, signal.SIGTERM)
        else:
            log.warning("%s: stopping", name)


def _relay(child: subprocess.Popen[str], names: list[str]) -> None:
    assert child.stdout is not None
    label = ",".join(names)
    for line in child.stdout:
        line = line.rstrip()
        if line:
            log.info("[%s] %s", label, line)


def _log_status(names: list[str], status: int) -> None:
    label = ",".join(names)
    if status == 0:
        log.info("run done: %s", label)
    elif status == EXIT_DEGRADED:
        log.warning("run done with a health alert: %s (see above)", label)
    elif status == EXIT_LOCKED:
        log.warning("run skipped: %s (another run holds the database)", label)
    elif status in (EXIT_INTERRUPTED, -signal.SIGTERM, 128 + signal.SIGTERM):
        log.warning("run interrupted: %s", label)
    else:
        log.error("run failed with exit status %d: %s", status, label)


def _restore_signals(previous: dict[int, object]) -> None:
    for signum, handler in previous.items():
        signal.signal(signum, handler)  # type: ignore[arg-type]


def _mtime(path: str) -> float | None:
    try:
        return os.stat(path).st_mtime
    except OSError:
        return None


def _check_every(every: str) -> None:
    if not (interval_of(every) or croniter.is_valid(every)):
        raise ConfigError(f'--every {every!r}: use e.g. "30m", "6h" or a cron line')


def _local(when: datetime) -> str:
    return when.astimezone().isoformat(timespec="seconds")
