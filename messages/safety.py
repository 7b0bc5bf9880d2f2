"""Safety texts as data: phrases that signal crisis, and where to find human help.

Nothing here judges or diagnoses: a match only decides that the bot stops and answers
with care and with resources.
"""

from __future__ import annotations

import functools
import re
import tomllib
import unicodedata
from pathlib import Path

from messages.render import DEFAULT_LOCALE, resolve_locale

_ROOT = Path(__file__).parent
DEFAULT_RESOURCES = _ROOT / "crisis_resources.toml"
# Characters that hide between letters (zero-width, direction marks) and must not let a
# phrase slip past the match.
_INVISIBLE = dict.fromkeys(
    [
        0x200B,
        0x200C,
        0x200D,
        0x2060,
        0xFEFF,
        0x200E,
        0x200F,
        0x202A,
        0x202B,
        0x202C,
        0x202D,
        0x202E,
    ]
)
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'"})


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).translate(_INVISIBLE).translate(_APOSTROPHES)
    return " ".join(text.casefold().split())


@functools.cache
def _pattern(locale: str) -> re.Pattern[str]:
    path = _ROOT / "locales" / locale / "crisis_phrases.txt"
    if not path.exists():
        path = _ROOT / "locales" / DEFAULT_LOCALE / "crisis_phrases.txt"
    phrases = [
        _fold(line)
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    alternatives = "|".join(re.escape(p) for p in sorted(phrases, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)")


def mentions_crisis(text: str, locale: str = DEFAULT_LOCALE) -> bool:
    """True if the text contains a phrase that signals crisis, in that locale (or English)."""
    folded = _fold(text)
    return bool(_pattern(resolve_locale(locale)).search(folded)) or bool(
        _pattern(DEFAULT_LOCALE).search(folded)
    )


@functools.cache
def _resources(path: Path) -> dict[str, tuple[str, ...]]:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    found: dict[str, tuple[str, ...]] = {}
    for country, table in data.items():
        lines = table.get("lines") if isinstance(table, dict) else None
        if not isinstance(lines, list) or not all(isinstance(x, str) for x in lines):
            raise ValueError(f"{path}: [{country}] needs lines = [ ... ] of strings")
        found[country] = tuple(lines)
    if "default" not in found:
        raise ValueError(f"{path}: a [default] table is required")
    return found


def crisis_resources(country: str | None, path: Path = DEFAULT_RESOURCES) -> tuple[str, ...]:
    """The help lines to show: the person's country first (if listed), then the defaults."""
    table = _resources(path)
    local = table.get(country.upper(), ()) if country else ()
    return local + table["default"]
