"""Everything Attune says: the ritual catalogue and the UI texts, per locale.

Texts live in TOML files next to this package (see ``catalogue`` and ``render``), are read
once, and are validated as a whole on first use; call ``rituals()`` and ``locales()`` at
startup to surface a broken edit before any user sees it.
"""

from messages.catalogue import (
    BANDS,
    PERIODS,
    RATINGS,
    Ritual,
    RitualText,
    acknowledgement,
    band,
    is_ritual,
    prompt_message,
    prompt_text,
    ritual,
    ritual_text,
    rituals,
)
from messages.render import DEFAULT_LOCALE, keys, locales, placeholders, render, resolve_locale

__all__ = [
    "BANDS",
    "DEFAULT_LOCALE",
    "PERIODS",
    "RATINGS",
    "Ritual",
    "RitualText",
    "acknowledgement",
    "band",
    "is_ritual",
    "keys",
    "locales",
    "placeholders",
    "prompt_message",
    "prompt_text",
    "render",
    "resolve_locale",
    "ritual",
    "ritual_text",
    "rituals",
]
