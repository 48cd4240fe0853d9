"""Feeds, sitemaps and robots.txt: parsed safely, with their dates."""

import gzip

import pytest

from ingest.discovery import (
    BadXML,
    UnsafeXML,
    feeds_from_html,
    iter_records,
    judge_article_url,
    judge_sitemap,
    parse_feed,
    parse_sitemap,
    sitemaps_from_robots,
)
from ingest.sources import Source

BASE = "http://news.test/"

RSS = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>T</title>
<item><title>A</title><link>http://news.test/a.html</link>
<pubDate>Tue, 05 Mar 2024 10:00:00 +0100</pubDate></item>
<item><title>B</title><guid isPermaLink="true">http://news.test/b.html</guid></item>
</channel></rss>"""

ATOM = b"""<feed xmlns="http://www.w3.org/2005/Atom"><title>T</title>
<entry><link rel="alternate" href="/c.html"/><link rel="edit" href="/x"/>
<updated>2024-03-05T10:00:00Z</updated></entry></feed>"""

NEWS_SITEMAP = b"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
        xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
<url><loc>http://news.test/d.html</loc><news:news>
<news:publication_date>2024-03-06T08:00:00+00:00</news:publication_date></news:news></url>
</urlset>"""

INDEX = b"""<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<sitemap><loc>http://news.test/s1.xml</loc><lastmod>2024-03-01</lastmod></sitemap>
</sitemapindex>"""

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">]>
<rss><channel><item><link>&lol2;</link></item></channel></rss>"""

XXE = b"""<?xml version="1.0"?><!DOCTYPE u [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>&xxe;</loc></url></urlset>"""


def test_rss_links_and_dates():
    entries = parse_feed(RSS, BASE)
    assert [e.url for e in entries] == ["http://news.test/a.html", "http://news.test/b.html"]
    assert entries[0].lastmod == "2024-03-05T09:00:00+00:00"


def test_atom_alternate_link_resolved():
    [entry] = parse_feed(ATOM, BASE)
    assert entry.url == "http://news.test/c.html"
    assert entry.lastmod == "2024-03-05T10:00:00+00:00"


def test_google_news_sitemap_date():
    [entry] = parse_sitemap(NEWS_SITEMAP, BASE)
    assert entry.url.endswith("/d.html") and entry.lastmod == "2024-03-06T08:00:00+00:00"


def test_sitemap_index_and_gzip():
    [entry] = parse_sitemap(gzip.compress(INDEX), BASE)
    assert entry.is_sitemap and entry.url.endswith("/s1.xml")


@pytest.mark.parametrize("body", [BILLION_LAUGHS, XXE])
def test_entity_declarations_refused(body):
    with pytest.raises(UnsafeXML):
        list(parse_sitemap(body, BASE))
    with pytest.raises(UnsafeXML):
        parse_feed(body, BASE)


def test_malformed_xml():
    with pytest.raises(BadXML):
        parse_feed(b"<rss><channel><item><link>http://x/</link></chanel>", BASE)


def test_gzip_bomb_refused():
    bomb = gzip.compress(b"<urlset>" + b" " * (60 * 1024 * 1024))
    with pytest.raises(BadXML, match="inflates"):
        list(parse_sitemap(bomb, BASE))


def test_large_sitemap_streams_in_bounded_memory():
    import resource

    rows = b"".join(b"<url><loc>http://news.test/a%d.html</loc></url>" % i for i in range(300_000))
    body = b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">' + rows + b"</urlset>"
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    count = sum(1 for _ in parse_sitemap(body, BASE))
    grown_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert count == 300_000
    assert grown_kb * 1024 < len(body) * 2  # a parsed tree would be many times the body


def test_robots_and_html_alternate():
    robots = (
        "User-agent: *\nDisallow: /private\nSitemap: /sitemap.xml\nsitemap: http://news.test/n.xml"
    )
    assert sitemaps_from_robots(robots, BASE) == [
        "http://news.test/sitemap.xml",
        "http://news.test/n.xml",
    ]
    html = '<head><link rel="alternate" type="application/rss+xml" href="/feed/"></head>'
    assert feeds_from_html(html, BASE) == ["http://news.test/feed/"]


MIXED_SITEMAP = b"""<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<url><loc>HTTP://News.Test/a.html?utm_source=x</loc><lastmod>2024-03-01</lastmod></url>
<url><loc>http://news.test/tag/politics/</loc></url>
<url><loc>http://elsewhere.test/b.html</loc></url>
<url><loc>http://news.test/c.jpg</loc></url>
<sitemap><loc>http://news.test/s2.xml</loc></sitemap>
<url><loc>http://news.test/very-long-story-name.html</loc></url>
</urlset>"""


def test_judge_sitemap_records_each_entry_as_the_crawler_would_judge_it():
    source = Source(name="n", domains=("news.test",))
    records, error, more = judge_sitemap(MIXED_SITEMAP, BASE, source, 40)
    assert (error, more) == (None, False)
    assert list(iter_records(records)) == [
        ["A", "http://news.test/a.html", "2024-03-01T00:00:00+00:00"],
        ["not_candidate"],  # a listing
        ["not_candidate"],  # another source's domain
        ["not_candidate"],  # a media file
        ["S", "http://news.test/s2.xml"],
        ["too_long"],
    ]
    assert judge_article_url(source, "http://news.test/x.html", 40) == (
        "http://news.test/x.html",
        None,
    )


def test_judge_sitemap_in_slices_reads_the_same_records():
    source = Source(name="n", domains=("news.test",))
    whole = list(iter_records(judge_sitemap(MIXED_SITEMAP, BASE, source, 2083)[0]))
    sliced, first, more = [], 0, True
    while more:
        records, error, more = judge_sitemap(MIXED_SITEMAP, BASE, source, 2083, first, 4)
        assert error is None
        sliced += list(iter_records(records))
        first += 4
    assert sliced == whole
    assert judge_sitemap(MIXED_SITEMAP, BASE, source, 2083, 0, 5)[2]  # one more to read
    assert not judge_sitemap(MIXED_SITEMAP, BASE, source, 2083, 0, 6)[2]


def test_judge_sitemap_keeps_the_entries_read_before_a_break():
    broken = MIXED_SITEMAP.replace(b"</urlset>", b"<url><loc>http://news.test/d.html</loc>")
    source = Source(name="n", domains=("news.test",))
    records, error, more = judge_sitemap(broken, BASE, source, 2083)
    assert error is not None and error.startswith("sitemap: not well-formed XML")
    assert len(list(iter_records(records))) == 6
    records, error, _ = judge_sitemap(BILLION_LAUGHS, BASE, source, 2083)
    assert records == "" and "entities" in error
