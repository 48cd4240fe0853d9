"""The embedded server (and nginx, when installed) serve a generated site like a real host."""

from __future__ import annotations

import gzip
import http.client
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from lxml import etree

from ingest.sitegen import build_site, demo_articles
from ingest.webserver import SiteHandler, nginx_binary, serve_site, serve_with_nginx


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("site")
    build_site(root, demo_articles("wordpress"), "wordpress")
    return root


def get(
    base: str,
    path: str,
    method: str = "GET",
    headers: dict[str, str] | None = None,
    conn: http.client.HTTPConnection | None = None,
) -> tuple[int, dict[str, str], bytes]:
    """One request on a (possibly reused) keep-alive connection."""
    parts = urlsplit(base)
    own = conn is None
    conn = conn or http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        conn.request(method, path, headers=headers or {})
        resp = conn.getresponse()
        body = resp.read()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, body
    finally:
        if own:
            conn.close()


SERVERS: list[tuple[str, Callable]] = [("embedded", serve_site)]
if nginx_binary():
    SERVERS.append(("nginx", serve_with_nginx))


@pytest.fixture(params=[s[0] for s in SERVERS])
def base(request: pytest.FixtureRequest, site: Path):
    serve = dict(SERVERS)[request.param]
    with serve(site) as url:
        yield url


ARTICLE = "/2024/03/14/port-alder-council-approves-night-ferry-pilot-after-marathon-session/"


@pytest.mark.parametrize(
    ("path", "ctype"),
    [
        ("/", "text/html"),
        (ARTICLE, "text/html"),
        (ARTICLE + "amp/", "text/html"),
        ("/feed/", "application/rss+xml"),
        ("/feed/atom/", "application/atom+xml"),
        ("/sitemap_index.xml", "application/xml"),
        ("/news-sitemap.xml", "application/xml"),
        ("/robots.txt", "text/plain"),
        ("/wp-content/uploads/2024/03/night-ferry-pilot.png", "image/png"),
        ("/wp-content/uploads/2024/03/night-ferry-pilot-report.pdf", "application/pdf"),
    ],
)
def test_content_types(base: str, path: str, ctype: str) -> None:
    status, headers, body = get(base, path)
    assert status == 200
    assert headers["content-type"].split(";")[0] == ctype
    if ctype.startswith("text/"):
        assert "charset=utf-8" in headers["content-type"].lower()
    if "content-length" in headers:
        assert int(headers["content-length"]) == len(body)
    else:  # nginx streams rewritten text (sub_filter) chunked
        assert headers["transfer-encoding"] == "chunked"
    assert b"{{BASE}}" not in body


def test_base_token_replaced_with_request_origin(base: str) -> None:
    _, _, robots = get(base, "/robots.txt")
    assert f"Sitemap: {base}/sitemap_index.xml".encode() in robots
    _, _, feed = get(base, "/feed/")
    links = etree.fromstring(feed).xpath("//item/link/text()")
    assert links and all(link.startswith(base + "/") for link in links)
    _, _, page = get(base, ARTICLE)
    assert f'<link rel="canonical" href="{base}{ARTICLE}">'.encode() in page
    # The same site reached under another host name links to that name.
    port = urlsplit(base).port
    _, _, robots = get(base, "/robots.txt", headers={"Host": f"localhost:{port}"})
    assert f"Sitemap: http://localhost:{port}/sitemap_index.xml".encode() in robots


def test_conditional_requests(base: str) -> None:
    status, headers, body = get(base, ARTICLE)
    assert status == 200 and body
    etag, modified = headers["etag"], headers["last-modified"]
    status, headers304, body = get(base, ARTICLE, headers={"If-None-Match": etag})
    assert status == 304 and body == b""
    status, _, body = get(base, ARTICLE, headers={"If-Modified-Since": modified})
    assert status == 304 and body == b""
    status, _, body = get(base, ARTICLE, headers={"If-None-Match": '"other"'})
    assert status == 200 and body
    status, _, _ = get(
        base, ARTICLE, headers={"If-Modified-Since": "Mon, 01 Jan 2001 00:00:00 GMT"}
    )
    assert status == 200


def test_gzip_when_accepted(base: str) -> None:
    _, plain_headers, plain = get(base, ARTICLE)
    assert "content-encoding" not in plain_headers
    status, headers, body = get(base, ARTICLE, headers={"Accept-Encoding": "gzip, deflate"})
    assert status == 200 and headers["content-encoding"] == "gzip"
    assert "accept-encoding" in headers.get("vary", "").lower()
    assert gzip.decompress(body) == plain
    assert len(body) < len(plain) / 2
    _, png_headers, _ = get(base, "/avatar.png", headers={"Accept-Encoding": "gzip"})
    assert "content-encoding" not in png_headers  # images are not re-compressed


