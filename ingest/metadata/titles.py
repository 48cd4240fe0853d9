"""The headline: JSON-LD headline, og:title and title metas, ``<title>``, the visible ``<h1>``.

Titles from meta tags and ``<title>`` carry the site's name (" | Site", " - Site") and often a
section; they are cut. The visible headline arbitrates between an SEO headline in structured
data and the one the reader sees.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from itertools import islice
from typing import TYPE_CHECKING

import lxml.etree
import lxml.html

from ingest.dates import search_date

from .bylines import LIST_SPLIT, split_names
from .names import ROLE_LAST
from .page import is_foreign, title_tag
from .values import clean_text, name_key

if TYPE_CHECKING:
    from .sources import PageSources

#: Structured-data keys of the headline, in order of trust.
STRUCTURED_KEYS = ("headline", "name")
#: Meta names of the headline, in order of trust (WebTrends and Webtrends DCS tags last).
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
#: Elements tried as the visible headline inside a <title>, in order, the first N of each.
HEADING_TAGS = ("h1", "h2", "h3", "h4", "h5")
EMPHASIS_TAGS = ("b", "strong", "font")
MAX_PER_TAG = 20
#: Separators between a headline and the site or section name in a title.
TITLE_SEP = re.compile(
    r"(\s+(?:[|\u2013\u2014\u00bb\u00ab\u00b7\u2022>:]|::|-{1,2}|/)\s+|\s*[\uff5c\uff1a]\s*)"
)
_WORD_CHAR = re.compile(r"[^\W_]")
#: class/id of headline elements on pages without heading tags ("storyhead", "ArticleHead").
HEADLINE_MARK = re.compile(r"head(?!er\b)|title|hdln", re.IGNORECASE)
#: Share of their words (of all words in either) two titles have in common to count as the
#: same title in other words.
SAME_WORDS = 0.5
_WORDS = re.compile(r"\w+")
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
_LOWER = "translate({}, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz')"
_MARKED = " or ".join(
    f"contains({_LOWER.format(attr)}, '{part}')"
    for attr in ("@class", "@id")
    for part in ("head", "title", "hdln")
)
#: The closest headline-like elements before the first text of a paragraph's length outside
#: scripts and links, in document order (one XPath: libxml2 walks the page, not Python).
_HEADLINES_BEFORE_TEXT = lxml.etree.XPath(
    f"(//body//text()[string-length(normalize-space(.)) >= {BODY_TEXT_CHARS}]"
    "[not(ancestor::script or ancestor::style or ancestor::noscript or ancestor::a"
    " or ancestor::option or ancestor::title)])[1]"
    "/preceding::*[self::h1 or self::h2 or self::h3 or self::h4 or self::h5 or self::h6"
    f" or {_MARKED}][position() <= 12]"
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


def pick_title(src: PageSources) -> str | None:
    """Headline: JSON-LD headline, then og:title and title meta, then <title>, then <h1>.

    Without structured data, a visible heading that the <title> contains is the headline
    ("Site: Section : Headline" -> "Headline").
    """
    h1 = clean_text(src.h1.text_content()) if src.h1 is not None else None
    names = src.names
    meta = src.first_meta(*TITLE_META)
    for value in src.structured(*STRUCTURED_KEYS):
        text = clean_text(value)
        if text and len(text) <= 300 and not text.startswith(("/", "http")):
            return _agreeing_with_page(strip_site_name(text, names, h1), meta, src)
    raw = meta or title_tag(src.tree)
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


def _is_byline(text: str) -> bool:
    """ "Murray McCormick, Canwest News Service; Regina Leader-Post": names and agencies only."""
    parts = LIST_SPLIT.split(text)
    return len(parts) > 1 and len(split_names(text)) >= len(parts)


def _weak_meta(src: PageSources) -> str | None:
    text = src.first_meta(*WEAK_TITLE_META)
    return text if text and len(text.split()) >= MIN_HEADLINE_WORDS else None


def _shown(title: str, src: PageSources) -> bool:
    """True when the page's text contains ``title`` (compared without case and punctuation)."""
    return name_key(title) in src.body_key


def headline_before_text(src: PageSources, marked_only: bool = False) -> str | None:
    """The last headline-like element (h1-h6, class*=headline/title) before the first text
    of a paragraph's length: old and table-based pages put the headline in
    ``<span class="headline">`` or ``<font class="storyhead">`` right above the story.

    With ``marked_only`` only <h1> and elements whose class/id says headline count.
    """
    for el in reversed(_HEADLINES_BEFORE_TEXT(src.tree)):
        if el.tag in _NOT_HEADLINE_TAGS or not _headline_like(el):
            continue
        if marked_only and el.tag != "h1" and not STRONG_HEADLINE_MARK.search(_marker(el)):
            continue
        text = _headline_text(el, src)
        if text:
            return text
    return None


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


def _agreeing_with_page(structured: str, meta: str | None, src: PageSources) -> str:
    """The structured headline, unless og:title is the one the page shows as its headline.

    Sites write a separate SEO headline into JSON-LD or og:title; the visible one wins.
    """
    if not meta:
        return structured
    names = src.names
    target = name_key(structured)
    other = strip_site_name(meta, names, _h1_text(src))
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


def _h1_text(src: PageSources) -> str | None:
    return clean_text(src.h1.text_content()) if src.h1 is not None else None


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
        yield from islice(src.tree.iter(tag), MAX_PER_TAG)
    yield from src.marked.headings[:40]


