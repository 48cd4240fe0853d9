"""`ingest serve`: Datasette on 127.0.0.1, driven by a real headless Chromium."""

import contextlib
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ingest.serve import metadata
from tests.articles_db import ROOT, assert_one_line_error, main, make_db

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(url, proc, log, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"ingest serve exited: {log.read_text()}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return response.status
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"{url} did not answer in {timeout}s")


@contextlib.contextmanager
def running_server(db: Path) -> Iterator[dict[str, Any]]:
    """A real `ingest serve` process for ``db`` on a free port, answering before it is given.

    Its output goes to a temporary file (``log``), not to a pipe: nobody reads a pipe while the
    server runs, and a server writing a long traceback to a full one stops answering."""
    port = free_port()
    with tempfile.NamedTemporaryFile(
        "w", prefix="ingest-serve-", suffix=".log", delete=False
    ) as out:
        log = Path(out.name)
        proc = subprocess.Popen(
            [sys.executable, "-m", "ingest", "serve", "--db", str(db), "--port", str(port)],
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            text=True,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(f"{base}/-/versions.json", proc, log)
        yield {"base": base, "port": port, "db": db, "proc": proc, "log": log}
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.unlink(missing_ok=True)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with running_server(make_db(tmp_path_factory.mktemp("serve") / "news.db")) as served:
        yield served


def get_json(url):
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.load(response)


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing in CI; .ci/run installs Debian's chromium")
        pytest.skip(f"{CHROMIUM} not installed (apt-get install chromium); CI installs it")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        yield chromium
        chromium.close()


def test_search_box_finds_the_article_in_chromium(server, browser):
    page = browser.new_page()
    page.goto(f"{server['base']}/news/articles")
    assert "Harbour bridge reopens after repairs" in page.content()  # all rows before search
    page.fill("input[name=_search]", "Wahlbeteiligung")
    page.press("input[name=_search]", "Enter")
    page.wait_for_url("**_search=Wahlbeteiligung**")
    table = page.inner_text("table.rows-and-columns")
    assert "Wahlbeteiligung so hoch wie nie" in table
    assert "Harbour bridge" not in table and "Storm closes schools" not in table
    assert "1 row" in page.inner_text("body")
    page.close()


def test_facets_descriptions_and_sort_order_in_the_page(server, browser):
    page = browser.new_page()
    page.goto(f"{server['base']}/news/articles")
    facets = page.inner_text(".facet-results")
    assert "source" in facets and "daily" in facets and "zeitung" in facets
    assert "language" in facets and "en" in facets and "de" in facets
    assert "One row per article, keyed on its canonical URL" in page.inner_text("body")
    titles = page.locator("table.rows-and-columns td.col-title").all_inner_texts()
    assert titles[0] == "Storm closes schools"  # published_at descending
    page.click("text=zeitung")
    page.wait_for_url("**source=zeitung**")
    assert set(page.locator("td.col-source").all_inner_texts()) == {"zeitung"}
    page.close()


def test_ranked_search_query_shows_snippets(server, browser):
    page = browser.new_page()
    page.goto(f"{server['base']}/news/search?q=harbour&source=&language=")
    rows = page.locator("table.rows-and-columns tbody tr").all_inner_texts()
    assert "Harbour bridge reopens after repairs" in rows[0]
    assert "[harbour]" in rows[1] and "Council approves the budget" in rows[1]
    page.close()


def test_metadata_is_served_and_the_server_is_read_only(server):
    data = get_json(f"{server['base']}/news/articles.json?_shape=objects&_size=1")
    assert data["rows"][0]["title"] == "Storm closes schools"
    served = get_json(f"{server['base']}/-/metadata.json")
    articles = served["databases"]["news"]["tables"]["articles"]
    expected = metadata(server["db"])["databases"]["news"]["tables"]["articles"]
    assert {k: articles[k] for k in expected} == expected  # Datasette adds keys of its own
    assert articles["facets"] == ["source", "language"] and articles["sort_desc"] == "published_at"
    assert articles["fts_table"] == "articles_fts"
    assert served["databases"]["news"]["tables"]["pages"]["hidden"] is True
    assert served["databases"]["news"]["tables"]["articles_fts_pending"]["hidden"] is True
    with pytest.raises(urllib.error.HTTPError):
        urllib.request.urlopen(f"{server['base']}/news.json?sql=DELETE+FROM+articles", timeout=10)
    count = get_json(
        f"{server['base']}/news.json?sql=select+count(*)+as+n+from+articles&_shape=array"
    )
    assert count == [{"n": 5}]


@pytest.mark.parametrize("typed", ['"', '""', '"""', " ", '"" ""'])
def test_a_table_search_of_no_words_shows_the_table(server, typed):
    """Datasette escapes these to an empty FTS5 query (a 400 and a traceback in the log); the
    server drops such a search, as for an empty box, and keeps every other parameter."""
    base = f"{server['base']}/news/articles.json?_shape=objects&_size=1"
    quoted = urllib.parse.quote(typed)
    for search in (f"_search={quoted}", f"_search_title={quoted}", f"%5Fsearch={quoted}"):
        searched = get_json(f"{base}&{search}")
        assert searched["filtered_table_rows_count"] == 5, search
        assert len(searched["rows"]) == 1  # _size=1 survived the rewrite
    storm = get_json(f"{base}&_search_title=Storm&_search_text={quoted}")
    assert storm["filtered_table_rows_count"] == 1
    assert storm["rows"][0]["title"] == "Storm closes schools"


def test_a_nul_in_a_search_is_a_space(server):
    """SQLite reads an FTS5 query as a C string: a NUL (``%00``) ended it early, a 400
    "unterminated string" in a table search and in the ranked search query alike."""
    base = f"{server['base']}/news/articles.json?_shape=objects"
    for search in ("_search=storm%00", "_search_title=storm%00closes", "%5Fsearch=%00storm"):
        hits = get_json(f"{base}&{search}")
        assert [row["title"] for row in hits["rows"]] == ["Storm closes schools"], search
    assert get_json(f"{base}&_search=%00")["filtered_table_rows_count"] == 5
    ranked = f"{server['base']}/news/search.json?source=&language=&_shape=array"
    assert [row["title"] for row in get_json(f"{ranked}&q=storm%00")] == ["Storm closes schools"]
    assert get_json(f"{ranked}&q=%00") == []
    assert "unterminated" not in server["log"].read_text()


def test_client_errors_leave_no_traceback_in_the_log(server):
    """Datasette printed a 180-line traceback with locals for each 404 or refused statement."""
    for path, status in [
        ("/news/no_such_table", 404),
        ("/news.json?sql=delete+from+articles", 400),
        ("/news.json?sql=select+nonsense+from", 400),
    ]:
        with pytest.raises(urllib.error.HTTPError) as caught:
            urllib.request.urlopen(server["base"] + path, timeout=10)
        assert caught.value.code == status, path
    assert get_json(f"{server['base']}/news/articles.json?_shape=objects")["rows"]
    log = server["log"].read_text()
    assert "Traceback" not in log and "NotFound" not in log, log[-2000:]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/news/articles"),  # Datasette 0.65 itself: 500 "only POST to a canned query"
        ("POST", "/news/search?q=storm"),  # a read-only canned query: 500
        ("POST", "/news/articles/-/insert"),  # the 1.0 write API: 500
        ("POST", "/news/articles/1/-/delete"),
        ("POST", "/news?sql=delete+from+articles"),
        ("PUT", "/news/articles"),
        ("DELETE", "/news/articles/1"),
    ],
)
def test_writes_are_refused_with_405(server, method, path):
    request = urllib.request.Request(
        server["base"] + path,
        data=b'{"rows": [{"title": "x"}]}',
        method=method,
        headers={"Content-Type": "application/json"},
    )
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(request, timeout=10)
    assert info.value.code == 405
    assert info.value.headers["Allow"] == "GET, HEAD, OPTIONS"
    assert b"read-only" in info.value.read()
    count = get_json(
        f"{server['base']}/news.json?sql=select+count(*)+as+n+from+articles&_shape=array"
    )
    assert count == [{"n": 5}]  # nothing written, and the server still answers


def listening_addresses(port):
    """Local addresses with a socket in LISTEN state on ``port`` (from /proc/net/tcp*)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        if not os.path.exists(table):
            continue
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            address, hexport = fields[1].split(":")
            if int(hexport, 16) == port and fields[3] == "0A":
                found.add(address)
    return found


def test_binds_loopback_only_by_default(server):
    assert listening_addresses(server["port"]) == {"0100007F"}  # 127.0.0.1, little-endian


def test_busy_port_and_bad_database_are_one_line(server, tmp_path):
    assert_one_line_error(
        main("serve", "--db", server["db"], "--port", server["port"]),
        f"127.0.0.1:{server['port']}",
        "--port",
    )
    assert_one_line_error(main("serve", "--db", tmp_path / "none.db"), "database not found")
    assert_one_line_error(main("serve", "--db", server["db"], "--port", "70000"), "--port")
