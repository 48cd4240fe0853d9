"""Raw pages are kept compressed, and ``ingest reclean`` re-extracts them with no network.

A real crawl stores a site's pages; the server is then shut down, and the cleaning rules of the
source "improve" (a per-source ``clean.drop`` selector added to the sources file, as a user
would to drop pull quotes): reclean re-runs extraction in a process pool and stores the new
text as a new version, keeping the old one.
"""

from __future__ import annotations

import gzip
import subprocess
from pathlib import Path

import pytest

from ingest.lock import DbLock
from ingest.webserver import serve_site
from tests import runs_helpers as h

pytestmark = pytest.mark.timeout(600)


def _reclean(db: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        h.ingest_cmd("reclean", "--db", str(db), *args),
        capture_output=True,
        text=True,
        cwd=h.ROOT,
        env=h.env(),
        timeout=300,
    )


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Two sources crawled into one database, with raw pages kept; the server then stops."""
    tmp = tmp_path_factory.mktemp("reclean")
    db = tmp / "news.db"
    items = h.articles(8)
    h.build(tmp / "a", items[:5])
    h.build(tmp / "b", items[5:])
    with serve_site(tmp / "a") as base_a, serve_site(tmp / "b") as base_b:
        h.write_sources(tmp / "a.toml", base_a, name="alpha")
        h.write_sources(tmp / "b.toml", base_b, name="beta")
        sources = tmp / "sources.toml"
        sources.write_text((tmp / "a.toml").read_text() + "\n" + (tmp / "b.toml").read_text())
        run = h.crawl(db, sources)
        assert run.returncode == 0, run.stderr
    return {"db": db, "tmp": tmp, "sources": sources, "items": items}


def _copy(db: Path, tmp: Path, name: str) -> Path:
    target = tmp / name
    target.write_bytes(db.read_bytes())
    return target


def test_raw_pages_are_kept_compressed(crawled: dict) -> None:
    db, items = crawled["db"], crawled["items"]
    pages = h.query(
        db, "SELECT a.title, p.html_gz, p.fetched_url FROM pages p JOIN articles a USING (url)"
    )
    assert len(pages) == h.scalar(db, "SELECT count(*) FROM articles") == 8
    for title, blob, fetched in pages:
        html = gzip.decompress(blob).decode("utf-8")
        assert title in html and "<html" in html.lower() and fetched.startswith("http://127.")
        assert len(blob) < len(html.encode()) / 2
    assert {t for t, *_ in pages} == {a.title for a in items}


def test_reclean_without_rule_changes_changes_nothing(crawled: dict) -> None:
    db = _copy(crawled["db"], crawled["tmp"], "same.db")
    before = h.query(db, "SELECT url, text, version FROM articles ORDER BY url")
    done = _reclean(db, "--sources", str(crawled["sources"]))
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("8 stored pages re-extracted: 0 articles changed")
    assert h.query(db, "SELECT url, text, version FROM articles ORDER BY url") == before
    assert h.scalar(db, "SELECT count(*) FROM article_versions") == 0


def test_reclean_applies_improved_rules_offline_and_keeps_versions(crawled: dict) -> None:
    tmp = crawled["tmp"]
    db = _copy(crawled["db"], tmp, "better.db")
    before = dict(h.query(db, "SELECT url, text FROM articles WHERE source = 'alpha'"))
    quote = "We will keep working on case 0, a speaker said."
    assert any(quote in text for text in before.values())
    better = tmp / "better.toml"
    better.write_text(
        crawled["sources"].read_text() + '\n[sources.alpha.clean]\ndrop = ["blockquote"]\n'
    )

    dry = _reclean(db, "--sources", str(better), "--source", "alpha", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert dry.stdout.startswith("dry run: 5 stored pages re-extracted: 5 articles changed")
    assert dict(h.query(db, "SELECT url, text FROM articles WHERE source = 'alpha'")) == before

    done = _reclean(db, "--sources", str(better), "--source", "alpha", "--workers", "2", "-v")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == (
        "5 stored pages re-extracted: 5 articles changed (new text), 0 with new metadata only, "
        "0 unchanged, 0 no longer taken for articles (kept), 0 errors"
    )
    assert sorted(line.removeprefix("changed: ") for line in done.stdout.splitlines()[1:]) == (
        sorted(before)
    )
    after = dict(h.query(db, "SELECT url, text FROM articles WHERE source = 'alpha'"))
    for url, text in after.items():
        assert "a speaker said" not in text
        old = before[url]
        assert text == "\n\n".join(p for p in old.split("\n\n") if "a speaker said" not in p)
    versions = h.query(db, "SELECT url, version, text, replaced_at FROM article_versions")
    assert sorted((u, v, t) for u, v, t, _ in versions) == sorted(
        (u, 1, t) for u, t in before.items()
    )
    assert h.scalar(db, "SELECT count(*) FROM articles WHERE version = 2") == 5
    assert h.scalar(db, "SELECT count(*) FROM articles WHERE source = 'beta' AND version = 1") == 3
    # The full-text index follows the update.
    assert h.scalar(db, "SELECT count(*) FROM articles_fts WHERE articles_fts MATCH 'speaker'") == 3
    again = _reclean(db, "--sources", str(better))
    assert "0 articles changed" in again.stdout and "8 unchanged" in again.stdout


def test_unknown_source_and_missing_pages_are_one_line(crawled: dict, tmp_path: Path) -> None:
    unknown = _reclean(crawled["db"], "--source", "nope", "--sources", str(crawled["sources"]))
    assert unknown.returncode == 2
    assert unknown.stderr.strip() == (
        f"Error: {crawled['db']}: no articles of source nope; sources in this database: alpha, beta"
    )
    missing = _reclean(tmp_path / "none.db")
    assert missing.returncode == 2 and missing.stderr.count("\n") == 1


def test_keep_raw_html_off_stores_no_pages(tmp_path: Path) -> None:
    root, db = tmp_path / "site", tmp_path / "news.db"
    h.build(root, h.articles(3))
    with serve_site(root) as base:
        sources = h.write_sources(tmp_path / "sources.toml", base)
        run = h.crawl(db, sources, "-s", "INGEST_KEEP_RAW_HTML=false")
        assert run.returncode == 0, run.stderr
    assert h.scalar(db, "SELECT count(*) FROM articles") == 3
    assert h.scalar(db, "SELECT count(*) FROM pages") == 0
    refused = _reclean(db)
    assert refused.returncode == 2
    assert "no stored pages to re-extract" in refused.stderr
    assert "INGEST_KEEP_RAW_HTML" in refused.stderr


def _articles(db: Path) -> list:
    return h.query(db, "SELECT url, text, version, last_fetched FROM articles ORDER BY url")


def test_dry_run_reads_a_locked_database(crawled: dict, tmp_path: Path) -> None:
    """A dry run writes nothing, yet it took the write lock: while a crawl ran it exited 75."""
    db = _copy(crawled["db"], tmp_path, "locked.db")
    before = _articles(db)
    with DbLock(db):
        dry = _reclean(db, "--sources", str(crawled["sources"]), "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert dry.stdout.startswith("dry run: 8 stored pages re-extracted: 0 articles changed")
    assert _articles(db) == before


def test_dry_run_reads_a_database_on_a_read_only_share(crawled: dict, read_only_folder) -> None:
    """It was refused there ("cannot create the lock file"), and it opened the database for
    writing (migrations) besides; now it reads it as `ingest stats` does."""
    source, mounted = read_only_folder
    _copy(crawled["db"], source, "news.db")
    dry = _reclean(mounted / "news.db", "--sources", str(crawled["sources"]), "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert dry.stdout.startswith("dry run: 8 stored pages re-extracted: 0 articles changed")
    done = _reclean(mounted / "news.db", "--sources", str(crawled["sources"]))
    assert done.returncode == 2 and "lock file" in done.stderr, done.stderr  # a real run writes
