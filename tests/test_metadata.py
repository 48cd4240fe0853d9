"""Metadata extraction on small hand-written pages, one behaviour per test.

Each page is a minimal stand-in for a pattern seen on real news sites (Yoast JSON-LD graphs,
WordPress bylines, AMP copies, related-post sidebars); the expected values are written out so a
regression in any rule fails here.
"""

from __future__ import annotations

from datetime import UTC, datetime

import lxml.html
import pytest

from ingest.dates import normalise_date, parse_date
from ingest.language import normalise_language
from ingest.metadata import extract_metadata, parse_json_lenient, split_names

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
URL = "https://news.example.com/2024/05/city-council-votes"


def meta_of(html: str, url: str = URL) -> dict:
    return extract_metadata(lxml.html.document_fromstring(html), url, now=NOW)


def page(head: str = "", body: str = "", html_attrs: str = "") -> str:
    return f"<html {html_attrs}><head>{head}</head><body>{body}</body></html>"


def ld(json_text: str) -> str:
    return f'<script type="application/ld+json">{json_text}</script>'


# --------------------------------------------------------------------------- JSON-LD

YOAST_GRAPH = ld("""{
  "@context": "https://schema.org",
  "@graph": [
    {"@type": "NewsArticle", "@id": "https://news.example.com/2024/05/city-council-votes#article",
     "isPartOf": {"@id": "https://news.example.com/2024/05/city-council-votes"},
     "author": {"@id": "https://news.example.com/#/schema/person/1"},
     "headline": "City council votes to expand bike lanes",
     "datePublished": "2024-05-03T08:15:00+02:00",
     "dateModified": "2024-05-04T09:00:00+02:00",
     "image": {"@id": "https://news.example.com/2024/05/city-council-votes#primaryimage"},
     "articleSection": ["Local", "Transport"],
     "keywords": ["bikes", "council", "Bikes"],
     "inLanguage": "en-GB",
     "publisher": {"@id": "https://news.example.com/#organization"}},
    {"@type": "WebPage", "@id": "https://news.example.com/2024/05/city-council-votes",
     "url": "https://news.example.com/2024/05/city-council-votes",
     "name": "City council votes to expand bike lanes - Example News",
     "datePublished": "2020-01-01T00:00:00+00:00"},
    {"@type": "ImageObject",
     "@id": "https://news.example.com/2024/05/city-council-votes#primaryimage",
     "url": "https://news.example.com/img/bikes.jpg"},
    {"@type": "Organization", "@id": "https://news.example.com/#organization",
     "name": "Example News"},
    {"@type": "Person", "@id": "https://news.example.com/#/schema/person/1",
     "name": "Jane Doe"}
  ]
}""")


def test_jsonld_graph_with_id_references() -> None:
    meta = meta_of(page(YOAST_GRAPH))
    assert meta["title"] == "City council votes to expand bike lanes"
    assert meta["authors"] == ["Jane Doe"]
    assert meta["published_at"] == "2024-05-03T08:15:00+02:00"
    assert meta["modified_at"] == "2024-05-04T09:00:00+02:00"
    assert meta["image"] == "https://news.example.com/img/bikes.jpg"
    assert meta["section"] == "Local"
    assert meta["tags"] == ["bikes", "council"]
    assert meta["language"] == "en"  # from inLanguage "en-GB"
    assert meta["site_name"] == "Example News"
    assert meta["url"] == URL
    assert meta["types"][0] == "NewsArticle"
    assert {"WebPage", "Organization", "Person"} <= set(meta["types"])
    assert meta["is_paywalled"] is False


def test_jsonld_in_language_used_when_nothing_else_declares() -> None:
    doc = page(ld('{"@type": "NewsArticle", "headline": "H", "inLanguage": "pt-BR"}'))
    assert meta_of(doc)["language"] == "pt"


