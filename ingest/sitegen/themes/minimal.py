"""A small hand-made blog: no structured data, no OpenGraph, no canonical link. Only
``<title>``, an ``h1``, a byline in plain text and a ``<time>``: the fallbacks' test bed."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from ..common import BYLINE_WORD, PageContext, Summary, esc, human_date, join_names
from ..model import SiteArticle, slugify
from .base import SiteInfo, Theme, body_html, end_page


class MinimalTheme(Theme):
    name = "minimal"
    site_name = "Field Notes"
    language = "en"

    rss_path = "/index.xml"
    atom_path = "/atom.xml"
    sitemap_index_path = None  # a plain <urlset> at /sitemap.xml, like Hugo's default
    news_sitemap_path = "/news-sitemap.xml"

    def article_path(self, s: Summary) -> str:
        return f"/posts/{s.slug}/"

    section_dir = "/categories/"
    tag_dir = "/tags/"
    author_dir = "/authors/"

    def media_path(self, name: str, s: Summary | None) -> str:
        return f"/files/{name}"

    def sitemap_path(self, kind: str, number: int) -> str:
        return "/sitemap.xml"

    def robots_txt(self) -> str:
        return (
            f"User-agent: *\nAllow: /\n\nSitemap: {{{{BASE}}}}/sitemap.xml\n"
            f"Sitemap: {{{{BASE}}}}{self.news_sitemap_path}\n"
        )

    def boilerplate(
        self, a: SiteArticle, s: Summary, ctx: PageContext, site: SiteInfo
    ) -> list[str]:
        out = ["Subscribe via RSS", "Built with a text editor and too much coffee."]
        if ctx.read_also:
            out.append(ctx.read_also.title)
        out += [c for _, c in a.comments]
        return out

    def _page(self, title: str, lang: str, site: SiteInfo, main: str) -> str:
        nav = " · ".join(
            f'<a href="{self.section_path(slugify(x), 1)}">{esc(x)}</a>' for x in site.sections
        )
        return (
            f'<!DOCTYPE html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
            f"<title>{esc(title)}</title>\n"
            f'<link rel="alternate" type="application/rss+xml" href="{self.rss_path}">\n'
            '<link rel="stylesheet" href="/style.css">\n</head>\n<body>\n'
            f'<header><a href="/" class="site-title">{esc(site.name)}</a> '
            f"<nav>{nav}</nav></header>\n<main>\n{main}\n</main>\n"
            '<footer><p><a href="/index.xml">Subscribe via RSS</a></p>'
            "<p>Built with a text editor and too much coffee.</p></footer>\n"
        )

    def render_article(self, a: SiteArticle, s: Summary, ctx: PageContext, site: SiteInfo) -> str:
        image = f'<p><img src="{self.media_path(a.image, s)}" alt=""></p>\n' if a.image else ""
        doc = (
            f'<p class="attachment"><a href="{self.media_path(a.pdf, s)}">{esc(a.pdf)}</a></p>\n'
            if a.pdf
            else ""
        )
        older = ""
        if ctx.read_also:
            r = ctx.read_also
            older = (
                f'<nav class="post-nav"><a href="{self.article_path(r)}">&larr; '
                f"{esc(r.title)}</a></nav>\n"
            )
        comments = "".join(f"<li><b>{esc(who)}</b>: {esc(text)}</li>" for who, text in a.comments)
        main = (
            f"<article>\n<h1>{esc(a.title)}</h1>\n"
            f'<p class="byline">{BYLINE_WORD.get(a.language, "By")} '
            f"{esc(join_names(a.authors, a.language))} &middot; "
            f'<time datetime="{a.published.isoformat()}">{human_date(a.published, a.language)}'
            "</time></p>\n"
            f"{image}{body_html(a.blocks, {})}\n{doc}</article>\n{older}"
            + (
                f'<section class="responses"><h3>Responses</h3><ul>{comments}</ul></section>'
                if comments
                else ""
            )
        )
        page = self._page(f"{a.title} | {site.name}", a.language, site, main)
        return end_page(page, s, site)

    def render_listing(
        self,
        title: str,
        items: Sequence[Summary],
        page: int,
        pages: int,
        page_path: Callable[[int], str],
        site: SiteInfo,
    ) -> str:
        rows = "".join(
            f'<li><time datetime="{s.published.isoformat()}">{s.published:%Y-%m-%d}</time> '
            f'<a href="{self.article_path(s)}">{esc(s.title)}</a></li>\n'
            for s in items
        )
        nav = ""
        if page < pages:
            nav += f'<a href="{page_path(page + 1)}">Older posts</a> '
        if page > 1:
            nav += f'<a href="{page_path(page - 1)}">Newer posts</a>'
        main = f'<h1>{esc(title)}</h1>\n<ul class="posts">\n{rows}</ul>\n<p>{nav}</p>'
        return self._page(f"{title} | {site.name}", site.language, site, main) + (
            "</body>\n</html>\n"
        )
