"""The generated fixture sites are well formed and say what expected_records says they say."""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from lxml import etree, html

from ingest.sitegen import (
    BASE,
    DEMO_SITES,
    build_site,
    demo_articles,
    expected_records,
    iter_expected,
)
from ingest.sitegen.boilerplate import PHRASES
from ingest.sitegen.synthetic import build_synthetic_site, page_size_for, synthetic_articles

NS = {
    "sm": "http://www.sitemaps.org/schemas/sitemap/0.9",
    "news": "http://www.google.com/schemas/sitemap-news/0.9",
    "atom": "http://www.w3.org/2005/Atom",
}


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, object]]:
    root = tmp_path_factory.mktemp("sites")
    out = {}
    for name in DEMO_SITES:
        manifest = build_site(root / name, demo_articles(name), name, per_page=3)
        out[name] = (root / name, manifest)
    return out


def resolve(root: Path, url_path: str) -> Path | None:
    """File the web server would answer for a root-relative path."""
    rel = url_path.lstrip("/")
    target = root / rel
    if url_path.endswith("/"):
        for index in ("index.html", "index.rss", "index.atom", "index.xml"):
            if (target / index).is_file():
                return target / index
        return None
    return target if target.is_file() else None


def xml_at(root: Path, url: str) -> etree._Element:
    path = resolve(root, url.removeprefix(BASE))
    assert path is not None, f"{url} does not exist"
    return etree.fromstring(path.read_bytes())


def test_demo_dataset_covers_languages_and_sites() -> None:
    articles = demo_articles()
    assert 12 <= len(articles) <= 20
    assert {a.language for a in articles} >= {"en", "de", "es", "fr", "ru", "ja"}
    assert {a.site for a in articles} == set(DEMO_SITES)
    assert len({a.slug for a in articles}) == len(articles)
    for a in articles:
        assert a.published.utcoffset() is not None and a.modified >= a.published
        assert len(a.paragraphs) >= 4
    with pytest.raises(ValueError, match="unknown demo site"):
        demo_articles("nope")


@pytest.mark.parametrize("name", DEMO_SITES)
def test_sitemaps_list_every_article(sites, name: str) -> None:
    root, manifest = sites[name]
    robots = (root / "robots.txt").read_text()
    announced = re.findall(r"^Sitemap: (\S+)$", robots, re.M)
    assert announced and all(u.startswith(BASE + "/") for u in announced)
    locs: set[str] = set()
    todo = list(announced)
    seen = set()
    while todo:
        url = todo.pop()
        if url in seen:
            continue
        seen.add(url)
        doc = xml_at(root, url)
        todo += doc.xpath("//sm:sitemap/sm:loc/text()", namespaces=NS)
        locs |= set(doc.xpath("//sm:url/sm:loc/text()", namespaces=NS))
    articles = {BASE + p for p in manifest.articles}
    assert articles <= locs
    for loc in locs:  # everything listed exists
        assert resolve(root, loc.removeprefix(BASE)) is not None, loc


@pytest.mark.parametrize("name", DEMO_SITES)
def test_news_sitemap_dates(sites, name: str) -> None:
    root, manifest = sites[name]
    expected = expected_records(demo_articles(name), name)
    doc = xml_at(root, manifest.news_sitemap)
    rows = doc.xpath("//sm:url", namespaces=NS)
    assert len(rows) == len(expected)
    for row in rows:
        loc = row.findtext("sm:loc", namespaces=NS)
        date = row.findtext("news:news/news:publication_date", namespaces=NS)
        assert row.findtext("sm:lastmod", namespaces=NS)
        assert date == expected[loc]["published_at"]
        assert row.findtext("news:news/news:title", namespaces=NS) == expected[loc]["title"]


@pytest.mark.parametrize("name", DEMO_SITES)
def test_feeds_parse_and_link_articles(sites, name: str) -> None:
    root, manifest = sites[name]
    rss_path, atom_path = manifest.feeds
    rss = xml_at(root, rss_path)
    assert rss.tag == "rss" and rss.get("version") == "2.0"
    links = rss.xpath("//item/link/text()")
    assert links and set(links) <= {BASE + p for p in manifest.articles}
    for date in rss.xpath("//item/pubDate/text()"):
        assert re.match(r"\w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d [+-]\d{4}$", date)
    atom = xml_at(root, atom_path)
    assert atom.tag == "{http://www.w3.org/2005/Atom}feed"
    entries = atom.xpath("//atom:entry/atom:link/@href", namespaces=NS)
    assert entries == links


