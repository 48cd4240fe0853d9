"""The record an extractor should produce for each generated article page.

Recomputes page contexts exactly as :func:`.build.build_site` does, so the list of strings
that must not survive (other articles' titles in sidebars, comments, ad markers...) is exact.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from .build import Articles, prepare, site_info
from .common import page_context, top_viewed
from .model import BASE
from .themes import get_theme

#: Fields each theme states on the page; the others are ``None`` in expected records, meaning
#: "the page does not say, do not assert".
_STATED = {
    "wordpress": {"modified_at", "description", "section", "tags", "image", "site_name"},
    "portal": {"modified_at", "description", "section", "tags", "image", "site_name"},
    "minimal": set(),
}


def iter_expected(
    articles: Articles,
    theme: str = "wordpress",
    base_url: str = BASE,
    site_name: str | None = None,
) -> Iterator[dict[str, Any]]:
    """Expected record per article, in publication order (lazy: fine for 100,000)."""
    th = get_theme(theme)
    ordered, summaries = prepare(articles)
    site = site_info(th, summaries, site_name)
    popular = top_viewed(summaries)
    base = base_url.rstrip("/")
    stated = _STATED.get(th.name, set())
    for i, s in enumerate(summaries):
        a = ordered[i]
        ctx = page_context(summaries, i, popular)
        paragraphs = a.paragraphs
        text = "\n\n".join(paragraphs)
        boilerplate = [b for b in dict.fromkeys(th.boilerplate(a, s, ctx, site)) if b not in text]
        amp = th.amp_path(s)
        image = base + th.media_path(a.image, s) if a.image else None
        record: dict[str, Any] = {
            "url": base + th.article_path(s),
            "path": th.article_path(s),
            "amp_url": base + amp if amp else None,
            "title": a.title,
            "authors": list(a.authors),
            "published_at": a.published.isoformat(),
            "modified_at": a.modified.isoformat(),
            "language": a.language,
            "description": a.description,
            "section": a.section,
            "tags": list(a.tags),
            "image": image,
            "site_name": site.name,
            "text": text,
            "paragraphs": paragraphs,
            "boilerplate": boilerplate,
        }
        for key in ("modified_at", "description", "section", "tags", "image", "site_name"):
            if key not in stated:
                record[key] = None
        yield record


def expected_records(
    articles: Articles,
    theme: str = "wordpress",
    base_url: str = BASE,
    site_name: str | None = None,
) -> dict[str, dict[str, Any]]:
    """``{article URL: expected record}``. ``base_url`` is the origin the site is served at
    (``serve_site`` yields it); URLs keep the ``{{BASE}}`` token when it is not given.

    Each record has the Article fields (``url``, ``title``, ``authors``, ``published_at``,
    ``modified_at``, ``language``, ``description``, ``section``, ``tags``, ``image``,
    ``site_name``, ``text``), plus ``paragraphs`` (every text unit that must survive),
    ``boilerplate`` (strings printed on the page that must NOT appear in the stored text) and
    ``amp_url`` (the AMP copy, which must not become a second row). ``None`` means the page
    does not state that field."""
    return {r["url"]: r for r in iter_expected(articles, theme, base_url, site_name)}
