"""Find the article body of a parsed page and return its paragraphs.

How the body is chosen (all on the lxml tree, after :func:`ingest.clean.prune_page`):

1. Every element gets, bottom-up in one pass, its text length, its link text length and its
   "good" text: the text of paragraphs (blocks of at least ``PARA_MIN`` characters that are
   not mostly links).
2. The body is the element that maximises ``good - ALPHA * (text - good)``: it must hold most
   of the page's paragraphs while adding as little other text (menus, teasers, link lists) as
   possible. Sibling paragraphs join naturally because a parent that adds paragraphs gains.
3. Per-source ``keep`` selectors, when they match, name the body directly.

The chosen element is simplified (inline formatting unwrapped) and handed as a small HTML
paragraph lines to the paragraph cleaner (:func:`ingest.clean.clean_blocks`).
"""

from __future__ import annotations

import re
from collections.abc import Callable

import lxml.html
from lxml import etree

from ingest.clean import Rules, clean_blocks, flat_blocks, prune_page

#: Minimum length (characters) of a block to count as a paragraph of running text.
PARA_MIN = 25
#: Weight of non-paragraph text (menus, link lists, labels) against paragraph text.
ALPHA = 1.0
#: A parent joins the article when it adds this many times more paragraph text than other text.
EXPAND_RATIO = 3
#: A sibling of the chosen block with this much paragraph text (and little else) joins it.
SIBLING_MIN_CHARS = 100
#: A sibling with at most this many characters neither joins the article nor ends it.
GAP_MAX_CHARS = 60
#: Inline elements: their text belongs to the enclosing block.
INLINE_TAGS = frozenset(
    [
        "a",
        "abbr",
        "b",
        "bdi",
        "bdo",
        "big",
        "cite",
        "code",
        "data",
        "dfn",
        "em",
        "font",
        "i",
        "img",
        "kbd",
        "label",
        "mark",
        "nobr",
        "q",
        "s",
        "samp",
        "small",
        "span",
        "strike",
        "strong",
        "sub",
        "sup",
        "time",
        "tt",
        "u",
        "var",
        "wbr",
        "br",
        "del",
        "ins",
    ]
)
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)
_PARSER = lxml.html.HTMLParser(remove_comments=True, remove_pis=True, collect_ids=False)
# Every element an HtmlElement (text_content, drop_tree ...), chosen in C: lxml.html's default
# lookup calls back into Python for each element proxy to hand forms and inputs their own
# classes, which nothing here uses, at a cost of about a millisecond a page.
_PARSER.set_element_class_lookup(
    etree.ElementDefaultClassLookup(
        element=lxml.html.HtmlElement,
        comment=lxml.html.HtmlComment,
        pi=lxml.html.HtmlProcessingInstruction,
        entity=lxml.html.HtmlEntity,
    )
)


class EmptyDocument(ValueError):
    """The HTML holds no document at all (empty or only whitespace/comments)."""


def parse_html(html: str) -> lxml.html.HtmlElement:
    """Parse decoded HTML once; the same tree serves metadata and main text.

    lxml refuses ``str`` input that starts with an XML declaration naming an encoding, so that
    declaration is removed first (the text is already decoded).
    """
    if html.lstrip()[:5].lower() == "<?xml":
        html = _XML_DECL.sub("", html, count=1)
    if not html or html.isspace():  # html.strip() would copy the page
        raise EmptyDocument("empty document")
    try:
        return lxml.html.document_fromstring(html, parser=_PARSER)
    except (etree.ParserError, ValueError) as exc:
        raise EmptyDocument(f"no HTML document: {exc}") from exc


def main_paragraphs(root: lxml.html.HtmlElement, rules: Rules) -> list[str]:
    """The article's paragraphs. Modifies ``root`` (boilerplate is removed in place)."""
    kept = prune_page(root, rules)
    body = root.find("body")
    if body is None:
        body = root
    containers = _outermost(kept) if kept else find_body(body)
    if not containers:
        return []
    return clean_blocks([line for el in containers for line in fragment_blocks(el, rules)], rules)


