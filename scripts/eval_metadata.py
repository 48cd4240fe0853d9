"""Measure the metadata extractor: field accuracy on our fixtures, titles/language on the devset.

    .venv/bin/python scripts/eval_metadata.py [--devset ../shared/devset] [--show 20]
    .venv/bin/python scripts/eval_metadata.py --no-devset --show 20   # fixtures only (seconds)

Field accuracy: every metadata field of ``extract_metadata`` compared with the expected records
of the golden cases (tests/golden/*/expected.json: a field recorded as null must stay null), of
the demo sites (every demo story rendered by every theme; ``ingest.sitegen.expected_records``
gives null for what a theme does not state, and those are not scored) and of the hand-written
hard cases in tests/metadata_cases (only the fields each lists). The language is the one the
facade would store: the declared one checked against the expected text with
:func:`ingest.language.resolve_language`.

Devset (read in place, never copied; its truth has titles and languages only): title accuracy
(normalised exact and fuzzy match) per source dataset; language accuracy declared-only, as the
facade stores it today (declared, else detected on the article text) and with
``resolve_language`` (declared checked against the text); the share of pages given each field;
and the milliseconds per page of ``extract_metadata`` alone next to the lxml parse of the same
page, timed in the same loop so the ratio holds on a busy machine.
"""

from __future__ import annotations

import argparse
import difflib
import gzip
import json
import re
import statistics
import sys
import tempfile
import time
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import lxml.html

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ingest.dates import parse_date  # noqa: E402
from ingest.extract import extract  # noqa: E402
from ingest.language import resolve_language  # noqa: E402
from ingest.metadata import extract_metadata  # noqa: E402
from ingest.sitegen import DEMO_SITES, build_site, demo_articles, expected_records  # noqa: E402

_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>")
_SAME_LANG = {"nb": "no", "nn": "no"}
GOLDEN_DIR = ROOT / "tests" / "golden"
DEMO_ORIGIN = "http://demo.example"
CASES_DIR = ROOT / "tests" / "metadata_cases"
Case = tuple[str, str, str, dict[str, Any], set[str]]  # name, html, url, expected, scored fields


def norm_title(text: str | None) -> str:
    """Compare titles without case, quotes, dashes, punctuation or spacing differences."""
    text = unicodedata.normalize("NFKC", text or "").casefold()
    text = re.sub(r"[\u2018\u2019\u201a\u201b\u2032`´]", "'", text)
    text = re.sub(r"[\u201c\u201d\u201e\u201f\u00ab\u00bb\u2033]", '"', text)
    text = re.sub(r"[\W_]+", " ", text)
    return " ".join(text.split())


def parse(html: str) -> lxml.html.HtmlElement:
    return lxml.html.document_fromstring(_XML_DECL.sub("", html))


# --------------------------------------------------------------------------- field accuracy


def _same_text(got: Any, want: Any) -> bool:
    return norm_title(got) == norm_title(want)


def _same_list(got: Any, want: Any) -> bool:
    return sorted(map(norm_title, got or [])) == sorted(map(norm_title, want or []))


def _same_instant(got: Any, want: Any) -> bool:
    return parse_date(got) == parse_date(want) if got and want else got == want


def _same(got: Any, want: Any) -> bool:
    return got == want


#: How each field is compared; the order is the report's.
FIELDS: dict[str, Callable[[Any, Any], bool]] = {
    "title": _same_text,
    "authors": _same_list,
    "published_at": _same_instant,
    "modified_at": _same_instant,
    "language": _same,
    "description": _same_text,
    "section": _same_text,
    "tags": _same_list,
    "image": _same,
    "site_name": _same_text,
    "url": _same,
}


def golden_cases() -> Iterator[Case]:
    """tests/golden cases: full expected records, so an expected null must stay null."""
    for folder in sorted(p.parent for p in GOLDEN_DIR.glob("*/expected.json")):
        html = (folder / "page.html").read_text(encoding="utf-8")
        url = (folder / "url").read_text(encoding="utf-8").strip()
        expected = json.loads((folder / "expected.json").read_text(encoding="utf-8"))
        yield folder.name, html, url, expected, set(FIELDS)


