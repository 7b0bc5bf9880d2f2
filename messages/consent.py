"""Which consent text is in force, and the words it shares with /privacy.

Raise the version whenever what a person agrees to changes: `consent_ask`, or the
`kept_list` and `who_can_reach` texts it shares with /privacy. People who agreed to an
older version are asked again before anything new is stored; a unit test fails if the
text changes without a new version and fingerprint here.
"""

from __future__ import annotations

from messages.render import render

CONSENT_VERSION = 2
# sha256 of the English consent_ask text, as rendered by consent_values, this version stands for.
CONSENT_FINGERPRINT = "ed16ffeddff69c0eb444b65faef8d1ca35608a8f5ff00f3980c2fc6d0849f04d"


def consent_values(locale: str) -> dict[str, str]:
    """What is kept and who can reach it, for consent_ask, consent_changed and /privacy."""
    return {"kept": render("kept_list", locale), "who": render("who_can_reach", locale)}