def _outermost(elements: list[lxml.html.HtmlElement]) -> list[lxml.html.HtmlElement]:
    """The ``keep`` matches that are not inside another match, in page order."""
    chosen = set(elements)
    return [el for el in elements if not any(a in chosen for a in el.iterancestors())]


def find_body(body: lxml.html.HtmlElement) -> list[lxml.html.HtmlElement]:
    """The elements that hold the article's paragraphs and little else (see module doc)."""
    stats, paragraphs = _measure(body)
    scores = _score_ancestors(paragraphs)
    if not scores:
        return []
    listed = _link_list_chars(body, stats, paragraphs)

    def final(el: lxml.html.HtmlElement) -> float:
        total, link, _good = stats.get(el, _ZERO)
        link -= listed.get(el, 0)
        return scores.get(el, 0.0) * (1 - link / total if total else 1)

    ranked = sorted(scores, key=final, reverse=True)
    top = _expand(_climb(ranked[0], ranked, final, scores, body), stats)
    chunks = _same_class_chunks(top, body, scores, stats)
    if len(chunks) > 1:
        return chunks
    return _with_siblings(top, final, scores, stats)


def _measure(
    body: lxml.html.HtmlElement,
) -> tuple[
    dict[lxml.html.HtmlElement, tuple[int, int, int]], list[tuple[lxml.html.HtmlElement, int]]
]:
    """Bottom-up: (text chars, link chars) of every element, and the paragraphs of the page.

    A paragraph is a non-inline element whose own inline text (not that of nested blocks) has
    at least ``PARA_MIN`` characters, less than half of them in links.
    """
    stats: dict[lxml.html.HtmlElement, tuple[int, int, int]] = {}
    inline_of: dict[lxml.html.HtmlElement, tuple[int, int]] = {}
    paragraphs: list[tuple[lxml.html.HtmlElement, int]] = []
    linked_blocks: list[lxml.html.HtmlElement] = []
    for el in reversed(list(body.iter())):
        tag = el.tag
        if not isinstance(tag, str):
            continue
        text = el.text
        own = len(text.strip()) if text else 0
        total, link, good, inline, inline_link = own, 0, 0, own, 0
        for child in el:
            tail = child.tail
            if tail:
                n = len(tail.strip())
                total += n
                inline += n
            c_total, c_link, c_good = stats.get(child, _ZERO)
            total += c_total
            link += c_link
            good += c_good
            child_inline = inline_of.pop(child, None)
            if child_inline is not None:
                inline += child_inline[0]
                inline_link += child_inline[1]
        if tag == "a":  # linked text is navigation, even a paragraph inside a link
            if good:
                linked_blocks.append(el)
            link = total
            inline_link = inline
            good = 0
        if tag in INLINE_TAGS:
            inline_of[el] = (inline, inline_link)
        elif inline >= PARA_MIN and inline_link * 2 < inline:
            paragraphs.append((el, inline))
            good += inline - inline_link
        stats[el] = (total, link, good)
    if linked_blocks:
        paragraphs = _outside_links(paragraphs, linked_blocks)
    return stats, paragraphs


def _outside_links(
    paragraphs: list[tuple[lxml.html.HtmlElement, int]], anchors: list[lxml.html.HtmlElement]
) -> list[tuple[lxml.html.HtmlElement, int]]:
    """The paragraphs not inside a link.

    A teaser card is often one ``<a>`` around a ``<div>`` headline and blurb: those blocks are
    the link's text, not running text, and must not draw the body choice into a link list.
    """
    inside = {d for a in anchors for d in a.iterdescendants()}
    return [(el, n) for el, n in paragraphs if el not in inside]


