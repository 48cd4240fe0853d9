"""The extraction facade: one page of HTML in, one :class:`~ingest.article.Article` out.

``extract(html, url)`` needs no Scrapy: the spider pipeline, ``make eval`` and
``ingest extract FILE_OR_URL`` all call it. The page is parsed once with lxml; metadata is read
first (it needs the ``<head>`` and JSON-LD scripts that boilerplate removal throws away), then
the main text is found (:mod:`ingest.maintext`) and cleaned (:mod:`ingest.clean`), and finally
the page is classified: ``article``, ``not_article`` (listing, tag, author and home pages),
``paywall`` (a paywalled teaser) or ``empty``.

Arguments are plain values so the function can run in a process pool; compiled rules are
cached per process.
"""

from __future__ import annotations

import html as html_lib
import re
from collections.abc import Sequence
from typing import Any
from urllib.parse import urljoin, urlsplit

import lxml.html
from lxml import etree

from ingest.article import CJK_CHARACTER, Article
from ingest.clean import load_rules
from ingest.decode import decode_html
from ingest.language import detect_language, resolve_language
from ingest.maintext import EmptyDocument, main_paragraphs, parse_html
from ingest.metadata import extract_metadata, parse_json_lenient

#: JSON-LD articleBody replaces the markup's text when it is longer than this many characters
#: and more than ARTICLE_BODY_RATIO times the markup's text.
ARTICLE_BODY_MIN_CHARS = 400
ARTICLE_BODY_RATIO = 2.0
_ARTICLE_BODY_SCRIPTS = etree.XPath(
    "//script[contains(@type, 'ld+json')][contains(., 'articleBody')]/text()"
)
_TAGS = re.compile(r"<[^>]+>")

#: Schema.org / OpenGraph types that mark a page as one article.
ARTICLE_TYPES = frozenset(
    [
        "Article",
        "NewsArticle",
        "ReportageNewsArticle",
        "AnalysisNewsArticle",
        "OpinionNewsArticle",
        "BackgroundNewsArticle",
        "ReviewNewsArticle",
        "AskPublicNewsArticle",
        "SatiricalArticle",
        "BlogPosting",
        "LiveBlogPosting",
        "Report",
        "ScholarlyArticle",
        "TechArticle",
        "Review",
        "og:article",
    ]
)
#: Types that mark listing, author, search and home pages.
LISTING_TYPES = frozenset(
    [
        "CollectionPage",
        "ItemList",
        "ProfilePage",
        "SearchResultsPage",
        "Blog",
        "og:profile",
        "og:website",
    ]
)
#: Characters of text enough to confirm a declared language (the full check reads more). On
#: the devset 100 sends 12 of 680 declared pages on to the full check, 200 sent 11, and
#: py3langid reads text byte by byte in Python: half the characters, half the cost.
QUICK_LANGUAGE_CHARS = 100
#: Fewer words than this and a paywall flag or prompt: the page is a paywalled teaser.
PAYWALL_TEASER_WORDS = 150
#: At least this many teaser headlines (linked h2/h3 or <article> elements) and few words of
#: running text: the page lists articles rather than being one.
LISTING_TEASERS = 8
LISTING_MAX_WORDS = 250
#: A page without article markup whose main text is at least this share teaser blurbs (text
#: of a card that holds a headline linking to another page) is a section or tag listing, even
#: with a single teaser.
LISTING_TEASER_SHARE = 0.5
#: A teaser card holds at most this many characters (a post with a linked title is longer).
TEASER_CARD_MAX_CHARS = 800
_LINKED = "[.//a[@href][not(starts-with(normalize-space(@href), '#'))]]"
_LINKED_HEADINGS = etree.XPath(" | ".join(f"//body//{h}{_LINKED}" for h in ("h2", "h3", "h4")))
_HEADINGS_IN = etree.XPath("count(.//h1|.//h2|.//h3|.//h4|.//h5|.//h6)")
#: ... and before its headline at most a kicker or a date.
TEASER_LEAD_MAX_CHARS = 60
_HEADING_LINK = etree.XPath(".//a[@href][not(starts-with(normalize-space(@href), '#'))]/@href")
_PAYWALL_PROMPT = re.compile(
    r"subscribe to (continue|keep) reading|(this|the rest of this) (article|story|content) is"
    r" (only )?(available|for|reserved for) (subscribers|members)|already a subscriber\?"
    r"|nur für abonnenten|weiterlesen mit|jetzt abonnieren und weiterlesen"
    r"|réservé aux abonnés|article réservé|contenido exclusivo para suscriptores"
    r"|solo para suscriptores|riservato agli abbonati|alleen voor abonnees",
)  # matched on lowercased HTML: re.I makes this scan of a whole page several times slower
#: Every prompt above holds one of these words: pages without them skip the full scan.
_PAYWALL_HINT = re.compile(r"subscri|abonn|suscri|weiterlesen|réservé|abbonati")


