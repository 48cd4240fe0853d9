"""Write a complete static news site (pages, listings, feeds, sitemaps, robots, media) to disk.

Pages are written one at a time and never kept, so a synthetic site of 100,000 articles builds
in bounded memory: only the small per-article summaries stay in memory for the listings."""

from __future__ import annotations

import gzip
import os
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from . import feeds
from .common import PageContext, Summary, page_context, summarize, top_viewed
from .media import pdf, png
from .model import BASE, SiteArticle, slugify
from .themes import SiteInfo, Theme, get_theme
from .themes.base import body_html


class ArticleSource(Protocol):
    """A lazily generated article collection (synthetic mode): random access by position."""

    def __len__(self) -> int: ...
    def __getitem__(self, index: int) -> SiteArticle: ...
    def summary(self, index: int) -> Summary: ...


Articles = Sequence[SiteArticle] | ArticleSource


@dataclass(slots=True)
class SiteManifest:
    """What was written: root-relative paths, so callers know what to expect from a crawl."""

    root: Path
    theme: str
    site_name: str
    articles: list[str] = field(default_factory=list)
    amp: list[str] = field(default_factory=list)
    listings: list[str] = field(default_factory=list)
    pages: list[str] = field(default_factory=list)  # contact, imprint...: not articles
    feeds: list[str] = field(default_factory=list)
    sitemaps: list[str] = field(default_factory=list)
    news_sitemap: str = ""
    media: list[str] = field(default_factory=list)
    bytes_written: int = 0


def prepare(articles: Articles) -> tuple[Articles, list[Summary]]:
    """Articles in publication order with their summaries. Shared with :mod:`.expected` so
    both see the same order (and therefore the same neighbours on every page)."""
    if hasattr(articles, "summary"):
        lazy: ArticleSource = articles  # type: ignore[assignment]
        return lazy, [lazy.summary(i) for i in range(len(lazy))]
    ordered = sorted(articles, key=lambda a: (a.published, a.slug))
    return ordered, [summarize(a, i) for i, a in enumerate(ordered)]


def site_info(theme: Theme, summaries: Sequence[Summary], name: str | None) -> SiteInfo:
    """Site-wide facts: sections in order of first appearance."""
    sections = list(dict.fromkeys(s.section for s in summaries))
    return SiteInfo(name=name or theme.site_name, language=theme.language, sections=sections)


class _Writer:
    """Writes paths under the root; bakes in a real origin when one is given."""

    def __init__(
        self, root: Path, base_url: str, manifest: SiteManifest, precompress: bool = False
    ) -> None:
        self.root = root
        self.base_url = base_url.rstrip("/")
        self.manifest = manifest
        self.precompress = precompress

    def write(self, path: str, content: str | bytes, index: str = "index.html") -> None:
        rel = path.lstrip("/")
        if not rel or rel.endswith("/"):
            rel += index
        target = self.root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        text = isinstance(content, str)
        if isinstance(content, str):
            if self.base_url != BASE:
                content = content.replace(BASE, self.base_url)
            content = content.encode("utf-8")
        target.write_bytes(content)
        self.manifest.bytes_written += len(content)
        if self.precompress and text and len(content) > 512:
            # Served as-is by nginx's gzip_static and by ingest.webserver: no CPU per request.
            target.with_name(target.name + ".gz").write_bytes(
                gzip.compress(content, compresslevel=5, mtime=0)
            )


