"""Language codes: normalise declared languages to ISO 639-1, detect and check them on text.

Pages declare their language in many spellings (``en-US``, ``en_GB``, ``de-DE``, ``zh-Hans``,
``eng``, ``iw``); users filter on a plain two-letter code, so everything is normalised here.
Placeholders such as ``und``, ``x-default`` or ``*`` mean "not declared" and give None.
:func:`resolve_language` gives the language to store: the declared one, unless py3langid is sure
the article's text is in another; the detected one when nothing is declared.
"""

from __future__ import annotations

import functools
import re
from typing import Any

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
    # English names of the other languages news is commonly published in
    "arabic": "ar",
    "basque": "eu",
    "bengali": "bn",
    "bulgarian": "bg",
    "catalan": "ca",
    "croatian": "hr",
    "czech": "cs",
    "danish": "da",
    "estonian": "et",
    "finnish": "fi",
    "galician": "gl",
    "greek": "el",
    "gujarati": "gu",
    "hebrew": "he",
    "hindi": "hi",
    "hungarian": "hu",
    "icelandic": "is",
    "indonesian": "id",
    "irish": "ga",
    "korean": "ko",
    "latin": "la",
    "latvian": "lv",
    "lithuanian": "lt",
    "malay": "ms",
    "marathi": "mr",
    "norwegian": "no",
    "persian": "fa",
    "farsi": "fa",
    "polish": "pl",
    "punjabi": "pa",
    "romanian": "ro",
    "serbian": "sr",
    "slovak": "sk",
    "slovenian": "sl",
    "swahili": "sw",
    "swedish": "sv",
    "tamil": "ta",
    "telugu": "te",
    "thai": "th",
    "turkish": "tr",
    "ukrainian": "uk",
    "urdu": "ur",
    "vietnamese": "vi",
    "welsh": "cy",
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


def given_language(value: str) -> str | None:
    """A language a user names (``--lang``, a source's ``language``) as articles store it: the
    ISO 639-1 code (``German``, ``de-DE`` -> de), or a three-letter code as given for the
    languages that have no two-letter one (``fil``, ``yue``, ``ckb``); None for anything else."""
    code = normalise_language(value)
    if code is None and re.fullmatch(r"[a-z]{3}", value.strip().lower()):
        return value.strip().lower()
    return code


#: Text shorter than this keeps its declared language: on a few words detection is a guess.
CHECK_MIN_CHARS = 400
#: Characters of the text the detector reads: a sure verdict needs no more, and it costs
#: about a millisecond per thousand characters.
SAMPLE_CHARS = 1000
#: A declaration is overridden only when the detector is this sure of another language...
OVERRIDE_MIN_CONFIDENCE = 0.99
#: ...and gives the declared language at most this probability.
OVERRIDE_MAX_DECLARED = 0.001
#: Languages the detector confuses with each other: one never overrides another of its group.
KINDRED = (
    frozenset({"no", "nb", "nn", "da"}),
    frozenset({"hr", "sr", "bs"}),
    frozenset({"ms", "id"}),
    frozenset({"zu", "xh", "nr", "ss"}),
    frozenset({"gl", "pt"}),
    frozenset({"gl", "es"}),
)


@functools.cache
def _identifier() -> Any:
    """py3langid's model with probabilities normalised, loaded once per process (0.1-0.5 s,
    see :mod:`ingest.langmodel`)."""
    from ingest.langmodel import load_identifier

    return load_identifier()


def warm_up() -> None:
    """Load the language model now (an extraction worker does it before its first page)."""
    _identifier()


def _sample(text: str) -> str:
    return " ".join(text[: SAMPLE_CHARS * 2].split())[:SAMPLE_CHARS]


def detect_language(text: str, min_chars: int = 20) -> str | None:
    """Identify the language of ``text`` with py3langid; None for text too short to tell.

    Used when a page does not declare its language. The model is loaded lazily because it
    takes a moment and most pages declare their language.
    """
    sample = _sample(text)
    if len(sample) < min_chars:
        return None
    code, _score = _identifier().classify(sample)
    return normalise_language(code)


def resolve_language(declared: str | None, text: str | None) -> str | None:
    """The article's language: the declared one, checked against the text when it is long.

    Templates declare the site's default language on pages written in another one (an English
    press release on a German portal, ``lang="ru"`` on an English page). When the text is at
    least :data:`CHECK_MIN_CHARS` long and py3langid is sure of another language while giving
    the declared one almost no chance, the detected language wins. Without a declaration the
    detected language is used; with short text the declaration stands.
    """
    text = text or ""
    if not declared:
        return detect_language(text)
    sample = _sample(text)
    if len(sample) < CHECK_MIN_CHARS:
        return declared
    ranked = dict(_identifier().rank(sample))
    code, confidence = max(ranked.items(), key=lambda item: item[1])
    detected = normalise_language(code)
    if not detected or detected == declared or confidence < OVERRIDE_MIN_CONFIDENCE:
        return declared
    if any(declared in group and detected in group for group in KINDRED):
        return declared
    declared_probability = max(
        (p for c, p in ranked.items() if normalise_language(c) == declared), default=0.0
    )
    return detected if declared_probability <= OVERRIDE_MAX_DECLARED else declared
