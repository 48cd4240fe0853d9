"""Storage micro-benchmark: does storing get slower as the database grows, and is search fast?

    python scripts/bench_storage.py [--rows 1000000] [--db bench-out/storage-1000000.db]

1. Builds (once; reused afterwards) a database holding ``--rows`` articles with the real schema
   (``ingest.storage`` migrations, FTS5 triggers included), plus the ``urls``, ``fetch_log``
   and ``pages`` rows a crawl leaves behind. Rows go in with ``executemany`` in large
   transactions: building it through the crawler would take hours and measure nothing new.
2. Inserts the same fresh articles, through the crawl's own writer (``BatchWriter``, one per
   database for a trial, as a crawl has one) in turns, into an empty database and into the big
   one, and prints the time per article for both (committed and checkpointed into the file)
   and their ratio, ``--repeat`` times. The fresh articles are what a later crawl of the same
   sites brings: published in the week after the newest stored one (each trial after the
   previous), at URLs of the same sites (``--urls dated``: /source/YYYY/MM/DD/story-N, next to
   each other at the end of each site's URLs; ``--urls random``: at random places among the
   stored URLs, like sites whose URLs carry no date).
   Their texts, hence content hashes, are new. They stay in the big database, which grows by
   ``--repeat`` x ``--inserts`` articles a run, as it would under a crawl: removing them would
   leave FTS5 delete markers that the next run's inserts then pay to merge, which no crawl
   does (``--remove-inserted`` removes them all the same, by rowid). A middle database
   (``--mid-rows``, 100,000 articles, built once like the big one; its inserted articles stay
   too) takes the same turns: an empty database keeps each index in a few pages that every
   batch shares, while from about a hundred thousand articles on each article writes its own
   leaf of the content-hash index; big/middle shows whether storing still slows down as the
   database grows past that.
3. Times ``ingest.query.search`` (the library behind ``ingest search``) on the big database for
   a few typical queries, with the plan it chose, and the ``ingest search`` command (Python
   start-up included).
4. Crawls the benchmark's news site (``scripts/bench.py``'s 3,000 articles, served on
   127.0.0.1) with ``ingest crawl`` into an empty database and into the big one, in turns,
   ``--crawl-rounds`` times each, and prints pages per second and CPU per page of both: what a
   user sees of the database's size in a whole crawl, where storing is one part of the work.
   Each round crawls a site built for it (new URLs and texts), whose articles stay in the big
   database as a scheduled run's would. ``--crawl-only`` runs these rounds alone.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import os
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ingest.storage import PageResult, Store  # noqa: E402
from ingest.writer import BatchWriter  # noqa: E402

SOURCES = ("harbor-ledger", "rheinblick", "fieldnotes", "metro-daily", "coastal-times")
LANGS = ("en", "en", "en", "de", "fr")
_FUNCTION_TEXT = """the of and to in a is that for on said was with as by it at from his an were are
which this be has have had not but after its they who their been also will would more than"""
#: Real words at the head of the content vocabulary, so queries read like news searches.
_NEWS_TEXT = """council government minister police court city school hospital budget election
company market report water energy housing transport railway harbour ferry bridge flood climate
tariff pension strike union vaccine museum stadium festival drought wildfire glacier refinery
lighthouse orchestra satellite archive courthouse reservoir vineyard quarry tunnel airport
turbine tram mayor treaty inflation parliament protest verdict"""
FUNCTION_WORDS = _FUNCTION_TEXT.split()
NEWS_WORDS = _NEWS_TEXT.split()
SYLLABLES = ("ka", "lo", "mi", "ra", "ten", "vor", "sul", "bri", "den", "qua", "zel", "pon")
SYLLABLES += ("tu", "shi", "gam", "ev")


def _rare_word(rng: random.Random) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4)))


class TextMaker:
    """Article texts of about 250-700 words from a fixed pool of paragraphs: fast, repeatable.

    Content words follow a Zipf law over a 30,000-word vocabulary, so document frequencies
    look like real news (a few words in a tenth of the articles, most in very few), and one
    word in three is a function word that every article has."""

    def __init__(self, seed: int = 7, pool: int = 20000) -> None:
        rng = random.Random(seed)
        tail = list(dict.fromkeys(_rare_word(rng) for _ in range(40000)))
        self.vocab = NEWS_WORDS + [w for w in tail if w not in NEWS_WORDS][:30000]
        weights = [1 / (rank + 200) for rank in range(len(self.vocab))]
        cum, total = [], 0.0
        for w in weights:
            total += w
            cum.append(total)
        self.paragraphs = [self._paragraph(rng, cum) for _ in range(pool)]

    def _paragraph(self, rng: random.Random, cum: list[float]) -> str:
        n = rng.randint(40, 110)
        content = rng.choices(self.vocab, cum_weights=cum, k=n)
        words = [rng.choice(FUNCTION_WORDS) if rng.random() < 0.35 else w for w in content]
        words[0] = words[0].capitalize()
        return " ".join(words) + "."

    def text(self, i: int) -> str:
        rng = random.Random(i)
        paras = [rng.choice(self.paragraphs) for _ in range(rng.randint(4, 7))]
        return "\n\n".join(paras) + f"\n\nReference {i}."  # unique: distinct content hashes

    def doc_frequencies(self) -> dict[str, float]:
        """Share of articles that contain each word (from the pool: 5.5 paragraphs a text)."""
        counts: Counter[str] = Counter()
        for paragraph in self.paragraphs:
            counts.update(set(paragraph.lower().rstrip(".").split()))
        n = len(self.paragraphs)
        return {w: 1 - (1 - k / n) ** 5.5 for w, k in counts.items()}

    def word_near(self, share: float) -> str:
        """A content word found in about ``share`` of the articles."""
        freqs = self.doc_frequencies()
        return min(self.vocab, key=lambda w: abs(freqs.get(w, 0.0) - share))


def article(i: int, texts: TextMaker, prefix: str = "https://news.example") -> dict[str, Any]:
    """Article ``i`` as the crawl stores it (the dict ``process_page`` produces)."""
    text = texts.text(i)
    source = SOURCES[i % len(SOURCES)]
    day = 1 + i % 28
    return {
        "url": f"{prefix}/{source}/2023/{1 + i % 12:02d}/{day:02d}/story-{i}",
        "title": f"Story {i}: " + " ".join(text.split()[1:7]),
        "authors": ["Ana Example"],
        "published_at": f"2023-{1 + i % 12:02d}-{day:02d}T{i % 24:02d}:00:00+00:00",
        "modified_at": None,
        "language": LANGS[i % len(LANGS)],
        "description": text[:160],
        "section": "News",
        "tags": ["city"],
        "image": None,
        "site_name": source,
        "text": text,
        "word_count": len(text.split()),
        "content_hash": hashlib.sha1(text.encode()).hexdigest(),
        "fetched_url": None,
        "source": source,
    }


# -- building the big database ----------------------------------------------------------------


def build_big(path: Path, rows: int, batch: int = 20000) -> float:
    """Create ``path`` with ``rows`` articles (and their crawl rows); return seconds taken."""
    tmp = path.with_suffix(".building")
    for leftover in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
        leftover.unlink(missing_ok=True)
    start = time.monotonic()
    Store(tmp).close()  # the real schema, by the real migrations
    conn = sqlite3.connect(tmp, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("PRAGMA cache_size = -400000")
    # A 64 MB pending-terms buffer while building (FTS5 flushes a segment each time it fills);
    # put back to FTS5's default afterwards so the measured inserts see the usual setting.
    conn.execute("INSERT INTO articles_fts(articles_fts, rank) VALUES ('hashsize', 67108864)")
    conn.execute(
        "INSERT INTO runs (id, started_at, finished_at, status) VALUES (1, ?, ?, 'finished')",
        ["2023-01-01T00:00:00+00:00", "2023-12-31T00:00:00+00:00"],
    )
    texts = TextMaker()
    for first in range(0, rows, batch):
        _insert_chunk(conn, [article(i, texts) for i in range(first, min(rows, first + batch))])
        done = min(rows, first + batch)
        if done % 100000 == 0 or done == rows:
            print(f"  {done:,} articles ({time.monotonic() - start:.0f} s)", flush=True)
    conn.execute("INSERT INTO articles_fts(articles_fts, rank) VALUES ('hashsize', 1048576)")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.execute("ANALYZE")
    conn.close()
    os.replace(tmp, path)
    return time.monotonic() - start


def _insert_chunk(conn: sqlite3.Connection, arts: list[dict[str, Any]]) -> None:
    stamp = "2023-12-31T00:00:00+00:00"
    cols = [c for c in arts[0] if c not in ("authors", "tags")] + ["authors", "tags"]
    article_rows = [
        [*(a[c] for c in cols[:-2]), json.dumps(a["authors"]), json.dumps(a["tags"])] for a in arts
    ]
    extra = ["first_seen", "last_fetched", "last_changed", "version"]
    conn.execute("BEGIN")
    conn.executemany(
        f"INSERT INTO articles ({', '.join(cols + extra)}) "
        f"VALUES ({', '.join('?' * (len(cols) + len(extra)))})",
        [[*r, stamp, stamp, stamp, 1] for r in article_rows],
    )
    conn.executemany(
        "INSERT INTO urls (url, source, article_url, outcome, http_status, first_seen,"
        " last_fetched) VALUES (?, ?, ?, 'new', 200, ?, ?)",
        [[a["url"], a["source"], a["url"], stamp, stamp] for a in arts],
    )
    conn.executemany(
        "INSERT INTO fetch_log (run_id, url, source, http_status, outcome, article_url,"
        " fetched_at) VALUES (1, ?, ?, 200, 'new', ?, ?)",
        [[a["url"], a["source"], a["url"], stamp] for a in arts],
    )
    conn.executemany(
        "INSERT INTO pages (url, fetched_url, encoding, html_gz, fetched_at) "
        "VALUES (?, ?, 'utf-8', ?, ?)",
        [[a["url"], a["url"], b"", stamp] for a in arts],
    )
    conn.execute("COMMIT")


# -- insert cost --------------------------------------------------------------------------------


def fresh_results(
    count: int, offset: int, html_gz: bytes, urls: str = "dated", after: str = "2023-12-31"
) -> list[PageResult]:
    """``count`` new articles (numbered from ``offset``: not in the big database), published in
    the week after the day ``after`` (the newest stored article's: a later crawl brings news,
    not more of a week already stored), at URLs of the stored sites (see module doc)."""
    texts = TextMaker()
    rng = random.Random(offset)
    first = date.fromisoformat(after[:10]) + timedelta(days=1)
    out = []
    for n, i in enumerate(range(offset, offset + count)):
        art = article(i, texts)
        day = first + timedelta(days=n * 7 // count)
        art["published_at"] = f"{day.isoformat()}T{n % 24:02d}:{n % 60:02d}:00+00:00"
        if urls == "random":
            place = f"2023/{rng.randint(1, 12):02d}/{rng.randint(1, 28):02d}"
            slug = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(10))
            art["url"] = f"https://news.example/{art['source']}/{place}/{slug}-{i}"
        else:
            art["url"] = f"https://news.example/{art['source']}/{day:%Y/%m/%d}/story-{i}"
        out.append(
            PageResult(
                url=art["url"],
                source=art["source"],
                outcome="new",
                http_status=200,
                article=art,
                html_gz=html_gz,
                encoding="utf-8",
            )
        )
    return out


def sample_page_gz() -> bytes:
    """The raw page stored with every inserted article (its size does not vary between trials)."""
    return gzip.compress(b"<html><body>" + b"<p>page</p>" * 4000 + b"</body></html>")


def newest_published(path: Path) -> str:
    """The newest ``published_at`` stored in ``path`` (the day fresh articles come after)."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return conn.execute("SELECT max(published_at) FROM articles").fetchone()[0] or "2023-12-31"
    finally:
        conn.close()


