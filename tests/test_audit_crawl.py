"""Audit of README "Crawling" and "Scheduled runs": bad input a user meets gets one line.

Each case is what a media-monitoring user really types: a domain written as a URL, a mistyped
``-s`` value, a bad ``--url``, a bad ``--drop`` selector. Real ``ingest`` processes against the
demo sites served on 127.0.0.1 and a real SQLite file that a good crawl filled first: the bad
command must say in one ``Error:`` line what is wrong and what to do, exit 2, and change nothing
stored.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from ingest.webserver import serve_site
from tests.conftest import rows, run_ingest

pytestmark = pytest.mark.timeout(300)


@pytest.fixture(scope="module")
def stored(demo_sources: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database a good crawl of demo-news filled: bad commands must leave it as it is."""
    db = tmp_path_factory.mktemp("audit-crawl") / "news.db"
    proc = run_ingest("crawl", "demo-news", "--sources", str(demo_sources), "--db", str(db))
    assert proc.returncode == 0, proc.stderr
    return db


def _snapshot(db: Path) -> tuple[int, int, int]:
    return tuple(
        rows(db, f"SELECT count(*) FROM {table}")[0][0] for table in ("articles", "runs", "urls")
    )


def _refused(proc: subprocess.CompletedProcess[str], *needles: str) -> str:
    """The command failed with exit 2 and exactly one ``Error:`` line holding ``needles``."""
    assert "Traceback" not in proc.stderr, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr)
    assert len(lines) == 1 and lines[0].startswith("Error: "), proc.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


def _sources(tmp_path: Path, origin: str, extra: str) -> Path:
    path = tmp_path / "sources.toml"
    path.write_text(f'[sources.site]\nfeeds = ["{origin}/feed/"]\n{extra}\n', encoding="utf-8")
    return path


def _domain_cases(origin: str) -> list[str]:
    netloc = urlsplit(origin).netloc
    return [
        f'domains = ["{origin}"]',  # the site's URL instead of its domain
        f'domains = ["{netloc}"]',  # host:port
        'domains = ["127.0.0.1/news"]',  # a path
        "domains = [5]",  # not a string
    ]


@pytest.mark.parametrize("case", range(4))
def test_domains_that_can_never_match_are_refused(
    stored: Path, demo_sites: dict[str, str], tmp_path: Path, case: int
) -> None:
    """Such a domain let the crawl fetch the feed, drop every article as off-site and exit 0:
    months of scheduled runs storing nothing, with no word said."""
    origin = demo_sites["wordpress"]
    sources = _sources(tmp_path, origin, _domain_cases(origin)[case])
    before = _snapshot(stored)
    proc = run_ingest("crawl", "--sources", str(sources), "--db", str(stored))
    _refused(proc, "[sources.site]", "'domains'", "host name")
    assert _snapshot(stored) == before


def test_negative_delay_is_refused(tmp_path: Path, demo_sites: dict[str, str]) -> None:
    sources = _sources(tmp_path, demo_sites["wordpress"], "delay = -5")
    proc = run_ingest("crawl", "--sources", str(sources), "--db", str(tmp_path / "n.db"))
    _refused(proc, "[sources.site]", "'delay'")


def test_wrong_type_says_what_to_give(tmp_path: Path, demo_sites: dict[str, str]) -> None:
    sources = _sources(tmp_path, demo_sites["wordpress"], 'domains = "127.0.0.1"')
    proc = run_ingest("crawl", "--sources", str(sources), "--db", str(tmp_path / "n.db"))
    _refused(proc, "'domains' has the wrong type (str)", "a list")


@pytest.mark.parametrize(
    ("setting", "needle"),
    [
        ("CONCURRENT_REQUESTS=abc", "a whole number"),
        ("CONCURRENT_REQUESTS=2.5", "a whole number"),  # a count: Scrapy reads it with int()
        ("INGEST_WRITE_BATCH=x", "a whole number"),
        ("DOWNLOAD_TIMEOUT=soon", "a number"),
        ("INGEST_LOCK=maybe", "true or false"),
    ],
)
def test_mistyped_setting_is_one_line_and_changes_nothing(
    stored: Path, demo_sources: Path, setting: str, needle: str
) -> None:
    """Scrapy read the value deep in its start-up: a traceback, and no run recorded."""
    before = _snapshot(stored)
    proc = run_ingest(
        "crawl", "demo-news", "--sources", str(demo_sources), "--db", str(stored), "-s", setting
    )
    _refused(proc, f"-s {setting.partition('=')[0]}", needle)
    assert _snapshot(stored) == before


