"""Bad input to the reading commands (search, export, query, stats), found by an audit of the
README's "Querying and exporting": each gets one line naming the problem, exit status 2, and
nothing stored or written is touched."""

import json
import os
import shutil
import sqlite3
import urllib.error
import urllib.parse
import urllib.request

import pytest

from tests.articles_db import ARTICLES, assert_one_line_error, main, make_db


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    return make_db(tmp_path_factory.mktemp("audit") / "news.db")


def _reading(command: list, options: list, db, out) -> list:
    """``command`` (search or export) with ``options`` on ``db``; an export writes ``out``."""
    return [*command, *options, "--db", db, *(["--out", out] if command[0] == "export" else [])]


def _refused(command: list, options: list, db, tmp_path, *words: str) -> None:
    """The reading command is one line holding ``words``, and an export writes nothing."""
    out = tmp_path / "out.jsonl"
    assert_one_line_error(main(*_reading(command, options, db, out)), *words)
    assert not out.exists()


@pytest.mark.parametrize(
    "option",
    [
        ["--since", "99999999d"],
        ["--since", "0001-01-01"],
        ["--since", "0001-01-01T00:00:00+00:00"],
        ["--until", "9999-12-31"],
        ["--until", "9999-12"],
    ],
)
@pytest.mark.parametrize("command", [["search", "harbour"], ["export", "--format", "jsonl"]])
def test_dates_out_of_range_are_one_line(db, tmp_path, command, option):
    _refused(command, option, db, tmp_path, option[0], option[1], "leave")


@pytest.mark.parametrize("command", [["search", "harbour"], ["export", "--format", "jsonl"]])
def test_unknown_source_is_one_line_naming_the_known_ones(db, tmp_path, command):
    _refused(
        command, ["--source", "daily,dialy"], db, tmp_path, "--source", "'dialy'", "daily, zeitung"
    )


def test_a_crawled_source_with_nothing_stored_yet_is_an_empty_export(tmp_path):
    """A source added to sources.toml and crawled, with nothing stored yet: its cron export is
    rightly empty (exit 0), not refused as a typo."""
    from ingest.storage import Store

    db = make_db(tmp_path / "news.db")
    store = Store(db)
    store.start_run(["newcomer"])
    store.close()
    out = tmp_path / "new.jsonl"
    result = main("export", "--source", "newcomer", "--out", out, "--db", db)
    assert result.returncode == 0, result.stderr
    assert out.read_text() == ""


@pytest.mark.parametrize("command", [["search", "harbour"], ["export", "--format", "jsonl"]])
def test_a_value_that_is_no_language_is_one_line(db, tmp_path, command):
    """`--lang xx` found nothing without a word."""
    _refused(command, ["--lang", "en,xx"], db, tmp_path, "--lang", "'xx'", "ISO 639-1")


def test_languages_are_read_as_stored_codes(db, tmp_path):
    """`English`, `en-US` or `eng` select what `en` selects: stored codes are ISO 639-1."""
    exported = {}
    for value in ("en", "English", "en-US", "eng"):
        out = tmp_path / f"{value}.jsonl"
        assert main("export", "--lang", value, "--out", out, "--db", db).returncode == 0
        exported[value] = [json.loads(line)["url"] for line in out.read_text().splitlines()]
    assert exported["en"] and all(urls == exported["en"] for urls in exported.values())
    out = tmp_path / "fil.jsonl"  # Filipino has no two-letter code: its three letters stand
    assert main("export", "--lang", "fil", "--out", out, "--db", db).returncode == 0


