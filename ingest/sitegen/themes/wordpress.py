"""A WordPress news theme in the tagDiv Newspaper mould, with jNews/Soledad (jeg_/penci-)
widgets mixed in, carrying every kind of boilerplate such sites print around the text."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence

from ..boilerplate import phrases
from ..common import (
    BYLINE_WORD,
    PageContext,
    Summary,
    author_bio,
    esc,
    human_date,
    join_names,
)
from ..model import BASE, SiteArticle, slugify
from .base import SiteInfo, Theme, body_html, end_page, insert_points

_LOCALE = {"en": "en_US", "de": "de_DE", "es": "es_ES", "fr": "fr_FR", "ru": "ru_RU", "ja": "ja"}
_CSS = (
    ".td-header-wrap{position:relative;z-index:2}.td-post-content p{margin-bottom:26px}"
    ".td-a-rec{text-align:center}.td-adspot-title{color:#767676;font-size:10px}"
    ".td-post-sharing{margin:10px 0}.td_module_related_posts{width:33%}"
    "#cookie-law-info-bar{position:fixed;bottom:0;width:100%}"
)
_FOOTER_LINKS = [
    "About us",
    "Contact",
    "Advertise with us",
    "Privacy Policy",
    "Terms of Use",
    "Cookie Policy",
    "Careers",
    "Newsletters",
    "Archive",
    "RSS Feeds",
]


class WordPressTheme(Theme):
    name = "wordpress"
    site_name = "The Harbor Ledger"
    language = "en"

    rss_path = "/feed/"
    atom_path = "/feed/atom/"
    sitemap_index_path = "/sitemap_index.xml"
    news_sitemap_path = "/news-sitemap.xml"

    def article_path(self, s: Summary) -> str:
        return f"/{s.published:%Y/%m/%d}/{s.slug}/"

    def amp_path(self, s: Summary) -> str | None:
        return f"{self.article_path(s)}amp/" if s.amp else None

    section_dir = "/category/"
    tag_dir = "/tag/"
    author_dir = "/author/"

    def media_path(self, name: str, s: Summary | None) -> str:
        when = f"{s.published:%Y/%m}" if s else "2024/01"
        return f"/wp-content/uploads/{when}/{name}"

    def sitemap_path(self, kind: str, number: int) -> str:
        prefix = "post" if kind == "posts" else "category"
        return f"/{prefix}-sitemap{'' if number == 1 else number}.xml"

    footer_links = _FOOTER_LINKS
    other_pages = (
        ("/contact/", "Contact"),
        ("/advertise/", "Advertise"),
        ("/login/", "Sign in"),
        ("/search/", "Search"),
        ("/newsletter/", "Newsletter"),
    )

    def robots_txt(self) -> str:
        return (
            "User-agent: *\nDisallow: /wp-admin/\nAllow: /wp-admin/admin-ajax.php\n\n"
            f"Sitemap: {BASE}{self.sitemap_index_path}\nSitemap: {BASE}{self.news_sitemap_path}\n"
        )

    # --- page parts -------------------------------------------------------------------
    def _head(self, title: str, site: SiteInfo, lang: str, extra: str) -> str:
        return (
            f'<!DOCTYPE html>\n<html lang="{lang}">\n<head>\n<meta charset="UTF-8">\n'
            f"<title>{esc(title)} - {esc(site.name)}</title>\n"
            '<meta name="viewport" content="width=device-width, initial-scale=1.0">\n'
            '<meta name="robots" content="index, follow, max-image-preview:large">\n'
            f'<link rel="alternate" type="application/rss+xml" title="{esc(site.name)} &raquo; '
            f'Feed" href="{site.base}{self.rss_path}">\n'
            f'<link rel="alternate" type="application/atom+xml" title="{esc(site.name)} &raquo; '
            f'Atom" href="{site.base}{self.atom_path}">\n'
            f"{extra}"
            f'<style id="td-theme-inline-css">{_CSS}</style>\n'
            "<script>window.dataLayer=window.dataLayer||[];function gtag(){dataLayer.push("
            "arguments)}gtag('js',new Date());gtag('config','G-XXXX0000');</script>\n"
            "</head>\n"
        )

    def _header(self, site: SiteInfo) -> str:
        nav = "".join(
            '<li class="menu-item menu-item-type-taxonomy"><a '
            f'href="{self.section_path(slugify(x), 1)}">'
            f"{esc(x)}</a></li>"
            for x in site.sections
        )
        return (
            '<div id="td-outer-wrap" class="td-theme-wrap">\n'
            '<div class="td-header-wrap td-header-style-1">\n'
            '<div class="td-header-top-menu-full td-container-wrap"><div '
            'class="td-header-top-menu">'
            '<div class="td_data_time">Breaking</div><ul class="top-header-menu">'
            '<li><a href="/contact/">Contact</a></li><li><a href="/advertise/">Advertise</a></li>'
            '<li><a href="/login/">Sign in</a></li></ul>'
            '<div class="td-social-icon-wrap"><a href="https://www.facebook.com/harborledger" '
            'class="td-social-icon">'
            'Facebook</a><a href="https://twitter.com/harborledger" '
            'class="td-social-icon">Twitter</a>'
            '<a href="https://www.youtube.com/@harborledger" '
            'class="td-social-icon">Youtube</a></div></div></div>\n'
            f'<div class="td-header-sp-logo"><a class="td-main-logo" href="/">'
            f'<span class="td-logo-text">{esc(site.name)}</span></a></div>\n'
            '<div class="td-header-menu-wrap"><nav id="td-header-menu" role="navigation">'
            '<ul id="menu-main-menu" class="sf-menu"><li class="menu-item"><a '
            'href="/">Home</a></li>'
            f"{nav}</ul></nav>"
            '<div class="td-search-btns-wrap"><a id="td-header-search-button" href="/search/">'
            "Search</a></div></div>\n</div>\n"
        )

    def _footer(self, site: SiteInfo, lang: str) -> str:
        p = phrases(lang)
        links = "".join(f'<li><a href="{path}">{x}</a></li>' for path, x in self.footer_pages())
        return (
            '<div class="td-footer-wrapper td-container-wrap"><div class="td-footer-bottom-full">'
            f'<div class="td-pb-span5"><aside class="footer-text-wrap"><div class="block-title">'
            f"<span>ABOUT US</span></div>{esc(site.name)} is an independent local newsroom. "
            'Contact us: <a href="/contact/">newsroom@example.org</a></aside></div>'
            f'<ul class="td-footer-menu">{links}</ul></div>'
            '<div class="td-sub-footer-container"><div class="td-sub-footer-copy">&copy; '
            f"Copyright 2024 - {esc(site.name)}. All rights reserved.</div></div></div>\n"
            '<div id="cookie-law-info-bar" data-nosnippet="true" class="cli-bar-container">'
            f'<span class="cli-bar-message">{esc(p.cookie)}</span>'
            f'<a role="button" class="cli_action_button cli-accept-all-button">'
            f"{esc(p.cookie_accept)}</a> "
            '<a role="button" class="cli_settings_button">Cookie settings</a></div>\n'
            "</div>\n"
        )

    def _share(self, lang: str, where: str, url: str) -> str:
        """Share buttons: external links carrying the article URL, as real ones do."""
        p = phrases(lang)
        return (
            f'<div class="td-post-sharing td-post-sharing-{where}"><div '
            'class="td-post-sharing-visible">'
            '<a class="td-social-sharing-button td-social-facebook" '
            f'href="https://www.facebook.com/sharer.php?u={url}">'
            f'<span class="td-social-but-text">{esc(p.share)}</span></a>'
            '<a class="td-social-sharing-button td-social-twitter" '
            f'href="https://twitter.com/intent/tweet?url={url}">'
            '<span class="td-social-but-text">Twitter</span></a>'
            '<a class="td-social-sharing-button td-social-pinterest" '
            f'href="https://pinterest.com/pin/create/button/?url={url}">'
            '<span class="td-social-but-text">Pinterest</span></a>'
            '<a class="td-social-sharing-button td-social-whatsapp" '
            f'href="https://api.whatsapp.com/send?text={url}">'
            '<span class="td-social-but-text">WhatsApp</span></a></div></div>\n'
        )

    def _module(self, s: Summary, css: str, with_excerpt: bool) -> str:
        """One teaser (title, byline, date) as listings and sidebars print them."""
        path = self.article_path(s)
        thumb = ""
        if s.image:
            thumb = (
                f'<div class="td-module-thumb"><a href="{path}"><img class="entry-thumb" '
                f'src="{self.media_path(s.image, s)}" alt="" width="218" height="150"></a></div>'
            )
        excerpt = f'<div class="td-excerpt">{esc(s.description)}</div>' if with_excerpt else ""
        return (
            f'<div class="{css} td_module_wrap td-animation-stack">{thumb}'
            f'<h3 class="entry-title td-module-title"><a href="{path}" rel="bookmark" '
            f'title="{esc(s.title)}">{esc(s.title)}</a></h3>'
            '<div class="td-module-meta-info"><span class="td-post-author-name">'
            f'<a href="{self.author_path(self.author_slug(s.authors[0]), 1)}">'
            f"{esc(s.authors[0])}</a>"
            ' <span>-</span> </span><span class="td-post-date"><time class="entry-date updated '
            f'td-module-date" datetime="{s.published.isoformat()}">'
            f"{human_date(s.published, s.language)}</time></span></div>{excerpt}</div>\n"
        )

    def _sidebar(self, ctx: PageContext, lang: str) -> str:
        p = phrases(lang)
        items = "".join(self._module(s, "td_module_6", False) for s in ctx.popular)
        return (
            '<div class="td-pb-span4 td-main-sidebar" role="complementary">'
            '<div class="td-ss-main-sidebar">'
            '<aside class="td_block_template_1 widget widget_block">'
            f'<h4 class="block-title"><span>{esc(p.popular)}</span></h4>{items}</aside>'
            '<aside class="widget jeg_ad jeg_ad_sidebar"><div class="ads-wrapper">'
            f'<span class="td-adspot-title">{esc(p.advertisement)}</span>'
            '<a href="https://ads.example.net/click?id=sidebar" rel="sponsored"><img '
            'src="/wp-content/uploads/2024/01/banner.png" '
            'alt="" width="300" height="250"></a></div></aside>'
            "</div></div>\n"
        )

    def _jsonld(self, a: SiteArticle, s: Summary, site: SiteInfo) -> str:
        url = site.base + self.article_path(s)
        people = [
            {
                "@type": "Person",
                "@id": f"{site.base}/#/schema/person/{self.author_slug(n)}",
                "name": n,
                "url": site.base + self.author_path(self.author_slug(n), 1),
                "description": author_bio(n, a.section, site.name, a.language),
            }
            for n in a.authors
        ]
        article: dict[str, object] = {
            "@type": "NewsArticle",
            "@id": f"{url}#article",
            "isPartOf": {"@id": url},
            "author": [{"@id": p["@id"], "name": p["name"]} for p in people],
            "headline": a.title,
            "datePublished": a.published.isoformat(),
            "dateModified": a.modified.isoformat(),
            "mainEntityOfPage": {"@id": url},
            "wordCount": sum(len(t.split()) for t in a.paragraphs),
            "commentCount": len(a.comments),
            "publisher": {"@id": f"{site.base}/#organization"},
            "keywords": list(a.tags),
            "articleSection": [a.section],
            "inLanguage": _LOCALE.get(a.language, a.language).replace("_", "-"),
            "description": a.description,
        }
        graph: list[dict[str, object]] = [
            article,
            {
                "@type": "WebPage",
                "@id": url,
                "url": url,
                "name": f"{a.title} - {site.name}",
                "isPartOf": {"@id": f"{site.base}/#website"},
                "datePublished": a.published.isoformat(),
                "dateModified": a.modified.isoformat(),
                "breadcrumb": {"@id": f"{url}#breadcrumb"},
            },
            {
                "@type": "BreadcrumbList",
                "@id": f"{url}#breadcrumb",
                "itemListElement": [
                    {"@type": "ListItem", "position": 1, "name": "Home", "item": f"{site.base}/"},
                    {"@type": "ListItem", "position": 2, "name": a.title},
                ],
            },
            {
                "@type": "WebSite",
                "@id": f"{site.base}/#website",
                "url": f"{site.base}/",
                "name": site.name,
                "publisher": {"@id": f"{site.base}/#organization"},
            },
            {
                "@type": "Organization",
                "@id": f"{site.base}/#organization",
                "name": site.name,
                "url": f"{site.base}/",
                "logo": {
                    "@type": "ImageObject",
                    "url": site.base + self.media_path("logo.png", None),
                },
            },
            *people,
        ]
        if a.image:
            image_url = site.base + self.media_path(a.image, s)
            article["image"] = {"@id": f"{url}#primaryimage"}
            graph.append(
                {
                    "@type": "ImageObject",
                    "@id": f"{url}#primaryimage",
                    "url": image_url,
                    "contentUrl": image_url,
                    "width": 1200,
                    "height": 675,
                    "caption": a.image_caption or "",
                }
            )
        data = {"@context": "https://schema.org", "@graph": graph}
        text = json.dumps(data, ensure_ascii=False).replace("</", "<\\/")
        return f'<script type="application/ld+json" class="yoast-schema-graph">{text}</script>\n'

    def _meta(self, a: SiteArticle, s: Summary, site: SiteInfo) -> str:
        url = site.base + self.article_path(s)
        tags = "".join(f'<meta property="article:tag" content="{esc(t)}">\n' for t in a.tags)
        amp = self.amp_path(s)
        image = ""
        if a.image:
            image = (
                f'<meta property="og:image" content="{site.base}{self.media_path(a.image, s)}">\n'
                '<meta property="og:image:width" content="1200">\n'
                '<meta property="og:image:height" content="675">\n'
            )
        return (
            f'<meta name="description" content="{esc(a.description)}">\n'
            f'<link rel="canonical" href="{url}">\n'
            + (f'<link rel="amphtml" href="{site.base}{amp}">\n' if amp else "")
            + f'<meta property="og:locale" content="{_LOCALE.get(a.language, "en_US")}">\n'
            '<meta property="og:type" content="article">\n'
            f'<meta property="og:title" content="{esc(a.title)}">\n'
            f'<meta property="og:description" content="{esc(a.description)}">\n'
            f'<meta property="og:url" content="{url}">\n'
            f'<meta property="og:site_name" content="{esc(site.name)}">\n'
            f'<meta property="article:published_time" content="{a.published.isoformat()}">\n'
            f'<meta property="article:modified_time" content="{a.modified.isoformat()}">\n'
            f'<meta property="article:section" content="{esc(a.section)}">\n'
            f"{tags}{image}"
            f'<meta name="author" content="{esc(", ".join(a.authors))}">\n'
            '<meta name="twitter:card" content="summary_large_image">\n'
            f'<meta name="twitter:label1" content="Written by">'
            f'<meta name="twitter:data1" content="{esc(a.authors[0])}">\n'
            + self._jsonld(a, s, site)
        )

    def _inserts(self, a: SiteArticle, ctx: PageContext) -> dict[int, str]:
        p = phrases(a.language)
        at = insert_points(a.blocks)
        inserts: dict[int, str] = {}

        def add(i: int, html: str) -> None:
            inserts[i] = inserts.get(i, "") + html

        add(
            at["ad1"],
            '<div class="td-a-rec td-a-rec-id-content_inline tdi_2 td_block_template_1">'
            f'<span class="td-adspot-title">{esc(p.advertisement)}</span>'
            '<ins class="adsbygoogle" data-ad-slot="1234567890"></ins></div>',
        )
        if ctx.read_also:
            r = ctx.read_also
            add(
                at["read_also"],
                f"<p><strong>{esc(p.read_also)}</strong> "
                f'<a href="{self.article_path(r)}">{esc(r.title)}</a></p>',
            )
        add(
            at["newsletter"],
            '<div class="td_block_wrap tdm_block_newsletter jeg_newsletter">'
            f'<h3 class="tdm-title">{esc(p.newsletter_title)}</h3>'
            f'<p class="tdm-descr">{esc(p.newsletter_text)}</p>'
            '<form action="/newsletter/" method="post"><input type="email" name="email" '
            'placeholder="Email"><button type="submit">Subscribe</button></form></div>',
        )
        add(
            at["ad2"],
            '<div class="jeg_ad jeg_ad_article jnews_content_inline_ads">'
            f'<div class="ads-wrapper"><span class="ads-text">{esc(p.advertisement)}</span></div>'
            "</div>",
        )
        if len(ctx.related) > 1:
            r = ctx.related[1]
            add(
                at["newsletter"] + 1 if at["newsletter"] + 1 < len(a.blocks) - 1 else at["ad2"],
                '<div class="penci-inline-related-posts"><div class="penci-irp-heading">'
                f'{esc(p.related)}</div><ul><li><a href="{self.article_path(r)}">'
                f"{esc(r.title)}</a></li></ul></div>",
            )
        return inserts

    def _comments(self, a: SiteArticle) -> str:
        p = phrases(a.language)
        items = "".join(
            f'<li class="comment even thread-even depth-1" id="li-comment-{i}"><article>'
            '<footer><div class="comment-author vcard"><img class="avatar" src="/avatar.png" '
            f'alt=""><cite class="fn">{esc(who)}</cite></div><a class="comment-link" '
            f'href="#comment-{i}"><time datetime="{a.published.isoformat()}">'
            f"{human_date(a.published, a.language)}</time></a></footer>"
            f'<div class="comment-content"><p>{esc(text)}</p></div>'
            '<div class="comment-meta-wrap"><a class="comment-reply-link" href="#respond">'
            "Reply</a></div></article></li>"
            for i, (who, text) in enumerate(a.comments, 1)
        )
        reply_title, _, cancel = p.leave_reply.partition(" Cancel")
        return (
            '<div class="comments" id="comments">'
            f'<div class="td-comments-title-wrap"><h4 class="block-title"><span>{len(a.comments)} '
            f'{esc(p.comments)}</span></h4></div><ol class="comment-list">{items}</ol>'
            '<div id="respond" class="comment-respond"><h3 id="reply-title" '
            f'class="comment-reply-title">{esc(reply_title)}</h3>'
            '<form action="/wp-comments-post.php" method="post" id="commentform" '
            'class="comment-form">'
            '<textarea id="comment" name="comment" placeholder="Comment:"></textarea>'
            '<input class="" id="author" name="author" placeholder="Name:*" type="text">'
            '<input class="" id="email" name="email" placeholder="Email:*" type="text">'
            '<input name="submit" type="submit" id="submit" class="submit" value="Post Comment">'
            "</form></div></div>\n"
        )

    def _author_box(self, a: SiteArticle, site: SiteInfo) -> str:
        p = phrases(a.language)
        boxes = "".join(
            '<div class="author-box-wrap"><a href="'
            f'{self.author_path(self.author_slug(n), 1)}"><img alt="" src="/avatar.png" '
            f'class="avatar" height="96" width="96"></a><div class="desc">'
            f'<div class="td-author-about">{esc(p.about_author)}</div>'
            f'<div class="td-author-name vcard author"><span class="fn"><a href="'
            f'{self.author_path(self.author_slug(n), 1)}">{esc(n)}</a></span></div>'
            f'<div class="td-author-description">'
            f"{esc(author_bio(n, a.section, site.name, a.language))}</div>"
            '<div class="td-author-social"><a '
            'href="https://twitter.com/harborledger">Twitter</a></div></div></div>'
            for n in a.authors
        )
        return boxes + "\n"

    def _related(self, ctx: PageContext, lang: str) -> str:
        p = phrases(lang)
        items = "".join(self._module(s, "td_module_related_posts", False) for s in ctx.related)
        return (
            '<div class="td_block_wrap td_block_related_posts tdi_3 td_with_ajax_pagination '
            'td-pb-border-top td_block_template_1"><h4 class="td-related-title td-block-title">'
            f'<a class="td-related-left td-cur-simple-item" href="#">{esc(p.related)}</a></h4>'
            f'<div class="td_block_inner">{items}</div></div>\n'
        )

    def render_article(self, a: SiteArticle, s: Summary, ctx: PageContext, site: SiteInfo) -> str:
        p = phrases(a.language)
        figure = ""
        if a.image:
            src = self.media_path(a.image, s)
            caption = (
                f'<figcaption class="wp-caption-text">{esc(a.image_caption)}</figcaption>'
                if a.image_caption
                else ""
            )
            figure = (
                f'<div class="td-post-featured-image"><figure><a href="{src}" '
                f'data-caption="{esc(a.image_caption or "")}"><img width="696" height="392" '
                f'class="entry-thumb td-modal-image" src="{src}" alt=""></a>{caption}'
                "</figure></div>\n"
            )
        tags = "".join(
            f'<li><a href="{self.tag_path(slugify(t), 1)}">{esc(t)}</a></li>' for t in a.tags
        )
        attachment = ""
        if a.pdf:
            attachment = (
                f'<div class="wp-block-file td-attachment"><a href="'
                f'{self.media_path(a.pdf, s)}">{esc(a.pdf)}</a></div>\n'
            )
        authors = " ".join(
            f'<a href="{self.author_path(self.author_slug(n), 1)}">{esc(n)}</a>' for n in a.authors
        )
        body = body_html(a.blocks, self._inserts(a, ctx))
        push = (
            '<div class="td-a-rec td-a-rec-id-content_bottom"><div '
            'class="push-notification-prompt">'
            f"<p>{esc(p.push_prompt)}</p>"
            '<a class="wp-block-button__link" href="#push">Subscribe</a></div></div>'
        )
        page = (
            self._head(a.title, site, a.language.replace("en", "en-US"), self._meta(a, s, site))
            + f'<body class="post-template-default single single-post postid-{s.post_id} '
            'single-format-standard td-standard-pack global-block-template-1 td-full-layout">\n'
            + self._header(site)
            + '<div class="td-main-content-wrap td-container-wrap"><div class="td-container '
            'td-post-template-default">\n'
            '<div class="td-crumb-container"><div class="entry-crumbs"><span><a href="/">Home</a>'
            '</span> <i class="td-icon-right td-bread-sep"></i> <span><a href="'
            f'{self.section_path(slugify(a.section), 1)}">{esc(a.section)}</a></span></div></div>\n'
            '<div class="td-pb-row"><div class="td-pb-span8 td-main-content" role="main">'
            '<div class="td-ss-main-content">\n'
            f'<article id="post-{s.post_id}" class="post-{s.post_id} post type-post status-publish '
            f'format-standard has-post-thumbnail category-{slugify(a.section)}">\n'
            '<div class="td-post-header"><ul class="td-category"><li class="entry-category">'
            f'<a href="{self.section_path(slugify(a.section), 1)}">{esc(a.section)}</a></li></ul>\n'
            f'<header class="td-post-title"><h1 class="entry-title">{esc(a.title)}</h1>\n'
            '<div class="td-module-meta-info"><div class="td-post-author-name">'
            f'<div class="td-author-by">{BYLINE_WORD.get(a.language, "By")}</div> {authors}'
            '<div class="td-author-line"> - </div></div> <span class="td-post-date">'
            f'<time class="entry-date updated td-module-date" datetime="{a.published.isoformat()}">'
            f"{human_date(a.published, a.language)}</time></span> "
            '<div class="td-post-comments"><a href="#comments"><i class="td-icon-comments"></i>'
            f'{len(a.comments)}</a></div> <div class="td-post-views"><i class="td-icon-views"></i>'
            f'<span class="td-nr-views-{s.post_id}">{a.views:,}</span></div></div>\n'
            "</header></div>\n"
            + self._share(a.language, "top", site.base + self.article_path(s))
            + '<div class="td-post-content tagdiv-type entry-content">\n'
            + figure
            + body
            + "\n"
            + push
            + "\n</div>\n"
            + attachment
            + '<footer><div class="td-post-source-tags"><ul class="td-tags td-post-small-box '
            f'clearfix"><li><span>TAGS</span></li>{tags}</ul></div>\n'
            + self._share(a.language, "bottom", site.base + self.article_path(s))
            + self._author_box(a, site)
            + "</footer>\n</article>\n"
            + self._related(ctx, a.language)
            + self._comments(a)
            + "</div></div>\n"
            + self._sidebar(ctx, a.language)
            + "</div></div></div>\n"
            + self._footer(site, a.language)
        )
        return self._finish(page, s, site)

    def _finish(self, page: str, s: Summary, site: SiteInfo) -> str:
        return end_page(page, s, site)

    def render_amp(self, a: SiteArticle, s: Summary, ctx: PageContext, site: SiteInfo) -> str:
        p = phrases(a.language)
        url = site.base + self.article_path(s)
        ld = {
            "@context": "https://schema.org",
            "@type": "NewsArticle",
            "mainEntityOfPage": url,
            "headline": a.title,
            "datePublished": a.published.isoformat(),
            "dateModified": a.modified.isoformat(),
            "author": [{"@type": "Person", "name": n} for n in a.authors],
            "publisher": {"@type": "Organization", "name": site.name},
        }
        inserts = {
            insert_points(a.blocks)["ad1"]: (
                '<div class="amp-ad-wrapper"><span '
                f'class="amp-ad-label">{esc(p.advertisement)}</span>'
                '<amp-ad width="300" height="250" type="adsense" '
                'data-ad-slot="1234567890"></amp-ad>'
                "</div>"
            )
        }
        return (
            f'<!doctype html>\n<html amp lang="{a.language}">\n<head>\n<meta charset="utf-8">\n'
            f"<title>{esc(a.title)} - {esc(site.name)}</title>\n"
            f'<link rel="canonical" href="{url}">\n'
            '<meta name="viewport" content="width=device-width,minimum-scale=1">\n'
            '<script async src="https://cdn.ampproject.org/v0.js"></script>\n'
            f'<script type="application/ld+json">{json.dumps(ld, ensure_ascii=False)}</script>\n'
            "<style amp-boilerplate>body{visibility:hidden}</style>\n"
            "<style amp-custom>.amp-wp-article{max-width:840px}</style>\n</head>\n<body>\n"
            f'<header class="amp-wp-header"><a href="{site.base}/">{esc(site.name)}</a></header>\n'
            f'<article class="amp-wp-article"><header class="amp-wp-article-header">'
            f'<h1 class="amp-wp-title">{esc(a.title)}</h1>'
            f'<div class="amp-wp-meta amp-wp-byline"><span class="amp-wp-author author vcard">'
            f"{esc(join_names(a.authors, a.language))}</span></div>"
            f'<div class="amp-wp-meta amp-wp-posted-on"><time datetime="{a.published.isoformat()}">'
            f"{human_date(a.published, a.language)}</time></div></header>\n"
            f'<div class="amp-wp-article-content">\n{body_html(a.blocks, inserts)}\n</div>\n'
            f'<footer class="amp-wp-article-footer"><div class="amp-wp-meta amp-wp-tax-category">'
            f"{esc(a.section)}</div></footer></article>\n"
            f'<footer class="amp-wp-footer"><p>&copy; {esc(site.name)}</p>'
            '<a href="#top" class="back-to-top">Back to top</a></footer>\n</body>\n</html>\n'
        )

    def render_listing(
        self,
        title: str,
        items: Sequence[Summary],
        page: int,
        pages: int,
        page_path: Callable[[int], str],
        site: SiteInfo,
    ) -> str:
        modules = "".join(self._module(s, "td_module_10", True) for s in items)
        nav = ""
        if pages > 1:
            links = []
            if page > 1:
                links.append(
                    f'<a href="{page_path(page - 1)}" class="previouspostslink">&laquo;</a>'
                )
            for n in range(max(1, page - 2), min(pages, page + 2) + 1):
                links.append(
                    f'<span class="current">{n}</span>'
                    if n == page
                    else f'<a href="{page_path(n)}" class="page">{n}</a>'
                )
            if page < pages:
                links.append(f'<a href="{page_path(page + 1)}" class="nextpostslink">&raquo;</a>')
            links.append(f'<span class="pages">Page {page} of {pages}</span>')
            nav = f'<div class="page-nav td-pb-padding-side">{"".join(links)}</div>'
        url = site.base + page_path(page)
        ld = {
            "@context": "https://schema.org",
            "@graph": [
                {
                    "@type": "CollectionPage",
                    "@id": url,
                    "url": url,
                    "name": title,
                    "isPartOf": {"@id": f"{site.base}/#website"},
                },
                {
                    "@type": "WebSite",
                    "@id": f"{site.base}/#website",
                    "url": f"{site.base}/",
                    "name": site.name,
                },
            ],
        }
        extra = (
            f'<link rel="canonical" href="{url}">\n'
            '<meta property="og:type" content="website">\n'
            f'<meta property="og:title" content="{esc(title)}">\n'
            f'<meta property="og:url" content="{url}">\n'
            f'<script type="application/ld+json" class="yoast-schema-graph">'
            f"{json.dumps(ld, ensure_ascii=False)}</script>\n"
        )
        ctx = PageContext(related=(), read_also=None, popular=tuple(items[:5]))
        return (
            self._head(title, site, "en-US", extra)
            + '<body class="archive category td-standard-pack">\n'
            + self._header(site)
            + '<div class="td-main-content-wrap td-container-wrap"><div class="td-container">'
            f'<div class="td-page-header"><h1 class="entry-title td-page-title">'
            f"<span>{esc(title)}</span></h1></div>"
            '<div class="td-pb-row"><div class="td-pb-span8 td-main-content">'
            f'<div class="td-ss-main-content">{modules}{nav}</div></div>'
            + self._sidebar(ctx, site.language)
            + "</div></div></div>\n"
            + self._footer(site, site.language)
            + "</body>\n</html>\n"
        )
