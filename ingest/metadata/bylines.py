"""Person names from a byline string: "By Jane Doe and John Roe | Email the author" -> names.

The word lists below are the rules: prefixes cut before a name ("By", "Von", "Por"), tails cut
after it ("Email the author", dates, links), separators between names, and words that mark a
role ("Staff Writer") or an organisation ("Reuters") rather than a person.
"""

from __future__ import annotations

import re

from .values import clean_text

#: Words before a name, any case ("By", "Written by", "Von", "Por", "Autor:").
PREFIX_ANYCASE = re.compile(
    r"^(?:(?:written|posted|reported|published|compiled|words|story|text|reporting|interview)"
    r"\s+by|by|from|von|por|par|autor(?:in)?|author|auteur|verfasst von|geschrieben von|texto|testo"
    r"|redakteur(?:in)?|reporter|an)\b\.?\s*[:\-]?\s*",
    re.IGNORECASE,
)
#: Lower-case prefixes only: as capitalised words they start names ("Da Silva", "De Niro").
PREFIX_LOWER = re.compile(r"^(?:di|da|de|door|av|af|för|od|от|text)\s*:?\s+")
#: Everything from these words on is not part of the name (links, dates, contact, sharing).
CUT = re.compile(
    r"(?:\b(?:e-?mail(?:\s+the)?\s+author|e-?mail|follow(?:\s+(?:on|me|us|@))?|view\s+(?:all|"
    r"profile|more|bio)|all\s+(?:posts|articles|stories)|more\s+(?:from|by|articles|stories|"
    r"posts)|see\s+(?:all|more)|updated|last\s+updated|posted\s+(?:on|at)|published\s+(?:on|at)"
    r"|contact|twitter|facebook|linkedin|instagram|read\s+more|about\s+the\s+author|permalink"
    r"|website|other\s+(?:articles|posts|stories)|comments?|share|print)\b"
    r"|https?://|www\.|\S*@\S+|(?:\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?"
    r",?\s+)?\d).*$",
    re.IGNORECASE,
)
#: Separators between names, any case ("Jane Doe, John Roe and Ann Poe").
NAME_SPLIT_ANYCASE = re.compile(r"\s*(?:,|;|/|&|\+|\band\b|\bund\b|\bsowie\b|、|，)\s*", re.I)
#: "and" in other languages, lower case only (capitalised they can be part of a name).
NAME_SPLIT_LOWER = re.compile(r"\s+(?:y|et|e|og|och|en|i|ve|и|és|a)\s+")
#: Separators between byline parts (name | role | date).
PART_SPLIT = re.compile(r"\s*(?:[|\u2022\u00b7\n]|\s-\s|\s\u2013\s|\s\u2014\s)\s*")
#: Role words: a name made of these only is a job title ("Senior Staff Writer").
ROLE = re.compile(
    r"\b(?:staff|writers?|reporters?|correspondents?|editors?|editorial|contributors?|"
    r"contributing|columnists?|journalists?|photographers?|producers?|analysts?|bureau|chief|"
    r"senior|desk|intern|freelance|special|redakteur(?:in)?|korrespondent(?:in)?|redaktion|"
    r"newsroom|opinion|guest|team|edited|updated|published|posted|content|our|own|wire|"
    r"services?)\b",
    re.IGNORECASE,
)
#: Organisation words: such an "author" is kept only when no person is named.
ORG = re.compile(
    r"\b(?:news|press|media|agency|agencies|times|post|journal|tribune|herald|gazette|magazine|"
    r"online|radio|tv|television|network|group|inc|ltd|llc|gmbh|ag|dpa|afp|ap|reuters|kna|epd|"
    r"associated|bloomberg|sid|apa|efe|ansa|xinhua|tass|pa|ips|service|nachrichten|"
    r"zeitung|noticias|wire|staff|desk|newsroom|\w+\.(?:com|net|org|de|co|uk|fr|es|it|in))\b",
    re.IGNORECASE,
)
_NOT_NAMES_WORDS = """
    admin administrator webmaster guest anonymous unknown null none undefined user editor
    author staff redaktion
"""
#: Placeholders CMSs print where a name should be.
NOT_NAMES = frozenset(_NOT_NAMES_WORDS.split())
#: Words that make a byline part something other than a name ("Photos: ...").
NOT_A_NAME = re.compile(r"\b(?:photos?|fotos?|images?|bild|illustration|video|graphics?)\b", re.I)
WEEKDAY = re.compile(
    r"(?:mon|tues|wednes|thurs|fri|satur|sun)day|(?:mon|diens|donners|frei|sams|sonn)tag|mittwoch",
    re.IGNORECASE,
)
#: A preposition left at the end of a name part ("Jane Doe on", "Max Muster am").
TRAILING_WORD = re.compile(r"\s+(?:on|at|in|am|um|le|el|il|the|de|del|em|op)$", re.IGNORECASE)
_PARTICLES_WORDS = """
    de da di van von der den du del la le ter ten bin al el
"""
#: Lower-case words that may start a name ("van der Berg").
PARTICLES = frozenset(_PARTICLES_WORDS.split())
NAME_STRIP = " \t.,:;|-\u2013\u2014()[]{}\"'\u201c\u201d\u2018\u2019*@#"
#: CJK names are a few characters; longer runs are labels or sentences.
MAX_CJK_CHARS = 12


