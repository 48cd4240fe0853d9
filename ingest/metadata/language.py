"""The language the page declares; codes are normalised by :mod:`ingest.language`.

Detection from the text (for pages that declare nothing, or declare wrongly) needs the article
text, so it happens in the facade: see :func:`ingest.language.resolve_language`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ingest.language import normalise_language

from .values import clean_text

if TYPE_CHECKING:
    from .sources import PageSources

#: Meta names declaring the language, after ``<html lang>`` and before JSON-LD ``inLanguage``.
LANGUAGE_META = ("og:locale", "content-language", "language")
#: Dublin Core names, trusted last.
DC_LANGUAGE_META = ("dc.language", "dcterms.language")
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def declared_language(src: PageSources) -> str | None:
    """Declared language: <html lang>, og:locale, content-language, JSON-LD, Dublin Core."""
    root = src.tree.getroottree().getroot()
    candidates = [root.get("lang"), root.get("xml:lang"), root.get(_XML_LANG)]
    candidates.append(src.first_meta(*LANGUAGE_META))
    candidates += [clean_text(v) for v in src.structured("inLanguage")]
    candidates.append(src.first_meta(*DC_LANGUAGE_META))
    return next((c for c in map(normalise_language, candidates) if c), None)
