"""Every boilerplate rule in ingest/rules/boilerplate.toml, each with examples.

The coverage tests at the bottom fail when a rule is added to the TOML file without an example
here, so the rules file and its tests stay in step.
"""

from __future__ import annotations

import re
import tomllib

import lxml.html
import pytest

from ingest.clean import (
    RULES_FILE,
    RulesError,
    clean_fragment,
    keep_paragraph,
    load_rules,
    prune_page,
)

RULES = load_rules()
DATA = tomllib.loads(RULES_FILE.read_text(encoding="utf-8"))

#: Paragraphs that must be dropped (by the [blocks] rules).
BOILERPLATE = [
    "- Advertisement -",
    "Advertisement",
    "ADVERTISEMENT",
    "Advertising",
    "Sponsored content",
    "Anzeige",
    "- Anzeige -",
    "Werbung",
    "Publicidad",
    "Publicité",
    "Реклама",
    "広告",
    "广告",
    "광고",
    "Pubblicità",
    "Advertentie",
    "Reklama",
    "Reklame",
    "Reklam",
    "Annonce",
    "Annons",
    "Mainos",
    "Διαφήμιση",
    "Publicidade",
    "Hirdetés",
    "Oglas",
    "إعلان",
    "פרסומת",
    "विज्ञापन",
    "Quảng cáo",
    "Iklan",
    "Ad",
    "Advertorial",
    "0 2,862",
    "12 4.310",
    "1.2K",
    "2,862 views",
    "14 shares 3 comments",
    "Share Tweet Pin Email",
    "Facebook Twitter WhatsApp",
    "Share on Facebook",
    "Teilen",
    "Partager : Facebook Twitter WhatsApp",
    "Copy link",
    "Subscribe to our newsletter",
    "Sign up here to get the latest news, updates and special offers delivered directly to"
    " your inbox.",
    "Sign up for our daily newsletter",
    "Get real time updates directly on you device, subscribe now.",
    "Newsletter abonnieren und keine Nachricht aus Ihrer Region mehr verpassen!",
    "Abonnez-vous à notre newsletter pour recevoir chaque matin l’actualité de la région.",
    "Suscríbete a nuestro boletín",
    "Iscriviti alla newsletter",
    "We use cookies to improve your experience on our site.",
    "This website uses cookies. By continuing you accept them.",
    "Wir verwenden Cookies, um Ihnen ein besseres Nutzungserlebnis zu bieten.",
    "Ce site utilise des cookies pour mesurer l’audience.",
    "Related articles",
    "More from Sport",
    "You may also like",
    "Recommended for you",
    "Comments",
    "Responses",
    "Reactions",
    "Leave a Reply",
    "Share this article",
    "Follow us on Instagram",
    "Tags: Heritage, Mills",
    "Filed under: Politics",
    "About the author",
    "Photo: county archive",
    "Image: Getty",
    "Source: Reuters",
    "© 2024 The Coastal Ledger",
    "Copyright 2024 Example Media",
    "All rights reserved.",
    "This content is reserved for subscribers only",
    "Exclusive articles available to subscribers.",
    "Box aufklappen",
    "Box zuklappen",
    "Show more",
    "Mehr anzeigen",
    "Voir plus",
    "Posted at 12:05 AM ET, 11/01/2011",
    "5 April 2013 Last updated at 00:30 GMT",
    "Nov 01, 2011 04:05 AM EDT",
    "Publisert 06.01.2026 - 16:25",
    "Aktualisiert am 3. Mai, 14 Uhr",
    "Published 11 hours ago",
    "Erschienen am 30.04.2024",
    "Datum 28.04.2023",
    "Freitag, 28.04.2023, 19:25",
    "Continue reading the main story",
    "Back to top",
    "« Previous",
    "Next »",
    "Next page",
    "Page 1 of 1",
    "<<Back to index",
    "E-mail this to a friend",
    "Email this story to a friend",
    "Printable version",
    "Font:",
    "View larger image",
    "Quote | Report this post",
    "JUST WATCHED",
    "More Videos ...",
    "weitere Videos",
    "We apologize, but this video has failed to load.",
    "Try refreshing your browser, or",
    "Empfohlener redaktioneller Inhalt",
    "Externer Inhalt nicht verfügbar",
    "Buy now",
    "Register Now",
    "ログインする",
    "新規登録",
    "Im Vorjahr zog das Hutfestival Tausende Besucher an. Bild: Andreas Seidel/Archiv",
    "The old mill in 1950. Photo: County archive",
    "___",
    "<<",
    "REGISTER / SIGN IN TO UNLOCK MORE ARTICLES",
    "Register to unlock this article",
    "Create an account or sign in to continue with your reading experience.",
    "Sign In or Create an Account",
    "Latest News",
    "EDITOR'S CHOICE",
    "SPONSORED LINKS",
    "More News related to Press Releases",
    "On the Net:",
    "Article continues below",
    "Click photo to enlarge",
    "View article on single page",
    "Drucken",
    "repair-cafe-log.pdf",
    "Haushaltsplan_2024.xlsx (48 KB)",
    "Download: report.pdf",
    "Subscribe",
    "Sign up",
    "Jetzt abonnieren",
    "Turn on push notifications to get breaking news first.",
    "Allow browser notifications and never miss a story",
    "Push-Benachrichtigungen aktivieren und nichts verpassen",
    "Aktivieren Sie Push-Benachrichtigungen, um keine Eilmeldung zu verpassen.",
    "Получайте новости в реальном времени на своё устройство, подпишитесь.",
    "Recibe actualizaciones en tiempo real en tu dispositivo, suscríbete ahora.",
    "Activez les notifications pour suivre l’actualité.",
    "プッシュ通知を受け取って、最新ニュースをいち早くチェックしましょう。",
]
#: Short paragraphs starting with a "read also" phrase (the [blocks] prefix rules).
READ_ALSO = [
    "Read also: Lifeboat station appeal passes its target",
    "Read more: Council tax to rise",
    "Read next: The harbour wall",
    "Read this: Storm warnings",
    "Also read: Ferry changes",
    "See also: Our coverage of the floods",
    "Related: Budget vote",
    "More: Weather",
    "Lesen Sie auch: Buslinie 7 fährt ab Februar",
    "Lesen Sie mehr: Neue Radwege",
    "Mehr zum Thema",
    "Auch interessant: Das neue Hallenbad",
    "Lire aussi : La sécheresse",
    "À lire aussi : Les vendanges",
    "A lire aussi : Le festival",
    "Lisez aussi : La rentrée",
    "Lee también: La sequía en Andalucía",
    "Leer más: El presupuesto",
    "Ver también: Las elecciones",
    "Te puede interesar: El tiempo",
    "Leggi anche: Il bilancio comunale",
    "Leia também: O orçamento",
    "Leia mais: A seca",
    "Lees ook: De begroting",
    "Читайте также: Бюджет города",
    "Czytaj też: Budżet miasta",
    "Czytaj także: Wybory",
    "Czytaj również: Pogoda",
    "Läs också: Budgeten",
    "Les også: Budsjettet",
    "Læs også: Budgettet",
    "Přečtěte si: Rozpočet města",
    "Okuyun: Bütçe",
    "関連記事：市立博物館、入館料を見直し",
    "相关阅读：城市预算",
    "あわせて読みたい： 港町の朝市、開設50周年を迎える",
    "合わせて読みたい：市立博物館の新館",
    "こちらもおすすめ：市議会の予算審議",
    "延伸阅读：城市预算",
    "推荐阅读：新图书馆开放",
    "관련기사: 시 예산안 통과",
    "Click here to read the full report",
    "Sign up here for alerts",
    "Subscribe now for unlimited access",
]
#: Article paragraphs that must survive every [blocks] rule.
ARTICLE = [
    "Councillors in Porthaven voted on Monday night to restore the town's tidal mill.",
    "“We are not building a museum piece,” said council leader Aled Prys.",
    "The advertisement campaign cost the council £40,000, according to the documents.",
    "She said readers should read more widely before the vote in May.",
    "In 2024, 2,862 people signed the petition, up from 1,900 a year earlier.",
    "Die Anzeige ging am Montag bei der Polizei ein.",
    "Share prices fell by 4% after the announcement on Tuesday.",
    "The company, which makes cookies and biscuits, uses cookies from three bakeries.",
    "Related research published last year found the same effect in mice.",
    "Comments from residents were collected until the end of January.",
    "市立中央図書館は来月から、平日の開館時間を午後九時まで延長する試みを始める。",
    "Реклама на телевидении подорожала на 20 процентов за год.",
    "Publicité : le gouvernement veut encadrer les influenceurs, a annoncé le ministre lundi.",
    "Subscribers to the service rose to 2 million, the company said.",
    "The app now sends push notifications when the river level rises above the warning mark.",
    "通知を受け取った住民の多くは、すでに避難を始めていた。",
    "Die App schickt Push-Benachrichtigungen, wenn der Pegel steigt.",
    "The full report (report.pdf) runs to 84 pages.",
    "On May 5, 2024 the council met at 9 am.",
    "March 2024",
    "Next, the council will vote on the harbour wall.",
    "Latest news from the front came late on Tuesday, the ministry said.",
    "Sign in to the portal failed for thousands of users on Monday.",
    "The museum showed one image: a mill wheel turning in the tide, painted in 1820.",
    "Print journalism is not dead, she said.",
    "Log in to the system was impossible for three days, staff said.",
]


