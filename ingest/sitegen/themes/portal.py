"""A German/European news portal: ``<article>`` with paragraphs in nested divs, schema.org
microdata instead of JSON-LD, "Anzeige" markers, "Lesen Sie auch" boxes and a consent layer."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from ..boilerplate import phrases
from ..common import BYLINE_WORD, PageContext, Summary, author_bio, esc, human_date
from ..model import BASE, SiteArticle, slugify
from .base import SiteInfo, Theme, body_html, end_page, insert_points

_FOOTER_LINKS = [
    "Impressum",
    "Datenschutz",
    "Kontakt",
    "AGB",
    "Mediadaten",
    "Barrierefreiheit",
    "Newsletter",
    "RSS-Feeds",
    "Archiv",
    "Karriere",
]


class PortalTheme(Theme):
    name = "portal"
    site_name = "Rheinblick"
    language = "de"

    rss_path = "/rss/alle.xml"
    atom_path = "/atom.xml"
    sitemap_index_path = "/sitemap.xml"
    news_sitemap_path = "/sitemaps/news.xml"

    def article_path(self, s: Summary) -> str:
        return f"/{s.section_slug}/{s.slug}-a{s.post_id}.html"

    section_dir = "/"  # sections at the top: /politik/, /politik/seite-2.html
    tag_dir = "/thema/"
    author_dir = "/autoren/"
    listing_page = "seite-{page}.html"

    def media_path(self, name: str, s: Summary | None) -> str:
        folder = "dokumente" if name.endswith(".pdf") else "bilder"
        return f"/media/{folder}/{name}"

    def sitemap_path(self, kind: str, number: int) -> str:
        return f"/sitemaps/{'artikel' if kind == 'posts' else 'ressorts'}-{number}.xml"

    def chrome_language(self, a: SiteArticle, site: SiteInfo) -> str:
        return site.language

    footer_links = _FOOTER_LINKS
    footer_dir = "/service/"
    other_pages = (
        ("/abo/", "Abo"),
        ("/login/", "Anmelden"),
        ("/epaper/", "E-Paper"),
        ("/newsletter/", "Newsletter"),
    )

    def robots_txt(self) -> str:
        return (
            "User-agent: *\nDisallow: /suche\nDisallow: /abo/\n\nUser-agent: GPTBot\nDisallow: "
            "/\n\n"
            f"Sitemap: {BASE}{self.sitemap_index_path}\nSitemap: {BASE}{self.news_sitemap_path}\n"
        )

    def _head(self, title: str, site: SiteInfo, lang: str, extra: str) -> str:
        return (
            f'<!DOCTYPE html>\n<html lang="{lang}" class="no-js">\n<head>\n'
            '<meta charset="utf-8">\n'
            f"<title>{esc(title)} | {esc(site.name)}</title>\n"
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f'<link rel="alternate" type="application/rss+xml" title="{esc(site.name)} - '
            f'Alle Nachrichten" href="{site.base}{self.rss_path}">\n'
            f'<link rel="alternate" type="application/atom+xml" title="{esc(site.name)} (Atom)" '
            f'href="{site.base}{self.atom_path}">\n'
            f"{extra}"
            '<link rel="stylesheet" href="/assets/portal.css">\n'
            "<script>var cmpConfig={vendorListVersion:412,consentRequired:true};</script>\n"
            "</head>\n"
        )

    def _header(self, site: SiteInfo) -> str:
        p = phrases(site.language)
        nav = "".join(
            f'<li class="nav-item"><a href="{self.section_path(slugify(x), 1)}">{esc(x)}</a></li>'
            for x in site.sections
        )
        return (
            '<div id="cmp-consent-layer" class="cmp-container" role="dialog" aria-modal="true">'
            f'<div class="cmp-text"><p>{esc(p.cookie)}</p></div><div class="cmp-buttons">'
            f'<button class="cmp-accept">{esc(p.cookie_accept)}</button>'
            '<button class="cmp-settings">Einstellungen</button></div></div>\n'
            '<header class="site-header"><div class="header-top"><a class="logo" href="/">'
            f'{esc(site.name)}</a><div class="header-actions"><a href="/abo/">Abo</a> '
            '<a href="/login/">Anmelden</a> <a href="/epaper/">E-Paper</a></div></div>'
            f'<nav class="main-nav" aria-label="Hauptnavigation"><ul><li class="nav-item">'
            f'<a href="/">Startseite</a></li>{nav}</ul></nav></header>\n'
        )

    def _footer(self, site: SiteInfo) -> str:
        items = "".join(f'<li><a href="{path}">{x}</a></li>' for path, x in self.footer_pages())
        return (
            f'<footer class="site-footer"><ul class="footer-links">{items}</ul>'
            f'<p class="copyright">&copy; 2024 {esc(site.name)} Medien GmbH &amp; Co. KG. '
            "Alle Rechte vorbehalten.</p></footer>\n"
        )

    def _teaser(self, s: Summary, with_text: bool) -> str:
        path = self.article_path(s)
        text = f'<p class="teaser-text">{esc(s.description)}</p>' if with_text else ""
        img = (
            f'<div class="teaser-image"><img src="{self.media_path(s.image, s)}" alt="" '
            'loading="lazy"></div>'
            if s.image and with_text
            else ""
        )
        return (
            f'<div class="teaser">{img}<div class="teaser-body"><span class="teaser-kicker">'
            f'{esc(s.section)}</span><h3 class="teaser-title"><a href="{path}">{esc(s.title)}</a>'
            f'</h3>{text}<div class="teaser-meta"><span class="byline">'
            f"{BYLINE_WORD.get(s.language, 'Von')} {esc(s.authors[0])}</span> "
            f'<time datetime="{s.published.isoformat()}">{human_date(s.published, s.language)}'
            "</time></div></div></div>\n"
        )

    def _sidebar(self, popular: Sequence[Summary], site: SiteInfo) -> str:
        p = phrases(site.language)
        items = "".join(f"<li>{self._teaser(s, False)}</li>" for s in popular)
        return (
            f'<aside class="sidebar"><section class="most-read"><h3>{esc(p.popular)}</h3>'
            f'<ol>{items}</ol></section><div class="ad-container ad-sidebar">'
            f'<span class="ad-label">{esc(p.advertisement)}</span><div class="ad-slot" '
            'id="ad-sky-1"></div></div></aside>\n'
        )

    def _inserts(self, a: SiteArticle, ctx: PageContext) -> dict[int, str]:
        p = phrases(a.language)
        at = insert_points(a.blocks)
        inserts: dict[int, str] = {}

        def add(i: int, html: str) -> None:
            inserts[i] = inserts.get(i, "") + html

        ad = (
            f'<div class="ad-container ad-inread"><span class="ad-label">{esc(p.advertisement)}'
            '</span><div class="ad-slot" data-slot="inread"></div></div>'
        )
        add(at["ad1"], ad)
        if ctx.read_also:
            r = ctx.read_also
            label = p.read_also.rstrip(":： ")
            add(
                at["read_also"],
                f'<aside class="related-inline"><span class="related-label">'
                f'{esc(label)}</span> <a href="{self.article_path(r)}">{esc(r.title)}</a></aside>',
            )
        add(
            at["newsletter"],
            '<div class="newsletter-teaser"><div class="newsletter-inner">'
            f"<strong>{esc(p.newsletter_title)}</strong><p>{esc(p.newsletter_text)}</p>"
            '<a class="button" href="/newsletter/">Jetzt anmelden</a></div></div>',
        )
        add(at["ad2"], ad)
        return inserts

    def _wrap_p(self, text: str) -> str:
        return f'<div class="text-block"><div class="paragraph"><p>{esc(text)}</p></div></div>'

    def render_article(self, a: SiteArticle, s: Summary, ctx: PageContext, site: SiteInfo) -> str:
        p = phrases(a.language)
        url = site.base + self.article_path(s)
        extra = (
            f'<meta name="description" content="{esc(a.description)}">\n'
            f'<meta name="date" content="{a.published.isoformat()}">\n'
            f'<meta name="last-modified" content="{a.modified.isoformat()}">\n'
            f'<meta name="keywords" content="{esc(", ".join(a.tags))}">\n'
            f'<link rel="canonical" href="{url}">\n'
            '<meta property="og:type" content="article">\n'
            f'<meta property="og:title" content="{esc(a.title)}">\n'
            f'<meta property="og:description" content="{esc(a.description)}">\n'
            f'<meta property="og:url" content="{url}">\n'
            f'<meta property="og:site_name" content="{esc(site.name)}">\n'
            + (
                f'<meta property="og:image" content="{site.base}{self.media_path(a.image, s)}">\n'
                if a.image
                else ""
            )
        )
        authors = ", ".join(
            '<span itemprop="author" itemscope itemtype="https://schema.org/Person">'
            f'<a itemprop="url" href="{self.author_path(self.author_slug(n), 1)}">'
            f'<span itemprop="name">{esc(n)}</span></a></span>'
            for n in a.authors
        )
        figure = ""
        if a.image:
            figure = (
                '<figure class="article-image" itemprop="image" itemscope '
                'itemtype="https://schema.org/ImageObject">'
                f'<img itemprop="url" src="{self.media_path(a.image, s)}" alt="" width="1200" '
                'height="675">'
                + (
                    f'<figcaption><span class="caption">{esc(a.image_caption)}</span> '
                    '<span class="credit">Foto: Rheinblick</span></figcaption>'
                    if a.image_caption
                    else ""
                )
                + "</figure>\n"
            )
        doc = ""
        if a.pdf:
            doc = (
                f'<div class="article-downloads"><a href="{self.media_path(a.pdf, s)}" '
                f'class="download-pdf">{esc(a.pdf)}</a></div>\n'
            )
        tags = "".join(
            f'<li><a href="{self.tag_path(slugify(t), 1)}">{esc(t)}</a></li>' for t in a.tags
        )
        bios = "".join(
            f'<div class="author-box"><strong>{esc(p.about_author)}</strong> '
            f"<p>{esc(author_bio(n, a.section, site.name, a.language))}</p></div>"
            for n in a.authors
        )
        comments = "".join(
            f'<li class="comment"><span class="comment-user">{esc(who)}</span> '
            f'<div class="comment-text"><p>{esc(text)}</p></div></li>'
            for who, text in a.comments
        )
        related = "".join(self._teaser(r, True) for r in ctx.related)
        minutes = max(1, sum(len(t.split()) for t in a.paragraphs) // 200)
        body = body_html(a.blocks, self._inserts(a, ctx), self._wrap_p)
        page = (
            self._head(a.title, site, a.language, extra)
            + f'<body class="page-article ressort-{s.section_slug}">\n'
            + self._header(site)
            + '<div class="page-wrapper"><main id="content" class="main-content">\n'
            '<nav class="breadcrumb" itemscope itemtype="https://schema.org/BreadcrumbList">'
            '<span itemprop="itemListElement" itemscope itemtype="https://schema.org/ListItem">'
            '<a itemprop="item" href="/"><span itemprop="name">Startseite</span></a>'
            '<meta itemprop="position" content="1"></span> &rsaquo; '
            '<span itemprop="itemListElement" itemscope itemtype="https://schema.org/ListItem">'
            f'<a itemprop="item" href="{self.section_path(s.section_slug, 1)}">'
            f'<span itemprop="name">{esc(a.section)}</span></a>'
            '<meta itemprop="position" content="2"></span></nav>\n'
            f'<article class="article" id="artikel-{s.post_id}" itemscope '
            'itemtype="https://schema.org/NewsArticle">\n'
            f'<meta itemprop="mainEntityOfPage" content="{url}">'
            f'<meta itemprop="inLanguage" content="{a.language}">'
            f'<meta itemprop="articleSection" content="{esc(a.section)}">\n'
            f'<header class="article-header"><span class="article-kicker">{esc(a.section)}</span>'
            f'<h1 class="article-title" itemprop="headline">{esc(a.title)}</h1>\n'
            f'<div class="article-meta"><span class="authors">{BYLINE_WORD.get(a.language, "Von")} '
            f"{authors}</span> "
            f'<time itemprop="datePublished" datetime="{a.published.isoformat()}">'
            f"{human_date(a.published, a.language)}</time>"
            f'<meta itemprop="dateModified" content="{a.modified.isoformat()}">'
            f' <span class="reading-time">{minutes} Min.</span></div>\n'
            '<div class="social-bar"><a class="share share-facebook" '
            f'href="https://www.facebook.com/sharer/sharer.php?u={url}">'
            f'{esc(p.share)}</a> <a class="share share-x" '
            f'href="https://x.com/intent/post?url={url}">X</a> '
            f'<a class="share share-mail" href="mailto:?subject={esc(a.title)}">E-Mail</a>'
            "</div></header>\n"
            + figure
            + '<div class="article-body" itemprop="articleBody">\n'
            + body
            + f'\n<div class="push-optin"><p>{esc(p.push_prompt)}</p>'
            '<button class="push-optin-button">OK</button></div>\n'
            + "</div>\n"
            + doc
            + f'<footer class="article-footer"><ul class="tags">{tags}</ul>{bios}</footer>\n'
            "</article>\n"
            f'<section class="comments"><h2>{esc(p.comments)} ({len(a.comments)})</h2>'
            f'<ul class="comment-list">{comments}</ul></section>\n'
            f'<section class="teaser-list related"><h2>{esc(p.related)}</h2>{related}</section>\n'
            "</main>\n" + self._sidebar(ctx.popular, site) + "</div>\n" + self._footer(site)
        )
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
        teasers = "".join(self._teaser(s, True) for s in items)
        nav = ""
        if pages > 1:
            prev = f'<a rel="prev" href="{page_path(page - 1)}">Zurück</a>' if page > 1 else ""
            nxt = f'<a rel="next" href="{page_path(page + 1)}">Weiter</a>' if page < pages else ""
            nav = (
                f'<nav class="pagination">{prev} <span>Seite {page} von {pages}</span> {nxt}</nav>'
            )
        extra = (
            f'<link rel="canonical" href="{site.base}{page_path(page)}">\n'
            '<meta property="og:type" content="website">\n'
        )
        return (
            self._head(title, site, site.language, extra)
            + '<body class="page-index">\n'
            + self._header(site)
            + '<div class="page-wrapper"><main id="content"><h1 '
            f'class="page-title">{esc(title)}</h1>'
            f'<section class="teaser-list">{teasers}</section>{nav}</main>\n'
            + self._sidebar(items[:5], site)
            + "</div>\n"
            + self._footer(site)
            + "</body>\n</html>\n"
        )
