"""Measure the metadata extractor on the development set: field accuracy and speed.

    .venv/bin/python scripts/eval_metadata.py [--devset ../shared/devset] [--show 20]

Prints title accuracy (normalised exact match and fuzzy match) on the pages whose ground truth
has a title, language accuracy (declared language; and with py3langid on the page text where
nothing is declared), the share of pages given a date / an author / a canonical URL, and the
milliseconds per page of ``extract_metadata`` alone (the page is parsed outside the timer, as the
facade parses once for every stage). The devset pages are read in place, never copied.
"""

from __future__ import annotations

import argparse
import difflib
import gzip
import json
import re
import statistics
import sys
import time
import unicodedata
from collections import defaultdict
from pathlib import Path

import lxml.html

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ingest.language import detect_language  # noqa: E402
from ingest.metadata import extract_metadata  # noqa: E402

_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>")
_SAME_LANG = {"nb": "no", "nn": "no"}


def norm_title(text: str | None) -> str:
    """Compare titles without case, quotes, dashes, punctuation or spacing differences."""
    text = unicodedata.normalize("NFKC", text or "").casefold()
    text = re.sub(r"[\u2018\u2019\u201a\u201b\u2032`´]", "'", text)
    text = re.sub(r"[\u201c\u201d\u201e\u201f\u00ab\u00bb\u2033]", '"', text)
    text = re.sub(r"[\W_]+", " ", text)
    return " ".join(text.split())


def parse(html: str) -> lxml.html.HtmlElement:
    return lxml.html.document_fromstring(_XML_DECL.sub("", html))


def page_text(tree: lxml.html.HtmlElement) -> str:
    """Rough visible text for language detection of undeclared pages (the facade uses the
    extracted article text instead)."""
    body = tree.find("body")
    if body is None:
        return ""
    parts = [t for el in body.iter("p") if (t := el.text_content().strip()) and len(t) > 40]
    return " ".join(parts)[:5000]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    default = Path(__file__).resolve().parent.parent.parent / "shared" / "devset"
    parser.add_argument("--devset", type=Path, default=default)
    parser.add_argument("--show", type=int, default=0, help="print N title/language mismatches")
    parser.add_argument("--limit", type=int, default=0, help="only the first N pages")
    args = parser.parse_args()

    truth_path = args.devset / "truth.jsonl"
    if not truth_path.exists():
        sys.exit(f"error: {truth_path} not found; pass --devset PATH to the development set")
    rows = [json.loads(line) for line in truth_path.open(encoding="utf-8")]
    if args.limit:
        rows = rows[: args.limit]

    times: list[float] = []
    parse_times: list[float] = []
    counts: dict[str, int] = defaultdict(int)
    title_by_source: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    title_misses: list[tuple[str, str, str]] = []
    lang_misses: list[tuple[str, str, str | None, str]] = []
    for row in rows:
        with gzip.open(args.devset / "pages" / f"{row['id']}.html.gz") as handle:
            html = handle.read().decode("utf-8")
        start = time.perf_counter()
        tree = parse(html)
        parse_times.append(time.perf_counter() - start)
        start = time.perf_counter()
        meta = extract_metadata(tree, row.get("url") or "")
        times.append(time.perf_counter() - start)

        counts["pages"] += 1
        counts["date"] += bool(meta["published_at"])
        counts["modified"] += bool(meta["modified_at"])
        counts["authors"] += bool(meta["authors"])
        counts["description"] += bool(meta["description"])
        counts["image"] += bool(meta["image"])
        counts["canonical_differs"] += bool(row.get("url")) and meta["url"] != row.get("url")

        if row.get("title"):
            stats = title_by_source[row["source_dataset"]]
            want, got = norm_title(row["title"]), norm_title(meta["title"])
            exact = want == got
            fuzzy = difflib.SequenceMatcher(None, want, got).ratio() >= 0.9
            stats[0] += 1
            stats[1] += exact
            stats[2] += fuzzy
            if not fuzzy:
                title_misses.append((row["id"], row["title"], meta["title"] or ""))

        want_lang = _SAME_LANG.get(row["lang"], row["lang"]) if row.get("lang") else None
        if want_lang:
            counts["lang_pages"] += 1
            declared = meta["language"]
            if declared:
                counts["lang_declared"] += 1
                counts["lang_declared_ok"] += _SAME_LANG.get(declared, declared) == want_lang
            final = declared or detect_language(page_text(tree))
            ok = _SAME_LANG.get(final or "", final) == want_lang
            counts["lang_ok"] += ok
            if not ok:
                lang_misses.append(
                    (row["id"], want_lang, final, "declared" if declared else "detected")
                )

    report(counts, title_by_source, times, parse_times)
    if args.show:
        print("\ntitle misses:")
        for page_id, want, got in title_misses[: args.show]:
            print(f"  {page_id}\n    want: {want}\n    got:  {got}")
        print("\nlanguage misses:")
        for page_id, want, got, how in lang_misses[: args.show]:
            print(f"  {page_id}: want {want}, got {got} ({how})")


def report(
    counts: dict[str, int],
    title_by_source: dict[str, list[int]],
    times: list[float],
    parse_times: list[float],
) -> None:
    pages = counts["pages"]
    total = [sum(s[i] for s in title_by_source.values()) for i in range(3)]
    print(f"pages: {pages}")
    if total[0]:
        print(
            f"title: exact {total[1] / total[0]:.3f}  fuzzy(>=0.9) {total[2] / total[0]:.3f}"
            f"  on {total[0]} pages with a truth title"
        )
        for source, (n, exact, fuzzy) in sorted(title_by_source.items()):
            print(f"  {source:<12} exact {exact / n:.3f}  fuzzy {fuzzy / n:.3f}  ({n})")
    lang_pages = counts["lang_pages"] or 1
    declared = counts["lang_declared"] or 1
    print(
        f"language: {counts['lang_ok'] / lang_pages:.3f} overall (declared, else py3langid on"
        f" page text); declared on {counts['lang_declared'] / lang_pages:.3f} of pages,"
        f" correct when declared {counts['lang_declared_ok'] / declared:.3f}"
    )
    for field in ("date", "modified", "authors", "description", "image"):
        print(f"with {field}: {counts[field] / pages:.3f}")
    print(f"canonical differs from truth url: {counts['canonical_differs'] / pages:.3f}")
    ms = sorted(t * 1000 for t in times)
    p95 = ms[min(len(ms) - 1, int(0.95 * len(ms)))]
    print(f"ms/page: median {statistics.median(ms):.2f}  p95 {p95:.2f}  max {ms[-1]:.1f}")
    # the same pages' lxml parse, timed in the same loop: the ratio holds on a busy machine
    parse_ms = statistics.median(t * 1000 for t in parse_times)
    ratio = sum(times) / sum(parse_times)
    print(f"lxml parse ms/page: median {parse_ms:.2f}; metadata/parse time ratio {ratio:.2f}")


if __name__ == "__main__":
    main()
