"""What kind of page this is, as the markup declares it: types and paywall.

The extraction facade classifies pages (article, listing, paywalled teaser) from these and from
the text it finds; this module only reports what the page says about itself.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .jsonld import ARTICLE_TYPES
from .values import as_list, clean_text, is_false

if TYPE_CHECKING:
    from .sources import PageSources

#: ``article:content_tier`` values of paywalled articles.
LOCKED_TIERS = ("locked",)


def page_types(src: PageSources) -> list[str]:
    """Schema.org types of all structured nodes (main article first) and ``og:<type>``.

    Article types are left out when several article nodes describe other pages (teasers
    of a listing page marked up as NewsArticle), so they do not make the page an article.
    """
    found: list[str] = []
    ordered = [src.main] if src.main is not None else []
    for node in ordered + src.nodes:
        for name in src.types(node):
            teaser = name in ARTICLE_TYPES and not src.main_is_page
            if name not in found and not teaser:
                found.append(name)
    og_type = src.first_meta("og:type")
    if og_type:
        found.append(f"og:{og_type}")
    return found


def paywall_selectors(src: PageSources) -> list[str] | None:
    """CSS selectors of paywalled parts, [] when paywalled without them, None when free."""
    selectors: list[str] = []
    paywalled = False
    for node in (src.main, src.page):
        if node is None:
            continue
        if is_false(node.get("isAccessibleForFree")):
            paywalled = True
        for part in as_list(node.get("hasPart")):
            part = src.deref(part)
            if isinstance(part, dict) and is_false(part.get("isAccessibleForFree")):
                paywalled = True
                selector = clean_text(part.get("cssSelector"))
                if selector and selector not in selectors:
                    selectors.append(selector)
    tier = (src.first_meta("article:content_tier") or "").lower()
    if tier in LOCKED_TIERS:
        paywalled = True
    return selectors if paywalled else None
