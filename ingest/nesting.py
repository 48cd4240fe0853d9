"""Flatten absurdly deep HTML, so libxml2 keeps the text it would otherwise throw away.

libxml2's HTML parser stops building the tree when elements nest deeper than 255 ("Excessive
depth in document") and drops everything after that point: a page with a few hundred unclosed
``<font>`` or ``<div>`` tags before its article loses the whole article. Browsers flatten such
nesting instead. :func:`flatten` does the same before parsing: opening tags deeper than
``max_depth`` (and their closing tags) are removed, so the text they wrapped lands at the
deepest allowed level and survives.

It is a fallback, not a pre-pass: scanning every tag of every page costs a fifth of a parse,
so :mod:`ingest.process` calls it only when the parser reported the depth limit.
"""

from __future__ import annotations

import re
from collections import Counter

#: Far above real pages (news pages nest 20-40 deep) and well under libxml2's 255.
MAX_DEPTH = 100

_VOID = frozenset(
    ("area", "base", "basefont", "bgsound", "br", "col", "command", "embed", "frame", "hr")
    + ("img", "input", "keygen", "link", "meta", "param", "source", "track", "wbr")
)
#: An opening tag of the key closes an open element of these names (HTML's optional end tags).
_CLOSES_SIBLING = {
    "p": {"p"},
    "li": {"li"},
    "dt": {"dt", "dd"},
    "dd": {"dt", "dd"},
    "option": {"option"},
    "tr": {"tr", "td", "th"},
    "td": {"td", "th"},
    "th": {"td", "th"},
}
_BLOCK = frozenset(
    ("address", "article", "aside", "blockquote", "details", "div", "dl", "fieldset")
    + ("figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header")
    + ("hr", "main", "menu", "nav", "ol", "p", "pre", "section", "table", "ul")
)
_TOKEN = re.compile(
    r"<!--.*?-->"
    r"|<(script|style|textarea|title|xmp)\b.*?</\1\s*>"
    r"|<(/?)([A-Za-z][A-Za-z0-9:-]*)[^>]*>",
    re.S | re.I,
)
_DEPTH_ERROR = "Excessive depth"


def hit_depth_limit(error_log: object) -> bool:
    """Did libxml2 give up on a document for nesting too deep? (``parser.error_log``)"""
    fatals = getattr(error_log, "filter_from_fatals", None)
    return fatals is not None and any(_DEPTH_ERROR in e.message for e in fatals())


def flatten(html: str, max_depth: int = MAX_DEPTH) -> str:
    """``html`` with every element deeper than ``max_depth`` unwrapped (its content kept)."""
    out: list[str] = []
    stack: list[str] = []
    dropped: Counter[str] = Counter()
    last = 0
    for match in _TOKEN.finditer(html):
        name = match.group(3)
        if name is None:
            continue
        name = name.lower()
        if match.group(2):
            keep = _close(name, stack, dropped)
        else:
            keep = _open(name, match.group(0), stack, dropped, max_depth)
        if not keep:
            out.append(html[last : match.start()])
            last = match.end()
    out.append(html[last:])
    return "".join(out)


def _open(name: str, tag: str, stack: list[str], dropped: Counter[str], max_depth: int) -> bool:
    if name in _VOID or tag.endswith("/>"):
        return True
    if stack:
        top = stack[-1]
        if top in _CLOSES_SIBLING.get(name, ()) or (top == "p" and name in _BLOCK):
            stack.pop()
    if len(stack) >= max_depth:
        dropped[name] += 1
        return False
    stack.append(name)
    return True


def _close(name: str, stack: list[str], dropped: Counter[str]) -> bool:
    if dropped[name]:
        dropped[name] -= 1
        return False
    if name in stack:
        while stack.pop() != name:
            pass
    return True
