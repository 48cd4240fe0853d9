"""Discovery faults, injected for real: malformed and hostile feeds and sitemaps (entity
expansion, external entities, self-referencing indexes, gzip bombs), robots.txt pointing
elsewhere, feed entries that are not HTTP, and spider traps. One crawl of two sources; the
server records every request, so "never fetched" is checked where it happens."""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.reliability import faults as F
from tests.reliability.checks import (
    FaultCrawl,
    check_crawl_survived,
    crawl,
    ledger,
    logged,
    query,
)

UNICODE_PATH = "/news/ünïcode störy ☃.html"
LONG_PATH = "/news/long-" + "x" * 3000 + ".html"
TRAP_DEPTH = 3
TRAP_MAX_ARTICLES = 12
TRAP_MAX_LISTINGS = 40
CANARY = "CANARY-7f3a9 local file content"
NS = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'


def laughs(root: str) -> bytes:
    """The billion laughs: ten levels of ten-fold entity expansion."""
    decls = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{i} "' + f"&lol{'' if i == 1 else i - 1};" * 10 + '">' for i in range(1, 10)
    )
    return f'<?xml version="1.0"?><!DOCTYPE {root} [{decls}]>'.encode()


def hostile(kind: str, origin: str, canary: Path, root: str, pad: bool = False) -> bytes:
    """A feed (``root="rss"``) or sitemap (``"urlset"``) carrying an XML attack."""
    target = f"{origin}/xxe-target/{kind}-{root}"
    head = {
        "laughs": laughs(root).decode(),
        "xxe": f'<?xml version="1.0"?><!DOCTYPE {root} [<!ENTITY x SYSTEM "{target}">'
        f'<!ENTITY y SYSTEM "file://{canary}">]>',
        "param": f'<?xml version="1.0"?><!DOCTYPE {root} [<!ENTITY % p SYSTEM "{target}"> %p;]>',
        "dtd": f'<?xml version="1.0"?><!DOCTYPE {root} SYSTEM "{target}">',
    }[kind]
    if pad:  # push the DTD past any fixed-size sniffing window
        head = head.replace("?>", "?><!--" + "x" * 100_000 + "-->", 1)
    ref = {"laughs": "&lol9;", "xxe": "&x;&y;", "param": "", "dtd": ""}[kind]
    loc = f"{origin}/news/entity-{kind}-{root}{ref}.html"
    if root == "rss":
        body = f"<rss><channel><title>t</title><item><link>{loc}</link></item></channel></rss>"
    else:
        body = f"<urlset {NS}><url><loc>{loc}</loc></url></urlset>"
    return (head + body).encode()


@dataclass
class Crawled(FaultCrawl):
    offsite: F.FaultSite

    def requested(self, pattern: str) -> list[str]:
        return [
            h.path for hits in self.site.hits.values() for h in hits if re.search(pattern, h.path)
        ]


