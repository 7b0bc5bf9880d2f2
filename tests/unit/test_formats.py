"""Dates, times, numbers, plurals and names as each locale shows them (CLDR, via Babel).

The expected strings are written out here, not computed, so a change in Babel's data or in
how a locale is mapped to CLDR shows up as a failure to look at.
"""

from __future__ import annotations

from datetime import date, datetime, time

import pytest

from messages.formats import (
    city_name,
    clock,
    country_name,
    date_long,
    date_short,
    date_with_weekday,
    language_name,
    month_short,
    month_year,
    number,
    one_decimal,
    plural_categories,
    plural_category,
    weekday,
)

MONDAY = date(2026, 11, 30)


@pytest.mark.parametrize(
    ("locale", "short", "with_weekday", "long", "month"),
    [
        ("en", "30 Nov", "Mon 30 Nov", "Monday 30 November", "Nov 2026"),
        ("de", "30. Nov.", "Mo., 30. Nov.", "Montag, 30. November", "Nov. 2026"),
        ("es", "30 nov", "lun, 30 nov", "lunes, 30 de noviembre", "nov 2026"),
    ],
)
def test_dates(locale: str, short: str, with_weekday: str, long: str, month: str) -> None:
    assert date_short(MONDAY, locale) == short
    assert date_with_weekday(MONDAY, locale) == with_weekday
    assert date_long(MONDAY, locale) == long
    assert month_year(MONDAY, locale) == month


@pytest.mark.parametrize(
    ("locale", "names"),
    [
        ("en", ("Monday", "Sun", "Dec")),
        ("de", ("Montag", "So.", "Dez")),
        ("es", ("lunes", "dom", "dic")),
    ],
)
def test_weekday_and_month_names(locale: str, names: tuple[str, str, str]) -> None:
    assert (weekday(0, locale), weekday(6, locale, short=True), month_short(12, locale)) == names


@pytest.mark.parametrize(
    ("locale", "morning", "evening"),
    [("en", "09:05", "21:30"), ("de", "09:05", "21:30"), ("es", "9:05", "21:30")],
)
def test_the_clock_is_24_hours_in_every_locale(locale: str, morning: str, evening: str) -> None:
    assert clock(time(9, 5), locale) == clock("09:05", locale) == morning
    assert clock(datetime(2026, 11, 30, 21, 30), locale) == evening


@pytest.mark.parametrize(
    ("locale", "mean", "big"),
    [("en", "3.5", "1,000,000"), ("de", "3,5", "1.000.000"), ("es", "3,5", "1.000.000")],
)
def test_numbers(locale: str, mean: str, big: str) -> None:
    assert one_decimal(35, locale) == mean
    assert one_decimal(50, locale).endswith("0")  # "5.0": always one decimal
    assert number(1_000_000, locale) == big


# CLDR's plural categories: English and German one/other, Spanish one/many/other (many for
# a million and more, "1.000.000 de registros").
PLURALS = {
    "en": {0: "other", 1: "one", 2: "other", 5: "other", 1_000_000: "other"},
    "de": {0: "other", 1: "one", 2: "other", 5: "other", 1_000_000: "other"},
    "es": {0: "other", 1: "one", 2: "other", 5: "other", 1_000_000: "many"},
}


@pytest.mark.parametrize("locale", sorted(PLURALS))
def test_plural_categories(locale: str) -> None:
    assert {count: plural_category(count, locale) for count in PLURALS[locale]} == PLURALS[locale]
    assert plural_categories(locale) == set(PLURALS[locale].values())


@pytest.mark.parametrize(
    ("locale", "country", "city", "language"),
    [
        ("en", "Germany", "Vienna", "English"),
        ("de", "Deutschland", "Wien", "Deutsch"),
        ("es", "Alemania", "Viena", "Español"),
    ],
)
def test_names_of_countries_cities_and_languages(
    locale: str, country: str, city: str, language: str
) -> None:
    assert country_name("de", locale) == country
    assert city_name("Europe/Vienna", locale) == city
    assert language_name(locale) == language


def test_an_unknown_locale_reads_as_english_and_an_unknown_country_as_its_code() -> None:
    assert date_short(MONDAY, "zz-ZZ") == date_short(MONDAY, "en")
    assert date_short(MONDAY, "de-AT") == date_short(MONDAY, "de")
    assert country_name("XX", "de") == "XX"
