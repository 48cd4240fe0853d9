"""Boilerplate removal, driven by the rules in ``ingest/rules/boilerplate.toml``.

Two passes, each with the tool that suits it:

* :func:`prune_page` runs on the whole parsed page with lxml (C speed): it drops elements that
  never hold article text (tags, hidden elements, class/id words such as ``share`` or
  ``related``, CSS selectors). Doing this before the body is chosen keeps comment threads and
  sidebars from winning the choice.
* :func:`clean_blocks` runs on the paragraph lines of the chosen body: each paragraph is kept
  or dropped by its text ("- Advertisement -", share counters, newsletter prompts, "Read
  also: ..." links ...). :func:`clean_fragment` feeds it any HTML fragment through
  BeautifulSoup, which reads broken markup the way a browser would.

Rules are data: the generic ones ship in the TOML file; per-source ``drop``/``keep`` selectors
come from the sources file. :func:`load_rules` compiles them once per process (the extractor
runs in a process pool, so each worker compiles its own copy on first use).
"""

from __future__ import annotations

import bisect
import html as html_lib
import re
import tomllib
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from importlib.resources.abc import Traversable
from re import _constants as sre_constants  # noqa: PLC2701 - pattern widths
from re import _parser as sre_parse  # noqa: PLC2701

import ahocorasick
import lxml.html
from bs4 import BeautifulSoup, NavigableString, Tag
from lxml import etree
from lxml.cssselect import CSSSelector

from ingest.literals import required_literals

#: A package resource, not a path next to __file__: under Scrapyd the package runs from a
#: zipped egg, where only importlib.resources can read it.
RULES_FILE = resources.files("ingest") / "rules" / "boilerplate.toml"

#: Tags that start a new paragraph in the output text.
BLOCK_TAGS = frozenset(
    [
        "p",
        "div",
        "section",
        "article",
        "main",
        "header",
        "li",
        "dd",
        "dt",
        "blockquote",
        "pre",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "table",
        "tr",
        "td",
        "th",
        "caption",
        "ul",
        "ol",
        "dl",
        "figure",
        "address",
        "details",
        "summary",
        "hr",
        "body",
        "html",
        "form",
        "fieldset",
        "legend",
        "center",
        "tbody",
        "thead",
        "tfoot",
    ]
)
#: WordPress adds term classes (``tag-cookies``, ``category-social``) to the article element;
#: they describe the topic, not the element, so they are ignored by the class/id rules.
_TERM_CLASSES = re.compile(r"\b(?:tag|category|cat|term|topic|format|type|section)-\S+")
_BREAK = "\x00"  # a <br> inside a paragraph: splits it into lines


class LengthAwareRegex:
    """Full-match a paragraph against many patterns, skipping those that cannot match it.

    By length: most paragraph rules are bounded ("- Advertisement -", a cookie notice of at
    most a few hundred characters); a long article paragraph only needs the few unbounded ones
    (counters). By words: a rule that cannot match without one of its words (its
    :func:`~ingest.literals.required_literals`, e.g. "cookies") runs only on paragraphs where
    an Aho-Corasick pass found such a word; that pass costs a fifth of trying the rules. The
    other rules run as one alternation per length bucket. Text is lowercased by the caller:
    patterns are written in lowercase and run without re.I.
    """

    def __init__(self, patterns: Sequence[str], suffix: str) -> None:
        items = sorted((_max_width(p), p) for p in patterns)
        self._widths = [w for w, _p in items]
        self._patterns = [p for _w, p in items]
        self._suffix = suffix
        literals = [required_literals(p) for p in self._patterns]
        self._guarded = frozenset(i for i, found in enumerate(literals) if found)
        self._words = _automaton(literals)
        self._single: dict[int, re.Pattern[str]] = {}
        self._compiled: dict[int, re.Pattern[str]] = {}

    def fullmatch(self, text: str) -> bool:
        start = bisect.bisect_left(self._widths, len(text.rstrip(" .!:\t\n")))
        regex = self._compiled.get(start)
        if regex is None:
            regex = self._compiled[start] = self._compile(start)
        if regex.fullmatch(text) is not None:
            return True
        if self._words is None:
            return False
        hits = {i for _end, found in self._words.iter(text) for i in found if i >= start}
        return any(self._one(i).fullmatch(text) is not None for i in sorted(hits))

    def compile_all(self) -> None:
        """Compile every pattern and length bucket now. The extraction fork server does it once
        for all workers; compiled lazily, each worker spent its first pages compiling them."""
        for start in range(len(self._patterns) + 1):
            if start not in self._compiled:
                self._compiled[start] = self._compile(start)
        for i in self._guarded:
            self._one(i)

    def _compile(self, start: int) -> re.Pattern[str]:
        """The unguarded patterns of a length bucket as one alternation."""
        body = "|".join(
            f"(?:{p})"
            for i, p in enumerate(self._patterns)
            if i >= start and i not in self._guarded
        )
        return re.compile(f"(?:{body or '(?!)'}){self._suffix}", re.S)

    def _one(self, index: int) -> re.Pattern[str]:
        regex = self._single.get(index)
        if regex is None:
            pattern = self._patterns[index]
            regex = self._single[index] = re.compile(f"(?:{pattern}){self._suffix}", re.S)
        return regex


