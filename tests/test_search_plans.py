"""Search plans (ingest.query.choose_plan): every plan returns exactly the rows and order of the
plain plan, and each plan's statements avoid reading the articles table for every match.

The database is real (the crawl's schema and FTS5 triggers) and small; the plans are compared
on results and on EXPLAIN QUERY PLAN, never on timings.
"""

from __future__ import annotations

import random
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from ingest import query as query_lib
from ingest.query import Filters, Plan, choose_plan, connect_readonly, fts_query, rank, search_sql
from ingest.storage import Store
from tests.articles_db import ROOT

SOURCES = ("daily", "zeitung", "gazette", "courier", "tiny")
#: UTC offsets from the extremes (-12:00, +14:00) inward: raw strings sort apart from UTC times.
OFFSETS = ("-12:00", "-05:00", "+00:00", "Z", "+02:00", "+05:30", "+14:00")
COMMON = ("harbour", "council", "bridge", "ferry", "budget")
RARE = ("zeppelin", "quarry", "lighthouse")


def _published(rnd: random.Random, i: int) -> str | None:
    """Mostly ISO times with offsets in a few days (many near ties), some odd values."""
    if i % 37 == 0:
        return None
    if i % 41 == 0:
        return "sometime in May"  # not a date: datetime() is NULL, sorts last
    if i % 43 == 0:
        return f"2024-05-{1 + i % 9:02d}"  # a day without a time
    day, hour, minute = 1 + rnd.randrange(9), rnd.randrange(24), rnd.choice((0, 30))
    return f"2024-05-{day:02d}T{hour:02d}:{minute:02d}:00{rnd.choice(OFFSETS)}"


def _text(rnd: random.Random, i: int) -> str:
    if i % 11 == 0:
        return "The harbour council met about the ferry budget."  # equal scores: rowid decides
    words = [rnd.choice(COMMON) for _ in range(rnd.randint(3, 30))]
    if i % 97 == 0:
        words.append(RARE[i % len(RARE)])
    return " ".join(words) + "."


def make_plans_db(path: Path, rows: int = 2500, seed: int = 3) -> Path:
    """``rows`` articles through the real schema and FTS5 triggers, in one transaction."""
    Store(path).close()
    rnd = random.Random(seed)
    conn = sqlite3.connect(path)
    with conn:
        conn.executemany(
            "INSERT INTO articles (url, source, title, published_at, language, text, word_count,"
            " content_hash, version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1)",
            [
                (
                    f"https://news.example/{i}",
                    "tiny" if i % 250 == 7 else SOURCES[i % 4],
                    f"Story {i} {rnd.choice(COMMON)}",
                    _published(rnd, i),
                    "fr" if i % 250 == 11 else "de" if i % 3 == 0 else "en",
                    text,
                    len(text.split()),
                    f"{i:040x}",
                )
                for i in range(rows)
                for text in [_text(rnd, i)]
            ],
        )
    conn.close()
    return path


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    return make_plans_db(tmp_path_factory.mktemp("plans") / "news.db")


@pytest.fixture(scope="module")
def conn(db):
    connection = connect_readonly(db)
    yield connection
    connection.close()


CASES = [
    ("harbour", {}),
    ("harbour", {"sources": ["tiny"]}),
    ("harbour", {"sources": ["daily", "tiny"], "since": "2024-05-04"}),
    ("council", {"since": "2024-05-03T12:00:00Z", "until": "2024-05-06"}),
    ("council", {"since": "2000"}),  # keeps every dated article: more than match
    ("ferry", {"languages": ["de"]}),  # no index on language
    ("harbour OR council", {"languages": ["fr"]}),  # few pass: ranking streamed past round 1
    ("ferry", {"languages": ["de"], "sources": ["zeitung"], "until": "2024-05-05"}),
    ("zeppelin", {}),
    ("zeppelin", {"sources": ["daily"]}),
    ("harb*", {"since": "2024-05-02"}),
    ('"ferry budget"', {"sources": ["courier"]}),
    ("lighthouse OR quarry", {"languages": ["en"]}),
    ("nosuchword", {"sources": ["daily"]}),
]


def _all_plans(conn, fts, filters, newest):
    """(name, rows) for each plan that applies to this query."""
    names = ["lookup", "set"] + (["recent"] if newest else ["ranked"])
    if not newest and filters.where("a")[0] == "1":
        names.append("index")
    out = []
    for name in names:
        plan = Plan(name)
        if name in ("set", "recent"):
            cutoff = query_lib._cutoff(conn, fts, filters) if name == "recent" else None
            if name == "recent" and cutoff is None:
                continue
            indexed, _ = query_lib._indexed_and_residual(filters)
            _, rowids = query_lib._filtered_rows(conn, indexed, None, cutoff)
            plan = Plan(name, rowids=rowids, cutoff=cutoff)
        out.append((name, rank(conn, fts, filters, newest, plan)))
    return out


