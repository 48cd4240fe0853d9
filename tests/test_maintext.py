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
    assert "\n\nrepairing the sluice gates;\n\nrebuilding the wheel." in text
    assert "“We want it to grind flour again,” said Aled Prys." in text
    assert "The headline" not in text
    assert "\n\n" in text  # paragraphs separated by a blank line


def test_siblings_join_only_as_an_unbroken_run() -> None:
    """A comment prompt between the story and a jobs box ends the story on that side."""
    jobs = "".join(
        f"<div class='box'><div><a href='/jobs/{i}'>Network specialist {i}</a></div>"
        "<div>Norwich | University</div>Network specialist, 27,466 to 32,796. The role holder"
        " will lead a project to procure a new telephone system for the whole campus, and"
        " will manage its phased roll-out over two years ...</div>"
        for i in range(2)
    )
    jobs += "<ul>" + "".join(f"<li><a href='/jobs/s{i}'>Job search {i}</a></li>" for i in range(8))
    body = (
        f"<div id='holder'><p>The headline</p><div class='content'>{paras(8)}</div>"
        "<div class='strap'>R E A D E R  C O M M E N T S</div>"
        "<div><a href='/comment/1'>Post your comment</a> <a href='/help'>What is this?</a>"
        " Comments are moderated before they appear.</div>"
        f"<div><div class='strap'>F E A T U R E D  J O B S</div>{jobs}</div></div>"
    )
    text = text_of(body)
    assert "mill7" in text and "Network specialist" not in text


def test_cousin_chunks_join_the_article() -> None:
    """A how-to whose steps sit in ``<div class="step"><div class="content">`` each, deep."""
    steps = "".join(
        f"<div class='step'><h3>Step {i}</h3><div class='content'>{paras(2, f's{i}x')}</div></div>"
        for i in range(1, 5)
    )
    teasers = "".join(
        f"<li><a href='/t{i}'><div class='content'>{paras(1, f'teaser{i}x')}</div></a></li>"
        for i in range(3)
    )
    links = "".join(
        f"<li><a href='/topic/{i}'>Another how-to topic {i}</a></li>" for i in range(40)
    )
    body = (
        "<article><div class='step'><h3>Why</h3>"
        f"<div class='content lead'>{paras(4, 'intro')}</div></div>"
        f"<ul>{links}</ul><div><div><div>{steps}</div></div></div></article><ul>{teasers}</ul>"
    )
    text = text_of(body)
    assert "intro3" in text and "s1x1" in text and "s4x1" in text
    assert "teaser" not in text


def test_link_lists_inside_the_story_go_but_a_reading_list_post_stays() -> None:
    box = "<ul>" + "".join(f"<li><a href='/m/{i}'>Magazine story {i}</a></li>" for i in range(4))
    text = text_of(f"<article>{paras(3)}<h3>In today's Magazine</h3>{box}</ul>{paras(3, 'x')}")
    assert "mill2" in text and "x2" in text and "Magazine story" not in text
    items = "".join(
        f"<li><a href='/talks/{i}'>Talk {i}: a speaker on a doctrine of the faith</a></li>"
        for i in range(12)
    )
    text = text_of(f"<article><p>{PARA}</p><ul>{items}</ul></article>")
    assert "Talk 11" in text
    box = "<div><b>Local Top Stories</b> <a href='/more'>more»</a>" + "".join(
        f"<div><a href='/s/{i}'>Another local story number {i}</a></div>" for i in range(5)
    )
    text = text_of(f"<article>{paras(3)}{box}</div>{paras(3, 'y')}</article>")
    assert "y2" in text and "Another local story" not in text and "Local Top Stories" not in text