def test_author_objects_lists_and_organisations() -> None:
    doc = page(
        ld("""{"@type": "NewsArticle", "headline": "Storm hits coast",
        "author": [
          {"@type": "Person", "name": "By Jane Doe"},
          {"@type": "Person", "givenName": "Ana", "familyName": "Lima"},
          {"@type": "Organization", "name": "Example News"},
          {"@type": "Person", "name": "jane doe"},
          "https://news.example.com/author/john"
        ]}""")
    )
    assert meta_of(doc)["authors"] == ["Jane Doe", "Ana Lima"]


def test_organisation_author_kept_when_no_person_is_named() -> None:
    doc = page(
        ld(
            '{"@type": "NewsArticle", "headline": "H", "author": {"@type": "Organization", '
            '"name": "Reuters"}}'
        )
    )
    assert meta_of(doc)["authors"] == ["Reuters"]


def test_organisation_posing_as_author_dropped_when_byline_names_a_person() -> None:
    doc = page(
        '<meta name="author" content="Example News">',
        '<article><h1>Storm hits coast</h1><p class="byline">By Jane Doe</p></article>',
    )
    assert meta_of(doc)["authors"] == ["Jane Doe"]


def test_broken_jsonld_is_repaired() -> None:
    broken = (
        "<!--//--><![CDATA[//><!--\n"
        '{"@type": "NewsArticle", // the headline\n'
        ' "headline": "Line one\nline two",\n'
        ' "author": {"@type": "Person", "name": "O\\\'Brien Kate",},\n'
        ' "datePublished": "2024-05-03T10:00:00Z",}\n'
        "//--><!]]>"
    )
    meta = meta_of(page(ld(broken)))
    assert meta["title"] == "Line one line two"
    assert meta["authors"] == ["O'Brien Kate"]
    assert meta["published_at"] == "2024-05-03T10:00:00+00:00"


def test_parse_json_lenient_concatenated_objects() -> None:
    assert parse_json_lenient('{"a": 1}\n{"b": 2}') == [{"a": 1}, {"b": 2}]
    assert parse_json_lenient("not json at all") is None


def test_related_article_nodes_do_not_lend_their_values() -> None:
    older = (
        '{"@type": "NewsArticle", "headline": "Older story", "url": "https://news.example.com/old",'
        ' "datePublished": "2023-01-01T00:00:00Z",'
        ' "author": {"@type": "Person", "name": "Max Other"}}'
    )
    own = (
        f'{{"@type": "NewsArticle", "headline": "City council votes", "url": "{URL}",'
        ' "datePublished": "2024-05-03T10:00:00Z",'
        ' "author": {"@type": "Person", "name": "Jane Doe"}}'
    )
    related = ld(f"[{older}, {own}]")
    meta = meta_of(page(related))
    assert meta["title"] == "City council votes"
    assert meta["published_at"] == "2024-05-03T10:00:00+00:00"
    assert meta["authors"] == ["Jane Doe"]


def test_jsonld_wins_over_opengraph() -> None:
    doc = page(
        '<meta property="og:title" content="SEO title | Example News">'
        '<meta property="article:published_time" content="2024-05-01T00:00:00Z">'
        '<meta property="og:description" content="OG description">'
        + ld(
            '{"@type": "NewsArticle", "headline": "The real headline", '
            '"datePublished": "2024-05-03T10:00:00Z", "description": "LD description"}'
        )
    )
    meta = meta_of(doc)
    assert meta["title"] == "The real headline"
    assert meta["published_at"] == "2024-05-03T10:00:00+00:00"
    assert meta["description"] == "LD description"


def test_opengraph_and_article_meta() -> None:
    doc = page(
        '<meta property="og:title" content="Council votes | Example News">'
        '<meta property="og:site_name" content="Example News">'
        '<meta property="og:type" content="article">'
        '<meta property="og:image" content="/img/lead.jpg">'
        '<meta property="article:section" content="Politics">'
        '<meta property="article:tag" content="council">'
        '<meta property="article:tag" content="vote">'
        '<meta property="article:modified_time" content="2024-05-04T10:00:00-04:00">'
        '<meta property="article:published_time" content="2024-05-03T10:00:00-04:00">'
        '<meta name="description" content="A short summary.">'
    )
    meta = meta_of(doc)
    assert meta["title"] == "Council votes"
    assert meta["site_name"] == "Example News"
    assert meta["image"] == "https://news.example.com/img/lead.jpg"
    assert meta["section"] == "Politics"
    assert meta["tags"] == ["council", "vote"]
    assert meta["published_at"] == "2024-05-03T10:00:00-04:00"
    assert meta["modified_at"] == "2024-05-04T10:00:00-04:00"
    assert meta["description"] == "A short summary."
    assert meta["types"] == ["og:article"]


