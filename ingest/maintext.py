"""Find the article body of a parsed page and return its paragraphs.

How the body is chosen (all on the lxml tree, after :func:`ingest.clean.prune_page`):

1. Every element gets, bottom-up in one pass, its text length, its link text length and its
   "good" text: the text of paragraphs (blocks of at least ``PARA_MIN`` characters that are
   not mostly links).
2. The body is the element that maximises ``good - ALPHA * (text - good)``: it must hold most
   of the page's paragraphs while adding as little other text (menus, teasers, link lists) as
   possible. Sibling paragraphs join naturally because a parent that adds paragraphs gains.
3. Per-source ``keep`` selectors, when they match, name the body directly.

The chosen element is simplified (inline formatting unwrapped) and handed as a small HTML
fragment to the BeautifulSoup paragraph cleaner (:func:`ingest.clean.clean_fragment`).
"""

from __future__ import annotations

import re

import lxml.html
from lxml import etree

from ingest.clean import Rules, clean_fragment, prune_page

#: Minimum length (characters) of a block to count as a paragraph of running text.
PARA_MIN = 25
#: Weight of non-paragraph text (menus, link lists, labels) against paragraph text.
ALPHA = 1.0
#: Inline elements: their text belongs to the enclosing block.
INLINE_TAGS = frozenset(
    [
        "a",
        "abbr",
        "b",
        "bdi",
        "bdo",
        "big",
        "cite",
        "code",
        "data",
        "dfn",
        "em",
        "font",
        "i",
        "img",
        "kbd",
        "label",
        "mark",
        "nobr",
        "q",
        "s",
        "samp",
        "small",
        "span",
        "strike",
        "strong",
        "sub",
        "sup",
        "time",
        "tt",
        "u",
        "var",
        "wbr",
        "br",
        "del",
        "ins",
    ]
)
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)
_PARSER = lxml.html.HTMLParser(remove_comments=True, remove_pis=True, collect_ids=False)


class EmptyDocument(ValueError):
    """The HTML holds no document at all (empty or only whitespace/comments)."""


def parse_html(html: str) -> lxml.html.HtmlElement:
    """Parse decoded HTML once; the same tree serves metadata and main text.

    lxml refuses ``str`` input that starts with an XML declaration naming an encoding, so that
    declaration is removed first (the text is already decoded).
    """
    if html.lstrip()[:5].lower() == "<?xml":
        html = _XML_DECL.sub("", html, count=1)
    if not html.strip():
        raise EmptyDocument("empty document")
    try:
        return lxml.html.document_fromstring(html, parser=_PARSER)
    except (etree.ParserError, ValueError) as exc:
        raise EmptyDocument(f"no HTML document: {exc}") from exc


def main_paragraphs(root: lxml.html.HtmlElement, rules: Rules) -> list[str]:
    """The article's paragraphs. Modifies ``root`` (boilerplate is removed in place)."""
    kept = prune_page(root, rules)
    body = root.find("body")
    if body is None:
        body = root
    container = _join(kept) if kept else find_body(body)
    if container is None:
        return []
    return clean_fragment(fragment_html(container, rules), rules)


def _join(elements: list[lxml.html.HtmlElement]) -> lxml.html.HtmlElement:
    """One element holding copies of the ``keep`` matches, outermost only, in page order."""
    outer = [el for el in elements if not any(a in elements for a in el.iterancestors())]
    if len(outer) == 1:
        return outer[0]
    wrapper = lxml.html.Element("div")
    for el in outer:
        wrapper.append(_copy(el))
    return wrapper


def _copy(el: lxml.html.HtmlElement) -> lxml.html.HtmlElement:
    clone = lxml.html.fromstring(lxml.html.tostring(el, encoding="unicode", with_tail=False))
    return clone


def find_body(body: lxml.html.HtmlElement) -> lxml.html.HtmlElement | None:
    """The element that holds the article's paragraphs and little else (see module doc)."""
    stats: dict[lxml.html.HtmlElement, tuple[int, int, int, int, int]] = {}
    best, best_score = None, 0.0
    for el in reversed(list(body.iter())):
        tag = el.tag
        if not isinstance(tag, str):
            continue
        text = el.text
        own = len(text.strip()) if text else 0
        total, link, good, inline, inline_link = own, 0, 0, own, 0
        for child in el:
            tail = child.tail
            if tail:
                n = len(tail.strip())
                total += n
                inline += n
            child_stats = stats.pop(child, None)
            if child_stats is None:
                continue
            c_total, c_link, c_good, c_inline, c_inline_link = child_stats
            total += c_total
            link += c_link
            good += c_good
            if child.tag in INLINE_TAGS:
                inline += c_inline
                inline_link += c_inline_link
        if tag == "a":
            link = total
            inline_link = inline
        if tag in INLINE_TAGS:
            stats[el] = (total, link, good, inline, inline_link)
            continue
        if inline >= PARA_MIN and inline_link * 2 < inline:
            good += inline - inline_link
        stats[el] = (total, link, good, 0, 0)
        score = good - ALPHA * (total - good)
        if score > best_score:
            best, best_score = el, score
    return best


def fragment_html(container: lxml.html.HtmlElement, rules: Rules) -> str:
    """The container as a small HTML string: inline formatting unwrapped, images removed."""
    etree.strip_elements(container, "img", "picture", "source", with_tail=False)
    etree.strip_tags(container, *rules.unwrap_tags)
    return lxml.html.tostring(container, encoding="unicode", with_tail=False)
