"""Finding the article body (ingest.maintext) and classifying pages (ingest.extract)."""

from __future__ import annotations

import pickle

import pytest

from ingest.extract import extract
from ingest.maintext import EmptyDocument, parse_html

PARA = (
    "The council voted on Monday night to restore the tidal mill, which has stood idle since"
    " a storm tore away its wheel in 1962, and to ask a trust to raise the rest of the money. "
)


def page(body: str, head: str = "") -> str:
    head = f"<head><title>T</title>{head}</head>"
    return f"<!DOCTYPE html><html lang='en'>{head}<body>{body}</body></html>"


def paras(n: int, word: str = "mill") -> str:
    return "".join(f"<p>{PARA.replace('mill', f'{word}{i}')}</p>" for i in range(n))


def text_of(body: str, **kwargs) -> str:
    return extract(page(body), "https://news.example/2024/05/01/story", **kwargs).text


def test_picks_the_paragraph_block_not_the_menus_or_teasers() -> None:
    menu = "".join(f"<li><a href='/s{i}'>Section {i}</a></li>" for i in range(30))
    teasers = "".join(
        f"<div class='card'><a href='/t{i}'><h3>Teaser headline number {i} here</h3></a>"
        f"<p>A short excerpt of another story number {i}.</p></div>"
        for i in range(6)
    )
    body = f"<ul>{menu}</ul><div class='story'>{paras(5)}</div><div>{teasers}</div>"
    text = text_of(body)
    assert "mill0" in text and "mill4" in text
    assert "Section" not in text and "Teaser headline" not in text and "excerpt" not in text


def test_article_cut_into_same_class_chunks_is_joined() -> None:
    chunks = "<div class='ad-break'>Advertisement</div>".join(
        f"<div class='body-chunk'>{paras(2, f'part{k}x')}</div>" for k in range(4)
    )
    body = f"<div class='layout'><div><div>{chunks}</div></div></div><div>{paras(1, 'other')}</div>"
    text = text_of(body)
    for k in range(4):
        assert f"part{k}x0" in text and f"part{k}x1" in text
    assert "Advertisement" not in text


def test_text_written_with_br_in_a_div_is_found() -> None:
    lines = "<br><br>".join(PARA for _ in range(6))
    text = text_of(f"<div class='nav'><a href='/'>Home</a></div><div>{lines}</div>")
    assert text.count("tidal mill") == 6


def test_lead_in_a_sibling_block_is_kept() -> None:
    lead = "<div class='standfirst'><p>" + PARA.replace("council", "lead council") + "</p></div>"
    text = text_of(f"<article>{lead}<div class='body'>{paras(4)}</div></article>")
    assert "lead council" in text and "mill3" in text


def test_the_article_never_extends_beyond_main() -> None:
    foot = f"<div class='pied'><p>{PARA.replace('mill', 'FOOT')}</p></div>"
    body = f"<main><div>{paras(4)}</div></main>{foot}"
    assert "FOOT" not in text_of(body)


def test_subheadings_lists_and_quotes_survive_and_title_does_not() -> None:
    body = (
        f"<article><h1>The headline</h1>{paras(3)}<h2>What happens next</h2>"
        "<ul><li>repairing the sluice gates;</li><li>rebuilding the wheel.</li></ul>"
        "<blockquote><p>“We want it to grind flour again,” said Aled Prys.</p></blockquote>"
        f"{paras(2, 'end')}</article>"
    )
    text = text_of(body)
    assert "What happens next" in text
    assert "- repairing the sluice gates;" in text
    assert "“We want it to grind flour again,” said Aled Prys." in text
    assert "The headline" not in text
    assert "\n\n" in text  # paragraphs separated by a blank line


def test_keep_selector_names_the_body() -> None:
    body = f"<div class='odd-name'>{paras(1, 'kept')}</div><div class='other'>{paras(5)}</div>"
    text = text_of(body, keep=(".odd-name",))
    assert "kept0" in text and "mill0" not in text