def test_head_404_and_directory_redirect(base: str) -> None:
    status, headers, body = get(base, ARTICLE, method="HEAD")
    assert status == 200 and body == b""
    assert int(headers.get("content-length", 1001)) > 1000
    status, _, _ = get(base, "/no/such/page/")
    assert status == 404
    status, _, _ = get(base, "/../../etc/passwd")
    assert status in (400, 404)
    status, headers, _ = get(base, ARTICLE.rstrip("/"))
    assert status == 301 and headers["location"].endswith(ARTICLE)


def test_keep_alive(base: str) -> None:
    parts = urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        for path in ("/", "/feed/", ARTICLE, "/robots.txt"):
            status, _, _ = get(base, path, conn=conn)
            assert status == 200
    finally:
        conn.close()


def test_dynamic_routes(site: Path) -> None:
    def teapot(h: SiteHandler) -> None:
        h.reply(418, b"short and stout", "text/plain", {"X-Test": "1"})

    def redirect(h: SiteHandler) -> None:
        h.reply(302, b"", headers={"Location": "/"})

    with serve_site(site, routes={"/teapot": teapot, "/go/*": redirect}) as base:
        status, headers, body = get(base, "/teapot")
        assert (status, headers["x-test"], body) == (418, "1", b"short and stout")
        status, headers, _ = get(base, "/go/anywhere?x=1")
        assert status == 302 and headers["location"] == "/"
        base.server.add_route("/late", teapot)
        assert get(base, "/late")[0] == 418
        assert get(base, "/")[0] == 200  # static files still served
        assert ("GET", "/teapot", 418) in base.server.log


def test_stalled_route_does_not_block_others_or_shutdown(site: Path) -> None:
    def stall(h: SiteHandler) -> None:
        time.sleep(30)

    started = time.monotonic()
    with serve_site(site, routes={"/stall": stall}) as base:
        parts = urlsplit(base)
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=0.5)
        conn.request("GET", "/stall")
        with pytest.raises(TimeoutError):
            conn.getresponse()
        conn.close()
        assert get(base, "/")[0] == 200
    assert time.monotonic() - started < 5


def test_missing_directory(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="does not exist"), serve_site(tmp_path / "nope"):
        pass


def test_cli_serves_and_rejects_bad_dir(site: Path, tmp_path: Path) -> None:
    bad = subprocess.run(
        [sys.executable, "-m", "ingest.webserver", str(tmp_path / "nope")],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert bad.returncode == 2 and "error:" in bad.stderr and "Traceback" not in bad.stderr
    proc = subprocess.Popen(
        [sys.executable, "-m", "ingest.webserver", str(site), "--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        line = proc.stdout.readline()
        assert line.startswith("serving ")
        base = line.split(" at ")[1].split("/ ")[0]
        assert get(base, "/robots.txt")[0] == 200
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_dotfiles_hidden(tmp_path: Path) -> None:
    (tmp_path / ".sitegen.json").write_text("{}")
    (tmp_path / "index.html").write_text("<p>hi</p>")
    with serve_site(tmp_path) as base:
        assert get(base, "/.sitegen.json")[0] == 404
        assert get(base, "/")[0] == 200


def test_precompressed_baked_site(tmp_path: Path) -> None:
    """A site with its origin baked in and .gz files ready is served without compressing."""
    from ingest.webserver import free_port

    with pytest.raises(ValueError, match="precompress needs a real base_url"):
        build_site(tmp_path / "x", demo_articles("minimal"), "minimal", precompress=True)
    port = free_port()
    origin = f"http://127.0.0.1:{port}"
    build_site(tmp_path, demo_articles("wordpress"), "wordpress", base_url=origin, precompress=True)
    packed = (tmp_path / ARTICLE.strip("/") / "index.html.gz").read_bytes()
    servers = [lambda: serve_site(tmp_path, port=port)]
    if nginx_binary():
        servers.append(lambda: serve_with_nginx(tmp_path, port=port, rewrite_base=False))
    for serve in servers:
        with serve() as base:
            assert base == origin
            status, headers, body = get(base, ARTICLE, headers={"Accept-Encoding": "gzip"})
            assert status == 200 and headers["content-encoding"] == "gzip"
            assert body == packed  # the file written at build time, byte for byte
            status, headers, plain = get(base, ARTICLE)
            assert "content-encoding" not in headers and gzip.decompress(packed) == plain
            assert int(headers["content-length"]) == len(plain)
            assert f'href="{origin}{ARTICLE}"'.encode() in plain
