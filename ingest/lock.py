"""One writer per database: a lock file next to it, held with ``flock`` for the life of a run.

Two crawls writing one database at once would race on the same articles and muddle the run
figures, so ``ingest crawl``, ``scrapy crawl news`` and ``ingest reclean`` all take the lock
``<db>.lock`` first. The kernel drops an ``flock`` when its process dies (SIGKILL included), so a
lock left by a dead process is free by construction; the file's content (pid, host, run, start
time) only says who holds it, for the one-line message the second run prints, and who held it
last, so a take-over of a stale lock can be logged.

The file is never deleted (deleting a lock file races with a process about to lock it); an
empty file means "free". Within one process the lock is re-entrant: ``ingest crawl`` takes it
before Scrapy starts and the store pipeline takes it again for ``scrapy crawl``.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import logging
import os
import socket
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from ingest.defaults import one_run
from ingest.errors import LockedError, UserError
from ingest.storage import Store, now_iso

log = logging.getLogger(__name__)

#: lock file path -> the lock this process holds on it (re-entrancy).
_HELD: dict[str, DbLock] = {}


def lock_path(db: str | Path, suffix: str = ".lock") -> Path:
    """The lock file of a database: next to the real file (symlinks resolved)."""
    real = Path(db).resolve()
    return real.with_name(real.name + suffix)


@dataclass(frozen=True)
class Holder:
    """Who holds (or last held) a database lock, as written in the lock file."""

    pid: int
    host: str
    started_at: str
    command: str
    run_id: int | None = None

    @classmethod
    def parse(cls, text: str) -> Holder | None:
        try:
            data = json.loads(text)
            return cls(
                pid=int(data["pid"]),
                host=str(data.get("host", "?")),
                started_at=str(data.get("started_at", "?")),
                command=str(data.get("command", "?")),
                run_id=data.get("run_id"),
            )
        except (ValueError, KeyError, TypeError):
            return None

    def describe(self, role: str = "writer") -> str:
        """``run 12 (pid 345 on host, `ingest crawl demo`, since ...)``; a lock that no run
        holds is named after its ``role`` (the scheduler's said "a run")."""
        run = (
            f"run {self.run_id}" if self.run_id else ("a run" if role == "writer" else f"a {role}")
        )
        return f"{run} (pid {self.pid} on {self.host}, `{self.command}`, since {self.started_at})"

    def is_alive(self) -> bool:
        """True when the process still exists (only knowable on the same host)."""
        if self.host != socket.gethostname():
            return True
        return pid_alive(self.pid)


def pid_alive(pid: int) -> bool:
    """Does a process with this pid exist? (signal 0 checks without sending anything)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def current_command() -> str:
    """A short form of this process's command line, for the lock file and messages."""
    name = Path(sys.argv[0]).name if sys.argv else "python"
    if name == "__main__.py":  # `python -m ingest`: the command the user knows
        name = "ingest"
    return " ".join([name, *sys.argv[1:]])[:200]


class DbLock:
    """The write lock of one database. ``with DbLock(db): ...`` or acquire()/release()."""

    def __init__(
        self,
        db: str | Path,
        command: str | None = None,
        *,
        suffix: str = ".lock",
        role: str = "writer",
    ) -> None:
        self.db = Path(db)
        self.path = lock_path(db, suffix)
        self.role = role  # named in the message: "not starting a second writer"
        self.command = command or current_command()
        self.previous: Holder | None = None  # a stale holder taken over, if any
        self._file: IO[str] | None = None
        self._depth = 0
        self._info: dict[str, Any] = {}

    def acquire(self) -> DbLock:
        """Take the lock or raise :class:`LockedError` naming the holder. Returns the lock held
        (this one, or the one this process already holds on the same database)."""
        held = _HELD.get(str(self.path))
        if held is not None:
            held._depth += 1
            return held
        handle = self._open()
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno not in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                handle.close()
                raise UserError(f"{self.path}: cannot lock ({exc.strerror})") from None
            holder = Holder.parse(_read(handle))
            handle.close()
            who = holder.describe(self.role) if holder else "another process"
            raise LockedError(
                f"{self.db}: locked by {who}; not starting a second {self.role}, try again later"
            ) from None
        self._file = handle
        self._depth = 1
        try:
            self._take_over(_read(handle))
        except UserError:
            self._file = None
            with contextlib.suppress(OSError):  # the unwritten holder line cannot be flushed
                handle.close()  # unlocks: nothing was started
            raise
        _HELD[str(self.path)] = self
        return self

    def _open(self) -> IO[str]:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            return open(self.path, "a+", encoding="utf-8")  # noqa: SIM115 - held for the run
        except OSError as exc:
            raise UserError(
                f"{self.path}: cannot create the lock file ({exc.strerror}); pass a writable --db"
            ) from None

    def _take_over(self, old: str) -> None:
        previous = Holder.parse(old) if old.strip() else None
        if previous is not None and previous.pid != os.getpid():
            self.previous = previous
            state = "no longer running" if not previous.is_alive() else "lock released"
            log.warning("took over the stale lock of %s: %s", previous.describe(self.role), state)
        self._info = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "started_at": now_iso(),
            "command": self.command,
            "run_id": None,
        }
        self._write()

    def set_run(self, run_id: int | None) -> None:
        """Name the run holding the lock, so a second run's message can say which one."""
        if self._file is None:
            held = _HELD.get(str(self.path))
            if held is not None:
                held.set_run(run_id)
            return
        self._info["run_id"] = run_id
        self._write()

    def _write(self) -> None:
        """Record the holder in the lock file (a full disk is one line: the next scheduled run
        met it as a traceback after the run that filled the disk)."""
        assert self._file is not None
        try:
            self._file.seek(0)
            self._file.truncate()
            self._file.write(json.dumps(self._info) + "\n")
            self._file.flush()
        except OSError as exc:
            raise UserError(
                f"{self.path}: cannot write the lock file ({exc.strerror}); free some space on "
                "that disk or pass another --db"
            ) from None

    def release(self) -> None:
        """Drop one hold; the last one empties the file (= free) and unlocks."""
        target = _HELD.get(str(self.path))
        if target is None:
            return
        target._depth -= 1
        if target._depth > 0:
            return
        del _HELD[str(self.path)]
        handle, target._file = target._file, None
        if handle is None:
            return
        try:
            handle.seek(0)
            handle.truncate()
            handle.flush()
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
            handle.close()

    @property
    def held(self) -> bool:
        return str(self.path) in _HELD

    def __enter__(self) -> DbLock:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()