def test_dublin_core_parsely_and_sailthru_meta() -> None:
    doc = page(
        '<meta name="parsely-author" content="Jane Doe">'
        '<meta name="sailthru.date" content="2024-05-03 10:00:00">'
        '<meta name="parsely-section" content="Science">'
        '<meta name="dc.language" content="nl">'
        '<meta name="parsely-tags" content="space, moon">'
    )
    meta = meta_of(doc)
    assert meta["authors"] == ["Jane Doe"]
    assert meta["published_at"] == "2024-05-03T10:00:00+00:00"
    assert meta["section"] == "Science"
    assert meta["language"] == "nl"
    assert meta["tags"] == ["space", "moon"]


def test_microdata_article() -> None:
    body = """<div itemscope itemtype="https://schema.org/NewsArticle">
      <h1 itemprop="headline">Microdata headline</h1>
      <span itemprop="author" itemscope itemtype="https://schema.org/Person">
        By <span itemprop="name">Jane Doe</span></span>
      <meta itemprop="datePublished" content="2024-05-03T10:00:00+01:00">
      <div itemprop="articleBody"><p>Text.</p></div></div>"""
    meta = meta_of(page("<title>Other | Example</title>", body))
    assert meta["title"] == "Microdata headline"
    assert meta["authors"] == ["Jane Doe"]
    assert meta["published_at"] == "2024-05-03T10:00:00+01:00"
    assert "NewsArticle" in meta["types"]


# --------------------------------------------------------------------------- bylines


def test_byline_two_authors_with_by_and_and() -> None:
    doc = page(body='<h1>Storm</h1><div class="byline">By Jane Doe and John Roe</div>')
    assert meta_of(doc)["authors"] == ["Jane Doe", "John Roe"]


def test_byline_email_the_author_and_links() -> None:
    doc = page(
        body='<article><h1>Storm</h1><p class="byline">By <a rel="author" href="/a/jd">Jane '
        'Doe</a>, <a rel="author" href="/a/jr">John Roe</a> | <a href="mailto:jd@x.com">Email '
        "the author</a> | Updated May 3, 2024</p></article>"
    )
    assert meta_of(doc)["authors"] == ["Jane Doe", "John Roe"]


def test_sidebar_and_comment_bylines_ignored() -> None:
    doc = page(
        body="""<aside class="related-posts"><div class="post"><span class="author">By Max
        Other</span></div></aside>
        <article><h1>Storm hits coast</h1><span class="author-name">Jane Doe</span>
        <p>Text.</p></article>
        <div id="comments"><span class="comment-author">Troll Person</span></div>"""
    )
    assert meta_of(doc)["authors"] == ["Jane Doe"]


def test_sidebar_byline_only_gives_no_author() -> None:
    doc = page(
        body='<article><h1>Storm</h1><p>Text.</p></article><div class="sidebar">'
        '<span class="byline">By Max Other</span></div>'
    )
    assert meta_of(doc)["authors"] == []


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("By Jane Doe and John Roe", ["Jane Doe", "John Roe"]),
        ("BY JANE DOE AND JOHN ROE", ["JANE DOE", "JOHN ROE"]),
        ("Von Max Mustermann und Erika Musterfrau", ["Max Mustermann", "Erika Musterfrau"]),
        ("Por María García y Luis Pérez", ["María García", "Luis Pérez"]),
        ("Jane Doe, Staff Writer", ["Jane Doe"]),
        ("Jane Doe - Senior Correspondent", ["Jane Doe"]),
        ("Written by Jane Doe Email the author", ["Jane Doe"]),
        ("Jane Doe (AP)", ["Jane Doe"]),
        ("Jane Doe @janedoe", ["Jane Doe"]),
        ("Ludwig van Beethoven", ["Ludwig van Beethoven"]),
        ("admin", []),
        ("Posted on May 3, 2024", []),
        ("https://www.facebook.com/janedoe", []),
    ],
)
def test_split_names(text: str, names: list[str]) -> None:
    assert split_names(text) == names


