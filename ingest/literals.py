"""The literal strings a regular expression cannot match without.

The paragraph rules of :mod:`ingest.clean` are full-matched against every paragraph of every
page. Most of them can only match text that contains a word of theirs ("cookies", "newsletter",
"subscribe"), but a rule written as ``.{0,200}\\b(we|our site) uses? cookies\\b.{0,300}`` makes
Python's backtracking engine try the keyword at each of 200 positions first. Finding the words
of all rules in one pass of an Aho-Corasick automaton, and running only the rules whose words
occur, gives the same verdicts at a fraction of the cost (see ``LengthAwareRegex``).
"""

from __future__ import annotations

from re import _constants as c  # noqa: PLC2701 - reading a parsed pattern
from re import _parser as sre_parse  # noqa: PLC2701
from typing import Any

#: Literal sets whose shortest member is shorter than this are useless as a filter.
MIN_LITERAL_CHARS = 3


def required_literals(pattern: str) -> frozenset[str] | None:
    """Strings of which every match of ``pattern`` contains at least one, or None when no such
    set of useful length can be read from it.

    Exact by construction: a literal run in a sequence, an alternation whose every branch has
    a set (their union), a repeat of at least one, a group, a positive lookahead. Patterns that
    change case-sensitivity inline give None (their literals would not be literal).
    """
    try:
        parsed = sre_parse.parse(pattern)
    except Exception:  # noqa: BLE001 - the rule compiler reports bad patterns itself
        return None
    if parsed.state.flags & c.SRE_FLAG_IGNORECASE:
        return None
    found = _sequence(list(parsed))
    if not found or min(map(len, found)) < MIN_LITERAL_CHARS:
        return None
    return frozenset(found)


def _sequence(items: list[tuple[Any, Any]]) -> set[str] | None:
    """The best literal set of a concatenation: the one whose shortest member is longest."""
    candidates: list[set[str]] = []
    run: list[str] = []
    for op, av in items:
        if op is c.LITERAL:
            run.append(chr(av))
            continue
        if op is c.AT:  # \b, ^, $: zero-width, the literals around it stay adjacent
            continue
        if run:
            candidates.append({"".join(run)})
            run = []
        found = _item(op, av)
        if found:
            candidates.append(found)
    if run:
        candidates.append({"".join(run)})
    return max(candidates, key=lambda s: min(map(len, s)), default=None)


def _item(op: Any, av: Any) -> set[str] | None:
    if op is c.SUBPATTERN:
        _group, add_flags, _del_flags, sub = av
        return None if add_flags & c.SRE_FLAG_IGNORECASE else _sequence(list(sub))
    if op is c.BRANCH:
        branches = [_sequence(list(b)) for b in av[1]]
        return set().union(*branches) if all(branches) else None
    if op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT) and av[0] >= 1:
        return _sequence(list(av[2]))
    if op is c.ATOMIC_GROUP:
        return _sequence(list(av))
    if op is c.ASSERT and av[0] == 1:  # a lookahead must match too
        return _sequence(list(av[1]))
    return None