@pytest.mark.parametrize("text", BOILERPLATE)
def test_boilerplate_paragraph_is_dropped(text: str) -> None:
    assert not keep_paragraph(text, RULES)


@pytest.mark.parametrize("text", READ_ALSO)
def test_read_also_paragraph_is_dropped(text: str) -> None:
    assert not keep_paragraph(text, RULES)


@pytest.mark.parametrize("text", ARTICLE)
def test_article_paragraph_is_kept(text: str) -> None:
    assert keep_paragraph(text, RULES)


def test_long_paragraph_starting_with_read_more_is_kept() -> None:
    text = "Read more about the council's plans: " + "the mill will grind flour again. " * 8
    assert len(text) > DATA["blocks"]["prefix_max_chars"]
    assert keep_paragraph(text, RULES)


# --------------------------------------------------------------------------- page rules

#: (HTML inside <body>, text that must go, text that must stay) per [class_id] word example.
CLASS_EXAMPLES = {
    "comment-list": "comment(?!ary)", "disqus_thread": "disqus", "comment-respond": "respond",
    "replies-box": "replies", "responses": "responses", "share-buttons": "share",
    "sharing-tools": "sharing",
    "social-links": "social", "sociable": "sociable", "addtoany_list": "addtoany",
    "a2a_kit": "a2a_", "fb-likebox": "likebox", "follow-us-box": "follow-us",
    "related-posts": "related", "recommended-box": "recommend", "read-more-links": "read-?more",
    "also-read": "also-?read", "see-also": "see-?also", "more-stories": "more-?stories",
    "more-articles": "more-?articles", "most-read": "most-?(read|popular|viewed)",
    "popular-posts": "popular", "trending-now": "trending", "taboola-below": "taboola",
    "OUTBRAIN": "outbrain", "newsletter-box": "newsletter", "subscribe-box": "subscri",
    "signup-form": "signup", "sign-up-box": "sign-up", "cookie-notice": "cookie",
    "consent-layer": "consent", "gdpr-banner": "gdpr", "advert-box": "advert",
    "adsense-unit": "adsense", "adslot-top": "adslot", "ad-slot": "ad-slot",
    "adunit-1": "adunit", "ad-unit": "ad-unit", "ad-container": "ad-container",
    "ad-wrapper": "ad-wrap", "top-ads": r"(^|[\s_-])ads?($|[\s_-])", "dfp-tag": "dfp",
    "sponsored-links": "sponsor", "promo-box": "promo", "banner-top": "banner",
    "sidebar": "sidebar", "side-bar": "side-bar", "breadcrumbs": "breadcrumb",
    "pagination": "pagination", "pager": "pager",
    "author-bio": "author[-_]?(bio|box|info|card|profile)",
    "author_info": "author[-_]?(bio|box|info|card|profile)",
    "about-the-author": "about[-_]?(the[-_])?author",
    "about_the_author": "about[-_]?(the[-_])?author", "komentari": "komentar",
    "byline": "byline", "post-meta": "post-?meta",
    "entry-meta": "entry-?meta", "article-meta": "article-?meta", "post-tags": "tags",
    "taglist": "tag-?list", "tagcloud": "tagcloud", "keywords-box": "keywords",
    "wp-caption-text": "caption", "photo-credit": "credit", "toolbar": "toolbar",
    "sr-only": "sr-only", "visually-hidden": "visually-?hidden",
    "screen-reader-text": "screen-?reader", "skip-link": "skip-?link", "popup": "popup",
    "modal-box": "modal", "overlay": "overlay", "star-rating": "rating",
    "votes": r"votes?($|[\s_-])", "widget": "widget", "masthead": "masthead",
    "navbar": "navbar", "main nav": r"(^|[\s_-])nav($|[\s_-])", "menu-main": "menu",
    "site-footer": "footer", "copyright": "copyright", "login-box": "login",
    "signin": "signin", "twitter-tweet": "twitter-tweet", "instagram-media": "instagram-media",
    "tiktok-embed": "tiktok-embed", "jp-relatedposts": "jp-relatedposts",
    "wp-block-embed": "wp-block-embed", "teaser-list": "teaser", "carousel": "carousel",
    "slider": "slider", "push-notification-prompt": "push-?notif", "onesignal-bell": "onesignal",
    "identity-sign-in-group": "sign-in", "d-none": "^(hidden|d-none|is-hidden)$",
    "h-offscreen": "off-?screen", "expandable-box": "expandable",
    "collapsible-panel": "collapsible", "faq-accordion": "accordion",
    "whatsapp-group": "whatsapp", "text-description dont-miss": "dont-?miss",
}  # fmt: skip