@pytest.mark.parametrize("name", DEMO_SITES)
def test_pages_announce_feed_and_links_resolve(sites, name: str) -> None:
    """Every root-relative link on every page points to a file the server has."""
    root, manifest = sites[name]
    pages = manifest.articles + manifest.amp + manifest.listings + manifest.pages
    for page in pages:
        doc = html.fromstring(resolve(root, page).read_bytes())
        feeds = doc.xpath('//link[@rel="alternate"][@type="application/rss+xml"]/@href')
        if page not in manifest.amp:
            assert feeds, page
        for ref in doc.xpath("//a/@href | //img/@src | //link[@rel='stylesheet']/@href"):
            ref = ref.replace(BASE, "")
            if ref.startswith("/") and not ref.startswith("//"):
                assert resolve(root, urlsplit(ref).path) is not None, f"{page} -> {ref}"


@pytest.mark.parametrize("name", DEMO_SITES)
def test_expected_records_match_pages(sites, name: str) -> None:
    root, manifest = sites[name]
    records = expected_records(demo_articles(name), name)
    assert sorted(r["path"] for r in records.values()) == sorted(manifest.articles)
    for url, record in records.items():
        page = resolve(root, record["path"]).read_text()
        doc = html.fromstring(page)
        page_text = doc.text_content()
        assert record["text"] == "\n\n".join(record["paragraphs"])
        for paragraph in record["paragraphs"]:
            assert paragraph in page_text, (url, paragraph)
        assert record["boilerplate"], url
        for junk in record["boilerplate"]:
            assert junk in page_text, (url, junk)  # really on the page...
            assert junk not in record["text"]  # ...and not part of the article
        assert doc.xpath("string(//h1)").strip() == record["title"]
        for author in record["authors"]:
            assert author in page_text
        assert record["published_at"] in page  # in <time datetime> or metadata


def test_wordpress_boilerplate_and_structured_data(sites) -> None:
    root, manifest = sites["wordpress"]
    records = expected_records(demo_articles("wordpress"), "wordpress")
    ferry = next(r for r in records.values() if r["title"].startswith("Port Alder council"))
    page = resolve(root, ferry["path"]).read_text()
    text = html.fromstring(page).text_content()
    for phrase in (
        "- Advertisement -",
        "Subscribe to our newsletter",
        "Sign up here to get the latest news, updates and special offers delivered "
        "directly to your inbox.",
        "Get real time updates directly on you device, subscribe now.",
        "Read also:",
    ):
        assert phrase in text
    assert re.search(r"\b0\s+2,862\b", " ".join(text.split()))
    doc = html.fromstring(page)
    (ld,) = doc.xpath('//script[@type="application/ld+json"]/text()')
    graph = json.loads(ld)["@graph"]
    article = next(n for n in graph if n["@type"] == "NewsArticle")
    assert article["headline"] == ferry["title"]
    assert article["datePublished"] == ferry["published_at"]
    assert [a["name"] for a in article["author"]] == ferry["authors"]
    assert doc.xpath('string(//link[@rel="canonical"]/@href)') == ferry["url"]
    assert doc.xpath('string(//meta[@property="og:url"]/@content)') == ferry["url"]
    assert (
        doc.xpath('string(//meta[@property="article:published_time"]/@content)')
        == (ferry["published_at"])
    )
    amp_path = ferry["amp_url"].removeprefix(BASE)
    amp = html.fromstring(resolve(root, amp_path).read_bytes())
    assert amp.xpath('string(//link[@rel="canonical"]/@href)') == ferry["url"]
    assert doc.xpath('string(//link[@rel="amphtml"]/@href)') == ferry["amp_url"]
    assert len(manifest.amp) == 2


def test_portal_uses_microdata(sites) -> None:
    root, _ = sites["portal"]
    records = expected_records(demo_articles("portal"), "portal")
    for record in records.values():
        doc = html.fromstring(resolve(root, record["path"]).read_bytes())
        assert not doc.xpath('//script[@type="application/ld+json"]')
        assert doc.xpath('string(//*[@itemprop="headline"])') == record["title"]
        assert (
            doc.xpath('string(//time[@itemprop="datePublished"]/@datetime)')
            == (record["published_at"])
        )
        names = doc.xpath('//*[@itemprop="author"]//*[@itemprop="name"]/text()')
        assert names == record["authors"]


