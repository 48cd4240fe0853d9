"""Run one command and measure it: wall time, CPU seconds of the whole process tree, peak memory.

    python scripts/bench_measure.py --out result.json [--log run.log] -- CMD ARGS...

Why a separate process: CPU time of grandchildren is only counted by ``getrusage(RUSAGE_CHILDREN)``
once someone waits for them, and a crawl's worker processes (forkserver children) are orphaned
when the crawl exits. This process makes itself a *child subreaper* (Linux ``prctl``), so every
orphaned descendant is re-parented to it and reaped here: its CPU time is then counted too.
Memory is sampled from ``/proc`` every ``--interval`` seconds as the sum of the RSS of all
descendants (the crawl's process tree); the largest single-process peak comes from ``ru_maxrss``.
"""

from __future__ import annotations

import argparse
import ctypes
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

PR_SET_CHILD_SUBREAPER = 36


def become_subreaper() -> bool:
    """Ask Linux to re-parent orphaned descendants to this process (False elsewhere)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _parents() -> dict[int, int]:
    """pid -> parent pid of every process now alive (from /proc/PID/stat)."""
    out: dict[int, int] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as fh:
                stat = fh.read()
        except OSError:
            continue
        # the command name may hold spaces and parentheses: fields start after the last ')'
        fields = stat[stat.rfind(b")") + 2 :].split()
        out[int(entry.name)] = int(fields[1])
    return out


def descendants(root: int) -> list[int]:
    """Every live process below ``root``."""
    parents = _parents()
    children: dict[int, list[int]] = {}
    for pid, ppid in parents.items():
        children.setdefault(ppid, []).append(pid)
    found, todo = [], list(children.get(root, []))
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, []))
    return found


def rss_kb(pid: int) -> int:
    """Resident set size of one process in KiB (0 when it is gone)."""
    try:
        with open(f"/proc/{pid}/status", "rb") as fh:
            for line in fh:
                if line.startswith(b"VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def tree_rss_kb(root: int) -> tuple[int, int]:
    """(sum of RSS of all descendants of ``root`` in KiB, number of processes)."""
    pids = descendants(root)
    return sum(rss_kb(p) for p in pids), len(pids)


def thread_cpu(pid: int, seen: dict[int, float]) -> None:
    """Update ``seen`` (thread id -> CPU seconds) with the threads of ``pid`` alive now.

    Threads that end early keep their last sample, so the total is close to the truth."""
    ticks = os.sysconf("SC_CLK_TCK")
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return
    for tid in tids:
        try:
            with open(f"/proc/{pid}/task/{tid}/stat", "rb") as fh:
                stat = fh.read()
        except OSError:
            continue
        fields = stat[stat.rfind(b")") + 2 :].split()
        seen[int(tid)] = (int(fields[11]) + int(fields[12])) / ticks  # utime + stime


def measure(cmd: list[str], log: Path | None, interval: float, env: dict[str, str]) -> dict:
    """Run ``cmd`` to completion; return its exit status and the figures."""
    subreaper = become_subreaper()
    me = os.getpid()
    out = open(log, "wb") if log else subprocess.DEVNULL  # noqa: SIM115 - closed below
    start = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env)
    peak_kb = peak_procs = 0
    timeline: list[tuple[float, int]] = []
    threads: dict[int, float] = {}
    while proc.poll() is None:
        thread_cpu(proc.pid, threads)
        kb, count = tree_rss_kb(me)
        peak_kb, peak_procs = max(peak_kb, kb), max(peak_procs, count)
        timeline.append((round(time.monotonic() - start, 2), kb))
        time.sleep(interval)
    wall = time.monotonic() - start
    _reap_orphans(timeout=30)
    if log:
        out.close()  # type: ignore[union-attr]
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {
        "cmd": cmd,
        "returncode": proc.returncode,
        "wall_s": round(wall, 3),
        "cpu_user_s": round(usage.ru_utime, 3),
        "cpu_sys_s": round(usage.ru_stime, 3),
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 3),
        "peak_tree_rss_mb": round(peak_kb / 1024, 1),
        "peak_process_rss_mb": round(usage.ru_maxrss / 1024, 1),
        "peak_processes": peak_procs,
        "subreaper": subreaper,
        # the command's own process: its main thread (Scrapy's reactor) and the others
        "thread_cpu_s": {
            "main": round(threads.get(proc.pid, 0.0), 2),
            "other": round(sum(v for k, v in threads.items() if k != proc.pid), 2),
        },
        "rss_timeline": timeline[:: max(1, len(timeline) // 200)],
    }


def _reap_orphans(timeout: float) -> None:
    """Wait for re-parented descendants (forkserver, pool workers) so their CPU time counts."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            time.sleep(0.05)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", required=True, help="write the figures here as JSON")
    parser.add_argument("--log", help="the command's stdout and stderr go here")
    parser.add_argument("--interval", type=float, default=0.1, help="RSS sampling period (s)")
    parser.add_argument("cmd", nargs=argparse.REMAINDER, help="-- CMD ARGS...")
    args = parser.parse_args(argv)
    cmd = args.cmd[1:] if args.cmd[:1] == ["--"] else args.cmd
    if not cmd:
        parser.error("no command given; pass -- CMD ARGS...")
    figures = measure(cmd, Path(args.log) if args.log else None, args.interval, dict(os.environ))
    Path(args.out).write_text(json.dumps(figures, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
