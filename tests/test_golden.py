"""Golden extraction cases: saved pages in, expected records out (tests/golden/<case>/).

Each case is a page written for this project (a WordPress news theme, a German portal, a
French blog, a Japanese news site) carrying the boilerplate kinds users complain about. The
record must match ``expected.json`` field by field; every listed article sentence must
survive and no listed boilerplate string may. Refresh with ``python -m ingest.golden rerun``
and review the diff it prints.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.golden import FIELDS, GOLDEN_DIR, load_expected, run_case

CASES = sorted(p.parent.name for p in GOLDEN_DIR.glob("*/expected.json"))


def test_there_are_golden_cases() -> None:
    assert len(CASES) >= 4


@pytest.fixture(scope="module")
def results() -> dict[str, dict]:
    return {name: run_case(GOLDEN_DIR / name) for name in CASES}


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("field", FIELDS)
def test_field_matches_golden(case: str, field: str, results: dict[str, dict]) -> None:
    expected = load_expected(GOLDEN_DIR / case)
    assert results[case][field] == expected[field], f"{case}: {field}"


@pytest.mark.parametrize("case", CASES)
def test_article_sentences_survive(case: str, results: dict[str, dict]) -> None:
    expected = load_expected(GOLDEN_DIR / case)
    assert expected["sentences"], "a golden case must list article sentences"
    text = results[case]["text"]
    missing = [s for s in expected["sentences"] if s not in text]
    assert not missing


@pytest.mark.parametrize("case", CASES)
def test_no_boilerplate_survives(case: str, results: dict[str, dict]) -> None:
    expected = load_expected(GOLDEN_DIR / case)
    assert expected["boilerplate"], "a golden case must list boilerplate strings"
    text = results[case]["text"].casefold()
    leaked = [s for s in expected["boilerplate"] if s.casefold() in text]
    assert not leaked


def test_golden_add_and_rerun(tmp_path: Path) -> None:
    """The recording command writes a case and rerun keeps the human-made lists."""
    from ingest.golden import add, rerun

    page = GOLDEN_DIR / "blog_fr" / "page.html"
    folder = add("copy", page, "https://gazette-coteaux.example/x/", root=tmp_path)
    data = load_expected(folder)
    assert data["title"] == "Les vendanges commencent tôt dans le Val de Loire"
    assert data["sentences"] == [] and data["boilerplate"] == []
    (folder / "expected.json").write_text(
        (folder / "expected.json").read_text().replace('"sentences": []', '"sentences": ["x"]')
    )
    assert rerun(["copy"], root=tmp_path) == []
    assert load_expected(folder)["sentences"] == ["x"]
    with pytest.raises(FileExistsError):
        add("copy", page, "https://gazette-coteaux.example/x/", root=tmp_path)