@pytest.mark.parametrize(
    ("setting", "meant"),
    [
        ("INGEST_LOCKK=false", "INGEST_LOCK"),
        ("ingest_lock=false", "INGEST_LOCK"),  # settings are upper case
        ("CONCURENT_REQUESTS=8", "CONCURRENT_REQUESTS"),
        ("DOWNLOAD_DELYA=8", "DOWNLOAD_DELAY"),
        ("concurrent_requests=8", "CONCURRENT_REQUESTS"),
    ],
)
def test_misspelt_setting_name_is_one_line_with_a_suggestion(
    stored: Path, demo_sources: Path, setting: str, meant: str
) -> None:
    """A setting Scrapy or news-ingest does not know is ignored without a word: INGEST_LOCKK=false
    took the lock all the same, CONCURENT_REQUESTS=8 ran at the default."""
    before = _snapshot(stored)
    proc = run_ingest(
        "crawl", "demo-news", "--sources", str(demo_sources), "--db", str(stored), "-s", setting
    )
    name = setting.partition("=")[0]
    _refused(proc, f"-s {name}: no such setting", f"did you mean {meant}?")
    assert _snapshot(stored) == before


@pytest.mark.parametrize("setting", ["SOME_EXTENSION_OPTION=1", "USER_AGENTS=a,b"])
def test_an_extensions_own_setting_is_passed_on(
    stored: Path, demo_sources: Path, setting: str
) -> None:
    """A name far from every Scrapy setting may be an extension's (scrapy-redis, a plugin), and
    so may a known one's plural (USER_AGENTS, read by rotating user-agent middlewares)."""
    proc = run_ingest(
        "crawl", "demo-news", "--sources", str(demo_sources), "--db", str(stored),
        "-s", setting,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr


def test_fractional_timeout_setting_still_works(stored: Path, demo_sources: Path) -> None:
    """DOWNLOAD_TIMEOUT's default is a whole number but Scrapy reads it as a float."""
    proc = run_ingest(
        "crawl", "demo-news", "--sources", str(demo_sources), "--db", str(stored),
        "-s", "DOWNLOAD_TIMEOUT=5.5",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr


def test_bad_url_names_the_url_option(stored: Path) -> None:
    before = _snapshot(stored)
    proc = run_ingest("crawl", "--url", "ftp://example.com/story.html", "--db", str(stored))
    line = _refused(proc, "--url", "ftp://example.com/story.html", "http(s)")
    assert "--site" not in line and "'url'" not in line  # no internal key name (was "'url' has")
    assert _snapshot(stored) == before


@pytest.mark.parametrize(
    ("selection", "named"),
    [
        (["--url", "http://127.0.0.1:9/a.html", "demo-news"], "source names and --url"),
        (["--url", "http://127.0.0.1:9/a.html", "no-such-source"], "source names and --url"),
        (["--site", "http://127.0.0.1:9/", "demo-news"], "source names and --site"),
        (
            ["--url", "http://127.0.0.1:9/a.html", "--site", "http://127.0.0.1:9/"],
            "--url and --site",
        ),
    ],
)
def test_two_kinds_of_selection_are_refused(
    stored: Path, demo_sources: Path, selection: list[str], named: str
) -> None:
    """Source names beside --url or --site, or --site beside --url: only one of them was
    crawled and the rest dropped without a word (an unknown source name too)."""
    before = _snapshot(stored)
    args = ["crawl", *selection, "--sources", str(demo_sources), "--db", str(stored)]
    _refused(run_ingest(*args), named, "one crawl for each")
    assert _snapshot(stored) == before


def test_extract_bad_drop_selector_is_one_line(tmp_path: Path) -> None:
    """README: --drop tries out the selectors of [sources.NAME.clean]; a bad one is the usual
    trial and error, and must read like the sources file's own error."""
    page = tmp_path / "page.html"
    page.write_text("<html><body><article><p>Text.</p></article></body></html>", "utf-8")
    proc = run_ingest("extract", str(page), "--drop", "<<<")
    _refused(proc, "--drop", "'<<<'")


def test_runs_of_an_unknown_source_do_not_claim_there_are_no_runs(stored: Path) -> None:
    proc = run_ingest("runs", "--db", str(stored), "--source", "nope")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "no runs of source nope yet"


def test_a_run_with_nothing_to_extract_prints_no_traceback(
    tmp_path: Path, demo_sites: dict[str, str]
) -> None:
    """The thread starting the extraction workers raced the pool's shutdown: a run that ended
    before all had started (nothing new to extract, the usual scheduled run) printed a
    RuntimeError traceback to stderr, which cron mails. Many workers make the race likely."""
    url = demo_sites["wordpress"] + "/no-such-story.html"
    for _ in range(3):
        proc = run_ingest(
            "crawl", "--url", url, "--db", str(tmp_path / "n.db"),
            "-s", "INGEST_EXTRACT_WORKERS=16",
        )  # fmt: skip
        assert proc.returncode == 3, proc.stderr  # the one page given could not be fetched
        assert "Traceback" not in proc.stderr and "RuntimeError" not in proc.stderr, proc.stderr


def test_given_urls_that_all_fail_exit_3(tmp_path: Path, demo_sites: dict[str, str]) -> None:
    """`ingest crawl --url` on a page that answers 404 exited 0: a script calling it could not
    tell. When none of the pages given could be fetched, the run is degraded (exit 3) and says
    so; one page fetched is enough for 0."""
    origin, db = demo_sites["wordpress"], str(tmp_path / "n.db")
    missing = origin + "/no-such-story.html"
    proc = run_ingest("crawl", "--url", missing, "--db", db)
    assert proc.returncode == 3, proc.stderr
    said = proc.stdout + proc.stderr
    assert "--url: none of the 1 pages given could be fetched (1 other errors)" in said, said
    proc = run_ingest("crawl", "--url", missing, "--url", origin + "/", "--db", db)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_given_urls_that_robots_txt_disallows_exit_3(tmp_path: Path) -> None:
    """A page refused by the site's robots.txt was not counted as fetched nor as failed, so a
    run of `--url` pages that were all refused stored nothing and exited 0 in silence."""
    site = tmp_path / "site"
    (site / "private").mkdir(parents=True)
    (site / "robots.txt").write_text("User-agent: *\nDisallow: /private/\n")
    (site / "private" / "story.html").write_text("<html><body><p>A story.</p></body></html>")
    with serve_site(site) as origin:
        url, db = origin + "/private/story.html", str(tmp_path / "n.db")
        proc = run_ingest("crawl", "--url", url, "--db", db)
        assert proc.returncode == 3, proc.stdout + proc.stderr
        said = proc.stdout + proc.stderr
        assert "none of the 1 pages given could be fetched" in said, said
        assert "1 disallowed by the site's robots.txt" in said, said
        assert "-s ROBOTSTXT_OBEY=false" in said, said
        assert [tuple(r) for r in rows(db, "SELECT outcome, http_status FROM fetch_log")] == [
            ("blocked", None)
        ]


@pytest.mark.parametrize("setting", ["CONCURRENT_REQUESTS=abc", "FOO"])
def test_schedule_refuses_a_bad_setting_before_any_run(
    tmp_path: Path, demo_sources: Path, setting: str
) -> None:
    """`-s` is passed to every crawl: the scheduler started anyway, every run failed with exit
    2 at its slot, and `--max-runs` ended with status 0."""
    db = tmp_path / "n.db"
    proc = run_ingest(
        "schedule", "demo-fieldnotes", "--sources", str(demo_sources), "--db", str(db),
        "--max-runs", "1", "-s", setting,
    )  # fmt: skip
    _refused(proc, "-s")
    assert not db.exists() or not rows(db, "SELECT id FROM runs")


@pytest.mark.parametrize("count", ["0", "-1"])
def test_schedule_refuses_fewer_than_one_run(
    tmp_path: Path, demo_sources: Path, count: str
) -> None:
    """`--max-runs 0` and `-1` were taken and ran once anyway."""
    db = tmp_path / "n.db"
    args = ["schedule", "demo-fieldnotes", "--sources", str(demo_sources), "--db", str(db)]
    proc = run_ingest(*args, "--max-runs", count)
    assert proc.returncode == 2, proc.stderr
    assert "--max-runs" in proc.stderr and "Traceback" not in proc.stderr
    assert not db.exists()


def test_a_run_whose_end_could_not_be_written_prints_no_none() -> None:
    """A disk that filled mid-run left the run's figures unwritten, and the summary read
    "run 2 failed: None URLs fetched, None discovery pages, None new ..."."""
    from ingest.commands.crawl import run_summary

    row = {"id": 2, "status": "failed", "pages_fetched": None, "articles_new": None}
    line = run_summary(row)
    assert "None" not in line and line.startswith("run 2 failed: its figures could not be stored")


def test_a_run_stopped_at_once_is_closed_as_interrupted(tmp_path: Path) -> None:
    """A second Ctrl-C or SIGTERM makes Scrapy stop its reactor without closing the spider:
    the run stayed 'running' and `ingest crawl` exited 2, "stopped before it could record its
    run". crawl() now closes such a run itself, with what it had committed."""
    from ingest.article import Article
    from ingest.crawl import _close_cut_short
    from ingest.storage import Store
    from ingest.writer import BatchWriter
    from tests.articles_db import page

    db = tmp_path / "news.db"
    store = Store(db)
    run = store.start_run(["site"])
    store.write_batch(run, [page(Article(url="https://s.example/a", source="site", text="A."))])
    store.close()
    writer = BatchWriter(db, run, linger=60)  # holds what it got: the reactor stopped
    writer.put(page(Article(url="https://s.example/b", source="site", text="B.")))
    row = _close_cut_short(db, run, writer)
    assert row is not None and row["status"] == "interrupted"
    assert row["articles_new"] == 2 and "second Ctrl-C or SIGTERM" in row["message"]
    assert [tuple(r) for r in rows(db, "SELECT status FROM runs")] == [("interrupted",)]
