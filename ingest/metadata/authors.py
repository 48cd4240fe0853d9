"""Authors: JSON-LD/microdata ``author``, then author meta tags, then the page's bylines.

The first source that names a person wins. Organisations (the publisher, agencies) are kept
only when no source names a person. Byline strings become names in :mod:`.bylines`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import lxml.html

from .bylines import split_names
from .jsonld import ORG_TYPES
from .names import ORG, is_full_name
from .page import FOREIGN_CLASS, in_region, is_foreign
from .values import Node, as_list, clean_text, name_key, node_types

if TYPE_CHECKING:
    from .sources import PageSources

#: Meta names of authors, in order of trust.
AUTHOR_META = (
    "author",
    "article:author",
    "og:article:author",
    "parsely-author",
    "sailthru.author",
    "dc.creator",
    "dcterms.creator",
    "byl",
    "cxenseparse:author",
    "article.author",
)
#: Elements never read as a byline even when their class says "author".
SKIP_TAGS = frozenset(["meta", "link", "script", "style", "img", "body", "html", "article"])
_BLOCK_WORDS = """
    br p div li ul ol dl dd dt h1 h2 h3 h4 h5 h6 section header footer figure figcaption
    table tr td address
"""
#: Elements that break a byline into parts ("FRANCES ROBLES<br>McClatchy Newspapers").
BLOCK_TAGS = frozenset(_BLOCK_WORDS.split())
#: Byline elements with longer text are paragraphs or author boxes, not bylines.
MAX_BYLINE_CHARS = 300
#: Byline elements read at most (pages with hundreds of "author" classes are comment threads).
MAX_BYLINES = 40
MAX_AUTHORS = 20
#: Marks an organisation found in structured data (dropped when a person is named).
_ORG_MARK = "\x00"


def pick_authors(src: PageSources) -> list[str]:
    """Author names of the article, persons first; [] when the page names none."""
    site_names = src.names
    orgs: list[str] = []
    for source in (structured_authors, meta_authors, byline_authors):
        names = [_without_site_tail(name, site_names) for name in source(src)]
        persons = [n for n in names if not _is_org(n, site_names)]
        if persons:
            return _dedupe(persons)
        orgs += [n for n in names if not _is_site(n, site_names)]
    return _dedupe(orgs)


def structured_authors(src: PageSources) -> list[str]:
    """``author`` (or ``creator``) of the main article node, references followed."""
    names: list[str] = []
    if src.main is None:
        return names
    for value in as_list(src.main.get("author")) or as_list(src.main.get("creator")):
        value = src.deref(value)
        if isinstance(value, dict):
            name = _node_name(value)
            if set(node_types(value)) & ORG_TYPES:
                names += [f"{_ORG_MARK}{name}"] if name else []
                continue
            value = name
        if isinstance(value, str) and not value.lstrip().startswith(("http", "/")):
            names += split_names(value)
    return names


def _node_name(node: Node) -> str | None:
    name = clean_text(node.get("name"))
    if not name:
        parts = [clean_text(node.get(k)) for k in ("givenName", "familyName")]
        name = " ".join(p for p in parts if p) or None
    return name


def meta_authors(src: PageSources) -> list[str]:
    """Names in the first author meta tag that gives any."""
    for key in AUTHOR_META:
        names = [n for value in src.meta.get(key, []) for n in split_names(value)]
        if names:
            return names
    return []


def byline_authors(src: PageSources) -> list[str]:
    """Names in byline elements near the headline, else anywhere outside sidebars/comments."""
    bylines = src.marked.bylines
    near = [el for el in bylines if in_region(el, src.region)]
    names = _byline_names(near)
    if not names and len(near) < len(bylines):
        names = _byline_names(bylines)
    return names


def _byline_names(elements: list[lxml.html.HtmlElement]) -> list[str]:
    anchor: lxml.html.HtmlElement | None = None
    names: list[str] = []
    for el in elements[:MAX_BYLINES]:
        if el.tag in SKIP_TAGS or not isinstance(el.tag, str):
            continue
        if anchor is not None and not _near(el, anchor):
            continue
        own = (el.get("class") or "") + " " + (el.get("id") or "")
        if FOREIGN_CLASS.search(own) or is_foreign(el):
            continue
        found = [n for n in split_names(_byline_text(el)) if is_full_name(n)]
        if found and anchor is None:
            anchor = el
        names += found
    return names


def _near(el: lxml.html.HtmlElement, anchor: lxml.html.HtmlElement) -> bool:
    """Same byline block: a sibling of the first byline element, or inside it."""
    if el.getparent() is anchor.getparent():
        return True
    return any(parent is anchor for parent in el.iterancestors())


def _byline_text(el: lxml.html.HtmlElement) -> str:
    if el.get("itemprop") in ("author", "creator"):
        for name in el.iterdescendants():
            if name.get("itemprop") == "name":
                return name.get("content") or name.text_content()
        if el.get("content"):
            return el.get("content") or ""
    text = el.text_content()
    wide = sum(1 for ch in text if ord(ch) >= 0x2E80)  # CJK: a name is a few characters
    return block_text(el) if len(text) + 2 * wide <= MAX_BYLINE_CHARS else ""


def block_text(el: lxml.html.HtmlElement) -> str:
    """Text of ``el`` with " | " at line and block breaks and spaces between elements.

    ``text_content()`` glues "FRANCES ROBLES<br>McClatchy Newspapers" into one word run.
    """
    pieces: list[str] = []
    _walk_text(el, pieces)
    return " ".join(pieces)


def _walk_text(node: lxml.html.HtmlElement, pieces: list[str]) -> None:
    if not isinstance(node.tag, str) or node.tag in ("script", "style"):
        return
    block = node.tag in BLOCK_TAGS
    if block:
        pieces.append("|")
    if node.text:
        pieces.append(node.text)
    for child in node:
        _walk_text(child, pieces)
        if child.tail:
            pieces.append(child.tail)
    if block:
        pieces.append("|")


def _without_site_tail(name: str, site_names: list[str]) -> str:
    """Cut the site's name after a person's: "Joe Sterling CNN", "Bill Mears CNN Supreme Court"."""
    words = name.split()
    for index, word in enumerate(words[2:], start=2):
        if name_key(word) in site_names:
            return " ".join(words[:index])
    return name


def _is_site(name: str, site_names: list[str]) -> bool:
    """The publisher's own name is not an author (it is the ``site_name``)."""
    return name_key(name.lstrip(_ORG_MARK)) in site_names


def _is_org(name: str, site_names: list[str]) -> bool:
    if name.startswith(_ORG_MARK):
        return True
    key = name_key(name)
    if any(key == site or (len(site) >= 4 and site in key) for site in site_names):
        return True
    return bool(ORG.search(name))


def _dedupe(names: list[str]) -> list[str]:
    """Unique names in order; "Jane Doe BBC News" goes when "Jane Doe" is also found."""
    seen: set[str] = set()
    out: list[str] = []
    for name in names:
        name = name.lstrip(_ORG_MARK)
        key = name_key(name)
        if key and key not in seen:
            seen.add(key)
            out.append(name)
    keys = [name_key(n) for n in out]
    out = [
        name
        for name, key in zip(out, keys, strict=True)
        if not any(other != key and key.startswith(other) for other in keys)
    ]
    return out[:MAX_AUTHORS]
