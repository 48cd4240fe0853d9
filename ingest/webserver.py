"""Serve a generated site directory on 127.0.0.1: for the demo, the tests and the benchmark.

``serve_site(path)`` is a context manager yielding the base URL (``http://127.0.0.1:PORT``) of
a threaded stdlib server on a free port. It does what crawlers meet on real servers: correct
Content-Type, ETag/Last-Modified with 304s, HEAD, 404, 301 to the slash form of directories,
gzip when accepted, and keep-alive. The ``{{BASE}}`` token in text files is replaced by the
request's origin, so absolute URLs in feeds and sitemaps match whatever port was given.

Extra dynamic routes (``routes={"/slow": handler}`` or ``server.add_route``) let fault-injection
tests add misbehaving endpoints; a handler gets the request handler and writes what it likes.

``serve_with_nginx(path)`` does the same with Debian's nginx (faster; used by the benchmark).
CLI: ``python -m ingest.webserver DIR [--port N] [--nginx]``.
"""

from __future__ import annotations

import argparse
import email.utils
import gzip
import os
import posixpath
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

BASE_TOKEN = b"{{BASE}}"
HOST = "127.0.0.1"

CONTENT_TYPES: dict[str, str] = {
    ".html": "text/html; charset=utf-8",
    ".htm": "text/html; charset=utf-8",
    ".xml": "application/xml; charset=utf-8",
    ".rss": "application/rss+xml; charset=utf-8",
    ".atom": "application/atom+xml; charset=utf-8",
    ".json": "application/json",
    ".txt": "text/plain; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".svg": "image/svg+xml",
    ".webp": "image/webp",
    ".pdf": "application/pdf",
    ".gz": "application/gzip",
}
#: Directory index files, in order: ``/feed/`` serves ``feed/index.rss`` as
#: application/rss+xml, like WordPress does.
INDEX_FILES = ("index.html", "index.rss", "index.atom", "index.xml")
_TEXT = ("text/", "application/xml", "application/rss", "application/atom", "application/json")
_SAFE_HOST = re.compile(r"^[A-Za-z0-9.\-\[\]:]+$")

#: A dynamic route: called with the request handler; it writes the whole response itself
#: (``handler.reply(...)`` for ordinary ones, ``handler.wfile`` for broken ones).
Route = Callable[["SiteHandler"], None]


def content_type(path: str) -> str:
    """Content-Type by extension only (as nginx does, so both servers answer alike)."""
    return CONTENT_TYPES.get(posixpath.splitext(path)[1].lower(), "application/octet-stream")


class SiteServer(ThreadingHTTPServer):
    """Threaded server over one directory (or none: routes only)."""

    daemon_threads = True
    block_on_close = False  # a stalled fault route must not hang shutdown
    request_queue_size = 128

    def __init__(
        self,
        root: str | os.PathLike[str] | None,
        port: int = 0,
        host: str = HOST,
        gzip_level: int = 5,
    ) -> None:
        self.root = Path(root).resolve() if root is not None else None
        self.routes: dict[str, Route] = {}
        self.prefix_routes: list[tuple[str, Route]] = []
        self.gzip_level = gzip_level
        self.requests = 0  # served so far: tests use it to check a crawl fetched nothing twice
        self.log: list[tuple[str, str, int]] = []  # (method, path, status), bounded
        self._lock = threading.Lock()
        super().__init__((host, port), SiteHandler)

    @property
    def base_url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"

    def add_route(self, path: str, handler: Route, prefix: bool = False) -> None:
        """Answer ``path`` (or every path under it with ``prefix=True``) with ``handler``."""
        if prefix:
            self.prefix_routes.append((path, handler))
            self.prefix_routes.sort(key=lambda item: -len(item[0]))
        else:
            self.routes[path] = handler

    def find_route(self, path: str) -> Route | None:
        if path in self.routes:
            return self.routes[path]
        for prefix, handler in self.prefix_routes:
            if path.startswith(prefix):
                return handler
        return None

    def record(self, method: str, path: str, status: int) -> None:
        with self._lock:
            self.requests += 1
            if len(self.log) < 100_000:
                self.log.append((method, path, status))


