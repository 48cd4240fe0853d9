"""Discovery: article URLs from RSS/Atom feeds, XML sitemaps (Google News ones too), robots.txt
and ``<link rel="alternate">``.

XML from the web is hostile input. Documents are parsed with entity resolution, DTD loading and
network access off, and a document that declares entities (billion laughs, external entities) is
refused outright. Large sitemaps are parsed incrementally so memory stays bounded.
"""

from __future__ import annotations

import io
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin

from lxml import etree

from ingest.decode import BodyTooLarge, inflate, inflate_head
from ingest.sources import Source
from ingest.urls import canonicalize, is_http, is_listing, is_media

MAX_DECOMPRESSED = 50 * 1024 * 1024  # sitemaps are capped at 50 MB uncompressed by the protocol
MAX_ENTRIES = 1_000_000  # per document; more is a trap, not a sitemap

#: Places where sites usually keep feeds and sitemaps, tried by ``crawl --site``.
USUAL_LOCATIONS = (
    "/feed",
    "/rss",
    "/rss.xml",
    "/feed.xml",
    "/atom.xml",
    "/index.xml",
    "/sitemap.xml",
    "/sitemap_index.xml",
    "/news-sitemap.xml",
    "/sitemap-news.xml",
)

_ENTITY_DECL = re.compile(rb"<!ENTITY", re.I)
_ELEMENT_OR_COMMENT = re.compile(rb"<(!--|[A-Za-z_:])")
_FEED_TYPES = (
    "application/rss+xml",
    "application/atom+xml",
    "application/feed+json",
    "application/rdf+xml",
    "application/xml",
    "text/xml",
)


class UnsafeXML(ValueError):
    """A feed or sitemap declares XML entities; it is refused, never expanded or fetched."""


class BadXML(ValueError):
    """A feed or sitemap that is not well-formed XML, or not a feed/sitemap at all."""


@dataclass(frozen=True, slots=True)
class Entry:
    """One URL found by discovery, with the change date its feed or sitemap gives, if any."""

    url: str
    lastmod: str | None = None  # ISO 8601, UTC
    is_sitemap: bool = False  # a child sitemap of a sitemap index


def ungzip(body: bytes, limit: int = MAX_DECOMPRESSED) -> bytes:
    """Decompress a ``.xml.gz`` body, refusing to inflate beyond ``limit`` (gzip bombs)."""
    if not body.startswith(b"\x1f\x8b"):
        return body
    try:
        return inflate(body, limit)
    except BodyTooLarge:
        raise BadXML(f"compressed document inflates beyond {limit // 1024 // 1024} MB") from None
    except zlib.error as exc:
        raise BadXML(f"corrupt gzip data: {exc}") from None


def _check_safe(body: bytes) -> None:
    """Refuse documents that declare entities anywhere in their prolog (the DTD can only sit
    before the root element, but comments may push it arbitrarily far into the file)."""
    if _ENTITY_DECL.search(body, 0, _prolog_end(body)):
        raise UnsafeXML("document declares XML entities (entity expansion attack?); refused")


def _prolog_end(body: bytes) -> int:
    """Offset of the root element's start tag (comments skipped), or the end of the body."""
    pos = 0
    while True:
        match = _ELEMENT_OR_COMMENT.search(body, pos)
        if match is None:
            return len(body)
        if match.group(1) != b"!--":
            return match.start()
        end = body.find(b"-->", match.end())
        if end < 0:
            return len(body)
        pos = end + 3


def _iter_elements(body: bytes, tags: set[str]) -> Iterator[etree._Element]:
    """Yield elements whose local name is in ``tags``, freeing each one after use.

    The tag filter runs inside libxml2 (``{*}name``: any namespace or none), so a million-entry
    sitemap costs one Python step per entry, not one per element."""
    _check_safe(body)
    events = etree.iterparse(
        io.BytesIO(body),
        events=("end",),
        tag=[f"{{*}}{name}" for name in sorted(tags)],
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        recover=False,
    )
    try:
        for _, element in events:
            yield element
            element.clear(keep_tail=False)
            parent = element.getparent()
            if parent is not None:
                while element.getprevious() is not None:
                    del parent[0]
    except etree.XMLSyntaxError as exc:
        raise BadXML(f"not well-formed XML ({exc.msg})") from None


