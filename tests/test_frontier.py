"""The bounded-memory frontier: order, de-duplication, spilling to disk, and a real crawl.

The crawl test serves a generated site of 300 articles on 127.0.0.1 and runs the real ``ingest
crawl`` with a frontier that keeps only 20 requests in memory, so most article requests go
through the on-disk queue; every article must still be stored exactly once.
"""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest
import scrapy
from scrapy import Request

import ingest.frontier
from ingest.frontier import Frontier, FrontierMiddleware, _is_article, _to_dict, fingerprint

from .conftest import rows, run_ingest


class _Spider(scrapy.Spider):
    name = "frontier-test"

    def parse_page(self, response):  # noqa: ANN001, ANN201 - a callback to serialize
        return None

    def on_error(self, failure):  # noqa: ANN001, ANN201
        return None


def _request(spider: _Spider, i: int) -> Request:
    return Request(
        f"http://127.0.0.1/a/{i}",
        spider.parse_page,
        errback=spider.on_error,
        meta={"source": "s", "lastmod": f"2024-01-{1 + i % 28:02d}"},
        headers={"If-None-Match": f'"{i}"'},
        priority=3,
    )


def test_fifo_order_across_memory_and_disk() -> None:
    spider = _Spider()
    frontier = Frontier(spider, memory=5)
    try:
        for i in range(23):
            assert frontier.add(_request(spider, i), str(i).encode())
        assert len(frontier) == 23 and frontier.on_disk == 18
        popped = [frontier.pop() for _ in range(23)]
        assert frontier.pop() is None and len(frontier) == 0
    finally:
        frontier.close()
    assert [r.url for r in popped] == [f"http://127.0.0.1/a/{i}" for i in range(23)]
    last = popped[-1]  # came back from disk: callback, meta and headers intact
    assert last.callback == spider.parse_page and last.errback == spider.on_error
    assert last.meta["lastmod"] == "2024-01-23" and last.priority == 3
    assert last.headers["If-None-Match"] == b'"22"'


def test_requests_go_to_disk_as_scrapy_would_write_them() -> None:
    """The frontier names callbacks without Scrapy's search of the spider's methods; the dict
    must be Scrapy's own, and anything unusual is left to Scrapy."""
    spider = _Spider()
    plain = Request("http://127.0.0.1/b", meta={"source": "s"})
    for request in (_request(spider, 7), plain, plain.replace(callback=spider.parse_page)):
        assert _to_dict(request, spider) == request.to_dict(spider=spider)
    with pytest.raises(ValueError):  # not a method of the spider: Scrapy's own error
        _to_dict(Request("http://127.0.0.1/c", callback=print), spider)


def test_seen_fingerprints_are_refused_even_after_pop() -> None:
    spider = _Spider()
    frontier = Frontier(spider, memory=2)
    try:
        assert frontier.add(_request(spider, 1), b"one")
        assert not frontier.add(_request(spider, 1), b"one")
        assert frontier.pop() is not None
        assert not frontier.add(_request(spider, 1), b"one")  # fetched already: still seen
        assert frontier.add(_request(spider, 2), b"two")
    finally:
        frontier.close()


def test_only_article_requests_are_diverted() -> None:
    spider = _Spider()
    assert _is_article(_request(spider, 1))
    assert not _is_article(Request("http://127.0.0.1/sitemap.xml", spider.on_error))
    assert not _is_article(Request("http://127.0.0.1/x"))


def test_off_in_distributed_mode_and_on_request() -> None:
    from scrapy.exceptions import NotConfigured
    from scrapy.utils.test import get_crawler

    for settings in ({"INGEST_FRONTIER": False}, {"INGEST_REDIS_URL": "redis://127.0.0.1:1"}):
        with pytest.raises(NotConfigured):
            FrontierMiddleware.from_crawler(get_crawler(_Spider, settings))
    assert FrontierMiddleware.from_crawler(get_crawler(_Spider, {})).buffer > 0