def _automaton(literals: list[frozenset[str] | None]) -> ahocorasick.Automaton | None:
    """word -> indexes of the patterns that need it, for one scan of a paragraph."""
    needed: dict[str, list[int]] = {}
    for index, found in enumerate(literals):
        for word in found or ():
            needed.setdefault(word, []).append(index)
    if not needed:
        return None
    automaton = ahocorasick.Automaton()
    for word, indexes in needed.items():
        automaton.add_word(word, tuple(indexes))
    automaton.make_automaton()
    return automaton


def _max_width(pattern: str) -> float:
    """The longest text ``pattern`` can match (inf when unbounded)."""
    width = sre_parse.parse(pattern).getwidth()[1]
    return float("inf") if width >= sre_constants.MAXREPEAT else float(width)


class RulesError(ValueError):
    """The rules file or a per-source selector is invalid."""


@dataclass(frozen=True, eq=False)
class Rules:
    """The compiled boilerplate rules, shared by every page a process extracts.

    Compared and hashed by identity (``eq=False``): one compiled set per source is cached by
    :func:`load_rules`, and hashing the compiled regexes field by field (per-rules caches are
    keyed on it) costs tens of microseconds each time.
    """

    drop_tags: tuple[str, ...]
    unwrap_tags: tuple[str, ...]
    furniture_tags: tuple[str, ...]
    hidden: etree.XPath
    class_drop: re.Pattern[str]
    class_always: re.Pattern[str]
    class_small: re.Pattern[str]
    small_max_chars: int
    class_keep: re.Pattern[str]
    class_ignore: re.Pattern[str]
    drop_selectors: etree.XPath | None
    source_drop: etree.XPath | None
    keep_selectors: etree.XPath | None
    block_full: LengthAwareRegex
    block_prefix: re.Pattern[str]
    prefix_max_chars: int
    block_cut: re.Pattern[str]
    cut_min_chars: int
    max_share: float
    guard_min_chars: int


def load_rules(drop: Sequence[str] = (), keep: Sequence[str] = ()) -> Rules:
    """Generic rules plus per-source ``drop``/``keep`` CSS selectors, compiled and cached."""
    return _load_rules(tuple(drop), tuple(keep), RULES_FILE)


