"""JSON-LD: find the scripts, repair what real pages get wrong, flatten graphs into nodes.

Real pages wrap JSON in CDATA or HTML comments, leave trailing commas and JS comments, put raw
control characters and invalid escapes (``\\'``) in strings, or concatenate several objects;
:func:`parse_json_lenient` recovers all of these. :func:`jsonld_nodes` flattens ``@graph``
members, lists and article nodes nested as ``mainEntity`` into one list of nodes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import jstyleson
import lxml.html

from .values import Node, as_list, node_types

_ARTICLE_TYPES_WORDS = """
    Article NewsArticle ReportageNewsArticle AnalysisNewsArticle OpinionNewsArticle
    BackgroundNewsArticle ReviewNewsArticle AskPublicNewsArticle SatiricalArticle
    BlogPosting LiveBlogPosting Report ScholarlyArticle SocialMediaPosting TechArticle
    Review DiscussionForumPosting
"""
#: Node types that describe an article (the node whose values become the record's).
ARTICLE_TYPES = frozenset(_ARTICLE_TYPES_WORDS.split())
_PAGE_TYPES_WORDS = """
    WebPage ItemPage AboutPage QAPage FAQPage MediaGallery ImageGallery VideoGallery
"""
#: Node types that describe the web page (second choice for values the article node lacks).
PAGE_TYPES = frozenset(_PAGE_TYPES_WORDS.split())
_ORG_TYPES_WORDS = """
    Organization NewsMediaOrganization Corporation WebSite Brand
"""
#: Node types of publishers: as an author they are kept only when no person is named.
ORG_TYPES = frozenset(_ORG_TYPES_WORDS.split())

#: One decoder for all scripts: ``json.loads(text, strict=False)`` builds a new one per call.
_DECODER = json.JSONDecoder(strict=False)
_TRAILING_COMMA = re.compile(r",(\s*[}\]])")
_BAD_ESCAPE = re.compile(r"\\([^\"\\/bfnrtu])")


def jsonld_nodes(scripts: list[lxml.html.HtmlElement]) -> list[Node]:
    """All top-level JSON-LD nodes in the page's ``scripts``: script lists and ``@graph``
    members flattened."""
    nodes: list[Node] = []
    for script in scripts:
        if (script.get("type") or "").strip().lower() != "application/ld+json":
            continue
        nodes.extend(_flatten(parse_json_lenient(script.text or "")))
    return nodes


def parse_json_lenient(text: str) -> Any:
    """Parse a JSON-LD script the way its authors meant it; None when nothing can be recovered."""
    text = text.replace("<![CDATA[", "").replace("]]>", "")
    starts = [i for i in (text.find("{"), text.find("[")) if i >= 0]
    end = max(text.rfind("}"), text.rfind("]"))
    if not starts or end < min(starts):
        return None
    text = text[min(starts) : end + 1]  # drops <!-- //--> and other wrappers around the JSON
    try:
        return _DECODER.decode(text)
    except ValueError:
        pass
    repaired = _BAD_ESCAPE.sub(r"\1", _TRAILING_COMMA.sub(r"\1", text))
    for candidate in (repaired, text):
        try:
            return jstyleson.loads(candidate, strict=False)
        except (ValueError, TypeError, IndexError):
            continue
    return _decode_concatenated(repaired)


def _decode_concatenated(text: str) -> list[Any] | None:
    """Objects written one after another (``{...}{...}`` or ``{...};{...}``) as a list."""
    decoder = json.JSONDecoder(strict=False)
    values, pos = [], 0
    while pos < len(text):
        while pos < len(text) and text[pos] in " \t\r\n;,":
            pos += 1
        if pos >= len(text):
            break
        try:
            value, pos = decoder.raw_decode(text, pos)
        except ValueError:
            break
        values.append(value)
    return values or None


def _flatten(data: Any) -> Iterator[Node]:
    for item in as_list(data):
        if not isinstance(item, dict):
            continue
        graph = item.get("@graph")
        if graph is not None:
            yield from _flatten(graph)
            if not item.get("@type"):
                continue
        yield item
        for key in ("mainEntity", "mainEntityOfPage"):
            inner = item.get(key)
            if isinstance(inner, dict) and set(node_types(inner)) & ARTICLE_TYPES:
                yield inner
