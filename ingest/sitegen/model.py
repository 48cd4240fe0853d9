"""The article records a generated site is built from, and the site settings.

A :class:`SiteArticle` is what a newsroom CMS would hold for one story: metadata plus the body
as typed blocks. Themes render it into HTML with their own boilerplate; :mod:`.expected` turns
it back into the record an extractor should produce, so tests compare field by field.
"""

from __future__ import annotations

import functools
import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

BlockKind = Literal["p", "h2", "ul", "blockquote"]

#: Token written wherever an absolute URL needs the site's origin (feeds, sitemaps, canonical,
#: og:url, JSON-LD). The web server replaces it with ``http://HOST:PORT`` of the request, so a
#: site works on whatever port it gets. ``build_site(base_url=...)`` can bake a real origin in.
BASE = "{{BASE}}"


@dataclass(frozen=True, slots=True)
class Block:
    """One body element: a paragraph, a subheading, a bullet list or a blockquote."""

    kind: BlockKind
    text: str = ""
    items: tuple[str, ...] = ()

    def paragraphs(self) -> list[str]:
        """The text units an extractor should keep: list items count one each."""
        return list(self.items) if self.kind == "ul" else [self.text]


@dataclass(slots=True)
class SiteArticle:
    """One story as the CMS holds it. ``published``/``modified`` are timezone-aware."""

    slug: str
    title: str
    authors: list[str]
    published: datetime
    modified: datetime
    section: str
    language: str
    description: str
    blocks: list[Block]
    tags: list[str] = field(default_factory=list)
    image: str | None = None  # file name under the site's media folder
    image_caption: str | None = None
    pdf: str | None = None  # an attached document, linked from the page
    site: str = "wordpress"  # the demo site (theme) this story belongs to
    views: int = 0  # shown next to the title by themes with counters
    comments: list[tuple[str, str]] = field(default_factory=list)  # (reader, comment)
    amp: bool = False  # also publish an AMP copy

    def __post_init__(self) -> None:
        if self.published.tzinfo is None or self.modified.tzinfo is None:
            raise ValueError(f"article {self.slug!r}: published/modified need a timezone")

    @property
    def paragraphs(self) -> list[str]:
        """Body text units in order; what the extracted ``text`` must consist of."""
        out: list[str] = []
        for block in self.blocks:
            out.extend(block.paragraphs())
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SiteArticle:
        """Build from the JSON form used in ``data/demo_articles.json``."""
        blocks = [_block(b) for b in data["body"]]
        return cls(
            slug=data.get("slug") or slugify(data["title"]),
            title=data["title"],
            authors=list(data["authors"]),
            published=datetime.fromisoformat(data["published"]),
            modified=datetime.fromisoformat(data.get("modified") or data["published"]),
            section=data["section"],
            language=data["language"],
            description=data["description"],
            blocks=blocks,
            tags=list(data.get("tags", [])),
            image=data.get("image"),
            image_caption=data.get("image_caption"),
            pdf=data.get("pdf"),
            site=data.get("site", "wordpress"),
            views=int(data.get("views", 0)),
            comments=[(c[0], c[1]) for c in data.get("comments", [])],
            amp=bool(data.get("amp", False)),
        )


def _block(raw: str | dict[str, Any]) -> Block:
    """A plain string is a paragraph; dicts name their kind (``h2``, ``ul``, ``blockquote``)."""
    if isinstance(raw, str):
        return Block("p", raw)
    if "h2" in raw:
        return Block("h2", raw["h2"])
    if "ul" in raw:
        return Block("ul", items=tuple(raw["ul"]))
    if "blockquote" in raw:
        return Block("blockquote", raw["blockquote"])
    raise ValueError(f"unknown body block {raw!r}")


_TRANSLIT = str.maketrans({"ß": "ss", "æ": "ae", "ø": "o", "å": "a", "ł": "l"})


@functools.lru_cache(maxsize=4096)
def slugify(text: str, limit: int = 70) -> str:
    """URL slug the way CMSs make them: ASCII, lowercase, hyphens; keeps non-Latin text."""
    text = unicodedata.normalize("NFKD", text.translate(_TRANSLIT))
    ascii_text = text.encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    if len(slug) < 3:  # Cyrillic / Japanese titles: a stable ASCII id keeps URLs simple
        slug = "post-" + hashlib.sha1(text.encode()).hexdigest()[:10]
    return slug[:limit].rstrip("-")
