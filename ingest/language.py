"""Language codes: normalise declared languages to ISO 639-1, and detect undeclared ones.

Pages declare their language in many spellings (``en-US``, ``en_GB``, ``de-DE``, ``zh-Hans``,
``eng``, ``iw``); users filter on a plain two-letter code, so everything is normalised here.
Placeholders such as ``und``, ``x-default`` or ``*`` mean "not declared" and give None.
"""

from __future__ import annotations

import re

_CODES = """
    aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co cr cs cu
    cv cy da de dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi
    ho hr ht hu hy hz ia id ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks
    ku kv kw ky la lb lg li ln lo lt lu lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl
    nn no nr nv ny oc oj om or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl
    sm sn so sq sr ss st su sv sw ta te tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz ve
    vi vo wa wo xh yi yo za zh zu
"""
ISO_639_1 = frozenset(_CODES.split())

#: Deprecated two-letter codes still seen in the wild, and three-letter / name forms.
_ALIASES = {
    "iw": "he",
    "in": "id",
    "ji": "yi",
    "jw": "jv",
    "mo": "ro",
    "sh": "sr",
    "ara": "ar",
    "ben": "bn",
    "bul": "bg",
    "cat": "ca",
    "ces": "cs",
    "cze": "cs",
    "chi": "zh",
    "zho": "zh",
    "dan": "da",
    "deu": "de",
    "ger": "de",
    "dut": "nl",
    "nld": "nl",
    "ell": "el",
    "gre": "el",
    "eng": "en",
    "est": "et",
    "fas": "fa",
    "per": "fa",
    "fin": "fi",
    "fra": "fr",
    "fre": "fr",
    "heb": "he",
    "hin": "hi",
    "hrv": "hr",
    "hun": "hu",
    "ice": "is",
    "isl": "is",
    "ind": "id",
    "ita": "it",
    "jpn": "ja",
    "kor": "ko",
    "lav": "lv",
    "lit": "lt",
    "may": "ms",
    "msa": "ms",
    "nob": "nb",
    "nno": "nn",
    "nor": "no",
    "pol": "pl",
    "por": "pt",
    "ron": "ro",
    "rum": "ro",
    "rus": "ru",
    "slk": "sk",
    "slo": "sk",
    "slv": "sl",
    "spa": "es",
    "srp": "sr",
    "swe": "sv",
    "tha": "th",
    "tur": "tr",
    "ukr": "uk",
    "urd": "ur",
    "vie": "vi",
    "english": "en",
    "german": "de",
    "deutsch": "de",
    "french": "fr",
    "français": "fr",
    "francais": "fr",
    "spanish": "es",
    "español": "es",
    "espanol": "es",
    "italian": "it",
    "italiano": "it",
    "portuguese": "pt",
    "português": "pt",
    "russian": "ru",
    "dutch": "nl",
    "nederlands": "nl",
    "japanese": "ja",
    "chinese": "zh",
}

_SPLIT = re.compile(r"[-_\s;,]")


def normalise_language(value: object) -> str | None:
    """Return the ISO 639-1 code of a declared language tag, or None if it names none.

    Takes the first tag of a list (``"de-DE, en"``) and its primary subtag (``en-US`` -> ``en``).
    """
    if not isinstance(value, str):
        return None
    text = value.strip().strip("\"'").lower()
    if not text:
        return None
    primary = _SPLIT.split(text, maxsplit=1)[0]
    if primary in ISO_639_1:
        return primary
    return _ALIASES.get(primary)


def detect_language(text: str, min_chars: int = 20) -> str | None:
    """Identify the language of ``text`` with py3langid; None for text too short to tell.

    Used when a page does not declare its language. py3langid is imported lazily because its
    model takes a moment to load and most pages declare their language.
    """
    sample = " ".join(text.split())[:5000]
    if len(sample) < min_chars:
        return None
    from py3langid.langid import classify

    code, _score = classify(sample)
    return normalise_language(code)