def build_site(
    out_dir: str | os.PathLike[str],
    articles: Articles,
    theme: str = "wordpress",
    *,
    site_name: str | None = None,
    base_url: str = BASE,
    per_page: int = 10,
    max_listing_pages: int | None = None,
    page_size: Callable[[int], int] | None = None,
    sitemap_size: int | None = None,
    precompress: bool = False,
) -> SiteManifest:
    """Write the site for ``articles`` into ``out_dir`` and return what was written.

    ``base_url`` defaults to the ``{{BASE}}`` token that :mod:`ingest.webserver` replaces with
    the request's origin; pass a real origin to bake it in (for a server that cannot rewrite).
    ``page_size(post_id)`` pads article pages to that many characters (synthetic benchmark
    sites); ``sitemap_size`` overrides the theme's URLs per child sitemap. ``precompress``
    writes a ``.gz`` beside every text file (needs a baked ``base_url``: a file with the
    ``{{BASE}}`` token is rewritten per request and cannot be compressed ahead)."""
    if precompress and base_url == BASE:
        raise ValueError(
            "precompress needs a real base_url: the {{BASE}} token is replaced "
            "per request, so pages cannot be compressed ahead of time"
        )
    th = get_theme(theme)
    if sitemap_size:
        th.sitemap_size = sitemap_size
    root = Path(out_dir)
    root.mkdir(parents=True, exist_ok=True)
    ordered, summaries = prepare(articles)
    site = site_info(th, summaries, site_name)
    site.pad_to = page_size
    manifest = SiteManifest(root=root, theme=th.name, site_name=site.name)
    writer = _Writer(root, base_url, manifest, precompress)
    popular = top_viewed(summaries)
    for i, s in enumerate(summaries):
        _write_article(writer, th, ordered[i], s, page_context(summaries, i, popular), site)
    _write_listings(writer, th, summaries, site, per_page, max_listing_pages)
    _write_static_pages(writer, th, site)
    _write_feeds(writer, th, ordered, summaries, site)
    _write_sitemaps(writer, th, summaries, site)
    _write_media(writer, th, summaries)
    writer.write("/robots.txt", th.robots_txt())
    return manifest


def _write_article(
    w: _Writer, th: Theme, a: SiteArticle, s: Summary, ctx: PageContext, site: SiteInfo
) -> None:
    path = th.article_path(s)
    w.write(path, th.render_article(a, s, ctx, site))
    w.manifest.articles.append(path)
    amp = th.amp_path(s)
    if amp:
        w.write(amp, th.render_amp(a, s, ctx, site))
        w.manifest.amp.append(amp)


