"""Security faults: ``ingest query`` fed statements that would change the database, and
``ingest serve`` checked for the address it listens on and for writes through its web UI.
(Redirects off the declared domains, non-HTTP URLs and XML entities are in the HTTP and
discovery fault modules.)"""

from __future__ import annotations

import hashlib
import json
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from ingest.process import process_page
from ingest.storage import PageResult, Store
from tests.reliability import faults as F
from tests.reliability.checks import finish, ingest_args, query, run, start


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real database with three real articles (extracted and stored by the pipeline's own
    functions; no crawl is needed to test the readers)."""
    db = tmp_path_factory.mktemp("security") / "news.db"
    results = []
    for n in range(3):
        story = F.make_story(f"secure-{n}")
        page = {
            "url": f"http://127.0.0.1/news/secure-{n}.html",
            "source": "demo",
            "body": F.article_html(story).encode(),
            "content_type": "text/html; charset=utf-8",
            "status": 200,
        }
        results.append(PageResult(**process_page(page)))
    store = Store(db)
    try:
        run_id = store.start_run(["demo"])
        store.write_batch(run_id, results)
        store.finish_run(run_id, "finished")
        store.db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        store.close()
    return db


def fingerprint(db: Path) -> str:
    """Hash of the database and of its WAL (a write may sit in either)."""
    digest = hashlib.sha256(db.read_bytes())
    wal = db.with_name(db.name + "-wal")
    if wal.exists():
        digest.update(wal.read_bytes())
    return digest.hexdigest()


WRITES = [
    ("delete", "DELETE FROM articles"),
    ("update", "UPDATE articles SET title = 'pwned'"),
    ("insert", "INSERT INTO runs (status) VALUES ('pwned')"),
    ("replace", "REPLACE INTO runs (id, status) VALUES (1, 'pwned')"),
    ("drop", "DROP TABLE articles"),
    ("create", "CREATE TABLE pwned (x)"),
    ("cte-delete", "WITH x AS (SELECT 1) DELETE FROM articles"),
    ("two-statements", "SELECT 1; DELETE FROM articles"),
    ("fts-command", "INSERT INTO articles_fts(articles_fts) VALUES ('delete-all')"),
    ("pragma-journal", "PRAGMA journal_mode = DELETE"),
    ("pragma-schema", "PRAGMA writable_schema = ON"),
    ("attach", "ATTACH DATABASE '{tmp}/attached.db' AS pwned"),
    ("vacuum-into", "VACUUM INTO '{tmp}/copy.db'"),
    ("load-extension", "SELECT load_extension('{tmp}/evil.so')"),
]


def test_query_cannot_modify_the_database(database: Path, tmp_path: Path, report) -> None:
    obs = report(
        f"`ingest query` with {len(WRITES)} kinds of writes (DML, DDL, CTE, two statements, "
        "FTS command, PRAGMA, ATTACH, VACUUM INTO, load_extension)",
        "each refused with a one-line error; database and WAL byte-identical; no file created",
    )
    before = fingerprint(database)
    refused, accepted = [], []
    # The first statement through the real command line (exit status, stderr); the rest
    # through the same command in-process (a subprocess each would cost seconds).
    first = run(ingest_args("query", WRITES[0][1], "--db", str(database)), 60)
    lines = [line for line in first.stderr.splitlines() if line.strip()]
    if first.returncode == 2 and len(lines) == 1 and lines[0].startswith("Error:"):
        refused.append(WRITES[0][0])
    else:
        accepted.append(WRITES[0][0])
        obs.saw(f"{WRITES[0][0]}: exit {first.returncode}, {first.stderr.strip()[:80]!r}")
    for name, sql in WRITES[1:]:
        error = _refusal(sql.format(tmp=tmp_path), database)
        (refused if error else accepted).append(name)
        if not error:
            obs.saw(f"{name}: not refused")
    created = sorted(p.name for p in tmp_path.iterdir())
    after = fingerprint(database)
    titles = {r["title"] for r in query(database, "SELECT title FROM articles")}
    obs.saw(f"{len(refused)} of {len(WRITES)} refused; unchanged: {before == after}; "
            f"files created: {created or 'none'}")  # fmt: skip
    assert not accepted
    assert before == after
    assert created == []
    assert "pwned" not in titles and len(titles) == 3


def _refusal(sql: str, database: Path) -> str | None:
    """The one-line error ``ingest query`` gives for ``sql`` (run in-process), or None."""
    from click.testing import CliRunner

    from ingest.cli import cli
    from ingest.errors import UserError

    result = CliRunner().invoke(cli, ["query", sql, "--db", str(database)])
    if isinstance(result.exception, UserError) and "\n" not in str(result.exception):
        return str(result.exception)
    return None


def test_query_still_reads(database: Path, report) -> None:
    obs = report("`ingest query` with a SELECT (control)", "rows printed, exit 0")
    result = run(
        ingest_args("query", "SELECT count(*) AS n FROM articles", "--db", str(database), "--json")
    )
    obs.saw(f"exit {result.returncode}: {result.stdout.strip()[:60]}")
    assert result.returncode == 0, result.brief()
    assert json.loads(result.stdout) == [{"n": 3}]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _listening(port: int) -> list[str]:
    """Local addresses listening on ``port`` (from /proc/net/tcp and tcp6)."""
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            address, hexport = fields[1].rsplit(":", 1)
            if int(hexport, 16) == port and fields[3] == "0A":  # 0A: LISTEN
                found.append(_decode_address(address))
    return found


def _decode_address(hexaddr: str) -> str:
    raw = bytes.fromhex(hexaddr)
    if len(raw) == 4:
        return socket.inet_ntop(socket.AF_INET, raw[::-1])
    words = [raw[i : i + 4][::-1] for i in range(0, 16, 4)]
    return socket.inet_ntop(socket.AF_INET6, b"".join(words))


def _other_address() -> str | None:
    """A non-loopback address of this machine, if it has one."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        try:
            sock.connect(("192.0.2.1", 9))  # TEST-NET: no packet is sent for UDP connect
            address = sock.getsockname()[0]
        except OSError:
            return None
    return None if address.startswith("127.") else address