def demo_cases(work: Path) -> Iterator[Case]:
    """Every demo story rendered by every theme, built under ``work`` with a real origin."""
    articles = demo_articles()
    for theme in DEMO_SITES:
        root = work / theme
        build_site(root, articles, theme, base_url=DEMO_ORIGIN)
        for url, record in expected_records(articles, theme, DEMO_ORIGIN).items():
            path = root / record["path"].lstrip("/")
            if record["path"].endswith("/"):
                path = path / "index.html"
            html = path.read_text(encoding="utf-8")
            stated = {field for field in FIELDS if record.get(field) is not None}
            yield f"{theme}{record['path']}", html, url, record, stated


def metadata_cases() -> Iterator[Case]:
    """tests/metadata_cases: hand-written hard cases; only the fields they list are scored."""
    for path in sorted(CASES_DIR.glob("*.json")):
        expected = json.loads(path.read_text(encoding="utf-8"))
        html = path.with_suffix(".html").read_text(encoding="utf-8")
        yield path.stem, html, expected["url"], expected, set(expected) & set(FIELDS)


def score_fields(cases: Iterator[Case]) -> tuple[dict[str, list[int]], list[str]]:
    """``{field: [scored, correct]}`` and one line per wrong field."""
    scores: dict[str, list[int]] = {name: [0, 0] for name in FIELDS}
    misses: list[str] = []
    for name, html, url, expected, scored in cases:
        meta = extract_metadata(parse(html), url)
        meta["language"] = resolve_language(meta["language"], expected.get("text"))
        for field, same in FIELDS.items():
            if field not in scored:
                continue
            want = expected.get(field)
            ok = same(meta[field], want)
            scores[field][0] += 1
            scores[field][1] += ok
            if not ok:
                misses.append(f"  {name} {field}: want {want!r}, got {meta[field]!r}")
    return scores, misses


def report_fields(columns: dict[str, dict[str, list[int]]]) -> None:
    """One column per fixture set, one row per field, then all fields of each set."""

    def cell(score: list[int]) -> str:
        return f"{score[1]:>3}/{score[0]:<3} {score[1] / score[0]:.3f}" if score[0] else "-"

    print(f"{'field':<14}" + "".join(f"{label:<18}" for label in columns))
    for field in FIELDS:
        print(f"{field:<14}" + "".join(f"{cell(s[field]):<18}" for s in columns.values()))
    totals = {
        label: cell([sum(s[i] for s in scores.values()) for i in (0, 1)])
        for label, scores in columns.items()
    }
    print(f"{'all fields':<14}" + "".join(f"{total:<18}" for total in totals.values()))


# --------------------------------------------------------------------------- devset


class DevsetTally:
    """Counts, titles per source, language verdicts, timings and misses over the devset."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = defaultdict(int)
        self.titles: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
        self.times: list[float] = []
        self.parse_times: list[float] = []
        self.title_misses: list[tuple[str, str, str]] = []
        self.lang_misses: list[tuple[str, str, str | None, str | None]] = []

    def add(self, row: dict[str, Any], html: str) -> None:
        start = time.perf_counter()
        tree = parse(html)
        self.parse_times.append(time.perf_counter() - start)
        start = time.perf_counter()
        meta = extract_metadata(tree, row.get("url") or "")
        self.times.append(time.perf_counter() - start)
        counts = self.counts
        counts["pages"] += 1
        for field in ("published_at", "modified_at", "authors", "description", "image"):
            counts[field] += bool(meta[field])
        counts["canonical_differs"] += bool(row.get("url")) and meta["url"] != row.get("url")
        if row.get("title"):
            self._title(row, meta["title"])
        if row.get("lang"):
            self._language(row, html, meta["language"])

    def _title(self, row: dict[str, Any], got_title: str | None) -> None:
        stats = self.titles[row["source_dataset"]]
        want, got = norm_title(row["title"]), norm_title(got_title)
        fuzzy = difflib.SequenceMatcher(None, want, got).ratio() >= 0.9
        stats[0] += 1
        stats[1] += want == got
        stats[2] += fuzzy
        if not fuzzy:
            self.title_misses.append((row["id"], row["title"], got_title or ""))

    def _language(self, row: dict[str, Any], html: str, declared: str | None) -> None:
        """Declared only, the facade's stored language, and declared checked on the text."""
        want = _lang(row["lang"])
        article = extract(html, row.get("url") or "")
        checked = resolve_language(declared, article.text)
        counts = self.counts
        counts["lang_pages"] += 1
        counts["lang_declared"] += bool(declared)
        counts["lang_declared_ok"] += _lang(declared) == want
        counts["lang_facade_ok"] += _lang(article.language) == want
        counts["lang_checked_ok"] += _lang(checked) == want
        if _lang(checked) != want:
            self.lang_misses.append((row["id"], want, declared, checked))