# --------------------------------------------------------------------------- dates


@pytest.mark.parametrize(
    ("value", "iso"),
    [
        ("2024-05-03T10:00:00+02:00", "2024-05-03T10:00:00+02:00"),
        ("2024-05-03T10:00:00.123Z", "2024-05-03T10:00:00+00:00"),
        ("2024-05-03 10:00:00 +0200", "2024-05-03T10:00:00+02:00"),
        ("2024-05-03T10:00:00", "2024-05-03T10:00:00+00:00"),  # no timezone: UTC
        ("2024-05-03", "2024-05-03T00:00:00+00:00"),
        ("2024/05/03 10:00", "2024-05-03T10:00:00+00:00"),
        ("20240503T100000Z", "2024-05-03T10:00:00+00:00"),
        ("Fri, 03 May 2024 10:00:00 GMT", "2024-05-03T10:00:00+00:00"),
        ("Fri, 03 May 2024 10:00:00 -0400", "2024-05-03T10:00:00-04:00"),
        ("1714730400", "2024-05-03T10:00:00+00:00"),
        ("1714730400000", "2024-05-03T10:00:00+00:00"),
        ("03.05.2024 10:00", "2024-05-03T10:00:00+00:00"),
        ("May 3, 2024 at 10:05 pm", "2024-05-03T22:05:00+00:00"),
        ("3 May 2024", "2024-05-03T00:00:00+00:00"),
        ("2030-01-01T00:00:00Z", None),  # future
        ("1970-01-01T00:00:00Z", None),  # template default
        ("yesterday", None),
        ("2024-13-45", None),
    ],
)
def test_normalise_date(value: str, iso: str | None) -> None:
    assert normalise_date(value, NOW) == iso


def test_parsed_dates_are_timezone_aware() -> None:
    parsed = parse_date("2024-05-03 10:00")
    assert parsed is not None and parsed.tzinfo is not None


def test_future_structured_date_rejected_for_the_next_source() -> None:
    doc = page(
        '<meta property="article:published_time" content="2024-05-03T10:00:00Z">'
        + ld(
            '{"@type": "NewsArticle", "headline": "H", "datePublished": "2031-01-01T00:00:00Z",'
            ' "dateModified": "2031-01-02T00:00:00Z"}'
        )
    )
    meta = meta_of(doc)
    assert meta["published_at"] == "2024-05-03T10:00:00+00:00"
    assert meta["modified_at"] is None


def test_modified_before_published_is_dropped() -> None:
    doc = page(
        '<meta property="article:published_time" content="2024-05-03T10:00:00Z">'
        '<meta property="article:modified_time" content="2024-05-01T10:00:00Z">'
    )
    assert meta_of(doc)["modified_at"] is None


def test_modified_compared_with_published_as_instants_not_strings() -> None:
    """10:30+02:00 is 08:30 UTC: after 08:00 UTC, though the string sorts before it."""
    doc = page(
        '<meta property="article:published_time" content="2024-05-03T08:00:00+00:00">'
        '<meta property="article:modified_time" content="2024-05-03T10:30:00+02:00">'
    )
    assert meta_of(doc)["modified_at"] == "2024-05-03T10:30:00+02:00"
    doc = page(
        '<meta property="article:published_time" content="2024-05-03T09:00:00+00:00">'
        '<meta property="article:modified_time" content="2024-05-03T10:30:00+02:00">'
    )
    assert meta_of(doc)["modified_at"] is None


