"""The per-page work of a crawl, run in worker processes: decode, extract, clean, compress.

Nothing here imports Scrapy: a fetched page arrives as plain bytes and headers and leaves as a
:class:`~ingest.storage.PageResult` dict, so the same function serves the local crawl, the
distributed workers and ``ingest reclean``.
"""

from __future__ import annotations

import gzip
import signal
import zlib
from typing import Any

from ingest.decode import BinaryContent, BodyTooLarge, decode_html, inflate
from ingest.lock import exit_with_parent
from ingest.nesting import flatten, hit_depth_limit
from ingest.storage import PageResult

KEEP_RAW_HTML = True


def warm_up_worker(crawl_pid: int | None = None) -> None:
    """Pool initializer: have the extraction stack loaded (:mod:`ingest.preload`) before the
    first page arrives, and make the worker exit if the crawl is killed (it would otherwise
    wait on its task queue forever).

    Ctrl-C reaches every process of the terminal's process group: workers ignore it, and the
    crawl stops them itself once the pages in flight are done (a worker dying of
    KeyboardInterrupt would break the pool and lose those pages). It lives here, not beside
    the pipeline, so that a worker never imports Scrapy."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    import ingest.preload  # noqa: F401 - already loaded when forked from the fork server

    exit_with_parent(crawl_pid)


def process_page(page: dict[str, Any]) -> dict[str, Any]:
    """Turn one fetched page into a PageResult dict; never raises for bad pages.

    ``page`` holds: url, source, body (bytes), content_encoding ("gzip" when the body is still
    compressed, see :mod:`ingest.compression`), max_size, content_type, status, etag,
    last_modified, lastmod, language (source default), drop/keep (per-source cleaning
    selectors), keep_raw.
    """
    result = PageResult(
        url=page["url"],
        source=page["source"],
        outcome="new",
        http_status=page.get("status"),
        etag=page.get("etag"),
        last_modified=page.get("last_modified"),
        lastmod=page.get("lastmod"),
    )
    wire = page["body"] if page.get("content_encoding") else None
    try:
        body = _inflated(page)
    except (BodyTooLarge, zlib.error) as exc:
        return _drop(result, "failed", f"{type(exc).__name__}: {exc}"[:300])
    try:
        html, encoding = decode_html(body, page.get("content_type"))
    except BinaryContent as exc:
        return _drop(result, "not_html", str(exc))
    result.encoding = encoding
    try:
        article = _extract(html, page)
    except Exception as exc:  # noqa: BLE001 - a broken page must not stop the crawl
        return _drop(result, "extract_error", f"{type(exc).__name__}: {exc}"[:300])
    if article.kind != "article":
        return _drop(result, article.kind, article.kind_reason)
    article.source = page["source"]
    result.article = article.to_dict()
    if page.get("keep_raw", KEEP_RAW_HTML):
        result.html_gz = _raw_copy(html, body, wire)
    return result.to_dict()


#: ``html_gz`` of a result from :func:`process_kept_page` whose raw copy is the page's own body.
SAME_AS_BODY = "=body"


def process_kept_page(page: dict[str, Any]) -> dict[str, Any]:
    """:func:`process_page` for a caller that keeps ``page`` until the result is back (the
    crawl's pool). When the raw copy to store is the page's own compressed body, the result
    names it instead of carrying it: it was most of the result's bytes, and the workers waited
    on the result pipe while the crawl process read them. :func:`with_body` puts it back."""
    result = process_page(page)
    if result.get("html_gz") is page["body"]:
        result["html_gz"] = SAME_AS_BODY
    return result


def process_kept_pages(pages: list[dict[str, Any]]) -> list[dict[str, Any] | Exception]:
    """:func:`process_kept_page` of each page, as one task of the pool (see
    :class:`ingest.workers.Batches`); a page that raises gives its exception in its place, so
    it fails alone and the other pages of the batch are stored."""
    results: list[dict[str, Any] | Exception] = []
    for page in pages:
        try:
            results.append(process_kept_page(page))
        except Exception as exc:  # noqa: BLE001 - handed back to that page's caller
            results.append(exc)
    return results


def with_body(result: dict[str, Any], page: dict[str, Any]) -> dict[str, Any]:
    """A result of :func:`process_kept_page` with the raw copy it named put back."""
    if result.get("html_gz") == SAME_AS_BODY:
        result["html_gz"] = page["body"]
    return result


def _inflated(page: dict[str, Any]) -> bytes:
    """The page's body as the server meant it (a gzip body left compressed by the crawl is
    inflated here, off the crawl's reactor thread, up to the download size limit)."""
    if not page.get("content_encoding"):
        return page["body"]
    return inflate(page["body"], page.get("max_size") or 0)


def _raw_copy(html: str, body: bytes, wire: bytes | None) -> bytes:
    """The gzip copy of the raw HTML (UTF-8) kept for ``ingest reclean``.

    A UTF-8 page that came gzip-compressed is stored as it came: compressing it again would
    cost as much as a fifth of the page's extraction. Others are compressed at level 1 (a
    tenth larger than level 6, twice as fast)."""
    utf8 = html.encode("utf-8")
    if wire is not None and utf8 == body:
        return wire
    return gzip.compress(utf8, compresslevel=1)


def _extract(html: str, page: dict[str, Any]) -> Any:
    from ingest.extract import extract

    article = extract(html, page["url"], drop=page.get("drop", ()), keep=page.get("keep", ()))
    if _parser_hit_depth_limit():  # libxml2 dropped all after that point: flatten, try again
        article = extract(
            flatten(html), page["url"], drop=page.get("drop", ()), keep=page.get("keep", ())
        )
    if article.fetched_url is None:
        article.fetched_url = page["url"]
    if not article.language and page.get("language"):
        article.language = page["language"]
    return article


def _parser_hit_depth_limit() -> bool:
    """Did the last parse stop at libxml2's nesting limit? (Read from the parser's error log:
    checking every page's depth beforehand would cost a fifth of a parse.)"""
    from ingest import maintext

    parser = getattr(maintext, "_PARSER", None)
    return parser is not None and hit_depth_limit(parser.error_log)


def _drop(result: PageResult, outcome: str, detail: str | None) -> dict[str, Any]:
    result.outcome = outcome
    result.detail = detail
    return result.to_dict()
