"""End to end: real crawls of the demo sites (three layouts, feeds, sitemaps, link-following)
served on 127.0.0.1 into real SQLite files, checked field by field against the sites' source
records: every article stored once, every sentence kept, no boilerplate left."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from ingest.demo import DEMO_SITES
from ingest.sitegen import demo_articles, expected_records
from tests.conftest import ROOT, rows, run_ingest

SOURCE_OF = {site.theme: site.name for site in DEMO_SITES}


@pytest.fixture(scope="module")
def expected(demo_sites) -> dict[str, dict]:
    out = {}
    for theme, base in demo_sites.items():
        for url, record in expected_records(demo_articles(theme), theme, base).items():
            out[url] = {**record, "source": SOURCE_OF[theme]}
    return out


@pytest.fixture(scope="module")
def crawled(demo_sources, tmp_path_factory) -> dict:
    """Crawl all demo sources twice into one database; keep both runs' outputs."""
    db = tmp_path_factory.mktemp("e2e") / "news.db"
    first = run_ingest("crawl", "--sources", str(demo_sources), "--db", str(db))
    second = run_ingest("crawl", "--sources", str(demo_sources), "--db", str(db))
    return {"db": db, "first": first, "second": second}


@pytest.fixture(scope="module")
def stored(crawled) -> dict[str, dict]:
    return {r["url"]: dict(r) for r in rows(crawled["db"], "SELECT * FROM articles")}


def test_crawl_exits_cleanly(crawled):
    for run in ("first", "second"):
        proc = crawled[run]
        assert proc.returncode == 0, proc.stderr[-2000:]
        assert "Traceback" not in proc.stderr


def test_every_article_stored_once_and_nothing_else(stored, expected):
    assert sorted(stored) == sorted(expected)


@pytest.mark.parametrize("field", ["title", "authors", "language", "source"])
def test_field_matches(stored, expected, field):
    for url, want in expected.items():
        got = stored[url][field]
        if field == "authors":
            got = json.loads(got)
        assert got == want[field], url


@pytest.mark.parametrize("field", ["published_at", "modified_at"])
def test_dates_match_with_timezone(stored, expected, field):
    for url, want in expected.items():
        if want[field] is None:
            continue
        got = stored[url][field]
        assert got and datetime.fromisoformat(got).tzinfo is not None, url
        assert datetime.fromisoformat(got) == datetime.fromisoformat(want[field]), url


@pytest.mark.parametrize("field", ["description", "section", "image", "site_name", "tags"])
def test_stated_metadata_matches(stored, expected, field):
    for url, want in expected.items():
        if want[field] is None:
            continue
        got = json.loads(stored[url][field]) if field == "tags" else stored[url][field]
        assert got == want[field], url


def test_every_article_sentence_survives(stored, expected):
    for url, want in expected.items():
        text = stored[url]["text"]
        missing = [p for p in want["paragraphs"] if p not in text]
        assert not missing, f"{url}: lost {missing[:2]}"


def test_no_boilerplate_survives(stored, expected):
    for url, want in expected.items():
        text = stored[url]["text"]
        leaked = [b for b in want["boilerplate"] if b in text]
        assert not leaked, f"{url}: boilerplate kept {leaked[:3]}"


def test_text_is_paragraphs_separated_by_blank_lines(stored, expected):
    for url, want in expected.items():
        assert stored[url]["text"] == want["text"], url


def test_second_crawl_adds_nothing(crawled, stored):
    runs = rows(crawled["db"], "SELECT * FROM runs ORDER BY id")
    assert [r["status"] for r in runs] == ["finished", "finished"]
    assert runs[0]["articles_new"] == len(stored)
    assert runs[1]["articles_new"] == 0 and runs[1]["articles_updated"] == 0
    dupes = rows(
        crawled["db"], "SELECT content_hash FROM articles GROUP BY content_hash HAVING count(*) > 1"
    )
    assert dupes == []


def test_fetch_log_accounts_for_every_fetch(crawled):
    counts = dict(
        rows(
            crawled["db"],
            "SELECT outcome, count(*) FROM fetch_log WHERE run_id = 1 GROUP BY outcome",
        )
    )
    run = rows(crawled["db"], "SELECT * FROM runs WHERE id = 1")[0]
    assert sum(counts.values()) == run["pages_fetched"]
    assert counts.get("new") == run["articles_new"]
    assert counts.get("discovery", 0) >= 3  # at least each start page
    # each URL fetched once a run: a start page came again from the site's own logo link
    for run_id in (1, 2):
        twice = rows(
            crawled["db"],
            "SELECT url FROM fetch_log WHERE run_id = ? GROUP BY url HAVING count(*) > 1",
            (run_id,),
        )
        assert [r["url"] for r in twice] == [], run_id


def test_fts_in_sync(crawled, stored):
    [count] = rows(crawled["db"], "SELECT count(*) FROM articles_fts")[0]
    assert count == len(stored)
    hits = rows(
        crawled["db"],
        "SELECT a.url FROM articles_fts JOIN articles a "
        "ON a.rowid = articles_fts.rowid WHERE articles_fts MATCH 'ferry'",
    )
    assert hits and all(
        "ferry" in stored[h["url"]]["text"].lower() or "ferry" in stored[h["url"]]["title"].lower()
        for h in hits
    )


def test_amp_copy_and_tracking_url_are_the_same_row(crawled, expected, tmp_path):
    db = Path(crawled["db"])
    amp = [r for r in expected.values() if r["amp_url"]]
    assert amp, "the demo must publish AMP copies"
    target = amp[0]
    before = rows(db, "SELECT count(*) FROM articles")[0][0]
    proc = run_ingest(
        "crawl",
        "--db",
        str(db),
        "--url",
        target["amp_url"],
        "--url",
        target["url"] + "?utm_source=newsletter&utm_medium=email",
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert rows(db, "SELECT count(*) FROM articles")[0][0] == before
    outcomes = rows(db, "SELECT outcome FROM fetch_log WHERE run_id = (SELECT max(id) FROM runs)")
    assert sorted(r[0] for r in outcomes) == ["duplicate", "unchanged"]
    [row] = rows(db, "SELECT text, version FROM articles WHERE url = ?", (target["url"],))
    assert row["text"] == target["text"] and row["version"] == 1


def test_site_discovery_without_sources_file(demo_sites, expected, tmp_path):
    base = demo_sites["minimal"]
    db = tmp_path / "site.db"
    proc = run_ingest("crawl", "--site", base + "/", "--db", str(db))
    assert proc.returncode == 0, proc.stderr[-2000:]
    got = {r["url"] for r in rows(db, "SELECT url FROM articles")}
    assert got == {u for u, r in expected.items() if r["source"] == SOURCE_OF["minimal"]}


def test_scrapy_native_command(demo_sources, expected, tmp_path):
    import subprocess
    import sys

    db = tmp_path / "scrapy.db"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "scrapy",
            "crawl",
            "news",
            "-a",
            "source=demo-rheinblick",
            "-a",
            f"sources={demo_sources}",
            "-s",
            f"INGEST_DB={db}",
            "-s",
            "LOG_LEVEL=WARNING",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    got = {r["url"] for r in rows(db, "SELECT url FROM articles")}
    assert got == {u for u, r in expected.items() if r["source"] == "demo-rheinblick"}
