"""What a theme must provide, and the helpers they share."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from ..boilerplate import phrases
from ..common import PageContext, Summary, author_bio, esc
from ..model import BASE, Block, SiteArticle, slugify


@dataclass(slots=True)
class SiteInfo:
    """Site-wide facts every page shows (name, navigation) and the origin token."""

    name: str
    language: str
    sections: list[str]
    base: str = BASE
    pad_to: Callable[[int], int] | None = None  # synthetic mode: page size target per post id
    extra: dict[str, str] = field(default_factory=dict)


class Theme:
    """Base class. Paths are root-relative; a path ending in '/' is a directory index."""

    name = "base"
    site_name = "Example News"
    language = "en"
    feed_items = 10
    sitemap_size = 1000

    # --- URLs -------------------------------------------------------------------------
    def article_path(self, s: Summary) -> str:
        raise NotImplementedError

    def amp_path(self, s: Summary) -> str | None:
        return None

    # Listings: page 1 is the folder (``/category/SLUG/``), page N is ``listing_page`` below it.
    section_dir = "/category/"
    tag_dir = "/tag/"
    author_dir = "/author/"
    listing_page = "page/{page}/"

    def home_path(self, page: int) -> str:
        return self.paged("/", page)

    def section_path(self, slug: str, page: int) -> str:
        return self.paged(f"{self.section_dir}{slug}/", page)

    def tag_path(self, slug: str, page: int) -> str:
        return self.paged(f"{self.tag_dir}{slug}/", page)

    def author_path(self, slug: str, page: int) -> str:
        return self.paged(f"{self.author_dir}{slug}/", page)

    def paged(self, first: str, page: int) -> str:
        """Page ``page`` of the listing whose first page is at ``first``."""
        return first if page == 1 else first + self.listing_page.format(page=page)

    def media_path(self, name: str, s: Summary | None) -> str:
        raise NotImplementedError

    rss_path = "/feed.xml"
    atom_path = "/atom.xml"
    sitemap_index_path: str | None = "/sitemap.xml"
    news_sitemap_path = "/news-sitemap.xml"

    def sitemap_path(self, kind: str, number: int) -> str:
        """Child sitemap ``number`` (1-based) of ``kind`` ('posts' or 'sections')."""
        raise NotImplementedError

    def robots_txt(self) -> str:
        lines = ["User-agent: *", "Disallow: /search", ""]
        if self.sitemap_index_path:
            lines.append(f"Sitemap: {BASE}{self.sitemap_index_path}")
        lines.append(f"Sitemap: {BASE}{self.news_sitemap_path}")
        return "\n".join(lines) + "\n"

    # --- pages ------------------------------------------------------------------------
    def render_article(self, a: SiteArticle, s: Summary, ctx: PageContext, site: SiteInfo) -> str:
        raise NotImplementedError

    def render_amp(self, a: SiteArticle, s: Summary, ctx: PageContext, site: SiteInfo) -> str:
        raise NotImplementedError

    def render_listing(
        self,
        title: str,
        items: Sequence[Summary],
        page: int,
        pages: int,
        page_path: Callable[[int], str],
        site: SiteInfo,
    ) -> str:
        raise NotImplementedError

    def chrome_language(self, a: SiteArticle, site: SiteInfo) -> str:
        """Language of the cookie banner and sidebars around ``a``: the article's own here;
        portals keep theirs in the site language whatever the article's."""
        return a.language

    footer_links: Sequence[str] = ()  # titles of the footer's links to static pages ...
    footer_dir = "/"  # ... each at footer_dir + its slug + "/"
    other_pages: Sequence[tuple[str, str]] = ()  # (path, title) of other static pages

    def footer_pages(self) -> list[tuple[str, str]]:
        """(path, title) of the pages the footer links to."""
        return [(f"{self.footer_dir}{slugify(x)}/", x) for x in self.footer_links]

    def static_pages(self) -> list[tuple[str, str]]:
        """(path, title) of the non-article pages the chrome links to (contact, imprint...)."""
        return self.footer_pages() + list(self.other_pages)

    # --- what an extractor must drop --------------------------------------------------
    def boilerplate(
        self, a: SiteArticle, s: Summary, ctx: PageContext, site: SiteInfo
    ) -> list[str]:
        """Strings printed on the article page that are not the article's text."""
        p = phrases(a.language)
        chrome = phrases(self.chrome_language(a, site))
        out = [
            p.advertisement,
            p.newsletter_title,
            p.newsletter_text,
            p.push_prompt,
            p.read_also.rstrip(":： "),
            p.related,
            chrome.cookie,
            p.share,
            p.about_author,
            chrome.popular,
        ]
        out += [author_bio(name, a.section, site.name, a.language) for name in a.authors]
        out += [c for _, c in a.comments]
        out += [r.title for r in ctx.related] + [r.title for r in ctx.popular]
        if ctx.read_also:
            out.append(ctx.read_also.title)
        if a.image_caption:
            out.append(a.image_caption)
        return out

    # --- shared helpers ---------------------------------------------------------------
    def author_slug(self, name: str) -> str:
        return slugify(name)