def _child_text(element: etree._Element, *names: str) -> str | None:
    for child in element:
        if isinstance(child.tag, str) and etree.QName(child).localname in names:
            text = (child.text or "").strip()
            if text:
                return text
    return None


def _news_date(url_el: etree._Element) -> str | None:
    return (url_el.findtext(".//{*}publication_date") or "").strip() or None


def _text(element: etree._Element, name: str) -> str | None:
    """Stripped text of the first child called ``name`` (any namespace); found in C."""
    return (element.findtext(f"{{*}}{name}") or "").strip() or None


def parse_sitemap(body: bytes, base_url: str) -> Iterator[Entry]:
    """Entries of a sitemap or sitemap index (``is_sitemap`` marks child sitemaps).

    ``lastmod`` is the later of ``<lastmod>`` and ``<news:publication_date>``.
    """
    body = ungzip(body)
    count = 0
    for element in _iter_elements(body, {"url", "sitemap"}):
        loc = _text(element, "loc")
        if not loc:
            continue
        count += 1
        if count > MAX_ENTRIES:
            raise BadXML(f"more than {MAX_ENTRIES:,} entries; treating as a trap")
        dates = [d for d in (_text(element, "lastmod"), _news_date(element)) if d]
        lastmod = max((iso for d in dates if (iso := parse_date(d))), default=None)
        is_index = element.tag.endswith("sitemap")
        yield Entry(_absolute(base_url, loc), lastmod, is_index)


#: Separators of :func:`judge_sitemap`'s records: control characters XML text cannot hold.
RECORD, FIELD = "\x00", "\x01"
#: Record kinds of :func:`judge_sitemap` besides the skip reasons of :func:`judge_article_url`.
ARTICLE, SITEMAP = "A", "S"


def judge_sitemap(
    body: bytes,
    base_url: str,
    source: Source,
    max_url_length: int,
    first: int = 0,
    count: int | None = None,
) -> tuple[str, str | None, bool]:
    """A sitemap read and its entries judged, in a worker process: one record per entry from
    the ``first`` (0-based) on, ``count`` of them at most; the error that ended the reading
    early (``"sitemap: ..."``), if any; and whether entries may be left after ``count``.

    Parsing, date reading and canonicalizing cost the reactor thread about 0.1 ms per entry,
    and a sitemap names up to 50,000. A record is ``A<url><lastmod>`` for an article
    candidate (canonical URL), ``S<url>`` for a child sitemap, or the reason an entry is not a
    candidate (fields apart by :data:`FIELD`, records by :data:`RECORD`): one string no
    larger than the sitemap, so memory stays bounded as when entries were read one by one.
    Entries read before a document turns out broken are kept, as they were then."""
    records = []
    end = None if count is None else first + count
    try:
        for index, entry in enumerate(parse_sitemap(body, base_url)):
            if index < first:
                continue
            if index == end:
                return RECORD.join(records), None, True
            if entry.is_sitemap:
                records.append(SITEMAP + FIELD + entry.url)
                continue
            url, skip = judge_article_url(source, entry.url, max_url_length)
            records.append(skip or FIELD.join((ARTICLE, url, entry.lastmod or "")))
    except (BadXML, UnsafeXML, OSError, EOFError) as exc:
        return RECORD.join(records), f"sitemap: {exc}", False
    return RECORD.join(records), None, False


def iter_records(text: str) -> Iterator[list[str]]:
    """The fields of each record of :func:`judge_sitemap`, without a list of all of them."""
    start = 0
    while start < len(text):
        end = text.find(RECORD, start)
        end = len(text) if end < 0 else end
        yield text[start:end].split(FIELD)
        start = end + 1


