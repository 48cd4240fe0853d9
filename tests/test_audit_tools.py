"""Audit of the tool commands (help examples, extract, reclean, runs, stats, demo): each example
runs as written, and bad input gets one line naming the problem, exit status 2, no traceback,
and nothing stored is touched. Real files, real processes, a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import http.server
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.articles_db import assert_one_line_error, main, make_db
from tests.conftest import ROOT, run_ingest

# -- help examples ------------------------------------------------------------------------------

#: Options of `ingest crawl`/`ingest schedule` that take a value (the value is no source name).
_VALUE_OPTIONS = {"--db", "--redis", "--url", "--site", "--every", "-s", "--sources"}


def _example_sources(help_text: str) -> list[str]:
    """Source names in the help's examples: crawl/schedule arguments and --source values."""
    names = []
    for line in help_text.splitlines():
        example = line.split("#")[0]
        if not example.lstrip().startswith("ingest "):
            continue  # the option list (`--source NAME`), prose
        words = example.split()
        if words[:2] in (["ingest", "crawl"], ["ingest", "schedule"]):
            args = iter(words[2:])
            for word in args:
                if word in _VALUE_OPTIONS:
                    next(args, None)
                elif not word.startswith("-"):
                    names.append(word)
        names += re.findall(r"--source (\S+)", example)
    return names


def test_help_examples_name_sources_that_exist() -> None:
    """`ingest crawl --help` showed a worker crawling source `demo`, which does not exist."""
    from ingest.cli import cli
    from ingest.sources import load_sources

    known = set(load_sources(ROOT / "sources.toml"))
    helps = {"": run_ingest("--help").stdout}
    for name in sorted(cli.commands):
        helps[name] = run_ingest(name, "--help").stdout
    named = {cmd: _example_sources(text) for cmd, text in helps.items()}
    assert any(named.values())  # the parser finds the examples
    unknown = {cmd: sorted(set(names) - known) for cmd, names in named.items()}
    assert not any(unknown.values()), unknown


# -- ingest extract -----------------------------------------------------------------------------


class _Handler(http.server.BaseHTTPRequestHandler):
    """/loop redirects to itself forever; /empty is a 200 with no body."""

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        if self.path.startswith("/loop"):
            self.send_response(302)
            self.send_header("Location", f"/loop{len(self.path)}")
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", "0")
        self.end_headers()


@pytest.fixture(scope="module")
def origin() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


def test_extract_a_folder_says_folder(tmp_path: Path) -> None:
    assert_one_line_error(main("extract", tmp_path), "is a folder")


def test_extract_of_a_url_it_cannot_fetch_says_so(tmp_path: Path, monkeypatch) -> None:
    """`ingest extract ftp://example.com/x` said "no such file"."""
    monkeypatch.chdir(tmp_path)
    assert_one_line_error(main("extract", "ftp://example.com/x"), "only http(s) URLs")


@pytest.mark.parametrize("content", [b"", b"  \n\t\n"])
def test_extract_an_empty_file_is_one_line(tmp_path: Path, content: bytes) -> None:
    """An empty file printed an empty record with exit status 0."""
    page = tmp_path / "page.html"
    page.write_bytes(content)
    assert_one_line_error(main("extract", page), "page.html", "empty")


def test_extract_a_file_over_the_crawl_size_limit_is_one_line(tmp_path: Path) -> None:
    """A file of any size was read whole into memory (a URL's body is capped at 10 MB)."""
    page = tmp_path / "huge.html"
    page.write_bytes(b"<html><body><article>" + b"<p>word word word</p>" * 500_000)
    assert_one_line_error(main("extract", page), "huge.html", "10 MB")


def test_extract_a_url_that_redirects_forever_says_so(origin: str) -> None:
    """It said `HTTP 302; check the URL`."""
    assert_one_line_error(main("extract", f"{origin}/loop"), "/loop", "redirect")


def test_extract_an_empty_response_is_one_line(origin: str) -> None:
    assert_one_line_error(main("extract", f"{origin}/empty"), "/empty", "empty")


def test_extract_url_option_must_be_a_url(tmp_path: Path) -> None:
    """`--url notaurl` was stored as the record's url."""
    page = tmp_path / "page.html"
    page.write_text("<html><body><article><p>Some words here.</p></article></body></html>")
    assert_one_line_error(main("extract", page, "--url", "notaurl"), "--url", "'notaurl'")