class SiteHandler(BaseHTTPRequestHandler):
    """Static files plus dynamic routes. HTTP/1.1 with keep-alive, like real servers."""

    protocol_version = "HTTP/1.1"
    server_version = "news-ingest-site/1.0"
    server: SiteServer

    def setup(self) -> None:
        """No Nagle: headers and body go out as two writes, and Nagle plus the client's
        delayed ACK would add 40 ms to every small response on a keep-alive connection."""
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        """Quiet: the crawl's own log says what happened; ``server.log`` keeps the rest."""

    # --- entry points -----------------------------------------------------------------
    def do_GET(self) -> None:  # noqa: N802
        self._dispatch(send_body=True)

    def do_HEAD(self) -> None:  # noqa: N802
        self._dispatch(send_body=False)

    def do_POST(self) -> None:  # noqa: N802
        route = self.server.find_route(urlsplit(self.path).path)
        if route:
            self._status = 0
            route(self)
            return
        self.reply(
            405, b"method not allowed\n", "text/plain; charset=utf-8", {"Allow": "GET, HEAD"}
        )

    # --- helpers usable from routes ---------------------------------------------------
    @property
    def origin(self) -> str:
        """``http://host:port`` as the client addressed us (falls back to the bound address)."""
        host = self.headers.get("Host", "")
        if not host or not _SAFE_HOST.match(host):
            return self.server.base_url
        return f"http://{host}"

    def reply(
        self,
        status: int,
        body: bytes = b"",
        ctype: str = "text/html; charset=utf-8",
        headers: dict[str, str] | None = None,
    ) -> None:
        """Send a complete response (body omitted for HEAD and for 204/304)."""
        self.send_response(status)
        no_body = status in (204, 304) or 100 <= status < 200
        if not no_body:
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        if self.command != "HEAD" and not no_body:
            self.wfile.write(body)
        self.server.record(self.command, self.path, status)

    # --- static files -----------------------------------------------------------------
    def _dispatch(self, send_body: bool) -> None:
        path = urlsplit(self.path).path
        route = self.server.find_route(path)
        if route is not None:
            route(self)
            return
        if self.server.root is None:
            self._not_found()
            return
        target = self._resolve(path)
        if target is None:
            self._not_found()
        elif target.is_dir():
            # /section -> /section/ like Apache and nginx: relative links then resolve.
            location = (
                path + "/" + (f"?{urlsplit(self.path).query}" if urlsplit(self.path).query else "")
            )
            self.reply(301, b"", "text/html; charset=utf-8", {"Location": location})
        else:
            self._serve_file(target)

    def _resolve(self, url_path: str) -> Path | None:
        """File for a URL path, never outside the root; directories map to their index."""
        root = self.server.root
        assert root is not None
        rel = posixpath.normpath(unquote(url_path)).lstrip("/")
        if rel.startswith("..") or "\x00" in rel or "/." in f"/{rel}":
            return None  # outside the root, or a dotfile (the generator's stamp)
        target = root / rel if rel not in ("", ".") else root
        if target.is_dir():
            if not url_path.endswith("/"):
                return target
            for name in INDEX_FILES:
                index = target / name
                if index.is_file():
                    return index
            return None
        return target if target.is_file() else None

    def _not_found(self) -> None:
        self.reply(
            404,
            b"<!DOCTYPE html><html><head><title>404 Not Found</title></head>"
            b"<body><h1>Not Found</h1></body></html>\n",
        )

    def _serve_file(self, target: Path) -> None:
        stat = target.stat()
        etag = f'"{stat.st_mtime_ns:x}-{stat.st_size:x}"'
        last_modified = email.utils.formatdate(stat.st_mtime, usegmt=True)
        headers = {"ETag": etag, "Last-Modified": last_modified, "Cache-Control": "max-age=60"}
        if self._not_modified(etag, stat.st_mtime):
            self.reply(304, headers=headers)
            return
        ctype = content_type(target.name)
        if self._serve_precompressed(target, ctype, headers):
            return
        body = target.read_bytes()
        if ctype.startswith(_TEXT) and BASE_TOKEN in body:
            body = body.replace(BASE_TOKEN, self.origin.encode("ascii"))
        if ctype.startswith(_TEXT) or ctype.startswith("image/svg"):
            headers["Vary"] = "Accept-Encoding"
            if len(body) > 512 and self._accepts_gzip():
                body = gzip.compress(body, compresslevel=self.server.gzip_level, mtime=0)
                headers["Content-Encoding"] = "gzip"
        self.reply(200, body, ctype, headers)

    def _serve_precompressed(self, target: Path, ctype: str, headers: dict[str, str]) -> bool:
        """Serve ``FILE.gz`` written by ``build_site(precompress=True)`` to gzip clients, as
        nginx's gzip_static does: no compression work per request."""
        if not ctype.startswith(_TEXT) or not self._accepts_gzip():
            return False
        packed = target.with_name(target.name + ".gz")
        try:
            body = packed.read_bytes()
        except OSError:
            return False
        headers.update({"Content-Encoding": "gzip", "Vary": "Accept-Encoding"})
        self.reply(200, body, ctype, headers)
        return True

    def _not_modified(self, etag: str, mtime: float) -> bool:
        """RFC 9110: If-None-Match wins over If-Modified-Since."""
        inm = self.headers.get("If-None-Match")
        if inm is not None:
            tags = {t.strip().removeprefix("W/") for t in inm.split(",")}
            return etag in tags or "*" in tags
        ims = self.headers.get("If-Modified-Since")
        if ims:
            try:
                since = email.utils.parsedate_to_datetime(ims).timestamp()
            except (TypeError, ValueError, IndexError):
                return False
            return int(mtime) <= since
        return False

    def _accepts_gzip(self) -> bool:
        for part in self.headers.get("Accept-Encoding", "").split(","):
            name, _, params = part.strip().partition(";")
            if name.strip().lower() in ("gzip", "*"):
                return params.replace(" ", "") not in ("q=0", "q=0.0", "q=0.00", "q=0.000")
        return False


