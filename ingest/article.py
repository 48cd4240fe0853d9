"""The one record type that flows between stages: extraction -> cleaning -> dedup -> store.

Every stage takes or returns an :class:`Article`; nothing downstream of extraction looks at
HTML again. Fields mirror the ``articles`` table columns one to one.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import re
from dataclasses import dataclass, field
from typing import Any, Literal

#: What a fetched page turned out to be. Only ``article`` pages are stored as articles;
#: the others are recorded in the fetch log with this value as the reason.
PageKind = Literal["article", "not_article", "paywall", "empty"]

#: Chinese and Japanese are written without spaces: each Han or kana character counts as a
#: word, as word processors count them (a run of them was one word: a Japanese article of
#: 300 characters counted 19 and fell under every --min-words). Hangul is written with spaces.
_CJK = (
    "\u3041-\u3096\u309d-\u309f"  # hiragana (not the sound marks ゛゜)
    "\u30a1-\u30fa\u30fc-\u30ff"  # katakana and ー (not the middle dot ・)
    "\uff66-\uff9d"  # halfwidth katakana
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"  # Han
)
WORD = re.compile(rf"[{_CJK}]|[^\W{_CJK}]+")
#: One Han or kana character: about half a word of the languages written with spaces.
CJK_CHARACTER = re.compile(f"[{_CJK}]")
#: A word character outside ASCII (a letter with an accent, CJK, a digit of another script).
_NON_ASCII_WORD = re.compile(r"(?![\x00-\x7f])\w")
#: Byte table: ASCII word characters (what ``\w`` matches there) -> "w", all else -> " ".
_WORD_MARKS = bytes(
    ord("w") if b < 128 and (chr(b).isalnum() or chr(b) == "_") else ord(" ") for b in range(256)
)


@dataclass(slots=True)
class Article:
    """One clean article record, as extracted from one page."""

    url: str  # canonical URL: the primary key in storage
    title: str | None = None
    text: str = ""  # main text, paragraphs separated by a blank line
    authors: list[str] = field(default_factory=list)
    published_at: str | None = None  # ISO 8601 with timezone
    modified_at: str | None = None  # ISO 8601 with timezone
    language: str | None = None  # ISO 639-1 code
    description: str | None = None
    section: str | None = None
    tags: list[str] = field(default_factory=list)
    image: str | None = None  # top image URL (absolute)
    site_name: str | None = None
    fetched_url: str | None = None  # the URL the page was fetched from (may differ from url)
    kind: PageKind = "article"
    kind_reason: str | None = None  # why a page is not an article (e.g. "listing page")
    source: str | None = None  # the sources-file entry that found it; set by the crawl

    @property
    def word_count(self) -> int:
        """Number of words of the main text (runs of word characters; each Han or kana
        character counts as one)."""
        return _count_words(self.text)

    @property
    def content_hash(self) -> str:
        """Hash of the normalised text, used to spot the same article under two URLs."""
        normalised = " ".join(self.text.split()).casefold()
        return hashlib.sha256(normalised.encode("utf-8")).hexdigest()[:32]

    def to_dict(self) -> dict[str, Any]:
        """Plain dict with the derived fields, ready for JSON or storage."""
        data = {f.name: getattr(self, f.name) for f in _FIELDS}  # asdict() deep-copies: slow
        data["authors"], data["tags"] = list(self.authors), list(self.tags)
        data["word_count"] = self.word_count
        data["content_hash"] = self.content_hash
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Article:
        """Inverse of :meth:`to_dict`; ignores derived and unknown keys."""
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})


_FIELDS = dataclasses.fields(Article)


@functools.lru_cache(maxsize=8)
def _count_words(text: str) -> int:
    """Counted once per text: the page classifier and the stored record both ask.

    Text whose word characters are all ASCII (English, even with curly quotes and dashes) is
    counted in C: characters marked word / not word, then the starts of words counted. The
    regex builds a string per word: ten times slower on an English article.
    """
    if not text.isascii() and _NON_ASCII_WORD.search(text) is not None:
        return len(WORD.findall(text))
    marks = text.encode("ascii", "replace").translate(_WORD_MARKS)
    return marks.count(b" w") + marks.startswith(b"w")
