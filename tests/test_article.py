"""Article.word_count: the ``\\w+`` count, whichever way it is computed (ASCII text is counted
byte-wise in C, other text with the regex)."""

from __future__ import annotations

import re

import pytest

from ingest.article import Article


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("", 0),
        ("   \n\n ", 0),
        ("one", 1),
        (" one two\n\nthree ", 3),
        ("The council's vote: 12-3.", 6),
        ("snake_case and x2", 3),
        ("Don’t stop — “now”!", 4),  # curly quotes and dashes are not word characters
        ("Café au lait, s’il vous plaît", 7),  # accented letters join their word
        ("Straße ١٢٣ km²", 3),  # digits of other scripts and superscripts are word characters
        ("e\u0301te\u0301 noir", 3),  # a combining accent is not a word character: it splits
    ],
)
def test_word_count_counts_runs_of_word_characters(text: str, words: int) -> None:
    assert Article(url="https://example.org/a", text=text).word_count == words
    assert len(re.findall(r"\w+", text)) == words  # the definition the count keeps to


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("日本語 テキスト", 7),  # Chinese and Japanese: one word per Han or kana character
        ("港町の朝市が再開した。", 10),
        ("中文新闻 and news", 6),
        ("서울의 시장이 다시", 3),  # Hangul is written with spaces: runs, as in other scripts
    ],
)
def test_word_count_counts_each_han_or_kana_character(text: str, words: int) -> None:
    """A run of Han or kana was one word: a Japanese article of 300 characters counted 19,
    and `--min-words 100` dropped every Japanese article."""
    assert Article(url="https://example.org/a", text=text).word_count == words
