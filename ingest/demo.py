"""The demo: build the bundled news sites, serve them on 127.0.0.1, crawl them, show the result.

The three demo sites (a WordPress news theme, a German portal, a minimal blog) each exercise
another discovery method: an RSS feed plus sitemaps from robots.txt, an explicit sitemap index,
and plain link-following. Their entries in ``sources.toml`` point at ports 8765-8767; when those
are taken, free ports are used and a matching sources file is written next to the database.
"""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ingest.sitegen import build_site, demo_articles
from ingest.webserver import serve_site

DEMO_PORTS = {"wordpress": 8765, "portal": 8766, "minimal": 8767}


@dataclass(frozen=True)
class DemoSite:
    """One demo site: its sources-file entry name, theme, and how it is discovered."""

    name: str
    theme: str
    entry: str  # the TOML body of its [sources.NAME] entry, with {base} for the origin


DEMO_SITES = (
    DemoSite(
        "demo-news",
        "wordpress",
        'url = "{base}/"\nfeeds = ["{base}/feed/"]\ndepth = 1\nevery = "30m"\n',
    ),
    DemoSite(
        "demo-rheinblick",
        "portal",
        'url = "{base}/"\nsitemaps = ["{base}/sitemap.xml"]\nrobots_sitemaps = false\n'
        'language = "de"\ndepth = 1\nevery = "30m"\n',
    ),
    DemoSite(
        "demo-fieldnotes",
        "minimal",
        'url = "{base}/"\nrobots_sitemaps = false\ndepth = 2\nevery = "1h"\n',
    ),
)


def build_demo(root: Path) -> None:
    """Write the three demo sites under ``root/<theme>/``."""
    for site in DEMO_SITES:
        build_site(root / site.theme, demo_articles(site.theme), site.theme)


def sources_toml(bases: dict[str, str]) -> str:
    """A sources file for the demo sites served at ``bases`` (theme -> origin)."""
    parts = ["# Demo sites as served by `ingest demo` (generated).\n"]
    for site in DEMO_SITES:
        parts.append(
            f'[sources.{site.name}]\ndomains = ["127.0.0.1"]\n'
            + site.entry.format(base=bases[site.theme])
        )
    return "\n".join(parts)


def _port_free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


@contextlib.contextmanager
def serve_demo(root: Path, *, fixed_ports: bool = True) -> Iterator[dict[str, str]]:
    """Serve the demo sites; yield theme -> origin. Ports 8765-8767 when free."""
    with contextlib.ExitStack() as stack:
        bases = {}
        for site in DEMO_SITES:
            port = DEMO_PORTS[site.theme]
            port = port if fixed_ports and _port_free(port) else 0
            bases[site.theme] = str(stack.enter_context(serve_site(root / site.theme, port=port)))
        yield bases