def _paginate(
    w: _Writer,
    th: Theme,
    title: str,
    items: Sequence[Summary],
    page_path: Callable[[int], str],
    site: SiteInfo,
    per_page: int,
    cap: int | None,
) -> None:
    """Newest first, ``per_page`` a page, like every CMS archive."""
    newest = list(reversed(items))
    pages = max(1, -(-len(newest) // per_page))
    if cap:
        pages = min(pages, cap)
    for page in range(1, pages + 1):
        chunk = newest[(page - 1) * per_page : page * per_page]
        w.write(page_path(page), th.render_listing(title, chunk, page, pages, page_path, site))
        w.manifest.listings.append(page_path(page))


def _write_listings(
    w: _Writer,
    th: Theme,
    summaries: Sequence[Summary],
    site: SiteInfo,
    per_page: int,
    cap: int | None,
) -> None:
    by_section: dict[str, list[Summary]] = defaultdict(list)
    by_tag: dict[str, list[Summary]] = defaultdict(list)
    by_author: dict[str, list[Summary]] = defaultdict(list)
    for s in summaries:
        by_section[s.section].append(s)
        for t in s.tags:
            by_tag[t].append(s)
        for n in s.authors:
            by_author[n].append(s)
    _paginate(w, th, site.name, summaries, th.home_path, site, per_page, cap)
    for name, items in by_section.items():
        slug = slugify(name)
        _paginate(w, th, name, items, lambda p, s=slug: th.section_path(s, p), site, per_page, cap)
    for name, items in by_tag.items():
        slug = slugify(name)
        _paginate(w, th, name, items, lambda p, s=slug: th.tag_path(s, p), site, per_page, cap)
    for name, items in by_author.items():
        slug = th.author_slug(name)
        _paginate(w, th, name, items, lambda p, s=slug: th.author_path(s, p), site, per_page, cap)


def _write_static_pages(w: _Writer, th: Theme, site: SiteInfo) -> None:
    for path, title in th.static_pages():
        w.write(path, th.render_listing(title, [], 1, 1, lambda _p, path=path: path, site))
        w.manifest.pages.append(path)


def _feed_items(
    th: Theme, ordered: Articles, summaries: Sequence[Summary]
) -> list[tuple[Summary, str, str]]:
    newest = list(reversed(summaries))[: th.feed_items]
    return [(s, BASE + th.article_path(s), body_html(ordered[s.index].blocks, {})) for s in newest]


def _write_feeds(
    w: _Writer, th: Theme, ordered: Articles, summaries: Sequence[Summary], site: SiteInfo
) -> None:
    if not summaries:
        return
    items = _feed_items(th, ordered, summaries)
    built = max(s.modified for s in summaries)
    home = BASE + "/"
    w.write(
        th.rss_path,
        feeds.rss(site.name, home, BASE + th.rss_path, site.language, items, built),
        index="index.rss",
    )
    w.write(
        th.atom_path,
        feeds.atom(site.name, home, BASE + th.atom_path, items, built),
        index="index.atom",
    )
    w.manifest.feeds += [th.rss_path, th.atom_path]


def _post_entries(th: Theme, chunk: Iterable[Summary]) -> list[tuple[str, object, str | None]]:
    return [
        (
            BASE + th.article_path(s),
            s.modified,
            BASE + th.media_path(s.image, s) if s.image else None,
        )
        for s in chunk
    ]


def _write_sitemaps(w: _Writer, th: Theme, summaries: Sequence[Summary], site: SiteInfo) -> None:
    sections = list(dict.fromkeys(s.section for s in summaries))
    listing_entries = [(BASE + th.home_path(1), None, None)] + [
        (BASE + th.section_path(slugify(x), 1), None, None) for x in sections
    ]
    if th.sitemap_index_path is None:
        w.write("/sitemap.xml", feeds.urlset(listing_entries + _post_entries(th, summaries)))
        w.manifest.sitemaps.append("/sitemap.xml")
    else:
        children = []
        size = th.sitemap_size
        for number, start in enumerate(range(0, len(summaries), size), 1):
            chunk = summaries[start : start + size]
            path = th.sitemap_path("posts", number)
            w.write(path, feeds.urlset(_post_entries(th, chunk)))
            children.append((BASE + path, max(s.modified for s in chunk)))
            w.manifest.sitemaps.append(path)
        path = th.sitemap_path("sections", 1)
        w.write(path, feeds.urlset(listing_entries))
        w.manifest.sitemaps.append(path)
        children.append((BASE + path, None))
        children.append((BASE + th.news_sitemap_path, None))
        w.write(th.sitemap_index_path, feeds.sitemap_index(children))
        w.manifest.sitemaps.insert(0, th.sitemap_index_path)
    newest = list(reversed(summaries))[:1000]  # Google News sitemaps hold at most 1,000 URLs
    w.write(
        th.news_sitemap_path,
        feeds.news_sitemap(site.name, [(s, BASE + th.article_path(s)) for s in newest]),
    )
    w.manifest.news_sitemap = th.news_sitemap_path


def _write_media(w: _Writer, th: Theme, summaries: Sequence[Summary]) -> None:
    """One file per distinct name: synthetic sites reuse a few images, like a stock library."""
    done: set[str] = set()
    for s in summaries:
        for name in (s.image, s.pdf):
            if not name:
                continue
            path = th.media_path(name, s)
            if path in done:
                continue
            done.add(path)
            data = pdf(s.title) if name.endswith(".pdf") else png(seed=len(done))
            w.write(path, data)
            w.manifest.media.append(path)
    for name in ("logo.png", "banner.png"):
        path = th.media_path(name, None)
        if path not in done:
            w.write(path, png(200, 60, seed=len(name)))
            w.manifest.media.append(path)
    w.write("/avatar.png", png(32, 32, seed=3))
    w.write("/style.css", "body{font-family:Georgia,serif;max-width:42em;margin:auto}\n")
    w.write("/assets/portal.css", ".site-header{display:flex}.ad-label{font-size:10px}\n")
