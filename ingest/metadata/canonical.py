"""The canonical URL of the article (one article, one URL) and its AMP copy.

rel=canonical, og:url and the JSON-LD url are trusted only when they can name this article:
a site's home page or a parent section given as "canonical" by a broken template is ignored.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING
from urllib.parse import quote, urlsplit

if TYPE_CHECKING:
    from .sources import PageSources

#: A last path segment that identifies an article by itself ("/story/3000000218734").
ID_SEGMENT = re.compile(r"\d{5,}|[a-z0-9]+-[a-z0-9]+-[a-z0-9]+", re.IGNORECASE)
#: What an AMP copy adds to its article's path.
AMP_SUFFIXES = ("amp", "amp.html", "amp/index.html")
#: Another domain's bare path this short is its home page ("/en", "/de-de").
MAX_LOCALE_PATH = 5


def canonical_url(src: PageSources) -> str:
    """Canonical URL: rel=canonical, og:url, JSON-LD url; the fetched URL when none holds."""
    candidates = [src.link_href("canonical"), src.first_meta("og:url")]
    for node in (src.main, src.page):
        if node is not None:
            candidates += src.node_urls(node)
    for candidate in candidates:
        full = src.absolute(candidate)
        if full and _plausible(src, full):
            return to_uri(full.split("#", 1)[0])
    return to_uri(src.url.split("#", 1)[0])


def amp_url(src: PageSources) -> str | None:
    """The page's AMP copy (``<link rel=amphtml>``), which must not become a second record."""
    return src.absolute(src.link_href("amphtml"))


def is_amp(src: PageSources) -> bool:
    root = src.tree.getroottree().getroot()
    return "amp" in root.attrib or "\u26a1" in root.attrib


def _plausible(src: PageSources, candidate: str) -> bool:
    """Reject canonicals that cannot name this article: home pages and parent sections."""
    if not src.url:
        return True
    cand, page = urlsplit(candidate), urlsplit(src.url)
    cand_path, page_path = cand.path.strip("/"), page.path.strip("/")
    if not page_path and not page.query:
        return True  # the page itself is a root page: any canonical goes
    if not cand_path and not cand.query:
        return False  # a site root named as canonical of an article
    same_host = _host(cand.hostname) == _host(page.hostname)
    short = "/" not in cand_path and len(cand_path) <= MAX_LOCALE_PATH
    if not same_host and short and not cand.query:
        return False
    if same_host and page_path.startswith(cand_path + "/") and not cand.query:
        rest = page_path[len(cand_path) + 1 :]
        if is_amp(src) or rest.lower() in AMP_SUFFIXES:
            return True
        # a parent section ("/wirtschaft", "/news/2024") is wrong; a short ID-based URL
        # ("/story/3000000218734" for "/story/3000000218734/headline-slug") is canonical
        return bool(ID_SEGMENT.search(cand_path.rsplit("/", 1)[-1]))
    return True


def _host(hostname: str | None) -> str:
    return (hostname or "").removeprefix("www.")


def to_uri(url: str) -> str:
    """Percent-encode non-ASCII characters (IRI -> URI), so one article has one URL string."""
    if url.isascii():
        return url
    return quote(url, safe=":/?#[]@!$&'()*+,;=%~")