def _paywall_prompt(html: str) -> bool:
    """True when the page prints a "subscribe to keep reading" prompt somewhere."""
    low = html.lower()
    return bool(_PAYWALL_HINT.search(low) and _PAYWALL_PROMPT.search(low))


def extract(
    html: str | bytes,
    url: str,
    *,
    drop: Sequence[str] = (),
    keep: Sequence[str] = (),
    encoding: str | None = None,
) -> Article:
    """Extract one page fetched from ``url`` into an Article.

    ``html`` should be decoded text; bytes are decoded with ``encoding`` when given, else by
    :func:`ingest.decode.decode_html`. ``drop``/``keep`` are the source's extra CSS selectors.
    Never raises for odd markup: a page without a document comes back as ``kind="empty"``.
    """
    text = _decode(html, encoding)
    rules = load_rules(drop, keep)
    try:
        root = parse_html(text)
    except EmptyDocument as exc:
        return Article(url=url, fetched_url=url, kind="empty", kind_reason=str(exc))
    meta = _metadata(root, url)
    # Listing-page evidence, only needed (and only gathered) for pages without article markup;
    # read before boilerplate removal takes the teasers away.
    typed = bool(set(meta.get("types") or []) & ARTICLE_TYPES)
    teasers = 0 if typed else _teaser_count(root)
    blurbs = set() if typed else _teaser_blurbs(root, meta.get("url") or url)
    body_scripts = _ARTICLE_BODY_SCRIPTS(root)  # read before boilerplate removal drops scripts
    paragraphs = main_paragraphs(root, rules)
    if body_scripts:
        paragraphs = _prefer_article_body(paragraphs, body_scripts)
    paragraphs = _without_labels(paragraphs, meta.get("title"), meta.get("section"))
    paragraphs = _without_bylines(paragraphs, meta.get("authors") or [])
    article = Article(
        url=meta.get("url") or url,
        title=meta.get("title"),
        text="\n\n".join(paragraphs),
        authors=list(meta.get("authors") or []),
        published_at=meta.get("published_at"),
        modified_at=meta.get("modified_at"),
        language=meta.get("language"),
        description=meta.get("description"),
        section=meta.get("section"),
        tags=list(meta.get("tags") or []),
        image=meta.get("image"),
        site_name=meta.get("site_name"),
        fetched_url=url,
    )
    _drop_control_characters(article)
    article.language = _language(article.language, article.text)
    article.kind, article.kind_reason = classify(
        article, meta, teasers, text, _blurb_share(paragraphs, blurbs)
    )
    return article


#: C0 and C1 control characters but tab, newline and carriage return: never text, and an ESC
#: taken from a page (a title with "\x1b]0;..." in it) would drive the terminal that prints it.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_ASCII_CONTROL = bytes([*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F])
_TEXT_FIELDS = ("title", "text", "description", "section", "site_name")


def _drop_control_characters(article: Article) -> None:
    for name in _TEXT_FIELDS:
        value = getattr(article, name)
        if value and _has_control(value):
            setattr(article, name, _CONTROL.sub("", value))
    for name in ("authors", "tags"):
        values = getattr(article, name)
        if any(_has_control(v) for v in values):
            setattr(article, name, [_CONTROL.sub("", v) for v in values])


