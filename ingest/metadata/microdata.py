"""Microdata (``itemscope``/``itemprop``) through extruct, reshaped like JSON-LD nodes.

One code path then reads both: a microdata ``NewsArticle`` is picked and read exactly as a
JSON-LD one (marked ``_microdata`` so JSON-LD wins when both describe the page).
"""

from __future__ import annotations

import logging
from typing import Any

import lxml.html

from .values import Node, as_list

log = logging.getLogger(__name__)


def microdata_nodes(tree: lxml.html.HtmlElement, url: str) -> list[Node]:
    """Microdata items as JSON-LD-shaped nodes ([] at once for pages without ``itemscope``)."""
    if not tree.xpath("boolean(//*[@itemscope])"):
        return []
    from extruct.w3cmicrodata import LxmlMicrodataExtractor

    try:
        items = LxmlMicrodataExtractor(nested=True).extract_items(tree, base_url=url)
    except Exception as error:  # extruct on malformed markup: metadata must not fail
        log.debug("microdata extraction failed on %s: %s", url, error)
        return []
    return [_from_microdata(item) for item in items if isinstance(item, dict)]


def _from_microdata(item: Any) -> Any:
    if isinstance(item, list):
        return [_from_microdata(v) for v in item]
    if not isinstance(item, dict) or "properties" not in item and "type" not in item:
        return item
    node: Node = {"@type": as_list(item.get("type")), "_microdata": True}
    if item.get("id"):
        node["@id"] = item["id"]
    for key, value in (item.get("properties") or {}).items():
        node[key] = _from_microdata(value)
    if "value" in item and "name" not in node:
        node["name"] = item["value"]
    return node
