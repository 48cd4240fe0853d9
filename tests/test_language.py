"""The stored language: declared, checked against long text, detected when undeclared.

Real py3langid runs on paragraphs written for these tests.
"""

from __future__ import annotations

import pytest

from ingest.language import CHECK_MIN_CHARS, detect_language, resolve_language

ENGLISH = (
    "Councillors in the harbour town voted on Monday night to restore the tidal mill, which has"
    " stood idle since a storm tore away its wheel many years ago. The plan sets aside money over"
    " four years and asks a heritage trust to raise the rest from grants and donations. Two"
    " councillors said the money would be better spent on the harbour wall, which was damaged"
    " again in January, and engineers will report on the wall in May."
)
GERMAN = (
    "Der Gemeinderat hat am Montagabend beschlossen, die alte Gezeitenmühle am Hafen wieder"
    " instand zu setzen. Die Mühle steht seit einem Sturm still, der ihr Wasserrad zerstört hat."
    " Der Plan sieht Geld für vier Jahre vor und bittet eine Stiftung, den Rest durch Spenden"
    " aufzubringen. Zwei Ratsmitglieder stimmten dagegen und wollen das Geld lieber für die"
    " Hafenmauer ausgeben, die im Januar erneut beschädigt wurde."
)
DANISH = (
    "Byrådet besluttede mandag aften at sætte den gamle tidevandsmølle ved havnen i stand igen."
    " Møllen har stået stille siden en storm ødelagde dens vandhjul for mange år siden. Planen"
    " afsætter penge over fire år og beder en fond om at skaffe resten gennem tilskud og gaver."
    " To medlemmer stemte imod og vil hellere bruge pengene på havnemuren, som igen blev skadet"
    " i januar. Ingeniørerne skal fremlægge deres rapport om muren i maj."
)


def test_texts_are_long_enough_to_check() -> None:
    assert min(len(ENGLISH), len(GERMAN), len(DANISH)) >= CHECK_MIN_CHARS


@pytest.mark.parametrize(
    ("declared", "text", "language"),
    [
        ("de", ENGLISH, "en"),  # a site's default language on an English press release
        ("ru", ENGLISH, "en"),
        ("en", GERMAN, "de"),
        ("de", GERMAN, "de"),
        ("de", "An English teaser of a few words only.", "de"),  # too short to overrule
        ("no", DANISH, "no"),  # kindred languages never overrule each other
        (None, GERMAN, "de"),
        (None, "", None),
    ],
)
def test_resolve_language(declared: str | None, text: str, language: str | None) -> None:
    assert resolve_language(declared, text) == language


def test_detect_language_needs_some_text() -> None:
    assert detect_language("Hi") is None
    assert detect_language(GERMAN) == "de"


@pytest.mark.parametrize(
    ("given", "code"),
    [
        ("Arabic", "ar"),
        ("Latin", "la"),
        ("korean", "ko"),
        ("Farsi", "fa"),
        ("English", "en"),
        ("en-US", "en"),
        ("fil", "fil"),  # no two-letter code: its three letters stand
        ("Klingon", None),
    ],
)
def test_a_language_named_in_english_is_its_code(given: str, code: str | None) -> None:
    """`--lang Arabic` was "not a language" while `--lang English` worked: only fifteen
    names were known."""
    from ingest.language import given_language

    assert given_language(given) == code
