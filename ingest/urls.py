"""URL rules: canonical form, AMP copies, media files and non-article URL shapes.

These decide before fetching what is worth fetching; the page itself (structured data, page shape)
decides after fetching, in extraction.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

TRACKING_PARAMS = re.compile(
    r"^(utm_\w+|fbclid|gclid|dclid|mc_cid|mc_eid|ocid|cmpid|ref|ref_src|rss|xtor|__twitter_impression"
    r"|at_medium|at_campaign|share|s_cid|icid|ito|wt_mc|wt_zmc|_ga|igshid)$",
    re.IGNORECASE,
)

MEDIA_EXTENSIONS = frozenset(
    [
        "jpg",
        "jpeg",
        "png",
        "gif",
        "webp",
        "svg",
        "ico",
        "bmp",
        "tif",
        "tiff",
        "avif",
        "pdf",
        "zip",
        "gz",
        "tgz",
        "rar",
        "7z",
        "mp3",
        "mp4",
        "m4a",
        "m4v",
        "mov",
        "avi",
        "wmv",
        "flv",
        "webm",
        "ogg",
        "wav",
        "flac",
        "mkv",
        "doc",
        "docx",
        "xls",
        "xlsx",
        "ppt",
        "pptx",
        "odt",
        "ods",
        "epub",
        "exe",
        "dmg",
        "apk",
        "iso",
        "css",
        "js",
        "json",
        "woff",
        "woff2",
        "ttf",
        "eot",
    ]
)

#: Path segments of pages that list articles rather than hold one. Extendable per source with
#: ``follow_deny`` / ``article_allow``.
LISTING_PATTERNS = re.compile(
    r"/(tag|tags|topic|topics|author|authors|autor|category|categories|section|rubrik|ressort"
    r"|page|seite|search|suche|archive|archiv|login|register|account|subscribe|abo|newsletter"
    r"|about|contact|impressum|privacy|datenschutz|terms|feed|rss|wp-json|wp-admin|wp-login"
    r"|cdn-cgi|static|assets)(/|$|\?)"
    r"|[?&](page|p|s|q|replytocom|share|print)=",
    re.IGNORECASE,
)

_AMP_PATH = re.compile(r"(/amp/?$|/amp/(?=[^/]*$)|\.amp(?=\.html?$|$)|/amp(?=\.html?$))", re.I)


#: URLs already in canonical form but for a missing "/" path: lower-case http(s) and host, no
#: user, no default port (checked apart), no query or fragment, nothing urlsplit would strip.
_PLAIN_URL = re.compile(r"(https?)://[a-z0-9.-]+(?::([1-9][0-9]{0,4}))?(/[^?#\t\r\n]*)?")
_DEFAULT_PORTS = {"http": 80, "https": 443}


def canonicalize(url: str) -> str:
    """A stable form of ``url`` used as a key: lower-case host, no fragment, no tracking params."""
    url = url.strip()
    plain = _PLAIN_URL.fullmatch(url)
    if plain is not None:  # most URLs: the same result without taking them apart (per page)
        port = plain.group(2)
        if port is None or _DEFAULT_PORTS[plain.group(1)] != int(port) <= 65535:
            return url if plain.group(3) else url + "/"
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    port = parts.port
    netloc = (
        host
        if port is None or (scheme, port) in (("http", 80), ("https", 443))
        else f"{host}:{port}"
    )
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not TRACKING_PARAMS.match(k)
    ]
    path = parts.path or "/"
    return urlunsplit((scheme, netloc, path, urlencode(query, doseq=True), ""))


def strip_amp(url: str) -> str:
    """The non-AMP URL of an AMP copy (``/amp/``, ``.amp.html``, ``?amp=1``, ``amp.`` host)."""
    parts = urlsplit(url)
    host = parts.netloc.removeprefix("amp.")
    path = _AMP_PATH.sub(lambda m: "/" if m.group(0).startswith("/") else "", parts.path)
    path = re.sub(r"//+", "/", path)
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if k.lower() not in ("amp", "outputtype", "output")
        or v.lower() not in ("1", "amp", "true", "")
    ]
    return urlunsplit((parts.scheme, host, path, urlencode(query), parts.fragment))


def is_amp(url: str) -> bool:
    """True when ``url`` looks like an AMP copy of an article."""
    return strip_amp(url) != url


def is_media(url: str) -> bool:
    """True for URLs of images, documents, archives, audio and video: never articles."""
    path = urlsplit(url).path.lower()
    ext = path.rsplit(".", 1)[-1] if "." in path.rsplit("/", 1)[-1] else ""
    return ext in MEDIA_EXTENSIONS


def is_listing(url: str) -> bool:
    """True for URLs shaped like tag, author, section, pagination or service pages."""
    parts = urlsplit(url)
    if parts.path in ("", "/") and not parts.query:
        return True
    return bool(LISTING_PATTERNS.search(parts.path + ("?" + parts.query if parts.query else "")))


_SLUG_WORD = re.compile(r"[^\W_]+", re.UNICODE)


def looks_like_article_url(url: str) -> bool:
    """Whether a *followed link* is shaped like an article: a slug of several words, a numeric
    id or a date in the path. Single-word paths (``/careers/``, ``/europa/``) are sections or
    service pages. Feed and sitemap entries are not judged by this: the page decides."""
    path = urlsplit(url).path.rstrip("/")
    if not path:
        return False
    last = path.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    if re.search(r"\d{4,}|/\d{4}/\d{1,2}/", path) or re.search(r"\d", last) and len(last) >= 8:
        return True
    return len(_SLUG_WORD.findall(last)) >= 3


def is_http(url: str) -> bool:
    """Only http(s) URLs are ever requested (no file:, ftp:, data:, javascript: ...)."""
    return urlsplit(url).scheme in ("http", "https")


def host_of(url: str) -> str:
    """Lower-case host name of ``url`` ('' when it has none)."""
    return (urlsplit(url).hostname or "").lower()


def is_loopback(url: str) -> bool:
    """True for 127.0.0.0/8, ::1 and localhost: the user's own machine, crawled at full speed."""
    host = host_of(url)
    return host == "localhost" or host.startswith("127.") or host == "::1"
