"""Everything the field rules read, gathered once per page: :class:`PageSources`.

Sources in order of reliability: JSON-LD (the main article node, picked by type and URL so
related-article nodes never lend their values), microdata (only when JSON-LD has no article),
meta tags, then the page's own elements (headline, byline block) found lazily.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from functools import cached_property
from typing import Any
from urllib.parse import urlsplit

import lxml.html

from . import publisher
from .jsonld import ARTICLE_TYPES, PAGE_TYPES, jsonld_nodes
from .meta_tags import meta_map
from .microdata import microdata_nodes
from .page import (
    MarkedElements,
    elements_by_tag,
    first_h1,
    headline_region,
    link_hrefs,
    title_tag,
)
from .values import Node, as_list, clean_text, join_url, name_key, node_types, url_key

#: A page with this many article nodes, none of them about the page itself, is a listing of
#: teasers: their values are other articles'.
TEASER_NODES = 3


class PageSources:
    """JSON-LD/microdata nodes, meta tags and lazily found page elements of one page."""

    def __init__(
        self,
        tree: lxml.html.HtmlElement,
        url: str,
        now: datetime,
        nodes: list[Node],
        meta: dict[str, list[str]],
        elements: dict[str, list[lxml.html.HtmlElement]] | None = None,
    ) -> None:
        self.tree = tree
        #: The page's elements by tag (:data:`~.page.INDEXED_TAGS`), from one walk of the tree
        self.elements = elements if elements is not None else elements_by_tag(tree)
        self.url = url or ""
        self.now = now
        self.nodes = nodes
        self.meta = meta
        self._types = {id(n): node_types(n) for n in nodes}
        self._first_meta: dict[tuple[str, ...], str | None] = {}
        self.ids = {n["@id"]: n for n in nodes if isinstance(n.get("@id"), str) and len(n) > 2}
        self.base = self._base_url()
        self.main, main_on_page = self._pick(ARTICLE_TYPES)
        self.page, _ = self._pick(PAGE_TYPES)
        article_nodes = sum(1 for n in nodes if not ARTICLE_TYPES.isdisjoint(self.types(n)))
        #: False when the page holds several article nodes, none of them this page: teasers
        self.main_is_page = self.main is not None and (main_on_page or article_nodes < TEASER_NODES)

    @classmethod
    def read(cls, tree: lxml.html.HtmlElement, url: str, now: datetime) -> PageSources:
        """Collect JSON-LD, microdata and meta tags of ``tree``."""
        elements = elements_by_tag(tree)
        nodes = jsonld_nodes(elements["script"])
        if not any(set(node_types(n)) & ARTICLE_TYPES for n in nodes):
            nodes += microdata_nodes(tree, url)  # only worth its cost when JSON-LD is silent
        return cls(tree, url, now, nodes, meta_map(elements["meta"]), elements)

    # ---- structured data

    def _base_url(self) -> str:
        for base in self.elements["base"]:
            href = (base.get("href") or "").strip()
            if href:
                return join_url(self.url, href)
        return self.url

    def _pick(self, wanted: frozenset[str]) -> tuple[Node | None, bool]:
        """The node of one of the ``wanted`` types that describes this page, and whether its
        URL says so.

        Pages list related articles as nodes too; the one whose URL is this page, with a
        headline and a date, from JSON-LD rather than microdata, and earliest wins.
        """
        page_keys = self._page_keys
        best, best_score, best_on_page = None, 0.0, False
        for index, node in enumerate(self.nodes):
            if wanted.isdisjoint(self.types(node)):
                continue
            score = 10.0 - index * 0.01 - (3 if node.get("_microdata") else 0)
            score += 2 * bool(node.get("headline")) + bool(node.get("datePublished"))
            on_page = bool({url_key(u) for u in self.node_urls(node)} & page_keys)
            score += 5 * on_page
            if score > best_score:
                best, best_score, best_on_page = node, score, on_page
        return best, best_on_page

    @cached_property
    def _page_keys(self) -> set[str]:
        """:func:`url_key` of every URL the page goes by: its own, og:url, canonical."""
        keys = {url_key(self.url), url_key(self.first_meta("og:url") or "")}
        canonical = self.link_href("canonical")
        if canonical:
            keys.add(url_key(join_url(self.url, canonical)))
        keys.discard("")
        return keys

    def node_urls(self, node: Node) -> list[str]:
        """Absolute URLs a node names itself by (``url``, ``@id``, ``mainEntityOfPage``)."""
        urls = []
        for key in ("url", "@id", "mainEntityOfPage"):
            for value in as_list(node.get(key)):
                if isinstance(value, dict):
                    value = value.get("@id") or value.get("url")
                if isinstance(value, str) and value.strip():
                    urls.append(join_url(self.url, value.strip()))
        return urls

    def types(self, node: Node) -> list[str]:
        """:func:`node_types` of one of the page's nodes, worked out once: picking the main
        node, listing the page's types and finding the publisher ask some forty times a page.

        Keyed by ``id()``: the nodes live as long as this object, so no id is reused.
        """
        found = self._types.get(id(node))
        return node_types(node) if found is None else found

    def deref(self, value: Any) -> Any:
        """Follow an ``{"@id": ...}`` reference to the full node in the page's graph."""
        if isinstance(value, dict) and "@id" in value and len(value) <= 2:
            return self.ids.get(value["@id"], value)
        return value

    def structured(self, *keys: str) -> Iterator[Any]:
        """Values of ``keys`` on the main article node, then on the web page node.

        Teaser nodes (see ``main_is_page``) lend nothing: their values are other articles'.
        """
        for node in (self.main if self.main_is_page else None, self.page):
            if node is None:
                continue
            for key in keys:
                value = node.get(key)
                if value not in (None, "", []):
                    yield value

    # ---- meta tags and links

    def first_meta(self, *keys: str) -> str | None:
        """The first non-empty content of the meta tags named ``keys`` (in order of keys).

        Remembered per ``keys``: og:url, og:title and og:site_name are each asked by several rules.
        """
        if keys not in self._first_meta:
            self._first_meta[keys] = self._read_first_meta(keys)
        return self._first_meta[keys]

    def _read_first_meta(self, keys: tuple[str, ...]) -> str | None:
        for key in keys:
            for value in self.meta.get(key, ()):
                text = clean_text(value)
                if text:
                    return text
        return None

    def link_href(self, rel: str) -> str | None:
        """``href`` of the first ``<link>`` naming ``rel`` among its rel values."""
        return self._link_hrefs.get(rel)

    @cached_property
    def _link_hrefs(self) -> dict[str, str]:
        return link_hrefs(self.elements["link"])

    def absolute(self, value: str | None) -> str | None:
        """An absolute http(s) URL for ``value`` relative to the page, or None."""
        if not value:
            return None
        value = value.strip()
        if value.startswith("data:") or " " in value:
            return None
        full = join_url(self.base, value)
        return full if urlsplit(full).scheme in ("http", "https") else None

    # ---- computed once, used by several fields

    @cached_property
    def site_name(self) -> str | None:
        return publisher.site_name(self)

    @cached_property
    def names(self) -> list[str]:
        """Every name the site goes by (to strip from titles and to spot organisation authors)."""
        return publisher.site_names(self)

    @cached_property
    def body_key(self) -> str:
        """The page's visible text as a :func:`name_key` (to check a title is shown)."""
        body = self.tree.find("body")
        return name_key((body if body is not None else self.tree).text_content())

    @cached_property
    def h1(self) -> lxml.html.HtmlElement | None:
        return first_h1(self.elements["h1"])

    @cached_property
    def h1_text(self) -> str | None:
        """One-line text of :attr:`h1` (the title rules compare it more than once)."""
        return clean_text(self.h1.text_content()) if self.h1 is not None else None

    @cached_property
    def title_tag(self) -> str | None:
        """Text of the page's ``<title>`` (read by the title and the date rules)."""
        return title_tag(self.elements["title"])

    @cached_property
    def marked(self) -> MarkedElements:
        return MarkedElements.find(self.tree)

    @cached_property
    def region(self) -> lxml.html.HtmlElement:
        return headline_region(self.h1, self.tree)
