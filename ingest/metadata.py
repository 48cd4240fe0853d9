"""Article metadata from one parsed page: title, authors, dates, language, canonical URL, ...

``extract_metadata(tree, url)`` returns a dict whose keys are named like :class:`Article`
fields, plus ``amp_url``, ``types`` and ``is_paywalled`` (and ``paywall_selectors``) for the
extraction facade to tell articles from listing pages and paywalled teasers.

Sources are read in order of reliability and the first plausible value wins:

1. JSON-LD (``@graph``, lists, ``@id`` references and broken JSON are handled) - the main
   article node is picked by type and URL, so related-article nodes never lend their values;
2. microdata (through extruct, only when the page has ``itemscope``);
3. OpenGraph / ``article:*`` meta, then Dublin Core, Parse.ly, Sailthru and plain meta tags;
4. the page itself: ``<h1>``, ``<title>``, byline elements, ``<time datetime>`` outside
   sidebars, related-post lists, comments and footers; htmldate as the last resort for dates.

Dates are ISO 8601 and timezone-aware: a value without a timezone is taken as UTC, a date without
a time as midnight UTC (see :mod:`ingest.dates`); dates in the future are rejected.
"""

from __future__ import annotations

import html
import json
import logging
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from functools import cached_property
from itertools import islice
from typing import Any
from urllib.parse import quote, urljoin, urlsplit

import jstyleson
import lxml.etree
import lxml.html

from ingest.dates import normalise_date, search_date
from ingest.language import normalise_language

log = logging.getLogger(__name__)

Node = dict[str, Any]

_ARTICLE_TYPES_WORDS = """
    Article NewsArticle ReportageNewsArticle AnalysisNewsArticle OpinionNewsArticle
    BackgroundNewsArticle ReviewNewsArticle AskPublicNewsArticle SatiricalArticle
    BlogPosting LiveBlogPosting Report ScholarlyArticle SocialMediaPosting TechArticle
    Review DiscussionForumPosting
"""
ARTICLE_TYPES = frozenset(_ARTICLE_TYPES_WORDS.split())
_PAGE_TYPES_WORDS = """
    WebPage ItemPage AboutPage QAPage FAQPage MediaGallery ImageGallery VideoGallery
"""
PAGE_TYPES = frozenset(_PAGE_TYPES_WORDS.split())
_ORG_TYPES_WORDS = """
    Organization NewsMediaOrganization Corporation WebSite Brand
"""
ORG_TYPES = frozenset(_ORG_TYPES_WORDS.split())

#: Containers whose dates and bylines belong to other articles or to the site, not this article.
_FOREIGN_TAGS = frozenset(["aside", "footer", "nav"])
_FOREIGN_CLASS = re.compile(
    r"related|sidebar|side-bar|widget|comment|recommend|popular|trending|teaser|promo|outbrain"
    r"|taboola|more-stories|read-?more|also-read|newsletter|footer|most-read|mostread|carousel",
    re.IGNORECASE,
)
_TAG_RE = re.compile(r"</?[a-zA-Z][^<>]*>")
_WS = re.compile(r"\s+")


def extract_metadata(
    tree: lxml.html.HtmlElement, url: str, now: datetime | None = None
) -> dict[str, Any]:
    """Metadata of the page ``tree`` fetched from ``url``, as a dict named like Article fields.

    ``now`` bounds the accepted dates (default: the current time); tests pass a fixed one.
    Dates without a timezone are taken as UTC (a bare date as midnight UTC): the page gives no
    better clue, and storage needs comparable, timezone-aware values.
    Missing values are None (or empty lists); the function never raises on odd markup.
    """
    src = PageSources.read(tree, url, now or datetime.now(UTC))
    published = src.published()
    modified = src.modified()
    paywall = src.paywall_selectors()
    if published and modified and modified < published:
        modified = None
    return {
        "title": src.title(),
        "authors": src.authors(),
        "published_at": published,
        "modified_at": modified,
        "language": src.language(),
        "description": src.description(),
        "section": src.section(),
        "tags": src.tags(),
        "image": src.image(),
        "site_name": src.site_name(),
        "url": src.canonical(),
        "amp_url": src.amp_url(),
        "types": src.types(),
        "is_paywalled": paywall is not None,
        "paywall_selectors": paywall or [],
    }


# --------------------------------------------------------------------------- value helpers


def clean_text(value: Any) -> str | None:
    """A one-line string from a markup value: entities decoded, tags and extra spaces removed."""
    if isinstance(value, list):
        value = next((v for v in value if clean_text(v)), None)
    if isinstance(value, dict):
        return clean_text(value.get("name") or value.get("@value"))
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        return None
    text = html.unescape(_TAG_RE.sub(" ", value)) if "<" in value or "&" in value else value
    text = _WS.sub(" ", text).strip()
    return text or None


def as_list(value: Any) -> list[Any]:
    """Markup values may be one value or a list of them; always give a list."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def node_types(node: Node) -> list[str]:
    """Schema.org type names of a node, without the ``http://schema.org/`` prefix."""
    names = []
    for raw in as_list(node.get("@type")):
        if isinstance(raw, str) and raw.strip():
            names.append(raw.strip().rstrip("/").rsplit("/", 1)[-1].rsplit(":", 1)[-1])
    return names


def _normalise_name(text: str) -> str:
    return re.sub(r"[\W_]+", "", text.casefold())


def is_foreign(element: lxml.html.HtmlElement) -> bool:
    """True when ``element`` sits in a sidebar, related list, comments, nav or footer."""
    for el in element.iterancestors():
        if el.tag in _FOREIGN_TAGS:
            return True
        marker = (el.get("class") or "") + " " + (el.get("id") or "")
        if marker.strip() and _FOREIGN_CLASS.search(marker):
            return True
    return False


# --------------------------------------------------------------------------- JSON-LD


_TRAILING_COMMA = re.compile(r",(\s*[}\]])")
_BAD_ESCAPE = re.compile(r"\\([^\"\\/bfnrtu])")


def parse_json_lenient(text: str) -> Any:
    """Parse a JSON-LD script the way browsers' users wish it were written.

    Real pages wrap JSON in CDATA or HTML comments, leave trailing commas and JS comments, put raw
    control characters and invalid escapes (``\\'``) in strings, or concatenate several objects.
    Returns None when nothing can be recovered.
    """
    text = text.replace("<![CDATA[", "").replace("]]>", "")
    starts = [i for i in (text.find("{"), text.find("[")) if i >= 0]
    end = max(text.rfind("}"), text.rfind("]"))
    if not starts or end < min(starts):
        return None
    text = text[min(starts) : end + 1]  # drops <!-- //--> and other wrappers around the JSON
    try:
        return json.loads(text, strict=False)
    except ValueError:
        pass
    repaired = _BAD_ESCAPE.sub(r"\1", _TRAILING_COMMA.sub(r"\1", text))
    for candidate in (repaired, text):
        try:
            return jstyleson.loads(candidate, strict=False)
        except (ValueError, TypeError, IndexError):
            continue
    return _decode_concatenated(repaired)


