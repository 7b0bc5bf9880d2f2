"""Which consent text is in force, and the words it shares with /privacy.

Raise the version whenever what a person agrees to changes: `consent_ask`, or the
`kept_list` and `who_can_reach` texts it shares with /privacy, in any language. People who
agreed to an older version are asked again before anything new is stored; a unit test
fails if a text changes without a new version and fingerprints here.
"""

from __future__ import annotations

import hashlib

from messages.render import render
from messages.tags import DEFAULT_LOCALE, resolve_locale

CONSENT_VERSION = 2
# consent_fingerprint of each locale's consent_ask, as this version stands for it. A
# translation's fingerprint covers the English it translates too, so a change to the English
# consent shows up in every translation's: each one is looked at again before it is
# recorded anew, and nobody agrees to a translation of words no longer in force.
CONSENT_FINGERPRINTS = {
    "en": "ed16ffeddff69c0eb444b65faef8d1ca35608a8f5ff00f3980c2fc6d0849f04d",
    "de": "311da522091e492a5ae30b3ca3af9b569f1826c50daeaf2a934399b69e1cd55b",
    "es": "786fff9c5a58ad9a8a731dde9b4baa74162b9e1466c76636ae11ffe8d2a9e580",
}


def consent_values(locale: str) -> dict[str, str]:
    """What is kept and who can reach it, for consent_ask, consent_changed and /privacy."""
    return {"kept": render("kept_list", locale), "who": render("who_can_reach", locale)}


def consent_fingerprint(locale: str) -> str:
    """sha256 of the consent question as ``locale`` asks it; for a translation, of the
    English it translates, a blank line, and the translation."""
    asked = [resolve_locale(locale)]
    if asked[0] != DEFAULT_LOCALE:
        asked.insert(0, DEFAULT_LOCALE)
    text = "\n\n".join(render("consent_ask", tag, **consent_values(tag)) for tag in asked)
    return hashlib.sha256(text.encode()).hexdigest()