def body_html(
    blocks: Sequence[Block],
    inserts: dict[int, str],
    wrap_p: Callable[[str], str] = lambda t: f"<p>{esc(t)}</p>",
) -> str:
    """Render body blocks, putting boilerplate ``inserts[i]`` after block ``i``."""
    parts: list[str] = []
    for i, block in enumerate(blocks):
        if block.kind == "p":
            parts.append(wrap_p(block.text))
        elif block.kind == "h2":
            parts.append(f"<h2>{esc(block.text)}</h2>")
        elif block.kind == "ul":
            items = "".join(f"<li>{esc(t)}</li>" for t in block.items)
            parts.append(f"<ul>{items}</ul>")
        else:
            parts.append(f"<blockquote><p>{esc(block.text)}</p></blockquote>")
        if i in inserts:
            parts.append(inserts[i])
    return "\n".join(parts)


def insert_points(blocks: Sequence[Block]) -> dict[str, int]:
    """Where boilerplate goes: after the 2nd, 4th and middle block, never after the last
    block nor between a subheading and its paragraph."""
    last = max(len(blocks) - 2, 0)

    def after(i: int) -> int:
        i = min(i, last)
        while blocks and blocks[i].kind == "h2" and i < last:
            i += 1
        return i

    return {
        "ad1": after(1),
        "read_also": after(3),
        "newsletter": after(max(len(blocks) // 2, 2)),
        "ad2": after(6),
    }


def _padding_block(size: int = 200_000) -> str:
    """Inline theme config of realistic shape, built once and sliced per page."""
    lines = []
    total = 0
    i = 0
    while total < size:
        line = (
            f'tdLocalCache.data["td_block_{i}"] = {{"atts":"{{\\"limit\\":\\"5\\",'
            f'\\"offset\\":\\"{i * 7}\\"}}","td_column_number":2,"max_num_pages":"{i % 13}"}};\n'
        )
        lines.append(line)
        total += len(line)
        i += 1
    return "".join(lines)


_PADDING = _padding_block()


def end_page(page: str, s: Summary, site: SiteInfo) -> str:
    """Close an article page; in synthetic mode pad it first to its target size."""
    tail = "</body>\n</html>\n"
    if site.pad_to:
        page += padding(site.pad_to(s.post_id), len(page) + len(tail), s.post_id)
    return page + tail


def padding(target: int, current: int, seed: int) -> str:
    """Inline script filler so synthetic pages weigh what real ones do (60-150 KB).

    Real theme pages carry tens of KB of inline config and tracking code; a crawler must read
    and skip it, so the benchmark should too. ``current`` and ``target`` count characters."""
    head = f'<script type="text/javascript">\n/* td_config post {seed} */\n'
    tail = "</script>\n"
    missing = target - current - len(head) - len(tail)
    if missing <= 0:
        return ""
    start = (seed * 977) % 1000
    return head + _PADDING[start : start + missing] + tail