def _decode_concatenated(text: str) -> list[Any] | None:
    decoder = json.JSONDecoder(strict=False)
    values, pos = [], 0
    while pos < len(text):
        while pos < len(text) and text[pos] in " \t\r\n;,":
            pos += 1
        if pos >= len(text):
            break
        try:
            value, pos = decoder.raw_decode(text, pos)
        except ValueError:
            break
        values.append(value)
    return values or None


def jsonld_nodes(tree: lxml.html.HtmlElement) -> list[Node]:
    """All top-level JSON-LD nodes of the page: script lists and ``@graph`` members flattened."""
    nodes: list[Node] = []
    for script in tree.iter("script"):
        if (script.get("type") or "").strip().lower() != "application/ld+json":
            continue
        nodes.extend(_flatten(parse_json_lenient(script.text or "")))
    return nodes


def _flatten(data: Any) -> Iterator[Node]:
    for item in as_list(data):
        if not isinstance(item, dict):
            continue
        graph = item.get("@graph")
        if graph is not None:
            yield from _flatten(graph)
            if not item.get("@type"):
                continue
        yield item
        for key in ("mainEntity", "mainEntityOfPage"):
            inner = item.get(key)
            if isinstance(inner, dict) and set(node_types(inner)) & ARTICLE_TYPES:
                yield inner


# --------------------------------------------------------------------------- microdata


def microdata_nodes(tree: lxml.html.HtmlElement, url: str) -> list[Node]:
    """Microdata items as JSON-LD-shaped nodes, so one code path reads both."""
    if not tree.xpath("boolean(//*[@itemscope])"):
        return []
    from extruct.w3cmicrodata import LxmlMicrodataExtractor

    try:
        items = LxmlMicrodataExtractor(nested=True).extract_items(tree, base_url=url)
    except Exception as error:  # extruct on malformed markup: metadata must not fail
        log.debug("microdata extraction failed on %s: %s", url, error)
        return []
    return [_from_microdata(item) for item in items if isinstance(item, dict)]


def _from_microdata(item: Any) -> Any:
    if isinstance(item, list):
        return [_from_microdata(v) for v in item]
    if not isinstance(item, dict) or "properties" not in item and "type" not in item:
        return item
    node: Node = {"@type": as_list(item.get("type")), "_microdata": True}
    if item.get("id"):
        node["@id"] = item["id"]
    for key, value in (item.get("properties") or {}).items():
        node[key] = _from_microdata(value)
    if "value" in item and "name" not in node:
        node["name"] = item["value"]
    return node


# --------------------------------------------------------------------------- the page's sources


