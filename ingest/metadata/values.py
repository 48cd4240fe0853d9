"""Small helpers for markup values: one-line text, lists, schema.org types, loose keys.

JSON-LD, microdata and meta tags give strings, lists, numbers or nested objects for the same
property; every field rule goes through these helpers so it sees one shape.
"""

from __future__ import annotations

import html
import re
from functools import lru_cache
from typing import Any
from urllib.parse import urljoin, urlsplit

Node = dict[str, Any]

_TAG_RE = re.compile(r"</?[a-zA-Z][^<>]*>")
#: Invisible characters that split words in stored text: soft hyphen, zero-width space, BOM.
_INVISIBLE = re.compile("[\u00ad\u200b\ufeff]")
_NOT_WORD = re.compile(r"[\W_]+")


class Lowercased:
    """A pattern written in lowercase, searched in lowercased text: what ``re.IGNORECASE``
    finds, without its cost. Python's engine cannot scan for the literal words of an
    IGNORECASE alternation (``related|sidebar|widget|...``) and tries every branch at every
    position: six times slower on a class attribute."""

    __slots__ = ("_regex",)

    def __init__(self, pattern: str) -> None:
        if pattern != pattern.lower():
            raise ValueError(f"write the pattern in lowercase: {pattern!r}")
        self._regex = re.compile(pattern)

    def search(self, text: str) -> re.Match[str] | None:
        return self._regex.search(text.lower())


def clean_text(value: Any) -> str | None:
    """A one-line string from a markup value: entities decoded, tags and extra spaces removed."""
    if isinstance(value, list):
        value = next((v for v in value if clean_text(v)), None)
    if isinstance(value, dict):
        return clean_text(value.get("name") or value.get("@value"))
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        return None
    text = html.unescape(_TAG_RE.sub(" ", value)) if "<" in value or "&" in value else value
    text = " ".join(_INVISIBLE.sub("", text).split())  # whitespace runs to one space
    return text or None


def as_list(value: Any) -> list[Any]:
    """Markup values may be one value or a list of them; always give a list."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def node_types(node: Node) -> list[str]:
    """Schema.org type names of a node, without the ``http://schema.org/`` prefix.

    Asked some forty times per page (picking the main node, listing types, the publisher),
    so the names of the few type strings are cached.
    """
    names = []
    for raw in as_list(node.get("@type")):
        if isinstance(raw, str) and raw.strip():
            names.append(_type_name(raw))
    return names


@lru_cache(maxsize=512)
def _type_name(raw: str) -> str:
    return raw.strip().rstrip("/").rsplit("/", 1)[-1].rsplit(":", 1)[-1]


def name_key(text: str) -> str:
    """``text`` folded for comparison: no case, spaces or punctuation ("The Times" = "thetimes")."""
    return _NOT_WORD.sub("", text.casefold())


@lru_cache(maxsize=1024)
def url_key(url: str) -> str:
    """URL compared loosely: no scheme, no www, no trailing slash, no query or fragment.

    Cached: a page compares the same few URLs (its own, og:url, canonical) many times.
    """
    parts = urlsplit(url.strip())
    if not parts.netloc:
        return ""
    return parts.netloc.lower().removeprefix("www.") + parts.path.rstrip("/")


@lru_cache(maxsize=1024)
def join_url(base: str, url: str) -> str:
    """``urljoin``, cached: a page joins the same few URLs of its nodes and links to its own
    URL several times, and urljoin costs ~10 µs in pure Python."""
    return urljoin(base, url)


def is_false(value: Any) -> bool:
    """A schema.org boolean that says no: ``false``, ``"False"``, ``"http://schema.org/False"``."""
    if isinstance(value, list):
        return any(is_false(v) for v in value)
    if isinstance(value, bool):
        return value is False
    if not isinstance(value, str):
        return False
    word = value.strip().lower().rsplit("/", 1)[-1]
    return word in ("false", "no", "0")