def test_lang_unknown_selects_the_articles_without_a_language(tmp_path):
    """The dataset card counts them as `unknown`, but `--lang unknown` was refused."""
    from ingest.article import Article

    db = make_db(
        tmp_path / "langs.db",
        [
            Article(url="https://l.example/a", source="l", title="Ferry", text="Ferry news.",
                    language="en"),
            Article(url="https://l.example/b", source="l", title="Ferry", text="Ferry xx.",
                    language=None),
        ],
    )  # fmt: skip
    for value, want in (("unknown", ["b"]), ("unknown,en", ["a", "b"]), ("en", ["a"])):
        out = tmp_path / "u.jsonl"
        assert main("export", "--lang", value, "--out", out, "--db", db).returncode == 0
        got = [json.loads(line)["url"][-1] for line in out.read_text().splitlines()]
        assert got == want, value
        found = json.loads(main("search", "ferry", "--lang", value, "--json", "--db", db).stdout)
        assert sorted(hit["url"][-1] for hit in found) == want, value


@pytest.mark.parametrize(
    ("sql", "words"),
    [
        ("SELECT :x", ["no value for :x", "-p x VALUE"]),
        ("SELECT ?", ["'?' parameters have no name", "-p name VALUE"]),
    ],
)
def test_query_parameter_without_a_value_says_how_to_give_it(db, sql, words):
    """Was sqlite3's "You did not supply a value for binding parameter :x." plus SQL advice."""
    assert_one_line_error(main("query", sql, "--db", db), "query", *words)


_SEARCH, _EXPORT = ["search", "harbour"], ["export", "--format", "jsonl"]


@pytest.mark.parametrize(
    ("command", "option", "value"),
    [
        (_EXPORT, "--search", ""),
        (_EXPORT, "--search", "   "),
        (_EXPORT, "--source", ""),
        (_EXPORT, "--source", ","),
        (_EXPORT, "--lang", ""),
        (_SEARCH, "--source", ""),
        (_SEARCH, "--lang", ""),
    ],
)
def test_a_filter_given_empty_is_one_line(db, tmp_path, command, option, value):
    """`--search ""` (a script's empty variable) exported every article, as did `--source ""`
    and `--lang ""`, while `ingest search ""` said no words were given."""
    _refused(command, [option, value], db, tmp_path, option, "nothing given")


@pytest.mark.parametrize("fields", ["", " , "])
def test_export_with_no_field_named_is_one_line(db, tmp_path, fields):
    """`--fields ''` (a script's empty variable) exported every column."""
    _refused(["export", "--format", "jsonl"], ["--fields", fields], db, tmp_path, "no field given")


def test_export_format_that_its_file_name_contradicts_is_one_line(db, tmp_path):
    """`--format csv --out x.jsonl` wrote CSV into a file every reader takes for JSON lines."""
    out = tmp_path / "x.jsonl"
    assert_one_line_error(
        main("export", "--format", "csv", "--out", out, "--db", db), "--format csv", "x.jsonl"
    )
    assert not out.exists()
    other = tmp_path / "x.txt"  # a name that implies no format: --format decides
    assert main("export", "--format", "csv", "--out", other, "--db", db).returncode == 0


@pytest.mark.parametrize("sql", ["", "   ", "/* nothing */"])
def test_query_without_a_statement_is_one_line(db, sql):
    assert_one_line_error(main("query", sql, "--db", db), "query", "SQL")


def test_export_never_replaces_a_pipe_or_device(db, tmp_path):
    """`--out /dev/stdout` once replaced the device node with a regular file (as root)."""
    fifo = tmp_path / "pipe.jsonl"
    os.mkfifo(fifo)
    assert_one_line_error(main("export", "--out", fifo, "--db", db), "--out", "not a regular file")
    assert fifo.is_fifo()
    assert not (tmp_path / "pipe.jsonl.card.md").exists()


@pytest.mark.parametrize("name", ["other.db", "crawl.parquet"])
def test_export_never_replaces_a_sqlite_database(db, tmp_path, name):
    """`--out other.db` (meant as --db) replaced a crawl's database with the export's rows; a
    database under an export's name (crawl.parquet) is just as much a database."""
    other = tmp_path / name
    shutil.copy(db, other)
    before = other.read_bytes()
    result = main("export", "--format", "parquet", "--out", other, "--db", db)
    assert_one_line_error(result, "--out", "SQLite database", "--db")
    assert other.read_bytes() == before
    assert not (tmp_path / f"{name}.card.md").exists()