@contextmanager
def serve_site(
    root: str | os.PathLike[str] | None,
    routes: dict[str, Route] | None = None,
    port: int = 0,
    host: str = HOST,
    gzip_level: int = 5,
) -> Iterator[BaseURL]:
    """Serve ``root`` on ``host`` (a free port unless given); yields the base URL.

    The yielded value is a ``str`` (``http://127.0.0.1:PORT``, no trailing slash) that also
    carries ``.server``, for tests that add routes later or read ``server.log``."""
    server = start_server(root, routes, port, host, gzip_level)
    try:
        yield BaseURL(server.base_url, server)
    finally:
        stop_server(server)


class BaseURL(str):
    """The origin a site is served at, with the server attached."""

    server: SiteServer | None

    def __new__(cls, url: str, server: SiteServer | None = None) -> BaseURL:
        obj = super().__new__(cls, url)
        obj.server = server
        return obj


def start_server(
    root: str | os.PathLike[str] | None,
    routes: dict[str, Route] | None = None,
    port: int = 0,
    host: str = HOST,
    gzip_level: int = 5,
) -> SiteServer:
    """Start a :class:`SiteServer` in a background thread; stop it with :func:`stop_server`."""
    if root is not None and not Path(root).is_dir():
        raise FileNotFoundError(f"site directory {root} does not exist; build it first")
    server = SiteServer(root, port, host, gzip_level)
    for path, handler in (routes or {}).items():
        server.add_route(path.rstrip("*"), handler, prefix=path.endswith("*"))
    thread = threading.Thread(
        target=server.serve_forever,
        kwargs={"poll_interval": 0.05},
        name=f"site-server-{server.server_address[1]}",
        daemon=True,
    )
    thread.start()
    return server


def stop_server(server: SiteServer) -> None:
    """Stop accepting, close the socket; stalled handler threads die with the process."""
    server.shutdown()
    server.server_close()


# --- nginx --------------------------------------------------------------------------------


def nginx_binary() -> str | None:
    """Path of nginx if installed (Debian puts it in /usr/sbin, often not on a user's PATH)."""
    found = shutil.which("nginx")
    if found:
        return found
    for candidate in ("/usr/sbin/nginx", "/usr/local/sbin/nginx"):
        if os.access(candidate, os.X_OK):
            return candidate
    return None