def build(site: F.FaultSite, offsite: F.FaultSite, canary: Path) -> None:
    goods = [f"/news/feed-story-{n}.html" for n in range(3)]
    mapped = [f"/news/sitemap-story-{n}.html" for n in range(3)]
    for path in goods + mapped:
        site.good(path, in_feed=False)
    xml = "application/xml; charset=utf-8"
    rss = "application/rss+xml; charset=utf-8"

    def feed_with_bad_links(h) -> None:
        links = [
            *goods,
            UNICODE_PATH,
            LONG_PATH,
            f"file://{canary}",
            "ftp://127.0.0.1/pub/story.html",
            "javascript:alert(document.cookie)",
            "data:text/html,<p>x</p>",
            offsite.url("/news/offsite-story.html"),
            "//" + offsite.url("/news/protocol-relative.html").split("://", 1)[1],
        ]
        h.reply(200, F.rss(h.origin, links), rss)

    site.route("/feeds/main.xml", feed_with_bad_links)
    unicode_story = F.make_story("unicode-path")
    site.stories[urllib.parse.quote(UNICODE_PATH)] = unicode_story  # stored percent-encoded
    site.route(
        urllib.parse.quote(UNICODE_PATH),
        lambda h: h.reply(200, F.article_html(unicode_story).encode()),
    )
    site.route("/news/long-*", F.status(404))
    site.route("/sitemaps/main.xml", lambda h: h.reply(200, F.sitemap(h.origin, mapped), xml))
    # Malformed.
    site.route(
        "/feeds/truncated.xml",
        F.content(b'<?xml version="1.0"?><rss><channel><item><link>http://x/', rss),
    )
    site.route("/feeds/html-not-feed.xml", F.content(b"<html><body><p>Oops</p>", rss))
    site.route("/feeds/binary.xml", F.content(bytes(range(256)) * 4, rss))
    site.route(
        "/sitemaps/truncated.xml", F.content(f"<urlset {NS}><url><loc>http://x/".encode(), xml)
    )
    site.route(
        "/sitemaps/wrong-root.xml", F.content(b"<html><body>not a sitemap</body></html>", xml)
    )
    # Hostile XML.
    for kind in ("laughs", "xxe", "param", "dtd"):
        for root, folder, ctype in (("rss", "feeds", rss), ("urlset", "sitemaps", xml)):
            for pad in (False, True):
                name = f"/{folder}/{kind}{'-padded' if pad else ''}.xml"
                site.route(
                    name, lambda h, k=kind, r=root, p=pad, c=ctype: h.reply(
                        200, hostile(k, h.origin, canary, r, p), c
                    ),
                )  # fmt: skip
    site.route("/xxe-target/*", F.status(200))
    site.route("/news/entity-*", F.status(200))
    # Sitemap indexes that loop.
    site.route(
        "/sitemaps/self-index.xml",
        lambda h: h.reply(200, F.sitemap(h.origin, ["/sitemaps/self-index.xml"], index=True), xml),
    )
    site.route(
        "/sitemaps/cycle-a.xml",
        lambda h: h.reply(200, F.sitemap(h.origin, ["/sitemaps/cycle-b.xml"], index=True), xml),
    )
    site.route(
        "/sitemaps/cycle-b.xml",
        lambda h: h.reply(200, F.sitemap(h.origin, ["/sitemaps/cycle-a.xml"], index=True), xml),
    )
    bomb = F.gzip_bomb_bytes(300)
    site.route("/sitemaps/bomb.xml.gz", F.content(bomb, "application/x-gzip"))
    site.route(
        "/robots.txt",
        lambda h: h.reply(
            200,
            (
                "User-agent: *\nAllow: /\n"
                f"Sitemap: file://{canary}\n"
                f"Sitemap: {offsite.url('/sitemap.xml')}\n"
                "Sitemap: ftp://127.0.0.1/sitemap.xml\n"
                f"Sitemap: {h.origin}/sitemaps/main.xml\n"
            ).encode(),
            "text/plain; charset=utf-8",
        ),
    )
    offsite.route("/*", F.status(200))
    build_traps(site)


def build_traps(site: F.FaultSite) -> None:
    """Endless calendars, query-string pagination with sort variants, and article chains."""

    def calendar(h) -> None:
        m = re.search(r"/calendar/(\d+)/(\d+)/", h.path)
        year, month = (int(m.group(1)), int(m.group(2))) if m else (2024, 1)
        prev_m = (year, month - 1) if month > 1 else (year - 1, 12)
        next_m = (year, month + 1) if month < 12 else (year + 1, 1)
        links = [f"/calendar/{y}/{mo:02d}/" for y, mo in (prev_m, next_m)]
        links += [f"/calendar/{year}/{month:02d}/{d:02d}/events.html" for d in range(1, 29)]
        h.reply(200, _links_page("Calendar", links))

    def archive(h) -> None:
        m = re.search(r"page=(\d+)", h.path)
        page = int(m.group(1)) if m else 1
        token = abs(hash(h.path)) % 10**8  # every page links to 6 pages nobody linked before
        links = [f"/archive/?page={page + 1}&sort={s}&from={token}" for s in "abcdef"]
        h.reply(200, _links_page(f"Archive page {page}", links))

    def chain(h) -> None:
        m = re.search(r"story-(\d+)-", h.path)
        n = int(m.group(1)) if m else 0
        story = F.make_story(f"chain-{n}")
        more = "".join(
            f'<a href="/chain/story-{n * 3 + k}-follow-the-trail.html">next</a>' for k in (1, 2, 3)
        )
        h.reply(200, F.article_html(story, after=f"<aside>{more}</aside>").encode())

    site.route("/calendar/*", calendar)
    site.route("/archive/*", archive)
    site.route("/chain/*", chain)


def _links_page(title: str, links: list[str]) -> bytes:
    items = "".join(f'<li><a href="{link}">{link}</a></li>' for link in links)
    return f"<html><head><title>{title}</title></head><body><ul>{items}</ul></body></html>".encode()


