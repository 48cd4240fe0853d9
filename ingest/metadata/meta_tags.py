"""``<meta>`` tags by name: OpenGraph, ``article:*``, Dublin Core, Parse.ly, Sailthru, plain.

Each field module lists the meta names it reads, in order of trust, at its top; this module only
collects the page's tags once.
"""

from __future__ import annotations

import lxml.html


def meta_map(metas: list[lxml.html.HtmlElement]) -> dict[str, list[str]]:
    """Contents of the page's ``<meta>`` elements by lower-cased property/name/http-equiv, in
    document order.

    ``itemprop`` metas count only in <head>: in the body they usually belong to teaser items.
    """
    meta: dict[str, list[str]] = {}
    for el in metas:
        content = (el.get("content") or "").strip()
        if not content:
            continue
        keys = [el.get("property"), el.get("name"), el.get("http-equiv")]
        itemprop = el.get("itemprop")
        if itemprop:  # the parent is looked up only for these: it costs a proxy per meta
            parent = el.getparent()
            if parent is not None and parent.tag == "head":
                keys.append(itemprop)
        for key in {k.strip().lower() for k in keys if k}:
            meta.setdefault(key, []).append(content)
    return meta
