"""Generated local news sites for the demo, the tests and the benchmark.

>>> from ingest.sitegen import build_site, demo_articles, expected_records
>>> manifest = build_site("/tmp/site", demo_articles("wordpress"), "wordpress")
>>> with serve_site("/tmp/site") as base:            # from ingest.webserver
...     expected = expected_records(demo_articles("wordpress"), "wordpress", base)

Pages use root-relative links; absolute URLs (feeds, sitemaps, canonical, og:url, JSON-LD)
carry the ``{{BASE}}`` token that the web server replaces with the request's origin.
"""

from __future__ import annotations

from .build import SiteManifest, build_site
from .demo import DEMO_SITES, demo_articles
from .expected import expected_records, iter_expected
from .model import BASE, Block, SiteArticle, slugify
from .themes import THEMES

__all__ = [
    "BASE",
    "DEMO_SITES",
    "THEMES",
    "Block",
    "SiteArticle",
    "SiteManifest",
    "build_site",
    "build_demo_sites",
    "demo_articles",
    "expected_records",
    "iter_expected",
    "slugify",
]


def build_demo_sites(out_dir: str) -> dict[str, SiteManifest]:
    """Build the three demo sites into ``out_dir/<theme>/``; each is served on its own."""
    from pathlib import Path

    return {
        name: build_site(Path(out_dir) / name, demo_articles(name), name) for name in DEMO_SITES
    }