ARTICLE_P = (
    "<p>Councillors voted on Monday night to restore the town's tidal mill, which has stood"
    " idle since a storm tore away its wheel in 1962, and set aside money for the work.</p>"
) * 4


def _pruned_text(body: str, drop: tuple[str, ...] = (), keep: tuple[str, ...] = ()) -> str:
    root = lxml.html.document_fromstring(f"<html><body>{body}</body></html>")
    prune_page(root, load_rules(drop, keep))
    return root.text_content()


@pytest.mark.parametrize("cls", sorted(CLASS_EXAMPLES))
def test_class_word_drops_element(cls: str) -> None:
    body = f'<div class="post">{ARTICLE_P}</div><div class="{cls}"><p>BOILERPLATE here</p></div>'
    text = _pruned_text(body)
    assert "BOILERPLATE" not in text and "tidal mill" in text


@pytest.mark.parametrize("cls", ["article-body", "entry-content", "post-content", "story-body"])
def test_keep_words_protect_the_body(cls: str) -> None:
    body = f'<div class="sidebar-layout"><div class="{cls} share">{ARTICLE_P}</div></div>'
    assert "tidal mill" in _pruned_text(body)


def test_body_chunks_inside_the_body_are_protected() -> None:
    """An article body cut into named chunks, each in a wrapper with a boilerplate word."""
    chunk = '<div class="full-width hasBanners"><div class="article-text">{}</div></div>'
    body = '<article class="article-body">' + "".join(chunk.format(ARTICLE_P) for _ in range(4))
    body += '<div class="article-text"><p>A teaser blurb.</p></div></article>'
    body += '<aside class="related"><div class="article-text"><p>TEASER</p></div></aside>'
    text = _pruned_text(body)
    assert text.count("tidal mill") == 16 and "TEASER" not in text


