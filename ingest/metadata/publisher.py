"""The publisher: ``site_name``, and every name the site goes by.

Those names are cut from titles ("Headline | The Coastal Ledger") and keep the publisher out
of the authors.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from .values import as_list, clean_text, name_key

if TYPE_CHECKING:
    from .sources import PageSources

#: Meta names of the site's name, after og:site_name and structured data.
APP_NAME_META = ("application-name", "apple-mobile-web-app-title")
#: Second-level labels under a country code ("bbc.co.uk": the name is "bbc").
SECOND_LEVEL = frozenset(["co", "com", "org", "net", "gov", "ac", "ne", "or", "go"])


def site_name(src: PageSources) -> str | None:
    """Publisher name: og:site_name, then JSON-LD publisher / WebSite, then app name."""
    return next((n for n in _site_name_candidates(src) if n), None)


def _site_name_candidates(src: PageSources) -> Iterator[str | None]:
    """Site names in order of trust, read only until one is found."""
    yield src.first_meta("og:site_name")
    for value in src.structured("publisher"):
        yield _publisher_name(src, value)
    for node in src.nodes:
        if "WebSite" in src.types(node):
            yield clean_text(node.get("name"))
    yield src.first_meta(*APP_NAME_META)


def site_names(src: PageSources) -> list[str]:
    """Name keys (:func:`name_key`) of the site: its names, Twitter handle and host labels."""
    names = [src.site_name or ""]
    names.append(src.first_meta("og:site_name", "application-name") or "")
    twitter = src.first_meta("twitter:site") or ""
    names.append(twitter.lstrip("@"))
    host = (urlsplit(src.url).hostname or "").removeprefix("www.")
    names += [host, *domain_labels(host)]
    for value in src.structured("publisher"):
        names.append(_publisher_name(src, value) or "")
    return [n for n in {name_key(n) for n in names} if len(n) >= 2]


def _publisher_name(src: PageSources, value: Any) -> str | None:
    first = as_list(value)[0] if as_list(value) else None
    return clean_text(src.deref(first))


def domain_labels(host: str) -> list[str]:
    """The host's first label and its registered name ("edition.cnn.com" -> edition, cnn)."""
    labels = host.split(".")
    if len(labels) < 2:
        return labels
    second = labels[-3] if len(labels) >= 3 and labels[-2] in SECOND_LEVEL else labels[-2]
    return [labels[0], second]
