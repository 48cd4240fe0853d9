"""The per-page work of a crawl, run in worker processes: decode, extract, clean, compress.

Nothing here imports Scrapy: a fetched page arrives as plain bytes and headers and leaves as a
:class:`~ingest.storage.PageResult` dict, so the same function serves the local crawl, the
distributed workers and ``ingest reclean``.
"""

from __future__ import annotations

import gzip
from typing import Any

from ingest.decode import BinaryContent, decode_html
from ingest.nesting import flatten, hit_depth_limit
from ingest.storage import PageResult

KEEP_RAW_HTML = True


def process_page(page: dict[str, Any]) -> dict[str, Any]:
    """Turn one fetched page into a PageResult dict; never raises for bad pages.

    ``page`` holds: url, source, body (bytes), content_type, status, etag, last_modified,
    lastmod, language (source default), drop/keep (per-source cleaning selectors), keep_raw.
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
    try:
        html, encoding = decode_html(page["body"], page.get("content_type"))
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
        result.html_gz = gzip.compress(html.encode("utf-8"), compresslevel=6)
    return result.to_dict()


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