def _random_urls(count: int, seed: int) -> list[str]:
    """URL shapes near and inside the fast path: odd hosts and ports, dot segments, doubled
    slashes, percent escapes, queries, fragments, upper-case hosts, non-ASCII paths."""
    rnd = random.Random(seed)
    plain = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._~/-"
    odd = ["./", "../", "//", "%7e", "%7E", "%2F", "?a=1&b=2", "?b=2&a=1", "#top", "é", ";p=1"]
    urls = []
    for _ in range(count):
        host = "".join(rnd.choice("abc0.-") for _ in range(rnd.randint(1, 10)))
        host = host.upper() if rnd.random() < 0.05 else host
        port = rnd.choice(["", "", ":80", ":443", ":8080", ":00080"])
        path = "/" + "".join(
            rnd.choice(plain) if rnd.random() < 0.8 else rnd.choice(odd)
            for _ in range(rnd.randint(0, 24))
        )
        urls.append(rnd.choice(["http://", "https://"]) + host + port + path)
    return urls


def test_fingerprint_is_scrapys_for_every_url() -> None:
    from scrapy.utils.test import get_crawler

    crawler = get_crawler(_Spider, {})
    scrapy_fp = crawler.request_fingerprinter.fingerprint
    urls = _random_urls(30_000, seed=7)
    urls += ["http://127.0.0.1:8731/2021/03/04/ferry-council-vote/", "https://news.example/a"]
    compared = fast = 0
    for url in urls:
        try:
            request = Request(url)
        except ValueError:
            continue
        compared += 1
        fast += bool(ingest.frontier._CANONICAL_URL.fullmatch(request.url))
        assert fingerprint(crawler, request) == scrapy_fp(request), url
    post = Request("http://127.0.0.1/a", method="POST", body=b"x=1")
    verbatim = Request("http://127.0.0.1/a/./b", meta={"verbatim_url": True})
    for request in (post, verbatim):
        assert fingerprint(crawler, request) == scrapy_fp(request)
    assert compared > 25_000 and fast > 5_000  # both paths were taken many times


def test_another_fingerprinter_is_used_as_it_is() -> None:
    from scrapy.utils.test import get_crawler

    class ByPath:
        def fingerprint(self, request: Request) -> bytes:
            return request.url.rsplit("/", 1)[-1].encode()

    crawler = get_crawler(_Spider, {})
    crawler.request_fingerprinter = ByPath()
    assert fingerprint(crawler, Request("http://127.0.0.1/a/story")) == b"story"


@pytest.fixture(scope="module")
def served_site(tmp_path_factory: pytest.TempPathFactory):
    from ingest.sitegen.synthetic import build_synthetic_site
    from ingest.webserver import serve_site

    root = tmp_path_factory.mktemp("frontier-site")
    build_synthetic_site(root, 300, seed=3, max_listing_pages=3)
    with serve_site(root) as base:
        yield base


def test_crawl_through_a_small_frontier_stores_every_article_once(
    served_site: str, tmp_path: Path
) -> None:
    sources = tmp_path / "sources.toml"
    sources.write_text(
        f'[sources.site]\ndomains = ["127.0.0.1"]\nsitemaps = ["{served_site}/sitemap_index.xml"]\n'
        "robots_sitemaps = false\n"
    )
    db = tmp_path / "news.db"
    args = ["crawl", "site", "--sources", str(sources), "--db", str(db), "-v"]
    args += ["-s", "INGEST_FRONTIER_MEMORY=20", "-s", "INGEST_FRONTIER_BUFFER=8"]
    result = run_ingest(*args)
    assert result.returncode == 0, result.stderr[-2000:]
    stored = rows(db, "SELECT count(*) AS n, count(DISTINCT url) AS u FROM articles")[0]
    assert stored["n"] == stored["u"] == 300
    logged = rows(db, "SELECT count(*) AS n FROM fetch_log WHERE url LIKE '%/20__/%'")[0]
    assert logged["n"] == 300  # each article URL fetched once (sitemaps list some twice)
    stats = result.stderr
    assert int(re.search(r"'frontier/fed': (\d+)", stats).group(1)) == 300
    assert int(re.search(r"'frontier/duplicate': (\d+)", stats).group(1)) > 0
    # the frontier held the crawl and fed the scheduler a few requests at a time
    assert int(re.search(r"'frontier/max_waiting': (\d+)", stats).group(1)) > 200
    assert int(re.search(r"'frontier/max_scheduled': (\d+)", stats).group(1)) <= 8 + 10
