"""`ingest query` and `ingest stats` on real SQLite files, through the real command line."""

import csv
import hashlib
import io
import json
import sqlite3

import pytest
from click.testing import CliRunner

from ingest import query as query_lib
from ingest.cli import cli
from ingest.errors import UserError
from tests.articles_db import assert_one_line_error, ingest, main, make_db


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    return make_db(tmp_path_factory.mktemp("q") / "news.db")


def run(*args):
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def digest(path):
    """Checksum of the database and its WAL: proves a refused statement changed nothing."""
    parts = [path, path.with_name(path.name + "-wal")]
    return hashlib.sha256(b"".join(p.read_bytes() for p in parts if p.exists())).hexdigest()


def test_query_prints_an_aligned_table(db):
    out = run("query", "SELECT source, count(*) AS n FROM articles GROUP BY source", "--db", db)
    lines = out.splitlines()
    assert lines[0].split() == ["source", "n"]
    assert set(lines[1]) <= {"-", " "}
    assert lines[2].split() == ["daily", "3"] and lines[3].split() == ["zeitung", "2"]


def test_query_table_cuts_long_cells_and_flattens_newlines(db):
    out = run("query", "SELECT text FROM articles WHERE url LIKE '%harbour%'", "--db", db)
    row = out.splitlines()[2]
    assert row.endswith("…") and len(row) == 60 and "\n" not in row
    full = run(
        "query",
        "SELECT text FROM articles WHERE url LIKE '%harbour%'",
        "--db",
        db,
        "--max-width",
        "0",
    )
    assert "who crosses it every day." in full


def test_query_json_csv_and_nl_with_parameters(db):
    sql = "SELECT url, authors FROM articles WHERE source = :s ORDER BY url"
    rows = json.loads(run("query", sql, "-p", "s", "zeitung", "--db", db, "--json"))
    assert [r["url"] for r in rows] == [
        "https://zeitung.example/2024/05/brucke.html",
        "https://zeitung.example/2024/05/wahl.html",
    ]
    assert json.loads(rows[1]["authors"]) == ["Jana Müller", "Lukas Kern"]
    table = list(
        csv.reader(io.StringIO(run("query", sql, "-p", "s", "zeitung", "--db", db, "--csv")))
    )
    assert table[0] == ["url", "authors"] and len(table) == 3
    lines = run("query", sql, "-p", "s", "zeitung", "--db", db, "--nl").splitlines()
    assert [json.loads(x)["url"] for x in lines] == [r["url"] for r in rows]
    assert json.loads(run("query", "SELECT 1 AS x WHERE 0", "--db", db, "--json")) == []


def test_json_output_is_strict_json(db):
    """`SELECT 1e308 * 10` printed {"x": Infinity}, which jq and JavaScript refuse."""
    sql = "SELECT 1e308 * 10 AS x, -1e308 * 10 AS y, 0.5 AS z"
    strict = {"parse_constant": lambda name: pytest.fail(f"{name} is not JSON")}
    assert json.loads(run("query", sql, "--db", db, "--json"), **strict) == [
        {"x": None, "y": None, "z": 0.5}
    ]
    assert json.loads(run("query", sql, "--db", db, "--nl"), **strict) == {
        "x": None, "y": None, "z": 0.5,
    }  # fmt: skip


def test_a_blob_is_its_size_in_every_format(db):
    """--csv printed a BLOB as Python's bytes literal ("b'\\x1f\\x8b..."), the table and
    --json as its size."""
    sql = "SELECT x'1f8b0800' AS raw"
    assert list(csv.reader(io.StringIO(run("query", sql, "--db", db, "--csv")))) == [
        ["raw"],
        ["<4 bytes>"],
    ]
    assert json.loads(run("query", sql, "--db", db, "--json")) == [{"raw": "<4 bytes>"}]
    assert "<4 bytes>" in run("query", sql, "--db", db)


@pytest.mark.parametrize(
    "sql",
    [
        "DELETE FROM articles",
        "UPDATE articles SET title = 'x'",
        "INSERT INTO runs (status) VALUES ('x')",
        "DROP TABLE articles",
        "CREATE TABLE evil (x)",
        "CREATE TEMP TABLE scratch (x)",
        "PRAGMA query_only = 0",
        "PRAGMA journal_mode = DELETE",
        "VACUUM",
        "REPLACE INTO articles (url, source, text) VALUES ('u', 's', 't')",
    ],
)
def test_statements_that_write_are_refused_and_change_nothing(db, sql):
    before = digest(db)
    result = main("query", sql, "--db", db)
    assert_one_line_error(result, "read-only")
    assert digest(db) == before
    assert sqlite3.connect(db).execute("SELECT count(*) FROM articles").fetchone()[0] == 5