@pytest.mark.parametrize("word", DATA["class_id"]["ignore"])
def test_ignored_class_words(word: str) -> None:
    examples = {"js[-_]": "js-social-images"}
    assert re.match(word, examples[word])
    body = f'<div class="{examples[word]}">{ARTICLE_P}</div><div class="share">SHARE</div>'
    body += "<p>More page text that is not the article, and more of it.</p>" * 20
    text = _pruned_text(body)
    assert "tidal mill" in text and "SHARE" not in text


def test_body_chunks_with_a_rule_word_are_spared_together() -> None:
    """Sibling chunks of one class with a rule word hold the story between them."""
    chunk = '<div class="article-widget article-widget-text">{}</div>'
    body = "<div class='widgets'>" + "".join(
        chunk.format(ARTICLE_P.replace("mill", f"mill{i}")) for i in range(3)
    )
    body += '<div class="article-widget">SHARE</div></div><div class="more"><p>' + "x " * 400
    text = _pruned_text(body + "</p></div>")
    assert "mill2" in text and "SHARE" not in text
    notice = '<div class="social-placeholder"><p>{}</p></div>'.format(
        "Your privacy settings block external content such as videos and posts. " * 3
    )
    text = _pruned_text(f"<div>{ARTICLE_P}</div>" + notice * 6)
    assert "privacy settings" not in text


