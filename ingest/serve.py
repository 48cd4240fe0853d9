"""Browse a news-ingest database in Datasette, the standard web UI for SQLite.

:func:`metadata` describes the tables and columns, facets articles on source and language, sorts
them newest first and wires the ``articles_fts`` index to the search box; :func:`serve` runs
Datasette on 127.0.0.1 unless another host is given (the database is then readable by anyone
who can reach that address). Datasette opens the file read-only, so serving during a crawl is
safe, and :func:`read_only` answers requests that would write with 405 before Datasette sees
them.
"""

from __future__ import annotations

import asyncio
import socket
import sqlite3
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

from ingest.errors import UserError
from ingest.query import (
    ARTICLE_COLUMN_DOCS,
    TITLE_WEIGHT,
    connect_readonly,
    fts_query,
    is_fts_syntax_error,
    needs_immutable,
)

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8001
#: Methods that read; everything else (POST, PUT, PATCH, DELETE) is refused with 405.
READ_METHODS = ("GET", "HEAD", "OPTIONS")
_REFUSAL = b"405 Method Not Allowed: ingest serve is read-only (it serves GET requests)\n"

ASGIApp = Callable[[dict[str, Any], Callable[..., Any], Callable[..., Any]], Awaitable[None]]

_TABLES: dict[str, dict[str, Any]] = {
    "runs": {
        "description": "One row per crawl: when, which sources, status and outcome counts",
        "sort_desc": "id",
        "facets": ["status"],
        "columns": {
            "status": "running, finished, interrupted, failed ...",
            "sources": "Sources crawled, as a JSON list",
            "dropped": "Pages not stored, by reason (JSON object)",
            "errors": "Pages that failed (HTTP errors, timeouts, blocked ...)",
        },
    },
    "fetch_log": {
        "description": "What became of every URL fetched in every run; nothing is dropped silently",
        "sort_desc": "id",
        "facets": ["outcome", "source"],
        "columns": {
            "outcome": "new, updated, unchanged, not_modified, duplicate, not_article, "
            "paywall, empty, not_html, http_error, blocked, rate_limited, failed ...",
            "detail": "Why, for pages that were not stored",
            "article_url": "Canonical URL of the article the page became",
        },
    },
    "urls": {
        "description": "Every URL ever fetched with its last outcome and HTTP validators "
        "(drives incremental crawls)",
        "facets": ["outcome", "source"],
    },
    "article_versions": {
        "description": "Earlier texts of articles whose text changed",
        "sort_desc": "id",
    },
    "pages": {"description": "Compressed raw HTML of stored articles", "hidden": True},
    # The writer's marker for a batch being indexed: only ever non-empty inside a transaction.
    "articles_fts_pending": {"hidden": True},
}


def metadata(db: str | Path) -> dict[str, Any]:
    """Datasette metadata for ``db``: descriptions, facets, FTS and sort order, and a canned
    ``search`` query with bm25 ranking and highlighted snippets."""
    name = Path(db).stem
    articles = {
        "description": "One row per article, keyed on its canonical URL. The search box "
        "searches titles and texts (full-text index articles_fts).",
        "columns": ARTICLE_COLUMN_DOCS,
        "facets": ["source", "language"],
        "sort_desc": "published_at",
        "fts_table": "articles_fts",
        "fts_pk": "rowid",
        "label_column": "title",
    }
    return {
        "title": "news-ingest",
        "description": "Articles crawled by news-ingest. Search them on the articles table "
        "or with the ranked 'search' query.",
        "databases": {
            name: {
                "tables": {"articles": articles, **_TABLES},
                "queries": {"search": _search_query()},
            }
        },
    }


def _search_query() -> dict[str, Any]:
    return {
        "title": "Search articles (ranked)",
        "description": "Full-text search over title and text, best matches first. "
        "Leave source and language empty for all.",
        "sql": (
            "SELECT a.title, a.source, a.language, a.published_at,"
            " snippet(articles_fts, 1, '[', ']', '…', 24) AS snippet, a.url"
            " FROM articles_fts JOIN articles AS a ON a.rowid = articles_fts.rowid"
            " WHERE articles_fts MATCH ingest_match(:q)"
            " AND (:source = '' OR a.source = :source)"
            " AND (:language = '' OR a.language = :language)"
            f" ORDER BY bm25(articles_fts, {TITLE_WEIGHT}, 1.0) LIMIT 50"
        ),
        "params": ["q", "source", "language"],
    }


def match(words: str | None) -> str:
    """The FTS5 query for words typed in the web search, as ``ingest search`` reads them:
    FTS5 syntax when it is valid, plain words otherwise (``covid-19``, an unbalanced quote, a
    lone AND). No words match nothing (the query page opens before any are typed; ``"`` or
    ``*`` alone hold none): an exception here would be a 400 error on the page."""
    try:
        fts = fts_query(words or "")
        return fts if _valid_fts(fts) else fts_query(words or "", syntax=False)
    except UserError:
        return '""'


def _valid_fts(fts: str) -> bool:
    """Whether SQLite takes ``fts`` as an FTS5 query, tried on an empty table with the same
    columns as articles_fts (so the same syntax errors)."""
    probe = sqlite3.connect(":memory:")
    try:
        probe.execute("CREATE VIRTUAL TABLE t USING fts5(title, text)")
        probe.execute("SELECT 1 FROM t WHERE t MATCH ?", [fts]).fetchall()
    except sqlite3.OperationalError as exc:
        if not is_fts_syntax_error(exc):
            raise
        return False
    finally:
        probe.close()
    return True