def test_loose_link_lines_go_but_lines_with_words_of_their_own_stay() -> None:
    """Old table layouts put headlines in the story's cell as ``<a>..</a><br>`` lines."""
    heads = "".join(
        f"<span class='newslist'><img src='/a.gif'>&nbsp;<a href='/n/{i}'>Headline {i} here</a>"
        "</span><br>"
        for i in range(4)
    )
    text = text_of(f"<table><tr><td>{paras(3)}<img src='/local.gif'><br>{heads}</td></tr></table>")
    assert "mill2" in text and "Headline" not in text
    sources = "".join(
        f"Figures for ward {i} from the <a href='/r/{i}'>county report</a><br>" for i in range(4)
    )
    two = "<a href='/a'>Tide tables</a><br><a href='/b'>Harbour notices</a><br>"
    text = text_of(f"<table><tr><td>{paras(3)}<p>{sources}</p><p>{two}</p></td></tr></table>")
    assert "Figures for ward 3 from the county report" in text and "Harbour notices" in text


def test_live_blog_entries_join_the_introduction() -> None:
    """A live blog: the introduction, then ``div.live > div.entries`` full of linked prose."""
    entry = (
        "<div class='entry'><div class='info'><time>11:48</time> <a href='/j/1'>Jon King</a>"
        "</div><h3>Update {i}</h3><p><a href='/topic'>The harbour trust</a>'s chair said, "
        "<a href='/story/{i}'>the mill will be ready for visitors by the summer of next "
        "year</a>, if the weather holds.</p><p>Update{i}: the contractors start on the sluice"
        " gates next week, and the wheel is being built from oak grown in the county.</p></div>"
    )
    entries = "".join(entry.format(i=i) for i in range(8))
    body = (
        f"<div class='wrap'><div class='intro'>{paras(4)}</div><div class='photo'></div>"
        f"<div class='live'><div class='entries'>{entries}</div></div></div>"
    )
    text = text_of(body)
    assert "mill3" in text and "Update0:" in text and "Update7:" in text


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


def test_section_page_with_one_teaser_is_not_an_article() -> None:
    """A section front with a single teaser: og:type website, no article markup, one card."""
    head = '<meta property="og:type" content="website">'
    card = (
        "<main><h1>Wirtschaft</h1><section class='list'><div class='card'><span>Wirtschaft</span>"
        "<h3><a href='/wirtschaft/waermepumpen-a1001.html'>Stadtwerke testen Wärmepumpen</a></h3>"
        "<p>In der Gartenstraße versorgt eine Großwärmepumpe 60 Häuser. Nach dem ersten Winter"
        " ziehen die Stadtwerke eine positive Bilanz.</p><span>Von Lena Vogt</span></div>"
        "</section></main>"
    )
    art = extract(page(card, head), "https://news.example/wirtschaft/")
    assert art.kind == "not_article" and "teasers" in art.kind_reason


def test_short_article_without_structured_data_is_an_article() -> None:
    """A blog post: title, h1, byline and <time>, no JSON-LD or og:type, a linked subheading."""
    body = (
        "<main><article><h1>Counting swifts</h1><p class='byline'>By Rosa Lindgren ·"
        " <time datetime='2024-03-03T19:00:00+01:00'>March 3, 2024</time></p>"
        f"{paras(2)}<h2><a href='/posts/earlier-survey/'>The earlier survey</a></h2>{paras(1, 'x')}"
        "</article><nav><a href='/posts/older/'>← Older post</a></nav>"
        "<div class='more'><h3><a href='/posts/other/'>Another post</a></h3>"
        "<p>A short teaser for another post on this blog.</p></div></main>"
    )
    art = extract(page(body), "https://blog.example/posts/counting-swifts/")
    assert art.kind == "article" and "mill0" in art.text


def test_teaser_cards_spare_the_page_itself() -> None:
    """A post whose title links to its own permalink is not a teaser of another page."""
    body = (
        "<div class='post'><h2><a href='/posts/counting-swifts/'>Counting swifts</a></h2>"
        f"<p>{PARA[:120]}</p></div>"
    )
    art = extract(page(body), "https://blog.example/posts/counting-swifts/")
    assert art.kind == "article"


def test_kicker_naming_the_section_is_not_text() -> None:
    head = '<meta property="article:section" content="Kultur">'
    body = f"<article><header><span>Kultur</span><h1>Chor gewinnt</h1></header>{paras(3)}</article>"
    art = extract(page(body, head), "https://news.example/kultur/chor-a1000.html")
    assert art.section == "Kultur" and not art.text.startswith("Kultur")


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