def test_time_element_of_article_not_of_related_posts_or_footer() -> None:
    doc = page(
        body="""<div class="sidebar"><ul class="related">
          <li><a href="/x">Other</a> <time datetime="2024-05-20T10:00:00Z">May 20</time></li>
        </ul></div>
        <article><h1>Storm hits coast</h1>
          <div class="meta"><time class="published" datetime="2024-05-03T08:00:00+02:00">
          3 May</time> <time class="updated" datetime="2024-05-03T12:00:00+02:00">12:00</time>
          </div><p>Text.</p></article>
        <footer><time datetime="2025-05-31T00:00:00Z">Copyright</time></footer>""",
    )
    meta = meta_of(doc, "https://news.example.com/storm-hits-coast")
    assert meta["published_at"] == "2024-05-03T08:00:00+02:00"
    assert meta["modified_at"] == "2024-05-03T12:00:00+02:00"


def test_htmldate_fallback_uses_the_url_date() -> None:
    doc = page(body="<h1>Storm</h1><p>Text without any date.</p>")
    meta = meta_of(doc, "https://news.example.com/2024/05/03/storm-hits-coast/")
    assert meta["published_at"] == "2024-05-03T00:00:00+00:00"


def test_publication_date_under_a_site_specific_meta_name() -> None:
    doc = page('<meta name="DCSext.articleFirstPublished" content="2019-02-05 16:07">')
    assert meta_of(doc)["published_at"] == "2019-02-05T16:07:00+00:00"


def test_date_in_title_beats_dates_in_image_captions() -> None:
    doc = page(
        "<title>Storm hits coast | Europe | EXN | 28.04.2023</title>",
        '<h1>Storm hits coast</h1><img src="/a.jpg" alt="The coast, 24 April 2023">'
        "<p>Photo taken 24 April 2023.</p>",
    )
    meta = meta_of(doc, "https://news.example.com/storm-hits-coast/a-65464327")
    assert meta["published_at"] == "2023-04-28T00:00:00+00:00"


def test_no_date_at_all() -> None:
    doc = page(body="<h1>Storm</h1><p>Text without any date.</p>")
    assert meta_of(doc, "https://news.example.com/storm")["published_at"] is None


# --------------------------------------------------------------------------- canonical URL


def test_relative_canonical_is_made_absolute() -> None:
    doc = page('<link rel="canonical" href="/2024/05/city-council-votes">')
    assert meta_of(doc, URL + "?utm_source=rss")["url"] == URL


def test_amp_page_canonical_points_to_the_article() -> None:
    doc = page(
        '<link rel="canonical" href="https://news.example.com/2024/05/city-council-votes/">',
        html_attrs="amp",
    )
    meta = meta_of(doc, "https://news.example.com/2024/05/city-council-votes/amp/")
    assert meta["url"] == "https://news.example.com/2024/05/city-council-votes/"


def test_amp_url_declared() -> None:
    doc = page('<link rel="amphtml" href="/2024/05/city-council-votes/amp/">')
    assert meta_of(doc)["amp_url"] == "https://news.example.com/2024/05/city-council-votes/amp/"


@pytest.mark.parametrize(
    "bad",
    [
        "https://news.example.com/",  # site root
        "https://other.example.org/",  # another domain's home page
        "https://other.example.org/en",
        "https://news.example.com/2024",  # a parent section of the article
        "javascript:void(0)",
    ],
)
def test_wrong_canonicals_ignored(bad: str) -> None:
    doc = page(f'<link rel="canonical" href="{bad}"><meta property="og:url" content="{URL}">')
    assert meta_of(doc, URL + "?ref=rss")["url"] == URL


def test_canonical_falls_back_to_fetched_url_without_fragment() -> None:
    assert meta_of(page(), URL + "#comments")["url"] == URL


def test_non_ascii_canonical_is_percent_encoded() -> None:
    doc = page('<link rel="canonical" href="/artikel/474126.orden-fürs-morden.html">')
    assert meta_of(doc)["url"] == (
        "https://news.example.com/artikel/474126.orden-f%C3%BCrs-morden.html"
    )