class _Functions:
    """Datasette plugin giving every connection :func:`match` as ``ingest_match()``."""

    @staticmethod
    def prepare_connection(conn: sqlite3.Connection) -> None:
        conn.create_function("ingest_match", 1, match, deterministic=True)


def _quiet_client_errors() -> None:
    """Keep a visitor's mistake out of the server's terminal.

    Datasette's default error handler prints a traceback with every local variable (some 180
    lines) for each error it answers, a 404 or a refused statement included, whenever ``rich``
    is installed (it is, for the CLI's tables): a few mistyped URLs buried the terminal, and in
    a pipe nobody read they filled it until the server stopped answering. Without ``rich`` the
    handler answers client errors silently and still prints a plain traceback for a 500.
    """
    import datasette.handle_exception as default_handler

    default_handler.rich = None


def datasette(db: str | Path) -> Any:
    """A configured :class:`datasette.app.Datasette` for ``db`` (checked to be ours first)."""
    from datasette import hookimpl
    from datasette.app import Datasette
    from datasette.plugins import pm

    connect_readonly(db).close()  # missing, not SQLite, not ours: one clear line
    _quiet_client_errors()
    if not pm.has_plugin("ingest-functions"):
        hookimpl(_Functions.prepare_connection)
        pm.register(_Functions, name="ingest-functions")
    immutable = needs_immutable(Path(db))  # a read-only share: as the other readers open it
    return Datasette(
        [] if immutable else [str(db)],
        immutables=[str(db)] if immutable else [],
        metadata=metadata(db),
        settings={
            "truncate_cells_html": 300,
            "default_page_size": 50,
            "sql_time_limit_ms": 5000,
        },
    )


def url_of(db: str | Path, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT) -> str:
    """Address of the articles table once served."""
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/{Path(db).stem}/articles"


def serve(
    db: str | Path,
    *,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    log_level: str = "warning",
) -> None:
    """Serve ``db`` with Datasette until interrupted (Ctrl-C)."""
    import uvicorn

    ds = datasette(db)
    check_port(host, port)
    asyncio.run(ds.invoke_startup())
    app = read_only(table_searches_cleaned(ds.app()))
    config = uvicorn.Config(app, host=host, port=port, log_level=log_level, lifespan="on")
    uvicorn.Server(config).run()


def read_only(app: ASGIApp) -> ASGIApp:
    """``app`` behind a refusal of every request that would write.

    Nothing served here may write (the file is open read-only), yet Datasette 0.65 answers a
    POST to a table, a row or a read-only canned query with a 500 and a traceback in the log;
    a clear 405 with an ``Allow`` header is what a client (or a scanner) should get.
    """

    async def guarded(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["method"] not in READ_METHODS:
            headers = [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"allow", ", ".join(READ_METHODS).encode()),
                (b"content-length", str(len(_REFUSAL)).encode()),
            ]
            await send({"type": "http.response.start", "status": 405, "headers": headers})
            await send({"type": "http.response.body", "body": _REFUSAL})
            return
        await app(scope, receive, send)

    return guarded


def table_searches_cleaned(app: ASGIApp) -> ASGIApp:
    """``app`` with the table searches Datasette cannot run made harmless.

    Datasette 0.65 escapes what is typed in a table's search box into an FTS5 query.
    - A lone ``"`` (or ``""``, or a space) escapes to an empty one: a 400 "fts5: syntax error"
      and a traceback in the server's log. Such a search asks for nothing, so it is dropped and
      the table is shown as for an empty box.
    - A NUL character (``%00``) ends the query early for SQLite, which reads it as a C string:
      a 400 "unterminated string" for any search holding one. It becomes a space, as the
      ranked search query (:func:`ingest.query.fts_query`) reads it.
    Anything else goes through untouched.
    """
    from datasette.utils import escape_fts

    def cleaned_pair(name: str, value: str) -> tuple[str, str] | None:
        if name != "_search" and not name.startswith("_search_"):
            return name, value
        value = value.replace("\x00", " ")
        return (name, value) if escape_fts(value).strip() else None

    async def cleaned(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope.get("query_string"):  # decoded as Datasette does
            pairs = parse_qsl(scope["query_string"].decode("latin-1"), keep_blank_values=True)
            kept = [pair for pair in (cleaned_pair(n, v) for n, v in pairs) if pair]
            if kept != pairs:
                scope = {**scope, "query_string": urlencode(kept).encode("latin-1")}
        await app(scope, receive, send)

    return cleaned


def check_port(host: str, port: int) -> None:
    """Fail with one line before starting when the address cannot be bound (uvicorn would log
    a traceback-like error and exit)."""
    if not 0 < port < 65536:
        raise UserError(f"--port: {port} is not a TCP port; use 1-65535 (default 8001)")
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise UserError(
            f"--host: cannot resolve {host!r} ({exc.strerror}); use an address "
            "such as 127.0.0.1 or 0.0.0.0"
        ) from None
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            raise UserError(
                f"cannot listen on {host}:{port} ({exc.strerror}); pass another --port or --host"
            ) from None