def test_a_japanese_paywalled_teaser_is_a_paywall() -> None:
    """Han and kana count a word each in word_count, about half a word of the thresholds the
    page classifier was set with: a 276-character teaser counted 254 words and was stored."""
    head = (
        '<script type="application/ld+json">{"@type":"NewsArticle","headline":"T",'
        '"isAccessibleForFree":false}</script>'
    )
    teaser = (
        "<p>港町の朝市が三年ぶりに再開した。漁師たちは早朝から新鮮な魚を並べ、多くの市民が訪れた。"
        "市長は観光客の増加に期待を示し、来年は開催日を増やす考えを明らかにした。</p>"
        "<p>朝市は戦後間もなく始まり、最盛期には二百を超える店が岸壁に並んだという。高齢化で出店者が"
        "減り、三年前に休止していたが、若い漁師らが実行委員会をつくって復活させた。</p>"
        "<p>初日は天候にも恵まれ、開始から一時間で用意した干物が売り切れる店もあった。委員会は今後、"
        "月に二回の開催を目指して準備を進める。地元の商店街も協力を申し出ている。</p>"
    )
    art = extract(page(teaser, head), "https://news.example/2024/05/01/asaichi")
    assert art.word_count >= 200 and art.kind == "paywall", (art.word_count, art.kind)


def test_language_is_detected_when_undeclared() -> None:
    german = (
        "<p>Die Stadtwerke wollen bis 2027 rund viertausend Haushalte im Osten der Stadt an ein"
        " neues Wärmenetz anschließen. Der Aufsichtsrat gab am Montag grünes Licht dafür.</p>"
    ) * 3
    html = f"<html><head><title>T</title></head><body><div>{german}</div></body></html>"
    assert extract(html, "https://news.example/a/1").language == "de"


def test_wrong_declared_language_is_corrected_by_the_text() -> None:
    """A template declaring the site's default language on a page written in another one."""
    body = f"<article>{paras(6)}</article>"
    html = f"<html lang='ru'><head><title>T</title></head><body>{body}</body></html>"
    assert extract(html, "https://news.example/a/1").language == "en"
    assert extract(page(body), "https://news.example/a/1").language == "en"


def test_byline_paragraphs_go_but_sentences_naming_the_author_stay() -> None:
    head = '<meta name="author" content="Jens Kassner">'
    quote = "<p>Jens Kassner, who has covered the festival for years, counted 40 hat makers.</p>"
    body = f"<article><p>Von Jens Kassner</p><p>Autor: Jens Kassner | Chemnitz</p>{paras(3)}"
    art = extract(page(body + quote + "</article>", head), "https://news.example/a/1")
    assert art.authors == ["Jens Kassner"]
    assert "Von Jens Kassner" not in art.text and "Autor:" not in art.text
    assert "counted 40 hat makers" in art.text


def test_article_pickles_for_the_process_pool() -> None:
    art = extract(page(paras(3)), "https://news.example/a/1")
    assert pickle.loads(pickle.dumps(art)) == art


def test_control_characters_of_a_page_are_not_stored() -> None:
    """An ESC or BEL in a page's title or text was stored, and `ingest search` printed it to
    the terminal, where "\x1b]0;...\x07" retitles the window and "\x1b[31m" paints it."""
    body = "The council met on Monday and voted on the budget for next year. " * 6
    html = (
        "<html><head><title>Budget \x1b[31mvote\x1b[0m</title></head><body><article>"
        f"<h1>Budget \x1b[31mvote</h1><p>{body}\x1b]0;owned\x07 Tabs\tstay.</p>"
        f"<p>{body}</p></article></body></html>"
    )
    article = extract(html, "https://x.example/2024/05/budget.html")
    for value in (article.title, article.text):
        assert "\x1b" not in value and "\x07" not in value, value
    assert article.title == "Budget [31mvote"  # the <h1>: the ESC gone, the rest inert
    assert "]0;owned Tabs" in article.text
