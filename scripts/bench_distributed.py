"""Distributed crawl benchmark: two ``ingest crawl --redis`` workers plus a writer against one.

    python scripts/bench_distributed.py                 # 1,000 articles
    python scripts/bench_distributed.py --articles 5000 --workers 1,2,4 --json

Generates a synthetic news site (``ingest.sitegen``, 60-150 KB pages) under
``bench-out/distributed-site-N`` (reused when complete), serves it on 127.0.0.1 (nginx when
installed, else the embedded server), starts a private ``redis-server`` on a free port, and for
each worker count runs that many workers and one ``ingest drain`` into a fresh database, from
the start of the first worker until the writer has recorded the finished run. For each it prints
pages per second and the speed-up over the first worker count.

All processes share this machine's CPUs, so each worker gets an equal share of the cores for its
extraction processes (INGEST_EXTRACT_WORKERS = CPUs / workers; override with -s). When
extraction already uses every core, a second worker cannot be faster here; the figure then
shows what the coordination costs, and on separate machines each worker adds its own cores.
The load average is printed because the machine may be shared.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ingest.distributed import current_runs  # noqa: E402
from ingest.sitegen.synthetic import build_synthetic_site  # noqa: E402
from ingest.webserver import (  # noqa: E402
    content_type,
    nginx_binary,
    serve_site,
    serve_with_nginx,
)

PY = sys.executable


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def redis_server() -> Iterator[str]:
    """A throw-away redis-server on 127.0.0.1; yields its URL."""
    binary = shutil.which("redis-server") or "/usr/bin/redis-server"
    if not Path(binary).exists():
        raise SystemExit("redis-server is not installed (apt-get install redis-server)")
    port = _free_port()
    with tempfile.TemporaryDirectory(prefix="bench-redis-") as workdir:
        proc = subprocess.Popen(
            [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", ""]
            + ["--appendonly", "no", "--dir", workdir],
            stdout=subprocess.DEVNULL,
        )
        try:
            url = f"redis://127.0.0.1:{port}/0"
            _wait(lambda: _ping(url), 20)
            yield url
        finally:
            proc.terminate()
            proc.wait(timeout=10)


def _ping(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url).ping())
    except redis.exceptions.ConnectionError:
        return False


def _wait(check: Any, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise SystemExit("timed out")
        time.sleep(0.05)


@contextmanager
def serving(site: Path, latency: float = 0.0) -> Iterator[tuple[str, str]]:
    """nginx when installed; the embedded server when article pages must be slow."""
    if latency:
        routes = {"/20*": _slow_route(site, latency)}
        with serve_site(site, routes=routes) as base:
            yield str(base), f"embedded server, {latency * 1000:.0f} ms per article page"
    elif nginx_binary() is not None:
        with serve_with_nginx(site) as base:
            yield str(base), "nginx"
    else:
        with serve_site(site) as base:
            yield str(base), "embedded Python server (threads in this process)"


def _slow_route(root: Path, latency: float) -> Any:
    """Article pages answered after ``latency`` seconds, like a distant or throttled server."""

    def route(handler: Any) -> None:
        time.sleep(latency)
        path = urlsplit(handler.path).path
        target = root / path.lstrip("/")
        if target.is_dir():
            target = target / "index.html"
        if not target.is_file():
            handler.reply(404, b"not found\n", "text/plain")
            return
        body = target.read_bytes().replace(b"{{BASE}}", handler.origin.encode("ascii"))
        handler.reply(200, body, content_type(target.name))

    return route


def _finished(db: Path) -> bool:
    if not db.exists():
        return False
    try:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1)
        try:
            row = conn.execute("SELECT count(*) FROM runs WHERE status != 'running'").fetchone()
        finally:
            conn.close()
    except sqlite3.Error:
        return False
    return bool(row[0])


def run(workers: int, url: str, sources: Path, out: Path, extra: list[str]) -> dict[str, Any]:
    """``workers`` workers and one writer, to the end of the run; returns the figures."""
    import redis

    redis.Redis.from_url(url).flushdb()
    db = out / f"workers-{workers}.db"
    for path in out.glob(f"workers-{workers}.db*"):
        path.unlink()
    ingest = [PY, "-m", "ingest"]
    start = time.monotonic()
    share = max(1, (os.cpu_count() or 1) // workers)  # the machine's cores, split between them
    crawl = [*ingest, "crawl", "bench", "--sources", str(sources), "--redis", url]
    crawl += ["-s", f"INGEST_EXTRACT_WORKERS={share}", *extra]
    logs = [open(out / f"workers-{workers}-{n}.log", "w") for n in range(workers + 1)]  # noqa: SIM115
    procs = [
        subprocess.Popen(crawl, cwd=ROOT, stdout=logs[n], stderr=subprocess.STDOUT)
        for n in range(workers)
    ]
    server = redis.Redis.from_url(url)
    _wait(lambda: current_runs(server), 120)
    writer = subprocess.Popen(
        [*ingest, "drain", "--redis", url, "--db", str(db), "--idle", "1", "-q"],
        cwd=ROOT,
        stdout=logs[-1],
        stderr=subprocess.STDOUT,
    )
    _wait(lambda: _finished(db), 3600)
    elapsed = time.monotonic() - start
    for proc in [*procs, writer]:
        if proc.wait(timeout=120) != 0:
            raise SystemExit(f"a process failed; see {out}/workers-{workers}-*.log")
    for log in logs:
        log.close()
    conn = sqlite3.connect(db)
    # Pages as scripts/bench.py counts them: every fetched URL but feeds, sitemaps and listings.
    pages, articles = conn.execute(
        "SELECT count(*), sum(outcome = 'new') FROM fetch_log WHERE outcome != 'discovery'"
    ).fetchone()
    conn.close()
    return {
        "workers": workers,
        "pages": pages,
        "articles": articles,
        "seconds": round(elapsed, 2),
        "pages_per_s": round(pages / elapsed, 1),
    }


def compare(
    site: Path,
    out: Path,
    counts: tuple[int, ...] = (1, 2),
    extra: tuple[str, ...] = (),
    latency: float = 0.0,
) -> list[dict[str, Any]]:
    """Serve ``site``, start Redis, run each worker count to the end; print and return figures.

    ``scripts/bench.py`` calls this with its own site for the "distributed" row of make bench.
    """
    out.mkdir(parents=True, exist_ok=True)
    settings = [x for pair in extra for x in ("-s", pair)]
    results: list[dict[str, Any]] = []
    with serving(site, latency) as (base, server_kind), redis_server() as url:
        sources = out / "sources.toml"
        sources.write_text(  # the entry scripts/bench.py crawls: sitemap plus home page
            f'[sources.bench]\nurl = "{base}/"\ndomains = ["127.0.0.1"]\n'
            f'sitemaps = ["{base}/sitemap_index.xml"]\nrobots_sitemaps = false\n',
            encoding="utf-8",
        )
        print(
            f"\nDistributed crawl of {site.name} served by {server_kind}; redis {url}; "
            f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}",
            flush=True,
        )
        for count in counts:
            figures = run(count, url, sources, out, settings)
            results.append(figures)
            speedup = figures["pages_per_s"] / results[0]["pages_per_s"]
            print(
                f"  {count} worker{'s' if count > 1 else ' '} + writer: "
                f"{figures['pages']:,} pages in {figures['seconds']:.1f} s = "
                f"{figures['pages_per_s']:,.1f} pages/s, x{speedup:.2f} vs "
                f"{results[0]['workers']} worker (load {os.getloadavg()[0]:.1f})",
                flush=True,
            )
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--workers", default="1,2", help="worker counts to run, e.g. 1,2,4")
    parser.add_argument("--out", default=str(ROOT / "bench-out"))
    parser.add_argument("--json", action="store_true", help="print the figures as JSON too")
    parser.add_argument(
        "--latency",
        type=float,
        default=0.0,
        help="seconds per article page (embedded server): an I/O-bound crawl, where each "
        "worker's fixed concurrency is the limit (try with -s CONCURRENT_REQUESTS=8)",
    )
    parser.add_argument(
        "-s", "--set", dest="extra", action="append", default=[], metavar="NAME=VALUE",
        help="setting passed to every worker",
    )  # fmt: skip
    args = parser.parse_args(argv)
    out = Path(args.out)
    site = out / f"distributed-site-{args.articles}"
    build_synthetic_site(site, args.articles)
    counts = tuple(int(n) for n in args.workers.split(","))
    results = compare(site, out / "distributed", counts, tuple(args.extra), args.latency)
    if args.json:
        print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
