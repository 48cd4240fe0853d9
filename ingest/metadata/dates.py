"""Published and modified time of the article itself (not the footer's or a related post's).

Structured data of the main article node come first, then meta tags, then dated elements outside
sidebars and related lists; for the publication date, a date in the title and htmldate are the
last resorts. Values are parsed and checked (aware, not in the future) by :mod:`ingest.dates`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import lxml.html

from ingest.dates import normalise_date, search_date

from .page import is_foreign
from .values import Lowercased, as_list

if TYPE_CHECKING:
    from .sources import PageSources

log = logging.getLogger(__name__)

#: Structured-data keys, in order of trust.
PUBLISHED_KEYS = ("datePublished", "dateCreated", "uploadDate")
MODIFIED_KEYS = ("dateModified",)
#: Meta names of the publication date, in order of trust.
PUBLISHED_META = (
    "article:published_time",
    "og:article:published_time",
    "article:published",
    "og:published_time",
    "published_time",
    "article.published",
    "datepublished",
    "pubdate",
    "publishdate",
    "publish-date",
    "publish_date",
    "publication_date",
    "parsely-pub-date",
    "sailthru.date",
    "dc.date.issued",
    "dcterms.issued",
    "dc.date.created",
    "dcterms.created",
    "dc.date",
    "dcterms.date",
    "date",
    "cxenseparse:recs:publishtime",
    "cxenseparse:publishtime",
    "og:pubdate",
    "originalpublicationdate",
    "citation_publication_date",
)
#: Meta names of the modification date, in order of trust.
MODIFIED_META = (
    "article:modified_time",
    "og:article:modified_time",
    "article:modified",
    "og:updated_time",
    "modified_time",
    "datemodified",
    "dc.date.modified",
    "dcterms.modified",
    "lastmod",
    "last-modified",
)
#: Meta names of publication dates beyond the well-known ones ("DCSext.articleFirstPublished").
OTHER_PUBLISHED_KEY = Lowercased(
    r"first-?published|publi(?:shed|cation|sh)[-_.: ]?(?:date|time|at|on)|pub[-_]?date"
    r"|date[-_.]?(?:published|publication|created)"
)
OTHER_MODIFIED_KEY = Lowercased(
    r"(?:last-?)?(?:modified|updated?)[-_.: ]?(?:date|time|at|on)|date[-_.]?(?:modified|updated)"
)
#: class/itemprop of <time> elements (or their parent) holding each kind of date.
UPDATED_CLASS = Lowercased(r"updat|modif|aktualisiert|actualiz|mis-a-jour|maj")
PUBLISHED_CLASS = Lowercased(r"publi|posted|created|pubdate|date|time")


def pick_date(src: PageSources, modified: bool) -> str | None:
    """Published or modified time of the article itself, as aware ISO 8601, or None."""
    for value in _marked_dates(src, modified):
        iso = normalise_date(value, src.now)
        if iso:
            return iso
    for value in _page_dates(src, modified):
        iso = normalise_date(value, src.now)
        if iso:
            return iso
    if modified:
        return None
    return _title_date(src) or _htmldate(src)


def _marked_dates(src: PageSources, modified: bool) -> Iterator[Any]:
    """Date values of structured data, then of the well-known meta names, then of other date
    metas; read only until one is a date (most pages stop at the first)."""
    keys = MODIFIED_KEYS if modified else PUBLISHED_KEYS
    for value in src.structured(*keys):
        yield from as_list(value)
    for key in MODIFIED_META if modified else PUBLISHED_META:
        yield from src.meta.get(key, ())
    for key, values in src.meta.items():
        if _is_other_date_key(key, modified):
            yield from values


@lru_cache(maxsize=1024)
def _is_other_date_key(key: str, modified: bool) -> bool:
    """A meta name of a date beyond the well-known ones; cached, as every page's meta names
    are tested twice and sites share most of them (og:title, description, viewport)."""
    pattern = OTHER_MODIFIED_KEY if modified else OTHER_PUBLISHED_KEY
    return pattern.search(key) is not None


def _title_date(src: PageSources) -> str | None:
    """A date printed in the page title ("Headline | DW | 28.04.2023")."""
    for text in (src.first_meta("og:title"), src.title_tag):
        found = search_date(text or "")
        iso = normalise_date(found, src.now) if found else None
        if iso:
            return iso
    return None


def _page_dates(src: PageSources, modified: bool) -> Iterator[str]:
    prop = "dateModified" if modified else "datePublished"
    for el in src.tree.xpath(f"//*[@itemprop='{prop}']"):
        if not is_foreign(el):
            yield el.get("content") or el.get("datetime") or el.text_content()
    times = [t for t in src.elements["time"] if not is_foreign(t)]
    for time in sorted(times, key=lambda t: _time_rank(t, modified)):
        if _time_rank(time, modified) < 3:
            yield time.get("datetime") or time.text_content()


def _time_rank(time: lxml.html.HtmlElement, modified: bool) -> int:
    """0 for a <time> marked as the wanted kind, 1 unmarked, 2 when the parent marks it, 3 other.

    An unmarked <time> counts as a publication date only, never as a modification date.
    """
    marker = " ".join(filter(None, [time.get("class"), time.get("itemprop"), _parent_class(time)]))
    is_updated = bool(UPDATED_CLASS.search(marker))
    if modified:
        return 0 if is_updated else 3
    if is_updated:
        return 3
    if time.get("pubdate") is not None or PUBLISHED_CLASS.search(marker):
        return 0
    return 1


def _parent_class(el: lxml.html.HtmlElement) -> str:
    parent = el.getparent()
    return (parent.get("class") or "") if parent is not None else ""


def _htmldate(src: PageSources) -> str | None:
    """htmldate's guess (URL, header, page text), cheap mode; a bare date is midnight UTC."""
    from htmldate import find_date

    try:
        found = find_date(
            src.tree,
            url=src.url or None,
            original_date=True,
            extensive_search=False,
            outputformat="%Y-%m-%dT%H:%M:%S",
            max_date=src.now.replace(tzinfo=None),
        )
    except Exception as error:  # htmldate on odd markup: a missing date beats a crash
        log.debug("htmldate failed on %s: %s", src.url, error)
        return None
    return normalise_date(found, src.now) if found else None