def insert_cost(
    paths: dict[str, Path], results: list[PageResult], rounds: int = 8
) -> dict[str, dict[str, float]]:
    """Store ``results`` into each database through the crawl's own writer (``BatchWriter``,
    batches of 200, one writer per database for the whole trial, as a crawl has one):
    microseconds per article, per database.

    The databases take turns, round by round and in alternating order, so that whatever else
    runs on the machine slows both alike. A round is timed until its articles are committed
    (``flush``) and copied from the WAL into the database file (a checkpoint, which a crawl's
    background checkpointer does): writes scattered over a large file cost there. The first
    round is a warm-up, not counted: it reads the big database's index pages into the
    writer's cache once, as the first seconds of a crawl do. ``cpu_us`` is the CPU time of
    the whole process (writer and checkpointer threads) during the counted rounds;
    ``committed_us`` leaves the checkpoint out (what the crawl itself waits for)."""
    writers, checkpoints = {}, {}
    for name, path in paths.items():
        store = Store(path)
        run_id = store.start_run(["bench-storage"])
        store.close()
        writers[name] = BatchWriter(path, run_id, batch_size=200, linger=0)
        checkpoints[name] = sqlite3.connect(path, isolation_level=None)
    per_round = -(-len(results) // (rounds + 1))
    times: dict[str, list[float]] = {name: [] for name in paths}
    committed: dict[str, list[float]] = {name: [] for name in paths}
    cpu: dict[str, float] = dict.fromkeys(paths, 0.0)
    try:
        for number, first in enumerate(range(0, len(results), per_round)):
            chunk = results[first : first + per_round]
            order = list(paths) if number % 2 == 0 else list(reversed(paths))
            for name in order:
                start, start_cpu = time.perf_counter(), time.process_time()
                for result in chunk:
                    writers[name].put(PageResult(**result.to_dict()))
                writers[name].flush()
                flushed = time.perf_counter()
                checkpoints[name].execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
                if number:
                    times[name].append((time.perf_counter() - start) / len(chunk))
                    committed[name].append((flushed - start) / len(chunk))
                    cpu[name] += time.process_time() - start_cpu
    finally:
        counts = {name: writer.close() for name, writer in writers.items()}
        for conn in checkpoints.values():
            conn.close()
    for name, got in counts.items():
        if got.get("new", 0) != len(results):
            raise RuntimeError(f"{name}: expected only new articles, got {dict(got)}")
    counted = len(results) - per_round
    return {
        name: {
            "mean_us": round(statistics.fmean(t) * 1e6, 1),
            "median_us": round(statistics.median(t) * 1e6, 1),
            "worst_round_us": round(max(t) * 1e6, 1),
            "committed_us": round(statistics.fmean(committed[name]) * 1e6, 1),
            "cpu_us": round(cpu[name] / counted * 1e6, 1),
        }
        for name, t in times.items()
    }


_FRESH_TABLES = ("articles", "pages", "urls", "fetch_log", "runs")


def row_marks(path: Path) -> dict[str, int]:
    """The largest rowid of each table a crawl writes to: later rows are the fresh ones."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return {
            t: int(conn.execute(f"SELECT max(rowid) FROM {t}").fetchone()[0] or 0)
            for t in _FRESH_TABLES
        }
    finally:
        conn.close()


def remove_fresh(path: Path, marks: dict[str, int]) -> None:
    """Take the inserted articles out again, so the big database stays at its size."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("BEGIN")
    for table in _FRESH_TABLES:
        conn.execute(f"DELETE FROM {table} WHERE rowid > ?", [marks[table]])
    conn.execute("COMMIT")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()


# -- search latency ---------------------------------------------------------------------------


def queries(texts: TextMaker) -> list[tuple[str, dict[str, Any]]]:
    """Typical searches, from a word in a quarter of the articles to one in a thousandth."""
    phrase = " ".join(texts.paragraphs[0].lower().split()[3:5])
    return [
        ("council", {}),  # in about a quarter of the articles: ranks a huge posting list
        (texts.word_near(0.01), {}),  # in about 1 article in 100
        (texts.word_near(0.001), {}),  # in about 1 in 1,000
        ("harbour ferry", {}),  # two common words, both required
        (f'"{phrase}"', {}),  # a phrase
        ("glacier", {"sources": "rheinblick", "since": "2023-06-01"}),  # with filters
        ("harb*", {}),  # a prefix
        ("glacier", {"newest": True}),  # newest first instead of best match
        ("glacier", {"languages": "de"}),  # a filter no index answers
        ("glacier", {"since": "2023-01-01"}),  # a filter nearly every article passes
        ("council", {"sources": "rheinblick", "newest": True}),  # newest of one source
        (texts.word_near(0.001), {"newest": True}),  # newest of a rare word
    ]


def search_latency(path: Path, repeat: int = 5) -> list[dict[str, Any]]:
    """Milliseconds per query: the first run and the median of the following ones."""
    search = _search_function()
    out = []
    for words, options in queries(TextMaker()):
        timings = []
        hits = 0
        for _ in range(repeat + 1):
            start = time.perf_counter()
            hits = len(search(path, words, **options))
            timings.append((time.perf_counter() - start) * 1000)
        label = words + "".join(
            f" --{k}" if v is True else f" --{k} {v}" for k, v in options.items()
        )
        out.append(
            {
                "query": label,
                "plan": _plan_name(path, words, options),
                "hits": hits,
                "first_ms": round(timings[0], 1),
                "median_ms": round(statistics.median(timings[1:]), 1),
            }
        )
    return out


def _plan_name(path: Path, words: str, options: dict[str, Any]) -> str:
    """The plan ``ingest.query.search`` chose (see ``ingest.query.choose_plan``)."""
    try:
        from ingest.query import Filters, choose_plan, connect_readonly, fts_query
    except ImportError:
        return "?"
    filters = Filters.build(
        sources=options.get("sources"),
        languages=options.get("languages"),
        since=options.get("since"),
        until=options.get("until"),
        limit=20,
    )
    conn = connect_readonly(path)
    try:
        return choose_plan(conn, fts_query(words), filters, bool(options.get("newest"))).name
    finally:
        conn.close()


def _search_function() -> Any:
    """``ingest.query.search`` when present; else the equivalent raw FTS5 statement."""
    try:
        from ingest.query import search

        return search
    except ImportError:

        def raw(path: Path, words: str, **_: Any) -> list[Any]:
            conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
            try:
                return conn.execute(
                    "SELECT a.url, a.title FROM articles_fts JOIN articles a"
                    " ON a.rowid = articles_fts.rowid WHERE articles_fts MATCH ?"
                    " ORDER BY bm25(articles_fts) LIMIT 20",
                    [words],
                ).fetchall()
            finally:
                conn.close()

        return raw


def cli_search_ms(path: Path, words: str = "harbour ferry", repeat: int = 3) -> float:
    """``ingest search`` as a user runs it: a new process, start-up included (median)."""
    timings = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "ingest", "search", words, "--db", str(path), "--limit", "10"],
            check=True,
            capture_output=True,
            cwd=ROOT,
        )
        timings.append((time.perf_counter() - start) * 1000)
    return round(statistics.median(timings), 1)


