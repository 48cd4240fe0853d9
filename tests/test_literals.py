"""The word filter in front of the paragraph rules gives the verdicts of the plain rules.

``ingest.literals.required_literals`` reads, from a pattern, words every match contains;
``LengthAwareRegex`` runs a rule only where one of its words occurs. Both must be exact: a
word read wrongly would let boilerplate through (or, the other way, cannot happen: the filter
only skips). The check runs the shipped rules, with and without the filter, over their own
examples and over article-like text.
"""

from __future__ import annotations

import re

import pytest

from ingest.clean import LengthAwareRegex, load_rules
from ingest.literals import required_literals

SUFFIX = r"[\s.!:]*"


@pytest.mark.parametrize(
    ("pattern", "words"),
    [
        (r".{0,200}\b(we|this (web)?site|our site) uses? cookies\b.{0,300}", {" cookies"}),
        # the parser factors out the branches' common "s": what is left is still required
        (r"(subscribe|sign up) now", {"ubscribe", "ign up"}),
        (r"(newsletter|inbox)", {"newsletter", "inbox"}),
        (r"(?=.*\b(aktivieren|erhalten)\b).{0,80}push", {"aktivieren", "erhalten"}),
        (r"(?:abc)+x", {"abc"}),
    ],
)
def test_words_read_from_patterns(pattern: str, words: set[str]) -> None:
    assert required_literals(pattern) == words


@pytest.mark.parametrize(
    "pattern",
    [
        r"[\W_]+",  # no literal at all
        r"(share|x)",  # one branch too short to filter by
        r"(cookies)?no",  # optional group; what is left is too short
        r"(?i)cookies",  # case-insensitive: its letters are not literal
        r"(?i:cookies)",
        r"(cookies|)",  # an empty branch matches without the word
        r"(cookies){0,3}ab",  # a repeat of zero contributes nothing
    ],
)
def test_no_words_where_a_match_can_do_without(pattern: str) -> None:
    assert required_literals(pattern) is None


def _plain(patterns: list[str], text: str) -> bool:
    body = "|".join(f"(?:{p})" for p in patterns)
    return re.fullmatch(f"(?:{body}){SUFFIX}", text, re.S) is not None


def _texts() -> list[str]:
    """The rules file's own examples, article sentences, and edge cases around the words."""
    from ingest.clean import RULES_FILE

    rules_text = RULES_FILE.read_text(encoding="utf-8")
    examples = re.findall(r'"([^"\n]{3,400})"', rules_text)
    article = [
        "the council said on tuesday that the ferry would resume service.",
        "we use cookies to improve your experience on our site.",
        "this website uses cookies",
        "photo: jane doe",
        "subscribe to our newsletter to get the latest news delivered to your inbox",
        "get real time updates directly on you device, subscribe now.",
        "0 2,862",
        "- advertisement -",
        "read also: the harbour reopens",
        "'we use cookies,' the baker said, laughing, 'in every single loaf we sell.'",
        "sign in to continue reading",
        "x",
        "",
    ]
    return [t.lower() for t in examples + article]


def test_filtered_rules_give_the_plain_rules_verdicts() -> None:
    patterns = list(load_rules().block_full._patterns)
    filtered = LengthAwareRegex(patterns, SUFFIX)
    texts = _texts()
    assert len(texts) > 50
    verdicts = [(text, filtered.fullmatch(text), _plain(patterns, text)) for text in texts]
    assert [v for v in verdicts if v[1] != v[2]] == []
    assert sum(1 for v in verdicts if v[2]) > 10  # the check saw boilerplate, not only misses