_ZERO = (0, 0, 0)
#: Levels above a list of links where a block holding paragraphs treats it as its own box.
LINK_LIST_LEVELS = 2


def _link_list_chars(
    body: lxml.html.HtmlElement,
    stats: dict[lxml.html.HtmlElement, tuple[int, int, int]],
    paragraphs: list[tuple[lxml.html.HtmlElement, int]],
) -> dict[lxml.html.HtmlElement, int]:
    """Link characters in lists of links (``<ul>``/``<ol>``) that are a block's own box.

    A "Related posts" or "Read more" list inside the article is dropped from the chosen body
    anyway (:func:`_drop_link_lists`); counted as link text it made a short article's own
    container look like navigation, and a teaser box or a slogan won instead. The list is
    discounted only for blocks up to ``LINK_LIST_LEVELS`` above it that hold paragraphs of
    their own: further up, lists are the page's menus and must still count against a wrapper.
    """
    listed: dict[lxml.html.HtmlElement, int] = {}
    lists: set[lxml.html.HtmlElement] = set()
    holders: set[lxml.html.HtmlElement] | None = None
    for el in body.iter("ul", "ol"):
        total, link, _good = stats.get(el, _ZERO)
        if not link or link < LINK_LIST_SHARE * total:
            continue
        if lists and any(a in lists for a in el.iterancestors("ul", "ol")):
            continue  # counted with the outer list
        lists.add(el)
        if holders is None:
            holders = {p.getparent() for p, _n in paragraphs} | {p for p, _n in paragraphs}
        for level, anc in enumerate(el.iterancestors()):
            if level >= LINK_LIST_LEVELS or anc.tag in _CEILING:
                break
            if anc in holders:
                listed[anc] = listed.get(anc, 0) + link
    return listed


#: The article never extends beyond these (``<main>`` is the page's own statement of it).
_CEILING = frozenset(["body", "html", "main"])
_TAG_BONUS = {"div": 5, "article": 5, "pre": 3, "td": 3, "blockquote": 3, "section": 3}
_TAG_BONUS.update(dict.fromkeys(["address", "ol", "ul", "dl", "dd", "dt", "li", "form"], -3))
_TAG_BONUS.update(dict.fromkeys(["h1", "h2", "h3", "h4", "h5", "h6", "th"], -5))
_CONTAINERS = frozenset(["div", "section", "article", "main", "td", "body", "form", "center"])


def _commas(text: str) -> int:
    """Commas in ``text`` (Latin, Arabic, CJK ideographic and full-width): four counts in C
    cost a sixth of one regex scan."""
    return text.count(",") + text.count("\u060c") + text.count("\u3001") + text.count("\uff0c")


