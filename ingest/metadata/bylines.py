"""Split a byline string into candidate names: "By Jane Doe and John Roe | Email the author".

The patterns below are the rules: prefixes cut before a name ("By", "Von", "Автор:", "文："),
tails cut after it (links, dates, "in Los Angeles", "Staff Writer"), separators between names.
Whether a candidate is a person's name is decided in :mod:`.names`.
"""

from __future__ import annotations

import re
from functools import lru_cache

from .names import ORG, ROLE, WEEKDAY, is_full_name, is_person_name
from .places import is_place
from .values import clean_text

#: Words before a name, any case ("By", "Written by", "Von", "Por", "Autor:", "Автор").
PREFIX_ANYCASE = re.compile(
    r"^(?:(?:written|posted|reported|published|compiled|words|story|text|reporting|interview"
    r"|edited|prepared)\s+by|by|from|von|por|par|autor(?:in)?|author|auteur|verfasst von"
    r"|geschrieben von|texto|testo|redakteur(?:in)?|reporter|an|more|автор|текст|авторы)"
    r"\b\.?\s*[:\-]?\s*",
    re.IGNORECASE,
)
#: Lower-case prefixes only: as capitalised words they start names ("Da Silva", "De Niro").
PREFIX_LOWER = re.compile(r"^(?:di|da|de|door|av|af|för|od|от|text)\s*:?\s+")
#: A broadcaster's possessive before a name ("NBC's Kristen Welker").
ORG_POSSESSIVE = re.compile(r"^[A-Z]{2,6}['\u2019]s\s+")
#: CJK and Korean author labels; they need a colon or slash after them ("文：", "記者／").
CJK_LABEL = re.compile(
    r"^(?:文|記者|记者|作者|撰文|筆者|著者|執筆|执笔|编辑|編集|기자|글|この記事を書いた人)\s*[:：/／]\s*"
)
#: CJK job titles written after the name ("佐藤美咲記者").
CJK_ROLE_END = re.compile(
    r"\s*(?:記者|记者|기자|특파원|特派員|編集委員|論説委員|通信員|撮影|摄影)$"
)
#: Links and buttons in a byline: the name ends here, and so does the byline.
UI_CUT = re.compile(
    r"\b(?:e-?mail(?:\s+the)?\s+author|e-?mail|follow(?:\s+(?:on|me|us|@))?|view\s+(?:all|"
    r"profile|more|bio)|all\s+(?:posts|articles|stories)|more\s+(?:from|by|articles|stories|"
    r"posts)|see\s+(?:all|more)|contact|twitter|facebook|linkedin|instagram|read\s+more"
    r"|about\s+the\s+author|permalink|website|other\s+(?:articles|posts|stories)|comments?"
    r"|share|print)\b.*$|(?:フォロー|关注|關注|팔로우|구독).*$",
    re.IGNORECASE,
)
#: Dates, addresses and update notes after a name: the name ends here.
CUT = re.compile(
    r"(?:\b(?:updated|last\s+updated|posted\s+(?:on|at)|published\s+(?:on|at))\b"
    r"|https?://|www\.|\S*@\S+|(?:\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?"
    r",?\s+)?\d).*$",
    re.IGNORECASE,
)
#: A dateline after a name: "Shaun Nichols in California", "Anna Martel aus Nairobi".
DATELINE = re.compile(r"\s+(?:in|aus)\s+[A-ZÀ-ÖØ-Þ].*$")
#: A counter with its label: "Comments (42)", "人氣( 23925 )".
COUNTER = re.compile(r"[^\s|]+\s*\(\s*[\d.,]+\s*\)")
#: Separators between names in a list ("Jane Doe, John Roe").
LIST_SPLIT = re.compile(r"\s*(?:,|;|/|、|，)\s*")
#: Conjunctions between names, any case ("Jane Doe and John Roe", "Max Muster und Eva Frau").
AND_SPLIT = re.compile(r"\s*(?:&|\+|\band\b|\bund\b|\bsowie\b)\s*", re.I)
#: "and" in other languages, lower case only (capitalised they can be part of a name).
NAME_SPLIT_LOWER = re.compile(r"\s+(?:y|et|e|og|och|en|i|ve|и|és|a)\s+")
#: Separators between byline parts (name | role | date).
PART_SPLIT = re.compile(r"\s*(?:[|\u2022\u00b7\n]|\s-\s|\s\u2013\s|\s\u2014\s)\s*")
#: A preposition left at the end of a name part ("Jane Doe on", "Max Muster am").
TRAILING_WORD = re.compile(r"\s+(?:on|at|in|am|um|le|el|il|the|de|del|em|op)$", re.IGNORECASE)
#: Punctuation and symbols stripped around a name ("[NR] admin", "Sofia ●").
NAME_STRIP = (
    " \t.,:;|-\u2013\u2014()[]{}\"'\u201c\u201d\u2018\u2019*@#/\u25cf\u25aa\u25ba\u00bb\u00ab"
)