def judge_article_url(source: Source, url: str, max_url_length: int) -> tuple[str, str | None]:
    """``url`` canonicalized, and why it is not an article candidate of ``source`` (None when
    it is): ``not_candidate`` (not http(s), off the source's domains, a media file, a listing,
    or not matching ``article_allow``) or ``too_long`` (Scrapy would drop it unlogged)."""
    url = canonicalize(url)
    if not is_http(url) or not source.allows(url) or is_media(url) or is_listing(url):
        return url, "not_candidate"
    if len(url) > max_url_length:
        return url, "too_long"
    if source.article_allow and not any(re.search(p, url) for p in source.article_allow):
        return url, "not_candidate"
    return url, None


def _absolute(base_url: str, url: str) -> str:
    """``url`` made absolute; already absolute ones skip ``urljoin``, which is most of the
    cost of reading a large sitemap (the crawler canonicalizes every URL anyway)."""
    return url if url.startswith(("http://", "https://")) else urljoin(base_url, url)


def parse_feed(body: bytes, base_url: str) -> list[Entry]:
    """Article links of an RSS 0.9x/1.0/2.0 or Atom feed, with their updated/published dates."""
    body = ungzip(body)
    entries: list[Entry] = []
    for element in _iter_elements(body, {"item", "entry"}):
        url = _feed_link(element)
        if url:
            date = _child_text(element, "updated", "modified", "pubDate", "published", "date")
            entries.append(Entry(_absolute(base_url, url), parse_date(date) if date else None))
        if len(entries) > MAX_ENTRIES:
            raise BadXML("feed has too many entries; treating as a trap")
    return entries


def _feed_link(element: etree._Element) -> str | None:
    guid_link = None
    for child in element:
        if not isinstance(child.tag, str):
            continue
        name = etree.QName(child).localname
        if name == "link":
            href = child.get("href")
            if href and child.get("rel", "alternate") == "alternate":
                return href.strip()
            if child.text and child.text.strip():
                return child.text.strip()
        elif name == "guid" and child.get("isPermaLink", "true") == "true":
            text = (child.text or "").strip()
            if text.startswith(("http://", "https://")):
                guid_link = text
    return guid_link


def looks_like_feed(body: bytes) -> bool:
    """Cheap sniff of a body's root element: RSS, RDF or Atom."""
    head = body[:2048].lstrip().lower()
    return b"<rss" in head or b"<feed" in head or b"<rdf:rdf" in head


def looks_like_sitemap(body: bytes) -> bool:
    """Cheap sniff of a body's root element: ``<urlset>`` or ``<sitemapindex>``."""
    head = body[:2048]
    if body.startswith(b"\x1f\x8b"):
        try:
            head = inflate_head(body, 2048)
        except zlib.error:
            return False
    head = head.lower()
    return b"<urlset" in head or b"<sitemapindex" in head


def sitemaps_from_robots(text: str, base_url: str) -> list[str]:
    """``Sitemap:`` lines of a robots.txt."""
    found = []
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key.strip().lower() == "sitemap" and value.strip():
            found.append(urljoin(base_url, value.strip()))
    return found


_ALT_LINK = re.compile(r"<link\b[^>]*>", re.I)
_ATTR = re.compile(r"""(\w+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""")


def feeds_from_html(html: str, base_url: str) -> list[str]:
    """Feeds announced by ``<link rel="alternate" type="application/rss+xml" href=...>``."""
    found = []
    for tag in _ALT_LINK.findall(html[:200_000]):
        attrs = {m[0].lower(): m[1] or m[2] or m[3] for m in _ATTR.findall(tag)}
        if (
            "alternate" in attrs.get("rel", "").lower()
            and attrs.get("type", "").lower() in _FEED_TYPES
        ) and attrs.get("href"):
            found.append(urljoin(base_url, attrs["href"]))
    return found


def parse_date(value: str | None) -> str | None:
    """ISO 8601 in UTC from the date formats feeds and sitemaps use (W3C, RFC 822)."""
    if not value:
        return None
    value = value.strip()
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        try:
            parsed = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC).isoformat(timespec="seconds")
