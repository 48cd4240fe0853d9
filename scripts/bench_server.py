"""Serve a generated benchmark site the way a news site's front cache does: static, precompressed.

The benchmark runs crawler and web server on the same two cores, so every CPU millisecond the
server spends is taken from the crawler being measured (and more from a multi-process crawler
than from a single-threaded one). ``ingest.webserver.serve_with_nginx`` rewrites the ``{{BASE}}``
token of every response and gzips it on the fly: right for tests on any port, costly here. So
the benchmark bakes its origin into the files once (``bake``: token replaced, a ``.gz`` written
beside every text file) and nginx serves them with ``gzip_static`` and ``sendfile``: close to
no server CPU, like a CDN or a front cache serving a real site.
"""

from __future__ import annotations

import gzip
import os
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from pathlib import Path

from ingest.webserver import CONTENT_TYPES, nginx_binary

TEXT_SUFFIXES = (".html", ".xml", ".rss", ".atom", ".txt", ".css", ".js", ".json")
TOKEN = b"{{BASE}}"


def _bake_one(path: str, origin: bytes) -> int:
    data = Path(path).read_bytes()
    if TOKEN in data:
        data = data.replace(TOKEN, origin)
        Path(path).write_bytes(data)
    Path(path + ".gz").write_bytes(gzip.compress(data, compresslevel=6, mtime=0))
    return len(data)


def _bake_chunk(paths: list[str], origin: bytes) -> int:
    return sum(_bake_one(p, origin) for p in paths)


def bake(site: Path, origin: str, workers: int | None = None) -> int:
    """Put ``origin`` in place of ``{{BASE}}`` in every text file and precompress it.

    Returns the number of files. Runs on all cores: 100,000 pages take a few minutes."""
    paths = [
        str(p)
        for p in site.rglob("*")
        if p.suffix in TEXT_SUFFIXES and p.is_file() and not p.name.endswith(".gz")
    ]
    chunks = [paths[i : i + 500] for i in range(0, len(paths), 500)]
    with ProcessPoolExecutor(max_workers=workers or os.cpu_count()) as pool:
        list(pool.map(_bake_chunk, chunks, [origin.encode()] * len(chunks)))
    return len(paths)


def nginx_static_config(root: Path, host: str, port: int, workdir: Path) -> str:
    """nginx.conf serving ``root`` as is: precompressed files, no rewriting, no logs."""
    types = "\n".join(
        f"        {ctype.split(';')[0]} {ext.lstrip('.')};" for ext, ctype in CONTENT_TYPES.items()
    )
    user = "user root;\n" if os.geteuid() == 0 else ""
    return f"""{user}worker_processes 1;
daemon off;
pid {workdir}/nginx.pid;
error_log {workdir}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    types {{
{types}
    }}
    default_type application/octet-stream;
    charset utf-8;
    charset_types text/html text/xml text/plain text/css application/xml
                  application/rss+xml application/atom+xml;
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 1000000;
    client_body_temp_path {workdir}/body;
    proxy_temp_path {workdir}/proxy;
    fastcgi_temp_path {workdir}/fastcgi;
    uwsgi_temp_path {workdir}/uwsgi;
    scgi_temp_path {workdir}/scgi;
    gzip off;
    gzip_static on;
    gzip_vary on;
    server {{
        listen {host}:{port};
        server_name _;
        root {root};
        index index.html index.rss index.atom index.xml;
        location / {{ try_files $uri $uri/ =404; }}
    }}
}}
"""


@contextmanager
def serve_static(root: Path, host: str, port: int) -> Iterator[tuple[str, int]]:
    """Serve a baked site with nginx on ``host:port``; yields the origin and nginx's pid."""
    binary = nginx_binary()
    if binary is None:
        raise RuntimeError("nginx is not installed; run 'apt-get install -y nginx'")
    if not _port_free(host, port):
        raise RuntimeError(f"port {port} is in use; pass another --port (the site is re-baked)")
    with tempfile.TemporaryDirectory(prefix="ingest-bench-nginx-") as tmp:
        workdir = Path(tmp)
        conf = workdir / "nginx.conf"
        conf.write_text(nginx_static_config(root.resolve(), host, port, workdir))
        proc = subprocess.Popen(
            [binary, "-c", str(conf), "-p", str(workdir)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        try:
            _wait_listening(host, port, proc, workdir)
            yield f"http://{host}:{port}", proc.pid
        finally:
            if proc.poll() is None:
                proc.send_signal(signal.SIGQUIT)  # graceful stop
                try:
                    proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()


def cpu_seconds(pid: int) -> float:
    """CPU seconds used so far by process ``pid`` and its live children (nginx and workers)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry.name}/stat").read_bytes()
        except OSError:
            continue
        fields = stat[stat.rfind(b")") + 2 :].split()
        if int(entry.name) == pid or int(fields[1]) == pid:
            total += (int(fields[11]) + int(fields[12])) / ticks
    return total


def _port_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def _wait_listening(host: str, port: int, proc: subprocess.Popen[bytes], workdir: Path) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
            log = workdir / "error.log"
            raise RuntimeError(
                f"nginx exited with {proc.returncode}: "
                f"{(err or (log.read_text() if log.exists() else '')).strip()}"
            )
        try:
            with socket.create_connection((host, port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nginx did not listen on {host}:{port} within 10 s")