def test_attach_and_vacuum_into_create_no_file(db, tmp_path):
    for sql in (f"ATTACH '{tmp_path / 'other.db'}' AS o", f"VACUUM INTO '{tmp_path / 'copy.db'}'"):
        assert_one_line_error(main("query", sql, "--db", db), "read-only")
    assert list(tmp_path.iterdir()) == []


def test_reading_pragmas_and_table_functions_work(db):
    out = run("query", "PRAGMA table_info(articles)", "--db", db, "--json")
    assert "published_at" in [c["name"] for c in json.loads(out)]
    out = run(
        "query",
        "SELECT count(*) AS n FROM articles, json_each(articles.authors)",
        "--db",
        db,
        "--json",
    )
    assert json.loads(out) == [{"n": 6}]


def test_the_installed_command_refuses_a_write_in_one_line(db):
    """The real binary, in its own process: exit status 2, one line, nothing changed."""
    before = digest(db)
    assert_one_line_error(ingest("query", "DELETE FROM articles", "--db", str(db)), "read-only")
    assert digest(db) == before


def test_sql_errors_are_one_line(db):
    assert_one_line_error(main("query", "SELECT * FROM nope", "--db", db), "no such table: nope")
    assert_one_line_error(main("query", "SELECT 1; SELECT 2", "--db", db), "single SQL statement")


def test_missing_foreign_and_non_sqlite_databases(tmp_path):
    missing = tmp_path / "missing.db"
    for command in (
        ["query", "SELECT 1"],
        ["stats"],
        ["search", "x"],
        ["serve"],
        ["export", "--out", str(tmp_path / "x.jsonl")],
    ):
        assert_one_line_error(main(*command, "--db", missing), str(missing), "ingest crawl")
    assert not missing.exists()
    foreign = tmp_path / "foreign.db"
    sqlite3.connect(foreign).execute("CREATE TABLE t (x)")
    assert_one_line_error(main("stats", "--db", foreign), "not a news-ingest database")
    junk = tmp_path / "junk.db"
    junk.write_text("hello, not a database\n" * 100)
    assert_one_line_error(
        ingest("query", "SELECT 1", "--db", str(junk)), "not a readable SQLite database"
    )


def test_library_query_streams_rows(db):
    result = query_lib.query(db, "SELECT url FROM articles ORDER BY url")
    assert result.columns == ["url"]
    assert next(result.rows) == ("https://daily.example/2024/05/council-budget.html",)
    assert len(list(result.rows)) == 4
    with pytest.raises(UserError, match="read-only"):
        query_lib.query(db, "DELETE FROM articles")


def test_stats_counts_dates_and_last_run_per_source(db):
    data = query_lib.stats(db)
    assert data["totals"]["articles"] == 5 and data["totals"]["without_date"] == 1
    # 2024-05-03T09:00+02:00 is the earliest instant; 2024-06-10T23:30-05:00 the latest.
    assert data["totals"]["published_from"] == "2024-05-03T07:00:00Z"
    assert data["totals"]["published_to"] == "2024-06-11T04:30:00Z"
    daily, zeitung = data["sources"]
    assert (daily["source"], daily["articles"], daily["languages"]) == ("daily", 3, ["en"])
    assert daily["last_run"]["status"] == "finished"
    assert daily["last_run"]["outcomes"] == {"new": 3, "not_article": 1}
    assert zeitung["last_run"]["outcomes"] == {"new": 2}
    assert data["languages"] == [
        {"language": "en", "articles": 3},
        {"language": "de", "articles": 2},
    ]


def test_stats_command_text_and_json(db):
    text = run("stats", "--db", db)
    assert "5 articles from 2 sources in 2 languages" in text
    assert "2024-05-03T07:00:00Z to 2024-06-11T04:30:00Z (1 without a date)" in text
    daily = next(line for line in text.splitlines() if line.startswith("daily "))
    assert "#1 finished" in daily and "3 new" in daily and "1 not_article" in daily
    assert json.loads(run("stats", "--db", db, "--json"))["totals"]["sources"] == 2


def test_stats_on_a_fresh_database_with_no_articles(tmp_path):
    from ingest.storage import Store

    Store(tmp_path / "empty.db").close()
    text = run("stats", "--db", tmp_path / "empty.db")
    assert "0 articles from 0 sources" in text
    totals = json.loads(run("stats", "--json", "--db", tmp_path / "empty.db"))["totals"]
    assert totals["words"] == 0 and totals["without_date"] == 0  # were null


def test_every_command_help_shows_an_example():
    for name in ("query", "search", "stats", "serve", "export"):
        out = run(name, "--help")
        assert "Example" in out and f"ingest {name}" in out, name