def test_export_replaces_only_a_file_named_as_an_export(db, tmp_path):
    """`--format csv --out sources.toml` replaced the sources file with CSV; a file named as an
    export (the last export of the same dataset) is replaced as before."""
    config = tmp_path / "sources.toml"
    config.write_text('[sources.x]\nstart_urls = ["https://example.com/"]\n')
    result = main("export", "--format", "csv", "--out", config, "--db", db)
    assert_one_line_error(result, "--out", "sources.toml", "not an export")
    assert config.read_text().startswith("[sources.x]")
    again = tmp_path / "news.csv"
    again.write_text("an older export\n")
    assert main("export", "--out", again, "--db", db).returncode == 0
    assert again.read_text().startswith("url,")
    latest = tmp_path / "latest"  # no export suffix, but its card says it is one of ours
    for _ in range(2):
        assert main("export", "--format", "csv", "--out", latest, "--db", db).returncode == 0


def test_export_to_standard_output_says_what_to_use(db, tmp_path, monkeypatch):
    """`--out -` wrote files named '-' and '-.card.md' in the current folder."""
    monkeypatch.chdir(tmp_path)
    result = main("export", "--format", "jsonl", "--out", "-", "--db", db)
    assert_one_line_error(result, "--out -", "ingest query")
    assert list(tmp_path.iterdir()) == []


def test_export_to_a_folder_says_folder_before_format(db, tmp_path):
    """`--out /tmp` without --format said "'' is not a known format"."""
    assert_one_line_error(main("export", "--out", tmp_path, "--db", db), "is a folder")


def test_export_card_path_taken_by_a_folder_is_one_line(db, tmp_path):
    (tmp_path / "news.jsonl.card.md").mkdir()
    out = tmp_path / "news.jsonl"
    assert_one_line_error(main("export", "--out", out, "--db", db), "--out", "news.jsonl.card.md")
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir()] == ["news.jsonl.card.md"]


def test_database_from_a_newer_version_says_upgrade_not_crawl(db, tmp_path):
    """A migration this version does not know: reading fails, and the advice must not be to run
    `ingest crawl` on it (an older writer on a newer schema)."""
    newer = tmp_path / "newer.db"
    with sqlite3.connect(db) as src, sqlite3.connect(newer) as dst:
        src.backup(dst)
    conn = sqlite3.connect(newer)
    with conn:
        conn.execute(
            "INSERT INTO _sqlite_migrations (migration_set, name, applied_at)"
            " VALUES ('news-ingest', 'm999_future', '2030-01-01')"
        )
        conn.execute("ALTER TABLE articles RENAME COLUMN word_count TO words")
    conn.close()
    before = newer.read_bytes()
    for args in (
        ["stats"],
        ["search", "harbour"],
        ["export", "--out", tmp_path / "x.jsonl"],
        ["export", "--out", tmp_path / "y.jsonl", "--search", "harbour"],
    ):
        result = main(*args, "--db", newer)
        assert_one_line_error(result, "newer", "m999_future", "upgrade")
        assert "ingest crawl" not in result.stderr
    assert newer.read_bytes() == before


@pytest.fixture(scope="module")
def server(db):
    from tests.test_serve import running_server

    with running_server(db) as served:
        yield served["base"]


def ranked_search(base: str, words: str) -> tuple[int, dict]:
    query = urllib.parse.urlencode({"q": words, "source": "", "language": "", "_shape": "objects"})
    try:
        with urllib.request.urlopen(f"{base}/news/search.json?{query}", timeout=10) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as exc:
        return exc.code, json.load(exc)