# -- the whole micro-benchmark --------------------------------------------------------------------


# -- a whole crawl ------------------------------------------------------------------------------


def crawl_cost(
    big: Path, rounds: int = 3, articles: int = 3000, port: int = 8731
) -> dict[str, Any]:
    """``ingest crawl`` of a benchmark news site (scripts/bench.py, served by nginx when
    installed) into an empty database and into ``big``, in turns: what a user sees of the
    database's size, start-up included (the writer reads the content-hash index into its
    cache, and every sitemap entry is looked up among a million stored URLs).

    Each round builds a site of its own (a generator seed not used before on ``big``: new
    URLs, new texts), which both databases crawl; its articles stay in ``big``, as the next
    scheduled run's would. Taking a crawl's rows out again instead would leave scattered free
    pages and full-text delete markers that the next round pays for and no crawl meets."""
    import bench  # scripts/bench.py: the site's sources entry

    out = big.parent / "storage-crawl"
    out.mkdir(parents=True, exist_ok=True)
    sources = out / "sources.toml"
    runs: dict[str, list[dict[str, Any]]] = {"empty": [], "big": []}
    first_seed = 1_000_000 + article_count(big)  # grows with every run: a new site each round
    for number in range(rounds):
        with _round_site(out, articles, first_seed + number, port) as base:
            sources.write_text(bench.sources_entry(base))
            for name in ("empty", "big") if number % 2 == 0 else ("big", "empty"):
                runs[name].append(_crawl_round(name, big, out, sources))
                print(f"  round {number + 1} {name}: {runs[name][-1]['pages_per_s']} pages/s")
    return _crawl_figures(runs)


