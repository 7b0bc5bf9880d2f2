"""How dates, times, numbers, plurals and names read in each locale, from CLDR through Babel.

Nothing here is a table of our own: weekday and month names, the order of day and month,
the decimal mark, grouping, plural categories, and the names of countries, cities and
languages all come from the Unicode CLDR data Babel ships. Dates are written with CLDR
skeletons ("MMMd": abbreviated month and day), so each locale puts the parts in its own
order with its own punctuation ("30 Nov", "30. Nov.", "30 nov").

Every function takes a requested locale and resolves it the way the texts do, so a date is
always in the language of the sentence around it.
"""

from __future__ import annotations

import functools
import re
from datetime import date, datetime, time
from decimal import Decimal

from babel import Locale, UnknownLocaleError
from babel.dates import (
    format_date,
    format_skeleton,
    get_day_names,
    get_month_names,
    get_timezone_location,
    match_skeleton,
)
from babel.numbers import format_decimal

from messages.tags import resolve_locale

__all__ = [
    "city_name",
    "cldr_locale",
    "clock",
    "country_name",
    "date_long",
    "date_short",
    "date_with_weekday",
    "language_name",
    "month_short",
    "month_year",
    "number",
    "one_decimal",
    "plural_categories",
    "plural_category",
    "weekday",
]

# English texts are written in British English ("colour", "organisation") and have always
# shown the day before the month ("25 Oct") and a 24-hour clock: CLDR's en_GB, not its en
# (which is American: "Oct 25", "9:30 PM").
_CLDR_NAMES = {"en": "en_GB"}
# Every time Attune shows is a wall-clock time on the 24-hour clock, as people choose it.
_CLOCK = "Hm"
# A weekday field narrower than in full: E, EE or EEE (never part of EEEE).
_SHORT_WEEKDAY = re.compile(r"(?<!E)E{1,3}(?!E)")


@functools.cache
def cldr_locale(tag: str) -> Locale:
    """The CLDR locale for a locale folder's tag (no resolving); ValueError if CLDR has none."""
    try:
        return Locale.parse(_CLDR_NAMES.get(tag, tag).replace("-", "_"))
    except (UnknownLocaleError, ValueError) as exc:
        raise ValueError(f"locale {tag!r} is not one CLDR knows: {exc}") from None


def plural_categories(tag: str) -> frozenset[str]:
    """The CLDR plural categories a locale folder's texts need forms for ("one", "other"...)."""
    return frozenset(cldr_locale(tag).plural_form.tags) | {"other"}


def plural_category(count: int, tag: str) -> str:
    """The CLDR plural category of ``count`` in a locale folder's language."""
    return cldr_locale(tag).plural_form(count)


def number(value: int, locale: str) -> str:
    """A whole number with the locale's grouping: "1,000" in English, "1.000" in German."""
    return format_decimal(value, locale=_cldr(locale))


def one_decimal(tenths: int, locale: str) -> str:
    """A number given in tenths, shown with one decimal and the locale's mark: "3.5", "3,5"."""
    return format_decimal(Decimal(tenths).scaleb(-1), format="0.0", locale=_cldr(locale))


def weekday(day: int, locale: str, *, short: bool = False) -> str:
    """A weekday's name (0 is Monday): "Sunday", or short: "Sun", "So.", "dom"."""
    return str(get_day_names("abbreviated" if short else "wide", locale=_cldr(locale))[day])


def month_short(month: int, locale: str) -> str:
    """A month's short name standing alone, as under a chart: "Dec", "Dez", "dic"."""
    names = get_month_names("abbreviated", context="stand-alone", locale=_cldr(locale))
    return str(names[month])


def date_short(day: date, locale: str) -> str:
    """A day of the year: "30 Nov", "30. Nov.", "30 nov"."""
    return format_skeleton("MMMd", day, locale=_cldr(locale))


def date_with_weekday(day: date, locale: str) -> str:
    """A day with its short weekday: "Mon 30 Nov", "Mo., 30. Nov.", "lun, 30 nov"."""
    return format_skeleton("MMMEd", day, locale=_cldr(locale))


def date_long(day: date, locale: str) -> str:
    """A day in full: "Friday 11 December", "Freitag, 11. Dezember", "viernes, 11 de diciembre"."""
    return format_date(day, _long_date_pattern(resolve_locale(locale)), locale=_cldr(locale))


def month_year(day: date, locale: str) -> str:
    """A month of a year: "Nov 2026", "Nov. 2026", "nov 2026"."""
    return format_skeleton("yMMM", day, locale=_cldr(locale))


def clock(value: time | datetime | str, locale: str) -> str:
    """A wall-clock time on the 24-hour clock: "21:30"; "9:30" where the locale drops the
    leading zero. A string is a time as stored ("HH:MM")."""
    if isinstance(value, str):
        value = time.fromisoformat(value)
    elif isinstance(value, datetime):
        value = value.time()
    return format_skeleton(_CLOCK, value, locale=_cldr(locale))


def country_name(code: str, locale: str) -> str:
    """A country's name by its ISO 3166-1 code, in the locale's language; the code if unknown."""
    return str(_cldr(locale).territories.get(code.upper(), code.upper()))


def city_name(zone: str, locale: str) -> str:
    """The city an IANA zone is named after, in the locale's language: "Wien", "Nueva York"."""
    return get_timezone_location(zone, locale=_cldr(locale), return_city=True)


def language_name(tag: str) -> str:
    """A locale's language named in itself, capitalised for a button: "Deutsch", "Español"."""
    name = str(cldr_locale(tag).language_name)
    return name[:1].upper() + name[1:]


@functools.cache
def _long_date_pattern(tag: str) -> str:
    """The locale's pattern for weekday, day and month, with the weekday in full.

    Most locales have CLDR patterns for the abbreviated weekday only ("E, d. MMMM"); CLDR's
    own rule is to widen the matched pattern's fields to the width asked for, which Babel's
    format_skeleton leaves out. Quoted literals ("'de'") are left as they are.
    """
    skeletons = cldr_locale(tag).datetime_skeletons
    pattern = str(skeletons[match_skeleton("MMMMEEEEd", skeletons)].pattern)
    parts = pattern.split("'")
    parts[::2] = [_SHORT_WEEKDAY.sub("EEEE", part) for part in parts[::2]]
    return "'".join(parts)


def _cldr(locale: str) -> Locale:
    return cldr_locale(resolve_locale(locale))