def test_cross_domain_article_canonical_is_kept() -> None:
    syndicated = "https://wire.example.org/2024/05/03/council-votes"
    doc = page(f'<link rel="canonical" href="{syndicated}">')
    assert meta_of(doc)["url"] == syndicated


# --------------------------------------------------------------------------- language


@pytest.mark.parametrize(
    ("head", "attrs", "lang"),
    [
        ("", 'lang="de-DE"', "de"),
        ('<meta property="og:locale" content="fr_FR">', "", "fr"),
        ('<meta http-equiv="content-language" content="es">', "", "es"),
        ('<meta http-equiv="Content-Language" content="en-us, fr">', "", "en"),
        ('<meta property="og:locale" content="fr_FR">', 'lang="it"', "it"),
        ("", 'xml:lang="iw"', "he"),
        ("", 'lang="x-default"', None),
        ("", "", None),
    ],
)
def test_declared_language(head: str, attrs: str, lang: str | None) -> None:
    assert meta_of(page(head, html_attrs=attrs))["language"] == lang


@pytest.mark.parametrize(
    ("tag", "code"),
    [("en-US", "en"), ("zh-Hans-CN", "zh"), ("pt_BR", "pt"), ("eng", "en"), ("und", None)],
)
def test_normalise_language(tag: str, code: str | None) -> None:
    assert normalise_language(tag) == code


# --------------------------------------------------------------------------- title


@pytest.mark.parametrize(
    ("head", "title"),
    [
        ("<title>Council votes on bikes | Example News</title>", "Council votes on bikes"),
        ("<title>Example News - Council votes on bikes</title>", "Council votes on bikes"),
        (
            '<meta property="og:title" content="Council votes on bikes – news.example.com">',
            "Council votes on bikes",
        ),
        (
            "<title>Council votes on bikes | Politics | Example News</title>",
            "Council votes on bikes",
        ),
        ("<title>Council votes: bikes win - Example News</title>", "Council votes: bikes win"),
        ("<title>Trump – the reckoning</title>", "Trump – the reckoning"),
    ],
)
def test_title_site_name_cut(head: str, title: str) -> None:
    doc = page(head + '<meta property="og:site_name" content="Example News">')
    assert meta_of(doc)["title"] == title


def test_title_from_visible_headline_when_title_tag_chains_site_and_section() -> None:
    doc = page(
        "<title>EXNEWS: World : Council votes to expand bike lanes</title>",
        '<div class="nav"><h1>EXNEWS</h1></div><h2 class="headline">Council votes to expand '
        "bike lanes</h2><p>Text.</p>",
    )
    assert meta_of(doc)["title"] == "Council votes to expand bike lanes"


def test_title_from_h1_when_title_tag_is_only_the_site_name() -> None:
    doc = page("<title>Example News</title>", "<h1>Council votes to expand bike lanes</h1>")
    assert meta_of(doc)["title"] == "Council votes to expand bike lanes"


# --------------------------------------------------------------------------- paywall, types


def test_paywalled_article_with_css_selector() -> None:
    doc = page(
        ld("""{"@type": "NewsArticle", "headline": "H", "isAccessibleForFree": "False",
        "hasPart": {"@type": "WebPageElement", "isAccessibleForFree": false,
                    "cssSelector": ".paywall"}}""")
    )
    meta = meta_of(doc)
    assert meta["is_paywalled"] is True
    assert meta["paywall_selectors"] == [".paywall"]


def test_listing_page_types() -> None:
    doc = page(
        '<meta property="og:type" content="website">'
        + ld('{"@type": "CollectionPage", "name": "Politics"}')
        + ld('{"@type": "ItemList", "itemListElement": []}')
    )
    assert meta_of(doc, "https://news.example.com/politics/")["types"] == [
        "CollectionPage",
        "ItemList",
        "og:website",
    ]


def test_empty_page_gives_empty_fields() -> None:
    meta = meta_of("<html><body></body></html>")
    assert meta["title"] is None
    assert meta["authors"] == []
    assert meta["published_at"] is None
    assert meta["url"] == URL
    assert meta["tags"] == []
    assert meta["types"] == []


