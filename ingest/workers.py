"""The extraction worker processes: a fork server with the extraction stack loaded, and the
pool of workers forked from it.

Workers are forked from a fork server, not from the crawl process (forking a process that runs
threads, the reactor and the writer, is unsafe), and the server loads :mod:`ingest.preload`
once. :func:`start_fork_server` is called as soon as a crawl knows it will extract, before
Scrapy is imported: the server then loads on the other core while the crawl starts up and reads
its feeds, and the first article page finds its worker ready.
"""

from __future__ import annotations

import asyncio
import concurrent.futures.process
import contextlib
import fcntl
import multiprocessing
import multiprocessing.forkserver
import os
import signal
import sys
import threading
import weakref
from collections.abc import Callable
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor, wait
from typing import Any, Generic, TypeVar

Arg = TypeVar("Arg")
Result = TypeVar("Result")

#: Pages queued to the worker processes beyond one each (Python's default: 1 in all). The
#: threads that refill that queue share the GIL with the busy reactor thread and may wait a
#: switch interval (5 ms, about one page's extraction) for it: a deeper queue keeps the
#: workers fed meanwhile.
concurrent.futures.process.EXTRA_QUEUED_CALLS = 32
PRELOAD = ["ingest.preload"]
#: The crawl process's GIL switch interval while a pool runs (Python's default: 5 ms). The
#: pool's own threads, which hand pages to the workers and take their results, wait up to
#: that long for the GIL whenever the reactor thread holds it; meanwhile the workers idle.
SWITCH_INTERVAL = 0.001
#: Bytes the result pipe holds (Linux's default: 64 KiB, three or four results), so a worker
#: seldom waits to write a result while the crawl process is busy elsewhere.
RESULT_PIPE_BYTES = 1 << 20
F_SETPIPE_SZ = getattr(fcntl, "F_SETPIPE_SZ", None)  # Linux only


def start_fork_server() -> None:
    """Start the fork server (once per process) with SIGINT ignored, so every worker it forks
    ignores Ctrl-C from its first instruction: the crawl stops its workers itself once the pages
    in flight are done (an ignored signal survives fork and exec; the initializer alone would
    leave a moment in which Ctrl-C kills a worker and breaks the pool)."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(PRELOAD)
    if threading.current_thread() is not threading.main_thread():
        return  # signal handlers can only be changed there; the pool starts it as it is
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        multiprocessing.forkserver.ensure_running()
    finally:
        signal.signal(signal.SIGINT, previous)


class ExtractionPool(ProcessPoolExecutor):
    """A process pool that runs this process at :data:`SWITCH_INTERVAL` while it is open.

    The interval is process-wide: the first open pool saves the one it found and the last to
    shut down puts it back, so that a program that crawls and then does other work (a
    notebook, ``ingest reclean`` called from a script) gets Python's own back."""

    _open = 0
    _saved = 0.0
    _lock = threading.Lock()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        with ExtractionPool._lock:
            if ExtractionPool._open == 0:
                ExtractionPool._saved = sys.getswitchinterval()
            ExtractionPool._open += 1
            self._switching = True
            sys.setswitchinterval(min(ExtractionPool._saved, SWITCH_INTERVAL))

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        try:
            super().shutdown(wait=wait, cancel_futures=cancel_futures)
        finally:  # even when Ctrl-C cuts the wait short
            with ExtractionPool._lock:
                if self._switching:  # shutdown may be called more than once
                    self._switching = False
                    ExtractionPool._open -= 1
                    if ExtractionPool._open == 0:
                        sys.setswitchinterval(ExtractionPool._saved)


def start_pool(count: int) -> ProcessPoolExecutor:
    """A pool of ``count`` extraction workers, started at once from a thread (each start waits
    for the fork server) so that they are ready before the first page arrives."""
    from ingest.process import warm_up_worker  # not before the fork server starts: it is slow

    start_fork_server()
    pool = ExtractionPool(
        max_workers=count,
        mp_context=multiprocessing.get_context("forkserver"),
        initializer=warm_up_worker,
        initargs=(os.getpid(),),
    )
    widen_result_pipe(pool)
    ready = _READY[pool] = threading.Event()
    threading.Thread(
        target=_start_workers, args=(pool, count, ready), name="ingest-start-workers", daemon=True
    ).start()
    return pool


def widen_result_pipe(pool: ProcessPoolExecutor) -> None:
    """Let the pool's result pipe hold :data:`RESULT_PIPE_BYTES` (Linux; elsewhere, or past
    the system's limit, it stays as it is). Both workers wrote to a full pipe in a tenth of
    the samples of a bench crawl, idle until the crawl process read it."""
    if F_SETPIPE_SZ is None:
        return
    writer = getattr(getattr(pool, "_result_queue", None), "_writer", None)
    with contextlib.suppress(AttributeError, OSError):
        fcntl.fcntl(writer.fileno(), F_SETPIPE_SZ, RESULT_PIPE_BYTES)  # type: ignore[union-attr]


