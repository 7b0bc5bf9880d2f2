"""The consent text and its version move together."""

from __future__ import annotations

import hashlib

from messages import render
from messages.consent import CONSENT_FINGERPRINT, CONSENT_VERSION


def test_changing_the_consent_text_needs_a_new_version() -> None:
    text = render("consent_ask", "en")
    fingerprint = hashlib.sha256(text.encode()).hexdigest()
    assert fingerprint == CONSENT_FINGERPRINT, (
        "consent_ask changed: raise CONSENT_VERSION in messages/consent.py and record the "
        f"new fingerprint {fingerprint}, so everyone is asked again"
    )
    assert CONSENT_VERSION >= 1
