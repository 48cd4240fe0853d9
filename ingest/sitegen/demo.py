"""The bundled demo dataset: original fictional news stories in six languages."""

from __future__ import annotations

import json
from importlib import resources

from .model import SiteArticle

#: Demo site per theme, with the themes' own names.
DEMO_SITES = ("wordpress", "portal", "minimal")


def demo_articles(site: str | None = None) -> list[SiteArticle]:
    """Demo stories, all of them or those of one demo site ('wordpress', 'portal', 'minimal').

    Any theme can render any story; ``site`` only picks the set that demo site publishes."""
    raw = json.loads(
        resources.files(__package__).joinpath("data/demo_articles.json").read_text(encoding="utf-8")
    )
    articles = [SiteArticle.from_dict(item) for item in raw]
    if site is None:
        return articles
    if site not in DEMO_SITES:
        raise ValueError(f"unknown demo site {site!r}; choose one of {', '.join(DEMO_SITES)}")
    return [a for a in articles if a.site == site]
