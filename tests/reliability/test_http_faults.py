"""HTTP-level faults, injected for real: one crawl of a site whose feed lists good articles next
to routes that fail in every way a web server can; each test checks one fault's fate in the
fetch log and on the server, and that the good articles were all stored exactly once."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from email.utils import formatdate
from pathlib import Path
from time import time

import pytest

from tests.reliability import faults as F
from tests.reliability.checks import (
    FAST,
    FaultCrawl,
    article,
    check_crawl_survived,
    crawl,
    fetch_log,
    ledger,
    logged,
)

MAXSIZE = int(FAST["DOWNLOAD_MAXSIZE"])
RETRIES = int(FAST["RETRY_TIMES"])
BACKOFF = float(FAST["RETRY_BACKOFF_BASE"])


@dataclass
class Crawled(FaultCrawl):
    offsite: F.FaultSite
    robots: dict[str, F.FaultSite]


def build(site: F.FaultSite, offsite: F.FaultSite) -> None:
    """The good articles and every HTTP fault route."""
    for n in range(6):
        site.good(f"/news/good-story-{n}.html")
    for code in (500, 502, 503):
        site.route(f"/news/always-{code}.html", F.status(code), in_feed=True)
    site.route(
        "/news/flaky-503.html",
        F.fail_then([(503, {}), (502, {})], _story(site, "/news/flaky-503.html")),
        in_feed=True,
    )
    site.route(
        "/news/retry-after-secs.html",
        F.fail_then([(429, {"Retry-After": "1"})], _story(site, "/news/retry-after-secs.html")),
        in_feed=True,
    )
    site.route(
        "/news/retry-after-date.html",
        F.fail_then(
            [(503, lambda: {"Retry-After": formatdate(time() + 4, usegmt=True)})],
            _story(site, "/news/retry-after-date.html"),
        ),
        in_feed=True,
    )
    site.route("/news/retry-after-long.html", F.status(429, {"Retry-After": "3600"}), in_feed=True)
    for code in (403, 404, 410):
        site.route(f"/news/status-{code}.html", F.status(code), in_feed=True)
    # Redirect chains and loops.
    site.route("/news/chain-start.html", F.redirect("/news/chain-2.html", 301), in_feed=True)
    site.route("/news/chain-2.html", F.redirect("/news/chain-3.html", 302))
    site.route("/news/chain-3.html", F.redirect("/news/chain-end.html", 307))
    site.good("/news/chain-end.html", in_feed=False)
    site.stories["/news/chain-start.html"] = site.stories.pop("/news/chain-end.html")
    site.route("/news/loop-a.html", F.redirect("/news/loop-b.html"), in_feed=True)
    site.route("/news/loop-b.html", F.redirect("/news/loop-a.html"))
    site.route("/news/self-loop.html", F.redirect("/news/self-loop.html"), in_feed=True)
    for n in range(12):
        site.route(f"/news/long-chain-{n}.html", F.redirect(f"/news/long-chain-{n + 1}.html"))
    site.feed_paths.append("/news/long-chain-0.html")
    # Redirects that must not be followed.
    site.route(
        "/news/redirect-offsite.html",
        F.redirect(lambda h: offsite.url("/news/offsite-article.html")),
        in_feed=True,
    )
    site.route(
        "/news/redirect-localhost.html",
        F.redirect(
            lambda h: h.origin.replace("127.0.0.1", "localhost") + "/news/good-story-0.html"
        ),
        in_feed=True,
    )
    for name, target in (
        ("file", "file:///etc/passwd"),
        ("ftp", "ftp://127.0.0.1/pub/article.html"),
        ("javascript", "javascript:alert(1)"),
        ("data", "data:text/html,<p>injected</p>"),
    ):
        site.route(f"/news/redirect-{name}.html", F.redirect(target), in_feed=True)
    site.route(
        "/news/meta-refresh-offsite.html",
        lambda h: h.reply(
            200,
            f'<html><head><meta http-equiv="refresh" content="0; url='
            f'{offsite.url("/news/offsite-refresh.html")}"></head><body></body></html>'.encode(),
        ),
        in_feed=True,
    )
    offsite.route("/*", F.status(200))
    # Broken connections and bodies.
    site.route("/news/connection-reset.html", F.reset, in_feed=True)
    site.route("/news/stall-no-headers.html", F.stall(site, send_headers=False), in_feed=True)
    site.route("/news/stall-mid-body.html", F.stall(site, send_headers=True), in_feed=True)
    site.route(
        "/news/cut-content-length.html",
        F.cut_short(_story(site, "/news/cut-content-length.html", stored=False), chunked=False),
        in_feed=True,
    )
    site.route(
        "/news/cut-chunked.html",
        F.cut_short(_story(site, "/news/cut-chunked.html", stored=False), chunked=True),
        in_feed=True,
    )
    site.route(
        "/news/short-content-length.html",
        F.short_content_length(_story(site, "/news/short-content-length.html")),
        in_feed=True,
    )
    site.route(
        "/news/gzip-bomb.html", F.gzip_bomb(F.gzip_bomb_bytes(MAXSIZE * 40 // 2**20)), in_feed=True
    )
    site.route("/news/slow-drip.html", F.drip(site), in_feed=True)
    site.route(
        "/news/huge-header.html",
        F.raw(
            b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nSet-Cookie: "
            + b"a" * 2_000_000
            + b"\r\nContent-Length: 5\r\n\r\nhello"
        ),
        in_feed=True,
    )
    site.route(
        "/news/garbage-status.html",
        F.raw(b"SSH-2.0-OpenSSH_9.6\r\n\x00\x01\x02 not http at all\r\n\r\n"),
        in_feed=True,
    )
    site.route("/news/huge-declared.html", F.endless(site, declared_mb=200), in_feed=True)
    site.route("/news/huge-chunked.html", F.endless(site, declared_mb=None), in_feed=True)
    site.feed("/feed.xml")


_UNSTORED: dict[str, F.Story] = {}


def _story(site: F.FaultSite, path: str, stored: bool = True) -> F.Story:
    """The story a fault route serves when it finally answers; expected stored or not."""
    story = F.make_story(path.strip("/").replace("/", "-").removesuffix(".html"))
    if stored:
        site.stories[path] = story
    else:
        _UNSTORED[path] = story
    return story


#: robots.txt faults, each on a host of its own (robots.txt is per host): what it answers.
ROBOTS = {
    "robots-500": ("127.0.0.3", lambda site: F.status(500)),
    "robots-429": ("127.0.0.4", lambda site: F.status(429)),
    "robots-stall": ("127.0.0.5", lambda site: F.stall(site, send_headers=False)),
    "robots-reset": ("127.0.0.6", lambda site: F.reset),
    "robots-403": ("127.0.0.7", lambda site: F.status(403)),
}


def robots_site(name: str, answer: Callable[[F.FaultSite], F.Handler]) -> F.FaultSite:
    """A one-article site whose robots.txt answers with ``answer(site)``."""
    site = F.FaultSite()
    site.good(f"/news/{name}-story.html")
    site.route("/robots.txt", answer(site))
    site.feed("/feed.xml")
    return site


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Crawled]:
    tmp = tmp_path_factory.mktemp("http-faults")
    site, offsite = F.FaultSite(), F.FaultSite()
    build(site, offsite)
    with ExitStack() as stack:
        base = stack.enter_context(site.serve())
        stack.enter_context(offsite.serve(host="127.0.0.2"))
        entries = [
            f'[sources.faults]\ndomains = ["127.0.0.1"]\nfeeds = ["{base}/feed.xml"]\n'
            "robots_sitemaps = false\n"
        ]
        robots = {}
        for name, (host, answer) in ROBOTS.items():
            robots[name] = robots_site(name, answer)
            other = stack.enter_context(robots[name].serve(host=host))
            entries.append(
                f'[sources.{name}]\ndomains = ["{host}"]\nfeeds = ["{other}/feed.xml"]\n'
                "robots_sitemaps = false\n"
            )
        sources = tmp / "sources.toml"
        sources.write_text("\n".join(entries))
        db = tmp / "news.db"
        result = crawl(db, sources, "faults", *ROBOTS)
        yield Crawled(site, result, db, offsite, robots)


def test_crawl_survives_every_http_fault(crawled: Crawled, report) -> None:
    obs = report(
        "all HTTP faults in one crawl",
        "crawl ends (exit 0, or 3: health alert), no traceback, good articles stored once, DB ok",
    )
    check_crawl_survived(obs, crawled.result, crawled.db, crawled.site.expected())


@pytest.mark.parametrize("code", [500, 502, 503])
def test_server_errors_are_retried_with_backoff_then_logged(crawled: Crawled, report, code):
    path = f"/news/always-{code}.html"
    obs = report(
        f"HTTP {code} on every try",
        f"{RETRIES} retries, each after its backoff ({BACKOFF} s, then {2 * BACKOFF} s, + jitter), "
        f"then fetch log http_error {code}",
    )
    log = crawled.log(path)
    gaps = crawled.site.gaps(path)
    obs.saw(
        f"{crawled.site.count(path)} requests, waits {', '.join(f'{g:.2f}s' for g in gaps)}; "
        f"{logged(log)}"
    )
    obs.count(ledger(crawled.db, {}))
    assert crawled.site.count(path) == RETRIES + 1
    assert [(r["outcome"], r["http_status"]) for r in log] == [("http_error", code)]
    assert "gave up after" in log[0]["detail"]
    # Each wait at least the backoff of its try (base, then twice the base), never at once.
    assert gaps[0] >= BACKOFF
    assert gaps[1] >= 2 * BACKOFF


def test_transient_5xx_then_success_is_stored(crawled: Crawled, report) -> None:
    path = "/news/flaky-503.html"
    obs = report("503 then 502 then 200", "retried, then stored once as new")
    obs.saw(f"{crawled.site.count(path)} requests; {logged(crawled.log(path))}")
    book = ledger(crawled.db, {crawled.site.url(path): crawled.site.stories[path]})
    obs.count(book)
    assert crawled.outcomes(path) == ["new"]
    assert book.ok()


@pytest.mark.parametrize(
    ("path", "wait", "label"),
    [
        ("/news/retry-after-secs.html", 1.0, "429 with Retry-After: 1"),
        ("/news/retry-after-date.html", 3.0, "503 with Retry-After: <HTTP date +4 s>"),
    ],
)
def test_retry_after_is_honoured(crawled: Crawled, report, path, wait, label) -> None:
    obs = report(label, f"next try waits the asked time (>= {wait:.0f} s), then stored")
    gaps = crawled.site.gaps(path)
    obs.saw(f"waited {gaps[0]:.2f} s; {logged(crawled.log(path))}" if gaps else "no retry")
    book = ledger(crawled.db, {crawled.site.url(path): crawled.site.stories[path]})
    obs.count(book)
    assert crawled.site.count(path) == 2
    assert gaps[0] >= wait
    assert crawled.outcomes(path) == ["new"]
    assert book.ok()


def test_retry_after_over_the_cap_gives_up_at_once(crawled: Crawled, report) -> None:
    path = "/news/retry-after-long.html"
    obs = report(
        "429 with Retry-After: 3600",
        f"over RETRY_AFTER_MAX ({FAST['RETRY_AFTER_MAX']} s): no retry this run, rate_limited",
    )
    log = crawled.observe(obs, path, f"{crawled.site.count(path)} request(s); ")
    assert crawled.site.count(path) == 1
    assert [r["outcome"] for r in log] == ["rate_limited"]
    assert "Retry-After" in log[0]["detail"]


@pytest.mark.parametrize(
    ("code", "outcome"), [(403, "blocked"), (404, "http_error"), (410, "http_error")]
)
def test_client_errors_are_logged_without_retry(crawled: Crawled, report, code, outcome):
    path = f"/news/status-{code}.html"
    obs = report(f"HTTP {code}", f"not retried, fetch log {outcome} {code}")
    log = crawled.observe(obs, path, f"{crawled.site.count(path)} request(s); ")
    assert crawled.site.count(path) == 1
    assert [(r["outcome"], r["http_status"]) for r in log] == [(outcome, code)]


def test_redirect_chain_is_followed_and_stored_once(crawled: Crawled, report) -> None:
    path = "/news/chain-start.html"
    obs = report("redirect chain 301 -> 302 -> 307 -> page", "followed, stored once")
    row = article(crawled.db, crawled.site.url(path)) or article(
        crawled.db, crawled.site.url("/news/chain-end.html")
    )
    obs.saw(f"{logged(crawled.log(path))}; stored as {row['url'] if row else None}")
    book = ledger(crawled.db, {row["url"] if row else path: crawled.site.stories[path]})
    obs.count(book)
    assert crawled.outcomes(path) == ["new"]
    assert book.ok()


@pytest.mark.parametrize(
    ("path", "label"),
    [
        ("/news/loop-a.html", "redirect loop a -> b -> a"),
        ("/news/self-loop.html", "redirect to itself"),
        ("/news/long-chain-0.html", "chain of 12 redirects"),
    ],
)
def test_redirect_loops_end(crawled: Crawled, report, path, label) -> None:
    obs = report(label, "stops within REDIRECT_MAX_TIMES, logged failed")
    total = sum(
        crawled.site.count(p)
        for p in crawled.site.hits
        if p.startswith(path.rsplit("-", 1)[0]) or p == path
    )
    log = crawled.log(path)
    obs.saw(f"{total} requests; {logged(log)}")
    obs.count(ledger(crawled.db, {}))
    assert total <= 7  # REDIRECT_MAX_TIMES (5) + 1, plus slack for the self-loop's filter
    assert [r["outcome"] for r in log] == ["failed"]
    assert "redirect" in log[0]["detail"].lower()


def test_redirect_off_the_sources_domains_is_not_followed(crawled: Crawled, report) -> None:
    obs = report(
        "redirect to another host (127.0.0.2, localhost)",
        "not followed: the other host gets no request; logged failed",
    )
    paths = ("/news/redirect-offsite.html", "/news/redirect-localhost.html")
    logs = {p: crawled.log(p) for p in paths}
    other = sum(len(h) for h in crawled.offsite.hits.values())
    obs.saw(f"other host got {other} requests; {logged([r for v in logs.values() for r in v])}")
    obs.count(ledger(crawled.db, {}))
    assert other == 0
    for log in logs.values():
        assert [r["outcome"] for r in log] == ["failed"]


@pytest.mark.parametrize("scheme", ["file", "ftp", "javascript", "data"])
def test_redirect_to_non_http_scheme_is_not_followed(crawled: Crawled, report, scheme) -> None:
    path = f"/news/redirect-{scheme}.html"
    obs = report(f"redirect to a {scheme}: URL", "not followed, logged failed 'non-HTTP'")
    log = crawled.observe(obs, path)
    assert [r["outcome"] for r in log] == ["failed"]
    assert "non-HTTP" in log[0]["detail"]
    stored = article(crawled.db, crawled.site.url(path))
    assert stored is None


def test_meta_refresh_off_the_domain_is_not_followed(crawled: Crawled, report) -> None:
    path = "/news/meta-refresh-offsite.html"
    obs = report("<meta refresh> to another host", "not followed: other host gets no request")
    other = sum(len(h) for h in crawled.offsite.hits.values())
    obs.saw(f"other host got {other} requests; {logged(crawled.log(path))}")
    obs.count(ledger(crawled.db, {}))
    assert other == 0
    assert len(crawled.log(path)) == 1


@pytest.mark.parametrize(
    ("path", "label", "needle"),
    [
        ("/news/connection-reset.html", "connection reset (TCP RST)", "connection"),
        ("/news/stall-no-headers.html", "server accepts, never answers", "took longer"),
        ("/news/stall-mid-body.html", "server stalls mid-body", "took longer"),
    ],
)
def test_broken_connections_are_retried_then_failed(crawled, report, path, label, needle):
    obs = report(label, f"timeout {FAST['DOWNLOAD_TIMEOUT']} s or error, {RETRIES} retries, failed")
    log = crawled.log(path)
    obs.saw(f"{crawled.site.count(path)} requests; {logged(log)}")
    obs.count(ledger(crawled.db, {}))
    # Twisted itself re-sends a GET once when a reused keep-alive connection drops, so a reset
    # may cost up to two requests per try.
    assert RETRIES + 1 <= crawled.site.count(path) <= 2 * (RETRIES + 1)
    assert [r["outcome"] for r in log] == ["failed"]
    assert needle in log[0]["detail"].lower()


@pytest.mark.parametrize(
    ("path", "label", "needle"),
    [
        ("/news/slow-drip.html", "slow drip: one byte every 0.2 s", "took longer"),
        ("/news/huge-header.html", "a 2 MB response header", ""),
        ("/news/garbage-status.html", "not HTTP at all (an SSH banner)", ""),
    ],
)
def test_malformed_responses_fail_cleanly(crawled: Crawled, report, path, label, needle) -> None:
    obs = report(label, "given up (timeout or protocol error), logged failed, no crash")
    log = crawled.log(path)
    obs.saw(f"{crawled.site.count(path)} requests; {logged(log)}")
    obs.count(ledger(crawled.db, {}))
    assert [r["outcome"] for r in log] == ["failed"]
    assert needle in log[0]["detail"].lower()
    assert crawled.site.count(path) <= 2 * (RETRIES + 1)


@pytest.mark.parametrize(
    ("path", "label"),
    [
        ("/news/cut-content-length.html", "body cut short (Content-Length not reached)"),
        ("/news/cut-chunked.html", "chunked body cut short (no last chunk)"),
    ],
)
def test_truncated_bodies_are_never_stored(crawled: Crawled, report, path, label) -> None:
    obs = report(label, "data loss detected: retried, failed, nothing half-stored")
    log = crawled.log(path)
    stored = article(crawled.db, crawled.site.url(path))
    obs.saw(f"{logged(log)}; stored: {stored is not None}")
    obs.count(ledger(crawled.db, {}))
    assert [r["outcome"] for r in log] == ["failed"]
    assert stored is None
    marker = _UNSTORED[path].paragraphs[0]
    assert not [r for r in _all_texts(crawled.db) if marker in r]


def test_content_length_shorter_than_body(crawled: Crawled, report) -> None:
    path = "/news/short-content-length.html"
    obs = report(
        "Content-Length shorter than the body (junk left on keep-alive connection)",
        "body read as declared; junk never parsed as another response",
    )
    log = crawled.log(path)
    evil = [t for t in _all_texts(crawled.db) if "EVIL!" in t]
    obs.saw(f"{logged(log)}; junk stored: {bool(evil)}")
    book = ledger(crawled.db, crawled.site.expected())
    obs.count(book)
    assert len(log) == 1
    assert not evil
    assert book.ok()


def test_gzip_bomb_is_stopped_at_download_maxsize(crawled: Crawled, report) -> None:
    path = "/news/gzip-bomb.html"
    obs = report(
        f"gzip bomb ({MAXSIZE * 40 // 2**20} MB inflated, Content-Encoding: gzip)",
        f"inflation stops at DOWNLOAD_MAXSIZE ({MAXSIZE // 2**20} MB), failed, memory bounded",
    )
    log = crawled.log(path)
    obs.saw(f"{logged(log)}; peak RSS {crawled.result.peak_rss_mb:.0f} MB")
    obs.count(ledger(crawled.db, {}))
    assert [r["outcome"] for r in log] == ["failed"]
    assert "maxsize" in log[0]["detail"].lower()
    assert crawled.result.peak_rss_mb < 400


@pytest.mark.parametrize(
    ("path", "label"),
    [
        ("/news/huge-declared.html", "response over the maximum size (Content-Length 200 MB)"),
        ("/news/huge-chunked.html", "endless chunked response"),
    ],
)
def test_oversized_responses_are_cut_off(crawled: Crawled, report, path, label) -> None:
    obs = report(label, f"download cancelled at DOWNLOAD_MAXSIZE ({MAXSIZE // 2**20} MB), failed")
    log = crawled.observe(obs, path)
    assert [r["outcome"] for r in log] == ["failed"]
    assert crawled.result.peak_rss_mb < 400


@pytest.mark.parametrize(
    ("name", "label"),
    [
        ("robots-500", "robots.txt answers 500"),
        ("robots-429", "robots.txt answers 429"),
        ("robots-stall", "robots.txt never answers"),
        ("robots-reset", "robots.txt connection reset"),
    ],
)
def test_unreachable_robots_txt_means_disallow(crawled: Crawled, report, name, label) -> None:
    obs = report(
        label,
        "RFC 9309 'unreachable': retried, then nothing of the host fetched this run; logged "
        "failed (retried next run), one warning, no traceback",
    )
    site = crawled.robots[name]
    log = fetch_log(crawled.db, site.url("/feed.xml"))
    asked = {path: len(hits) for path, hits in site.hits.items()}
    obs.saw(f"requests {asked}; feed {logged(log, 60)}")
    obs.count(ledger(crawled.db, {}))
    assert set(asked) == {"/robots.txt"}
    assert RETRIES + 1 <= asked["/robots.txt"] <= 2 * (RETRIES + 1)
    assert [r["outcome"] for r in log] == ["failed"]
    assert "robots.txt unreachable" in log[0]["detail"]
    assert not crawled.result.traceback


def test_robots_txt_403_means_no_rules(crawled: Crawled, report) -> None:
    obs = report("robots.txt answers 403", "RFC 9309 'unavailable': no rules, site crawled")
    site = crawled.robots["robots-403"]
    book = ledger(crawled.db, site.expected())
    obs.count(book)
    obs.saw(f"requests { ({p: len(h) for p, h in site.hits.items()}) }")
    assert book.ok(), book


def test_every_fetched_url_is_in_the_fetch_log(crawled: Crawled, report) -> None:
    obs = report("every URL of the feed", "one fetch-log row each, nothing dropped silently")
    missing = [p for p in crawled.site.feed_paths if not crawled.log(p)]
    doubled = [p for p in crawled.site.feed_paths if len(crawled.log(p)) > 1]
    obs.saw(f"{len(crawled.site.feed_paths)} URLs; missing {missing}; logged twice {doubled}")
    obs.count(ledger(crawled.db, {}))
    assert not missing and not doubled


def _all_texts(db: Path) -> list[str]:
    from tests.reliability.checks import query

    return [r["text"] or "" for r in query(db, "SELECT text FROM articles")]