def _score_ancestors(
    paragraphs: list[tuple[lxml.html.HtmlElement, int]],
) -> dict[lxml.html.HtmlElement, float]:
    """Each paragraph lends its weight to its parent (full), grandparent (half) and beyond."""
    scores: dict[lxml.html.HtmlElement, float] = {}
    for el, chars in paragraphs:
        text = el.text_content() if len(el) < 40 else el.text or ""
        weight = 1 + _commas(text) + min(chars // 100, 3)
        if el.tag in _CONTAINERS:  # text written straight into a <div> (with <br>s)
            scores[el] = scores.get(el, _TAG_BONUS.get(el.tag, 0)) + weight
        for level, anc in enumerate(el.iterancestors()):
            if anc.tag == "html":
                break
            if level >= 5:
                break
            if anc not in scores:
                scores[anc] = _TAG_BONUS.get(anc.tag, 0)
            scores[anc] += weight / (1 if level == 0 else 2 if level == 1 else level * 3)
    return scores


def _climb(
    top: lxml.html.HtmlElement,
    ranked: list[lxml.html.HtmlElement],
    final: Callable[[lxml.html.HtmlElement], float],
    scores: dict[lxml.html.HtmlElement, float],
    body: lxml.html.HtmlElement,
) -> lxml.html.HtmlElement:
    """Move up from the top candidate when the article is split over several blocks.

    Three strong runners-up under one ancestor mean that ancestor is the article; a parent
    scoring higher than its child holds more of it; an only child stands for its parent.
    """
    best = final(top)
    runners = [set(c.iterancestors()) for c in ranked[1:6] if final(c) >= 0.75 * best]
    if len(runners) >= 3:
        for parent in top.iterancestors():
            if parent is body:
                break
            if sum(parent in ancestors for ancestors in runners) >= 3:
                top = parent
                break
    last = final(top)
    threshold = last / 3
    for parent in top.iterancestors():
        if parent is body or parent.tag in ("body", "html"):
            break
        if parent not in scores:
            continue
        score = final(parent)
        if score < threshold:
            break
        if score > last:
            top = parent
            break
        last = score
    while top.tag != "body" and (parent := top.getparent()) is not None and len(parent) == 1:
        top = parent
    return top


def _expand(
    top: lxml.html.HtmlElement, stats: dict[lxml.html.HtmlElement, tuple[int, int, int]]
) -> lxml.html.HtmlElement:
    """Move up while the parent adds mostly running text (an article cut into wrappers).

    The parent must add paragraphs, and at most a third as much other text (links, labels)
    as paragraph text, so teaser lists and link boxes stop the climb.
    """
    total, _link, good = stats.get(top, _ZERO)
    while top.tag not in _CEILING and (parent := top.getparent()) is not None:
        if parent.tag in ("body", "html"):
            break
        p_total, _p_link, p_good = stats.get(parent, _ZERO)
        gain_good = p_good - good
        gain_other = (p_total - p_good) - (total - good)
        if gain_good <= 0 or gain_other * EXPAND_RATIO > gain_good:
            break
        top, total, good = parent, p_total, p_good
    return top


def _same_class_chunks(
    top: lxml.html.HtmlElement,
    body: lxml.html.HtmlElement,
    scores: dict[lxml.html.HtmlElement, float],
    stats: dict[lxml.html.HtmlElement, tuple[int, int, int]],
) -> list[lxml.html.HtmlElement]:
    """Other blocks of the article when a site cuts its body into chunks of one kind.

    Many sites emit the body as several ``<div class="article-body__chunk">`` elements with ads
    or embeds in between: every element with the top candidate's tag and class that holds
    paragraphs belongs to the article, if its parent is of the same kind (tag and class) as the
    top's: teaser cards often reuse the body's class (``module-content``) in boxes of their own.
    Cousins count too: blocks whose class starts with the same word (``story-body story-body-1``
    and ``story-body story-body-2``, ``content lead`` and ``content``) inside parents of one kind
    (each step of a how-to in its own ``<div class="stepContent">``), when they hold running
    text of their own.
    """
    cls = top.get("class")
    if not cls or not cls.split():
        return [top]
    word = cls.split()[0]
    parent = top.getparent()
    kind = (parent.tag, parent.get("class")) if parent is not None else None

    def same_kind(el: lxml.html.HtmlElement) -> bool:
        up = el.getparent()
        return up is not None and (up.tag, up.get("class")) == kind

    def cousin(el: lxml.html.HtmlElement) -> bool:
        words = (el.get("class") or "").split()
        if not words or words[0] != word or not same_kind(el):
            return False
        total, link, good = stats.get(el, _ZERO)
        return good >= SIBLING_MIN_CHARS and link * 5 < total

    same = [
        el
        for el in body.iter(top.tag)
        if el is top or el in scores and (el.get("class") == cls and same_kind(el) or cousin(el))
    ]
    if len(same) < 2:
        return [top]
    inner = set(same)
    return [el for el in same if not any(a in inner for a in el.iterancestors())]


_SENTENCE_END = re.compile(r"[.!?。！？](\s|$)")


def _with_siblings(
    top: lxml.html.HtmlElement,
    final: Callable[[lxml.html.HtmlElement], float],
    scores: dict[lxml.html.HtmlElement, float],
    stats: dict[lxml.html.HtmlElement, tuple[int, int, int]],
) -> list[lxml.html.HtmlElement]:
    """The top candidate plus neighbouring siblings that look like more of the same article.

    Only an unbroken run counts: a sibling with text of its own that does not join (a share
    prompt, a jobs box) ends the article on that side, so blocks beyond it stay out.
    """
    parent = top.getparent()
    if parent is None or top.tag in _CEILING:
        return [top]
    siblings = [el for el in parent if isinstance(el.tag, str)]
    at = siblings.index(top)

    def joins(sibling: lxml.html.HtmlElement) -> bool | None:
        """True: more article; None: too little text to matter; False: something else."""
        if _joins(sibling, top, final, scores, stats):
            return True
        return None if stats.get(sibling, _ZERO)[0] <= GAP_MAX_CHARS else False

    before = []
    for sibling in reversed(siblings[:at]):
        verdict = joins(sibling)
        if verdict is False:
            break
        if verdict:
            before.append(sibling)
    after = []
    for sibling in siblings[at + 1 :]:
        verdict = joins(sibling)
        if verdict is False:
            break
        if verdict:
            after.append(sibling)
    return [*reversed(before), top, *after]


def _joins(
    sibling: lxml.html.HtmlElement,
    top: lxml.html.HtmlElement,
    final: Callable[[lxml.html.HtmlElement], float],
    scores: dict[lxml.html.HtmlElement, float],
    stats: dict[lxml.html.HtmlElement, tuple[int, int, int]],
) -> bool:
    top_score = final(top)
    threshold = max(10.0, top_score * 0.2)
    top_class = top.get("class")
    bonus = top_score * 0.2 if top_class and sibling.get("class") == top_class else 0
    while sibling.tag in ("div", "section") and len(sibling) == 1 and sibling[0].tag == "div":
        sibling = sibling[0]  # a wrapper speaks for its only child (div.live > div.entries)
    total, link, good = stats.get(sibling, _ZERO)
    if (
        sibling in scores
        and final(sibling) + bonus >= threshold
        or good >= SIBLING_MIN_CHARS
        and good * EXPAND_RATIO >= (total - good) * 4
        and link * 5 < total
    ):
        return True
    if sibling.tag == "p":
        density = link / total if total else 1
        return (total > 80 and density < 0.25) or (
            0 < total <= 80 and link == 0 and bool(_SENTENCE_END.search(sibling.text_content()))
        )
    return False


def fragment_blocks(container: lxml.html.HtmlElement, rules: Rules) -> list[tuple[str, str]]:
    """The container's paragraph lines for the cleaner: link lists dropped, images removed,
    inline formatting unwrapped, one ``(text, tag)`` per paragraph line
    (:func:`ingest.clean.flat_blocks`).
    """
    _drop_link_lists(container)
    _drop_link_lines(container)
    etree.strip_elements(container, "img", "picture", "source", with_tail=False)
    etree.strip_tags(container, *rules.unwrap_tags)
    return flat_blocks(container)


#: A list whose text is at least this share links is a box of links ("In today's Magazine",
#: "More on this story"), not part of the story.
LINK_LIST_SHARE = 0.8
_LISTS = etree.XPath(".//ul | .//ol")
#: Boxes of three or more links built from divs or tables ("Local Top Stories", "more»").
_LINK_BOXES = etree.XPath(".//div[count(.//a) >= 3] | .//table[count(.//a) >= 3]")


def _drop_link_lists(container: lxml.html.HtmlElement) -> None:
    """Remove lists and boxes made of links (two or more list items, or three or more links
    in a div or table) found inside the chosen body.

    A list that is most of the body (a post that is a reading list) is the article itself.
    """
    lists = _LISTS(container)
    boxes = _LINK_BOXES(container)
    body_chars = None  # measured at the first box of links, before any is dropped
    for el in [*lists, *boxes]:
        if el.getparent() is None or (el.tag in ("ul", "ol") and len(el.findall("li")) < 2):
            continue
        total = _link_box_chars(el)
        if total is None:
            continue
        if body_chars is None:  # most bodies hold no box of links: the body's text goes unread
            body_chars = _chars(container)
        if total * 2 < body_chars:
            el.drop_tree()


#: This many ``<br>``-separated lines in a row made only of links are a list of headlines.
LINK_LINES_MIN = 3
_WORD = re.compile(r"\w")


def _drop_link_lines(container: lxml.html.HtmlElement) -> None:
    """Remove runs of ``<br>``-separated lines made only of links (old table layouts).

    Pages of the table era put "more headlines" in the article's own cell as loose
    ``<a>headline</a><br>`` lines, in no list or box that :func:`_drop_link_lists` could
    see. Three or more such lines in a row go, unless they are most of the body (a post that is
    a list of links). A line with a word outside its links (a sentence citing a source) stays.
    """
    parents = dict.fromkeys(br.getparent() for br in container.iter("br"))  # in page order
    runs = [run for el in parents if el is not None for run in _link_line_runs(el)]
    if not runs:
        return
    body_chars = _chars(container)
    for parent, lines in runs:
        chars = sum(_chars(el) for line in lines for el in line)
        if chars * 2 >= body_chars:
            continue
        for line in lines:
            for el in line:
                el.tail = None
                parent.remove(el)


def _link_line_runs(
    parent: lxml.html.HtmlElement,
) -> list[tuple[lxml.html.HtmlElement, list[list[lxml.html.HtmlElement]]]]:
    """Runs of at least ``LINK_LINES_MIN`` link-only lines among ``parent``'s children.

    A line is the inline children between two ``<br>``; lines without text (an image, a
    spacer) neither count nor break a run; a block child or a line with other words ends it.
    """
    runs: list[tuple[lxml.html.HtmlElement, list[list[lxml.html.HtmlElement]]]] = []
    run: list[list[lxml.html.HtmlElement]] = []
    line: list[lxml.html.HtmlElement] = []
    plain = _WORD.search(parent.text or "") is not None  # words outside links in this line

    def end_line() -> None:
        nonlocal line, plain
        if plain:
            close_run()
        elif any(_WORD.search(el.text_content()) for el in line):
            run.append(line)
        line, plain = [], False

    def close_run() -> None:
        nonlocal run
        if len(run) >= LINK_LINES_MIN:
            runs.append((parent, run))
        run = []

    for child in parent:
        tag = child.tag
        if tag == "br":
            end_line()
        elif isinstance(tag, str) and tag not in INLINE_TAGS:
            end_line()
            close_run()
        elif isinstance(tag, str):
            line.append(child)
            plain = plain or not _links_only(child)
        if child.tail and _WORD.search(child.tail):
            plain = True
    end_line()
    close_run()
    return runs


def _links_only(el: lxml.html.HtmlElement) -> bool:
    """Whether every word of an inline element is inside a link."""
    if el.tag == "a":
        return True
    if el.text and _WORD.search(el.text):
        return False
    return all(_links_only(child) and not (child.tail and _WORD.search(child.tail)) for child in el)


def _chars(el: lxml.html.HtmlElement) -> int:
    """Characters of ``el``'s text as a reader sees it (runs of white space count as one)."""
    return len(" ".join(el.text_content().split()))


def _link_box_chars(el: lxml.html.HtmlElement) -> int | None:
    """The characters of ``el`` when it is a box of links (at least ``LINK_LIST_SHARE`` of
    them in links), else None."""
    total = _chars(el)
    linked = sum(_chars(a) for a in el.iter("a"))
    return total if total and linked >= LINK_LIST_SHARE * total else None