class PageSources:
    """Everything the field rules read, gathered once per page."""

    def __init__(
        self,
        tree: lxml.html.HtmlElement,
        url: str,
        now: datetime,
        nodes: list[Node],
        meta: dict[str, list[str]],
    ) -> None:
        self.tree = tree
        self.url = url or ""
        self.now = now
        self.nodes = nodes
        self.meta = meta
        self.ids = {n["@id"]: n for n in nodes if isinstance(n.get("@id"), str) and len(n) > 2}
        self.base = self._base_url()
        self.main, main_on_page = self._pick(ARTICLE_TYPES)
        self.page, _ = self._pick(PAGE_TYPES)
        article_nodes = sum(1 for n in nodes if set(node_types(n)) & ARTICLE_TYPES)
        #: False when the page holds three or more article nodes, none of them this page: teasers
        self.main_is_page = self.main is not None and (main_on_page or article_nodes < 3)

    @classmethod
    def read(cls, tree: lxml.html.HtmlElement, url: str, now: datetime) -> PageSources:
        """Collect JSON-LD, microdata and meta tags of ``tree``."""
        nodes = jsonld_nodes(tree)
        if not any(set(node_types(n)) & ARTICLE_TYPES for n in nodes):
            nodes += microdata_nodes(tree, url)  # only worth its cost when JSON-LD is silent
        return cls(tree, url, now, nodes, _meta_map(tree))

    # ---- plumbing

    def _base_url(self) -> str:
        for base in self.tree.iter("base"):
            href = (base.get("href") or "").strip()
            if href:
                return urljoin(self.url, href)
        return self.url

    def _pick(self, wanted: frozenset[str]) -> tuple[Node | None, bool]:
        """The node of one of the ``wanted`` types that describes this page, and whether its
        URL says so.

        Pages list related articles as nodes too; the one whose URL is this page, with a
        headline and a date, from JSON-LD rather than microdata, and earliest wins.
        """
        page_keys = {_url_key(self.url), _url_key(self.first_meta("og:url") or "")}
        canonical = self._link_href("canonical")
        if canonical:
            page_keys.add(_url_key(urljoin(self.url, canonical)))
        page_keys.discard("")
        best, best_score, best_on_page = None, 0.0, False
        for index, node in enumerate(self.nodes):
            if not set(node_types(node)) & wanted:
                continue
            score = 10.0 - index * 0.01 - (3 if node.get("_microdata") else 0)
            score += 2 * bool(node.get("headline")) + bool(node.get("datePublished"))
            on_page = bool({_url_key(u) for u in self._node_urls(node)} & page_keys)
            score += 5 * on_page
            if score > best_score:
                best, best_score, best_on_page = node, score, on_page
        return best, best_on_page

    def _node_urls(self, node: Node) -> list[str]:
        urls = []
        for key in ("url", "@id", "mainEntityOfPage"):
            for value in as_list(node.get(key)):
                if isinstance(value, dict):
                    value = value.get("@id") or value.get("url")
                if isinstance(value, str) and value.strip():
                    urls.append(urljoin(self.url, value.strip()))
        return urls

    def deref(self, value: Any) -> Any:
        """Follow an ``{"@id": ...}`` reference to the full node in the page's graph."""
        if isinstance(value, dict) and "@id" in value and len(value) <= 2:
            return self.ids.get(value["@id"], value)
        return value

    def structured(self, *keys: str) -> Iterator[Any]:
        """Values of ``keys`` on the main article node, then on the web page node.

        Teaser nodes (see ``main_is_page``) lend nothing: their values are other articles'.
        """
        for node in (self.main if self.main_is_page else None, self.page):
            if node is None:
                continue
            for key in keys:
                value = node.get(key)
                if value not in (None, "", []):
                    yield value

    def first_meta(self, *keys: str) -> str | None:
        """The first non-empty content of the meta tags named ``keys`` (in order of keys)."""
        for key in keys:
            for value in self.meta.get(key, ()):
                text = clean_text(value)
                if text:
                    return text
        return None

    def _link_href(self, rel: str) -> str | None:
        for link in self.tree.iter("link"):
            rels = (link.get("rel") or "").lower().split()
            href = (link.get("href") or "").strip()
            if rel in rels and href:
                return href
        return None

    def absolute(self, value: str | None) -> str | None:
        """An absolute http(s) URL for ``value`` relative to the page, or None."""
        if not value:
            return None
        value = value.strip()
        if value.startswith("data:") or " " in value:
            return None
        full = urljoin(self.base, value)
        return full if urlsplit(full).scheme in ("http", "https") else None

    # ---- fields

    def site_name(self) -> str | None:
        """Publisher name: og:site_name, then JSON-LD publisher / WebSite, then app name."""
        names = [self.first_meta("og:site_name")]
        for value in self.structured("publisher"):
            names.append(self._publisher_name(value))
        for node in self.nodes:
            if "WebSite" in node_types(node):
                names.append(clean_text(node.get("name")))
        names.append(self.first_meta("application-name", "apple-mobile-web-app-title"))
        return next((n for n in names if n), None)

    def _publisher_name(self, value: Any) -> str | None:
        first = as_list(value)[0] if as_list(value) else None
        return clean_text(self.deref(first))

    @cached_property
    def names(self) -> list[str]:
        """Every name the site goes by (to strip from titles and to spot organisation authors)."""
        names = [self.site_name() or ""]
        names.append(self.first_meta("og:site_name", "application-name") or "")
        twitter = self.first_meta("twitter:site") or ""
        names.append(twitter.lstrip("@"))
        host = (urlsplit(self.url).hostname or "").removeprefix("www.")
        names += [host, *_domain_labels(host)]
        for value in self.structured("publisher"):
            names.append(self._publisher_name(value) or "")
        return [n for n in {_normalise_name(n) for n in names} if len(n) >= 2]

    @cached_property
    def h1(self) -> lxml.html.HtmlElement | None:
        return first_h1(self.tree)

    @cached_property
    def marked(self) -> MarkedElements:
        return MarkedElements.find(self.tree)

    @cached_property
    def region(self) -> lxml.html.HtmlElement:
        return headline_region(self.h1, self.tree)

    def title(self) -> str | None:
        return pick_title(self)

    def authors(self) -> list[str]:
        return pick_authors(self)

    def published(self) -> str | None:
        return pick_date(self, modified=False)

    def modified(self) -> str | None:
        return pick_date(self, modified=True)

    def language(self) -> str | None:
        """Declared language: <html lang>, og:locale, content-language, JSON-LD, Dublin Core."""
        root = self.tree.getroottree().getroot()
        candidates = [root.get("lang"), root.get("xml:lang")]
        candidates.append(root.get("{http://www.w3.org/XML/1998/namespace}lang"))
        candidates.append(self.first_meta("og:locale", "content-language", "language"))
        candidates += [clean_text(v) for v in self.structured("inLanguage")]
        candidates.append(self.first_meta("dc.language", "dcterms.language"))
        return next((c for c in map(normalise_language, candidates) if c), None)

    def description(self) -> str | None:
        for value in self.structured("description"):
            text = clean_text(value)
            if text:
                return text
        return self.first_meta(
            "og:description", "description", "twitter:description", "dc.description"
        )

    def section(self) -> str | None:
        for value in self.structured("articleSection"):
            text = clean_text(value)
            if text:
                return text
        return self.first_meta(
            "article:section", "parsely-section", "sailthru.section", "section", "category"
        )

    def tags(self) -> list[str]:
        sources: list[list[str]] = []
        for value in self.structured("keywords"):
            sources.append(_split_tags(value))
        sources.append([t for v in self.meta.get("article:tag", []) for t in _split_tags(v)])
        for key in ("news_keywords", "keywords", "parsely-tags", "sailthru.tags"):
            sources.append(_split_tags(self.first_meta(key)))
        return next((tags for tags in sources if tags), [])

    def image(self) -> str | None:
        """Top image: og:image, twitter:image, JSON-LD image, image_src, first article image."""
        for candidate in self._image_candidates():
            url = self.absolute(candidate)
            if url:
                return url
        return None

    def _image_candidates(self) -> Iterator[str | None]:
        yield self.first_meta(
            "og:image:secure_url", "og:image", "og:image:url", "twitter:image", "twitter:image:src"
        )
        for value in self.structured("image", "thumbnailUrl"):
            yield _image_url(self.deref(value))
        yield self._link_href("image_src")
        yield self._first_article_img()

    def _first_article_img(self) -> str | None:
        for img in self.tree.xpath("//article//img[@src] | //*[@itemprop='articleBody']//img"):
            if is_foreign(img):
                continue
            width = img.get("width") or ""
            if width.isdigit() and int(width) < 150:
                continue
            return img.get("src")
        return None

    def canonical(self) -> str:
        """Canonical URL: rel=canonical, og:url, JSON-LD url; the fetched URL when none holds."""
        candidates = [self._link_href("canonical"), self.first_meta("og:url")]
        for node in (self.main, self.page):
            if node is not None:
                candidates += self._node_urls(node)
        for candidate in candidates:
            full = self.absolute(candidate)
            if full and self._plausible_canonical(full):
                return to_uri(full.split("#", 1)[0])
        return to_uri(self.url.split("#", 1)[0])

    def _plausible_canonical(self, candidate: str) -> bool:
        """Reject canonicals that cannot name this article: home pages and parent sections."""
        if not self.url:
            return True
        cand, page = urlsplit(candidate), urlsplit(self.url)
        cand_path, page_path = cand.path.strip("/"), page.path.strip("/")
        if not page_path and not page.query:
            return True  # the page itself is a root page: any canonical goes
        if not cand_path and not cand.query:
            return False  # a site root named as canonical of an article
        same_host = (cand.hostname or "").removeprefix("www.") == (
            page.hostname or ""
        ).removeprefix("www.")
        if not same_host and "/" not in cand_path and len(cand_path) <= 5 and not cand.query:
            return False  # another domain's home page ("/en", "/de-de")
        if same_host and page_path.startswith(cand_path + "/") and not cand.query:
            rest = page_path[len(cand_path) + 1 :]
            if self.is_amp() or rest.lower() in ("amp", "amp.html", "amp/index.html"):
                return True
            # a parent section ("/wirtschaft", "/news/2024") is wrong; a short ID-based URL
            # ("/story/3000000218734" for "/story/3000000218734/headline-slug") is canonical
            return bool(_ID_SEGMENT.search(cand_path.rsplit("/", 1)[-1]))
        return True

    def is_amp(self) -> bool:
        root = self.tree.getroottree().getroot()
        return "amp" in root.attrib or "\u26a1" in root.attrib

    def amp_url(self) -> str | None:
        return self.absolute(self._link_href("amphtml"))

    def types(self) -> list[str]:
        """Schema.org types of all structured nodes (main article first) and ``og:<type>``.

        Article types are left out when several article nodes describe other pages (teasers
        of a listing page marked up as NewsArticle), so they do not make the page an article.
        """
        found: list[str] = []
        ordered = [self.main] if self.main is not None else []
        for node in ordered + self.nodes:
            for name in node_types(node):
                teaser = name in ARTICLE_TYPES and not self.main_is_page
                if name not in found and not teaser:
                    found.append(name)
        og_type = self.first_meta("og:type")
        if og_type:
            found.append(f"og:{og_type}")
        return found

    def paywall_selectors(self) -> list[str] | None:
        """CSS selectors of paywalled parts, [] when paywalled without them, None when free."""
        selectors: list[str] = []
        paywalled = False
        for node in (self.main, self.page):
            if node is None:
                continue
            if _is_false(node.get("isAccessibleForFree")):
                paywalled = True
            for part in as_list(node.get("hasPart")):
                part = self.deref(part)
                if isinstance(part, dict) and _is_false(part.get("isAccessibleForFree")):
                    paywalled = True
                    selector = clean_text(part.get("cssSelector"))
                    if selector and selector not in selectors:
                        selectors.append(selector)
        tier = (self.first_meta("article:content_tier") or "").lower()
        if tier == "locked":
            paywalled = True
        return selectors if paywalled else None


