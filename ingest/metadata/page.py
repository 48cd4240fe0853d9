"""Where on the page metadata lives: the headline, the block around it, marked elements.

Bylines and dates of related posts, sidebars and comments look exactly like the article's own;
:func:`is_foreign` tells them apart by their containers, :func:`headline_region` finds the block
around the ``<h1>`` where the article's byline and date sit.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

import lxml.etree
import lxml.html

from .values import Lowercased, clean_text

#: Containers whose dates and bylines belong to other articles or to the site, not this article.
FOREIGN_TAGS = frozenset(["aside", "footer", "nav"])
FOREIGN_CLASS = Lowercased(
    r"related|sidebar|side-bar|widget|comment|recommend|popular|trending|teaser|promo|outbrain"
    r"|taboola|more-stories|read-?more|also-read|newsletter|footer|most-read|mostread|carousel"
)
#: class/id of the block holding the headline, byline and date.
REGION_MARK = Lowercased(r"article|post|story|entry|content|main")
#: class/id/rel/itemprop values that mark a byline or a headline element.
MARK = re.compile(
    r"(?P<byline>byline|author|autor|writer|^creator$)|(?P<heading>headline|title|heading)",
    re.IGNORECASE,
)
_MARK_PARTS = ("byline", "auth", "autor", "writer", "creator", "title", "head")
_NOT_HEADING_TAGS = frozenset(["meta", "link", "title", "script", "style", "img", "a", "body"])
_MARK_PARTS_RE = re.compile("|".join(_MARK_PARTS))
#: Attribute values are fetched in one XPath and matched in Python: many times faster than
#: an XPath predicate per element with translate()/contains().
_ATTR_XPATH = lxml.etree.XPath("//@class | //@id | //@rel | //@itemprop")
#: Tags the field rules read. To find one tag lxml visits every node of the page, so one walk
#: collecting all of them costs what a walk for one did (~0.05 ms on a small news page).
INDEXED_TAGS = ("base", "link", "meta", "script", "title", "h1", "h2", "time")


def elements_by_tag(tree: lxml.html.HtmlElement) -> dict[str, list[lxml.html.HtmlElement]]:
    """The page's elements of each of :data:`INDEXED_TAGS`, in document order, in one walk."""
    found: dict[str, list[lxml.html.HtmlElement]] = {tag: [] for tag in INDEXED_TAGS}
    for el in tree.iter(*INDEXED_TAGS):
        found[el.tag].append(el)
    return found


def is_foreign(element: lxml.html.HtmlElement) -> bool:
    """True when ``element`` sits in a sidebar, related list, comments, nav or footer."""
    for el in element.iterancestors():
        if el.tag in FOREIGN_TAGS:
            return True
        marker = (el.get("class") or "") + " " + (el.get("id") or "")
        if marker.strip() and _is_foreign_marker(marker):
            return True
    return False


@lru_cache(maxsize=4096)
def _is_foreign_marker(marker: str) -> bool:
    """FOREIGN_CLASS on a class/id pair, cached: every date, byline and headline candidate
    tests all its ancestors, and a site's pages repeat the same few containers."""
    return FOREIGN_CLASS.search(marker) is not None


def first_h1(h1s: list[lxml.html.HtmlElement]) -> lxml.html.HtmlElement | None:
    """The first of the page's ``h1s`` with text outside navigation and sidebars (logos are
    often <h1> too)."""
    for h1 in h1s:
        text = clean_text(h1.text_content())
        if text and len(text) <= 400 and not is_foreign(h1):
            return h1
    return None


def headline_region(h1: lxml.html.HtmlElement | None, tree: lxml.html.HtmlElement) -> Any:
    """The block around the headline where byline and date live (the whole page without h1).

    Searching there first keeps related posts' bylines out and costs a fraction of a full pass.
    """
    if h1 is None:
        return tree
    el = h1
    for _ in range(6):
        parent = el.getparent()
        if parent is None or parent.tag in ("body", "html"):
            break
        el = parent
        marker = (el.get("class") or "") + " " + (el.get("id") or "")
        if el.tag in ("article", "main") or REGION_MARK.search(marker):
            break
    return el


def in_region(el: lxml.html.HtmlElement, region: lxml.html.HtmlElement) -> bool:
    return any(parent is region for parent in el.iterancestors())


def title_tag(titles: list[lxml.html.HtmlElement]) -> str | None:
    """Text of the first non-empty of the page's ``titles``, in document order: the one in
    <head> comes first (the parser puts <head> before <body>), else one a broken page put in
    its body."""
    for el in titles:
        text = clean_text(el.text_content())
        if text:
            return text
    return None


def link_hrefs(links: list[lxml.html.HtmlElement]) -> dict[str, str]:
    """``href`` of the first ``<link>`` naming each rel value among its rels (with an href).

    Built once per page: canonical, amphtml and image_src are each looked up, some twice.
    """
    hrefs: dict[str, str] = {}
    for link in links:
        href = (link.get("href") or "").strip()
        if href:
            for rel in (link.get("rel") or "").lower().split():
                hrefs.setdefault(rel, href)
    return hrefs


class MarkedElements:
    """Elements whose class/id/rel/itemprop mark them as a byline or a headline."""

    def __init__(
        self, bylines: list[lxml.html.HtmlElement], headings: list[lxml.html.HtmlElement]
    ) -> None:
        self.bylines = bylines
        self.headings = headings

    @classmethod
    def find(cls, tree: lxml.html.HtmlElement) -> MarkedElements:
        """One pass over the page's attribute values (they are cheaper than elements)."""
        bylines: list[lxml.html.HtmlElement] = []
        headings: list[lxml.html.HtmlElement] = []
        for value in _ATTR_XPATH(tree):
            if not _MARK_PARTS_RE.search(value.lower()):
                continue  # a test of literal parts first: the regex on every value costs more
            match = MARK.search(value)
            if match is None:
                continue
            el = value.getparent()
            found = bylines if match.lastgroup == "byline" else headings
            if found and found[-1] is el:
                continue
            if found is bylines or el.tag not in _NOT_HEADING_TAGS:
                found.append(el)
        return cls(bylines, headings)