def _has_control(value: str) -> bool:
    """Whether ``value`` holds a :data:`_CONTROL` character. Runs on every page's text: ASCII
    text (most pages) is checked in C by deleting the control bytes, five times faster than
    the regex's scan."""
    if value.isascii():
        raw = value.encode("ascii")
        return len(raw.translate(None, _ASCII_CONTROL)) != len(raw)
    return _CONTROL.search(value) is not None


def _language(declared: str | None, text: str) -> str | None:
    """The declared language checked against the text, or the detected one when undeclared.

    Templates declare the site's default language on pages in another one. The quick
    identification agrees with the declaration on almost every page; only when it does not is
    the full check (:func:`ingest.language.resolve_language`, which ranks every language) run.
    """
    if not declared:
        return detect_language(text)
    if detect_language(text[:QUICK_LANGUAGE_CHARS]) in (None, declared):
        return declared
    return resolve_language(declared, text)


def _decode(html: str | bytes, encoding: str | None) -> str:
    if isinstance(html, str):
        return html
    if encoding:
        return html.decode(encoding, errors="replace")
    return decode_html(html)[0]


def _metadata(root: lxml.html.HtmlElement, url: str) -> dict[str, Any]:
    return extract_metadata(root, url)


def _prefer_article_body(paragraphs: list[str], scripts: list[str]) -> list[str]:
    """The JSON-LD ``articleBody`` when the page's markup gave much less text.

    Some sites render the body with JavaScript and ship it only in structured data; others
    hide it from the markup we can see. The markup wins whenever it has a fair share of it.
    """
    body = _article_body(scripts)
    if not body:
        return paragraphs
    found = sum(len(p) for p in paragraphs)
    if len(body) < ARTICLE_BODY_MIN_CHARS or len(body) <= ARTICLE_BODY_RATIO * found:
        return paragraphs
    lines = [" ".join(line.split()) for line in re.split(r"\n+|<br\s*/?>|</p>", body)]
    return [_TAGS.sub("", line).strip() for line in lines if line.strip()]


def _article_body(scripts: list[str]) -> str | None:
    """The longest ``articleBody`` string of the page's JSON-LD scripts."""
    best = ""
    for script in scripts:
        for node in _flatten_jsonld(parse_json_lenient(script)):
            value = node.get("articleBody")
            if isinstance(value, str) and len(value) > len(best):
                best = value
    return html_lib.unescape(best) if best else None


def _flatten_jsonld(data: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, dict):
            found.append(item)
            stack.extend(v for v in item.values() if isinstance(v, dict | list))
    return found


def _teaser_count(root: lxml.html.HtmlElement) -> int:
    """Teaser headlines on the page: linked h2/h3 headings or ``<article>`` elements."""
    linked = root.xpath("count(//h2[a]|//h3[a]|//h2/parent::a|//h3/parent::a)")
    articles = root.xpath("count(//article)")
    return int(max(linked, articles))


def _teaser_blurbs(root: lxml.html.HtmlElement, url: str) -> set[str]:
    """Texts of the blocks in teaser cards: a headline linking to another page plus its blurb.

    The card is the largest ancestor (at most three levels up) that holds this one heading and
    no other, little text, and nothing but a kicker or date before the headline. A section
    page's main text is such blurbs; an article with a linked subheading is not a card (text
    comes before its heading, or it has other headings).
    """
    own = _same_page_key(url)
    blurbs: set[str] = set()
    for heading in _LINKED_HEADINGS(root):
        hrefs = _HEADING_LINK(heading)
        if not hrefs or _same_page_key(urljoin(url, hrefs[0].strip())) == own:
            continue
        card = _card(heading)
        if card is None:
            continue
        for block in card.iter("p", "div", "li", "span"):
            text = " ".join(block.text_content().split())
            if text:
                blurbs.add(text)
    return blurbs


def _card(heading: lxml.html.HtmlElement) -> lxml.html.HtmlElement | None:
    """The teaser card around a linked headline, or None when it sits in running text."""
    headline = " ".join(heading.text_content().split())
    card = None
    node = heading.getparent()
    for _ in range(3):
        if node is None or node.tag in ("body", "html", "main"):
            break
        if _HEADINGS_IN(node) > 1:
            break
        text = " ".join(node.text_content().split())
        if len(text) > TEASER_CARD_MAX_CHARS or text.find(headline) > TEASER_LEAD_MAX_CHARS:
            break
        card = node
        node = node.getparent()
    return card