def test_drop_selector_removes_more() -> None:
    house = "<p class='house-x'>Buy our annual with a discount code today, only this week.</p>"
    body = f"<div>{paras(4)}{house}</div>"
    assert "discount" in text_of(body)
    assert "discount" not in text_of(body, drop=(".house-x",))


def test_json_ld_article_body_when_the_markup_has_none() -> None:
    body_text = " ".join([PARA] * 6)
    head = (
        '<script type="application/ld+json">{"@type":"NewsArticle","headline":"T",'
        f'"articleBody":"{body_text}"}}</script>'
    )
    art = extract(page("<div id='app'>Loading</div>", head), "https://news.example/a/1")
    assert art.text.count("tidal mill") == 6


def test_parse_accepts_xml_declaration_and_rejects_empty() -> None:
    root = parse_html('<?xml version="1.0" encoding="utf-8"?><html><body><p>x</p></body></html>')
    assert root.findtext(".//p") == "x"
    with pytest.raises(EmptyDocument):
        parse_html("   ")


def test_bytes_are_decoded() -> None:
    html = page(paras(3)).replace("mill0", "Mühle0").encode("cp1252")
    art = extract(html, "https://news.example/a/1", encoding="cp1252")
    assert "Mühle0" in art.text


# --------------------------------------------------------------------------- page kinds


def test_empty_page() -> None:
    art = extract(page("<div><a href='/'>Home</a></div>"), "https://news.example/a/1")
    assert art.kind == "empty" and art.kind_reason
    assert extract("", "https://news.example/a/1").kind == "empty"


def test_listing_page_by_structured_data() -> None:
    head = '<script type="application/ld+json">{"@type":"CollectionPage","name":"Local"}</script>'
    art = extract(page(paras(2), head), "https://news.example/local/")
    assert art.kind == "not_article" and "CollectionPage" in art.kind_reason


def test_listing_page_by_shape() -> None:
    cards = "".join(
        f"<article><h2><a href='/n{i}'>Story headline {i}</a></h2><p>{PARA[:60]}</p></article>"
        for i in range(12)
    )
    art = extract(page(cards), "https://news.example/tag/harbour/")
    assert art.kind == "not_article" and "teasers" in art.kind_reason


def test_home_page() -> None:
    art = extract(page(paras(3)), "https://news.example/")
    assert art.kind == "not_article" and art.kind_reason == "home page"


def test_article_type_wins_over_shape() -> None:
    head = '<meta property="og:type" content="article">'
    art = extract(page(paras(6)), "https://news.example/2024/05/01/story")
    assert art.kind == "article"
    assert extract(page(paras(6), head), "https://news.example/").kind == "article"


def test_paywalled_teaser() -> None:
    head = (
        '<script type="application/ld+json">{"@type":"NewsArticle","headline":"T",'
        '"isAccessibleForFree":false}</script>'
    )
    art = extract(page(paras(1), head), "https://news.example/2024/05/01/story")
    assert art.kind == "paywall"
    full = extract(page(paras(12), head), "https://news.example/2024/05/01/story")
    assert full.kind == "article"  # the whole text is there: store it
    prompt = paras(1) + "<p>Subscribe to continue reading this story.</p>"
    assert extract(page(prompt), "https://news.example/2024/05/01/story").kind == "paywall"


def test_language_is_detected_when_undeclared() -> None:
    german = (
        "<p>Die Stadtwerke wollen bis 2027 rund viertausend Haushalte im Osten der Stadt an ein"
        " neues Wärmenetz anschließen. Der Aufsichtsrat gab am Montag grünes Licht dafür.</p>"
    ) * 3
    html = f"<html><head><title>T</title></head><body><div>{german}</div></body></html>"
    assert extract(html, "https://news.example/a/1").language == "de"


def test_article_pickles_for_the_process_pool() -> None:
    art = extract(page(paras(3)), "https://news.example/a/1")
    assert pickle.loads(pickle.dumps(art)) == art
