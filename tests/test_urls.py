"""URL rules that decide what is worth fetching."""

import pytest

from ingest.urls import canonicalize, is_amp, is_listing, is_loopback, is_media, strip_amp


def test_canonicalize_drops_tracking_fragment_default_port():
    url = "HTTP://Example.COM:80/news/a.html?utm_source=x&id=3&fbclid=y#top"
    assert canonicalize(url) == "http://example.com/news/a.html?id=3"


@pytest.mark.parametrize(
    ("amp", "plain"),
    [
        ("https://a.com/news/story/amp/", "https://a.com/news/story/"),
        ("https://a.com/news/story.amp.html", "https://a.com/news/story.html"),
        ("https://a.com/news/story?amp=1", "https://a.com/news/story"),
        ("https://amp.a.com/news/story", "https://a.com/news/story"),
    ],
)
def test_strip_amp(amp, plain):
    assert strip_amp(amp) == plain
    assert is_amp(amp) and not is_amp(plain)


@pytest.mark.parametrize(
    "url",
    [
        "https://a.com/",
        "https://a.com/tag/politics/",
        "https://a.com/author/jane/",
        "https://a.com/category/world/page/2/",
        "https://a.com/search?q=x",
    ],
)
def test_listing_urls(url):
    assert is_listing(url)


def test_article_urls_are_not_listings_or_media():
    url = "https://a.com/2024/05/03/city-council-votes-on-budget/"
    assert not is_listing(url) and not is_media(url)
    assert is_media("https://a.com/files/report.PDF") and is_media("https://a.com/i/x.jpg")


def test_loopback():
    assert is_loopback("http://127.0.0.1:8000/") and is_loopback("http://localhost/")
    assert not is_loopback("http://example.com/")


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://a.com/2024/05/03/budget/", True),
        ("https://a.com/news/city-council-votes-on-budget/", True),
        ("https://a.com/news/articles/c4g0xx9x5p8o", True),
        ("https://a.com/world/europe-68213421", True),
        ("https://a.com/careers/", False),
        ("https://a.com/about-us/", False),
        ("https://a.com/europa/", False),
        ("https://a.com/", False),
    ],
)
def test_looks_like_article_url(url, expected):
    from ingest.urls import looks_like_article_url

    assert looks_like_article_url(url) is expected


@pytest.mark.parametrize(
    ("url", "canonical"),
    [
        ("http://127.0.0.1:8731/2021/01/a-story/", "http://127.0.0.1:8731/2021/01/a-story/"),
        ("https://example.com", "https://example.com/"),
        ("http://example.com:80/a", "http://example.com/a"),
        ("https://example.com:443", "https://example.com/"),
        ("https://example.com:80/a", "https://example.com:80/a"),
        ("  http://example.com/a b  ", "http://example.com/a b"),
        ("http://example.com/a\tb", "http://example.com/ab"),  # urlsplit drops tabs
        ("http://Example.com/a", "http://example.com/a"),
        ("http://example.com//a//", "http://example.com//a//"),
        ("http://example.com/a?utm_source=x", "http://example.com/a"),
        ("http://example.com/a#top", "http://example.com/a"),
        ("http://user@example.com/a", "http://example.com/a"),
    ],
)
def test_canonicalize_plain_urls_take_the_short_way_to_the_same_result(url, canonical):
    """Most URLs are already canonical: a regex check returns them without urlsplit; the
    result must be what the long way gives for every shape near the short way's edges."""
    assert canonicalize(url) == canonical


def test_canonicalize_refuses_a_port_out_of_range_either_way():
    with pytest.raises(ValueError):
        canonicalize("http://example.com:99999/a")
