"""Date parsing for metadata: turn the many date spellings of news pages into ISO 8601.

Every value leaves here timezone-aware, because storage and queries compare dates across
sources and a naive datetime cannot be compared with an aware one. A value without a timezone
is assumed to be UTC (the only assumption that does not depend on guessing the site's locale);
a value with only a date becomes midnight UTC of that day.

Values in the future (past ``now``) or before :data:`MIN_YEAR` are rejected: they come from
countdowns, event dates, copyright footers or broken templates, never from a publication date.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from functools import lru_cache

#: Earliest year accepted as a publication date; older values are template junk (epoch 0 etc.).
MIN_YEAR = 1990

_ISO = re.compile(
    r"""^(?P<date>\d{4}-\d{1,2}-\d{1,2}|\d{4}/\d{1,2}/\d{1,2}|\d{8})
    (?:[T\s]+(?P<time>\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d+)?|\d{6}(?:\.\d+)?))?
    \s*(?P<tz>Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)?$""",
    re.VERBOSE | re.IGNORECASE,
)
_EPOCH = re.compile(r"^\d{10}(?:\d{3})?$")
_DMY = re.compile(
    r"^(?P<d>\d{1,2})[./](?P<m>\d{1,2})[./](?P<y>\d{4})(?:,?\s+(?P<H>\d{1,2})[:.](?P<M>\d{2}))?"
)
_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}
_MONTH_WORD = "|".join(sorted(_MONTHS, key=len, reverse=True))
_TEXT_MDY = re.compile(
    rf"\b(?P<m>{_MONTH_WORD})\.?\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y>\d{{4}})"
    r"(?:[,\s]+(?:at\s+)?(?P<H>\d{1,2})[:.](?P<M>\d{2})\s*(?P<ampm>[ap]\.?m\.?)?)?",
    re.IGNORECASE,
)
_TEXT_DMY = re.compile(
    rf"\b(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\.?\s+(?P<m>{_MONTH_WORD})\.?,?\s+(?P<y>\d{{4}})"
    r"(?:[,\s]+(?:at\s+)?(?P<H>\d{1,2})[:.](?P<M>\d{2})\s*(?P<ampm>[ap]\.?m\.?)?)?",
    re.IGNORECASE,
)


def parse_date(value: object) -> datetime | None:
    """Parse one date value from markup into an aware datetime, or None if it is not a date.

    Accepts ISO 8601 and its common deviations (space before the offset, ``+0200``, ``/``
    separators, compact forms), RFC 2822 (feeds, ``Last-Modified``), Unix timestamps in seconds
    or milliseconds, ``03.05.2024 10:00`` and English month names. A value without a timezone
    is taken as UTC.
    """
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = str(int(value))
    if not isinstance(value, str):
        return None
    return _parse_text_value(value)


@lru_cache(maxsize=1024)
def _parse_text_value(value: str) -> datetime | None:
    """:func:`parse_date` of a string, cached: a page names the same date in JSON-LD, meta tags
    and its ISO form is parsed again to order published and modified."""
    text = " ".join(value.split())
    if not text or len(text) > 80:
        return None
    for parser in (_parse_iso, _parse_epoch, _parse_rfc2822, _parse_dmy, _parse_text):
        try:
            parsed = parser(text)
        except (ValueError, OverflowError, TypeError, IndexError):
            parsed = None
        if parsed is not None:
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return None


def _parse_iso(text: str) -> datetime | None:
    match = _ISO.match(text)
    if not match:
        return None
    date = match["date"].replace("/", "-")
    if "-" not in date:
        date = f"{date[:4]}-{date[4:6]}-{date[6:]}"
    year, month, day = (int(part) for part in date.split("-"))
    hour = minute = second = micro = 0
    if match["time"]:
        clock = match["time"].replace(",", ".")
        clock, _, fraction = clock.partition(".")
        if ":" not in clock:
            clock = f"{clock[:2]}:{clock[2:4]}:{clock[4:]}"
        parts = [int(p) for p in clock.split(":")]
        hour, minute = parts[0], parts[1]
        second = parts[2] if len(parts) > 2 else 0
        micro = int((fraction + "000000")[:6]) if fraction else 0
    return datetime(year, month, day, hour, minute, second, micro, tzinfo=_offset(match["tz"]))


def _offset(tz: str | None) -> timezone | None:
    if not tz:
        return None
    if tz.upper() in ("Z", "UTC", "GMT"):
        return UTC
    sign = -1 if tz[0] == "-" else 1
    digits = tz[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:4] or 0)
    if hours > 14 or minutes > 59:
        raise ValueError(f"bad offset {tz}")
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


def _parse_epoch(text: str) -> datetime | None:
    if not _EPOCH.match(text):
        return None
    seconds = int(text) / (1000 if len(text) == 13 else 1)
    return datetime.fromtimestamp(seconds, tz=UTC)


def _parse_rfc2822(text: str) -> datetime | None:
    if not re.match(r"^(?:[A-Za-z]{3},\s*)?\d{1,2}\s+[A-Za-z]{3}\s+\d{4}\s+\d", text):
        return None
    return parsedate_to_datetime(text)


def _parse_dmy(text: str) -> datetime | None:
    match = _DMY.match(text)
    if not match:
        return None
    hour, minute = int(match["H"] or 0), int(match["M"] or 0)
    return datetime(int(match["y"]), int(match["m"]), int(match["d"]), hour, minute)


def _parse_text(text: str) -> datetime | None:
    """English month-name dates as printed in bylines ("May 3, 2024 at 10:05 am")."""
    match = _TEXT_MDY.search(text) or _TEXT_DMY.search(text)
    if not match:
        return None
    hour, minute = int(match["H"] or 0), int(match["M"] or 0)
    ampm = (match["ampm"] or "").replace(".", "").lower()
    if ampm == "pm" and hour < 12:
        hour += 12
    elif ampm == "am" and hour == 12:
        hour = 0
    month = _MONTHS[match["m"].lower()]
    return datetime(int(match["y"]), month, int(match["d"]), hour, minute)


_DATE_IN_TEXT = re.compile(
    r"\b\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2})?)?\b|\b\d{1,2}\.\d{1,2}\.\d{4}\b"
)


def search_date(text: str) -> datetime | None:
    """The first full date written anywhere in ``text`` (ISO, ``28.04.2023``, month names)."""
    match = _DATE_IN_TEXT.search(text)
    if match:
        return parse_date(match.group())
    try:
        return _parse_text(text)
    except (ValueError, KeyError):
        return None


def is_plausible(moment: datetime, now: datetime | None = None) -> bool:
    """True when ``moment`` can be a publication date: not in the future, not before 1990."""
    now = now or datetime.now(UTC)
    return moment.year >= MIN_YEAR and moment <= now


def to_iso(moment: datetime) -> str:
    """ISO 8601 with offset and whole seconds, keeping the page's own offset."""
    return moment.replace(microsecond=0).isoformat()


def normalise_date(value: object, now: datetime | None = None) -> str | None:
    """Parse ``value`` and return it as ISO 8601 when it is a plausible publication date."""
    parsed = value if isinstance(value, datetime) else parse_date(value)
    if parsed is not None and parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    if parsed is None or not is_plausible(parsed, now):
        return None
    return to_iso(parsed)