# -- ingest reclean, runs, stats ----------------------------------------------------------------


def _schema(db: Path) -> list[str]:
    with sqlite3.connect(db) as conn:
        return sorted(r[0] for r in conn.execute("SELECT name FROM sqlite_master"))


def test_reclean_leaves_a_foreign_database_alone(tmp_path: Path) -> None:
    """`ingest reclean --db other.db` created every news-ingest table in another program's
    database before saying it had no pages."""
    db = tmp_path / "other.db"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE notes (body TEXT)")
    before = _schema(db)
    assert_one_line_error(main("reclean", "--db", db), "other.db", "not a news-ingest database")
    assert _schema(db) == before


def test_reclean_negative_workers_is_one_line(tmp_path: Path) -> None:
    """`--workers -1` was a ValueError traceback from the process pool."""
    db = make_db(tmp_path / "news.db")
    assert_one_line_error(main("reclean", "--workers", "-1", "--db", db), "--workers")


def test_runs_limit_zero_is_refused_not_no_runs(tmp_path: Path) -> None:
    """`ingest runs -n 0` said "no runs yet" of a database with runs."""
    db = make_db(tmp_path / "news.db")
    assert_one_line_error(main("runs", "-n", "0", "--db", db), "--limit")


def test_stats_of_an_empty_database_prints_no_none(tmp_path: Path) -> None:
    from ingest.storage import Store

    Store(tmp_path / "news.db").close()
    result = main("stats", "--db", tmp_path / "news.db")
    assert result.returncode == 0, result.stderr
    assert (
        "None" not in result.stdout
        and "no publication dates (0 articles without one)" in result.stdout
    )


# -- ingest demo --------------------------------------------------------------------------------


def test_demo_search_with_fts_syntax_is_read_as_ingest_search_reads_it(tmp_path: Path) -> None:
    """`ingest demo --search 'ferry"'` crawled, then ended in an sqlite3 traceback."""
    result = run_ingest("demo", "--db", str(tmp_path / "demo.db"), "--search", 'ferry"')
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert "Port Alder council" in result.stdout
    # The run's line as `ingest crawl` prints it, whole (it wrapped at 80 columns in a pipe,
    # left duplicates out and showed a Python dict)
    summary = next(line for line in result.stdout.splitlines() if line.startswith("run 1 "))
    assert summary.startswith("run 1 finished: 61 URLs fetched, 39 discovery pages, 15 new")
    assert summary.endswith("0 duplicates, dropped blocked 1, empty 6"), summary


@pytest.fixture
def taken_demo_port() -> Iterator[None]:
    """Port 8765 (demo-news in sources.toml) held by another listener, as by a second demo."""
    sock = socket.socket()
    try:
        sock.bind(("127.0.0.1", 8765))
        sock.listen()
    except OSError:
        pass  # already taken by someone else: the same situation
    try:
        yield
    finally:
        sock.close()


def test_demo_serve_with_a_taken_port_names_a_sources_file_that_fits(
    tmp_path: Path, taken_demo_port: None
) -> None:
    """With 8765 taken, `ingest demo --serve` served demo-news elsewhere but its hint, `ingest
    crawl demo-news`, crawls sources.toml's 8765: whatever else listens there."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "ingest", "demo", "--serve", "--db", str(tmp_path / "d.db")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env={**os.environ, "COLUMNS": "300"},
    )
    try:
        lines = []
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line)
            if line.startswith("Ctrl-C"):
                break
        text = "".join(lines)
        served = re.search(r"wordpress at (http://127\.0\.0\.1:\d+)/", text)
        hint = re.search(r"ingest crawl demo-news --sources (\S+)", text)
        assert served and hint, text
        assert f'url = "{served.group(1)}/"' in Path(hint.group(1)).read_text()
    finally:
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=30)


def test_the_command_list_imports_neither_scrapy_nor_redis() -> None:
    """``ingest --help`` took 0.65 s: the demo and drain commands imported Scrapy and Twisted
    (0.35 s) and redis (0.07 s) when the command list was built; they import them when they
    run."""
    code = (
        "import sys\nfrom ingest.cli import cli\n"
        "cli.main(['--help'], standalone_mode=False)\n"
        "print(sorted(m for m in ('scrapy', 'twisted', 'redis') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "Usage" in done.stdout and "crawl" in done.stdout
    assert done.stdout.strip().splitlines()[-1] == "[]"
