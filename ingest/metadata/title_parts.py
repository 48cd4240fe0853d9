"""The parts of a title: the site's name and sections cut, the visible heading found inside.

"Headline | Section | Site", "Site: Section : Headline" and "Tagline - Site | Headline" are all
seen; the separators are listed here. A heading the page shows (``<h1>``-``<h5>``, elements
marked as headlines, bold text) that is a whole run of the title's parts is its headline.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from itertools import islice
from typing import TYPE_CHECKING

import lxml.html

from .page import is_foreign
from .values import clean_text, name_key

if TYPE_CHECKING:
    from .sources import PageSources

#: Elements tried as the visible headline inside a <title>, in order, the first N of each.
HEADING_TAGS = ("h1", "h2", "h3", "h4", "h5")
EMPHASIS_TAGS = ("b", "strong", "font")
MAX_PER_TAG = 20
#: Separators between a headline and the site or section name in a title.
TITLE_SEP = re.compile(
    r"(\s+(?:[|\u2013\u2014\u00bb\u00ab\u00b7\u2022>:]|::|-{1,2}|/)\s+|\s*[\uff5c\uff1a]\s*)"
)
_WORD_CHAR = re.compile(r"[^\W_]")


def heading_in_title(raw: str, src: PageSources) -> str | None:
    """The longest visible heading (h1, h2, class*=headline/title) contained in ``raw``.

    <h1>/<h2> are tried first; the page-wide pass over marked elements only when they fail.
    """
    runs = _part_runs(raw)
    target = name_key(raw)
    if not runs:
        return None
    names = src.names
    for elements in _title_heading_groups(src):
        best = _longest_within(elements, runs, target, raw, names)
        if best:
            return best
    return None


def _title_heading_groups(src: PageSources) -> Iterator[list[lxml.html.HtmlElement]]:
    """Visible headings by kind, most trusted first; later groups cost more to gather."""
    tree = src.tree
    yield [el for tag in HEADING_TAGS[:2] for el in src.elements[tag][:MAX_PER_TAG]]
    yield src.marked.headings[:40]
    yield [el for tag in HEADING_TAGS[2:] for el in islice(tree.iter(tag), MAX_PER_TAG)]
    yield [el for tag in EMPHASIS_TAGS for el in islice(tree.iter(tag), MAX_PER_TAG)]


def _part_runs(title: str) -> set[str]:
    """Name keys of every run of whole parts of ``title`` ("A | B | C": A, AB, B, ...)."""
    pieces = TITLE_SEP.split(title)
    count = len(pieces[0::2])
    return {
        key
        for start in range(count)
        for end in range(start + 1, count + 1)
        if (key := name_key("".join(pieces[2 * start : 2 * end - 1])))
    }


def _between_separators(heading: str, title: str) -> bool:
    """``heading`` appears in ``title`` with punctuation or the title's ends on both sides.

    Compared without case, spaces and punctuation ("Pakistan?s" matches "Pakistans"), then
    checked on the title's own characters around the match.
    """
    chars: list[str] = []
    positions: list[int] = []
    for index, char in enumerate(title):
        for folded in char.casefold():
            if _WORD_CHAR.match(folded):
                chars.append(folded)
                positions.append(index)
    key = name_key(heading)
    start = "".join(chars).find(key) if key else -1
    if start < 0:
        return False
    before = title[: positions[start]].rstrip()
    after = title[positions[start + len(key) - 1] + 1 :].lstrip()
    return (not before or not before[-1].isalnum()) and (not after or not after[0].isalnum())


def _longest_within(
    elements: list[lxml.html.HtmlElement],
    runs: set[str],
    target: str,
    raw: str,
    names: list[str],
) -> str | None:
    """The longest heading that is a whole run of title parts, or its start or end.

    Headings that are the site's name, or a fragment in the middle of the title, do not count.
    """
    best: str | None = None
    for el in elements:
        text = clean_text(el.text_content())
        if not text or len(text) > 300 or (best and len(text) <= len(best)):
            continue
        key = name_key(text)
        if len(key) < max(12, len(target) // 3) or is_site_part(text, names):
            continue
        aligned = key in runs or _between_separators(text, raw)
        if aligned and not is_foreign(el):
            best = text
    return best


def strip_site_name(
    title: str, site_names: list[str], h1: str | None = None, longest: bool = False
) -> str:
    """Cut site-name parts (" | Site", "Site - ") and trailing short " | Section" parts.

    With ``longest`` (a <title> of a page without title metadata) the longest part is kept when
    the others are short: old pages chain site, section and headline in any order.
    """
    pieces = TITLE_SEP.split(title)
    parts, seps = pieces[0::2], pieces[1::2]
    if len(parts) == 1:
        return title
    if h1 and not is_site_part(h1, site_names):
        target = name_key(h1)
        for end in range(len(parts), 0, -1):
            for start in range(end):
                if name_key("".join(pieces[2 * start : 2 * end - 1])) == target:
                    return "".join(pieces[2 * start : 2 * end - 1]).strip()
    while len(parts) > 1:
        if is_site_part(parts[-1], site_names):
            parts, seps = parts[:-1], seps[:-1]
        elif is_site_part(parts[0], site_names):
            parts, seps = parts[1:], seps[1:]
        else:
            break
    if _is_short_tail(parts, seps):
        parts, seps = parts[:-1], seps[:-1]
    if longest and len(parts) > 1:
        best = max(parts, key=len)
        if all(len(p.split()) <= 4 for p in parts if p is not best) and len(best.split()) >= 3:
            return best.strip()
    out = parts[0]
    for sep, part in zip(seps, parts[1:], strict=True):
        out += sep + part
    return out.strip() or title


def _is_short_tail(parts: list[str], seps: list[str]) -> bool:
    """A last " | Section" part: short, after a pipe, and shorter than the headline before it."""
    if len(parts) < 2 or seps[-1].strip() != "|":
        return False
    tail = len(parts[-1].split())
    return tail <= 4 and len(" ".join(parts[:-1]).split()) > tail


def is_site_part(part: str, site_names: list[str]) -> bool:
    """True when a title part is (nearly) one of the site's names ("BBC News" for "bbc")."""
    key = name_key(part)
    if not key:
        return True
    for name in site_names:
        if key == name or (name in key and len(key) - len(name) <= max(4, len(name) // 2)):
            return True
        if key in name and len(key) >= 4 and 2 * len(key) >= len(name):
            return True
    return False
