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
    interval = sys.getswitchinterval()
    pool = workers.start_pool(2)
    yield pool
    pool.shutdown(wait=True)
    sys.setswitchinterval(interval)


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