def test_og_title_shown_as_h1_beats_seo_headline_in_jsonld() -> None:
    doc = page(
        '<meta property="og:title" content="Council votes for bike lanes | Example News">'
        + ld('{"@type": "NewsArticle", "headline": "Bike lanes: what the council vote means"}'),
        "<h1>Council votes for bike lanes</h1>",
    )
    assert meta_of(doc)["title"] == "Council votes for bike lanes"


def test_site_name_in_h1_is_not_the_headline() -> None:
    doc = page(
        "<title>Council votes for bike lanes :: Example News ::</title>"
        '<meta property="og:site_name" content="Example News">',
        "<h1>Example News</h1><h2>Council votes</h2>",
    )
    assert meta_of(doc)["title"] == "Council votes for bike lanes"


@pytest.mark.parametrize(
    "json_text",
    [
        '{"@type": {"x": 1}, "headline": ["A", "B"], "author": 123}',
        '{"@type": "NewsArticle", "headline": {"@value": "H"}, "author": [[{"name": "X Y"}]],'
        ' "datePublished": {"@value": "2024-05-03"}, "image": [[1, 2]], "keywords": {"a": 1}}',
        '{"@type": ["NewsArticle", null], "author": {"@id": "#missing"}, "isAccessibleForFree":'
        ' null, "hasPart": ["x", 3], "url": 5, "mainEntityOfPage": [{"@id": 7}]}',
        '{"@graph": "not a list"}',
        "[1, 2, null, true]",
        '"just a string"',
        "{" * 50,
    ],
)
def test_odd_jsonld_values_never_raise(json_text: str) -> None:
    meta = meta_of(page(ld(json_text), "<h1>Storm hits coast</h1>"))
    assert meta["url"] == URL
    assert isinstance(meta["authors"], list)


@pytest.mark.parametrize(
    "html",
    [
        "<p>fragment only</p>",
        "<html><head><title></title></head><!-- c --><body><?php x ?></body></html>",
        '<html lang="???"><body><time datetime="">x</time><time>not a date</time></body></html>',
        '<html><head><base href="javascript:x"><link rel="canonical" href="  "></head></html>',
    ],
)
def test_odd_markup_never_raises(html: str) -> None:
    meta = meta_of(html)
    assert meta["url"] == URL


def test_teaser_microdata_on_a_listing_page_does_not_make_it_an_article() -> None:
    teaser = (
        '<div itemscope itemtype="https://schema.org/NewsArticle"><h2 itemprop="headline">'
        '<a itemprop="url" href="/wirtschaft/story-{n}-a100{n}.html">Story {n}</a></h2></div>'
    )
    doc = page(
        '<meta property="og:type" content="website">',
        "<h1>Wirtschaft</h1>" + "".join(teaser.format(n=n) for n in range(4)),
    )
    meta = meta_of(doc, "https://news.example.com/wirtschaft/")
    assert meta["types"] == ["og:website"]
    assert meta["title"] == "Wirtschaft"


def test_short_id_based_canonical_is_kept() -> None:
    doc = page('<link rel="canonical" href="https://news.example.com/story/3000000218734">')
    url = "https://news.example.com/story/3000000218734/council-votes-on-bikes"
    assert meta_of(doc, url)["url"] == "https://news.example.com/story/3000000218734"


def test_lowercased_pattern_finds_what_ignorecase_finds() -> None:
    import re

    from ingest.metadata.page import FOREIGN_CLASS
    from ingest.metadata.values import Lowercased

    markers = ["Related-Posts", "SIDEBAR widget", "entry-content", "ReadMore", "post-48213", ""]
    slow = re.compile(FOREIGN_CLASS._regex.pattern, re.IGNORECASE)
    assert (
        [bool(FOREIGN_CLASS.search(m)) for m in markers]
        == [bool(slow.search(m)) for m in markers]
        == [True, True, False, True, False, False]
    )
    with pytest.raises(ValueError, match="lowercase"):
        Lowercased("Sidebar")