@lru_cache(maxsize=64)
def _load_rules(drop: tuple[str, ...], keep: tuple[str, ...], path: Traversable) -> Rules:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise RulesError(f"{path}: cannot read boilerplate rules: {exc}") from exc
    # Plain XPath 1.0 (no regex callbacks into Python): lowercase, drop spaces, compare; on
    # the attribute axis, which libxml2 walks far faster than a predicate on every element.
    style = "translate(., 'ABCDEFGHIJKLMNOPQRSTUVWXYZ ', 'abcdefghijklmnopqrstuvwxyz')"
    styles = " or ".join(f"contains({style}, '{text}')" for text in data["hidden"]["style"])
    paths = [f"//body//@{name}/.." for name in data["hidden"]["attributes"]]
    hidden = etree.XPath(" | ".join([*paths, f"//body//@style[{styles}]/.."]))
    blocks = data["blocks"]
    return Rules(
        drop_tags=tuple(data["tags"]["drop"]),
        unwrap_tags=tuple(data["tags"]["unwrap"]),
        furniture_tags=tuple(data["tags"]["furniture"]),
        hidden=hidden,
        class_drop=_alternation(
            data["class_id"]["drop"] + data["class_id"]["always_drop"], lower=True
        ),
        class_always=_alternation(data["class_id"]["always_drop"], lower=True),
        class_small=_alternation(data["class_id"]["small"], lower=True),
        small_max_chars=int(data["class_id"]["small_max_chars"]),
        class_keep=_alternation(data["class_id"]["keep"], lower=True),
        class_ignore=_alternation(data["class_id"].get("ignore", ["(?!)"]), anchored=True),
        drop_selectors=_selectors(data["selectors"]["drop"], "drop"),
        source_drop=_selectors(drop, "drop") if drop else None,
        keep_selectors=_selectors(keep, "keep") if keep else None,
        block_full=LengthAwareRegex(blocks["full"], r"[\s.!:]*"),
        block_prefix=_alternation(blocks["prefix"], anchored=True),
        prefix_max_chars=int(blocks.get("prefix_max_chars", 200)),
        block_cut=re.compile(
            "(?:" + "|".join(f"(?:{p})" for p in blocks.get("cut", ["(?!)"])) + r")[\s.!:]*", re.S
        ),
        cut_min_chars=int(blocks.get("cut_min_chars", 300)),
        max_share=float(data["guard"]["max_share"]),
        guard_min_chars=int(data["guard"].get("min_chars", 0)),
    )


def _alternation(
    patterns: Iterable[str], anchored: bool = False, lower: bool = False
) -> re.Pattern[str]:
    """One regex for a list of patterns.

    ``lower``: the text is lowercased before matching, so the patterns (written in lowercase)
    skip re.IGNORECASE, which makes a long alternation about four times slower.
    """
    body = "|".join(f"(?:{p})" for p in patterns)
    return re.compile(("^(?:" if anchored else "(?:") + body + ")", 0 if lower else re.I)


def _selectors(selectors: Sequence[str], what: str) -> etree.XPath | None:
    """One XPath for a list of CSS selectors, as cheap for libxml2 as we can make it.

    cssselect turns ``[role=banner]`` into ``descendant-or-self::*[@role = 'banner']``, which
    libxml2 evaluates by building a node-set on every element: a dozen such selectors cost
    milliseconds a page. Attribute tests become attribute-axis steps, one per attribute name
    (``descendant-or-self::node()/@role[. = 'banner' or . = 'dialog']/..``), selectors on the
    same element name share one predicate, and the rest (``a + a``) stay as they are.
    """
    by_attr: dict[str, list[str | None]] = {}
    by_tag: dict[str, list[str | None]] = {}
    other: list[str] = []
    for css in selectors:
        try:
            path = CSSSelector(css).path
        except Exception as exc:  # cssselect raises several error types
            raise RulesError(f"invalid {what} selector {css!r}: {exc}") from exc
        if match := _ATTR_TEST.fullmatch(path):
            by_attr.setdefault(match["name"], []).append(match["value"])
        elif (match := _SIMPLE_PATH.fullmatch(path)) and _one_bracket(match["pred"] or "[]"):
            pred = match["pred"]
            by_tag.setdefault(match["tag"], []).append(pred[1:-1] if pred else None)
        else:
            other.append(path)
    parts = [_attr_path(name, values) for name, values in by_attr.items()]
    parts += [_tag_path(tag, preds) for tag, preds in by_tag.items()]
    parts += other
    return etree.XPath(" | ".join(parts)) if parts else None


