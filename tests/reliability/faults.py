"""Misbehaving web routes for the fault-injection suite, served for real on 127.0.0.1.

A :class:`FaultSite` is a small news site built from dynamic routes of
:func:`ingest.webserver.serve_site`: good articles (which every crawl must store exactly once,
whatever else goes wrong) next to routes that fail on purpose, at the HTTP level (status codes,
redirects, resets, stalls, short bodies, bombs) or in their content (binary, broken markup,
wrong charsets). Every request is recorded with its time, so tests can check what the crawler
asked for, how often, and how long it waited between tries.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import socket
import struct
import threading
import time
import zlib
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.utils import formatdate
from typing import Any
from xml.sax.saxutils import escape

from ingest.webserver import BaseURL, SiteHandler, SiteServer, serve_site

Handler = Callable[[SiteHandler], None]

_WORDS = [
    *("harbour", "council", "ferry", "timetable", "budget", "repairs", "pier", "lights"),
    *("evening", "residents", "engineers", "survey", "tide", "bridge", "library", "market"),
    *("school", "river", "station", "museum", "garden", "tunnel", "festival", "orchestra"),
    *("workshop", "clinic", "bakery", "lighthouse", "quarry", "meadow", "archive"),
]


@dataclass(frozen=True)
class Story:
    """A good article: its sentences are unique, so losses and duplicates can be counted."""

    slug: str
    title: str
    paragraphs: tuple[str, ...]

    @property
    def marker(self) -> str:
        """A sentence found in this story only."""
        return self.paragraphs[0]


def make_story(slug: str, paragraphs: int = 5) -> Story:
    """A deterministic story whose every paragraph names the slug (so it is unique)."""
    seed = int(hashlib.sha1(slug.encode()).hexdigest(), 16)
    words = [_WORDS[(seed >> (3 * i)) % len(_WORDS)] for i in range(40)]
    paras = tuple(
        f"Report {slug} part {i}: the {words[i]} committee met on Tuesday to discuss the "
        f"{words[i + 5]} plan, and residents asked why the {words[i + 10]} works near the "
        f"{words[i + 15]} had taken so long to finish this spring."
        for i in range(paragraphs)
    )
    return Story(slug, f"Update on the {words[0]} and {words[1]} ({slug})", paras)


def article_html(
    story: Story,
    *,
    meta_charset: str | None = "utf-8",
    head_extra: str = "",
    before: str = "",
    after: str = "",
) -> str:
    """A plain news article page: JSON-LD NewsArticle, one <article> with the paragraphs."""
    ld = json.dumps(
        {
            "@context": "https://schema.org",
            "@type": "NewsArticle",
            "headline": story.title,
            "datePublished": "2024-03-01T10:00:00+00:00",
            "author": {"@type": "Person", "name": "Ana Writer"},
        },
        ensure_ascii=False,
    )
    charset = f'<meta charset="{meta_charset}">' if meta_charset else ""
    paras = "".join(f"<p>{escape(p)}</p>" for p in story.paragraphs)
    return (
        f'<!DOCTYPE html><html lang="en"><head>{charset}<title>{escape(story.title)}</title>'
        f'<meta property="og:type" content="article">'
        f'<script type="application/ld+json">{ld}</script>{head_extra}</head><body>'
        f'<header><nav><a href="/">Home</a> <a href="/world/">World</a></nav></header>'
        f"{before}<main><article><h1>{escape(story.title)}</h1>{paras}</article></main>{after}"
        f"<footer><p>Copyright Fault Gazette</p></footer></body></html>"
    )


# --- the site -------------------------------------------------------------------------------


@dataclass
class Hit:
    """One request the server received."""

    at: float
    method: str
    path: str
    headers: dict[str, str]


@dataclass
class FaultSite:
    """Routes, the good stories among them, the feed that lists them, and every hit."""

    routes: dict[str, Handler] = field(default_factory=dict)
    stories: dict[str, Story] = field(default_factory=dict)  # path -> story expected stored
    feed_paths: list[str] = field(default_factory=list)
    hits: dict[str, list[Hit]] = field(default_factory=lambda: defaultdict(list))
    stop: threading.Event = field(default_factory=threading.Event)
    base: str = ""
    server: SiteServer | None = None

    def route(self, path: str, handler: Handler, *, in_feed: bool = False) -> str:
        """Serve ``handler`` at ``path`` (a trailing ``*`` matches a prefix); return the path."""

        def recorded(h: SiteHandler) -> None:
            self.hits[path].append(Hit(time.monotonic(), h.command, h.path, dict(h.headers)))
            handler(h)

        self.routes[path] = recorded
        if self.server is not None:  # already serving: register on the live server too
            self.server.add_route(path.rstrip("*"), recorded, prefix=path.endswith("*"))
        if in_feed:
            self.feed_paths.append(path)
        return path

    def good(self, path: str, story: Story | None = None, *, in_feed: bool = True) -> Story:
        """A well-behaved article that must end up stored exactly once."""
        story = story or make_story(path.strip("/").replace("/", "-").removesuffix(".html"))
        self.stories[path] = story
        body = article_html(story).encode()
        self.route(path, lambda h: h.reply(200, body), in_feed=in_feed)
        return story

    def feed(self, path: str = "/feed.xml", paths: list[str] | None = None) -> str:
        """An RSS feed of ``paths`` (default: every route marked ``in_feed``)."""
        listed = paths if paths is not None else self.feed_paths

        def handler(h: SiteHandler) -> None:
            h.reply(200, rss(h.origin, listed), "application/rss+xml; charset=utf-8")

        return self.route(path, handler)

    def url(self, path: str) -> str:
        return self.base + path

    def expected(self) -> dict[str, Story]:
        """URL -> story of every good article (what :func:`checks.ledger` checks)."""
        return {self.url(path): story for path, story in self.stories.items()}

    def count(self, path: str) -> int:
        return len(self.hits.get(path, []))

    def gaps(self, path: str) -> list[float]:
        """Seconds between consecutive requests to ``path``."""
        times = [h.at for h in self.hits.get(path, [])]
        return [b - a for a, b in zip(times, times[1:], strict=False)]

    @contextmanager
    def serve(self, host: str = "127.0.0.1") -> Iterator[BaseURL]:
        with serve_site(None, routes=self.routes, host=host) as base:
            self.base, self.server = str(base), base.server
            try:
                yield base
            finally:
                self.stop.set()  # release stalled handlers


def rss(origin: str, paths: list[str], title: str = "Fault Gazette") -> bytes:
    """An RSS 2.0 feed listing ``paths`` (absolute URLs are passed through as they are)."""
    items = "".join(
        f"<item><title>Item {i}</title><link>{escape(_absolute(origin, p))}</link>"
        f"<pubDate>{formatdate(1709287200 + i * 60, usegmt=True)}</pubDate></item>"
        for i, p in enumerate(paths)
    )
    return (
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>{title}</title><link>{origin}/</link>{items}</channel></rss>"
    ).encode()


def sitemap(origin: str, paths: list[str], index: bool = False) -> bytes:
    """A sitemap (or sitemap index) of ``paths``."""
    tag, root = ("sitemap", "sitemapindex") if index else ("url", "urlset")
    entries = "".join(f"<{tag}><loc>{escape(_absolute(origin, p))}</loc></{tag}>" for p in paths)
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>'
        f'<{root} xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{entries}</{root}>'
    ).encode()


def _absolute(origin: str, path: str) -> str:
    return path if "://" in path or ":" in path.split("/", 1)[0] else origin + path


# --- HTTP-level faults ------------------------------------------------------------------------


def status(code: int, headers: dict[str, str] | None = None) -> Handler:
    """Always answer ``code`` with a small HTML body."""
    body = f"<html><body><h1>Error {code}</h1></body></html>".encode()
    return lambda h: h.reply(code, body, headers=headers)


def fail_then(codes: list[tuple[int, Any]], story: Story) -> Handler:
    """Answer the given (status, headers) in turn, then the article for good. ``headers`` may
    be a function, called at request time (for dates relative to the request)."""
    calls = {"n": 0}
    lock = threading.Lock()
    body = article_html(story).encode()

    def handler(h: SiteHandler) -> None:
        with lock:
            n = calls["n"]
            calls["n"] += 1
        if n < len(codes):
            code, headers = codes[n]
            headers = headers() if callable(headers) else headers
            h.reply(code, f"<html><body>Error {code}</body></html>".encode(), headers=headers)
        else:
            h.reply(200, body)

    return handler


def redirect(location: str | Callable[[SiteHandler], str], code: int = 302) -> Handler:
    """A redirect to ``location`` (a path, an absolute URL, or a function of the request)."""

    def handler(h: SiteHandler) -> None:
        target = location(h) if callable(location) else location
        if target.startswith("/"):
            target = h.origin + target
        h.reply(code, b"", headers={"Location": target})

    return handler


def reset(h: SiteHandler) -> None:
    """Read the request, then abort the connection with a TCP RST (SO_LINGER 0)."""
    h.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    h.close_connection = True
    h.connection.close()


def stall(site: FaultSite, *, send_headers: bool, limit: float = 60.0) -> Handler:
    """Answer nothing (or headers and a first chunk of the body), then hang until stopped."""

    def handler(h: SiteHandler) -> None:
        if send_headers:
            h.send_response(200)
            h.send_header("Content-Type", "text/html; charset=utf-8")
            h.send_header("Content-Length", "100000")
            h.end_headers()
            h.wfile.write(b"<html><head><title>Slow</title></head><body><p>Loading")
            h.wfile.flush()
        site.stop.wait(limit)
        h.close_connection = True

    return handler


def cut_short(story: Story, *, chunked: bool) -> Handler:
    """Send a third of the article's body, then close: Content-Length or chunked framing."""
    body = article_html(story).encode()
    part = body[: len(body) // 3]

    def handler(h: SiteHandler) -> None:
        h.send_response(200)
        h.send_header("Content-Type", "text/html; charset=utf-8")
        if chunked:
            h.send_header("Transfer-Encoding", "chunked")
            h.end_headers()
            h.wfile.write(f"{len(part):x}\r\n".encode() + part + b"\r\n")
        else:
            h.send_header("Content-Length", str(len(body)))
            h.end_headers()
            h.wfile.write(part)
        h.wfile.flush()
        h.close_connection = True
        h.connection.shutdown(socket.SHUT_RDWR)

    return handler


def short_content_length(story: Story) -> Handler:
    """Declare a Content-Length shorter than the body and send all of it anyway: the extra
    bytes sit on the keep-alive connection where the next response should start."""
    body = article_html(story).encode()
    cut = body.index(b"</article>")

    def handler(h: SiteHandler) -> None:
        h.send_response(200)
        h.send_header("Content-Type", "text/html; charset=utf-8")
        h.send_header("Content-Length", str(cut))
        h.end_headers()
        h.wfile.write(body + b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nEVIL!")
        h.wfile.flush()

    return handler


def gzip_bomb_bytes(inflated_mb: int) -> bytes:
    """Gzip data of ``inflated_mb`` MB of spaces: about 1000 times smaller than it inflates."""
    comp = zlib.compressobj(9, zlib.DEFLATED, 31)
    block = b" " * (1024 * 1024)
    out = [comp.compress(b"<html><body>")]
    out += [comp.compress(block) for _ in range(inflated_mb)]
    out.append(comp.flush())
    return b"".join(out)


def gzip_bomb(data: bytes, ctype: str = "text/html; charset=utf-8") -> Handler:
    """Serve ``data`` with ``Content-Encoding: gzip`` (the client inflates it)."""
    return lambda h: h.reply(200, data, ctype, {"Content-Encoding": "gzip"})


def endless(site: FaultSite, *, declared_mb: int | None, limit_mb: int = 200) -> Handler:
    """A body far over any sane size: declared up front (Content-Length) or streamed chunked
    until the client hangs up."""
    chunk = b"<p>" + b"filler text " * 5000 + b"</p>\n"

    def handler(h: SiteHandler) -> None:
        h.send_response(200)
        h.send_header("Content-Type", "text/html; charset=utf-8")
        if declared_mb is not None:
            h.send_header("Content-Length", str(declared_mb * 1024 * 1024))
        else:
            h.send_header("Transfer-Encoding", "chunked")
        h.end_headers()
        h.close_connection = True
        sent = 0
        try:
            while sent < limit_mb * 1024 * 1024 and not site.stop.is_set():
                frame = chunk if declared_mb else f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n"
                h.wfile.write(frame)
                sent += len(chunk)
        except OSError:
            pass  # the client gave up: what we want

    return handler


def drip(site: FaultSite, interval: float = 0.2, limit: int = 1000) -> Handler:
    """Headers, then one byte every ``interval`` seconds: never idle, never done."""

    def handler(h: SiteHandler) -> None:
        h.send_response(200)
        h.send_header("Content-Type", "text/html; charset=utf-8")
        h.send_header("Content-Length", str(limit))
        h.end_headers()
        h.close_connection = True
        try:
            for _ in range(limit):
                if site.stop.wait(interval):
                    return
                h.wfile.write(b"x")
                h.wfile.flush()
        except OSError:
            pass

    return handler


def raw(data: bytes) -> Handler:
    """Write ``data`` as the whole response (no status line of ours), then close."""

    def handler(h: SiteHandler) -> None:
        h.close_connection = True
        try:
            h.wfile.write(data)
            h.wfile.flush()
        except OSError:
            pass

    return handler


def content(body: bytes, ctype: str = "text/html; charset=utf-8", **headers: str) -> Handler:
    """A fixed body with the given Content-Type (which may well be a lie)."""
    return lambda h: h.reply(200, body, ctype, headers or None)


def gzipped(body: bytes) -> bytes:
    return gzip.compress(body, mtime=0)


def describe_hits(site: FaultSite) -> dict[str, Any]:
    """Request counts per route (for failure messages)."""
    return {path: len(hits) for path, hits in site.hits.items()}
