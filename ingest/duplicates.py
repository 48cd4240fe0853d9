"""Which articles of a selection repeat another one, for ``ingest export --exclude-duplicates``.

Storage already refuses a second copy of exactly the same text at crawl time, so what remains in
a database are copies that differ a little: the same story under two canonical URLs with an
extra "Updated" line, a wire story syndicated by two sources, a text whose correction made it
equal to another. Two articles are duplicates when they have the same text (content hash), or the
same headline and texts that overlap almost entirely (word 4-shingles, containment >= 0.8, so a
shortened copy counts too). Of each group the most complete copy is kept (most words, then the
first seen, then the smallest URL), which makes the choice reproducible.

Memory stays bounded: candidates are grouped by SQLite (index on ``content_hash``; an ORDER BY on
the normalised headline that SQLite sorts on disk when large) and only one group's texts are held
at a time. The result is the set of rowids to skip, which grows with the duplicates only.
"""

from __future__ import annotations

import sqlite3
import zlib
from collections.abc import Iterator
from itertools import groupby
from typing import Any

from ingest.article import WORD

#: Share of the shorter text's shingles found in the other text for two texts to be duplicates.
CONTAINMENT = 0.8
#: Distinct copies compared per headline; beyond it, same-titled articles are taken as distinct
#: (recurring headlines such as "Morning briefing" are different articles).
MAX_KEPT_PER_TITLE = 50


def title_key(title: str | None) -> str | None:
    """Casefolded words of a headline: punctuation, case and spacing do not matter."""
    if not title:
        return None
    words = WORD.findall(title.casefold())
    return " ".join(words) if len(words) >= 3 else None  # "Live", "Briefing" say too little


def shingles(text: str, size: int = 4) -> set[int]:
    """Hashes of the word ``size``-grams of ``text`` (crc32: stable across processes)."""
    words = WORD.findall(text.casefold())
    if len(words) < size:
        return {zlib.crc32(" ".join(words).encode())}
    return {
        zlib.crc32(" ".join(words[i : i + size]).encode()) for i in range(len(words) - size + 1)
    }


def similar(a: set[int], b: set[int]) -> bool:
    """True when the smaller shingle set is (almost) contained in the larger one."""
    small, large = (a, b) if len(a) <= len(b) else (b, a)
    return bool(small) and len(small & large) >= CONTAINMENT * len(small)


def duplicate_rowids(conn: sqlite3.Connection, where: str, params: list[Any]) -> set[int]:
    """Rowids of the articles matching ``where`` (on ``articles AS a``) that repeat a better
    copy within the same selection."""
    skip = _same_hash(conn, where, params)
    skip |= _same_title(conn, where, params, skip)
    return skip


_PREFERENCE = "a.word_count DESC, a.first_seen, a.url"


def _same_hash(conn: sqlite3.Connection, where: str, params: list[Any]) -> set[int]:
    rows = conn.execute(
        f"SELECT a.content_hash, a.rowid FROM articles AS a WHERE {where} AND a.content_hash IN"
        " (SELECT content_hash FROM articles GROUP BY content_hash HAVING count(*) > 1)"
        f" ORDER BY a.content_hash, {_PREFERENCE}",
        params,
    )
    skip: set[int] = set()
    for _, group in groupby(rows, key=lambda r: r[0]):
        rowids = [rowid for _, rowid in group]
        skip.update(rowids[1:])  # the first, preferred copy stays
    return skip


def _same_title(
    conn: sqlite3.Connection, where: str, params: list[Any], skip: set[int]
) -> set[int]:
    conn.create_function("ingest_title_key", 1, title_key, deterministic=True)
    rows = conn.execute(
        "SELECT ingest_title_key(a.title) AS k, a.rowid FROM articles AS a"
        f" WHERE {where} AND k IS NOT NULL ORDER BY k, {_PREFERENCE}",
        params,
    )
    found: set[int] = set()
    for _, group in groupby(rows, key=lambda r: r[0]):
        rowids = [rowid for _, rowid in group if rowid not in skip]
        if len(rowids) > 1:
            found.update(_cluster(conn, rowids))
    return found


def _cluster(conn: sqlite3.Connection, rowids: list[int]) -> Iterator[int]:
    """Greedy clustering in preference order: a text like a kept one is a duplicate."""
    kept: list[set[int]] = []
    for rowid in rowids:
        (text,) = conn.execute("SELECT text FROM articles WHERE rowid = ?", [rowid]).fetchone()
        marks = shingles(text or "")
        if any(similar(marks, other) for other in kept):
            yield rowid
        elif len(kept) < MAX_KEPT_PER_TITLE:
            kept.append(marks)
