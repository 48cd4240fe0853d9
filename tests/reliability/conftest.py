"""The fault-injection suite's report: each test records the fault it injected, the behaviour
expected, the behaviour observed, and the articles lost and duplicated; the table is printed at
the end of the run (``make reliability``, and ``make test`` too).

``RELIABILITY_REPORT=path.md`` also writes the table to a Markdown file.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.reliability.checks import Ledger


@dataclass
class Observation:
    """One row of the report."""

    fault: str
    expected: str
    observed: str = "(not reached)"
    lost: int | None = None
    duplicates: int | None = None
    result: str = "?"
    notes: list[str] = field(default_factory=list)

    def saw(self, text: str) -> None:
        """Add a fact to the observed column."""
        self.observed = text if self.observed == "(not reached)" else f"{self.observed}; {text}"

    def count(self, ledger: Ledger) -> None:
        """Record lost and duplicated articles (summed over the crawls the test checks)."""
        self.lost = (self.lost or 0) + len(ledger.lost)
        self.duplicates = (self.duplicates or 0) + ledger.duplicates


_ROWS: list[Observation] = []
_KEY = pytest.StashKey[list[Observation]]()


@pytest.fixture
def report(request: pytest.FixtureRequest) -> Iterator[callable]:
    """``obs = report(fault, expected)``; then ``obs.saw(...)``, ``obs.count(ledger)``."""
    made: list[Observation] = []

    def new(fault: str, expected: str) -> Observation:
        obs = Observation(fault, expected)
        made.append(obs)
        _ROWS.append(obs)
        return obs

    request.node.stash[_KEY] = made
    yield new


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    rep = yield
    made = item.stash.get(_KEY, [])
    if rep.when == "call" or (rep.when == "setup" and rep.outcome != "passed"):
        verdict = {"passed": "ok", "failed": "FAIL", "skipped": "skip"}[rep.outcome]
        for obs in made:
            obs.result = verdict
            if rep.outcome == "skipped" and isinstance(rep.longrepr, tuple):
                obs.saw(f"skipped: {rep.longrepr[2]}")
    return rep


_LAUNCHED: list[object] = []


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests of modules that start their crawls early run last, when those are done."""
    items.sort(key=lambda item: hasattr(getattr(item, "module", None), "prestart"))


def pytest_collection_finish(session: pytest.Session) -> None:
    """Start the longest crawls in the background as soon as the tests are known: a module
    with a ``prestart(tmp)`` function gets it called now (its fixture collects the results),
    so its minute of wall time overlaps the rest of the suite."""
    if session.config.option.collectonly:
        return
    modules = {id(m): m for item in session.items if (m := getattr(item, "module", None))}
    for module in modules.values():
        prestart = getattr(module, "prestart", None)
        if prestart is not None:
            _LAUNCHED.append(prestart(Path(tempfile.mkdtemp(prefix="reliability-"))))


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Never leave a background crawl running (e.g. after ``-x`` stopped the suite early)."""
    for launch in _LAUNCHED:
        launch.close()  # type: ignore[attr-defined]


def _cell(value: object) -> str:
    return "-" if value is None else str(value).replace("|", "/").replace("\n", " ")


def report_table() -> str:
    """The report as a Markdown table."""
    lines = [
        "| Fault | Expected | Observed | Lost | Dups | Result |",
        "|---|---|---|---|---|---|",
    ]
    for o in _ROWS:
        lines.append(
            "| "
            + " | ".join(
                _cell(v) for v in (o.fault, o.expected, o.observed, o.lost, o.duplicates, o.result)
            )
            + " |"
        )
    return "\n".join(lines)


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:  # noqa: ANN001
    if not _ROWS:
        return
    terminalreporter.section("reliability report")
    table = report_table()
    terminalreporter.write_line(table)
    lost = sum(o.lost or 0 for o in _ROWS)
    dups = sum(o.duplicates or 0 for o in _ROWS)
    bad = sum(o.result != "ok" for o in _ROWS)
    terminalreporter.write_line(
        f"\n{len(_ROWS)} faults, {bad} not ok; articles lost {lost}, duplicated {dups}"
    )
    target = os.environ.get("RELIABILITY_REPORT")
    if target:
        Path(target).write_text(table + "\n", encoding="utf-8")
