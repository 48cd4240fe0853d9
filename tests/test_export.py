"""`ingest export`: real files loaded by pandas and DuckDB, typed Parquet, reproducible bytes,
dataset cards, filters, duplicates, errors, and constant memory on a 200k-article database."""

import csv
import hashlib
import json
import sqlite3
import subprocess
import sys
import textwrap
from datetime import UTC, datetime

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from ingest.article import Article
from ingest.cli import cli
from ingest.errors import UserError
from ingest.export import DEFAULT_FIELDS, export
from ingest.storage import Store
from tests.articles_db import (
    ARTICLES,
    ROOT,
    assert_one_line_error,
    main,
    make_big_db,
    make_db,
    page,
)


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    return make_db(tmp_path_factory.mktemp("e") / "news.db")


def db_rows(db):
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    return {r["url"]: dict(r) for r in conn.execute("SELECT * FROM articles")}


def sha256(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


# -- formats load for real ------------------------------------------------------------------


def test_jsonl_loads_in_pandas_and_duckdb_with_the_stored_values(db, tmp_path):
    out = tmp_path / "news.jsonl"
    result = export(db, out)
    assert result.rows == 5 and out.exists()
    stored = db_rows(db)
    df = pd.read_json(out, lines=True, dtype=False)
    assert list(df["url"]) == sorted(stored)  # ordered by URL
    assert set(df.columns) == set(DEFAULT_FIELDS)
    for record in df.to_dict("records"):
        row = stored[record["url"]]
        assert record["title"] == row["title"] and record["text"] == row["text"]
        assert list(record["authors"]) == json.loads(row["authors"])
        assert list(record["tags"]) == json.loads(row["tags"])
        assert record["word_count"] == row["word_count"]
    utc = pd.to_datetime(df["published_at"], utc=True, format="ISO8601")
    assert utc.max() == pd.Timestamp("2024-06-11T04:30:00Z")
    rel = duckdb.sql(
        f"SELECT source, count(*) n, min(published_at) first, "
        f"max(len(authors)) most FROM read_json_auto('{out}') GROUP BY source "
        "ORDER BY source"
    ).fetchall()
    assert [(s, n, m) for s, n, _, m in rel] == [("daily", 3, 2), ("zeitung", 2, 2)]
    assert rel[0][2] == datetime(2024, 5, 3, 8, 0, tzinfo=UTC)


def test_csv_loads_in_pandas_and_duckdb(db, tmp_path):
    out = tmp_path / "news.csv"
    export(db, out, fields="url,title,authors,published_at,text,word_count")
    with out.open(newline="", encoding="utf-8") as handle:
        header = next(csv.reader(handle))
    assert header == ["url", "title", "authors", "published_at", "text", "word_count"]
    df = pd.read_csv(out, keep_default_na=False, na_values=[""])
    stored = db_rows(db)
    for record in df.to_dict("records"):
        assert record["text"] == stored[record["url"]]["text"]  # multi-line text survives
        assert json.loads(record["authors"]) == json.loads(stored[record["url"]]["authors"])
    n, words = duckdb.sql(
        f"SELECT count(*), sum(word_count) FROM read_csv_auto('{out}')"
    ).fetchall()[0]
    assert n == 5 and words == sum(r["word_count"] for r in stored.values())


def test_parquet_has_a_typed_schema(db, tmp_path):
    out = tmp_path / "news.parquet"
    export(db, out)
    table = pq.read_table(out)
    schema = table.schema
    for name in ("published_at", "modified_at", "first_seen", "last_fetched", "last_changed"):
        assert schema.field(name).type == pa.timestamp("us", tz="UTC"), name
    assert schema.field("authors").type == pa.list_(pa.string())
    assert schema.field("tags").type == pa.list_(pa.string())
    assert schema.field("word_count").type == pa.int64()
    assert schema.field("text").type == pa.string()
    rows = {r["url"]: r for r in table.to_pylist()}
    bridge = rows[ARTICLES[0].url]
    assert bridge["published_at"] == datetime(2024, 5, 3, 8, 0, tzinfo=UTC)  # +02:00 -> UTC
    assert bridge["authors"] == ["Ana Ruiz", "Tom Berg"]
    assert rows[ARTICLES[4].url]["published_at"] is None
    df = pd.read_parquet(out)
    assert str(df["published_at"].dtype) == "datetime64[us, UTC]"
    assert list(df.loc[df["url"] == ARTICLES[0].url, "tags"].iloc[0]) == ["transport", "bridges"]
    assert duckdb.sql(
        f"SELECT typeof(published_at), typeof(authors) FROM '{out}' LIMIT 1"
    ).fetchall()[0] == ("TIMESTAMP WITH TIME ZONE", "VARCHAR[]")


def test_parquet_is_written_in_row_groups(tmp_path):
    big = make_big_db(tmp_path / "big.db", 45_000)
    out = tmp_path / "big.parquet"
    assert export(big, out).rows == 45_000
    meta = pq.ParquetFile(out).metadata
    assert meta.num_rows == 45_000 and meta.num_row_groups == 3


# -- reproducible ---------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_same_database_and_filters_give_identical_bytes(db, tmp_path, fmt):
    first = export(db, tmp_path / f"a.{fmt}", languages="en", since="2024-01-01")
    copy = tmp_path / "copy.db"
    source = sqlite3.connect(db)
    source.execute(f"VACUUM INTO '{copy}'")  # rowids and page layout may change; data does not
    source.close()
    second = export(copy, tmp_path / f"b.{fmt}", languages="en", since="2024-01-01")
    assert (tmp_path / f"a.{fmt}").read_bytes() == (tmp_path / f"b.{fmt}").read_bytes()
    assert first.sha256 == second.sha256 and first.rows == 3


# -- dataset card ---------------------------------------------------------------------------


def test_card_says_how_it_was_made_and_what_it_holds(db, tmp_path):
    out = tmp_path / "set.jsonl"
    runner = CliRunner()
    result = runner.invoke(
        cli,
        [
            "export",
            "--format",
            "jsonl",
            "--out",
            str(out),
            "--db",
            str(db),
            "--since",
            "2024-05",
            "--min-words",
            "10",
        ],
    )
    assert result.exit_code == 0, result.output
    card = (tmp_path / "set.jsonl.card.md").read_text()
    assert f"- SHA-256: `{sha256(out)}`" in card
    assert f"(jsonl, {out.stat().st_size} bytes)" in card
    assert (
        f"`ingest export --format jsonl --out {out} --db {db} --since 2024-05 "
        "--min-words 10`" in card
    )
    assert "- Tool: news-ingest 0.1.0" in card and f"- Database: `{db.resolve()}`" in card
    assert "(last crawl: run 1, finished at " in card
    assert "| since | 2024-05 |" in card and "| min_words | 10 |" in card
    assert "| daily | 3 |" in card and "| zeitung | 1 |" in card
    assert "| en | 3 |" in card and "| de | 1 |" in card
    assert "- Articles: 4" in card
    assert "- Published: 2024-05-03T07:00:00Z to 2024-06-11T04:30:00Z (UTC); 0 without" in card
    assert "| `authors` | list of strings | Authors, as a JSON list of names |" in card
    times = {line.split("|")[1].strip(): line for line in card.splitlines() if "ISO 8601" in line}
    assert "site's UTC offset" in times["`published_at`"]
    for crawl_time in ("`first_seen`", "`last_fetched`", "`last_changed`"):
        assert "(UTC)" in times[crawl_time] and "site" not in times[crawl_time], times[crawl_time]
    assert "path: set.jsonl" in card  # Hugging Face data_files header
    assert 'pd.read_json("set.jsonl", lines=True' in card


def test_card_of_a_parquet_export_lists_arrow_types(db, tmp_path):
    result = export(db, tmp_path / "x.parquet", fields=["url", "published_at", "tags"])
    card = result.card.read_text()
    # the description agrees with the type (it said "ISO 8601 with the site's UTC offset")
    assert "| `published_at` | timestamp[us, tz=UTC] | Publication time, a UTC instant" in card
    assert "| `tags` | list<string> | Keywords given by the site, a list |" in card
    assert "`text`" not in card
    described = pq.read_schema(result.path).field("published_at").metadata[b"description"]
    assert described.decode().startswith("Publication time, a UTC instant")
    assert "ingest.export.export(" in card and "fields=['url', 'published_at', 'tags']" in card


def test_card_header_is_valid_yaml_whatever_the_names(tmp_path):
    """A file named "x: y #1.jsonl" broke the card's YAML header, a source named with a "|"
    its Markdown tables, and Norwegian ("no") would read back as false."""
    import yaml

    db = make_db(
        tmp_path / "odd.db",
        [
            Article(url="https://n.example/a", source="Pipe|Source", title="Nyheter",
                    text="Fergen går igjen i morgen.", language="no"),
        ],
    )  # fmt: skip
    result = export(db, tmp_path / "x: y #1.jsonl")
    card = result.card.read_text()
    header = yaml.safe_load(card.split("---\n")[1])
    assert header["pretty_name"] == "x: y #1" and header["language"] == ["no"]
    assert header["configs"][0]["data_files"][0]["path"] == "x: y #1.jsonl"
    assert "| Pipe\\|Source | 1 |" in card
    empty = export(db, tmp_path / "none.jsonl", languages="de")
    assert yaml.safe_load(empty.card.read_text().split("---\n")[1])["language"] == []


def test_the_card_code_loads_the_file(db, tmp_path):
    """Run the pandas and DuckDB lines of the card as written, next to the file."""
    for fmt in ("jsonl", "csv", "parquet"):
        result = export(db, tmp_path / f"news.{fmt}")
        code = result.card.read_text().split("```python\n")[1].split("```")[0]
        code = code.split("from datasets")[0]  # the datasets library is not installed here
        script = code + textwrap.dedent("""
            assert len(df) == 5, len(df)
            assert str(df["published_at"].dtype) == "datetime64[us, UTC]", df.dtypes
        """)
        done = subprocess.run(
            [sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True
        )
        assert done.returncode == 0, (fmt, done.stderr)
        assert "daily" in done.stdout and "zeitung" in done.stdout


# -- filters and fields ---------------------------------------------------------------------


def urls(path):
    return [json.loads(line)["url"].rsplit("/", 1)[1] for line in path.read_text().splitlines()]


def test_filters_select_the_right_articles(db, tmp_path):
    out = tmp_path / "f.jsonl"
    export(db, out, sources=["zeitung"])
    assert urls(out) == ["brucke.html", "wahl.html"]
    export(db, out, languages="en", until="2024-05-31")
    assert urls(out) == ["council-budget.html", "harbour-bridge.html"]
    export(db, out, since="2024-06-11")  # 2024-06-10T23:30-05:00 is the 11th in UTC
    assert urls(out) == ["storm.html"]
    export(db, out, min_words=20)
    assert urls(out) == ["harbour-bridge.html", "storm.html"]
    export(db, out, search="harbour")
    assert urls(out) == ["council-budget.html", "harbour-bridge.html"]
    export(db, out, search='"harbour bridge" OR wahl*')
    assert urls(out) == ["harbour-bridge.html", "wahl.html"]
    export(db, out, search='harbour "bridge')  # not FTS5 syntax: searched as plain words
    assert urls(out) == ["harbour-bridge.html"]
    assert export(db, out, limit=2).rows == 2 and len(urls(out)) == 2


def test_fields_pick_and_order_columns(db, tmp_path):
    out = tmp_path / "f.jsonl"
    export(db, out, fields="title, url")
    first = json.loads(out.read_text().splitlines()[0])
    assert first == {
        "title": "Council approves the budget",
        "url": "https://daily.example/2024/05/council-budget.html",
    }


def test_an_empty_selection_still_writes_a_file_and_card(db, tmp_path):
    result = export(db, tmp_path / "none.parquet", since="2030-01-01")
    assert result.rows == 0 and pq.read_table(result.path).num_rows == 0
    assert "- Articles: 0" in result.card.read_text()


# -- duplicates -----------------------------------------------------------------------------


def test_exclude_duplicates_keeps_the_most_complete_copy(tmp_path):
    story = (
        "The river rose two metres overnight and the old mill was flooded. "
        "Firefighters moved forty families to the school gym before dawn. "
        "The mayor said the dykes held everywhere else in the valley."
    )
    path = make_db(
        tmp_path / "d.db",
        [
            Article(
                url="https://a.example/flood",
                source="a",
                title="River floods the old mill",
                text=story,
                language="en",
                published_at="2024-03-01T08:00:00+00:00",
            ),
            # the same story syndicated with a line added: a near duplicate, and longer
            Article(
                url="https://b.example/flood-river",
                source="b",
                title="River floods the old mill!",
                text=story + " More rain is expected.",
                language="en",
                published_at="2024-03-01T09:00:00+00:00",
            ),
            # same headline, different story: not a duplicate
            Article(
                url="https://a.example/flood-2023",
                source="a",
                title="River floods the old mill",
                text="A year ago the same mill stood dry while the town counted its losses "
                "after a storm that brought down trees across the region.",
                language="en",
            ),
            Article(
                url="https://a.example/other",
                source="a",
                title="Market reopens",
                text="The Saturday market reopens in the square.",
                language="en",
            ),
        ],
    )
    # a correction that made one article's text equal to another's: an exact duplicate
    store = Store(path)
    store.write_batch(
        None,
        [
            page(
                Article(
                    url="https://a.example/other",
                    source="a",
                    title="Market reopens",
                    text=story,
                    language="en",
                )
            )
        ],
    )
    store.close()
    out = tmp_path / "d.jsonl"
    result = export(path, out, exclude_duplicates=True)
    kept = {json.loads(x)["url"] for x in out.read_text().splitlines()}
    assert kept == {"https://b.example/flood-river", "https://a.example/flood-2023"}
    assert result.duplicates_excluded == 2
    assert "- Duplicates left out: 2\n" in result.card.read_text()
    assert export(path, out).rows == 4
    # within a selection: source a alone keeps its own copy of the story
    export(path, out, sources="a", exclude_duplicates=True)
    assert {json.loads(x)["url"] for x in out.read_text().splitlines()} == {
        "https://a.example/flood",
        "https://a.example/flood-2023",
    }


def test_exclude_duplicates_finds_a_syndicated_japanese_copy(tmp_path):
    """Headlines and shingles were runs of \\w: a Japanese headline was one "word" (under the
    three a headline needs) and a text a handful of shingles, so near copies went unseen."""
    story = (
        "港町の朝市が三年ぶりに再開した。漁師たちは早朝から新鮮な魚を並べ、"
        "多くの市民が訪れた。市長は観光客の増加に期待を示した。"
    )
    path = make_db(
        tmp_path / "ja.db",
        [
            Article(url="https://a.example/asaichi", source="a", title="港町の朝市が再開",
                    text=story, language="ja", published_at="2024-03-01T08:00:00+09:00"),
            Article(url="https://b.example/asaichi", source="b", title="港町の朝市が再開",
                    text=story + "次回は来月開かれる予定だ。", language="ja",
                    published_at="2024-03-01T09:00:00+09:00"),
        ],
    )  # fmt: skip
    out = tmp_path / "ja.jsonl"
    result = export(path, out, exclude_duplicates=True)
    assert [json.loads(x)["url"] for x in out.read_text().splitlines()] == [
        "https://b.example/asaichi"
    ]
    assert result.duplicates_excluded == 1


# -- progress, quiet, errors ----------------------------------------------------------------


def test_progress_is_reported_with_a_total(tmp_path):
    big = make_big_db(tmp_path / "p.db", 2_500)
    calls = []
    export(
        big,
        tmp_path / "p.csv",
        progress=lambda done, total: calls.append((done, total)),
        batch_size=1000,
    )
    assert calls == [(1000, 2500), (2000, 2500), (2500, 2500)]


def test_quiet_prints_nothing_and_default_prints_a_summary(db, tmp_path):
    quiet = main("export", "--out", tmp_path / "q.jsonl", "--db", db, "--quiet")
    assert quiet.returncode == 0 and quiet.stdout == "" and quiet.stderr == ""
    loud = main("export", "--out", tmp_path / "l.csv", "--db", db)
    assert loud.returncode == 0 and loud.stderr.startswith(
        f"Wrote 5 articles to {tmp_path / 'l.csv'} ("
    )
    assert f"card: {tmp_path / 'l.csv.card.md'}" in loud.stderr


def test_a_failed_export_leaves_no_file_behind(db, tmp_path):
    out = tmp_path / "broken.jsonl"

    def stop(done, total):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        export(db, out, progress=stop, batch_size=2)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "args,words",
    [
        (["--fields", "url,body"], ["--fields", "'body'", "choose from"]),
        (["--since", "soon"], ["--since", "'soon'"]),
        (["--until", "2024-99"], ["--until"]),
        (["--format", "xml"], ["--format", "'xml'"]),
        (["--out-suffix"], []),
    ],
)
def test_bad_input_is_one_line_and_writes_nothing(db, tmp_path, args, words):
    if args == ["--out-suffix"]:
        result = main("export", "--out", tmp_path / "x.txt", "--db", db)
        words = ["--format", "'.txt'"]
    else:
        result = main("export", "--out", tmp_path / "x.jsonl", "--db", db, *args)
    assert_one_line_error(result, *words)
    assert list(tmp_path.iterdir()) == []


def test_out_must_not_be_a_folder_or_the_database(db, tmp_path):
    assert_one_line_error(
        main("export", "--out", tmp_path, "--format", "csv", "--db", db), "is a folder"
    )
    with pytest.raises(UserError, match="the database itself"):
        export(db, db, format="jsonl")
    assert sqlite3.connect(db).execute("SELECT count(*) FROM articles").fetchone()[0] == 5


# -- constant memory ------------------------------------------------------------------------

# VmHWM is this process's own peak RSS (ru_maxrss would carry the parent's across exec).
_PEAK = """
import sys
from ingest.export import export
import pandas, pyarrow.parquet  # libraries load before the baseline: their size is not data

def peak_kb():
    with open("/proc/self/status") as status:
        return int(next(x for x in status if x.startswith("VmHWM:")).split()[1])

before = peak_kb()
export(sys.argv[1], sys.argv[2])
print(peak_kb() - before)
"""


def peak_growth_kb(db, out):
    done = subprocess.run(
        [sys.executable, "-c", _PEAK, str(db), str(out)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    )
    return int(done.stdout.strip())


@pytest.mark.parametrize("fmt", ["jsonl", "parquet"])
def test_export_memory_does_not_grow_with_the_database(tmp_path_factory, fmt):
    """Peak RSS growth while exporting 200k articles is about that of 40k (5x the data), and a
    small fraction of the data: rows stream through, they are never all in memory."""
    base = tmp_path_factory.getbasetemp()
    small, big = base / "mem-40k.db", base / "mem-200k.db"
    if not big.exists():
        make_big_db(small, 40_000)
        make_big_db(big, 200_000)
    tmp = tmp_path_factory.mktemp("mem")
    grow_small = peak_growth_kb(small, tmp / f"small.{fmt}")
    grow_big = peak_growth_kb(big, tmp / f"big.{fmt}")
    data_kb = (tmp / f"big.{fmt}").stat().st_size // 1024
    db_kb = big.stat().st_size // 1024
    assert grow_big < 2 * grow_small + 4096, (grow_small, grow_big)
    assert grow_big < db_kb / 2, (grow_big, db_kb, data_kb)
