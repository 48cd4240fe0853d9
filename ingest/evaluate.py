"""Score the extractor on the development set, side by side with trafilatura.

    python -m ingest.evaluate                   # ours and trafilatura, interleaved (make eval)
    python -m ingest.evaluate --ours-only       # ours only (the CI gate uses this)
    python -m ingest.evaluate --worst 30 --save-predictions preds.jsonl

The dev set (``../shared/devset`` by default, or ``$NEWS_INGEST_DEVSET``) holds real pages and
their ground-truth text. Scores follow the dev set's own ``score.py`` (imported from the dev
set itself, so the definition cannot drift): bags of NFKC-lowercased word tokens, precision,
recall and F1 per page, averaged overall and per ``source_dataset``.

Timing covers only the extraction call on already decoded text. Each worker runs both
extractors on the same page one after the other, alternating which goes first, so a noisy
machine slows both alike and the speed ratio holds.
"""

from __future__ import annotations

import argparse
import gzip
import importlib.util
import json
import os
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

DEFAULT_DEVSET = Path(__file__).resolve().parent.parent.parent / "shared" / "devset"
#: Where the workplace keeps the dev set when the checkout is not beside it (e.g. a CI clone).
WORKPLACE_DEVSET = Path("/work/shared/devset")
OURS, TRAF = "ours", "trafilatura"


class DevsetMissing(FileNotFoundError):
    """The development set is not where we looked."""


def devset_path(path: str | Path | None = None) -> Path:
    """The dev set directory: ``path``, else ``$NEWS_INGEST_DEVSET``, else ``../shared/devset``."""
    chosen = path or os.environ.get("NEWS_INGEST_DEVSET")
    found = Path(chosen or DEFAULT_DEVSET)
    if not chosen and not (found / "truth.jsonl").is_file():
        found = WORKPLACE_DEVSET
    if not (found / "truth.jsonl").is_file() or not (found / "score.py").is_file():
        raise DevsetMissing(
            f"no dev set at {found} (truth.jsonl and score.py expected); "
            "pass --devset PATH or set NEWS_INGEST_DEVSET"
        )
    return found