_ATTR_TEST = re.compile(r"descendant-or-self::\*\[@(?P<name>[\w:-]+)(?: = '(?P<value>[^']*)')?\]")
_SIMPLE_PATH = re.compile(r"descendant-or-self::(?P<tag>\*|[\w-]+)(?P<pred>\[.*\])?", re.S)


def _attr_path(name: str, values: list[str | None]) -> str:
    step = f"descendant-or-self::node()/@{name}"
    if None in values:  # [name] alone: any value
        return f"{step}/.."
    return f"{step}[" + " or ".join(f". = '{v}'" for v in values) + "]/.."


def _tag_path(tag: str, predicates: list[str | None]) -> str:
    if None in predicates:
        return f"descendant-or-self::{tag}"
    return f"descendant-or-self::{tag}[" + " or ".join(f"({p})" for p in predicates) + "]"


def _one_bracket(text: str) -> bool:
    """True when ``[...]`` is one bracketed predicate (not ``[a]/b[c]``), quotes respected."""
    depth, quote = 0, ""
    for i, ch in enumerate(text):
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch == "[":
            depth += 1
        elif ch == "]":
            depth -= 1
            if depth == 0 and i != len(text) - 1:
                return False
    return depth == 0


# --------------------------------------------------------------------------- page pass (lxml)


def prune_page(root: lxml.html.HtmlElement, rules: Rules) -> list[lxml.html.HtmlElement]:
    """Remove boilerplate elements from the whole page, in place.

    Returns the elements named by the per-source ``keep`` selectors (empty when none match):
    they and their ancestors survive every rule, and the caller uses them as the article body.
    """
    etree.strip_elements(root, *rules.drop_tags, with_tail=False)
    kept = rules.keep_selectors(root) if rules.keep_selectors is not None else []
    named, guarded, always = _class_id_pass(root, rules)
    protected = _protected(root, kept or named, bool(kept))
    candidates = [*root.iter(*rules.furniture_tags), *rules.hidden(root), *guarded]
    if rules.drop_selectors is not None:
        candidates += rules.drop_selectors(root)
    measure = _paragraph_meter(root)
    page_text = measure(root)
    if page_text < 0.2 * len(root.text_content()):  # pages written with <div>/<br> only
        measure = _all_chars
        page_text = measure(root)
    share = rules.max_share
    if measure is not _all_chars:
        # Paragraph text measures running text well: an element that holds less of it than
        # the rest of the page is not the article (a footer's "About" blurbs on a short post).
        share = max(share, RUNNING_SHARE)
    limit = max(share * page_text, rules.guard_min_chars)
    spared = protected | _chunked_bodies(guarded, limit, measure)
    doomed = [
        el for el in candidates if el not in spared and not _holds_article(el, limit, measure)
    ]
    # Comment words go unguarded, except on a wrapper that holds the headline too
    # (``<div id="article" class="comments-enabled">``).
    doomed += [el for el in always if el not in protected and el.find(".//h1") is None]
    for el in doomed:  # decided before any removal, so earlier drops cannot sway the guard
        _drop(el)
    if rules.source_drop is not None:
        for el in rules.source_drop(root):
            _drop(el)
    return kept


#: Share of the page's ``<p>`` text a word-matched element must hold to be spared as the article.
RUNNING_SHARE = 0.5


def _chunked_bodies(
    guarded: list[lxml.html.HtmlElement],
    limit: float,
    measure: Callable[[lxml.html.HtmlElement], int],
) -> set[lxml.html.HtmlElement]:
    """Word-rule matches that are chunks of the article body, spared by the guard together.

    Some sites cut the body into sibling blocks of one class that happens to hold a rule word
    (``<div class="article-widget article-widget-text">`` between image and embed widgets):
    no chunk holds enough of the page's text alone, but together they do. Chunks differ from
    each other; a notice repeated in every embed placeholder does not.
    """
    if measure is not _all_chars and sum(map(measure, guarded)) <= limit:
        return set()  # no group can hold enough (a lookup per element): skip the grouping
    groups: dict[tuple, list[lxml.html.HtmlElement]] = {}
    for el in guarded:
        groups.setdefault((el.getparent(), el.tag, el.get("class")), []).append(el)
    spared: set[lxml.html.HtmlElement] = set()
    for members in groups.values():
        if len(members) < 2 or sum(measure(el) for el in members) <= limit:
            continue
        if len({el.text_content().strip() for el in members}) == len(members):
            spared.update(members)
    return spared


