"""The consent text and its version move together, and it says what /privacy says."""

from __future__ import annotations

import hashlib

from messages import render
from messages.consent import CONSENT_FINGERPRINT, CONSENT_VERSION, consent_values


def test_changing_the_consent_text_needs_a_new_version() -> None:
    text = render("consent_ask", "en", **consent_values("en"))
    fingerprint = hashlib.sha256(text.encode()).hexdigest()
    assert fingerprint == CONSENT_FINGERPRINT, (
        "consent_ask (or kept_list, who_can_reach) changed: raise CONSENT_VERSION in "
        f"messages/consent.py and record the new fingerprint {fingerprint}, so everyone is "
        "asked again"
    )
    assert CONSENT_VERSION >= 2  # version 2 lists all that /privacy lists


def test_consent_and_privacy_say_the_same_about_what_is_kept_and_who_can_reach_it() -> None:
    values = consent_values("en")
    asked = render("consent_ask", "en", **values)
    asked_again = render("consent_changed", "en", **values)
    policy = render("privacy_policy", "en", contact="the clinic", **values)
    for text in (asked, asked_again, policy):
        assert values["kept"] in text and values["who"] in text
    # What the policy lists, the consent lists: the help-line country too.
    assert "country" in values["kept"] and "milestones" in values["kept"]
    # Who can reach it is said plainly, and nothing claims that nothing is shared.
    assert "running this bot" in values["who"] and "Telegram" in values["who"]
    for text in (asked, asked_again, policy):
        assert "nothing is shared" not in text.lower()
        assert "shared" not in text.lower()
