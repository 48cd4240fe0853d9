"""RSS 2.0, Atom, sitemap index, sitemaps and Google News sitemap text for a site.

All functions return strings with absolute URLs built from ``base`` (the origin token by
default), and take summaries, never bodies, except the feeds' full-content field."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from email.utils import format_datetime
from xml.sax.saxutils import escape

from .common import Summary

XML_DECL = '<?xml version="1.0" encoding="UTF-8"?>\n'


def x(text: str) -> str:
    """Escape text for an XML element or attribute."""
    return escape(text, {'"': "&quot;"})


def rss(
    title: str,
    site_url: str,
    self_url: str,
    language: str,
    items: Iterable[tuple[Summary, str, str]],
    built: datetime,
) -> str:
    """RSS 2.0 as WordPress writes it: ``items`` are (summary, url, full HTML content)."""
    out = [
        XML_DECL,
        '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:atom="http://www.w3.org/2005/Atom" '
        'xmlns:sy="http://purl.org/rss/1.0/modules/syndication/">\n<channel>\n',
        f"<title>{x(title)}</title>\n",
        f'<atom:link href="{x(self_url)}" rel="self" type="application/rss+xml" />\n',
        f"<link>{x(site_url)}</link>\n<description>{x(title)} news</description>\n",
        f"<lastBuildDate>{format_datetime(built)}</lastBuildDate>\n",
        f"<language>{x(language)}</language>\n<sy:updatePeriod>hourly</sy:updatePeriod>\n",
    ]
    for s, url, content in items:
        creators = "".join(f"<dc:creator>{x(n)}</dc:creator>" for n in s.authors)
        cats = "".join(f"<category>{x(c)}</category>" for c in (s.section, *s.tags))
        out.append(
            f"<item>\n<title>{x(s.title)}</title>\n<link>{x(url)}</link>\n{creators}\n"
            f"<pubDate>{format_datetime(s.published)}</pubDate>\n{cats}\n"
            f'<guid isPermaLink="false">{x(site_url)}?p={s.post_id}</guid>\n'
            f"<description>{x(s.description)}</description>\n"
            f"<content:encoded>{x(content)}</content:encoded>\n</item>\n"
        )
    out.append("</channel>\n</rss>\n")
    return "".join(out)


def atom(
    title: str,
    site_url: str,
    self_url: str,
    items: Sequence[tuple[Summary, str, str]],
    updated: datetime,
) -> str:
    """Atom 1.0 feed; ``items`` as for :func:`rss`."""
    out = [
        XML_DECL,
        '<feed xmlns="http://www.w3.org/2005/Atom">\n',
        f"<title>{x(title)}</title>\n<id>{x(site_url)}</id>\n",
        f'<link rel="alternate" type="text/html" href="{x(site_url)}"/>\n',
        f'<link rel="self" type="application/atom+xml" href="{x(self_url)}"/>\n',
        f"<updated>{updated.isoformat()}</updated>\n",
    ]
    for s, url, content in items:
        authors = "".join(f"<author><name>{x(n)}</name></author>" for n in s.authors)
        cats = "".join(f'<category term="{x(c)}"/>' for c in (s.section, *s.tags))
        out.append(
            f"<entry>\n<title>{x(s.title)}</title>\n"
            f'<link rel="alternate" type="text/html" href="{x(url)}"/>\n'
            f"<id>{x(site_url)}?p={s.post_id}</id>\n"
            f"<published>{s.published.isoformat()}</published>\n"
            f"<updated>{s.modified.isoformat()}</updated>\n{authors}\n{cats}\n"
            f"<summary>{x(s.description)}</summary>\n"
            f'<content type="html">{x(content)}</content>\n</entry>\n'
        )
    out.append("</feed>\n")
    return "".join(out)


def sitemap_index(children: Iterable[tuple[str, datetime | None]]) -> str:
    """Sitemap index listing child sitemap URLs with their last modification."""
    out = [XML_DECL, '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n']
    for url, lastmod in children:
        mod = f"<lastmod>{lastmod.isoformat()}</lastmod>" if lastmod else ""
        out.append(f"<sitemap><loc>{x(url)}</loc>{mod}</sitemap>\n")
    out.append("</sitemapindex>\n")
    return "".join(out)


def urlset(entries: Iterable[tuple[str, datetime | None, str | None]]) -> str:
    """A sitemap: (url, lastmod, image url) per entry."""
    out = [
        XML_DECL,
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
        'xmlns:image="http://www.google.com/schemas/sitemap-image/1.1">\n',
    ]
    for url, lastmod, image in entries:
        mod = f"<lastmod>{lastmod.isoformat()}</lastmod>" if lastmod else ""
        img = f"<image:image><image:loc>{x(image)}</image:loc></image:image>" if image else ""
        out.append(f"<url><loc>{x(url)}</loc>{mod}{img}</url>\n")
    out.append("</urlset>\n")
    return "".join(out)


def news_sitemap(site_name: str, entries: Iterable[tuple[Summary, str]]) -> str:
    """Google News sitemap: (summary, url) per entry, with publication date and keywords."""
    out = [
        XML_DECL,
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
        'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">\n',
    ]
    for s, url in entries:
        keywords = f"<news:keywords>{x(', '.join(s.tags))}</news:keywords>" if s.tags else ""
        out.append(
            f"<url><loc>{x(url)}</loc><lastmod>{s.modified.isoformat()}</lastmod><news:news>"
            f"<news:publication><news:name>{x(site_name)}</news:name>"
            f"<news:language>{x(s.language)}</news:language></news:publication>"
            f"<news:publication_date>{s.published.isoformat()}</news:publication_date>"
            f"<news:title>{x(s.title)}</news:title>{keywords}</news:news></url>\n"
        )
    out.append("</urlset>\n")
    return "".join(out)