_ARTICLE_BODY_PROP = etree.XPath("//body//@itemprop[. = 'articleBody']/..")


def _protected(
    root: lxml.html.HtmlElement, bodies: list[lxml.html.HtmlElement], with_descendants: bool
) -> set[lxml.html.HtmlElement]:
    """Elements that no rule may drop: the article body candidates and their ancestors.

    Only the largest "article body" elements count, so that teaser cards in a related-posts
    box that reuse the theme's ``post-content`` class do not shield the whole box. Inside
    them, body-named chunks of real size (``<div class="article-text">`` wrapped in a
    ``<div class="hasBanners">`` one per section) are shielded too.
    """
    bodies = bodies + _ARTICLE_BODY_PROP(root)
    if not bodies:
        return set()
    if not with_descendants:
        sizes = [len(el.text_content()) for el in bodies]
        top = max(sizes)
        chosen = [el for el, n in zip(bodies, sizes, strict=True) if n >= max(0.5 * top, 80)]
        inside = set(chosen)
        bodies = chosen + [
            el
            for el, n in zip(bodies, sizes, strict=True)
            if CHUNK_MIN_CHARS <= n < max(0.5 * top, 80)
            and any(a in inside for a in el.iterancestors())
        ]
    protected: set[lxml.html.HtmlElement] = set()
    for el in bodies:
        protected.add(el)
        protected.update(el.iterancestors())
        if with_descendants:
            protected.update(el.iterdescendants())
    return protected


#: A body-named element inside the article body with this much text is a chunk of it.
CHUNK_MIN_CHARS = 200
_BODY_WITH_CLASS = etree.XPath("//body//@class/.. | //body//@id/..")
_KEEP, _SMALL, _DROP, _ALWAYS = 1, 2, 3, 4  # the strongest word decides (_KEEP first)
#: Class/id values remembered per worker. A site's recurring values (menus, cards) are a few
#: thousand; per-page ids (``post-48213``) never recur and, at 200,000, grew each worker by
#: 60 MB over a 100,000-page crawl before the cache was cleared.
_VERDICT_CACHE_MAX = 20_000


def _class_id_pass(
    root: lxml.html.HtmlElement, rules: Rules
) -> tuple[list[lxml.html.HtmlElement], list[lxml.html.HtmlElement], list[lxml.html.HtmlElement]]:
    """One walk over elements with a class or id: (body-named, guarded drops, comment drops).

    Pages repeat the same class values hundreds of times (menu items, cards), and sites repeat
    them across pages, so each distinct value is matched once per process.
    """
    named, guarded, always = [], [], []
    cache = _verdicts(rules)
    if len(cache) > _VERDICT_CACHE_MAX:  # a long crawl over many sites: start afresh
        cache.clear()
        _word_verdicts(rules).clear()
    for el in _BODY_WITH_CLASS(root):
        value = f"{el.get('class', '')} {el.get('id', '')}"
        verdict = cache.get(value)
        if verdict is None:
            verdict = cache[value] = _verdict(value, rules)
        if not verdict or el.tag in ("body", "main"):
            continue
        if verdict == _KEEP:
            named.append(el)
        elif verdict == _DROP:
            guarded.append(el)
        elif verdict == _SMALL:
            if len(el.text_content()) <= rules.small_max_chars:
                guarded.append(el)
        else:
            always.append(el)
    return named, guarded, always


@lru_cache(maxsize=64)
def _verdicts(rules: Rules) -> dict[str, int]:
    return {}


@lru_cache(maxsize=64)
def _word_verdicts(rules: Rules) -> dict[str, int]:
    return {}