def split_names(text: str | None) -> list[str]:
    """Candidate person names in a byline string, in order.

    Cached by string: a site's pages repeat their authors and bylines, and the rules below
    cost tens of µs a byline.
    """
    if isinstance(text, str):
        return list(_split_names(text))
    return _split_names_uncached(text)


@lru_cache(maxsize=2048)
def _split_names(text: str) -> tuple[str, ...]:
    return tuple(_split_names_uncached(text))


def _split_names_uncached(text: str | None) -> list[str]:
    text = clean_text(text)
    if not text:
        return []
    names: list[str] = []
    text = COUNTER.sub(" ", text)
    text = " ".join(re.sub(r"\([^)]*\)?", " ", text).split())  # "(AP)", "(Reuters)", "(Photos)"
    for part in PART_SPLIT.split(text):
        part = strip_prefix(part)
        ui_cut = UI_CUT.sub("", part)
        names += _names_in_part(CUT.sub("", ui_cut))
        if ui_cut != part:
            break  # "Jane Doe | Follow | Topics: ..." - what follows the buttons is not bylines
    return names


def _names_in_part(part: str) -> list[str]:
    chunks = LIST_SPLIT.split(part)
    if len(chunks) > 1 and all(map(_lone_word, chunks)):
        return []  # "Nachrichten, Frankfurt": a label and a place, not a list of people
    found: list[str] = []
    for chunk in chunks:
        for name in _split_conjunctions(chunk):
            name = trim_name(strip_prefix(DATELINE.sub("", name)))
            if is_person_name(name):
                found.append(name)
    return found


def _split_conjunctions(chunk: str) -> list[str]:
    """Names joined by "and"; a chunk stays whole when one side is a single word ("Vivid
    Interactive and Design", "Mac & i": one name), unless it is an agency ("Jane Doe and AP")."""
    pieces = [p for piece in AND_SPLIT.split(chunk) for p in NAME_SPLIT_LOWER.split(piece)]
    if len(pieces) > 1 and any(map(_lone_word, pieces)):
        return [chunk]
    return pieces


def _lone_word(piece: str) -> bool:
    """One Latin/Cyrillic/... word that is no agency: half of a name, not a name."""
    bare = piece.strip(NAME_STRIP)
    return len(bare.split()) == 1 and not ORG.fullmatch(bare) and not is_full_name(bare)


def strip_prefix(text: str) -> str:
    """``text`` without "By", "Von", "文：", ... and stray punctuation around it."""
    text = TRAILING_WORD.sub("", text.strip(NAME_STRIP)).strip(NAME_STRIP)
    for _ in range(3):
        stripped = PREFIX_LOWER.sub("", PREFIX_ANYCASE.sub("", ORG_POSSESSIVE.sub("", text)))
        stripped = CJK_ROLE_END.sub("", CJK_LABEL.sub("", stripped)).strip(NAME_STRIP)
        if stripped == text:
            break
        text = stripped
    return text


def trim_name(name: str) -> str:
    """Cut what follows a name: "Joseph White AP Sports Writer", "FRANK BODANI Daily Record"."""
    words = name.split()
    if words and words[0].casefold() in ("the", "our"):
        return name  # "The Associated Press", "Our Foreign Staff": not a person anyway
    shouting = len(words) > 2 and all(w.isupper() for w in words[:2])
    for index, word in enumerate(words[2:], start=2):
        bare = word.strip(NAME_STRIP)
        if ORG.fullmatch(bare) and is_place(" ".join(words[:index])):
            return name  # "Los Angeles Times": a newspaper named after its city
        if ROLE.fullmatch(bare) or ORG.fullmatch(bare) or WEEKDAY.fullmatch(bare):
            return " ".join(words[:index])
        if bare.casefold() == "the" or (shouting and not bare.isupper()):
            return " ".join(words[:index])
    return name