@pytest.mark.parametrize("word", DATA["class_id"]["small"])
def test_small_thing_words_spare_large_elements(word: str) -> None:
    """``<div id="content_byline">`` wrapping a whole story is not a byline."""
    [cls] = [c for c, w in CLASS_EXAMPLES.items() if w == word]
    story = "<p>" + "The mill will grind flour again, the council said on Monday. " * 40 + "</p>"
    body = f'<div class="{cls}">{story}</div>' + "<div><p>Other page text here.</p></div>" * 40
    assert len(story) > DATA["class_id"]["small_max_chars"]
    assert "grind flour" in _pruned_text(body)
    assert "BOILERPLATE" not in _pruned_text(body + f'<div class="{cls}">BOILERPLATE</div>')


def test_wordpress_term_classes_are_ignored() -> None:
    body = f'<div class="post tag-advertising category-social-media">{ARTICLE_P}</div>'
    assert "tidal mill" in _pruned_text(body)


def test_guard_keeps_a_page_wide_wrapper_with_a_boilerplate_word() -> None:
    body = f'<div class="l-wrapper gate-ad">{ARTICLE_P}<div class="share">SHARE</div></div>'
    text = _pruned_text(body)
    assert "tidal mill" in text and "SHARE" not in text


def test_guard_needs_some_running_text_to_protect() -> None:
    """A tag page with two linked posts: the footer holds all its <p> text, and still goes."""
    body = (
        "<main><h1>Birds</h1><ul><li><a href='/posts/a/'>Counting swifts</a></li></ul></main>"
        "<footer><p>Built with a text editor and too much coffee.</p></footer>"
    )
    assert "coffee" not in _pruned_text(body)
    assert DATA["guard"]["min_chars"] > len("Built with a text editor and too much coffee.")


def test_comment_threads_go_even_when_longer_than_the_article() -> None:
    comments = (
        "<p>I remember the mill well, my grandfather worked there for years and years.</p>" * 20
    )
    article = '<div class="post"><p>Short article text about the mill vote.</p></div>'
    body = f'{article}<div id="comments">{comments}</div>'
    assert "grandfather" not in _pruned_text(body)


@pytest.mark.parametrize("tag", DATA["tags"]["drop"])
def test_dropped_tags(tag: str) -> None:
    root = lxml.html.document_fromstring(f"<html><body>{ARTICLE_P}</body></html>")
    el = lxml.html.Element(tag)
    el.text = "BOILERPLATE"
    root.find("body").append(el)
    prune_page(root, RULES)
    assert root.find(f".//{tag}") is None
    assert "BOILERPLATE" not in root.text_content()


@pytest.mark.parametrize("tag", DATA["tags"]["furniture"])
def test_furniture_tags(tag: str) -> None:
    body = f"<div>{ARTICLE_P}</div><{tag}><p>BOILERPLATE in the {tag}</p></{tag}>"
    assert "BOILERPLATE" not in _pruned_text(body)