def heading_in_title(raw: str, src: PageSources) -> str | None:
    """The longest visible heading (h1, h2, class*=headline/title) contained in ``raw``.

    <h1>/<h2> are tried first; the page-wide pass over marked elements only when they fail.
    """
    runs = _part_runs(raw)
    target = name_key(raw)
    if not runs:
        return None
    names = src.names
    for elements in _title_heading_groups(src):
        best = _longest_within(elements, runs, target, raw, names)
        if best:
            return best
    return None


def _title_heading_groups(src: PageSources) -> Iterator[list[lxml.html.HtmlElement]]:
    """Visible headings by kind, most trusted first; later groups cost more to gather."""
    tree = src.tree
    yield [el for tag in HEADING_TAGS[:2] for el in islice(tree.iter(tag), MAX_PER_TAG)]
    yield src.marked.headings[:40]
    yield [el for tag in HEADING_TAGS[2:] for el in islice(tree.iter(tag), MAX_PER_TAG)]
    yield [el for tag in EMPHASIS_TAGS for el in islice(tree.iter(tag), MAX_PER_TAG)]


def _part_runs(title: str) -> set[str]:
    """Name keys of every run of whole parts of ``title`` ("A | B | C": A, AB, B, ...)."""
    pieces = TITLE_SEP.split(title)
    count = len(pieces[0::2])
    return {
        key
        for start in range(count)
        for end in range(start + 1, count + 1)
        if (key := name_key("".join(pieces[2 * start : 2 * end - 1])))
    }


def _between_separators(heading: str, title: str) -> bool:
    """``heading`` appears in ``title`` with punctuation or the title's ends on both sides.

    Compared without case, spaces and punctuation ("Pakistan?s" matches "Pakistans"), then
    checked on the title's own characters around the match.
    """
    chars: list[str] = []
    positions: list[int] = []
    for index, char in enumerate(title):
        for folded in char.casefold():
            if _WORD_CHAR.match(folded):
                chars.append(folded)
                positions.append(index)
    key = name_key(heading)
    start = "".join(chars).find(key) if key else -1
    if start < 0:
        return False
    before = title[: positions[start]].rstrip()
    after = title[positions[start + len(key) - 1] + 1 :].lstrip()
    return (not before or not before[-1].isalnum()) and (not after or not after[0].isalnum())


def _longest_within(
    elements: list[lxml.html.HtmlElement],
    runs: set[str],
    target: str,
    raw: str,
    names: list[str],
) -> str | None:
    """The longest heading that is a whole run of title parts, or its start or end.

    Headings that are the site's name, or a fragment in the middle of the title, do not count.
    """
    best: str | None = None
    for el in elements:
        text = clean_text(el.text_content())
        if not text or len(text) > 300 or (best and len(text) <= len(best)):
            continue
        key = name_key(text)
        if len(key) < max(12, len(target) // 3) or is_site_part(text, names):
            continue
        aligned = key in runs or _between_separators(text, raw)
        if aligned and not is_foreign(el):
            best = text
    return best


def strip_site_name(
    title: str, site_names: list[str], h1: str | None = None, longest: bool = False
) -> str:
    """Cut site-name parts (" | Site", "Site - ") and trailing short " | Section" parts.

    With ``longest`` (a <title> of a page without title metadata) the longest part is kept when
    the others are short: old pages chain site, section and headline in any order.
    """
    pieces = TITLE_SEP.split(title)
    parts, seps = pieces[0::2], pieces[1::2]
    if len(parts) == 1:
        return title
    if h1 and not is_site_part(h1, site_names):
        target = name_key(h1)
        for end in range(len(parts), 0, -1):
            for start in range(end):
                if name_key("".join(pieces[2 * start : 2 * end - 1])) == target:
                    return "".join(pieces[2 * start : 2 * end - 1]).strip()
    while len(parts) > 1:
        if is_site_part(parts[-1], site_names):
            parts, seps = parts[:-1], seps[:-1]
        elif is_site_part(parts[0], site_names):
            parts, seps = parts[1:], seps[1:]
        else:
            break
    if _is_short_tail(parts, seps):
        parts, seps = parts[:-1], seps[:-1]
    if longest and len(parts) > 1:
        best = max(parts, key=len)
        if all(len(p.split()) <= 4 for p in parts if p is not best) and len(best.split()) >= 3:
            return best.strip()
    out = parts[0]
    for sep, part in zip(seps, parts[1:], strict=True):
        out += sep + part
    return out.strip() or title


def _is_short_tail(parts: list[str], seps: list[str]) -> bool:
    """A last " | Section" part: short, after a pipe, and shorter than the headline before it."""
    if len(parts) < 2 or seps[-1].strip() != "|":
        return False
    tail = len(parts[-1].split())
    return tail <= 4 and len(" ".join(parts[:-1]).split()) > tail


def is_site_part(part: str, site_names: list[str]) -> bool:
    """True when a title part is (nearly) one of the site's names ("BBC News" for "bbc")."""
    key = name_key(part)
    if not key:
        return True
    for name in site_names:
        if key == name or (name in key and len(key) - len(name) <= max(4, len(name) // 2)):
            return True
        if key in name and len(key) >= 4 and 2 * len(key) >= len(name):
            return True
    return False