def split_names(text: str | None) -> list[str]:
    """Person names in a byline string: "By Jane Doe and John Roe | Email the author"."""
    text = clean_text(text)
    if not text:
        return []
    names: list[str] = []
    text = re.sub(r"\([^)]*\)?", " ", text)  # "(AP)", "(Reuters)", "(Photos)"
    for part in PART_SPLIT.split(text):
        part = CUT.sub("", strip_prefix(part))
        for chunk in NAME_SPLIT_ANYCASE.split(part):
            for name in NAME_SPLIT_LOWER.split(chunk):
                name = trim_name(strip_prefix(name))
                if is_person_name(name):
                    names.append(name)
    return names


def strip_prefix(text: str) -> str:
    """``text`` without "By", "Von", ... and stray punctuation around it."""
    text = TRAILING_WORD.sub("", text.strip(NAME_STRIP)).strip(NAME_STRIP)
    for _ in range(3):
        stripped = PREFIX_LOWER.sub("", PREFIX_ANYCASE.sub("", text)).strip(NAME_STRIP)
        if stripped == text:
            break
        text = stripped
    return text


def trim_name(name: str) -> str:
    """Cut what follows a name: "Joseph White AP Sports Writer", "Richard Lam Published"."""
    words = name.split()
    if words and words[0].casefold() in ("the", "our"):
        return name  # "The Associated Press", "Our Foreign Staff": not a person anyway
    for index, word in enumerate(words[2:], start=2):
        bare = word.strip(NAME_STRIP)
        if ROLE.fullmatch(bare) or ORG.fullmatch(bare) or WEEKDAY.fullmatch(bare):
            return " ".join(words[:index])
    return name


def is_person_name(name: str) -> bool:
    """Could ``name`` be a byline name (not a role, a date, a link text or a sentence)?"""
    if not 2 <= len(name) <= 60 or name.casefold() in NOT_NAMES:
        return False
    if not any(ch.isalpha() for ch in name) or any(ch in name for ch in "?!<>=:"):
        return False
    words = name.split()
    if len(words) > 6 or ROLE.search(name) and len(words) <= 4 and role_only(name):
        return False
    if NOT_A_NAME.search(name):
        return False
    latin = all(ord(ch) < 0x250 for ch in name if ch.isalpha())
    if sum(1 for ch in name if ord(ch) >= 0x2E80) > MAX_CJK_CHARS:
        return False
    return not (latin and words[0].islower() and len(words) > 1 and words[0] not in PARTICLES)


def role_only(name: str) -> bool:
    """True when every word of ``name`` is a role word or a filler ("Senior Staff Writer")."""
    rest = ROLE.sub("", name)
    rest = re.sub(r"\b(?:the|of|for|a|an|and|der|die|das|für|de|la|el)\b", "", rest, flags=re.I)
    return not rest.strip(NAME_STRIP + " ")