def _verdict(value: str, rules: Rules) -> int:
    """What the class/id words say about an element: 0 nothing, or _KEEP/_DROP/_ALWAYS.

    Decided word by word (no rule spans a space), and each word once per process: a site's
    few hundred class words recur in thousands of combinations.
    """
    cache = _word_verdicts(rules)
    best = 0
    for word in value.split():
        verdict = cache.get(word)
        if verdict is None:
            verdict = cache[word] = _word_verdict(word, rules)
        if verdict == _KEEP:
            return _KEEP
        best = max(best, verdict)  # _ALWAYS outranks _DROP
    return best


def _word_verdict(word: str, rules: Rules) -> int:
    word = word.lower()
    if rules.class_ignore.match(word):
        return 0
    if "-" in word:
        word = _TERM_CLASSES.sub(" ", word)
    if rules.class_keep.search(word):
        return _KEEP
    if not rules.class_drop.search(word):
        return _SMALL if rules.class_small.search(word) else 0
    return _ALWAYS if rules.class_always.search(word) else _DROP


def _paragraph_meter(root: lxml.html.HtmlElement) -> Callable[[lxml.html.HtmlElement], int]:
    """Characters of running text (``<p>`` elements) inside an element of ``root``.

    The guard measures a hundred candidates a page, most of them holding no ``<p>``: each
    ``<p>`` is measured once and its length added to itself and its ancestors, so measuring a
    candidate is a dictionary lookup instead of a walk of its subtree.
    """
    held: dict[lxml.html.HtmlElement, int] = {}
    for p in root.iter("p"):
        chars = len(p.text_content())
        held[p] = held.get(p, 0) + chars
        for ancestor in p.iterancestors():
            held[ancestor] = held.get(ancestor, 0) + chars
    return lambda el: held.get(el, 0)


def _all_chars(el: lxml.html.HtmlElement) -> int:
    return len(el.text_content())


def _holds_article(
    el: lxml.html.HtmlElement, limit: float, measure: Callable[[lxml.html.HtmlElement], int]
) -> bool:
    """True when ``el`` holds more than ``limit`` characters of the page's running text
    (and more than ``limit`` characters of text of any kind)."""
    if measure(el) <= limit:
        return False  # the cheap test first: most candidates hold no <p> at all
    return measure is _all_chars or len(el.text_content()) > limit


def _drop(el: lxml.html.HtmlElement) -> None:
    """Remove ``el`` but keep its tail text, which belongs to the parent."""
    if el.getparent() is not None:
        el.drop_tree()


# --------------------------------------------------------------------------- paragraph pass

