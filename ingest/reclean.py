"""Re-extraction: run today's extraction and cleaning rules over the raw pages stored earlier.

Crawls keep each stored article's HTML, gzip-compressed, in the ``pages`` table (setting
``INGEST_KEEP_RAW_HTML``, on by default). When the rules improve, ``ingest reclean`` re-runs
:func:`ingest.process.process_page` (the very function a crawl uses) over those pages in a process
pool, with no network, and updates the articles whose record changed:

- a changed text is a new version: the previous text goes to ``article_versions`` (with the time
  it was first seen and the time it was replaced), as when a crawl finds an edited article;
- changed metadata only (title, authors, dates, language ...) is updated in place;
- a page the new rules no longer take for an article is reported and left as it is: deleting
  stored data because a rule regressed would lose it.

It takes the database's write lock, so it never races a crawl over the same articles.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ingest.errors import UserError
from ingest.lock import DbLock
from ingest.process import process_page
from ingest.query import connect_readonly
from ingest.sources import DEFAULT_SOURCES_FILE, Source, load_sources
from ingest.storage import ARTICLE_COLUMNS, Store, now_iso
from ingest.workers import extraction_pool

log = logging.getLogger(__name__)

#: Columns re-extraction may change in place (the key, source and crawl times stay).
_METADATA = (
    "title",
    "authors",
    "published_at",
    "modified_at",
    "language",
    "description",
    "section",
    "tags",
    "image",
    "site_name",
)


@dataclass
class RecleanReport:
    """What a re-extraction did; ``changed`` counts articles whose text changed."""

    pages: int = 0
    changed: int = 0  # new text: a new version, the old one kept in article_versions
    metadata: int = 0  # same text, other fields updated in place
    unchanged: int = 0
    not_article: int = 0  # the new rules drop the page: reported, row kept
    errors: int = 0
    changed_urls: list[str] = field(default_factory=list)
    dropped_urls: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"{self.pages} stored pages re-extracted: {self.changed} articles changed "
            f"(new text), {self.metadata} with new metadata only, {self.unchanged} unchanged, "
            f"{self.not_article} no longer taken for articles (kept), {self.errors} errors"
        )


def reclean(
    db: str | Path,
    *,
    sources: list[str] | None = None,
    sources_file: str | Path | None = None,
    workers: int | None = None,
    dry_run: bool = False,
    batch: int = 200,
    progress: Callable[[RecleanReport], None] | None = None,
) -> RecleanReport:
    """Re-extract the stored pages of ``sources`` (all when None) in ``db``; return a report."""
    connect_readonly(db).close()  # missing, not SQLite, not ours: one line, before migrating
    configs = _source_configs(sources_file)
    # A dry run writes nothing: it reads as `ingest stats` does (no lock, no migration), so it
    # also previews a database on a read-only share or one a crawl is writing.
    guard = contextlib.nullcontext() if dry_run else DbLock(db)
    with guard, extraction_pool(workers) as pool:
        store = Store(db, readonly=dry_run)
        try:
            _check_pages(store, sources)
            report = RecleanReport()
            for chunk in _chunks(store, sources, batch):
                pages = [_page(row, configs.get(row["source"])) for row in chunk]
                results = list(pool.map(process_page, pages, chunksize=max(1, len(pages) // 32)))
                _apply(store, chunk, results, report, dry_run)
                if progress is not None:
                    progress(report)
            return report
        finally:
            store.close()


def _source_configs(path: str | Path | None) -> dict[str, Source]:
    """Per-source cleaning rules and default language. The default sources file is optional
    (a database may be copied elsewhere); one named with --sources must load."""
    if path is None:
        path = DEFAULT_SOURCES_FILE
        if not Path(path).exists():
            return {}
    return load_sources(path)


def _check_pages(store: Store, sources: list[str] | None) -> None:
    where, params = _source_filter(sources)
    if sources:
        known = {r[0] for r in store.db.execute("SELECT DISTINCT source FROM articles")}
        missing = sorted(set(sources) - known)
        if missing:
            raise UserError(
                f"{store.path}: no articles of source {', '.join(missing)}; "
                f"sources in this database: {', '.join(sorted(known)) or 'none'}"
            )
    count = store.db.execute(
        f"SELECT count(*) FROM pages p JOIN articles a ON a.url = p.url {where}", params
    ).fetchone()[0]
    if count == 0:
        raise UserError(
            f"{store.path}: no stored pages to re-extract; crawls keep them unless "
            "INGEST_KEEP_RAW_HTML is off (then re-crawl with `ingest crawl --refetch`)"
        )


def _source_filter(sources: list[str] | None) -> tuple[str, list[Any]]:
    if not sources:
        return "", []
    return f"WHERE a.source IN ({', '.join('?' * len(sources))})", list(sources)


def _chunks(store: Store, sources: list[str] | None, batch: int) -> Iterator[list[dict]]:
    """Stored pages with their article rows, ``batch`` at a time, by rowid (keyset paging:
    no read transaction stays open while the chunk's updates are written)."""
    where, params = _source_filter(sources)
    where = (where + " AND" if where else "WHERE") + " p.rowid > ?"
    last = 0
    while True:
        cursor = store.db.execute(
            f"SELECT p.rowid AS page_rowid, p.fetched_url, p.html_gz, a.* FROM pages p "
            f"JOIN articles a ON a.url = p.url {where} ORDER BY p.rowid LIMIT ?",
            [*params, last, batch],
        )
        names = [c[0] for c in cursor.description]
        rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
        if not rows:
            return
        last = rows[-1]["page_rowid"]
        yield rows


def _page(row: dict[str, Any], source: Source | None) -> dict[str, Any]:
    """The input :func:`process_page` gets during a crawl, rebuilt from storage."""
    return {
        "url": row["fetched_url"] or row["url"],
        "source": row["source"],
        "body": gzip.decompress(row["html_gz"]),
        "content_type": "text/html; charset=utf-8",  # pages are stored decoded, as UTF-8
        "status": 200,
        "language": source.language if source else None,
        "drop": source.clean_drop if source else (),
        "keep": source.clean_keep if source else (),
        "keep_raw": False,
    }


def _apply(
    store: Store,
    rows: list[dict[str, Any]],
    results: list[dict[str, Any]],
    report: RecleanReport,
    dry_run: bool,
) -> None:
    """Compare each new record with the stored row and write the differences, one transaction."""
    stamp = now_iso()
    conn = store.db.conn
    with contextlib.nullcontext() if dry_run else conn:
        if not dry_run:
            conn.execute("BEGIN IMMEDIATE")
        for row, result in zip(rows, results, strict=True):
            report.pages += 1
            verdict = _judge(row, result)
            if verdict == "changed":
                report.changed += 1
                report.changed_urls.append(row["url"])
                if not dry_run:
                    _new_version(store, row, result["article"], stamp)
            elif verdict == "metadata":
                report.metadata += 1
                if not dry_run:
                    _update_metadata(store, row, result["article"])
            elif verdict == "unchanged":
                report.unchanged += 1
            elif verdict == "extract_error":
                report.errors += 1
            else:
                report.not_article += 1
                report.dropped_urls.append(row["url"])
                log.warning("%s: now judged %s (%s); kept", row["url"], verdict, result["detail"])


def _judge(row: dict[str, Any], result: dict[str, Any]) -> str:
    article = result.get("article")
    if article is None:
        return result["outcome"]
    if article["content_hash"] != row["content_hash"]:
        return "changed"
    fresh = _columns(article)
    if any(fresh[k] != row[k] for k in _METADATA):
        return "metadata"
    return "unchanged"


def _columns(article: dict[str, Any]) -> dict[str, Any]:
    """An extracted record in the shape of an ``articles`` row (lists as JSON)."""
    row = {k: article.get(k) for k in ARTICLE_COLUMNS if k in article}
    row["authors"] = json.dumps(article.get("authors") or [], ensure_ascii=False)
    row["tags"] = json.dumps(article.get("tags") or [], ensure_ascii=False)
    return row


def _new_version(store: Store, row: dict[str, Any], article: dict[str, Any], stamp: str) -> None:
    store.db["article_versions"].insert(
        {
            "url": row["url"],
            "version": row["version"],
            "title": row["title"],
            "text": row["text"],
            "content_hash": row["content_hash"],
            "first_seen": row["last_changed"] or row["first_seen"],
            "replaced_at": stamp,
        }
    )
    fresh = _columns(article)
    update = {k: fresh.get(k) for k in (*_METADATA, "text", "word_count", "content_hash")}
    update.update(last_changed=stamp, version=(row["version"] or 1) + 1)
    store.db["articles"].update(row["url"], update)


def _update_metadata(store: Store, row: dict[str, Any], article: dict[str, Any]) -> None:
    fresh = _columns(article)
    store.db["articles"].update(row["url"], {k: fresh.get(k) for k in _METADATA})
