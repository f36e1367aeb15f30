"""Lexical checks of XSD literals: is ``"2024-02-30"^^xsd:date`` a date?

Parsers accept ill-typed literals silently (rdflib even rewrites ``"maybe"``
to ``false``), after which a date FILTER compares text.  :func:`problem` says
what is wrong with a lexical form, or returns None when it is well typed.
Datatypes not listed here are not checked.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache

XSD = "http://www.w3.org/2001/XMLSchema#"

# rdflib turns integers into Python ints, which refuse more than 4,300 digits
# (a ValueError that fails the whole file); no real datum needs this many.
MAX_NUMBER_DIGITS = 1000

_TZ = r"(?P<tz>Z|[+-](?P<tzh>[0-9]{2}):(?P<tzm>[0-9]{2}))?"
_YEAR = r"(?P<year>-?(?:[1-9][0-9]{4,}|[0-9]{4}))"
_DATE = _YEAR + r"-(?P<month>[0-9]{2})-(?P<day>[0-9]{2})"
_TIME = r"(?P<hour>[0-9]{2}):(?P<minute>[0-9]{2}):(?P<second>[0-9]{2}(?:\.[0-9]+)?)"

# Compiled when first used (see _pattern): compiling them all took 5 ms of every
# command's start-up, and most commands check no literal.
_PATTERNS = {
    "date": _DATE + _TZ,
    "dateTime": _DATE + "T" + _TIME + _TZ,
    "dateTimeStamp": _DATE + "T" + _TIME + _TZ.replace(")?", ")"),
    "time": _TIME + _TZ,
    "gYear": _YEAR + _TZ,
    "gYearMonth": _YEAR + r"-(?P<month>[0-9]{2})" + _TZ,
    "gMonth": r"--(?P<month>[0-9]{2})" + _TZ,
    "gMonthDay": r"--(?P<month>[0-9]{2})-(?P<day>[0-9]{2})" + _TZ,
    "gDay": r"---(?P<day>[0-9]{2})" + _TZ,
    "duration": (
        r"-?P(?=[0-9]|T[0-9])([0-9]+Y)?([0-9]+M)?([0-9]+D)?"
        r"(T(?=[0-9])([0-9]+H)?([0-9]+M)?([0-9]+(\.[0-9]+)?S)?)?"
    ),
    "boolean": r"true|false|1|0",
    "decimal": r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)",
    "double": r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?|[+-]?INF|NaN",
}
_PATTERNS["float"] = _PATTERNS["double"]
_INTEGER = r"[+-]?[0-9]+"


@cache
def _pattern(source: str) -> re.Pattern[str]:
    return re.compile(source)


# Integer types and their inclusive bounds (None: unbounded).
_INTEGER_RANGES: dict[str, tuple[int | None, int | None]] = {
    "integer": (None, None),
    "nonNegativeInteger": (0, None),
    "positiveInteger": (1, None),
    "nonPositiveInteger": (None, 0),
    "negativeInteger": (None, -1),
    "long": (-(2**63), 2**63 - 1),
    "int": (-(2**31), 2**31 - 1),
    "short": (-(2**15), 2**15 - 1),
    "byte": (-(2**7), 2**7 - 1),
    "unsignedLong": (0, 2**64 - 1),
    "unsignedInt": (0, 2**32 - 1),
    "unsignedShort": (0, 2**16 - 1),
    "unsignedByte": (0, 2**8 - 1),
}


def problem(value: str, datatype: str, max_digits: int = MAX_NUMBER_DIGITS) -> str | None:
    """What is wrong with ``value`` as a literal of ``datatype``, or None."""
    if not datatype.startswith(XSD):
        return None
    name = datatype[len(XSD) :]
    if name in _INTEGER_RANGES:
        return _integer_problem(value, name, max_digits)
    if name in ("decimal", "double", "float"):
        digits = sum(c.isdigit() for c in value)
        if digits > max_digits:
            return _too_long(value, name, digits, max_digits)
    source = _PATTERNS.get(name)
    if source is None:
        return None
    match = _pattern(source).fullmatch(value)
    if match is None:
        return f"{_shown(value)} is not a valid xsd:{name}"
    semantic = _calendar_problem(match)
    return f"{_shown(value)} is not a valid xsd:{name}: {semantic}" if semantic else None


def _integer_problem(value: str, name: str, max_digits: int) -> str | None:
    if not _pattern(_INTEGER).fullmatch(value):
        return f"{_shown(value)} is not a valid xsd:{name}"
    digits = len(value.lstrip("+-"))
    if digits > max_digits:
        return _too_long(value, name, digits, max_digits)
    low, high = _INTEGER_RANGES[name]
    number = int(value)
    if (low is not None and number < low) or (high is not None and number > high):
        return f"{_shown(value)} is out of range for xsd:{name}"
    return None


def _too_long(value: str, name: str, digits: int, max_digits: int) -> str:
    return (
        f"a number ({_shown(value)}) has {digits:,} digits, over the limit of "
        f"{max_digits:,} (Limits.max_number_digits; raise it with --max-number-digits) "
        f"for xsd:{name}"
    )


def _calendar_problem(match: re.Match[str]) -> str | None:
    """Month, day, hour and time zone ranges; the day must exist in that month."""
    fields = match.groupdict()
    checks: list[tuple[str, Callable[[], bool]]] = [
        ("month out of range", lambda: 1 <= int(fields["month"]) <= 12),
        ("day out of range", lambda: 1 <= int(fields["day"]) <= 31),
        ("no such day in that month", lambda: _day_exists(fields)),
        ("time out of range", lambda: _time_ok(fields)),
        ("time zone out of range", lambda: _tz_ok(fields)),
    ]
    needs = {
        "month out of range": ("month",),
        "day out of range": ("day",),
        "no such day in that month": ("month", "day"),
        "time out of range": ("hour",),
        "time zone out of range": ("tzh",),
    }
    for message, check in checks:
        if all(fields.get(key) is not None for key in needs[message]) and not check():
            return message
    return None


def _day_exists(fields: dict[str, str | None]) -> bool:
    month, day = int(fields["month"] or 0), int(fields["day"] or 0)
    year = fields.get("year")
    # A gMonthDay has no year: 29 February exists in some year.  isleap works on
    # any integer, so years past 9999 or before 1 follow the Gregorian rule too.
    import calendar  # here: it imports datetime and locale, which start-up does not need

    leap = year is None or calendar.isleap(int(year))
    if month == 2:
        return day <= (29 if leap else 28)
    return day <= calendar.monthrange(2001, month)[1]


def _time_ok(fields: dict[str, str | None]) -> bool:
    hour, minute = int(fields["hour"] or 0), int(fields["minute"] or 0)
    second = float(fields["second"] or 0)
    if hour == 24:  # 24:00:00 is the end of the day, nothing later
        return minute == 0 and second == 0
    return hour < 24 and minute < 60 and second < 60


def _tz_ok(fields: dict[str, str | None]) -> bool:
    hours, minutes = int(fields["tzh"] or 0), int(fields["tzm"] or 0)
    return minutes < 60 and (hours < 14 or (hours == 14 and minutes == 0))


def _shown(value: str) -> str:
    return repr(value if len(value) <= 40 else value[:40] + "...")
