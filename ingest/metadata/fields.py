"""Descriptive fields: description, section, tags and the top image.

Each reads structured data of the main article node first, then the meta names listed here.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from .page import is_foreign
from .values import as_list, clean_text

if TYPE_CHECKING:
    from .sources import PageSources

DESCRIPTION_META = ("og:description", "description", "twitter:description", "dc.description")
SECTION_META = ("article:section", "parsely-section", "sailthru.section", "section", "category")
#: Meta names of tags read as one comma-separated list each (``article:tag`` repeats instead).
TAG_META = ("news_keywords", "keywords", "parsely-tags", "sailthru.tags")
IMAGE_META = (
    "og:image:secure_url",
    "og:image",
    "og:image:url",
    "twitter:image",
    "twitter:image:src",
)
#: In-article images narrower than this (in their width attribute) are icons, not the top image.
MIN_IMAGE_WIDTH = 150
MAX_TAGS = 50
MAX_TAG_CHARS = 80


def description(src: PageSources) -> str | None:
    return _structured_or_meta(src, "description", DESCRIPTION_META)


def section(src: PageSources) -> str | None:
    return _structured_or_meta(src, "articleSection", SECTION_META)


def _structured_or_meta(src: PageSources, key: str, meta_names: tuple[str, ...]) -> str | None:
    """The article node's ``key`` (first non-empty text of a list), else the first meta."""
    for value in src.structured(key):
        text = clean_text(value)
        if text:
            return text
    return src.first_meta(*meta_names)


def tags(src: PageSources) -> list[str]:
    """Keywords of the first source that has any (JSON-LD, ``article:tag``, keyword metas)."""
    return next((found for found in _tag_sources(src) if found), [])


def _tag_sources(src: PageSources) -> Iterator[list[str]]:
    """Tags of each source in order of trust, read only until one gives some."""
    for value in src.structured("keywords"):
        yield _split_tags(value)
    yield [t for v in src.meta.get("article:tag", []) for t in _split_tags(v)]
    for key in TAG_META:
        yield _split_tags(src.first_meta(key))


def _split_tags(value: Any) -> list[str]:
    raw: list[str] = []
    for item in as_list(value):
        text = clean_text(item)
        if text:
            raw += text.split(",") if not isinstance(value, list) else [text]
    found: list[str] = []
    seen = set()
    for tag in (t.strip() for t in raw):
        if tag and len(tag) <= MAX_TAG_CHARS and tag.casefold() not in seen:
            seen.add(tag.casefold())
            found.append(tag)
    return found[:MAX_TAGS]


def image(src: PageSources) -> str | None:
    """Top image: og:image, twitter:image, JSON-LD image, image_src, first article image."""
    for candidate in _image_candidates(src):
        url = src.absolute(candidate)
        if url:
            return url
    return None


def _image_candidates(src: PageSources) -> Iterator[str | None]:
    yield src.first_meta(*IMAGE_META)
    for value in src.structured("image", "thumbnailUrl"):
        yield _image_url(src.deref(value))
    yield src.link_href("image_src")
    yield _first_article_img(src)


def _first_article_img(src: PageSources) -> str | None:
    for img in src.tree.xpath("//article//img[@src] | //*[@itemprop='articleBody']//img"):
        if is_foreign(img):
            continue
        width = img.get("width") or ""
        if width.isdigit() and int(width) < MIN_IMAGE_WIDTH:
            continue
        return img.get("src")
    return None


def _image_url(value: Any) -> str | None:
    for item in as_list(value):
        if isinstance(item, str) and item.strip():
            return item.strip()
        if isinstance(item, dict):
            url = item.get("url") or item.get("contentUrl") or item.get("@id")
            url = as_list(url)[0] if as_list(url) else None
            if isinstance(url, str) and url.strip():
                return url.strip()
    return None
