"""The extraction pool of a crawl: real worker processes forked from the fork server."""

from __future__ import annotations

import fcntl
import sys
import time

import pytest

from ingest import workers

pytestmark = pytest.mark.timeout(120)
F_GETPIPE_SZ = getattr(fcntl, "F_GETPIPE_SZ", 1032)


@pytest.fixture
def pool():
    pool = workers.start_pool(2)
    yield pool
    pool.shutdown(wait=True)


def test_pool_workers_start_and_results_come_back_through_a_wide_pipe(pool) -> None:
    deadline = time.monotonic() + 60
    while not workers.workers_ready(pool) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert workers.workers_ready(pool)
    big = b"x" * (300 * 1024)  # more than a default 64 KiB pipe holds, several times over
    assert [len(r) for r in pool.map(bytes, [big] * 4)] == [len(big)] * 4
    reader = pool._result_queue._reader.fileno()
    assert fcntl.fcntl(reader, F_GETPIPE_SZ) == workers.RESULT_PIPE_BYTES
    assert sys.getswitchinterval() <= workers.SWITCH_INTERVAL


def _doubled(numbers: list[int]) -> list[tuple[int, int]]:
    """Each number doubled, with the size of the batch it came in."""
    return [(2 * n, len(numbers)) for n in numbers]


def _failing(numbers: list[int]) -> list[int]:
    raise ValueError(f"no good: {numbers}")


def test_calls_of_one_turn_go_as_few_tasks_and_each_gets_its_own_result() -> None:
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    async def crawl() -> list[tuple[int, int]]:
        batches = workers.Batches(pool, _doubled, size=8)
        first = await asyncio.gather(*(batches.call(n) for n in range(20)))  # one turn
        alone = await batches.call(100)  # a call on its own is not held back
        return [*first, alone]

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = asyncio.run(crawl())
    assert [value for value, _ in results] == [2 * n for n in range(20)] + [200]
    assert [size for _, size in results] == [8] * 16 + [4] * 4 + [1]


def test_a_failed_task_fails_each_call_and_a_closed_pool_fails_at_once() -> None:
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    async def calls(batches: workers.Batches) -> list:
        return await asyncio.gather(*(batches.call(n) for n in range(3)), return_exceptions=True)

    with ThreadPoolExecutor(max_workers=1) as pool:
        failed = asyncio.run(calls(workers.Batches(pool, _failing)))
    assert [type(e) for e in failed] == [ValueError] * 3
    closed = asyncio.run(calls(workers.Batches(pool, _doubled)))  # shut down by the `with`
    assert [type(e) for e in closed] == [RuntimeError] * 3


def test_batches_run_in_worker_processes(pool) -> None:
    import asyncio

    async def crawl() -> list:
        batches = workers.Batches(pool, _doubled, size=4)
        return await asyncio.gather(*(batches.call(n) for n in range(10)))

    assert [value for value, _ in asyncio.run(crawl())] == [2 * n for n in range(10)]


def _half_failing(numbers: list[int]) -> list:
    return [ValueError(f"odd {n}") if n % 2 else n for n in numbers]


def _short(numbers: list[int]) -> list[int]:
    return numbers[:-1]


def test_a_failed_call_fails_alone_and_a_short_answer_leaves_no_call_waiting() -> None:
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    async def calls(batches: workers.Batches) -> list:
        return await asyncio.gather(*(batches.call(n) for n in range(4)), return_exceptions=True)

    with ThreadPoolExecutor(max_workers=1) as pool:
        mixed = asyncio.run(calls(workers.Batches(pool, _half_failing)))
        short = asyncio.run(asyncio.wait_for(calls(workers.Batches(pool, _short)), 30))
    assert [m if isinstance(m, int) else type(m) for m in mixed] == [0, ValueError, 2, ValueError]
    assert [type(s) for s in short] == [int, int, int, ValueError]  # none left waiting


def test_the_switch_interval_is_python_s_own_again_once_the_last_pool_is_shut() -> None:
    """The interval is process-wide: a program that crawls and then does other work gets
    Python's own back, and only when no pool is left open."""
    assert workers.ExtractionPool._open == 0, "an earlier test left a pool open"
    found = sys.getswitchinterval()
    sys.setswitchinterval(0.005)
    try:
        first = workers.start_pool(1)
        second = workers.start_pool(1)
        assert sys.getswitchinterval() == workers.SWITCH_INTERVAL
        first.shutdown(wait=True)
        first.shutdown(wait=True)  # twice: still counted once
        assert sys.getswitchinterval() == workers.SWITCH_INTERVAL  # the second still runs
        second.shutdown(wait=True)
        assert sys.getswitchinterval() == 0.005
    finally:
        sys.setswitchinterval(found)