#: Attribute values are fetched in one XPath and matched in Python: many times faster than
#: an XPath predicate per element with translate()/contains().
_ATTR_XPATH = lxml.etree.XPath("//@class | //@id | //@rel | //@itemprop")
_MARK = re.compile(
    r"(?P<byline>byline|author|autor|writer|^creator$)|(?P<heading>headline|title|heading)",
    re.IGNORECASE,
)
_MARK_PARTS = ("byline", "auth", "autor", "writer", "creator", "title", "head")
_NOT_HEADING_TAGS = frozenset(["meta", "link", "title", "script", "style", "img", "a", "body"])


class MarkedElements:
    """Elements whose class/id/rel/itemprop mark them as a byline or a headline."""

    def __init__(
        self, bylines: list[lxml.html.HtmlElement], headings: list[lxml.html.HtmlElement]
    ) -> None:
        self.bylines = bylines
        self.headings = headings

    @classmethod
    def find(cls, tree: lxml.html.HtmlElement) -> MarkedElements:
        """One pass over the page's attribute values (they are cheaper than elements)."""
        bylines: list[lxml.html.HtmlElement] = []
        headings: list[lxml.html.HtmlElement] = []
        for value in _ATTR_XPATH(tree):
            low = value.lower()
            if not any(part in low for part in _MARK_PARTS):
                continue  # plain substring tests first: the regex on every value costs more
            match = _MARK.search(value)
            if match is None:
                continue
            el = value.getparent()
            found = bylines if match.lastgroup == "byline" else headings
            if found and found[-1] is el:
                continue
            if found is bylines or el.tag not in _NOT_HEADING_TAGS:
                found.append(el)
        return cls(bylines, headings)


_ID_SEGMENT = re.compile(r"\d{5,}|[a-z0-9]+-[a-z0-9]+-[a-z0-9]+", re.IGNORECASE)


def _domain_labels(host: str) -> list[str]:
    """The host's first label and its registered name ("edition.cnn.com" -> edition, cnn)."""
    labels = host.split(".")
    if len(labels) < 2:
        return labels
    second = labels[-3] if len(labels) >= 3 and labels[-2] in _SECOND_LEVEL else labels[-2]
    return [labels[0], second]


_SECOND_LEVEL = frozenset(["co", "com", "org", "net", "gov", "ac", "ne", "or", "go"])


def to_uri(url: str) -> str:
    """Percent-encode non-ASCII characters (IRI -> URI), so one article has one URL string."""
    if url.isascii():
        return url
    return quote(url, safe=":/?#[]@!$&'()*+,;=%~")


def _is_false(value: Any) -> bool:
    if isinstance(value, list):
        return any(_is_false(v) for v in value)
    if isinstance(value, bool):
        return value is False
    if not isinstance(value, str):
        return False
    word = value.strip().lower().rsplit("/", 1)[-1]  # "False", "http://schema.org/False"
    return word in ("false", "no", "0")


def _url_key(url: str) -> str:
    """URL compared loosely: no scheme, no www, no trailing slash, no query or fragment."""
    parts = urlsplit(url.strip())
    if not parts.netloc:
        return ""
    return parts.netloc.lower().removeprefix("www.") + parts.path.rstrip("/")


def _split_tags(value: Any) -> list[str]:
    raw: list[str] = []
    for item in as_list(value):
        text = clean_text(item)
        if text:
            raw += text.split(",") if not isinstance(value, list) else [text]
    tags: list[str] = []
    seen = set()
    for tag in (t.strip() for t in raw):
        if tag and len(tag) <= 80 and tag.casefold() not in seen:
            seen.add(tag.casefold())
            tags.append(tag)
    return tags[:50]


def _image_url(value: Any) -> str | None:
    for item in as_list(value):
        if isinstance(item, str) and item.strip():
            return item.strip()
        if isinstance(item, dict):
            url = item.get("url") or item.get("contentUrl") or item.get("@id")
            url = as_list(url)[0] if as_list(url) else None
            if isinstance(url, str) and url.strip():
                return url.strip()
    return None


def _meta_map(tree: lxml.html.HtmlElement) -> dict[str, list[str]]:
    """Meta tag contents by lower-cased property/name/http-equiv, in document order.

    ``itemprop`` metas count only in <head>: in the body they usually belong to teaser items.
    """
    meta: dict[str, list[str]] = {}
    for el in tree.iter("meta"):
        content = el.get("content")
        if not content or not content.strip():
            continue
        keys = [el.get("property"), el.get("name"), el.get("http-equiv")]
        parent = el.getparent()
        if parent is not None and parent.tag == "head":
            keys.append(el.get("itemprop"))
        for key in {k.strip().lower() for k in keys if k}:
            meta.setdefault(key, []).append(content.strip())
    return meta


# --------------------------------------------------------------------------- title

_TITLE_SEP = re.compile(
    r"(\s+(?:[|\u2013\u2014\u00bb\u00ab\u00b7\u2022>:]|::|-{1,2}|/)\s+|\s*[\uff5c\uff1a]\s*)"
)


