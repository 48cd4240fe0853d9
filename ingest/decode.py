"""Turn fetched bytes into text, whatever the page claims its charset is.

libxml2 guesses some pages wrong, so pages are decoded here once and handed to the parser as
``str``. Labels are checked, not trusted: bytes that are valid UTF-8 (and not plain ASCII) are
UTF-8 whatever the label says, since legacy encodings almost never form valid UTF-8 by chance;
a page labelled UTF-8 that is really cp1252 or Shift_JIS is decoded with what it really is.
"""

from __future__ import annotations

import codecs
import re
import zlib
from typing import Any

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_BINARY_MAGIC = (
    b"%PDF",
    b"\x89PNG",
    b"GIF8",
    b"\xff\xd8\xff",
    b"PK\x03\x04",
    b"\x1f\x8b",
    b"Rar!",
    b"\x00\x00\x00",
    b"ID3",
    b"OggS",
    b"RIFF",
    b"\x7fELF",
    b"MZ",
)


class BinaryContent(ValueError):
    """The body is not text (PDF, image, archive ...), whatever its Content-Type says."""


def looks_binary(body: bytes) -> bool:
    """True for bodies that are clearly not HTML: known magic numbers or NUL bytes early on."""
    head = body[:1024]
    if head.startswith(_BINARY_MAGIC):
        return True
    return b"\x00" in head and not head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))


def charset_from_header(content_type: str | None) -> str | None:
    """The charset parameter of a Content-Type header, if any."""
    if not content_type:
        return None
    match = re.search(r"charset\s*=\s*[\"']?([\w.:-]+)", content_type, re.I)
    return match.group(1) if match else None


class BodyTooLarge(ValueError):
    """The body inflates to more than the download size limit."""


_GZIP = 16 + zlib.MAX_WBITS  # zlib's window bits for a gzip stream


def inflate_head(body: bytes, size: int) -> bytes:
    """The first ``size`` bytes of the gzip ``body`` inflated (a sniff: the rest, even a
    truncated or endless rest, is never read). Raises ``zlib.error`` for data that is not gzip."""
    return zlib.decompressobj(_GZIP).decompress(body, size)


def inflate(body: bytes, max_size: int) -> bytes:
    """The gzip ``body`` inflated, refusing to produce more than ``max_size`` bytes.

    Raises :class:`BodyTooLarge` past the limit and ``zlib.error`` for corrupt data. Every
    member of a multi-member stream is read (what ``gzip.decompress`` would return)."""
    max_size = max_size if max_size > 0 else 2**62  # DOWNLOAD_MAXSIZE = 0: no limit
    out: list[bytes] = []
    size = 0
    data = body
    while data:
        inflater = zlib.decompressobj(_GZIP)
        chunk = inflater.decompress(data, max_size - size + 1)
        size += len(chunk)
        if size > max_size or inflater.unconsumed_tail:
            raise BodyTooLarge(
                f"body inflates past DOWNLOAD_MAXSIZE ({max_size} bytes): a gzip bomb or a "
                "page too big to be an article; raise DOWNLOAD_MAXSIZE if it is genuine"
            )
        out.append(chunk)
        if not inflater.eof:
            raise zlib.error("truncated gzip stream")
        data = inflater.unused_data.lstrip(b"\0")  # some servers pad members with zeros
    return b"".join(out)


def decode_html(body: bytes, content_type: str | None = None) -> tuple[str, str]:
    """Decode ``body`` to ``(text, encoding)``; raise :class:`BinaryContent` for non-text bodies.

    Order: byte-order mark, valid non-ASCII UTF-8, HTTP header, ``<meta charset>``, then a
    statistical guess. Each declared charset must decode the bytes strictly, else the next
    candidate is tried.
    """
    for bom, name in _BOMS:
        if body.startswith(bom):
            return body[len(bom) :].decode(name, errors="replace"), name
    if looks_binary(body):
        raise BinaryContent("body is binary data, not HTML")
    if not body.isascii():
        text = _try(body, "utf-8")
        if text is not None:
            return text, "utf-8"
    for name in _candidates(body, content_type):
        text = _try(body, name)
        if text is not None:
            return text, name
    return _guess(body)


def _candidates(body: bytes, content_type: str | None) -> list[str]:
    declared = [charset_from_header(content_type)]
    match = _META_CHARSET.search(body[:4096])
    if match:
        declared.append(match.group(1).decode("ascii", "ignore"))
    names: list[str] = []
    for name in [*declared, "utf-8"]:
        normal = _normalise(name)
        if normal and normal not in names:
            names.append(normal)
    return names


#: Python codecs that are not web page encodings and decode any bytes into text with lone
#: surrogates (``<meta charset="utf-7">`` and ``+2D0-``), which no UTF-8 file or SQLite
#: column can hold: such a declaration is ignored, as browsers ignore it.
NOT_PAGE_ENCODINGS = frozenset(
    {"utf-7", "unicode-escape", "raw-unicode-escape", "punycode", "idna"}
)


def _normalise(name: str | None) -> str | None:
    if not name:
        return None
    try:
        codec = codecs.lookup(name.strip().lower()).name
    except LookupError:
        return None
    if codec in NOT_PAGE_ENCODINGS:
        return None
    # Browsers treat these labels as their supersets (WHATWG Encoding Standard).
    return {
        "latin-1": "cp1252",
        "iso8859-1": "cp1252",
        "ascii": "cp1252",
        "shift_jis": "cp932",
        "gb2312": "gb18030",
        "gbk": "gb18030",
        "euc_kr": "cp949",
    }.get(codec, codec)


def _try(body: bytes, name: str) -> str | None:
    try:
        return body.decode(name)
    except (UnicodeDecodeError, LookupError):
        return None


def _guess(body: bytes) -> tuple[str, str]:
    """Last resort for bytes no declared charset decodes: charset-normalizer, else cp1252."""
    try:
        from charset_normalizer import from_bytes

        matches = from_bytes(body[:200_000])
        best = matches.best()
        if best is not None and best.encoding:
            name = _prefer_cp1252(matches, best)
            if _normalise(name) is not None:
                return body.decode(name, errors="replace"), name
    except ImportError:  # pragma: no cover - charset-normalizer comes with scrapy's deps
        pass
    return body.decode("cp1252", errors="replace"), "cp1252"


def _prefer_cp1252(matches: Any, best: Any) -> str:
    """cp1252 when it reads the bytes as well as the best guess: charset-normalizer often ties
    cp1250 and cp1252 on Western text, and cp1252 is by far the more common legacy charset
    (the web's default per the WHATWG Encoding Standard)."""
    for match in matches:
        if (
            match.encoding == "cp1252"
            and match.chaos <= best.chaos
            and match.coherence >= best.coherence - 0.01
        ):
            return "cp1252"
    return str(best.encoding)
