"""`ingest search`: FTS5 ranking, snippets, filters and query plans on real SQLite files."""

import json

import pytest
from click.testing import CliRunner

from ingest import query as query_lib
from ingest.article import Article
from ingest.cli import cli
from ingest.errors import UserError
from ingest.query import Filters, connect_readonly, fts_query, search, search_sql
from ingest.storage import Store
from tests.articles_db import ARTICLES, assert_one_line_error, main, make_big_db, make_db, page


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    return make_db(tmp_path_factory.mktemp("s") / "news.db")


def urls(hits):
    return [h["url"].rsplit("/", 1)[1] for h in hits]


def test_title_matches_rank_above_text_matches(db):
    hits = search(db, "harbour")
    assert urls(hits) == ["harbour-bridge.html", "council-budget.html"]
    assert [h["rank"] for h in hits] == [1, 2] and hits[0]["score"] > hits[1]["score"] > 0


def test_snippets_and_titles_highlight_the_matched_words(db):
    [hit] = search(db, "ferry")
    assert hit["snippet"].count("[ferry]") == 1 and "storm closed every school" in hit["snippet"]
    [hit] = search(db, "bridge repairs", marks=("<b>", "</b>"))
    assert hit["title_marked"] == "Harbour <b>bridge</b> reopens after <b>repairs</b>"
    assert "<b>repairs</b>" in hit["snippet"]


def test_all_plain_words_must_match_and_punctuation_is_harmless(db):
    assert urls(search(db, "harbour rises")) == ["council-budget.html"]
    assert search(db, "harbour tunnel") == []
    assert urls(search(db, "next year's budget!")) == ["council-budget.html"]
    assert urls(search(db, "nine-votes")) == ["council-budget.html"]  # searched as a phrase
    assert search(db, "votes-nine") == []
    assert urls(search(db, "votes-to-four")) == ["council-budget.html"]


def test_accents_and_case_do_not_matter(db):
    assert urls(search(db, "HAFENBRUCKE")) == ["brucke.html"]
    assert urls(search(db, "hafenbrücke")) == ["brucke.html"]


def test_fts5_syntax_phrases_or_not_prefix_and_columns(db):
    assert urls(search(db, '"harbour bridge"')) == ["harbour-bridge.html"]
    assert set(urls(search(db, "storm OR wahlbeteiligung"))) == {"storm.html", "wahl.html"}
    assert urls(search(db, "harbour NOT budget")) == ["harbour-bridge.html"]
    assert urls(search(db, "wahl*")) == ["wahl.html"]
    assert urls(search(db, "title:council")) == ["council-budget.html"]
    assert search(db, "title:harbour rises") == []  # 'harbour' only in the text there


def test_invalid_fts_syntax_falls_back_to_plain_words(db):
    assert urls(search(db, 'harbour "bridge')) == ["harbour-bridge.html"]
    assert urls(search(db, "budget (")) == ["council-budget.html"]
    assert urls(search(db, "nosuchcolumn:budget")) == []


def test_a_nul_character_separates_words(db):
    """SQLite reads an FTS5 query as a C string: a NUL cut "st\\0orm" to an unterminated one."""
    assert urls(search(db, "harbour\x00rises")) == ["council-budget.html"]
    assert urls(search(db, '"harbour\x00bridge"')) == ["harbour-bridge.html"]
    assert fts_query("storm\x00") == '"storm"'
    with pytest.raises(UserError, match="no words"):
        fts_query("\x00")


def test_filters_source_language_and_dates_in_utc(db):
    assert urls(search(db, "harbour", sources=["zeitung"])) == []
    assert urls(search(db, "harbour OR hafenbrücke", languages="de")) == ["brucke.html"]
    assert len(search(db, "harbour OR hafenbrücke", sources="daily,zeitung")) == 3
    # published 2024-06-10T23:30-05:00, i.e. 2024-06-11 04:30 UTC
    assert search(db, "storm", until="2024-06-10") == []
    assert urls(search(db, "storm", until="2024-06-11")) == ["storm.html"]
    assert urls(search(db, "storm", since="2024-06-11T04:30:00Z")) == ["storm.html"]
    assert search(db, "storm", since="2024-06-11T04:30:01Z") == []
    assert search(db, "storm", since="2024-06-11T00:00:00-05:00") == []
    # published 2024-05-03T10:00+02:00 = 08:00 UTC; the wahl article has no date
    assert urls(search(db, "harbour", since="2024-05", until="2024-05-03T08:00:00Z")) == [
        "harbour-bridge.html"
    ]
    assert urls(search(db, "harbour", since="2024-05-10")) == ["council-budget.html"]
    assert search(db, "wahlbeteiligung", since="1990") == []
    assert urls(search(db, "wahlbeteiligung")) == ["wahl.html"]


def test_a_time_of_day_in_until_keeps_stories_of_sites_ahead_of_utc(tmp_path):
    """The index's rough range on the raw (local) time cut at the day after --until's UTC
    date: a story at 00:15+01:00 on the 4th (23:15 UTC on the 3rd) fell out of
    `--until 2024-05-03T23:59Z`, in search and export alike."""
    stories = [
        ("berlin", "2024-05-04T00:15:00+01:00"),  # 2024-05-03 23:15 UTC
        ("kiribati", "2024-05-05T09:00:00+14:00"),  # 2024-05-04 19:00 UTC
        ("samoa", "2024-05-03T20:00:00-11:00"),  # 2024-05-04 07:00 UTC
    ]
    db = make_db(
        tmp_path / "zones.db",
        [
            Article(url=f"https://z.example/{name}", source="z", title=f"Ferry {name}",
                    text=f"The ferry story from {name}.", published_at=when, language="en")
            for name, when in stories
        ],
    )  # fmt: skip
    assert urls(search(db, "ferry", until="2024-05-03T23:59:00Z")) == ["berlin"]
    day_4 = {"since": "2024-05-04T00:00:00Z", "until": "2024-05-04T20:00:00Z"}
    assert sorted(urls(search(db, "ferry", **day_4))) == ["kiribati", "samoa"]
    assert urls(search(db, "ferry", until="2024-05-04T06:59:00Z", newest=True)) == ["berlin"]
    from ingest.export import export

    out = tmp_path / "x.jsonl"
    export(db, out, since="2024-05-03T22:00:00Z", until="2024-05-03T23:59:00Z")
    assert [json.loads(line)["url"] for line in out.read_text().splitlines()] == [
        "https://z.example/berlin"
    ]