def _same_page_key(url: str) -> str:
    parts = urlsplit(url)
    return parts.netloc.lower().removeprefix("www.") + parts.path.rstrip("/")


def _blurb_share(paragraphs: list[str], blurbs: set[str]) -> float:
    """Share of the main text's characters that are teaser blurbs."""
    total = sum(len(p) for p in paragraphs)
    if not total or not blurbs:
        return 0.0
    return sum(len(p) for p in paragraphs if p in blurbs) / total


def _without_labels(paragraphs: list[str], title: str | None, section: str | None) -> list[str]:
    """Drop leading paragraphs that repeat the headline or the section name (a kicker).

    Both are fields of their own; in the text they are page furniture above the first line.
    """
    keys = {" ".join(v.split()).casefold() for v in (title, section) if v}
    if not keys or not paragraphs:
        return paragraphs
    return [p for i, p in enumerate(paragraphs) if i > 2 or p.casefold() not in keys]


#: A paragraph naming an author with at most this many other characters is a byline
#: ("Von Jens Kassner", "Autorin/Autor Roman Goncharenko", "By Mara Quennell and Tom Hale").
BYLINE_EXTRA_CHARS = 40


def _without_bylines(paragraphs: list[str], authors: list[str]) -> list[str]:
    """Drop byline paragraphs: the author names are a field of their own."""
    names = [" ".join(a.split()) for a in authors if len(a.split()) >= 2]
    if not names:
        return paragraphs
    return [p for p in paragraphs if not _is_byline(p, names)]


def _is_byline(paragraph: str, names: list[str]) -> bool:
    if len(paragraph) > BYLINE_EXTRA_CHARS + sum(len(n) for n in names):
        return False
    rest = " ".join(paragraph.split())
    found = False
    for name in names:
        if name in rest:
            rest = rest.replace(name, "")
            found = True
    return found and len(rest.strip()) <= BYLINE_EXTRA_CHARS


def classify(
    article: Article, meta: dict[str, Any], teasers: int, html: str, blurb_share: float = 0.0
) -> tuple[str, str | None]:
    """The page kind and, for non-articles, the reason (recorded in the fetch log).

    Pages without article markup are listings when they say so (CollectionPage ...), when they
    are a site's home page, when they show many teasers and little text, or when their main text
    is mostly teaser blurbs (a section page with one or two teasers).
    """
    words = _spaced_words(article)
    types = set(meta.get("types") or [])
    is_article_type = bool(types & ARTICLE_TYPES)
    if not words:
        return "empty", "no main text found"
    if words < PAYWALL_TEASER_WORDS and (meta.get("is_paywalled") or _paywall_prompt(html)):
        return "paywall", f"paywalled teaser ({words} words)"
    if not is_article_type:
        listing = types & LISTING_TYPES - {"og:website"}
        if listing and words < LISTING_MAX_WORDS * 2:
            return "not_article", f"listing page ({', '.join(sorted(listing))})"
        if _is_home(article.fetched_url or article.url) and words < LISTING_MAX_WORDS * 4:
            return "not_article", "home page"
        if teasers >= LISTING_TEASERS and words < LISTING_MAX_WORDS:
            return "not_article", f"listing page ({teasers} teasers)"
        if blurb_share >= LISTING_TEASER_SHARE:
            return "not_article", f"listing page ({blurb_share:.0%} of the text in teasers)"
    return "article", None


def _spaced_words(article: Article) -> int:
    """The text's length in words as the thresholds above count them: a Chinese or Japanese
    character is a word of ``word_count`` but about half a word of a language written with
    spaces (a 276-character paywall teaser counted 254 words and was stored as an article)."""
    words = article.word_count
    if article.text.isascii():
        return words
    return words - len(CJK_CHARACTER.findall(article.text)) // 2


def _is_home(url: str) -> bool:
    path = urlsplit(url).path
    return path in ("", "/") or bool(re.fullmatch(r"/(index\.\w+|[a-z]{2}(-[a-z]{2})?/?)", path))