@pytest.mark.parametrize(
    ("words", "title"),
    [
        ("harbour-bridge", "Harbour bridge reopens after repairs"),  # was: no such column: bridge
        ('"harbour bridge', "Harbour bridge reopens after repairs"),  # was: unterminated string
        ("ferry AND", "Storm closes schools"),  # was: fts5: syntax error near ""
        ("", None),  # the page as first opened, before any words: was an fts5 syntax error
        ('"', None),  # no word at all, only syntax: was a 400 (the function raised)
        ("* *", None),
    ],
)
def test_served_ranked_search_takes_what_ingest_search_takes(server, words, title):
    """/DB/search?q= is the web twin of `ingest search`: words that the command searches as
    plain words (not valid FTS5 syntax) must not be a 400 error on the page."""
    status, data = ranked_search(server, words)
    assert status == 200, data.get("error")
    titles = [row["title"] for row in data["rows"]]
    assert titles[:1] == ([title] if title else [])


def test_database_in_a_read_only_folder_is_read(db, read_only_folder):
    """SQLite reads a WAL database through a -shm file it must create beside it: every reading
    command said "unable to open database file" for a database on a read-only share."""
    source, mounted = read_only_folder
    with sqlite3.connect(db) as src, sqlite3.connect(source / "news.db") as dst:
        src.backup(dst)
    dst.close()
    path = mounted / "news.db"
    probe = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:  # closed here: the traceback would keep it (and the mount busy) until a gc pass
        with pytest.raises(sqlite3.OperationalError, match="unable to open"):
            probe.execute("SELECT 1 FROM articles")
    finally:
        probe.close()
    for args in (["stats"], ["search", "harbour"], ["runs"], ["query", "SELECT 1"]):
        result = main(*args, "--db", path)
        assert result.returncode == 0, (args, result.stderr)
    out = source / "x.jsonl"
    assert main("export", "--out", out, "--db", path).returncode == 0
    assert len(out.read_text().splitlines()) == len(ARTICLES)


def test_read_only_folder_with_pending_wal_is_one_line(db, read_only_folder, tmp_path):
    """A database copied with its -wal file but not its -shm (commits not yet checkpointed):
    an immutable read would miss those commits, so it is said, not hidden."""
    source, mounted = read_only_folder
    live = tmp_path / "live.db"
    with sqlite3.connect(db) as src, sqlite3.connect(live) as dst:
        src.backup(dst)
    dst.close()
    writer = sqlite3.connect(live)
    try:  # the writer stays open: its commit sits in the -wal file, not in the database
        writer.execute("PRAGMA wal_autocheckpoint = 0")
        writer.execute("UPDATE articles SET title = title || ' (corrected)'")
        writer.commit()
        shutil.copyfile(live, source / "news.db")
        shutil.copyfile(f"{live}-wal", source / "news.db-wal")
    finally:
        writer.close()
    assert (source / "news.db-wal").stat().st_size > 0
    link = tmp_path / "link.db"  # its -wal is beside the file it names, not beside the link
    link.symlink_to(mounted / "news.db")
    for path in (mounted / "news.db", link):
        result = main("stats", "--db", path)
        assert_one_line_error(result, "read-only", "-wal", "writable folder")


def test_served_database_in_a_read_only_folder(db, read_only_folder):
    """`ingest serve` is one of the reading commands: Datasette opened it `mode=ro` and every
    page was a 500 "unable to open database file" on a read-only share."""
    from tests.test_serve import running_server

    source, mounted = read_only_folder
    with sqlite3.connect(db) as src, sqlite3.connect(source / "news.db") as dst:
        src.backup(dst)
    dst.close()
    with running_server(mounted / "news.db") as served:
        status, data = ranked_search(served["base"], "harbour-bridge")
    assert status == 200, data.get("error")
    assert [row["title"] for row in data["rows"]][:1] == ["Harbour bridge reopens after repairs"]
