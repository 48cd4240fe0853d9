"""Per-source cleaning selectors, end to end: a real crawl of the minimal demo site with
``[sources.NAME.clean]`` drop/keep selectors in the sources file, checked in the stored text.

The selectors travel from the sources file (ingest/sources.py) through the spider's page item
(spiders/news.py) to the extraction process (ingest/process.py) and the cleaner.
"""

from __future__ import annotations

import pytest

from ingest.demo import DEMO_SITES
from tests.conftest import rows, run_ingest

MINIMAL = next(site for site in DEMO_SITES if site.theme == "minimal")
SWIFTS = "/posts/what-a-week-of-counting-swifts-taught-me-about-patience/"
LIST_ITEM = "Looking at the sky instead of the building"
PARAGRAPH = "I will be back on the bench in June, when the young birds start to fly."
RESPONSE = "Same experience here with house martins."


def _crawl(tmp_path, base: str, clean: str) -> dict[str, str]:
    """Crawl the minimal site with ``clean`` as its [clean] table; stored text by URL path."""
    sources = tmp_path / "sources.toml"
    entry = MINIMAL.entry.format(base=base)
    sources.write_text(
        f'[sources.{MINIMAL.name}]\ndomains = ["127.0.0.1"]\n{entry}\n'
        f"[sources.{MINIMAL.name}.clean]\n{clean}\n",
        encoding="utf-8",
    )
    db = tmp_path / "news.db"
    proc = run_ingest("crawl", "--sources", str(sources), "--db", str(db))
    assert proc.returncode == 0, proc.stderr[-2000:]
    return {
        r["url"].removeprefix(base): r["text"] for r in rows(db, "SELECT url, text FROM articles")
    }


@pytest.fixture(scope="module")
def base(demo_sites) -> str:
    return demo_sites["minimal"]


def test_without_selectors_the_list_and_no_responses_are_stored(tmp_path, base):
    text = _crawl(tmp_path, base, "")[SWIFTS]
    assert LIST_ITEM in text and PARAGRAPH in text and RESPONSE not in text


def test_drop_selector_removes_what_it_names(tmp_path, base):
    text = _crawl(tmp_path, base, 'drop = ["article ul"]')[SWIFTS]
    assert LIST_ITEM not in text and PARAGRAPH in text


def test_keep_selector_names_the_body_and_shields_it_from_the_rules(tmp_path, base):
    # "responses" is a comment word the generic rules always drop; keep wins over them.
    text = _crawl(tmp_path, base, 'keep = ["section.responses"]')[SWIFTS]
    assert RESPONSE in text and PARAGRAPH not in text


def test_invalid_selector_is_a_one_line_error(tmp_path, base):
    sources = tmp_path / "sources.toml"
    sources.write_text(
        f'[sources.{MINIMAL.name}]\ndomains = ["127.0.0.1"]\n{MINIMAL.entry.format(base=base)}\n'
        f'[sources.{MINIMAL.name}.clean]\ndrop = ["div[["]\n',
        encoding="utf-8",
    )
    proc = run_ingest("crawl", "--sources", str(sources), "--db", str(tmp_path / "x.db"))
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    error = proc.stderr.strip()
    assert "\n" not in error and f"[sources.{MINIMAL.name}]" in error
    assert "selector 'div[['" in error and "fix or remove" in error
    assert not (tmp_path / "x.db").exists()  # refused before anything ran