FEEDS = [
    "/feeds/main.xml",
    "/feeds/truncated.xml",
    "/feeds/html-not-feed.xml",
    "/feeds/binary.xml",
    *(f"/feeds/{k}{p}.xml" for k in ("laughs", "xxe", "param", "dtd") for p in ("", "-padded")),
]
SITEMAPS = [
    "/sitemaps/truncated.xml",
    "/sitemaps/wrong-root.xml",
    "/sitemaps/self-index.xml",
    "/sitemaps/cycle-a.xml",
    "/sitemaps/bomb.xml.gz",
    *(f"/sitemaps/{k}{p}.xml" for k in ("laughs", "xxe", "param", "dtd") for p in ("", "-padded")),
]
TRAPS = ["/calendar/2024/01/", "/archive/?page=1", "/chain/story-0-follow-the-trail.html"]


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Crawled]:
    tmp = tmp_path_factory.mktemp("discovery-faults")
    canary = tmp / "canary.txt"
    canary.write_text(CANARY)
    site, offsite = F.FaultSite(), F.FaultSite()
    build(site, offsite, canary)
    with ExitStack() as stack:
        base = stack.enter_context(site.serve())
        stack.enter_context(offsite.serve(host="127.0.0.2"))
        feeds = ", ".join(f'"{base}{p}"' for p in FEEDS)
        sitemaps = ", ".join(f'"{base}{p}"' for p in SITEMAPS)
        starts = ", ".join(f'"{base}{p}"' for p in TRAPS)
        sources = tmp / "sources.toml"
        sources.write_text(
            f'[sources.disc]\ndomains = ["127.0.0.1"]\nfeeds = [{feeds}]\n'
            f"sitemaps = [{sitemaps}]\nrobots_sitemaps = true\n\n"
            f'[sources.traps]\ndomains = ["127.0.0.1"]\nstart_urls = [{starts}]\n'
            f"robots_sitemaps = false\ndepth = {TRAP_DEPTH}\nmax_articles = {TRAP_MAX_ARTICLES}\n"
        )
        db = tmp / "news.db"
        settings = {"INGEST_MAX_LISTING_PAGES": str(TRAP_MAX_LISTINGS)}
        result = crawl(db, sources, "disc", "traps", settings=settings)
        yield Crawled(site, result, db, offsite)


def test_crawl_survives_every_discovery_fault(crawled: Crawled, report) -> None:
    obs = report(
        "all discovery faults in one crawl (2 sources)",
        "crawl ends (exit 0 or 3), no traceback, feed and sitemap articles stored once, DB ok",
    )
    check_crawl_survived(obs, crawled.result, crawled.db, crawled.site.expected())


@pytest.mark.parametrize(
    ("path", "label"),
    [
        ("/feeds/truncated.xml", "truncated feed"),
        ("/feeds/html-not-feed.xml", "HTML served as a feed"),
        ("/feeds/binary.xml", "binary junk served as a feed"),
        ("/sitemaps/truncated.xml", "truncated sitemap"),
        ("/sitemaps/bomb.xml.gz", "gzip bomb sitemap (.xml.gz inflating to 300 MB)"),
    ],
)
def test_malformed_discovery_documents_are_logged(crawled, report, path, label) -> None:
    obs = report(label, "logged bad_discovery with the reason, crawl goes on")
    log = crawled.observe(obs, path)
    assert [r["outcome"] for r in log] == ["bad_discovery"]
    assert crawled.result.peak_rss_mb < 400


def test_sitemap_with_the_wrong_root_yields_nothing(crawled: Crawled, report) -> None:
    path = "/sitemaps/wrong-root.xml"
    obs = report("well-formed XML that is no sitemap", "read, 0 entries, nothing fetched")
    log = crawled.observe(obs, path)
    assert len(log) == 1 and "0 entries" in (log[0]["detail"] or "")


@pytest.mark.parametrize("kind", ["laughs", "xxe", "param", "dtd"])
@pytest.mark.parametrize("folder", ["feeds", "sitemaps"])
@pytest.mark.parametrize("padded", [False, True], ids=["", "padded"])
def test_xml_entities_are_never_expanded_or_fetched(crawled, report, kind, folder, padded):
    path = f"/{folder}/{kind}{'-padded' if padded else ''}.xml"
    what = {
        "laughs": "billion laughs",
        "xxe": "external entities (http + file)",
        "param": "external parameter entity",
        "dtd": "external DTD",
    }[kind]
    where = "feed" if folder == "feeds" else "sitemap"
    label = f"{what} in a {where}" + (" (DTD after a 100 KB comment)" if padded else "")
    refuse = kind != "dtd"
    obs = report(
        label,
        ("refused (bad_discovery); " if refuse else "")
        + "entity target never requested, local file never read",
    )
    log = crawled.log(path)
    fetched = crawled.requested(r"^/xxe-target/")
    entity_urls = crawled.requested(r"^/news/entity-")
    sql = "SELECT count(*) AS n FROM fetch_log WHERE url LIKE ? OR detail LIKE ?"
    leaked = query(crawled.db, sql, [f"%{CANARY[:10]}%"] * 2)[0]["n"]
    obs.saw(f"{logged(log, 60)}; entity targets requested: {len(fetched)}; canary leaked: {leaked}")
    obs.count(ledger(crawled.db, {}))
    assert fetched == []
    assert not leaked
    if refuse:
        assert [r["outcome"] for r in log] == ["bad_discovery"]
        assert not [u for u in entity_urls if kind in u and folder[:-1] in u or "lol" in u]
    else:
        assert [r["outcome"] for r in log] == ["discovery"]


