"""The headline above the story, for pages whose ``<title>`` is a tagline or a section name.

Old and table-based pages put the headline in ``<span class="headline">``, ``<font
class="storyhead">`` or a plain ``<h3>`` right above the story. The candidates are the
headline-like elements just before the first text of a paragraph's length; dates, bylines,
navigation and page furniture are not headlines.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from itertools import islice
from typing import TYPE_CHECKING, Any

import lxml.etree
import lxml.html

from ingest.dates import search_date

from .bylines import LIST_SPLIT, split_names
from .names import ROLE_LAST
from .page import is_foreign
from .title_parts import is_site_part
from .values import clean_text

if TYPE_CHECKING:
    from .sources import PageSources

#: class/id of headline elements on pages without heading tags ("storyhead", "ArticleHead").
HEADLINE_MARK = re.compile(r"head(?!er\b)|title|hdln", re.IGNORECASE)
#: class/id that name the element the headline, not any heading ("ArticleHeadline", "hdln").
STRONG_HEADLINE_MARK = re.compile(r"headline|hdln|storyhead|articlehead|article_?title", re.I)
#: Words of page furniture: "Navigation - link to ...", "Mail this story", "More in ...".
UI_TEXT = re.compile(
    r"\b(?:navigation|mail this|e-?mail|print|share|more in|more from|related|tags|search"
    r"|subscribe|today's paper|sign in|log ?in|advertisement|follow us|click)\b",
    re.IGNORECASE,
)
#: A text of this length starts the article body: the headline is the last headline-like
#: element before it.
BODY_TEXT_CHARS = 150
#: Headline candidates have this many words (or CJK characters / 2).
MIN_HEADLINE_WORDS = 3
MAX_HEADLINE_WORDS = 30
_NOT_HEADLINE_TAGS = frozenset(["a", "script", "style", "noscript", "option", "select", "label"])
#: Headline-like elements looked at, closest to the story first, and elements walked at most.
MAX_CANDIDATES = 12
MAX_WALK = 3000
#: The first text of a paragraph's length outside scripts and links (XPath: C speed).
_FIRST_BODY_TEXT = lxml.etree.XPath(
    f"(//body//text()[string-length(normalize-space(.)) >= {BODY_TEXT_CHARS}]"
    "[not(ancestor::script or ancestor::style or ancestor::noscript or ancestor::a"
    " or ancestor::option or ancestor::title)])[1]"
)
#: Containers of navigation, logos and bylines: their headline-like text is not the headline.
NOT_HEADLINE_CONTAINER = re.compile(
    r"nav|menu|breadcrumb|masthead|logo|toolbar|byline|author|date|time|sub|dek\b|deck|kicker"
    r"|summary|caption|tagline|slogan|description",
    re.IGNORECASE,
)
#: Dates, times, separators of link lists and wire slugs are not headlines.
NOT_HEADLINE_TEXT = re.compile(
    r"\d{1,2}[:.]\d{2}\b|\d{1,2}/\d{1,2}/\d{2,4}|\b(?:19|20)\d{2}\b.*\b(?:hrs|ist|gmt|am|pm)\b"
    r"|[|\u00b7\u2022]|\bBC-",
    re.IGNORECASE,
)


def headline_before_text(src: PageSources, marked_only: bool = False) -> str | None:
    """The last headline-like element (h1-h6, class*=headline/title) before the first text
    of a paragraph's length: old and table-based pages put the headline in
    ``<span class="headline">`` or ``<font class="storyhead">`` right above the story.

    With ``marked_only`` only <h1> and elements whose class/id says headline count.
    """
    texts = _FIRST_BODY_TEXT(src.tree)
    if not texts:
        return None
    candidates = 0
    for el in islice(_elements_before(texts[0]), MAX_WALK):
        if not isinstance(el.tag, str) or el.tag in _NOT_HEADLINE_TAGS or not _headline_like(el):
            continue
        candidates += 1
        if candidates > MAX_CANDIDATES:
            break
        if marked_only and el.tag != "h1" and not STRONG_HEADLINE_MARK.search(_marker(el)):
            continue
        text = _headline_text(el, src)
        if text:
            return text
    return None


def _elements_before(text: Any) -> Iterator[lxml.html.HtmlElement]:
    """Elements before a text node, closest first (reverse document order, no ancestors).

    Walking back from the story stops at the headline, a few elements away; libxml2's
    ``preceding::`` axis would visit the whole page before it.
    """
    el = text.getparent()
    if text.is_tail:  # "<b>Headline</b> story...": the element and its content come first
        yield from reversed(list(el.iter()))
    while el is not None:
        for sibling in el.itersiblings(preceding=True):
            yield from reversed(list(sibling.iter()))
        el = el.getparent()


def _headline_like(el: lxml.html.HtmlElement) -> bool:
    tag = el.tag
    return tag[0] == "h" and tag[1:].isdigit() or bool(HEADLINE_MARK.search(_marker(el)))


def _marker(el: lxml.html.HtmlElement) -> str:
    return (el.get("class") or "") + " " + (el.get("id") or "")


def _headline_text(el: lxml.html.HtmlElement, src: PageSources) -> str | None:
    text = clean_text(el.text_content())
    if not text:
        return None
    words = len(text.split()) + sum(1 for ch in text if ord(ch) >= 0x2E80) // 2
    if not MIN_HEADLINE_WORDS <= words <= MAX_HEADLINE_WORDS or is_site_part(text, src.names):
        return None
    last = text.split()[-1].strip(".,")
    if NOT_HEADLINE_TEXT.search(text) or UI_TEXT.search(text) or ROLE_LAST.fullmatch(last):
        return None
    if search_date(text) or _is_byline(text):
        return None
    if NOT_HEADLINE_CONTAINER.search(_marker(el)) or is_foreign(el):
        return None
    for parent in islice(el.iterancestors(), 4):
        if NOT_HEADLINE_CONTAINER.search(_marker(parent)):
            return None
    return text


def _is_byline(text: str) -> bool:
    """ "Murray McCormick, Canwest News Service; Regina Leader-Post": names and agencies only."""
    parts = LIST_SPLIT.split(text)
    return len(parts) > 1 and len(split_names(text)) >= len(parts)