def test_minimal_has_no_structured_data(sites) -> None:
    root, manifest = sites["minimal"]
    for path in manifest.articles:
        page = resolve(root, path).read_text()
        assert "ld+json" not in page and "og:" not in page and "canonical" not in page
        assert "itemprop" not in page
    for record in expected_records(demo_articles("minimal"), "minimal").values():
        assert record["description"] is None and record["modified_at"] is None


def test_ad_markers_in_several_languages(sites) -> None:
    seen = set()
    for name in DEMO_SITES:
        root, manifest = sites[name]
        for path in manifest.articles:
            text = resolve(root, path).read_text()
            seen |= {lang for lang, p in PHRASES.items() if p.advertisement in text}
    assert {"en", "de", "es", "fr", "ru", "ja"} <= seen


def test_pagination(sites) -> None:
    root, manifest = sites["wordpress"]  # 9 articles, 3 a page
    assert {"/", "/page/2/", "/page/3/"} <= set(manifest.listings)
    page2 = html.fromstring(resolve(root, "/page/2/").read_bytes())
    assert page2.xpath('//a[@href="/page/3/"]') and page2.xpath('//a[@href="/"]')


def test_base_url_baked_in(tmp_path: Path) -> None:
    build_site(tmp_path, demo_articles("minimal"), "minimal", base_url="http://news.test:81")
    for path in tmp_path.rglob("*"):
        if path.suffix in (".html", ".xml", ".txt", ".rss", ".atom"):
            assert BASE not in path.read_text(), path
    assert "Sitemap: http://news.test:81/sitemap.xml" in (tmp_path / "robots.txt").read_text()


def test_unknown_theme(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown theme 'nope'"):
        build_site(tmp_path, demo_articles("minimal"), "nope")


def test_synthetic_is_deterministic_and_lazy() -> None:
    a, b = synthetic_articles(50, seed=7), synthetic_articles(50_000_000, seed=7)
    assert a[42].title == b[42].title and a[42].paragraphs == b[42].paragraphs
    assert a.summary(42).published == a[42].published
    other = synthetic_articles(50, seed=8)
    assert other[42].paragraphs != a[42].paragraphs
    dates = [a.summary(i).published for i in range(50)]
    assert dates == sorted(dates) and all(d.utcoffset() is not None for d in dates)
    assert len({a.summary(i).slug for i in range(50)}) == 50
    with pytest.raises(IndexError):
        a[50]


def test_synthetic_site(tmp_path: Path) -> None:
    n = 120
    manifest = build_site(
        tmp_path / "s1",
        synthetic_articles(n, 3),
        "wordpress",
        page_size=page_size_for(3),
        sitemap_size=50,
        per_page=20,
    )
    build_site(
        tmp_path / "s2",
        synthetic_articles(n, 3),
        "wordpress",
        page_size=page_size_for(3),
        sitemap_size=50,
        per_page=20,
    )
    assert len(manifest.articles) == n and len(manifest.amp) == n // 5
    sizes = [resolve(tmp_path / "s1", p).stat().st_size for p in manifest.articles]
    assert min(sizes) >= 60_000 and max(sizes) <= 155_000
    for path in manifest.articles[::17] + manifest.sitemaps:
        one = resolve(tmp_path / "s1", path).read_bytes()
        assert one == resolve(tmp_path / "s2", path).read_bytes()  # same seed, same bytes
    # sitemaps split at 50 URLs and together list every article
    index = xml_at(tmp_path / "s1", "/sitemap_index.xml")
    children = index.xpath("//sm:loc/text()", namespaces=NS)
    locs = set()
    for child in children:
        locs |= set(xml_at(tmp_path / "s1", child).xpath("//sm:url/sm:loc/text()", namespaces=NS))
    assert {BASE + p for p in manifest.articles} <= locs
    assert len([c for c in children if "post-sitemap" in c]) == 3
    records = list(iter_expected(synthetic_articles(n, 3), "wordpress"))
    assert [r["path"] for r in records] == manifest.articles
    for record in records[::29]:
        page = html.fromstring(resolve(tmp_path / "s1", record["path"]).read_bytes())
        text = page.text_content()
        assert all(p in text for p in record["paragraphs"])
        assert all(junk in text for junk in record["boilerplate"])


def test_build_synthetic_site_reuses(tmp_path: Path) -> None:
    first = build_synthetic_site(tmp_path, 30, seed=1)
    again = build_synthetic_site(tmp_path, 30, seed=1)
    assert not first["reused"] and again["reused"] and again["articles"] == 30
    changed = build_synthetic_site(tmp_path, 31, seed=1)
    assert not changed["reused"] and changed["articles"] == 31