@pytest.fixture(scope="module")
def served(database: Path) -> Iterator[tuple[int, object]]:
    port = _free_port()
    started = time.monotonic()
    proc = start(ingest_args("serve", "--db", str(database), "--port", str(port)))
    deadline = time.monotonic() + 60
    while not _listening(port):
        if proc.poll() is not None or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    try:
        yield port, proc
    finally:
        proc.terminate()
        finish(proc, 20, started)


def test_serve_binds_loopback_only(served, report) -> None:
    port, _ = served
    obs = report("`ingest serve` with no --host", "listens on 127.0.0.1 only")
    addresses = _listening(port)
    other = _other_address()
    reachable = None
    if other:
        try:
            with socket.create_connection((other, port), timeout=2):
                reachable = True
        except OSError:
            reachable = False
    obs.saw(f"listening on {addresses}; via {other or 'no other address'}: "
            f"{'reachable' if reachable else 'refused'}")  # fmt: skip
    assert addresses == ["127.0.0.1"]
    assert not reachable


def test_serve_refuses_writes(served, database: Path, report) -> None:
    port, _ = served
    obs = report(
        "writes through `ingest serve` (SQL page with DELETE, insert API)",
        "refused; database unchanged",
    )
    before = fingerprint(database)
    statuses = []
    base = f"http://127.0.0.1:{port}"
    sql = urllib.parse.quote("DELETE FROM articles")
    attempts = [
        (f"{base}/news.json?sql={sql}", None),
        (f"{base}/news/articles/-/insert", json.dumps({"row": {"url": "x"}}).encode()),
        (f"{base}/news/-/create", json.dumps({"table": "pwned", "rows": [{"x": 1}]}).encode()),
    ]
    for url, data in attempts:
        request = urllib.request.Request(
            url, data=data, headers={"Content-Type": "application/json"}
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                body = response.read().decode("utf-8", "replace")
                statuses.append((response.status, "error" in body.lower()))
        except urllib.error.HTTPError as exc:
            statuses.append((exc.code, True))
    count = query(database, "SELECT count(*) AS n FROM articles")[0]["n"]
    obs.saw(f"answers {statuses}; articles {count}; unchanged: {before == fingerprint(database)}")
    assert all(code >= 400 or refused for code, refused in statuses)
    assert count == 3
    assert before == fingerprint(database)