@contextmanager
def _round_site(out: Path, articles: int, seed: int, port: int) -> Iterator[str]:
    """Build the site of one crawl round, serve it, yield its origin; remove it afterwards."""
    import bench  # scripts/bench.py: the site, its server and the measured run

    site = out / f"site-{seed}"
    try:
        bench.ensure_site(site, articles, "wordpress", seed, f"http://{bench.HOST}:{port}", True)
        with bench.serving(site, "auto", port) as (base, server, _cpu):
            print(f"storage: crawling {site} ({server}) into an empty database and the big one")
            yield base
    finally:
        shutil.rmtree(site, ignore_errors=True)


def _crawl_round(name: str, big: Path, out: Path, sources: Path) -> dict[str, Any]:
    """One measured crawl into a fresh database (``empty``) or into ``big``."""
    import bench

    db = out / "empty.db" if name == "empty" else big
    if name == "empty":
        bench._remove_db(db)
    marks = row_marks(db) if db.exists() else dict.fromkeys(_FRESH_TABLES, 0)
    cmd = [
        sys.executable,
        "-m",
        "ingest",
        "crawl",
        "bench",
        "--sources",
        str(sources),
        "--db",
        str(db),
    ]
    figures = bench.measured(f"crawl-{name}", cmd, out)
    fetched = bench._scalar(
        db,
        f"SELECT count(*) FROM fetch_log WHERE id > {marks['fetch_log']}"
        " AND outcome IN ('new', 'updated', 'unchanged', 'duplicate')",  # a URL an earlier site had
    )
    return {
        "pages": fetched,
        "wall_s": figures["wall_s"],
        "pages_per_s": round(fetched / figures["wall_s"], 1),
        "cpu_ms_per_page": round(1000 * figures["cpu_s"] / max(1, fetched), 2),
        "threads_ms_per_page": round(1000 * figures["thread_cpu_s"]["other"] / max(1, fetched), 3),
        "peak_rss_mb": figures["peak_tree_rss_mb"],
    }


