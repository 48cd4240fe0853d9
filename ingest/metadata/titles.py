"""The headline: JSON-LD headline, og:title and title metas, ``<title>``, the visible headline.

:func:`pick_title` decides between the sources. Titles from meta tags and ``<title>`` carry the
site's name and often a section; :mod:`.title_parts` cuts them and finds the visible heading
inside them. When the ``<title>`` is a tagline or a section name the page never shows as a
heading, the headline above the story (:mod:`.headlines`) is taken instead. The visible headline
also arbitrates between an SEO headline in structured data and og:title.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

import lxml.html

from .headlines import MIN_HEADLINE_WORDS, headline_before_text
from .page import is_foreign
from .title_parts import MAX_PER_TAG, heading_in_title, is_site_part, strip_site_name
from .values import clean_text, name_key

if TYPE_CHECKING:
    from .sources import PageSources

#: Structured-data keys of the headline, in order of trust.
STRUCTURED_KEYS = ("headline", "name")
#: Meta names of the headline, in order of trust.
TITLE_META = (
    "og:title",
    "twitter:title",
    "parsely-title",
    "sailthru.title",
    "dc.title",
    "title",
)
#: Analytics tags naming the headline; often a template name ("displayarticle"), so they
#: count only when the <title> gives nothing better.
WEAK_TITLE_META = ("headline", "dcsext.articleheadline", "wt.ti")
#: Share of their words (of all words in either) two titles have in common to count as the
#: same title in other words.
SAME_WORDS = 0.5
_WORDS = re.compile(r"\w+")


def pick_title(src: PageSources) -> str | None:
    """Headline: JSON-LD headline, then og:title and title meta, then <title>, then <h1>.

    Without structured data, a visible heading that the <title> contains is the headline
    ("Site: Section : Headline" -> "Headline").
    """
    h1 = src.h1_text
    names = src.names
    meta = src.first_meta(*TITLE_META)
    for value in src.structured(*STRUCTURED_KEYS):
        text = clean_text(value)
        if text and len(text) <= 300 and not text.startswith(("/", "http")):
            return _agreeing_with_page(strip_site_name(text, names, h1), meta, src)
    raw = meta or src.title_tag
    heading = heading_in_title(raw, src) if raw else None
    if heading:
        return heading
    title = strip_site_name(raw, names, h1, longest=meta is None) if raw else None
    if not title or is_site_part(title, names) or len(title.split()) <= 2:
        # the <title> names only the site or a section: the page's own headline is better
        headline = headline_before_text(src) or h1 or _headline_element(src, names)
        headline = headline or _weak_meta(src)
        if headline and (not title or len(headline.split()) > len(title.split())):
            return headline
    elif meta is None and (before := headline_before_text(src, marked_only=True)):
        # no heading on the page repeats the <title>, and one marked as the headline stands
        # above the story: it is the headline, the <title> a tagline or an SEO title
        return title if _same_words(before, title) else before
    elif not _shown(title, src):
        # a site tagline or an SEO title the page never shows: the visible headline is better,
        # unless it is the title in other words ("Dropbox’s ATF - a" / "Dropbox ATF: a")
        headline = headline_before_text(src) or _weak_meta(src)
        return title if not headline or _same_words(headline, title) else headline
    return title


def _same_words(headline: str, title: str) -> bool:
    """The title says what the headline says in other words: half of all their words are
    shared, and the title does not add a run of words the headline lacks (a site name)."""
    a, b = set(_WORDS.findall(headline.casefold())), set(_WORDS.findall(title.casefold()))
    if not a or not b or (a < b and len(b - a) > 1):
        return False
    return len(a & b) >= SAME_WORDS * len(a | b)


def _weak_meta(src: PageSources) -> str | None:
    text = src.first_meta(*WEAK_TITLE_META)
    return text if text and len(text.split()) >= MIN_HEADLINE_WORDS else None


def _shown(title: str, src: PageSources) -> bool:
    """True when the page's text contains ``title`` (compared without case and punctuation)."""
    return name_key(title) in src.body_key


def _agreeing_with_page(structured: str, meta: str | None, src: PageSources) -> str:
    """The structured headline, unless og:title is the one the page shows as its headline.

    Sites write a separate SEO headline into JSON-LD or og:title; the visible one wins.
    """
    if not meta:
        return structured
    names = src.names
    target = name_key(structured)
    other = strip_site_name(meta, names, src.h1_text)
    other_key = name_key(other)
    if other_key == target or not other_key:
        return structured
    for el in _heading_elements(src):
        key = name_key(el.text_content())
        if key == target:
            return structured
        if key == other_key and not is_site_part(other, names) and not is_foreign(el):
            return other
    return structured


def _headline_element(src: PageSources, names: list[str]) -> str | None:
    """Text of the first element marked as a headline (class/id headline or title)."""
    for el in _heading_elements(src):
        text = clean_text(el.text_content())
        plausible = text and 3 <= len(text.split()) <= 30 and not is_site_part(text, names)
        if plausible and not is_foreign(el):
            return text
    return None


def _heading_elements(src: PageSources) -> Iterator[lxml.html.HtmlElement]:
    for tag in ("h1", "h2"):
        yield from src.elements[tag][:MAX_PER_TAG]
    yield from src.marked.headings[:40]