def holder(db: str | Path) -> Holder | None:
    """Who holds the lock of ``db`` right now, or None when it is free."""
    path = lock_path(db)
    if not path.exists():
        return None
    with open(path, encoding="utf-8") as handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_SH | fcntl.LOCK_NB)
        except OSError:
            return Holder.parse(handle.read())
        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
        return None


def _read(handle: IO[str]) -> str:
    handle.seek(0)
    return handle.read()


def close_dead_runs(db: str | Path, finder: int | None = None) -> list[int]:
    """Mark runs left ``running`` by a process that died as ``killed``; return their ids.

    Only call with the lock held: then no other process can be running on this database, so a
    ``running`` row is one whose process was killed (SIGKILL, OOM, power loss) before it could
    close it. Its figures are computed from what it had committed to the fetch log.
    """
    store = Store(db)
    try:
        rows = list(store.db.execute("SELECT id, pid, host FROM runs WHERE status = 'running'"))
        closed = []
        for run_id, pid, host in rows:
            if run_id == finder:
                continue
            last = store.db.execute(
                f"SELECT max(fetched_at) FROM fetch_log WHERE {one_run()}",
                [run_id],
            ).fetchone()[0]
            store.finish_run(
                run_id,
                "killed",
                message=f"process {pid} on {host} died without closing the run"
                + (f" (last write {last})" if last else "")
                + "; what it had stored is kept",
                finished_at=last,  # not now: a run found a day later did not take a day
            )
            closed.append(run_id)
            log.warning("run %s was left running by dead process %s: marked killed", run_id, pid)
        return closed
    finally:
        store.close()


def exit_with_parent(parent: int | None = None, interval: float = 0.5) -> None:
    """In a pool worker: exit as soon as the process that started the pool is gone.

    A crawl killed with SIGKILL cannot stop its extraction workers, and they would block on
    their task queue forever (they hold its write end themselves; a fork server's workers also
    keep the fork server alive). A daemon thread watches ``parent`` (the pool's owner; with a
    fork server it is not our parent process) and ends the worker when it is gone.
    """
    owner = parent or os.getppid()

    def watch() -> None:
        while pid_alive(owner) and (parent or os.getppid() == owner):
            time.sleep(interval)
        os._exit(0)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()
