"""Site themes: each one decides URLs, markup and where its boilerplate goes."""

from __future__ import annotations

from .base import SiteInfo, Theme
from .minimal import MinimalTheme
from .portal import PortalTheme
from .wordpress import WordPressTheme

THEMES: dict[str, type[Theme]] = {
    "wordpress": WordPressTheme,
    "portal": PortalTheme,
    "minimal": MinimalTheme,
}


def get_theme(name: str) -> Theme:
    """Theme instance by name; a clear error lists the known ones."""
    try:
        return THEMES[name]()
    except KeyError:
        raise ValueError(f"unknown theme {name!r}; choose one of {', '.join(THEMES)}") from None


__all__ = ["THEMES", "SiteInfo", "Theme", "get_theme"]
