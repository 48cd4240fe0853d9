"""Author names: what is a person's name in a byline and what is a place, a role or a label.

Each case is a byline pattern seen on news sites (datelines after names, newspaper names, CJK
author boxes with department and follow buttons, column names, view counters); the pages are
hand-written stand-ins.
"""

from __future__ import annotations

import pytest

from ingest.metadata import split_names
from tests.test_metadata import ld, meta_of, page


@pytest.mark.parametrize(
    ("text", "names"),
    [
        # datelines and newspapers named after their city
        ("By Chris Foster, Los Angeles Times Staff Writer", ["Chris Foster"]),
        ("Los Angeles Times", ["Los Angeles Times"]),
        ("Anna Martel und Lea Wagner, Nairobi", ["Anna Martel", "Lea Wagner"]),
        ("HEMMY SO in Los Angeles and BEN WIDDICOMBE", ["HEMMY SO", "BEN WIDDICOMBE"]),
        ("Shaun Nichols in California", ["Shaun Nichols"]),
        ("Frankfurt, Germany", []),
        ("Patricio Candia | Palma de Mallorca | 08/01/2014", ["Patricio Candia"]),
        # roles, column names, months, labels
        ("Michelle Solomon | Entertainment Writer", ["Michelle Solomon"]),
        ("MARK SMITH, Deputy Business Editor", ["MARK SMITH"]),
        ("Ahead of the Ticker | Vipul Verma", ["Vipul Verma"]),
        ("Fritz Allhoff | Posted Tuesday", ["Fritz Allhoff"]),
        ("February", []),
        ("Edited by Forbes.com staff", ["Forbes.com staff"]),
        ("FRANK BODANI Daily Record", ["FRANK BODANI"]),
        ("AL ALEXANDER The Patriot Ledger", ["AL ALEXANDER"]),
        ("Vivid Interactive and Design", []),
        ("Mac & i", []),
        ("Heather is a Canadian mother of three", []),
        ("[NR] admin", []),
        ("hosb;kesm", []),
        ("More Richard Eskow", ["Richard Eskow"]),
        ("NBC's Kristen Welker", ["Kristen Welker"]),
        ("Bruno (Henrique Zecchin) Rodrigues", ["Bruno Rodrigues"]),
        # agencies stay (as organisations, for the caller to rank below persons)
        ("Jane Doe and AP", ["Jane Doe", "AP"]),
        ("dpa", ["dpa"]),
        # particles and given names that are also months
        ("Alejandro de la Garza", ["Alejandro de la Garza"]),
        ("Matthew d'Ancona", ["Matthew d'Ancona"]),
        ("April Ryan", ["April Ryan"]),
        # other scripts: author labels, CJK departments, UI labels and counters
        ("Автор: Анна Белова", ["Анна Белова"]),
        ("文： 佐藤 美咲", ["佐藤 美咲"]),
        ("佐藤美咲記者", ["佐藤美咲"]),
        ("東京社会部", []),
        ("人氣( 23925 )", []),
        ("個人", []),
        ("青网校园崔宁宁", []),
    ],
)
def test_split_names_rules(text: str, names: list[str]) -> None:
    assert split_names(text) == names


def test_dateline_byline_and_newspaper_meta() -> None:
    meta = meta_of(
        page(
            '<meta name="author" content="Los Angeles Times">',
            '<h1>Bruins rally late</h1><div class="storybyline">By Chris Foster, Los Angeles'
            " Times Staff Writer<br>December 29, 2007</div><p>Text.</p>",
        )
    )
    assert meta["authors"] == ["Chris Foster"]


def test_meta_author_with_address_falls_through_to_the_byline() -> None:
    meta = meta_of(
        page(
            '<meta name="author" content="stadtblatt.example, Frankfurt, Germany">',
            '<h1>Neue Brücke eröffnet</h1><p class="byline">Von Roman Warschauer</p>',
        ),
        url="https://stadtblatt.example/politik/bruecke.html",
    )
    assert meta["authors"] == ["Roman Warschauer"]


def test_cjk_author_box_gives_the_name_only() -> None:
    box = (
        '<div id="writerProfile"><p>この記事を書いた人</p><p>渡辺洋介</p><p>東京社会部</p>'
        "<button>フォロー</button><p>専門・関心分野</p><p>戦争、平和、核問題</p></div>"
    )
    meta = meta_of(page("", f"<article><h1>見出し</h1>{box}<p>本文。</p></article>"))
    assert meta["authors"] == ["渡辺洋介"]


def test_single_word_label_in_an_author_container_is_not_an_author() -> None:
    body = '<h1>عنوان</h1><div class="article_details_author_container">منوعات</div>'
    assert meta_of(page("", body))["authors"] == []


def test_site_name_after_the_name_is_cut() -> None:
    head = '<meta property="og:site_name" content="CNN">' + ld(
        '{"@type": "NewsArticle", "headline": "Court rules",'
        ' "author": "Bill Mears CNN Supreme Court Producer"}'
    )
    assert meta_of(page(head))["authors"] == ["Bill Mears"]