def test_article_inside_an_aside_survives() -> None:
    assert "tidal mill" in _pruned_text(f"<aside><article>{ARTICLE_P}</article></aside>")


@pytest.mark.parametrize("attrs", ["hidden", 'style="display: none"', 'style="visibility:hidden"'])
def test_hidden_elements(attrs: str) -> None:
    assert "BOILERPLATE" not in _pruned_text(f"{ARTICLE_P}<div {attrs}>BOILERPLATE</div>")


SELECTOR_EXAMPLES = {
    "[itemprop=comment]": '<div itemprop="comment">BOILERPLATE</div>',
    "[itemprop=author]": '<span itemprop="author">BOILERPLATE</span>',
    "[rel=author]": '<a rel="author" href="/a">BOILERPLATE</a>',
    "[role=navigation]": '<div role="navigation">BOILERPLATE</div>',
    "[role=complementary]": '<div role="complementary">BOILERPLATE</div>',
    "[role=banner]": '<div role="banner">BOILERPLATE</div>',
    "[role=contentinfo]": '<div role="contentinfo">BOILERPLATE</div>',
    "[role=dialog]": '<div role="dialog">BOILERPLATE</div>',
    "[aria-hidden=true]": '<div aria-hidden="true">BOILERPLATE</div>',
    "[data-ad]": '<div data-ad="1">BOILERPLATE</div>',
    "[data-ad-slot]": '<div data-ad-slot="x">BOILERPLATE</div>',
    "ins.adsbygoogle": '<ins class="adsbygoogle">BOILERPLATE</ins>',
    "form[action*=subscribe]": '<form action="/subscribe">BOILERPLATE</form>',
    "form[action*=newsletter]": '<form action="/newsletter/join">BOILERPLATE</form>',
    "form[role=search]": '<form role="search">BOILERPLATE</form>',
    "a[href*='/tag/'] + a[href*='/tag/']": '<a href="/tag/x">x</a><a href="/tag/y">BOILERPLATE</a>',
    "h1": "<h1>BOILERPLATE</h1>",
}


@pytest.mark.parametrize("selector", DATA["selectors"]["drop"])
def test_selector_rule(selector: str) -> None:
    assert selector in SELECTOR_EXAMPLES, f"add an example for selector {selector!r}"
    assert "BOILERPLATE" not in _pruned_text(ARTICLE_P + SELECTOR_EXAMPLES[selector])


def test_per_source_drop_and_keep_selectors() -> None:
    promo = '<div class="promo-x">PROMO</div>'
    body = f'<div class="story">{ARTICLE_P}{promo}</div><div class="s">SIDE</div>'
    assert "PROMO" not in _pruned_text(body, drop=(".promo-x",))
    root = lxml.html.document_fromstring(f"<html><body>{body}</body></html>")
    kept = prune_page(root, load_rules((), (".story",)))
    assert [el.get("class") for el in kept] == ["story"]


def test_invalid_per_source_selector_is_a_clear_error() -> None:
    with pytest.raises(RulesError, match="invalid drop selector"):
        load_rules(("div[[",), ())


def test_clean_fragment_keeps_structure_and_drops_boilerplate() -> None:
    html = (
        "<div><h2>A mill that ground grain</h2><p>Built in 1790, the mill used the tide.</p>"
        "<p>- Advertisement -</p><ul><li>repairing the sluice gates;</li></ul>"
        "<blockquote><p>“We want it to grind flour again,” said Aled Prys.</p></blockquote>"
        "<p>Line one<br>Line two</p><p>Read also: <a href='/x'>Lifeboat appeal</a></p></div>"
    )
    assert clean_fragment(html, RULES) == [
        "A mill that ground grain", "Built in 1790, the mill used the tide.",
        "repairing the sluice gates;", "“We want it to grind flour again,” said Aled Prys.",
        "Line one", "Line two",
    ]  # fmt: skip