def pick_title(src: PageSources) -> str | None:
    """Headline: JSON-LD headline, then og:title and title meta, then <title>, then <h1>.

    Titles from meta tags and <title> carry the site's name (" | Site", " - Site"); it is cut.
    Without structured data, a visible heading that the <title> contains is the headline
    ("Site: Section : Headline" -> "Headline").
    """
    h1 = clean_text(src.h1.text_content()) if src.h1 is not None else None
    names = src.names
    meta = src.first_meta(
        "og:title", "twitter:title", "parsely-title", "sailthru.title", "dc.title", "title"
    )
    for value in src.structured("headline", "name"):
        text = clean_text(value)
        if text and len(text) <= 300 and not text.startswith(("/", "http")):
            return _agreeing_with_h1(strip_site_name(text, names, h1), meta, names, h1)
    raw = meta or _title_tag(src.tree)
    heading = heading_in_title(raw, src) if raw else None
    if heading:
        return heading
    title = strip_site_name(raw, names, h1, longest=meta is None) if raw else None
    if not title or _is_site_part(title, names) or len(title.split()) <= 2:
        # the <title> names only the site or a section: the page's own headline is better
        headline = h1 or _headline_element(src, names)
        if headline and (not title or len(headline.split()) > len(title.split())):
            return headline
    return title


def _agreeing_with_h1(structured: str, meta: str | None, names: list[str], h1: str | None) -> str:
    """The structured headline, unless og:title is the one the page shows as its <h1>.

    Sites write a separate SEO headline into JSON-LD or og:title; the visible one wins.
    """
    if not h1 or not meta or _is_site_part(h1, names):
        return structured
    target = _normalise_name(h1)
    if _normalise_name(structured) == target:
        return structured
    other = strip_site_name(meta, names, h1)
    return other if _normalise_name(other) == target else structured


def _headline_element(src: PageSources, names: list[str]) -> str | None:
    """Text of the first element marked as a headline (class/id headline or title)."""
    for el in _heading_elements(src):
        text = clean_text(el.text_content())
        plausible = text and 3 <= len(text.split()) <= 30 and not _is_site_part(text, names)
        if plausible and not is_foreign(el):
            return text
    return None


def heading_in_title(raw: str, src: PageSources) -> str | None:
    """The longest visible heading (h1, h2, class*=headline/title) contained in ``raw``.

    <h1>/<h2> are tried first; the page-wide pass over marked elements only when they fail.
    """
    runs = _part_runs(raw)
    target = _normalise_name(raw)
    if not runs:
        return None
    names = src.names
    tags = [el for tag in ("h1", "h2") for el in islice(src.tree.iter(tag), 20)]
    for elements in (tags, src.marked.headings[:40]):
        best = _longest_within(elements, runs, target, raw, names)
        if best:
            return best
    return None


def _part_runs(title: str) -> set[str]:
    """Normalised texts of every run of whole parts of ``title`` ("A | B | C": A, AB, B, ...)."""
    pieces = _TITLE_SEP.split(title)
    count = len(pieces[0::2])
    return {
        key
        for start in range(count)
        for end in range(start + 1, count + 1)
        if (key := _normalise_name("".join(pieces[2 * start : 2 * end - 1])))
    }


def _between_separators(heading: str, title: str) -> bool:
    """``heading`` appears in ``title`` with punctuation or the title's ends on both sides.

    Compared without case, spaces and punctuation ("Pakistan?s" matches "Pakistans"), then
    checked on the title's own characters around the match.
    """
    chars: list[str] = []
    positions: list[int] = []
    for index, char in enumerate(title):
        for folded in char.casefold():
            if _WORD_CHAR.match(folded):
                chars.append(folded)
                positions.append(index)
    key = _normalise_name(heading)
    start = "".join(chars).find(key) if key else -1
    if start < 0:
        return False
    before = title[: positions[start]].rstrip()
    after = title[positions[start + len(key) - 1] + 1 :].lstrip()
    return (not before or not before[-1].isalnum()) and (not after or not after[0].isalnum())


_WORD_CHAR = re.compile(r"[^\W_]")


