"""Crisis phrases and where to find help: data files, matched with care."""

from __future__ import annotations

from pathlib import Path

import pytest

from messages.safety import DEFAULT_RESOURCES, crisis_resources, mentions_crisis
from scheduler.zones import country_of_zone


@pytest.mark.parametrize(
    "text",
    [
        "I want to die",
        "SUICIDAL tonight",
        "i\u2019m not safe at home",  # a curly apostrophe
        "sometimes I think about   ending my life",
        "I keep hurting myself.",
        "\u202ewant to die",  # a direction mark in front
        "everything is fine but i want\u200b to die",  # a zero-width space
        "I feel like I can\u2019t go on",
    ],
)
def test_crisis_language_is_recognised(text: str) -> None:
    assert mentions_crisis(text)


@pytest.mark.parametrize(
    "text",
    [
        "I'd die for a good coffee",
        "I want to dye my hair",
        "it was a skill myself and my friend learned",
        "felt safe and warm tonight",
        "",
    ],
)
def test_ordinary_words_are_not_taken_for_crisis(text: str) -> None:
    assert not mentions_crisis(text)


def test_unknown_locale_uses_english_phrases() -> None:
    assert mentions_crisis("i want to die", "pt-br")


def test_resources_put_the_persons_country_first_then_the_defaults() -> None:
    us = crisis_resources("US")
    assert us[0].startswith("988") and us[-1] == crisis_resources(None)[-1]
    assert crisis_resources("ZZ") == crisis_resources(None)
    assert any("findahelpline.com" in line for line in crisis_resources(None))


def test_an_operator_file_replaces_the_defaults(tmp_path: Path) -> None:
    own = tmp_path / "help.toml"
    own.write_text('[default]\nlines = ["Call the clinic: 555 0100"]\n')
    assert crisis_resources("US", own) == ("Call the clinic: 555 0100",)
    broken = tmp_path / "broken.toml"
    broken.write_text('[US]\nlines = ["x"]\n')
    with pytest.raises(ValueError, match="default"):
        crisis_resources("US", broken)


def test_default_file_is_well_formed() -> None:
    assert DEFAULT_RESOURCES.exists()
    for country in ("US", "GB", "DE", "AU", None):
        assert all(line.strip() for line in crisis_resources(country))


@pytest.mark.parametrize(
    ("zone", "country"),
    [("Europe/Berlin", "DE"), ("America/New_York", "US"), ("UTC+05:30", None), ("UTC", None)],
)
def test_country_of_a_zone(zone: str, country: str | None) -> None:
    assert country_of_zone(zone) == country