def _crawl_figures(runs: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    """Medians per database and the ratio of pages per second (empty over big: above 1 when
    the big database slows the crawl)."""
    medians = {
        name: {key: round(statistics.median(r[key] for r in found), 3) for key in found[0]}
        for name, found in runs.items()
    }
    ratio = round(medians["empty"]["pages_per_s"] / medians["big"]["pages_per_s"], 2)
    return {"rounds": runs, "median": medians, "slowdown": ratio}


def run(
    db: Path,
    rows: int,
    inserts: int = 4500,
    rebuild: bool = False,
    repeat: int = 3,
    urls: str = "dated",
    remove_inserted: bool = False,
    mid_rows: int = 100_000,
    crawl_rounds: int = 3,
) -> dict[str, Any]:
    """Build or reuse the big database (and the middle one), measure inserts and searches;
    print and return figures."""
    db.parent.mkdir(parents=True, exist_ok=True)
    built = None
    if rebuild or not db.exists():
        print(f"storage: building {db} with {rows:,} articles (once; reused by later runs) ...")
        built = round(build_big(db, rows), 1)
    mid = db.parent / f"storage-{mid_rows}.db" if 0 < mid_rows < rows else None
    if mid is not None and not mid.exists():
        print(f"storage: building {mid} with {mid_rows:,} articles (once) ...")
        build_big(mid, mid_rows)
    for path in (db, mid) if mid else (db,):
        Store(path).close()  # migrations first, so that they are not timed as inserts
        print(
            f"storage: {path} holds {article_count(path):,} articles"
            f" ({path.stat().st_size / 1e9:.2f} GB)"
        )
    held = article_count(db)
    html_gz = sample_page_gz()
    trials = []
    for trial in range(repeat):
        offset = 10 * max(rows, held) + trial * inserts
        after = max(newest_published(p) for p in ((db, mid) if mid else (db,)))
        results = fresh_results(inserts, offset, html_gz, urls, after)
        marks = row_marks(db)
        with tempfile.TemporaryDirectory(prefix="ingest-bench-") as tmp:
            paths = {"empty": Path(tmp) / "empty.db", "big": db, **({"mid": mid} if mid else {})}
            try:
                costs = insert_cost(paths, results)
            finally:
                if remove_inserted:
                    remove_fresh(db, marks)
        costs["ratio"] = round(costs["big"]["mean_us"] / costs["empty"]["mean_us"], 2)
        costs["cpu_ratio"] = round(costs["big"]["cpu_us"] / costs["empty"]["cpu_us"], 2)
        costs["committed_ratio"] = round(
            costs["big"]["committed_us"] / costs["empty"]["committed_us"], 2
        )
        costs["median_ratio"] = round(costs["big"]["median_us"] / costs["empty"]["median_us"], 2)
        if mid:
            costs["mid_ratio"] = round(costs["big"]["mean_us"] / costs["mid"]["mean_us"], 2)
            costs["mid_median_ratio"] = round(
                costs["big"]["median_us"] / costs["mid"]["median_us"], 2
            )
        print(f"  trial {trial + 1}: ratio big/empty {costs['ratio']} (CPU {costs['cpu_ratio']})")
        trials.append(costs)
    figures = {
        "articles_in_db": held,
        "db_gb": round(db.stat().st_size / 1e9, 2),
        "build_s": built,
        "inserted": inserts,
        "urls": urls,
        "trials": trials,
        "insert_ratio": statistics.median(t["ratio"] for t in trials),
        "insert_cpu_ratio": statistics.median(t["cpu_ratio"] for t in trials),
        "insert_committed_ratio": statistics.median(t["committed_ratio"] for t in trials),
        "insert_round_median_ratio": statistics.median(t["median_ratio"] for t in trials),
        # Every trial's articles together: the merges of the full-text index that landed in
        # some trial (a level-1 merge every ~25,000 articles in a database of a million) count.
        "pooled_us": {
            name: round(statistics.fmean(t[name]["mean_us"] for t in trials), 1)
            for name in ("empty", "big")
        },
        "mid_articles": article_count(mid) if mid else None,
        "big_over_mid_ratio": statistics.median(t["mid_ratio"] for t in trials) if mid else None,
        "big_over_mid_round_median_ratio": (
            statistics.median(t["mid_median_ratio"] for t in trials) if mid else None
        ),
        "search": search_latency(db),
        "cli_search_ms": cli_search_ms(db),
        "crawl": crawl_cost(db, crawl_rounds) if crawl_rounds else None,
    }
    print_figures(figures)
    return figures


def article_count(db: Path) -> int:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return int(conn.execute("SELECT count(*) FROM articles").fetchone()[0])
    finally:
        conn.close()


def print_figures(f: dict[str, Any]) -> None:
    print(f"\nStorage ({f['inserted']:,} articles, {f['urls']} URLs, stored by the crawl's")
    print("  BatchWriter in turns; the first ninth warms the caches up and is not counted;")
    print("  µs per article until committed and checkpointed, 'committed' until the commit)")
    head = f"  {'trial':<7}{'database':<18}{'mean µs/article':>16}{'median':>9}{'worst round':>13}"
    print(head + f"{'committed':>11}{'CPU µs':>9}")
    for number, trial in enumerate(f["trials"], 1):
        labels = [("empty", "empty"), ("big", f"holding {f['articles_in_db']:,}")]
        if f["mid_articles"]:
            labels.insert(1, ("mid", f"holding {f['mid_articles']:,}"))
        for name, label in labels:
            c = trial[name]
            print(
                f"  {number:<7}{label:<18}{c['mean_us']:>16}{c['median_us']:>9}"
                f"{c['worst_round_us']:>13}{c['committed_us']:>11}{c['cpu_us']:>9}"
            )
        print(
            f"  {'':<7}ratio big/empty {trial['ratio']} (median round {trial['median_ratio']},"
            f" committed {trial['committed_ratio']}, CPU {trial['cpu_ratio']})"
        )
        if f["mid_articles"]:
            print(
                f"  {'':<7}ratio big/middle {trial['mid_ratio']}"
                f" (median round {trial['mid_median_ratio']})"
            )
    print(
        f"  median ratio big/empty: {f['insert_ratio']} (median round"
        f" {f['insert_round_median_ratio']}, committed {f['insert_committed_ratio']},"
        f" CPU {f['insert_cpu_ratio']})"
    )
    if f["mid_articles"]:
        print(
            f"  median ratio big/middle: {f['big_over_mid_ratio']} (median round"
            f" {f['big_over_mid_round_median_ratio']})"
        )
    pooled = f["pooled_us"]
    print(
        f"  all trials pooled: big {pooled['big']} µs, empty {pooled['empty']} µs per article;"
        f" ratio {pooled['big'] / pooled['empty']:.2f}"
    )
    print(f"\nSearch on {f['articles_in_db']:,} articles (ingest.query.search, limit 20)")
    print(f"  {'query':<52}{'plan':>8}{'hits':>6}{'first ms':>10}{'median ms':>11}")
    for s in f["search"]:
        print(
            f"  {s['query']:<52}{s['plan']:>8}{s['hits']:>6}{s['first_ms']:>10}{s['median_ms']:>11}"
        )
    print(f"  `ingest search` command, start-up included (median of 3): {f['cli_search_ms']} ms")
    if f.get("crawl"):
        print_crawl(f["crawl"], f["articles_in_db"])


def print_crawl(c: dict[str, Any], held: int) -> None:
    print(
        "\n`ingest crawl` of the bench site, into an empty database and into the big one (median)"
    )
    print(f"  {'database':<20}{'pages':>7}{'pages/s':>9}{'CPU ms/page':>13}{'threads ms/page':>17}")
    for name, label in (("empty", "empty"), ("big", f"holding {held:,}")):
        m = c["median"][name]
        print(
            f"  {label:<20}{m['pages']:>7}{m['pages_per_s']:>9}{m['cpu_ms_per_page']:>13}"
            f"{m['threads_ms_per_page']:>17}"
        )
    print(f"  slowdown (empty pages/s over big): {c['slowdown']}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Storage micro-benchmark (see module doc).")
    parser.add_argument("--rows", type=int, default=1_000_000, help="articles in the big DB")
    parser.add_argument("--db", help="big database (default bench-out/storage-ROWS.db)")
    parser.add_argument("--inserts", type=int, default=4500, help="articles inserted into each")
    parser.add_argument("--rebuild", action="store_true", help="rebuild the big database")
    parser.add_argument("--repeat", type=int, default=3, help="insert comparisons to run")
    parser.add_argument(
        "--urls", choices=("dated", "random"), default="dated", help="fresh URLs (module doc)"
    )
    parser.add_argument(
        "--remove-inserted", action="store_true", help="remove the inserted articles afterwards"
    )
    parser.add_argument(
        "--mid-rows",
        type=int,
        default=100_000,
        help="articles in a middle database stored into in the same turns (0: none)",
    )
    parser.add_argument(
        "--crawl-rounds",
        type=int,
        default=3,
        help="`ingest crawl` of the bench site into an empty and the big database, N times each",
    )
    parser.add_argument(
        "--crawl-only",
        action="store_true",
        help="only the crawl rounds (4.) on the big database as it is: no trials or searches",
    )
    parser.add_argument("--json", help="also write the figures here")
    args = parser.parse_args(argv)
    db = Path(args.db or ROOT / "bench-out" / f"storage-{args.rows}.db")
    if args.crawl_only:
        if not db.exists():
            raise SystemExit(f"{db}: no such database; run this script without --crawl-only first")
        crawl = crawl_cost(db, args.crawl_rounds)
        print_crawl(crawl, article_count(db))
        if args.json:
            Path(args.json).write_text(json.dumps(crawl, indent=1))
        return 0
    figures = run(
        db,
        args.rows,
        args.inserts,
        args.rebuild,
        args.repeat,
        args.urls,
        args.remove_inserted,
        args.mid_rows,
        args.crawl_rounds,
    )
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