#: Set once every worker of a pool from :func:`start_pool` has run its first task.
_READY: weakref.WeakKeyDictionary[Executor, threading.Event] = weakref.WeakKeyDictionary()


def workers_ready(pool: Executor) -> bool:
    """False while the pool's workers are still starting (the fork server loads for about a
    second): a task given to it now would wait for them, and the crawl's first sitemap did."""
    event = _READY.get(pool)
    return event is None or event.is_set()


def _start_workers(pool: ProcessPoolExecutor, count: int, ready: threading.Event) -> None:
    """One no-op per worker starts them all now. A run with nothing to extract may shut the
    pool down before the last has started: then there is nothing left to start (submitting
    raised, and its traceback went to stderr, which cron mails)."""
    try:
        started = [pool.submit(int) for _ in range(count)]
    except RuntimeError:  # "cannot schedule new futures after shutdown"
        return
    wait(started)
    ready.set()


def extraction_pool(count: int | None) -> Executor:
    """Where a crawl or ``ingest reclean`` runs extraction: ``count`` worker processes
    (:func:`start_pool`; None: one per core), or with 0 one thread of this process (tests and
    debugging: breakpoints and profilers see the extraction)."""
    if count == 0:
        return ThreadPoolExecutor(max_workers=1, thread_name_prefix="ingest-extract")
    return start_pool(count or os.cpu_count() or 1)


#: Calls sent to the pool as one task at most (see :class:`Batches`): enough to share the cost
#: of a task, few enough that the last pages of a crawl spread over every worker.
BATCH_CALLS = 8


class Batches(Generic[Arg, Result]):
    """Calls made in one turn of the event loop go to the pool as one task.

    A task costs the crawl process about 0.25 ms of CPU besides the worker's own work: three
    threads hand it on (the executor's manager, its queue feeder, the reactor that takes the
    result back), each waiting for the GIL. A crawl's pages arrive in bursts, several in one
    turn of the loop; sent together they cost that once (bench crawl: 1 CPU-s less in 15).
    ``many`` takes a list of arguments and returns their results in order (an exception in
    a call's place fails that call alone); it runs in the pool, so it must be picklable (a
    module-level function)."""

    def __init__(
        self,
        pool: Executor,
        many: Callable[[list[Arg]], list[Result]],
        size: int = BATCH_CALLS,
    ) -> None:
        self.pool = pool
        self.many = many
        self.size = size
        self._waiting: list[tuple[Arg, asyncio.Future[Result]]] = []

    async def call(self, arg: Arg) -> Result:
        """The result of ``many([arg, ...])`` for ``arg``, computed in the pool."""
        loop = asyncio.get_running_loop()
        result: asyncio.Future[Result] = loop.create_future()
        self._waiting.append((arg, result))
        if len(self._waiting) == 1:
            loop.call_soon(self._send)  # after the other calls of this turn
        elif len(self._waiting) >= self.size:
            self._send()
        return await result

    def _send(self) -> None:
        batch, self._waiting = self._waiting, []
        if not batch:
            return
        try:
            task = self.pool.submit(self.many, [arg for arg, _ in batch])
        except RuntimeError as exc:  # the pool was shut down (the crawl is stopping)
            _settle(batch, exc)
            return
        loop = asyncio.get_running_loop()
        task.add_done_callback(lambda done: _hand_back(loop, batch, done))


def _hand_back(loop: asyncio.AbstractEventLoop, batch: list[Any], done: Future[Any]) -> None:
    """In the pool's thread: settle the batch's futures in the loop's (as asyncio's own
    ``wrap_future`` does, nothing once the loop is closed)."""
    if not loop.is_closed():
        loop.call_soon_threadsafe(_finish, batch, done)


def _finish(batch: list[tuple[Any, asyncio.Future[Any]]], done: Future[list[Any]]) -> None:
    """Settle each call of the batch: with its own value, or its own exception when ``many``
    gave one in its place, or the task's failure. Never leaves a call waiting (the crawl
    would wait for it at close)."""
    if done.cancelled():
        _settle(batch, asyncio.CancelledError())
    elif done.exception() is not None:
        _settle(batch, done.exception())  # type: ignore[arg-type]
    else:
        try:
            for (_, result), value in zip(batch, done.result(), strict=True):
                if result.done():
                    continue
                if isinstance(value, BaseException):
                    result.set_exception(value)
                else:
                    result.set_result(value)
        except Exception as exc:  # noqa: BLE001 - e.g. fewer results than calls
            _settle(batch, exc)


def _settle(batch: list[tuple[Any, asyncio.Future[Any]]], exc: BaseException) -> None:
    for _, result in batch:
        if not result.done():
            result.set_exception(exc)