def free_port(host: str = HOST) -> int:
    """A port nobody listens on right now (nginx cannot be told to pick one itself)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def nginx_config(
    root: Path,
    port: int,
    workdir: Path,
    host: str = HOST,
    workers: int | str = "auto",
    rewrite_base: bool = True,
) -> str:
    """A self-contained nginx.conf: no system paths written, no access log, ``{{BASE}}``
    replaced by the request's origin (sub_filter) unless the site has its origin baked in."""
    rewrite = (
        "        sub_filter '{{BASE}}' 'http://$http_host';\n"
        "        sub_filter_once off;\n"
        "        sub_filter_last_modified on;\n"
        "        sub_filter_types text/plain application/xml application/rss+xml"
        " application/atom+xml;\n"
        if rewrite_base
        else ""
    )
    types = "\n".join(
        f"        {ctype.split(';')[0]} {ext.lstrip('.')};"
        for ext, ctype in CONTENT_TYPES.items()
        if ext not in (".xml",)
    )
    user = "user root;\n" if os.geteuid() == 0 else ""
    return f"""{user}worker_processes {workers};
daemon off;
pid {workdir}/nginx.pid;
error_log {workdir}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    types {{
{types}
        application/xml xml;
    }}
    default_type application/octet-stream;
    charset utf-8;
    charset_types text/html text/xml text/plain text/css application/xml
                  application/rss+xml application/atom+xml;
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 100000;
    client_body_temp_path {workdir}/body;
    proxy_temp_path {workdir}/proxy;
    fastcgi_temp_path {workdir}/fastcgi;
    uwsgi_temp_path {workdir}/uwsgi;
    scgi_temp_path {workdir}/scgi;
    gzip on;
    gzip_min_length 512;
    gzip_comp_level 5;
    gzip_vary on;
    gzip_types text/plain text/css application/xml application/rss+xml application/atom+xml
               application/json text/javascript;
    server {{
        listen {host}:{port};
        server_name _;
        root {root};
        index index.html index.rss index.atom index.xml;
{rewrite}        gzip_static on;
        location ~ /\\. {{ return 404; }}
        location / {{ try_files $uri $uri/ =404; }}
    }}
}}
"""


@contextmanager
def serve_with_nginx(
    root: str | os.PathLike[str],
    port: int = 0,
    host: str = HOST,
    workers: int | str = "auto",
    timeout: float = 10.0,
    rewrite_base: bool = True,
) -> Iterator[BaseURL]:
    """Serve ``root`` with nginx in the foreground as a child process; yields the base URL.

    ``rewrite_base=False`` serves files as they are (sendfile, Content-Length, no chunking):
    the fastest setting, for sites built with ``build_site(base_url=...)`` for this port.
    Raises ``RuntimeError`` when nginx is not installed (``apt-get install nginx``)."""
    binary = nginx_binary()
    if binary is None:
        raise RuntimeError(
            "nginx is not installed; run 'apt-get install -y nginx' or use serve_site()"
        )
    site = Path(root).resolve()
    if not site.is_dir():
        raise FileNotFoundError(f"site directory {site} does not exist; build it first")
    with tempfile.TemporaryDirectory(prefix="ingest-nginx-") as tmp:
        workdir = Path(tmp)
        port = port or free_port(host)
        conf = workdir / "nginx.conf"
        conf.write_text(nginx_config(site, port, workdir, host, workers, rewrite_base))
        proc = subprocess.Popen(
            [binary, "-c", str(conf), "-p", str(workdir)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        try:
            _wait_listening(host, port, proc, timeout, workdir)
            yield BaseURL(f"http://{host}:{port}")
        finally:
            _stop(proc)


def _wait_listening(
    host: str, port: int, proc: subprocess.Popen[bytes], timeout: float, workdir: Path
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
            log = (workdir / "error.log").read_text() if (workdir / "error.log").exists() else ""
            raise RuntimeError(f"nginx exited with {proc.returncode}: {(err or log).strip()}")
        try:
            with socket.create_connection((host, port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    _stop(proc)
    raise RuntimeError(f"nginx did not listen on {host}:{port} within {timeout} s")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """SIGQUIT is nginx's graceful stop; SIGKILL if it lingers."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGQUIT)
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


# --- CLI ----------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    """``python -m ingest.webserver DIR [--port N] [--host H] [--nginx]``: serve until Ctrl-C."""
    parser = argparse.ArgumentParser(
        prog="python -m ingest.webserver", description="Serve a generated news site on 127.0.0.1."
    )
    parser.add_argument("directory", help="site directory (see python -m ingest.sitegen)")
    parser.add_argument("--port", type=int, default=8000, help="port (0: any free port)")
    parser.add_argument("--host", default=HOST, help="address to bind (default 127.0.0.1)")
    parser.add_argument("--nginx", action="store_true", help="serve with nginx instead")
    args = parser.parse_args(argv)
    if not Path(args.directory).is_dir():
        print(
            f"error: {args.directory} is not a directory; build a site first "
            "(python -m ingest.sitegen OUT)",
            file=sys.stderr,
        )
        return 2
    serve = serve_with_nginx if args.nginx else serve_site
    try:
        with serve(args.directory, port=args.port, host=args.host) as base:  # type: ignore[operator]
            print(f"serving {args.directory} at {base}/ (Ctrl-C to stop)", flush=True)
            while True:
                time.sleep(3600)
    except KeyboardInterrupt:
        return 0
    except (OSError, RuntimeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