def test_limit_and_newest_first(db):
    assert len(search(db, "the OR die", limit=2)) == 2
    newest = search(db, "the OR die", newest=True, limit=10)
    assert urls(newest)[:3] == ["storm.html", "council-budget.html", "harbour-bridge.html"]


def test_parse_when_forms():
    assert query_lib.parse_when("2024-05-31", end=True).isoformat() == "2024-06-01T00:00:00+00:00"
    assert query_lib.parse_when("2024-12", end=True).isoformat() == "2025-01-01T00:00:00+00:00"
    assert query_lib.parse_when("2024").isoformat() == "2024-01-01T00:00:00+00:00"
    assert query_lib.parse_when("2024-05-03T10:00:00+02:00").hour == 8
    for bad in ("yesterday", "2024-13-01", "31/05/2024", "7x"):
        with pytest.raises(UserError, match="--since: .* is not a date"):
            query_lib.parse_when(bad)
    with pytest.raises(UserError, match="not before --until"):
        Filters.build(since="2024-06-01", until="2024-05-01")


def test_fts_query_quotes_plain_words():
    assert fts_query("U.S. covid-19") == '"U.S." "covid-19"'
    assert fts_query("elect*") == "elect*"
    assert fts_query("climate change", syntax=False) == '"climate" "change"'
    with pytest.raises(UserError, match="no words"):
        fts_query("   ")


def test_the_plan_drives_from_the_fts_index(db):
    """MATCH on articles_fts first, then articles by rowid: the table is never scanned."""
    conn = connect_readonly(db)
    filters = Filters.build(
        sources=["daily"], languages=["en"], since="2024-01-01", until="2024-12-31", limit=5
    )
    sql, params = search_sql('"harbour"', filters)
    plan = [row[3] for row in conn.execute("EXPLAIN QUERY PLAN " + sql, params)]
    assert plan[0].startswith("SCAN articles_fts VIRTUAL TABLE INDEX"), plan
    assert any("SEARCH a USING INTEGER PRIMARY KEY (rowid=?)" in step for step in plan), plan
    assert not any(step.split()[:2] == ["SCAN", "a"] for step in plan), plan


def test_without_filters_ranking_stays_inside_the_index(db):
    conn = connect_readonly(db)
    sql, params = search_sql('"harbour"', Filters.build(limit=5))
    plan = [row[3] for row in conn.execute("EXPLAIN QUERY PLAN " + sql, params)]
    assert plan[0].startswith("SCAN articles_fts VIRTUAL TABLE INDEX"), plan
    assert not any(step.split()[:2] in (["SEARCH", "a"], ["SCAN", "a"]) for step in plan), plan


def test_search_is_proportional_to_matches_not_to_table_size(tmp_path):
    """A rare word in a 100k-article database costs about what it costs in a 1k one: the
    number of rows SQLite visits is counted by its VM-step progress handler (no timing)."""
    small = make_big_db(tmp_path / "small.db", 1_000)
    big = make_big_db(tmp_path / "big.db", 100_000)
    for path in (small, big):
        store = Store(path)
        store.write_batch(
            None,
            [
                page(
                    Article(
                        url="https://x.example/rare",
                        source="x",
                        title="Zeppelin lands",
                        text="A zeppelin landed.",
                    )
                )
            ],
        )
        store.close()

    def steps(path):
        conn = connect_readonly(path)
        count = [0]

        def tick():
            count[0] += 1

        conn.set_progress_handler(tick, 100)
        sql, params = search_sql('"zeppelin"', Filters.build(sources=["x"], limit=20))
        assert len(conn.execute(sql, params).fetchall()) == 1
        return count[0]

    assert steps(big) <= 3 * max(steps(small), 1)


def test_search_command_prints_ranked_hits(db):
    result = CliRunner().invoke(cli, ["search", "harbour", "--db", str(db)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "1. [Harbour] bridge reopens after repairs"
    assert lines[1].startswith("   daily · en · 2024-05-03T10:00:00+02:00 · score ")
    assert lines[2] == "   " + ARTICLES[0].url
    assert "[harbour] bridge reopened" in lines[3]
    assert "2. Council approves the budget" in result.output


def test_search_command_json_and_words_without_quotes(db):
    result = CliRunner().invoke(cli, ["search", "harbour", "bridge", "--db", str(db), "--json"])
    [hit] = json.loads(result.output)
    assert hit["url"] == ARTICLES[0].url and hit["language"] == "en" and hit["rank"] == 1


def test_search_command_bad_input_is_one_line(db):
    assert_one_line_error(
        main("search", "x", "--since", "last tuesday", "--db", db), "--since", "last tuesday"
    )
    assert_one_line_error(main("search", "x", "--until", "2024-02-30", "--db", db), "--until")
    assert_one_line_error(main("search", "   ", "--db", db), "no words")
    none = main("search", "zeppelin", "--db", db)
    assert none.returncode == 0 and "No article matches 'zeppelin'" in none.stderr