def test_non_http_and_offsite_entries_are_never_requested(crawled: Crawled, report) -> None:
    obs = report(
        "feed entries and robots Sitemap: lines with file:, ftp:, javascript:, data:, other hosts",
        "skipped before any request; local file never read; other host gets nothing",
    )
    other = sum(len(h) for h in crawled.offsite.hits.values())
    schemes = query(
        crawled.db,
        "SELECT url FROM fetch_log WHERE url NOT LIKE 'http://127.0.0.1:%'",
    )
    leaked = query(
        crawled.db, "SELECT count(*) AS n FROM articles WHERE text LIKE ?", [f"%{CANARY[:10]}%"]
    )[0]["n"]
    obs.saw(f"other host got {other} requests; non-local URLs in fetch log: {len(schemes)}; "
            f"canary stored: {leaked}")  # fmt: skip
    obs.count(ledger(crawled.db, {}))
    assert other == 0
    assert schemes == []
    assert leaked == 0


def test_odd_urls_in_a_feed(crawled: Crawled, report) -> None:
    obs = report(
        "feed entries with a non-ASCII, space-containing path and a 3,000-character URL",
        "the first fetched percent-encoded and stored once; the second (over URLLENGTH_LIMIT) "
        "never requested",
    )
    path = urllib.parse.quote(UNICODE_PATH)
    stored = query(crawled.db, "SELECT url FROM articles WHERE url LIKE '%code%'")
    long_hits = crawled.requested(r"^/news/long-")
    obs.saw(f"stored as ...{stored[0]['url'][-45:] if stored else None}; long URL requested "
            f"{len(long_hits)}x")  # fmt: skip
    obs.count(ledger(crawled.db, {crawled.site.url(path): crawled.site.stories[path]}))
    assert [r["url"] for r in stored] == [crawled.site.url(path)]
    assert long_hits == []


def test_sitemap_index_pointing_to_itself_ends(crawled: Crawled, report) -> None:
    obs = report(
        "sitemap index listing itself; two indexes listing each other",
        "each fetched a bounded number of times (nesting limit 3), crawl ends",
    )
    counts = {p: crawled.site.count(p) for p in ("/sitemaps/self-index.xml",
              "/sitemaps/cycle-a.xml", "/sitemaps/cycle-b.xml")}  # fmt: skip
    obs.saw(f"requests {counts}")
    obs.count(ledger(crawled.db, {}))
    assert 1 <= counts["/sitemaps/self-index.xml"] <= 4
    assert counts["/sitemaps/cycle-a.xml"] + counts["/sitemaps/cycle-b.xml"] <= 5


def test_spider_traps_are_bounded_by_depth_and_budget(crawled: Crawled, report) -> None:
    obs = report(
        f"spider traps: endless calendar, ?page=&sort=&from= pagination (6 new links a page), "
        f"article chain (depth {TRAP_DEPTH}, max_articles {TRAP_MAX_ARTICLES}, "
        f"INGEST_MAX_LISTING_PAGES {TRAP_MAX_LISTINGS})",
        "requests bounded by depth and the per-source article and listing budgets",
    )
    calendar = crawled.requested(r"^/calendar/")
    archive = crawled.requested(r"^/archive/")
    chain = crawled.requested(r"^/chain/")
    articles = query(
        crawled.db,
        "SELECT count(*) AS n FROM fetch_log WHERE source = 'traps' AND outcome != 'discovery'",
    )[0]["n"]
    obs.saw(f"requests: calendar {len(calendar)}, archive {len(archive)}, chain {len(chain)}; "
            f"article fetches {articles}")  # fmt: skip
    obs.count(ledger(crawled.db, {}))
    # Article-shaped URLs (calendar days, chained stories) share the article budget (plus the
    # start pages); listing pages (the archive: 1 + 6 + 36 + 216 by depth alone) stop at the
    # listing budget.
    assert articles <= TRAP_MAX_ARTICLES + len(TRAPS)
    assert len(calendar) + len(chain) <= TRAP_MAX_ARTICLES + len(TRAPS)
    assert len(archive) <= TRAP_MAX_LISTINGS + 1