@pytest.mark.parametrize("newest", [False, True])
@pytest.mark.parametrize("limit", [1, 7, 40])
@pytest.mark.parametrize(("words", "options"), CASES)
def test_every_plan_returns_the_same_rows_in_the_same_order(conn, words, options, limit, newest):
    filters = Filters.build(limit=limit, **options)
    fts = fts_query(words)
    expected = conn.execute(*search_sql(fts, filters, newest, "lookup")).fetchall()
    for name, rows in _all_plans(conn, fts, filters, newest):
        assert rows == expected, name
    chosen = choose_plan(conn, fts, filters, newest)
    assert rank(conn, fts, filters, newest, chosen) == expected, chosen


def test_newest_first_follows_utc_not_the_stored_strings(db, conn):
    hits = query_lib.search(db, "harbour OR council OR bridge", newest=True, limit=60)
    times = [conn.execute("SELECT datetime(?)", [h["published_at"]]).fetchone()[0] for h in hits]
    assert times == sorted(times, reverse=True) and None not in times
    raw = [h["published_at"] for h in hits]
    assert raw != sorted(raw, reverse=True)  # the data do disagree: offsets matter here


def test_the_chosen_plans(conn):
    def plan(words, newest=False, **options):
        return choose_plan(conn, fts_query(words), Filters.build(limit=10, **options), newest)

    assert plan("harbour").name == "index"
    assert plan("harbour", sources=["tiny"]).name == "set"  # filters keep few: list them
    assert plan("harbour", since="2000").name == "ranked"  # filters keep most: rank first
    assert plan("harbour", languages=["de"]).name == "ranked"  # no index to list them from
    assert plan("harbour", newest=True).name == "recent"
    assert plan("zeppelin", newest=True).name == "lookup"  # a few matches: just read them
    chosen = plan("harbour", sources=["tiny"])
    assert chosen.filtered is not None and chosen.filtered <= chosen.matches


def _steps(conn, sql, params):
    """EXPLAIN QUERY PLAN details ("SCAN a ..." would read every article row)."""
    return [row[3] for row in conn.execute("EXPLAIN QUERY PLAN " + sql, params)]


def test_set_plan_lists_rowids_from_a_covering_index_and_bounds_the_fts_scan(conn):
    filters = Filters.build(sources=["tiny"], since="2024-05-02", limit=10)
    fts = fts_query("harbour")
    plan = choose_plan(conn, fts, filters)
    assert plan.name == "set"
    steps = _steps(conn, *search_sql(fts, filters, plan=plan))
    # FTS5 gets the MATCH and the rowid range (">" and "<" after M in its index string)
    assert steps[0].startswith("SCAN articles_fts VIRTUAL TABLE INDEX 0:M") and "><" in steps[0]
    assert any("COVERING INDEX idx_articles_source_published_at" in s for s in steps), steps
    assert not any(s.split()[:2] in (["SCAN", "a"], ["SCAN", "s"], ["SEARCH", "a"]) for s in steps)


def test_recent_plan_walks_the_date_index_and_reads_articles_only_since_the_cutoff(conn):
    filters = Filters.build(limit=5)
    fts = fts_query("harbour")
    plan = choose_plan(conn, fts, filters, newest=True)
    assert plan.name == "recent" and plan.cutoff is not None
    total = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
    assert plan.filtered < total / 2  # only the articles published since the cutoff
    steps = _steps(conn, *search_sql(fts, filters, True, plan))
    assert any("COVERING INDEX idx_articles_published_at (published_at>?)" in s for s in steps)
    assert not any(s.split()[:2] in (["SCAN", "a"], ["SCAN", "s"]) for s in steps), steps


def _ranked_rounds(conn, words, **options):
    """Rows of the ranked plan and how many rounds of article reads it took."""
    filters = Filters.build(limit=10, **options)
    read = []
    conn.set_trace_callback(read.append)
    try:
        rows = rank(conn, fts_query(words), filters, False, Plan("ranked"))
    finally:
        conn.set_trace_callback(None)
    expected = conn.execute(*search_sql(fts_query(words), filters, plan="lookup")).fetchall()
    assert rows == expected
    return rows, sum(s.startswith("SELECT a.rowid FROM articles AS a WHERE") for s in read)


def test_ranked_plan_reads_few_articles(conn):
    """Rank first, then read articles in rank order: a wide filter reads one round of rows;
    a filter few articles pass streams the rest of the ranking, chunk by chunk."""
    rows, rounds = _ranked_rounds(conn, "harbour", since="2000")
    assert len(rows) == 10 and rounds == 1
    rows, rounds = _ranked_rounds(conn, "harbour OR council", languages=["fr"])
    assert len(rows) == 10 and rounds > 1


def test_a_search_command_imports_neither_scrapy_nor_pyarrow(db):
    """`ingest search` starts fast: the crawl's and the export's libraries stay unloaded."""
    code = (
        "import sys; from ingest.cli import main; sys.argv = ['ingest', 'search', 'harbour',"
        f" '--db', {str(db)!r}, '--limit', '1']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "heavy = {'scrapy', 'twisted', 'pyarrow', 'pandas', 'numpy', 'sqlite_utils', 'datasette'}"
        "\nprint(sorted(m for m in sys.modules if m.split('.')[0] in heavy))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "[]", result.stdout