#: Block tags kept by name in the flattened fragment (the paragraph rules look at li/td/th);
#: every other block becomes a <p>.
_FLAT_TAGS = frozenset(["p", "li", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6", "dd", "dt"])


def flat_blocks(container: lxml.html.HtmlElement) -> list[tuple[str, str]]:
    """The chosen body as ``(text, tag)`` paragraph lines, in document order.

    lxml walks the body once: block elements start paragraphs, ``<br>`` starts a line, inline
    elements join their block's text. The paragraph rules read these lines directly, so the
    page is parsed once (a second parse of the body, by BeautifulSoup, cost a tenth of the
    per-page work of a crawl and changed no line).
    """
    out: list[tuple[str, str]] = []
    _flat_walk(container, container.tag, [], out, block=True)
    return out


def flatten_fragment(container: lxml.html.HtmlElement) -> str:
    """The chosen body as flat HTML, one element per paragraph line (for people and tests
    that want to see what the paragraph cleaner reads)."""
    return "".join(
        f"<{tag}>{html_lib.escape(text, quote=False)}</{tag}>"
        for text, tag in flat_blocks(container)
    )


def _flat_walk(
    el: lxml.html.HtmlElement, tag: str, buf: list[str], out: list[tuple[str, str]], block: bool
) -> None:
    if el.text:
        buf.append(el.text)
    for child in el:
        name = child.tag
        if isinstance(name, str):
            if name == "br":
                buf.append(_BREAK)
            elif name in BLOCK_TAGS:
                _flush(buf, _flat_tag(tag), out)
                _flat_walk(child, name, [], out, block=True)
            else:
                _flat_walk(child, tag, buf, out, block=False)
        if child.tail:
            buf.append(child.tail)
    if block:
        _flush(buf, _flat_tag(tag), out)


def _flat_tag(tag: str) -> str:
    return tag if tag in _FLAT_TAGS else "p"


def clean_fragment(fragment: str, rules: Rules) -> list[str]:
    """Paragraphs of an HTML fragment (an article body), with boilerplate paragraphs removed.

    BeautifulSoup reads the fragment, however broken, into paragraph lines for
    :func:`clean_blocks`. The crawl itself hands the lines of its lxml tree to
    :func:`clean_blocks` directly (:func:`flat_blocks`) and parses each page once.
    """
    return clean_blocks(_blocks(BeautifulSoup(fragment, "lxml")), rules)


def clean_blocks(blocks: list[tuple[str, str]], rules: Rules) -> list[str]:
    """The article's paragraphs from ``(text, tag)`` lines, boilerplate paragraphs removed.

    Each list item is a paragraph of its own, without a bullet: the stored text is the
    article's own words (a researcher counting tokens should not meet a "-" the author never
    wrote). Everything after a comments heading is cut.
    """
    paragraphs: list[str] = []
    cells: set[str] = set()
    chars = 0
    for text, tag in blocks:
        if chars >= rules.cut_min_chars and rules.block_cut.fullmatch(text.lower()):
            break  # the comments start here: nothing after them is the article
        if keep_paragraph(text, rules):
            paragraphs.append(text)
            chars += len(text)
            if tag in ("td", "th"):
                cells.add(text)
    return _without_repeats(paragraphs, cells)


#: A short paragraph printed this many times in one body is a label (a video playlist's
#: "More videos", a headline in every teaser of a carousel), not the story.
REPEAT_MIN = 3
REPEAT_MAX_CHARS = 120


def _without_repeats(paragraphs: list[str], cells: set[str]) -> list[str]:
    """Drop short paragraphs repeated REPEAT_MIN times; table cells repeat by nature."""
    counts = Counter(p for p in paragraphs if len(p) <= REPEAT_MAX_CHARS and p not in cells)
    repeated = {p for p, n in counts.items() if n >= REPEAT_MIN}
    return [p for p in paragraphs if p not in repeated] if repeated else paragraphs


def keep_paragraph(text: str, rules: Rules) -> bool:
    """False for paragraphs that are boilerplate by their text alone."""
    if rules.block_full.fullmatch(text.lower()):
        return False
    return not (len(text) <= rules.prefix_max_chars and rules.block_prefix.match(text))


def _blocks(soup: BeautifulSoup) -> list[tuple[str, str]]:
    """Text of each paragraph-level element, in document order, as ``(text, tag)`` pairs."""
    out: list[tuple[str, str]] = []
    _walk(soup, "p", [], out)
    return out


def _walk(node: Tag, tag: str, buf: list[str], out: list[tuple[str, str]]) -> None:
    for child in node.children:
        if isinstance(child, NavigableString):
            if type(child) is NavigableString:  # not a Comment, CData, Doctype ...
                buf.append(str(child))
        elif child.name == "br":
            buf.append(_BREAK)
        elif child.name in BLOCK_TAGS:
            _flush(buf, tag, out)
            _walk(child, child.name, [], out)
        else:
            _walk(child, tag, buf, out)
    if tag and node.name in BLOCK_TAGS or node.name == "[document]":
        _flush(buf, tag, out)


def _flush(buf: list[str], tag: str, out: list[tuple[str, str]]) -> None:
    if not buf:
        return
    for line in "".join(buf).split(_BREAK):
        text = " ".join(line.split())  # what re.sub(r"\s+", " ").strip() gives, 5x faster
        if text:
            out.append((text, tag))
    buf.clear()
