"""Article bodies travel gzip-compressed from the socket to the extraction workers.

Scrapy inflates every gzip response on the reactor thread, the one thread every download
shares: a tenth of its time in a crawl of 100 KB news pages. An article page is only read by
the extractor, which runs in worker processes, so it can be inflated there instead, and the
compressed bytes cost a quarter as much to send to the worker. When the page is UTF-8 (most
are), the bytes the server sent are already the gzip copy of the raw HTML that the database
keeps (``pages.html_gz``): nothing is compressed again.

The spider asks for this per request (``request.meta[KEEP_ENCODED]``): discovery pages and
pages whose links are followed are read on the reactor thread and arrive inflated as usual.
A page whose first 4 KB mention ``refresh`` is inflated here too, so the meta-refresh
redirect middleware sees it. Inflation in the worker stops at ``DOWNLOAD_MAXSIZE`` like
Scrapy's own (:func:`ingest.decode.inflate`; a gzip bomb is a failed fetch, not an
exhausted memory).
"""

from __future__ import annotations

import zlib
from typing import Any

from scrapy import Request, Spider
from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware
from scrapy.http import Response

from ingest.decode import inflate_head

#: Request meta key: the spider will hand this page's body to a worker as sent.
KEEP_ENCODED = "ingest_keep_encoded"
#: Request meta key set on the response's request: the body is still ``gzip``-encoded.
ENCODED = "ingest_body_encoding"
#: Bytes of the inflated start of a page searched for a meta refresh.
HEAD_BYTES = 4096


class WireCompressionMiddleware(HttpCompressionMiddleware):
    """Scrapy's HttpCompressionMiddleware, except that it leaves the gzip bodies of article
    pages compressed (see the module docstring); everything else is inflated as usual."""

    def process_response(
        self, request: Request, response: Response, spider: Spider | None = None
    ) -> Any:
        request.meta.pop(ENCODED, None)  # a retry or redirect starts afresh
        if self._keep_encoded(request, response):
            request.meta[ENCODED] = "gzip"
            return response
        return super().process_response(request, response)

    @staticmethod
    def _keep_encoded(request: Request, response: Response) -> bool:
        if not request.meta.get(KEEP_ENCODED) or response.status != 200:
            return False
        if [e.strip().lower() for e in response.headers.getlist("Content-Encoding")] != [b"gzip"]:
            return False
        try:
            head = inflate_head(response.body, HEAD_BYTES)
        except zlib.error:
            return False  # let Scrapy's middleware say what is wrong with it
        return b"refresh" not in head.lower()
