"""Article metadata from one parsed page: ``extract_metadata(tree, url) -> dict``.

The dict's keys are named like :class:`~ingest.article.Article` fields, plus ``amp_url``,
``types`` and ``is_paywalled`` / ``paywall_selectors`` for the facade to tell articles from
listing pages and paywalled teasers. Where each key comes from:

=====================================  ==================================================
title                                  :mod:`.titles` (:mod:`.title_parts`, :mod:`.headlines`)
authors                                :mod:`.authors` (:mod:`.bylines`, :mod:`.names`)
published_at, modified_at              :mod:`.dates` (parsing: :mod:`ingest.dates`)
language (declared)                    :mod:`.language` (codes, detection: :mod:`ingest.language`)
url (canonical), amp_url               :mod:`.canonical`
description, section, tags, image      :mod:`.fields`
site_name                              :mod:`.publisher`
types, is_paywalled, paywall_selectors :mod:`.kind`
=====================================  ==================================================

All of them read one :class:`.sources.PageSources`, built once per page from JSON-LD
(:mod:`.jsonld`, with repairs for broken scripts), microdata (:mod:`.microdata`, via extruct),
meta tags (:mod:`.meta_tags`) and page elements (:mod:`.page`). The first plausible value in
order of reliability wins: structured data of the main article node, then meta tags, then the
page itself.

Dates are ISO 8601 and timezone-aware (a value without a timezone is taken as UTC, a bare date
as midnight UTC); dates in the future are rejected.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import lxml.html

from ingest.dates import parse_date

from . import canonical, fields, kind
from .authors import pick_authors
from .bylines import split_names
from .dates import pick_date
from .jsonld import parse_json_lenient
from .language import declared_language
from .sources import PageSources
from .titles import pick_title

__all__ = ["PageSources", "extract_metadata", "parse_json_lenient", "split_names"]


def extract_metadata(
    tree: lxml.html.HtmlElement, url: str, now: datetime | None = None
) -> dict[str, Any]:
    """Metadata of the page ``tree`` fetched from ``url``, as a dict named like Article fields.

    ``now`` bounds the accepted dates (default: the current time); tests pass a fixed one.
    Missing values are None (or empty lists); the function never raises on odd markup.
    """
    src = PageSources.read(tree, url, now or datetime.now(UTC))
    published = pick_date(src, modified=False)
    modified = pick_date(src, modified=True)
    if published and modified and _before(modified, published):
        modified = None
    paywall = kind.paywall_selectors(src)
    return {
        "title": pick_title(src),
        "authors": pick_authors(src),
        "published_at": published,
        "modified_at": modified,
        "language": declared_language(src),
        "description": fields.description(src),
        "section": fields.section(src),
        "tags": fields.tags(src),
        "image": fields.image(src),
        "site_name": src.site_name,
        "url": canonical.canonical_url(src),
        "amp_url": canonical.amp_url(src),
        "types": kind.page_types(src),
        "is_paywalled": paywall is not None,
        "paywall_selectors": paywall or [],
    }


def _before(first: str, second: str) -> bool:
    """Compare two ISO values as instants ("10:00+02:00" is before "09:00+00:00")."""
    a, b = parse_date(first), parse_date(second)
    return a is not None and b is not None and a < b
