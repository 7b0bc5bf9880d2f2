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
    "en": "f2cb39dd1a8af4441b830c6ab9275d1c57c1516dd919a61ef35b4a50a0a6203c",
    "de": "43e97ae5009520e254f7ee9e00b9b5a4941d704210dcb312fe69a5e3a8e7cf7b",
    "es": "148ddbf4f868d6ea9b3c107b54895b4c7eb44cb4e87487e8924a831a60ff2f51",
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
