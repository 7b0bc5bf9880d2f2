"""The consent text and its version move together, and it says what /privacy says."""

from __future__ import annotations

import hashlib

import pytest

from messages import locales, render
from messages.consent import (
    CONSENT_FINGERPRINTS,
    CONSENT_VERSION,
    consent_fingerprint,
    consent_values,
)


@pytest.mark.parametrize("locale", locales())
def test_changing_the_consent_text_needs_a_new_version(locale: str) -> None:
    fingerprint = consent_fingerprint(locale)
    assert fingerprint == CONSENT_FINGERPRINTS.get(locale), (
        f"consent_ask (or kept_list, who_can_reach) changed in {locale}, or in the English "
        f"it translates: bring the translation in line first, then raise CONSENT_VERSION in "
        f"messages/consent.py and record the new fingerprint {fingerprint}, so everyone is "
        "asked again"
    )
    assert CONSENT_VERSION >= 2  # version 2 lists all that /privacy lists


def test_every_fingerprint_is_of_a_locale_there_is() -> None:
    assert set(CONSENT_FINGERPRINTS) == set(locales())


def test_a_translations_fingerprint_covers_the_english_it_translates() -> None:
    english = render("consent_ask", "en", **consent_values("en"))
    german = render("consent_ask", "de", **consent_values("de"))
    assert consent_fingerprint("en") == hashlib.sha256(english.encode()).hexdigest()
    assert (
        consent_fingerprint("de") == hashlib.sha256(f"{english}\n\n{german}".encode()).hexdigest()
    )


@pytest.mark.parametrize("locale", locales())
def test_consent_and_privacy_say_the_same_in_every_language(locale: str) -> None:
    values = consent_values(locale)
    asked = render("consent_ask", locale, **values)
    asked_again = render("consent_changed", locale, **values)
    policy = render("privacy_policy", locale, contact="the clinic", **values)
    for text in (asked, asked_again, policy):
        assert values["kept"] in text and values["who"] in text
    assert "Telegram" in values["who"] and "/export" in values["who"]


def test_consent_and_privacy_say_the_same_about_what_is_kept_and_who_can_reach_it() -> None:
    values = consent_values("en")
    asked = render("consent_ask", "en", **values)
    asked_again = render("consent_changed", "en", **values)
    policy = render("privacy_policy", "en", contact="the clinic", **values)
    # What the policy lists, the consent lists: the help-line country too.
    assert "country" in values["kept"] and "milestones" in values["kept"]
    # Who can reach it is said plainly, and nothing claims that nothing is shared.
    assert "running this bot" in values["who"] and "Telegram" in values["who"]
    for text in (asked, asked_again, policy):
        assert "nothing is shared" not in text.lower()
        assert "shared" not in text.lower()
