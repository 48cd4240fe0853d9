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
from urllib.parse import urlsplit

import lxml.html
from lxml import etree

from ingest.article import Article
from ingest.clean import load_rules
from ingest.decode import decode_html
from ingest.language import detect_language
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
#: Fewer words than this and a paywall flag or prompt: the page is a paywalled teaser.
PAYWALL_TEASER_WORDS = 150
#: At least this many teaser headlines (linked h2/h3 or <article> elements) and few words of
#: running text: the page lists articles rather than being one.
LISTING_TEASERS = 8
LISTING_MAX_WORDS = 250
_PAYWALL_PROMPT = re.compile(
    r"subscribe to (continue|keep) reading|(this|the rest of this) (article|story|content) is"
    r" (only )?(available|for|reserved for) (subscribers|members)|already a subscriber\?"
    r"|nur für abonnenten|weiterlesen mit|jetzt abonnieren und weiterlesen"
    r"|réservé aux abonnés|article réservé|contenido exclusivo para suscriptores"
    r"|solo para suscriptores|riservato agli abbonati|alleen voor abonnees",
    re.I,
)


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
    teasers = _teaser_count(root)
    body_scripts = _ARTICLE_BODY_SCRIPTS(root)  # read before boilerplate removal drops scripts
    paragraphs = main_paragraphs(root, rules)
    if body_scripts:
        paragraphs = _prefer_article_body(paragraphs, body_scripts)
    paragraphs = _without_title(paragraphs, meta.get("title"))
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
    if not article.language and article.text:
        article.language = detect_language(article.text)
    article.kind, article.kind_reason = classify(article, meta, teasers, text)
    return article


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


def _without_title(paragraphs: list[str], title: str | None) -> list[str]:
    """Drop leading paragraphs that repeat the headline (the title is its own field)."""
    if not title or not paragraphs:
        return paragraphs
    key = " ".join(title.split()).casefold()
    return [p for i, p in enumerate(paragraphs) if i > 2 or p.casefold() != key]


def classify(
    article: Article, meta: dict[str, Any], teasers: int, html: str
) -> tuple[str, str | None]:
    """The page kind and, for non-articles, the reason (recorded in the fetch log)."""
    words = article.word_count
    types = set(meta.get("types") or [])
    is_article_type = bool(types & ARTICLE_TYPES)
    if not words:
        return "empty", "no main text found"
    if words < PAYWALL_TEASER_WORDS and (meta.get("is_paywalled") or _PAYWALL_PROMPT.search(html)):
        return "paywall", f"paywalled teaser ({words} words)"
    if not is_article_type:
        listing = types & LISTING_TYPES - {"og:website"}
        if listing and words < LISTING_MAX_WORDS * 2:
            return "not_article", f"listing page ({', '.join(sorted(listing))})"
        if _is_home(article.fetched_url or article.url) and words < LISTING_MAX_WORDS * 4:
            return "not_article", "home page"
        if teasers >= LISTING_TEASERS and words < LISTING_MAX_WORDS:
            return "not_article", f"listing page ({teasers} teasers)"
    return "article", None


def _is_home(url: str) -> bool:
    path = urlsplit(url).path
    return path in ("", "/") or bool(re.fullmatch(r"/(index\.\w+|[a-z]{2}(-[a-z]{2})?/?)", path))
