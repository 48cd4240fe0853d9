"""Metadata cases: hand-written pages in, expected metadata fields out (tests/metadata_cases/).

Each case stands for a pattern real sites get wrong (see the folder's README); only the fields
listed in ``NAME.json`` are compared. The language is the one the facade stores: the declared
one checked against the article text with :func:`ingest.language.resolve_language`.
"""

from __future__ import annotations

import json
from pathlib import Path

import lxml.html
import pytest

from ingest.language import resolve_language
from ingest.metadata import extract_metadata

CASES_DIR = Path(__file__).resolve().parent / "metadata_cases"
CASES = sorted(p.stem for p in CASES_DIR.glob("*.json"))


def case_metadata(name: str) -> tuple[dict, dict]:
    """(expected fields, extracted metadata) of one case."""
    expected = json.loads((CASES_DIR / f"{name}.json").read_text(encoding="utf-8"))
    html = (CASES_DIR / f"{name}.html").read_text(encoding="utf-8")
    meta = extract_metadata(lxml.html.document_fromstring(html), expected.pop("url"))
    text = expected.pop("text", "")
    meta["language"] = resolve_language(meta["language"], text)
    return expected, meta


def test_there_are_cases() -> None:
    assert len(CASES) >= 8


@pytest.mark.parametrize("name", CASES)
def test_case_fields(name: str) -> None:
    expected, meta = case_metadata(name)
    assert expected
    assert {field: meta[field] for field in expected} == expected