def test_short_paragraph_repeated_three_times_is_a_label() -> None:
    story = "<p>Built in 1790, the mill used the tide to turn a wheel six metres across.</p>"
    video = "<p>Iconic image of the harbour flood</p>"
    table = "<table><tr><td>Yes</td><td>No</td></tr>" * 3 + "</table>"
    got = clean_fragment(f"<div>{story}{video * 3}{story}{table}</div>", RULES)
    assert "Iconic image of the harbour flood" not in got
    assert got.count("Yes") == 3 and len(got) == 8


CUTS = ["Comments", "3 Comments", "Add Comment", "Leave a Reply", "Reader comments", "Kommentare"]


@pytest.mark.parametrize("label", CUTS)
def test_comment_heading_after_the_story_cuts_the_rest(label: str) -> None:
    story = "".join(
        f"<p>Built in 179{i}, the mill used the tide to turn a wheel six metres across.</p>"
        for i in range(5)
    )
    comments = "<p>Posted by: reader on 4:05pm Tue 1 Jan 08</p><p>Great story, thanks.</p>"
    got = clean_fragment(f"<div>{story}<p>{label}</p>{comments}</div>", RULES)
    assert len(got) == 5 and "Great story, thanks." not in got
    assert DATA["blocks"]["cut_min_chars"] <= len("".join(got))


def test_comment_count_above_the_story_cuts_nothing() -> None:
    story = "".join(
        f"<p>Built in 179{i}, the mill used the tide to turn a wheel six metres across.</p>"
        for i in range(5)
    )
    got = clean_fragment(f"<div><p>4 Comments</p>{story}</div>", RULES)
    assert len(got) == 5


@pytest.mark.parametrize("pattern", DATA["blocks"]["cut"])
def test_every_cut_rule_has_an_example(pattern: str) -> None:
    assert _covered(pattern, CUTS), f"add a CUTS example for {pattern!r}"


# --------------------------------------------------------------------------- coverage


def _covered(pattern: str, examples: list[str], *, prefix: bool = False) -> bool:
    regex = re.compile(pattern, re.I | re.S)
    if prefix:
        return any(regex.match(e) for e in examples)
    return any(regex.fullmatch(e.strip(" -.!:")) or regex.fullmatch(e) for e in examples)


@pytest.mark.parametrize("pattern", DATA["blocks"]["full"])
def test_every_block_rule_has_an_example(pattern: str) -> None:
    assert _covered(pattern, BOILERPLATE), f"add a BOILERPLATE example for {pattern!r}"


@pytest.mark.parametrize("pattern", DATA["blocks"]["prefix"])
def test_every_prefix_rule_has_an_example(pattern: str) -> None:
    assert _covered(pattern, READ_ALSO, prefix=True), f"add a READ_ALSO example for {pattern!r}"


@pytest.mark.parametrize(
    "word", DATA["class_id"]["drop"] + DATA["class_id"]["always_drop"] + DATA["class_id"]["small"]
)
def test_every_class_word_has_an_example(word: str) -> None:
    assert word in CLASS_EXAMPLES.values(), f"add a CLASS_EXAMPLES entry for {word!r}"
    assert any(re.search(word, c, re.I) for c, w in CLASS_EXAMPLES.items() if w == word)


def test_comment_word_on_the_article_wrapper_does_not_drop_the_article() -> None:
    body = f'<div id="article" class="comments-enabled"><h1>Headline</h1>{ARTICLE_P}</div>'
    assert "tidal mill" in _pruned_text(body)


def _has_upper(pattern: str) -> bool:
    literal = re.sub(r"\\[A-Za-z]", "", pattern)  # escapes such as \\b and \\d are not letters
    return literal != literal.lower()


def test_class_words_and_block_patterns_are_written_in_lowercase() -> None:
    """Class/id values and paragraphs are lowercased before matching (no re.I: it is slow)."""
    words = [w for key in ("drop", "always_drop", "keep", "small") for w in DATA["class_id"][key]]
    assert [w for w in words + DATA["blocks"]["full"] if _has_upper(w)] == []
    assert "OUTBRAIN" in CLASS_EXAMPLES and "ADVERTISEMENT" in BOILERPLATE  # upper case matches
