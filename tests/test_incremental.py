"""Incremental runs: a second run over an unchanged site fetches only discovery pages; a changed
article is fetched again (conditional request), stored, and its old text kept as a version.

Real crawls (``ingest crawl`` child processes) of a generated WordPress-style site served on
127.0.0.1 by the embedded server, which answers If-None-Match / If-Modified-Since with 304.
"""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from ingest.webserver import serve_site
from tests import runs_helpers as h

pytestmark = pytest.mark.timeout(600)


def _publish(root: Path, staging: Path, items: list, pages: list[int]) -> None:
    """Rebuild the site in ``staging`` and copy over everything but the article pages, plus
    the pages of articles ``pages``: as a CMS does when it edits those articles."""
    manifest = h.build(staging, items)
    untouched = {
        staging / p.strip("/") / "index.html"
        for i, p in enumerate(manifest.articles)
        if i not in pages
    }
    for path in staging.rglob("*"):
        if path.is_file() and path not in untouched:
            target = root / path.relative_to(staging)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target)


def _after_last_fetch() -> datetime:
    """A modification time later than every fetch so far (stored times have 1 s precision)."""
    return datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=1)


def test_unchanged_site_second_run_fetches_only_discovery_pages(tmp_path: Path) -> None:
    root, db = tmp_path / "site", tmp_path / "news.db"
    manifest = h.build(root, h.articles(8))
    with serve_site(root) as base:
        sources = h.write_sources(tmp_path / "sources.toml", base)
        first = h.crawl(db, sources)
        assert first.returncode == 0, first.stderr
        assert h.scalar(db, "SELECT count(*) FROM articles") == 8
        mark = len(base.server.log)

        second = h.crawl(db, sources)

        assert second.returncode == 0, second.stderr
        run = h.run_row(db, 2)
        assert run["status"] == "finished"
        assert run["pages_fetched"] == run["discovery_pages"] > 0
        assert run["articles_new"] == run["articles_updated"] == run["not_modified"] == 0
        assert h.article_gets(base.server, mark) == []  # no article page requested at all
        requested = {path for _, path, _ in base.server.log[mark:]}
        assert not requested & set(manifest.articles)
    # What the next runs' conditional requests rely on: validators kept per URL.
    # (lastmod is only known when the sitemap, not a followed link, led to the first fetch; the
    # next run compares a sitemap date with the later of lastmod and last_fetched, so either works.)
    rows = h.query(db, "SELECT etag, last_modified FROM urls WHERE outcome = 'new'")
    assert len(rows) == 8 and all(etag and modified for etag, modified in rows)


def test_changed_articles_are_refetched_conditionally_and_versioned(tmp_path: Path) -> None:
    root, staging, db = tmp_path / "site", tmp_path / "staging", tmp_path / "news.db"
    items = h.articles(6)
    manifest = h.build(root, items)
    with serve_site(root) as base:
        sources = h.write_sources(tmp_path / "sources.toml", base)
        assert h.crawl(db, sources).returncode == 0
        first_seen = h.scalar(db, "SELECT first_seen FROM articles WHERE url LIKE '%story-1-%'")
        old_text = h.scalar(db, "SELECT text FROM articles WHERE url LIKE '%story-1-%'")

        # 1. The sitemap says story 2 changed, but its page did not: a conditional request,
        #    answered 304, stores nothing new and is logged as not_modified.
        now = _after_last_fetch()
        items[2] = h.article(2, modified=now)
        _publish(root, staging, items, pages=[])
        mark = len(base.server.log)
        second = h.crawl(db, sources)
        assert second.returncode == 0, second.stderr
        run = h.run_row(db, 2)
        assert run["not_modified"] == 1
        assert run["pages_fetched"] == run["discovery_pages"] + 1
        assert run["articles_new"] == run["articles_updated"] == 0
        story2 = manifest.articles[2]
        assert (("GET", story2, 304)) in base.server.log[mark:]
        assert h.query(
            db, "SELECT url FROM fetch_log WHERE run_id = 2 AND outcome = 'not_modified'"
        )[0][0].endswith(story2)
        assert h.scalar(db, "SELECT version FROM articles WHERE url LIKE '%story-2-%'") == 1

        # 2. Story 1 is edited: new text, new lastmod. Only it is fetched; the new text is
        #    stored and the old one kept in article_versions with the time it was seen.
        later = _after_last_fetch()
        items[1] = h.article(1, modified=later, variant="edited")
        _publish(root, staging, items, pages=[1])
        mark = len(base.server.log)
        third = h.crawl(db, sources)
        assert third.returncode == 0, third.stderr
        run = h.run_row(db, 3)
        assert (run["articles_updated"], run["articles_new"], run["not_modified"]) == (1, 0, 0)
        assert run["pages_fetched"] == run["discovery_pages"] + 1
        assert h.article_gets(base.server, mark) == [manifest.articles[1]]

    new_text, version, changed = h.query(
        db, "SELECT text, version, last_changed FROM articles WHERE url LIKE '%story-1-%'"
    )[0]
    assert new_text != old_text and version == 2
    assert "item1" in new_text and items[1].blocks[0].text.split(".")[0] in new_text
    versions = h.query(
        db,
        "SELECT version, text, first_seen, replaced_at FROM article_versions "
        "WHERE url LIKE '%story-1-%'",
    )
    assert versions == [(1, old_text, first_seen, changed)]
    assert h.scalar(db, "SELECT count(*) FROM articles") == 6
    assert h.scalar(db, "SELECT count(*) FROM article_versions") == 1
    assert h.scalar(db, "SELECT finished_at FROM runs WHERE id = 2") <= changed


def test_refetch_ignores_what_is_stored(tmp_path: Path) -> None:
    root, db = tmp_path / "site", tmp_path / "news.db"
    h.build(root, h.articles(4))
    with serve_site(root) as base:
        sources = h.write_sources(tmp_path / "sources.toml", base)
        assert h.crawl(db, sources).returncode == 0
        mark = len(base.server.log)
        again = h.crawl(db, sources, "--refetch")
        assert again.returncode == 0, again.stderr
        assert len(h.article_gets(base.server, mark)) == 4
    run = h.run_row(db, 2)
    assert run["articles_unchanged"] == 4 and run["articles_new"] == 0
