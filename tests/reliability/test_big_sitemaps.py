"""A sitemap with a million entries, for real: the crawl reads it in bounded memory (a whole
lxml tree of it would take gigabytes) and, with a per-source budget, stops reading once the
budget is spent. Both crawls run side by side; peak RSS comes from ``wait4``."""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.reliability import faults as F
from tests.reliability.checks import (
    COMPLETED,
    FAST,
    Background,
    CrawlResult,
    ingest_args,
    integrity,
    ledger,
    logged,
    query,
)

ENTRIES = 1_000_000
BUDGET = 50
GOOD = 10
#: A trivial crawl peaks near 190 MB (Scrapy, lxml, the extraction stack); the million-entry
#: document is 30-40 MB of XML. A parse that kept the tree would need 500 MB more.
RSS_LIMIT_MB = 300


def big_sitemap(goods: list[str], filler: str, count: int) -> bytes:
    """A gzipped sitemap: the good articles first, then ``count`` filler entries."""
    head = '<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
    parts = [head, *(f"<url><loc>{g}</loc></url>" for g in goods)]
    parts += [f"<url><loc>{filler}{i}</loc></url>" for i in range(count - len(goods))]
    parts.append("</urlset>")
    return gzip.compress("".join(parts).encode(), 5)


@dataclass
class Crawled:
    site: F.FaultSite
    budgeted: CrawlResult
    unfetchable: CrawlResult


class Launch:
    """This module's site and its two crawls, running in the background: the conftest starts
    them as soon as the tests are collected (the all-entries crawl is the longest of the
    suite), and the module's fixture collects the results."""

    def __init__(self, tmp: Path) -> None:
        self.stack = ExitStack()
        self.site = F.FaultSite()
        goods = [f"/news/mapped-story-{n}.html" for n in range(GOOD)]
        for path in goods:
            self.site.good(path, in_feed=False)
        self.site.route("/s/*", F.status(404))
        base = self.stack.enter_context(self.site.serve())
        # Entries on this site (each one a fetch, so the budget ends it) and entries on a
        # domain the source does not own (nothing to fetch: every entry is read and dropped).
        local = big_sitemap([base + g for g in goods], "/s/", ENTRIES)  # relative: < 50 MB
        foreign = big_sitemap([base + g for g in goods], "http://x.test/", ENTRIES)
        self.site.route("/sitemaps/local.xml.gz", F.content(local, "application/x-gzip"))
        self.site.route("/sitemaps/foreign.xml.gz", F.content(foreign, "application/x-gzip"))
        sources = tmp / "sources.toml"
        sources.write_text(
            f'[sources.budgeted]\ndomains = ["127.0.0.1"]\n'
            f'sitemaps = ["{base}/sitemaps/local.xml.gz"]\nrobots_sitemaps = false\n'
            f"max_articles = {BUDGET}\n\n"
            f'[sources.unfetchable]\ndomains = ["127.0.0.1"]\n'
            f'sitemaps = ["{base}/sitemaps/foreign.xml.gz"]\nrobots_sitemaps = false\n'
        )
        self.crawls = [
            Background(
                ingest_args(
                    "crawl", name, "--sources", str(sources), "--db", str(db), settings=FAST
                ),  # fmt: skip
                db,
            )
            for name, db in (("budgeted", tmp / "budgeted.db"), ("unfetchable", tmp / "u.db"))
        ]

    def results(self) -> Crawled:
        return Crawled(self.site, *(crawl.result(300) for crawl in self.crawls))

    def close(self) -> None:
        for crawl in self.crawls:
            crawl.kill()
        self.stack.close()


def prestart(tmp: Path) -> Launch:
    """Called by the conftest right after collection: start the crawls now."""
    global _LAUNCH
    _LAUNCH = Launch(tmp)
    return _LAUNCH


_LAUNCH: Launch | None = None


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Crawled]:
    launch = _LAUNCH or prestart(tmp_path_factory.mktemp("big-sitemaps"))
    try:
        yield launch.results()
    finally:
        launch.close()


def test_million_entries_with_a_budget(crawled: Crawled, report) -> None:
    r = crawled.budgeted
    obs = report(
        f"sitemap with {ENTRIES:,} entries (.xml.gz), source max_articles {BUDGET}",
        f"reading stops at the budget: {BUDGET} fetches, peak RSS < {RSS_LIMIT_MB} MB, "
        "good articles stored once",
    )
    log = query(r.db, "SELECT * FROM fetch_log WHERE outcome = 'discovery'")
    fetched = sum(len(v) for k, v in crawled.site.hits.items() if k.startswith("/s/"))
    obs.saw(f"{r.figures()}; {logged(log)}")
    book = ledger(r.db, crawled.site.expected())
    obs.count(book)
    assert r.returncode in COMPLETED, r.brief()
    assert not r.traceback
    assert fetched + GOOD <= BUDGET
    assert "stopped" in log[0]["detail"]
    assert r.peak_rss_mb < RSS_LIMIT_MB
    assert book.ok(), book
    assert not integrity(r.db)


def test_million_entries_all_read(crawled: Crawled, report) -> None:
    r = crawled.unfetchable
    obs = report(
        f"sitemap with {ENTRIES:,} entries, all but {GOOD} on a foreign domain, no budget",
        f"every entry read, streamed: peak RSS < {RSS_LIMIT_MB} MB and within 60 MB of "
        "the budgeted crawl's; good articles stored once",
    )
    log = query(r.db, "SELECT * FROM fetch_log WHERE outcome = 'discovery'")
    obs.saw(f"{r.figures()}; {logged(log)}")
    book = ledger(r.db, crawled.site.expected())
    obs.count(book)
    assert r.returncode in COMPLETED, r.brief()
    assert not r.traceback
    assert f"{ENTRIES} entries" in log[0]["detail"]
    assert r.peak_rss_mb < RSS_LIMIT_MB
    # Reading a million entries costs about as much memory as reading fifty of a document of
    # the same size: the entries are streamed, never held.
    assert r.peak_rss_mb - crawled.budgeted.peak_rss_mb < 60
    assert book.ok(), book
    assert not integrity(r.db)


def test_sitemap_documents_are_capped_at_50_mb(tmp_path: Path, report) -> None:
    """(No crawl: the cap itself, so the figures above are not a lucky small document.)"""
    from ingest.discovery import MAX_DECOMPRESSED, BadXML, parse_sitemap

    obs = report(
        "sitemap inflating past 50 MB (the protocol's limit)",
        "refused with BadXML before any entry is used",
    )
    body = big_sitemap([], "http://127.0.0.1/a-rather-long-path/to-push-the-size/", 1_100_000)
    try:
        list(parse_sitemap(body, "http://127.0.0.1/"))
    except BadXML as exc:
        obs.saw(f"BadXML: {exc}")
    else:
        obs.saw("accepted")
        pytest.fail(f"a sitemap over {MAX_DECOMPRESSED} bytes was accepted")
