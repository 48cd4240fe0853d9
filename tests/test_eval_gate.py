"""Quality gate: main-text F1 on the development set must not fall below tests/eval_floor.json.

Runs our extractor alone over the whole dev set (in parallel); the trafilatura comparison and
timings are for ``make eval``. Skipped, with the reason, when ../shared/devset is absent.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ingest.evaluate import OURS, DevsetMissing, devset_path, evaluate, format_report

FLOOR = json.loads((Path(__file__).parent / "eval_floor.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def report():
    try:
        devset_path()
    except DevsetMissing as exc:
        pytest.skip(f"quality gate needs the dev set: {exc}")
    result, _rows = evaluate(compare=False)
    print(format_report(result, worst=10))
    return result


@pytest.mark.timeout(600)
def test_overall_f1_at_or_above_floor(report) -> None:
    f1 = report.overall[OURS].f1
    assert f1 >= FLOOR["f1"], f"devset F1 {f1:.4f} fell below the floor {FLOOR['f1']}"


@pytest.mark.parametrize("source", sorted(FLOOR["per_source"]))
def test_source_f1_at_or_above_floor(report, source: str) -> None:
    f1 = report.by_source[source][OURS].f1
    floor = FLOOR["per_source"][source]
    assert f1 >= floor, f"{source}: devset F1 {f1:.4f} fell below the floor {floor}"


def test_no_page_crashes_the_extractor(report) -> None:
    assert not report.errors.get(OURS), report.errors[OURS][:5]
