"""Which part of storing an article grows with the database: the insert trials of
scripts/bench_storage.py with parts of the write path taken away, one variant at a time.

    python scripts/bench_storage_parts.py [--db bench-out/storage-1000000.db] [--trials 3]

Variants (each against a fresh empty database and the big one, in turns, as bench_storage's
trials; after each variant the big database gets its content-hash index and FTS5 settings
back, and the merges the variant skipped; the inserted articles stay, as in bench_storage):

- ``as-is``: the write path as a crawl runs it;
- ``no-hash``: no content-hash index and no duplicate lookup (exact duplicates go unnoticed);
- ``no-merge``: FTS5 merges nothing while storing (``automerge`` 0, ``crisismerge`` 10000);
- ``no-sync``: no fsync (``synchronous = OFF`` on every connection, checkpoints included);
- ``none``: all three taken away: what is left is the depth of every B-tree the row enters.

These variants are measurements, not options of the product: each gives up something a user
relies on (duplicates found, searches over few segments, a database that survives power loss).
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

import bench_storage as bs  # noqa: E402

from ingest import storage  # noqa: E402

VARIANTS = {
    "as-is": (),
    "no-hash": ("hash",),
    "no-merge": ("merge",),
    "no-sync": ("sync",),
    "none": ("hash", "merge", "sync"),
}
HASH_INDEX = "CREATE INDEX IF NOT EXISTS idx_articles_content_hash ON articles (content_hash)"


@contextmanager
def without(parts: tuple[str, ...], big: Path) -> Iterator[None]:
    """Take ``parts`` away from every store opened inside; put ``big`` back afterwards."""
    store_init, duplicate_of, connect = storage.Store.__init__, storage.Store._duplicate_of, None

    def init(self: storage.Store, *args: object, **kwargs: object) -> None:
        store_init(self, *args, **kwargs)
        conn = self.db.conn
        if "hash" in parts:
            conn.execute("DROP INDEX IF EXISTS idx_articles_content_hash")
        if "merge" in parts:
            conn.execute("INSERT INTO articles_fts(articles_fts, rank) VALUES ('automerge', 0)")
            conn.execute(
                "INSERT INTO articles_fts(articles_fts, rank) VALUES ('crisismerge', 10000)"
            )
        if "sync" in parts:
            conn.execute("PRAGMA synchronous = OFF")

    storage.Store.__init__ = init  # type: ignore[method-assign]
    if "hash" in parts:
        storage.Store._duplicate_of = lambda self, content_hash, url: None  # type: ignore[method-assign]
    if "sync" in parts:
        connect = sqlite3.connect

        def unsynced(*args: object, **kwargs: object) -> sqlite3.Connection:
            conn = connect(*args, **kwargs)
            conn.execute("PRAGMA synchronous = OFF")
            return conn

        sqlite3.connect = unsynced  # type: ignore[assignment]
    try:
        yield
    finally:
        storage.Store.__init__ = store_init  # type: ignore[method-assign]
        storage.Store._duplicate_of = duplicate_of  # type: ignore[method-assign]
        if connect is not None:
            sqlite3.connect = connect
        _restore(big, parts)


def _restore(big: Path, parts: tuple[str, ...]) -> None:
    """Give ``big`` back what ``parts`` took away. Also run before the first variant, with
    every part: a run cut short here (Ctrl-C, a crash) must not leave the shared benchmark
    database without its index or merges for every later figure."""
    conn = sqlite3.connect(big, isolation_level=None)
    try:
        if "hash" in parts:
            conn.execute(HASH_INDEX)
        if "merge" in parts and _merges_off(conn):
            conn.execute("INSERT INTO articles_fts(articles_fts, rank) VALUES ('automerge', 16)")
            conn.execute("DELETE FROM articles_fts_config WHERE k = 'crisismerge'")
            # The skipped merges only: merge levels of 16 segments, as automerge 16 would,
            # not of 4 (the default of 'usermerge'), so the next variant starts alike.
            conn.execute("INSERT INTO articles_fts(articles_fts, rank) VALUES ('usermerge', 16)")
            while True:
                before = conn.total_changes
                conn.execute("INSERT INTO articles_fts(articles_fts, rank) VALUES ('merge', 2000)")
                if conn.total_changes - before < 2:
                    break
            conn.execute("DELETE FROM articles_fts_config WHERE k = 'usermerge'")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()


def _merges_off(conn: sqlite3.Connection) -> bool:
    config = dict(conn.execute("SELECT k, v FROM articles_fts_config").fetchall())
    return config.get("automerge") == 0 or config.get("crisismerge") == 10000


def trial(big: Path, number: int) -> dict[str, dict[str, float]]:
    """One bench_storage insert trial of 4,500 new articles into an empty database and ``big``."""
    html_gz = bs.sample_page_gz()
    held = bs.article_count(big)
    results = bs.fresh_results(
        4500, 10 * held + number * 4500, html_gz, "dated", bs.newest_published(big)
    )
    with tempfile.TemporaryDirectory(prefix="ingest-parts-") as tmp:
        return bs.insert_cost({"empty": Path(tmp) / "empty.db", "big": big}, results)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Storage cost by part (see module doc).")
    parser.add_argument("--db", default=str(ROOT / "bench-out" / "storage-1000000.db"))
    parser.add_argument("--trials", type=int, default=3)
    parser.add_argument("--variants", nargs="*", default=list(VARIANTS), choices=list(VARIANTS))
    args = parser.parse_args(argv)
    big = Path(args.db)
    if not big.exists():
        raise SystemExit(f"{big}: no such database; build it with scripts/bench_storage.py first")
    storage.Store(big).close()  # migrations first
    _restore(big, ("hash", "merge"))  # a run cut short while a variant was on
    held = bs.article_count(big)
    print(f"storage parts: {held:,} articles in {big}; µs per article, medians of the trials")
    print(f"  {'variant':<10}{'empty':>8}{'big':>8}{'ratio':>7}{'CPU ratio':>11}   trials")
    for name in args.variants:
        ratios, cpu_ratios, empty, full = [], [], [], []
        with without(VARIANTS[name], big):
            for number in range(args.trials):
                got = trial(big, number)
                empty.append(got["empty"]["mean_us"])
                full.append(got["big"]["mean_us"])
                ratios.append(round(got["big"]["mean_us"] / got["empty"]["mean_us"], 2))
                cpu_ratios.append(round(got["big"]["cpu_us"] / got["empty"]["cpu_us"], 2))
        print(
            f"  {name:<10}{statistics.median(empty):>8.1f}{statistics.median(full):>8.1f}"
            f"{statistics.median(ratios):>7.2f}{statistics.median(cpu_ratios):>11.2f}   {ratios}",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