def load_scorer(devset: Path) -> ModuleType:
    """The dev set's own ``score.py`` as a module (its ``tokens`` and ``prf`` functions)."""
    spec = importlib.util.spec_from_file_location("devset_score", devset / "score.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def load_truth(devset: Path, limit: int | None = None) -> list[dict[str, Any]]:
    with open(devset / "truth.jsonl", encoding="utf-8") as f:
        truth = [json.loads(line) for line in f if line.strip()]
    return truth[:limit] if limit else truth


def read_page(devset: Path, page_id: str) -> str:
    """A dev set page as text (the pages are stored as UTF-8, gzip-compressed)."""
    with gzip.open(devset / "pages" / f"{page_id}.html.gz") as f:
        return f.read().decode("utf-8")


# --------------------------------------------------------------------------- running


def _ours(html: str, url: str) -> str:
    from ingest.extract import extract

    return extract(html, url).text


def _trafilatura(html: str, url: str) -> str:
    import trafilatura

    return trafilatura.extract(html, url=url or None, include_comments=False) or ""


EXTRACTORS: dict[str, Callable[[str, str], str]] = {OURS: _ours, TRAF: _trafilatura}


def _run_chunk(args: tuple[str, list[tuple[str, str]], tuple[str, ...], int]) -> list[dict]:
    """Worker: extract each page with every extractor, alternating the order per page."""
    devset, pages, names, offset = args
    for name in names:  # warm up imports and caches outside the timed calls
        EXTRACTORS[name]("<html><body><p>warm up</p></body></html>", "http://example.com/")
    results = []
    for i, (page_id, url) in enumerate(pages):
        html = read_page(Path(devset), page_id)
        order = names if (i + offset) % 2 == 0 else tuple(reversed(names))
        row: dict[str, Any] = {"id": page_id}
        for name in order:
            start = time.perf_counter()
            try:
                text = EXTRACTORS[name](html, url)
            except Exception as exc:  # noqa: BLE001 - a crash scores 0, and is reported
                text = ""
                row[f"{name}_error"] = f"{type(exc).__name__}: {exc}"
            row[f"{name}_ms"] = (time.perf_counter() - start) * 1000
            row[name] = text
        results.append(row)
    return results


def run(
    devset: Path, truth: list[dict], names: tuple[str, ...], workers: int
) -> dict[str, dict[str, Any]]:
    """Predictions and timings of each extractor, keyed by page id."""
    pages = [(t["id"], t.get("url") or "") for t in truth]
    size = max(1, min(40, len(pages) // (workers * 4) or 1))
    chunks = [(str(devset), pages[i : i + size], names, i) for i in range(0, len(pages), size)]
    rows: dict[str, dict[str, Any]] = {}
    if workers <= 1:
        for chunk in chunks:
            rows.update((r["id"], r) for r in _run_chunk(chunk))
        return rows
    with ProcessPoolExecutor(max_workers=workers) as pool:
        for result in pool.map(_run_chunk, chunks):
            rows.update((r["id"], r) for r in result)
    return rows


# --------------------------------------------------------------------------- scoring


@dataclass
class Scores:
    """Mean precision, recall and F1 over a group of pages."""

    pages: int = 0
    precision: float = 0.0
    recall: float = 0.0
    f1: float = 0.0

    @classmethod
    def mean(cls, triples: list[tuple[float, float, float]]) -> Scores:
        n = len(triples)
        if not n:
            return cls()
        return cls(n, *(sum(t[i] for t in triples) / n for i in range(3)))


@dataclass
class Report:
    """Everything ``make eval`` prints, also usable from tests."""

    names: tuple[str, ...]
    overall: dict[str, Scores] = field(default_factory=dict)
    by_source: dict[str, dict[str, Scores]] = field(default_factory=dict)
    page_f1: dict[str, dict[str, float]] = field(default_factory=dict)
    ms: dict[str, list[float]] = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)

    def median_ms(self, name: str) -> float:
        return statistics.median(self.ms[name]) if self.ms.get(name) else 0.0

    def p95_ms(self, name: str) -> float:
        values = sorted(self.ms.get(name) or [0.0])
        return values[min(len(values) - 1, int(round(0.95 * (len(values) - 1))))]


def score(
    truth: list[dict], rows: dict[str, dict], names: tuple[str, ...], scorer: ModuleType
) -> Report:
    """Per-page P/R/F1 with the dev set's definition, averaged overall and per source."""
    report = Report(names=names)
    groups: dict[str, dict[str, list]] = {n: defaultdict(list) for n in names}
    for t in truth:
        gold = scorer.tokens(t["text"])
        row = rows.get(t["id"], {})
        for name in names:
            triple = scorer.prf(scorer.tokens(row.get(name) or ""), gold)
            groups[name]["ALL"].append(triple)
            groups[name][str(t.get("source_dataset"))].append(triple)
            report.page_f1.setdefault(t["id"], {})[name] = triple[2]
            if f"{name}_ms" in row:
                report.ms.setdefault(name, []).append(row[f"{name}_ms"])
            if f"{name}_error" in row:
                report.errors.setdefault(name, []).append(f"{t['id']}: {row[f'{name}_error']}")
    for name in names:
        report.overall[name] = Scores.mean(groups[name].pop("ALL"))
        for source, triples in sorted(groups[name].items()):
            report.by_source.setdefault(source, {})[name] = Scores.mean(triples)
    return report


def evaluate(
    devset: str | Path | None = None,
    *,
    compare: bool = True,
    workers: int | None = None,
    limit: int | None = None,
) -> tuple[Report, dict[str, dict]]:
    """Run and score the extractor(s) on the dev set; returns the report and raw predictions."""
    path = devset_path(devset)
    truth = load_truth(path, limit)
    names = (OURS, TRAF) if compare else (OURS,)
    rows = run(path, truth, names, workers or os.cpu_count() or 1)
    return score(truth, rows, names, load_scorer(path)), rows


# --------------------------------------------------------------------------- printing


def format_report(report: Report, worst: int = 15) -> str:
    """The side-by-side table, timings and worst pages as plain text."""
    names = report.names
    head = f"{'source_dataset':<18}{'pages':>6}" + "".join(
        f"{n[:5] + ' P':>9}{n[:5] + ' R':>9}{n[:5] + ' F1':>10}" for n in names
    )
    lines = [head, "-" * len(head)]
    rows = [("ALL", report.overall), *report.by_source.items()]
    for source, by_name in rows:
        cells = "".join(
            f"{by_name[n].precision:>9.4f}{by_name[n].recall:>9.4f}{by_name[n].f1:>10.4f}"
            for n in names
        )
        lines.append(f"{source:<18}{by_name[names[0]].pages:>6}{cells}")
    lines.append("")
    for n in names:
        lines.append(
            f"{n:<12} median {report.median_ms(n):7.2f} ms/page   p95 {report.p95_ms(n):7.2f} ms"
            f"   errors {len(report.errors.get(n, []))}"
        )
    if TRAF in names and report.median_ms(OURS):
        ratio = report.median_ms(TRAF) / report.median_ms(OURS)
        lines.append(f"speed ratio (trafilatura median / ours median): {ratio:.2f}x")
    if worst:
        lines += ["", f"lowest F1 ({OURS}):"]
        ranked = sorted(report.page_f1.items(), key=lambda kv: kv[1][OURS])[:worst]
        for page_id, f1 in ranked:
            other = f"   {TRAF} {f1[TRAF]:.3f}" if TRAF in f1 else ""
            lines.append(f"  {f1[OURS]:.3f}  {page_id}{other}")
    for n in names:
        for err in report.errors.get(n, [])[:10]:
            lines.append(f"error ({n}): {err}")
    return "\n".join(lines)


def _save(rows: dict[str, dict], path: Path, names: Iterable[str]) -> None:
    with open(path, "w", encoding="utf-8") as f:
        for page_id, row in rows.items():
            for name in names:
                f.write(
                    json.dumps({"id": page_id, "extractor": name, "text": row.get(name)}) + "\n"
                )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m ingest.evaluate", description=__doc__.split("\n\n")[0]
    )
    ap.add_argument("--devset", help="dev set directory (default ../shared/devset)")
    ap.add_argument("--ours-only", action="store_true", help="skip trafilatura")
    ap.add_argument("--workers", type=int, default=None, help="processes (default: CPU count)")
    ap.add_argument("--limit", type=int, default=None, help="only the first N pages")
    ap.add_argument("--worst", type=int, default=15, help="list the N lowest-F1 pages")
    ap.add_argument("--save-predictions", type=Path, help="write {id, extractor, text} JSONL")
    args = ap.parse_args(argv)
    try:
        report, rows = evaluate(
            args.devset, compare=not args.ours_only, workers=args.workers, limit=args.limit
        )
    except DevsetMissing as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(format_report(report, args.worst))
    if args.save_predictions:
        _save(rows, args.save_predictions, report.names)
    return 0


if __name__ == "__main__":
    sys.exit(main())
