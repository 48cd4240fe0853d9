"""Per-source health of each run, and alerts when a served site changes its layout or starts
refusing requests: in the log, in ``runs`` (status ``degraded`` + message) and in the exit
status of ``ingest crawl`` (3), so cron mail or a monitor sees it.

Real crawls of a generated site on 127.0.0.1; between runs the site publishes new articles,
some rendered with a broken layout (a client-side app shell with no text in the HTML), or
answers them with 403.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from ingest.health import EXIT_DEGRADED, SourceHealth, alerts_for
from ingest.webserver import SiteHandler, serve_site
from tests import runs_helpers as h

pytestmark = pytest.mark.timeout(900)

APP_SHELL = (
    "<!DOCTYPE html><html lang=en><head><meta charset=utf-8><title>{title}</title>"
    '<meta property="og:type" content="article"></head><body><div id="root"></div>'
    '<script src="/static/app.js"></script></body></html>'
)


def _break(root: Path, manifest, items, indices: list[int]) -> None:
    """Re-render articles ``indices`` as an app shell: what a redesign to client-side
    rendering serves to a crawler."""
    for i in indices:
        page = root / manifest.articles[i].strip("/") / "index.html"
        page.write_text(APP_SHELL.format(title=items[i].title), encoding="utf-8")


def _health(db: Path, run_id: int) -> dict:
    return json.loads(h.run_row(db, run_id)["health"])["site"]


def _forbidden(handler: SiteHandler) -> None:
    handler.reply(403, b"<html><body>Access denied</body></html>")


def test_layout_change_is_reported_in_log_runs_and_exit_status(tmp_path: Path) -> None:
    root, db = tmp_path / "site", tmp_path / "news.db"
    items = h.articles(6)
    h.build(root, items)
    with serve_site(root) as base:
        sources = h.write_sources(tmp_path / "sources.toml", base)

        # Run 1: healthy. Figures per source.
        first = h.crawl(db, sources)
        assert first.returncode == 0, first.stderr
        run1 = h.run_row(db, 1)
        figures = _health(db, 1)
        assert run1["status"] == "finished" and run1["message"] is None
        assert figures["articles"] == figures["new"] == 6
        assert figures["pages_fetched"] == run1["pages_fetched"]
        assert figures["discovery_pages"] == run1["discovery_pages"]
        assert figures["errors"] == figures["http_403"] == figures["http_429"] == 0
        assert figures["no_date_share"] == 0.0  # every article has its date
        # two static pages (terms, advertising) have no text: 2 of 8 bodies
        assert (figures["empty"], figures["judged"]) == (2, 8)
        assert figures["alerts"] == []

        # Run 2: the site is redesigned; its 4 new articles come as app shells with no text.
        items += h.articles(4, first=6)
        manifest = h.build(root, items)
        _break(root, manifest, items, [6, 7, 8, 9])
        second = h.crawl(db, sources)
        assert second.returncode == EXIT_DEGRADED, second.stderr
        run2 = h.run_row(db, 2)
        assert run2["status"] == "degraded"
        assert "site: no articles from 4 pages" in run2["message"]
        assert "layout changed" in run2["message"]
        assert f"Health alert: {run2['message']}" in second.stderr
        assert "run 2 degraded" in second.stdout
        assert _health(db, 2)["articles"] == 0 and _health(db, 2)["empty"] == 4

        # Run 3: still broken for most pages: 4 of 6 new articles empty, 2 fine. Compared with
        # the healthy run 1 (run 2's alerting figures are not a baseline), the empty share jumps.
        items += h.articles(6, first=10)
        manifest = h.build(root, items)
        _break(root, manifest, items, [6, 7, 8, 9, 10, 11, 12, 13])
        third = h.crawl(db, sources)
        assert third.returncode == EXIT_DEGRADED, third.stderr
        run3 = h.run_row(db, 3)
        assert run3["status"] == "degraded"
        assert "site: 67% of bodies empty or under 50 words (recent runs 25%)" in run3["message"]
        assert "no articles" not in run3["message"]

        # Run 4: nothing new on the site. An incremental run with nothing to judge is healthy.
        fourth = h.crawl(db, sources)
        assert fourth.returncode == 0, fourth.stderr
        assert h.run_row(db, 4)["status"] == "finished"

    listing = subprocess.run(
        h.ingest_cmd("runs", "--db", str(db)), capture_output=True, text=True, env=h.env()
    )
    assert listing.returncode == 0
    lines = listing.stdout.splitlines()
    assert lines[0].split()[:4] == ["run", "started", "took", "status"]
    assert [line.split()[0] for line in lines[1:]] == ["4", "3", "2", "1"]
    assert "degraded" in lines[2] and "site: 67% of bodies" in lines[2]
    detail = subprocess.run(
        h.ingest_cmd("runs", "--db", str(db), "--id", "2"), capture_output=True, text=True
    )
    assert "ALERT site: no articles from 4 pages" in detail.stdout
    assert "empty%" in detail.stdout


def test_403_wave_is_reported_apart_from_other_errors(tmp_path: Path) -> None:
    root, db = tmp_path / "site", tmp_path / "news.db"
    items = h.articles(4)
    h.build(root, items)
    with serve_site(root) as base:
        sources = h.write_sources(tmp_path / "sources.toml", base)
        assert h.crawl(db, sources).returncode == 0
        items += h.articles(20, first=4)
        manifest = h.build(root, items)
        for path in manifest.articles[4:]:
            base.server.add_route(path, _forbidden)  # the site starts blocking the crawler
        blocked = h.crawl(db, sources)
    assert blocked.returncode == EXIT_DEGRADED, blocked.stderr
    figures = _health(db, 2)
    assert figures["http_403"] == figures["errors"] == 20
    assert figures["http_429"] == 0
    assert figures["error_rate"] == round(20 / figures["pages_fetched"], 3)
    message = h.run_row(db, 2)["message"]
    assert "site: no articles" not in message  # nothing judged: blocked, not broken
    assert "site: 20 of 20 page requests failed: 20 blocked (403) (recent runs 0%)" in message


def test_rules_need_enough_pages_and_a_history() -> None:
    quiet = SourceHealth(pages_fetched=20, discovery_pages=20)
    assert alerts_for("s", quiet, [{"articles": 9, "judged": 9}]) == []
    few = SourceHealth(pages_fetched=22, discovery_pages=20, judged=2, empty=2)
    assert alerts_for("s", few, [{"articles": 9, "judged": 9, "empty": 0}]) == []
    new_source = SourceHealth(pages_fetched=30, discovery_pages=20, judged=10, empty=10)
    assert alerts_for("s", new_source, []) == []  # no history: nothing to compare with
    broken = SourceHealth(pages_fetched=30, discovery_pages=20, judged=10, empty=10)
    past = [{"articles": 9, "judged": 10, "empty": 1, "pages_fetched": 30}]
    alerts = alerts_for("s", broken, past)
    assert len(alerts) == 2
    assert alerts[0].startswith("s: no articles from 10 pages (recent runs stored up to 9;")
    assert alerts[1].startswith("s: 100% of bodies empty or under 50 words (recent runs 10%)")
    unreadable = SourceHealth(pages_fetched=3, errors=3)
    assert alerts_for("s", unreadable, [])[-1] == (
        "s: none of its feeds, sitemaps or start pages could be read"
    )