def _lang(code: str | None) -> str | None:
    return _SAME_LANG.get(code or "", code)


def run_devset(devset: Path, limit: int) -> DevsetTally:
    truth_path = devset / "truth.jsonl"
    if not truth_path.exists():
        sys.exit(f"error: {truth_path} not found; pass --devset PATH or --no-devset")
    rows = [json.loads(line) for line in truth_path.open(encoding="utf-8")]
    tally = DevsetTally()
    for row in rows[: limit or None]:
        with gzip.open(devset / "pages" / f"{row['id']}.html.gz") as handle:
            tally.add(row, handle.read().decode("utf-8"))
    return tally


def report_devset(tally: DevsetTally) -> None:
    counts, pages = tally.counts, tally.counts["pages"]
    total = [sum(s[i] for s in tally.titles.values()) for i in range(3)]
    print(f"devset pages: {pages}")
    if total[0]:
        print(
            f"title: exact {total[1] / total[0]:.3f}  fuzzy(>=0.9) {total[2] / total[0]:.3f}"
            f"  on {total[0]} pages with a truth title"
        )
        for source, (n, exact, fuzzy) in sorted(tally.titles.items()):
            print(f"  {source:<12} exact {exact / n:.3f}  fuzzy {fuzzy / n:.3f}  ({n})")
    lang_pages = counts["lang_pages"] or 1
    print(
        f"language on {counts['lang_pages']} pages: declared only"
        f" {counts['lang_declared_ok'] / lang_pages:.3f} (declared on"
        f" {counts['lang_declared'] / lang_pages:.3f}); as stored by the facade (extract())"
        f" {counts['lang_facade_ok'] / lang_pages:.3f}; resolve_language (declared checked on"
        f" the text) {counts['lang_checked_ok'] / lang_pages:.3f}"
    )
    for field in ("published_at", "modified_at", "authors", "description", "image"):
        print(f"with {field}: {counts[field] / pages:.3f}")
    print(f"canonical differs from truth url: {counts['canonical_differs'] / pages:.3f}")
    ms = sorted(t * 1000 for t in tally.times)
    p95 = ms[min(len(ms) - 1, int(0.95 * len(ms)))]
    print(f"metadata ms/page: median {statistics.median(ms):.2f}  p95 {p95:.2f}  max {ms[-1]:.1f}")
    parse_ms = statistics.median(t * 1000 for t in tally.parse_times)
    ratio = sum(tally.times) / sum(tally.parse_times)
    print(f"lxml parse ms/page: median {parse_ms:.2f}; metadata/parse time ratio {ratio:.2f}")


def show_devset_misses(tally: DevsetTally, limit: int) -> None:
    print("\ntitle misses:")
    for page_id, want, got in tally.title_misses[:limit]:
        print(f"  {page_id}\n    want: {want}\n    got:  {got}")
    print("\nlanguage misses (truth, declared, resolved):")
    for page_id, want, declared, got in tally.lang_misses[:limit]:
        print(f"  {page_id}: want {want}, declared {declared}, got {got}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--devset", type=Path, default=ROOT.parent / "shared" / "devset")
    parser.add_argument("--no-devset", action="store_true", help="fixtures only")
    parser.add_argument("--show", type=int, default=0, help="print N misses of each kind")
    parser.add_argument("--limit", type=int, default=0, help="only the first N devset pages")
    args = parser.parse_args()

    golden, golden_misses = score_fields(golden_cases())
    with tempfile.TemporaryDirectory() as work:
        demo, demo_misses = score_fields(demo_cases(Path(work)))
    hard, hard_misses = score_fields(metadata_cases())
    report_fields({"golden": golden, "demo sites": demo, "metadata cases": hard})
    if args.show:
        misses = golden_misses + demo_misses + hard_misses
        print("\nfield misses:", *misses[: args.show], sep="\n")
    if args.no_devset:
        return
    print()
    tally = run_devset(args.devset, args.limit)
    report_devset(tally)
    if args.show:
        show_devset_misses(tally, args.show)


if __name__ == "__main__":
    main()
