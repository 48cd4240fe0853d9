"""Pieces every theme shares: page summaries, the per-page context, escaping and dates."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from html import escape

from .model import BASE, SiteArticle, slugify

_MONTHS = {
    "en": [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ],
    "es": [
        "enero",
        "febrero",
        "marzo",
        "abril",
        "mayo",
        "junio",
        "julio",
        "agosto",
        "septiembre",
        "octubre",
        "noviembre",
        "diciembre",
    ],
    "fr": [
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ],
    "ru": [
        "января",
        "февраля",
        "марта",
        "апреля",
        "мая",
        "июня",
        "июля",
        "августа",
        "сентября",
        "октября",
        "ноября",
        "декабря",
    ],
}

BYLINE_WORD = {"en": "By", "de": "Von", "es": "Por", "fr": "Par", "ru": "Автор:", "ja": "文："}
AND_WORD = {"en": "and", "de": "und", "es": "y", "fr": "et", "ru": "и", "ja": "、"}


def esc(text: str) -> str:
    """HTML-escape text and attribute values."""
    return escape(text, quote=True)


def human_date(when: datetime, language: str) -> str:
    """The date as a reader of that language sees it on the page."""
    if language == "de":
        return when.strftime("%d.%m.%Y, %H:%M Uhr")
    if language == "ja":
        return f"{when.year}年{when.month}月{when.day}日 {when:%H:%M}"
    months = _MONTHS.get(language, _MONTHS["en"])
    month = months[when.month - 1]
    if language == "en":
        return f"{month} {when.day}, {when.year}"
    if language == "es":
        return f"{when.day} de {month} de {when.year}"
    return f"{when.day} {month} {when.year}"


def join_names(names: Sequence[str], language: str) -> str:
    """'A, B and C' in the page's language."""
    if len(names) < 2:
        return "".join(names)
    word = AND_WORD.get(language, "and")
    if language == "ja":
        return word.join(names)
    return f"{', '.join(names[:-1])} {word} {names[-1]}"


def author_bio(name: str, section: str, site: str, language: str) -> str:
    """Author-box biography: boilerplate that sits right under the article text."""
    bios = {
        "en": f"{name} is a staff writer at {site} covering {section.lower()}. "
        "Tips and corrections are always welcome.",
        "de": f"{name} ist Redakteur bei {site} und schreibt über {section}.",
        "es": f"{name} es redactor de {site} y escribe sobre {section.lower()}.",
        "fr": f"{name} est journaliste à {site} et couvre la rubrique {section.lower()}.",
        "ru": f"{name} — корреспондент издания {site}, пишет о разделе «{section}».",
        "ja": f"{name}は{site}の記者。{section}を担当している。",
    }
    return bios.get(language, bios["en"])


@dataclass(frozen=True, slots=True)
class Summary:
    """What listings, feeds, sitemaps and other pages' sidebars need to know of an article."""

    index: int  # position in publication order (oldest first)
    post_id: int
    slug: str
    title: str
    authors: tuple[str, ...]
    published: datetime
    modified: datetime
    section: str
    tags: tuple[str, ...]
    description: str
    language: str
    image: str | None
    pdf: str | None
    amp: bool
    views: int

    @property
    def section_slug(self) -> str:
        return slugify(self.section)


def summarize(article: SiteArticle, index: int) -> Summary:
    """Summary of one article; ``index`` is its position in publication order."""
    return Summary(
        index=index,
        post_id=1000 + index,
        slug=article.slug,
        title=article.title,
        authors=tuple(article.authors),
        published=article.published,
        modified=article.modified,
        section=article.section,
        tags=tuple(article.tags),
        description=article.description,
        language=article.language,
        image=article.image,
        pdf=article.pdf,
        amp=article.amp,
        views=article.views,
    )


@dataclass(frozen=True, slots=True)
class PageContext:
    """Links around one article: what the theme puts in boxes beside and below the text."""

    related: tuple[Summary, ...]
    read_also: Summary | None
    popular: tuple[Summary, ...]


def top_viewed(summaries: Sequence[Summary], count: int = 6) -> tuple[Summary, ...]:
    """Most viewed articles, for 'most popular' sidebars (one spare to skip the page itself)."""
    return tuple(sorted(summaries, key=lambda s: (-s.views, s.index))[:count])


def page_context(
    summaries: Sequence[Summary], index: int, popular: Sequence[Summary]
) -> PageContext:
    """Deterministic neighbours of article ``index``: a pure function, so tests can recompute
    which other titles appear on the page (and must not appear in its text)."""
    me = summaries[index]
    others = [
        summaries[j]
        for j in (index - 1, index + 1, index - 2, index + 2, index - 3)
        if 0 <= j < len(summaries)
    ]
    same = [s for s in others if s.section == me.section]
    related = tuple((same + [s for s in others if s not in same])[:3])
    read_also = others[0] if others else None
    return PageContext(
        related=related,
        read_also=read_also,
        popular=tuple(s for s in popular if s.index != index)[:5],
    )


def absolute(path: str, base: str = BASE) -> str:
    """Absolute URL of a root-relative path, using the base token unless told otherwise."""
    return base + path
