"""``max_articles`` buys that many article fetches, however often discovery names a URL.

A real crawl of a site whose feed, sitemaps and home page all name the same articles: each URL
counts once against the budget, so the run fetches exactly ``max_articles`` article pages (when
each naming counted, duplicates the frontier then dropped spent the budget, and a budget of 10
fetched fewer).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.webserver import serve_site
from tests import runs_helpers as h

pytestmark = pytest.mark.timeout(300)


def test_each_url_counts_once_against_max_articles(tmp_path: Path) -> None:
    h.build(tmp_path / "site", h.articles(30))
    db = tmp_path / "news.db"
    with serve_site(tmp_path / "site") as base:
        sources = h.write_sources(tmp_path / "sources.toml", base, max_articles="10")
        run = h.crawl(db, sources)
    assert run.returncode == 0, run.stderr
    fetched = h.query(db, "SELECT url FROM fetch_log WHERE outcome != 'discovery'")
    assert len(fetched) == 10, fetched
    assert len({url for (url,) in fetched}) == 10