def _longest_within(
    elements: list[lxml.html.HtmlElement],
    runs: set[str],
    target: str,
    raw: str,
    names: list[str],
) -> str | None:
    """The longest heading that is a whole run of title parts, or its start or end.

    Headings that are the site's name, or a fragment in the middle of the title, do not count.
    """
    best: str | None = None
    for el in elements:
        text = clean_text(el.text_content())
        if not text or len(text) > 300 or (best and len(text) <= len(best)):
            continue
        key = _normalise_name(text)
        if len(key) < max(12, len(target) // 3) or _is_site_part(text, names):
            continue
        aligned = key in runs or _between_separators(text, raw)
        if aligned and not is_foreign(el):
            best = text
    return best


def _heading_elements(src: PageSources) -> Iterator[lxml.html.HtmlElement]:
    for tag in ("h1", "h2"):
        yield from islice(src.tree.iter(tag), 20)
    yield from src.marked.headings[:40]


def _title_tag(tree: lxml.html.HtmlElement) -> str | None:
    head = tree.find(".//head")
    for scope in (head, tree) if head is not None else (tree,):
        for el in scope.iter("title"):
            text = clean_text(el.text_content())
            if text:
                return text
    return None


def first_h1(tree: lxml.html.HtmlElement) -> lxml.html.HtmlElement | None:
    """The first <h1> with text outside navigation and sidebars (logos are often <h1> too)."""
    for h1 in tree.iter("h1"):
        text = clean_text(h1.text_content())
        if text and len(text) <= 400 and not is_foreign(h1):
            return h1
    return None


_REGION_MARK = re.compile(r"article|post|story|entry|content|main", re.IGNORECASE)


def headline_region(h1: lxml.html.HtmlElement | None, tree: lxml.html.HtmlElement) -> Any:
    """The block around the headline where byline and date live (the whole page without h1).

    Searching there first keeps related posts' bylines out and costs a fraction of a full pass.
    """
    if h1 is None:
        return tree
    el = h1
    for _ in range(6):
        parent = el.getparent()
        if parent is None or parent.tag in ("body", "html"):
            break
        el = parent
        marker = (el.get("class") or "") + " " + (el.get("id") or "")
        if el.tag in ("article", "main") or _REGION_MARK.search(marker):
            break
    return el


def strip_site_name(
    title: str, site_names: list[str], h1: str | None = None, longest: bool = False
) -> str:
    """Cut site-name parts (" | Site", "Site - ") and trailing short " | Section" parts.

    With ``longest`` (a <title> of a page without title metadata) the longest part is kept when
    the others are short: old pages chain site, section and headline in any order.
    """
    pieces = _TITLE_SEP.split(title)
    parts, seps = pieces[0::2], pieces[1::2]
    if len(parts) == 1:
        return title
    if h1 and not _is_site_part(h1, site_names):
        target = _normalise_name(h1)
        for end in range(len(parts), 0, -1):
            for start in range(end):
                if _normalise_name("".join(pieces[2 * start : 2 * end - 1])) == target:
                    return "".join(pieces[2 * start : 2 * end - 1]).strip()
    while len(parts) > 1:
        if _is_site_part(parts[-1], site_names):
            parts, seps = parts[:-1], seps[:-1]
        elif _is_site_part(parts[0], site_names):
            parts, seps = parts[1:], seps[1:]
        else:
            break
    if _is_short_tail(parts, seps):
        parts, seps = parts[:-1], seps[:-1]
    if longest and len(parts) > 1:
        best = max(parts, key=len)
        if all(len(p.split()) <= 4 for p in parts if p is not best) and len(best.split()) >= 3:
            return best.strip()
    out = parts[0]
    for sep, part in zip(seps, parts[1:], strict=True):
        out += sep + part
    return out.strip() or title


def _is_short_tail(parts: list[str], seps: list[str]) -> bool:
    """A last " | Section" part: short, after a pipe, and shorter than the headline before it."""
    if len(parts) < 2 or seps[-1].strip() != "|":
        return False
    tail = len(parts[-1].split())
    return tail <= 4 and len(" ".join(parts[:-1]).split()) > tail


def _is_site_part(part: str, site_names: list[str]) -> bool:
    key = _normalise_name(part)
    if not key:
        return True
    for name in site_names:
        if key == name or (name in key and len(key) - len(name) <= max(4, len(name) // 2)):
            return True
        if key in name and len(key) >= 4 and 2 * len(key) >= len(name):
            return True
    return False


# --------------------------------------------------------------------------- authors

_PREFIX_ANYCASE = re.compile(
    r"^(?:(?:written|posted|reported|published|compiled|words|story|text|reporting|interview)"
    r"\s+by|by|from|von|por|par|autor(?:in)?|author|auteur|verfasst von|geschrieben von|texto|testo"
    r"|redakteur(?:in)?|reporter|an)\b\.?\s*[:\-]?\s*",
    re.IGNORECASE,
)
_PREFIX_LOWER = re.compile(r"^(?:di|da|de|door|av|af|för|od|от|text)\s*:?\s+")
_CUT = re.compile(
    r"(?:\b(?:e-?mail(?:\s+the)?\s+author|e-?mail|follow(?:\s+(?:on|me|us|@))?|view\s+(?:all|"
    r"profile|more|bio)|all\s+(?:posts|articles|stories)|more\s+(?:from|by|articles|stories|"
    r"posts)|see\s+(?:all|more)|updated|last\s+updated|posted\s+(?:on|at)|published\s+(?:on|at)"
    r"|contact|twitter|facebook|linkedin|instagram|read\s+more|about\s+the\s+author|permalink"
    r"|website|other\s+(?:articles|posts|stories)|comments?|share|print)\b"
    r"|https?://|www\.|\S*@\S+|(?:\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?"
    r",?\s+)?\d).*$",
    re.IGNORECASE,
)
_NAME_SPLIT_ANYCASE = re.compile(r"\s*(?:,|;|/|&|\+|\band\b|\bund\b|\bsowie\b|、|，)\s*", re.I)
_NAME_SPLIT_LOWER = re.compile(r"\s+(?:y|et|e|og|och|en|i|ve|и|és|a)\s+")
_PART_SPLIT = re.compile(r"\s*(?:[|\u2022\u00b7\n]|\s-\s|\s\u2013\s|\s\u2014\s)\s*")
_ROLE = re.compile(
    r"\b(?:staff|writers?|reporters?|correspondents?|editors?|editorial|contributors?|"
    r"contributing|columnists?|journalists?|photographers?|producers?|analysts?|bureau|chief|"
    r"senior|desk|intern|freelance|special|redakteur(?:in)?|korrespondent(?:in)?|redaktion|"
    r"newsroom|opinion|guest|team|edited|updated|published|posted|content|our|own|wire|"
    r"services?)\b",
    re.IGNORECASE,
)
_ORG = re.compile(
    r"\b(?:news|press|media|agency|agencies|times|post|journal|tribune|herald|gazette|magazine|"
    r"online|radio|tv|television|network|group|inc|ltd|llc|gmbh|ag|dpa|afp|ap|reuters|kna|epd|"
    r"associated|bloomberg|sid|apa|efe|ansa|xinhua|tass|pa|ips|service|nachrichten|"
    r"zeitung|noticias|wire|staff|desk|newsroom|\w+\.(?:com|net|org|de|co|uk|fr|es|it|in))\b",
    re.IGNORECASE,
)
_NOT_NAMES_WORDS = """
    admin administrator webmaster guest anonymous unknown null none undefined user editor
    author staff redaktion
"""
_NOT_NAMES = frozenset(_NOT_NAMES_WORDS.split())
_NAME_STRIP = " \t.,:;|-\u2013\u2014()[]{}\"'\u201c\u201d\u2018\u2019*@#"


def pick_authors(src: PageSources) -> list[str]:
    """Author names: JSON-LD/microdata, then meta tags, then the page's byline elements.

    The first source that names a person wins. Organisations (the publisher, agencies) are kept
    only when no source names a person.
    """
    site_names = src.names
    orgs: list[str] = []
    for source in (_structured_authors, _meta_authors, _byline_authors):
        names = source(src)
        persons = [n for n in names if not _is_org(n, site_names)]
        if persons:
            return _dedupe(persons)
        orgs += [n for n in names if not _is_site(n, site_names)]
    return _dedupe(orgs)


def _is_site(name: str, site_names: list[str]) -> bool:
    """The publisher's own name is not an author (it is the ``site_name``)."""
    return _normalise_name(name.lstrip("\x00")) in site_names


def _structured_authors(src: PageSources) -> list[str]:
    names: list[str] = []
    if src.main is None:
        return names
    for value in as_list(src.main.get("author")) or as_list(src.main.get("creator")):
        value = src.deref(value)
        if isinstance(value, dict):
            name = _node_name(value)
            if set(node_types(value)) & ORG_TYPES:
                names += [f"\x00{name}"] if name else []  # marked as an organisation
                continue
            value = name
        if isinstance(value, str) and not value.lstrip().startswith(("http", "/")):
            names += split_names(value)
    return names


def _node_name(node: Node) -> str | None:
    name = clean_text(node.get("name"))
    if not name:
        parts = [clean_text(node.get(k)) for k in ("givenName", "familyName")]
        name = " ".join(p for p in parts if p) or None
    return name


def _meta_authors(src: PageSources) -> list[str]:
    keys = (
        "author",
        "article:author",
        "og:article:author",
        "parsely-author",
        "sailthru.author",
        "dc.creator",
        "dcterms.creator",
        "byl",
        "cxenseparse:author",
        "article.author",
    )
    for key in keys:
        names = [n for value in src.meta.get(key, []) for n in split_names(value)]
        if names:
            return names
    return []


#: Attribute values are fetched in one XPath and matched in Python: many times faster than
#: an XPath predicate per element with translate()/contains().
def _in_region(el: lxml.html.HtmlElement, region: lxml.html.HtmlElement) -> bool:
    return any(parent is region for parent in el.iterancestors())


_SKIP_TAGS = frozenset(["meta", "link", "script", "style", "img", "body", "html", "article"])


def _byline_authors(src: PageSources) -> list[str]:
    """Names in byline elements near the headline, else anywhere outside sidebars/comments."""
    bylines = src.marked.bylines
    near = [el for el in bylines if _in_region(el, src.region)]
    names = _byline_names(near)
    if not names and len(near) < len(bylines):
        names = _byline_names(bylines)
    return names


def _byline_names(elements: list[lxml.html.HtmlElement]) -> list[str]:
    anchor: lxml.html.HtmlElement | None = None
    names: list[str] = []
    for el in elements[:40]:
        if el.tag in _SKIP_TAGS or not isinstance(el.tag, str):
            continue
        if anchor is not None and not _near(el, anchor):
            continue
        own = (el.get("class") or "") + " " + (el.get("id") or "")
        if _FOREIGN_CLASS.search(own) or is_foreign(el):
            continue
        found = [n for n in split_names(_byline_text(el)) if _full_name(n)]
        if found and anchor is None:
            anchor = el
        names += found
    return names


def _full_name(name: str) -> bool:
    """Page bylines must give a full name: single Latin words there are user names or labels."""
    return len(name.split()) > 1 or any(ord(ch) >= 0x250 for ch in name)


def _near(el: lxml.html.HtmlElement, anchor: lxml.html.HtmlElement) -> bool:
    """Same byline block: a sibling of the first byline element, or inside it."""
    if el.getparent() is anchor.getparent():
        return True
    return any(parent is anchor for parent in el.iterancestors())


def _byline_text(el: lxml.html.HtmlElement) -> str:
    if el.get("itemprop") in ("author", "creator"):
        for name in el.iterdescendants():
            if name.get("itemprop") == "name":
                return name.get("content") or name.text_content()
        if el.get("content"):
            return el.get("content") or ""
    text = el.text_content()
    wide = sum(1 for ch in text if ord(ch) >= 0x2E80)  # CJK: a name is a few characters
    return block_text(el) if len(text) + 2 * wide <= 300 else ""


_BLOCK_WORDS = """
    br p div li ul ol dl dd dt h1 h2 h3 h4 h5 h6 section header footer figure figcaption
    table tr td address
"""
_BLOCK_TAGS = frozenset(_BLOCK_WORDS.split())


def block_text(el: lxml.html.HtmlElement) -> str:
    """Text of ``el`` with " | " at line and block breaks and spaces between elements.

    ``text_content()`` glues "FRANCES ROBLES<br>McClatchy Newspapers" into one word run.
    """
    pieces: list[str] = []
    _walk_text(el, pieces)
    return " ".join(pieces)


def _walk_text(node: lxml.html.HtmlElement, pieces: list[str]) -> None:
    if not isinstance(node.tag, str) or node.tag in ("script", "style"):
        return
    block = node.tag in _BLOCK_TAGS
    if block:
        pieces.append("|")
    if node.text:
        pieces.append(node.text)
    for child in node:
        _walk_text(child, pieces)
        if child.tail:
            pieces.append(child.tail)
    if block:
        pieces.append("|")


def split_names(text: str | None) -> list[str]:
    """Person names in a byline string: "By Jane Doe and John Roe | Email the author"."""
    text = clean_text(text)
    if not text:
        return []
    names: list[str] = []
    text = re.sub(r"\([^)]*\)?", " ", text)  # "(AP)", "(Reuters)", "(Photos)"
    for part in _PART_SPLIT.split(text):
        part = _CUT.sub("", _strip_prefix(part))
        for chunk in _NAME_SPLIT_ANYCASE.split(part):
            for name in _NAME_SPLIT_LOWER.split(chunk):
                name = _trim_name(_strip_prefix(name))
                if is_person_name(name):
                    names.append(name)
    return names


_TRAILING_WORD = re.compile(r"\s+(?:on|at|in|am|um|le|el|il|the|de|del|em|op)$", re.IGNORECASE)


def _strip_prefix(text: str) -> str:
    text = _TRAILING_WORD.sub("", text.strip(_NAME_STRIP)).strip(_NAME_STRIP)
    for _ in range(3):
        stripped = _PREFIX_LOWER.sub("", _PREFIX_ANYCASE.sub("", text)).strip(_NAME_STRIP)
        if stripped == text:
            break
        text = stripped
    return text


_WEEKDAY = re.compile(
    r"(?:mon|tues|wednes|thurs|fri|satur|sun)day|(?:mon|diens|donners|frei|sams|sonn)tag|mittwoch",
    re.IGNORECASE,
)
_NOT_A_NAME = re.compile(r"\b(?:photos?|fotos?|images?|bild|illustration|video|graphics?)\b", re.I)


def _trim_name(name: str) -> str:
    """Cut what follows a name: "Joseph White AP Sports Writer", "Richard Lam Published"."""
    words = name.split()
    if words and words[0].casefold() in ("the", "our"):
        return name  # "The Associated Press", "Our Foreign Staff": not a person anyway
    for index, word in enumerate(words[2:], start=2):
        bare = word.strip(_NAME_STRIP)
        if _ROLE.fullmatch(bare) or _ORG.fullmatch(bare) or _WEEKDAY.fullmatch(bare):
            return " ".join(words[:index])
    return name


def is_person_name(name: str) -> bool:
    """Could ``name`` be a byline name (not a role, a date, a link text or a sentence)?"""
    if not 2 <= len(name) <= 60 or name.casefold() in _NOT_NAMES:
        return False
    if not any(ch.isalpha() for ch in name) or any(ch in name for ch in "?!<>=:"):
        return False
    words = name.split()
    if len(words) > 6 or _ROLE.search(name) and len(words) <= 4 and _role_only(name):
        return False
    if _NOT_A_NAME.search(name):
        return False
    latin = all(ord(ch) < 0x250 for ch in name if ch.isalpha())
    if sum(1 for ch in name if ord(ch) >= 0x2E80) > 12:
        return False  # CJK names are a few characters; longer runs are labels or sentences
    return not (latin and words[0].islower() and len(words) > 1 and words[0] not in _PARTICLES)


_PARTICLES_WORDS = """
    de da di van von der den du del la le ter ten bin al el
"""
_PARTICLES = frozenset(_PARTICLES_WORDS.split())


def _role_only(name: str) -> bool:
    """True when every word of ``name`` is a role word or a filler ("Senior Staff Writer")."""
    rest = _ROLE.sub("", name)
    rest = re.sub(r"\b(?:the|of|for|a|an|and|der|die|das|für|de|la|el)\b", "", rest, flags=re.I)
    return not rest.strip(_NAME_STRIP + " ")


def _is_org(name: str, site_names: list[str]) -> bool:
    if name.startswith("\x00"):
        return True
    key = _normalise_name(name)
    if any(key == site or (len(site) >= 4 and site in key) for site in site_names):
        return True
    return bool(_ORG.search(name))


def _dedupe(names: list[str]) -> list[str]:
    """Unique names in order; "Jane Doe BBC News" goes when "Jane Doe" is also found."""
    seen: set[str] = set()
    out: list[str] = []
    for name in names:
        name = name.lstrip("\x00")
        key = _normalise_name(name)
        if key and key not in seen:
            seen.add(key)
            out.append(name)
    keys = [_normalise_name(n) for n in out]
    out = [
        name
        for name, key in zip(out, keys, strict=True)
        if not any(other != key and key.startswith(other) for other in keys)
    ]
    return out[:20]


# --------------------------------------------------------------------------- dates

_PUBLISHED_META = (
    "article:published_time",
    "og:article:published_time",
    "article:published",
    "og:published_time",
    "published_time",
    "article.published",
    "datepublished",
    "pubdate",
    "publishdate",
    "publish-date",
    "publish_date",
    "publication_date",
    "parsely-pub-date",
    "sailthru.date",
    "dc.date.issued",
    "dcterms.issued",
    "dc.date.created",
    "dcterms.created",
    "dc.date",
    "dcterms.date",
    "date",
    "cxenseparse:recs:publishtime",
    "cxenseparse:publishtime",
    "og:pubdate",
    "originalpublicationdate",
    "citation_publication_date",
)
_MODIFIED_META = (
    "article:modified_time",
    "og:article:modified_time",
    "article:modified",
    "og:updated_time",
    "modified_time",
    "datemodified",
    "dc.date.modified",
    "dcterms.modified",
    "lastmod",
    "last-modified",
)
_UPDATED_CLASS = re.compile(r"updat|modif|aktualisiert|actualiz|mis-a-jour|maj", re.IGNORECASE)
_PUBLISHED_CLASS = re.compile(r"publi|posted|created|pubdate|date|time", re.IGNORECASE)


def pick_date(src: PageSources, modified: bool) -> str | None:
    """Published or modified time of the article itself, as aware ISO 8601, or None.

    Structured data of the main article node come first, then meta tags, then dated elements
    outside sidebars and related lists, and for the publication date htmldate as the last resort.
    """
    keys = ("dateModified",) if modified else ("datePublished", "dateCreated", "uploadDate")
    values: list[Any] = [v for value in src.structured(*keys) for v in as_list(value)]
    for key in _MODIFIED_META if modified else _PUBLISHED_META:
        values += src.meta.get(key, [])
    pattern = _OTHER_MODIFIED_KEY if modified else _OTHER_PUBLISHED_KEY
    values += [v for key, vs in src.meta.items() if pattern.search(key) for v in vs]
    for value in values:
        iso = normalise_date(value, src.now)
        if iso:
            return iso
    for value in _page_dates(src.tree, modified):
        iso = normalise_date(value, src.now)
        if iso:
            return iso
    if modified:
        return None
    return _title_date(src) or _htmldate(src)


#: Meta names of publication dates beyond the well-known ones ("DCSext.articleFirstPublished").
_OTHER_PUBLISHED_KEY = re.compile(
    r"first-?published|publi(?:shed|cation|sh)[-_.: ]?(?:date|time|at|on)|pub[-_]?date"
    r"|date[-_.]?(?:published|publication|created)",
    re.IGNORECASE,
)
_OTHER_MODIFIED_KEY = re.compile(
    r"(?:last-?)?(?:modified|updated?)[-_.: ]?(?:date|time|at|on)|date[-_.]?(?:modified|updated)",
    re.IGNORECASE,
)


def _title_date(src: PageSources) -> str | None:
    """A date printed in the page title ("Headline | DW | 28.04.2023")."""
    for text in (src.first_meta("og:title"), _title_tag(src.tree)):
        found = search_date(text or "")
        iso = normalise_date(found, src.now) if found else None
        if iso:
            return iso
    return None


def _page_dates(tree: lxml.html.HtmlElement, modified: bool) -> Iterator[str]:
    prop = "dateModified" if modified else "datePublished"
    for el in tree.xpath(f"//*[@itemprop='{prop}']"):
        if not is_foreign(el):
            yield el.get("content") or el.get("datetime") or el.text_content()
    times = [t for t in tree.iter("time") if not is_foreign(t)]
    for time in sorted(times, key=lambda t: _time_rank(t, modified)):
        if _time_rank(time, modified) < 3:
            yield time.get("datetime") or time.text_content()


def _time_rank(time: lxml.html.HtmlElement, modified: bool) -> int:
    """0 for a <time> marked as the wanted kind, 1 unmarked, 2 when the parent marks it, 3 other.

    An unmarked <time> counts as a publication date only, never as a modification date.
    """
    marker = " ".join(filter(None, [time.get("class"), time.get("itemprop"), _parent_class(time)]))
    is_updated = bool(_UPDATED_CLASS.search(marker))
    if modified:
        return 0 if is_updated else 3
    if is_updated:
        return 3
    if time.get("pubdate") is not None or _PUBLISHED_CLASS.search(marker):
        return 0
    return 1


def _parent_class(el: lxml.html.HtmlElement) -> str:
    parent = el.getparent()
    return (parent.get("class") or "") if parent is not None else ""


def _htmldate(src: PageSources) -> str | None:
    """htmldate's guess (URL, header, page text), cheap mode; a bare date is midnight UTC."""
    from htmldate import find_date

    try:
        found = find_date(
            src.tree,
            url=src.url or None,
            original_date=True,
            extensive_search=False,
            outputformat="%Y-%m-%dT%H:%M:%S",
            max_date=src.now.replace(tzinfo=None),
        )
    except Exception as error:  # htmldate on odd markup: a missing date beats a crash
        log.debug("htmldate failed on %s: %s", src.url, error)
        return None
    return normalise_date(found, src.now) if found else None
