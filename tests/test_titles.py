"""Headlines: the one the page shows, not a site tagline, an SEO title or a sidebar heading.

Hand-written stand-ins for old table-based pages (headline in ``<span class="headline">`` or
``<font class="storyhead">``, generic ``<title>``), pages without ``<title>``, and modern pages
whose JSON-LD and og:title disagree.
"""

from __future__ import annotations

from ingest.metadata.values import clean_text
from tests.test_metadata import ld, meta_of, page

STORY = (
    "<p>Councillors voted on Monday night to restore the town's tidal mill, which has stood"
    " idle since a storm tore away its wheel in 1962, and asked a heritage trust to raise the"
    " rest of the money from grants and donations over the next four years.</p>"
)


def test_tagline_title_gives_way_to_the_headline_above_the_story() -> None:
    body = (
        '<table><tr><td><span class="sidehead">Most read today</span></td></tr>'
        '<tr><td><p><span class="headingstory">Harbour town votes to restore its tidal mill'
        f"</span></p>{STORY}</td></tr></table>"
    )
    head = "<title>Coastal Ledger for Porthaven, Gull Point and the Bay - News</title>"
    assert meta_of(page(head, body))["title"] == "Harbour town votes to restore its tidal mill"


def test_title_shown_on_the_page_is_kept() -> None:
    head = "<title>Harbour town votes to restore its tidal mill</title>"
    body = (
        '<span class="headline">Ferry timetable changes for winter</span>'
        f"<h2>Harbour town votes to restore its tidal mill</h2>{STORY}"
    )
    assert meta_of(page(head, body))["title"] == "Harbour town votes to restore its tidal mill"


def test_marked_headline_above_the_story_beats_a_title_no_heading_repeats() -> None:
    head = "<title>Wilkes-Barre and Northeastern PA News from the Associated Press</title>"
    body = (
        "<h2>Most read</h2><div class='article-box'><h2 class='ArticleHeadline'>"
        f"'Surge' makes annual banned-words list</h2>{STORY}</div>"
        "<p class='byline'>Murray McCormick, Canwest News Service; Regina Leader-Post</p>"
    )
    assert meta_of(page(head, body))["title"] == "'Surge' makes annual banned-words list"


def test_byline_and_dated_headings_are_skipped() -> None:
    head = "<title>Austin leaves Roughriders for alma mater - Leader-Post</title>"
    body = (
        "<h3 class='headline'>Murray McCormick, Canwest News Service; Regina Leader-Post</h3>"
        f"<h3 class='headline'>Trusted domains infected by a Trojan (14/01/2008)</h3>{STORY}"
    )
    title = meta_of(page(head, body))["title"]
    assert title == "Austin leaves Roughriders for alma mater"


def test_page_without_title_uses_the_heading_before_the_story() -> None:
    body = f'<table class="rbox"><tr><td><h3>Gulf states urge talks with Iran</h3>{STORY}</td></tr>'
    assert meta_of(page("", body + "</table>"))["title"] == "Gulf states urge talks with Iran"


def test_dates_bylines_and_navigation_are_not_headlines() -> None:
    body = (
        '<h2 class="storyhead">Harbour town votes to restore its tidal mill</h2>'
        '<h3 class="dateline">Tuesday 8th January 2008</h3>'
        '<div class="byline"><h4>Tribune staff reporter</h4></div>'
        '<div class="subnav"><h4>Schedule Statistics Roster History</h4></div>'
        f"{STORY}"
    )
    head = "<title>The Coastal Ledger - Serving the Bay since 1890</title>"
    assert meta_of(page(head, body))["title"] == "Harbour town votes to restore its tidal mill"


def test_analytics_headline_meta_used_only_when_it_reads_like_one() -> None:
    head = '<title>News</title><meta name="WT.ti" content="displayarticle">'
    assert meta_of(page(head, "<p>x</p>"))["title"] == "News"
    head = '<title>News</title><meta name="DCSext.articleHeadline" content="Mill to reopen">'
    assert meta_of(page(head, "<p>x</p>"))["title"] == "Mill to reopen"


def test_headline_inside_a_tagline_title_found_in_bold_text() -> None:
    head = (
        "<title>Porthaven News, Weather, Sports and Entertainment - Channel 4 |"
        " Nine hurt as ferry hits a storm</title>"
    )
    body = f"<table><tr><td><font><b>Nine hurt as ferry hits a storm</b></font>{STORY}</td></tr>"
    assert meta_of(page(head, body + "</table>"))["title"] == "Nine hurt as ferry hits a storm"


def test_og_title_shown_as_visible_heading_beats_jsonld_headline() -> None:
    head = '<meta property="og:title" content="Lybke, not odd at all">' + ld(
        '{"@type": "NewsArticle", "headline": "Leipzig school: Lybke, not odd at all today"}'
    )
    body = '<h2><span class="article__headline">Lybke, not odd at all</span></h2>'
    assert meta_of(page(head, body))["title"] == "Lybke, not odd at all"


def test_jsonld_headline_kept_when_the_page_shows_it() -> None:
    head = '<meta property="og:title" content="Lybke, not odd at all">' + ld(
        '{"@type": "NewsArticle", "headline": "Leipzig school: Lybke, not odd at all today"}'
    )
    body = "<h1>Leipzig school: Lybke, not odd at all today</h1>"
    assert meta_of(page(head, body))["title"] == "Leipzig school: Lybke, not odd at all today"


def test_soft_hyphens_and_zero_width_spaces_are_removed() -> None:
    assert clean_text("Helikopter\u00adlande\u200bplatz\ufeff") == "Helikopterlandeplatz"


def test_title_kept_when_the_visible_headline_says_it_in_other_words() -> None:
    head = (
        '<meta property="og:title" content="How we designed Dropbox’s ATF - an async task'
        ' framework"><title>How we designed Dropbox’s ATF - an async task framework</title>'
    )
    body = f"<h1>How we designed Dropbox ATF: an async task framework</h1>{STORY}"
    title = meta_of(page(head, body))["title"]
    assert title == "How we designed Dropbox’s ATF - an async task framework"


def test_site_words_around_the_visible_headline_are_dropped() -> None:
    head = "<title>Adnkronos international Algeria: Al-Qaeda claims northern attack</title>"
    body = f"<div class='espanso'><h4>Algeria: Al-Qaeda claims northern attack</h4>{STORY}</div>"
    assert meta_of(page(head, body))["title"] == "Algeria: Al-Qaeda claims northern attack"
