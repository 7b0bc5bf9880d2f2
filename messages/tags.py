"""Which locales Attune speaks, and which of them a requested language tag gets.

A locale is a folder under ``messages/locales/`` named by a lower-case language tag ("en",
"de", "pt-br"). English ("en") is the reference: it must be there, and a tag that matches no
folder gets it. The texts (``messages.render``), the rituals (``messages.catalogue``) and the
CLDR formats (``messages.formats``) all resolve a tag here, so they always agree.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from pathlib import Path

__all__ = ["DEFAULT_LOCALE", "locale_dirs", "resolve", "resolve_locale"]

DEFAULT_LOCALE = "en"

_ROOT = Path(__file__).resolve().parent
# Directory names are lower-case language tags; requests are lower-cased before lookup,
# so a directory named "pt-BR" could never be matched and is rejected instead.
_LOCALE_RE = re.compile(r"[a-z]{2,3}(?:-[a-z0-9]{2,8})*")


def resolve_locale(locale: str) -> str:
    """Map a requested language tag (e.g. Telegram's ``language_code``) to an available locale."""
    return resolve(locale, _available(_ROOT))


def resolve(locale: str, available: Iterable[str]) -> str:
    """``locale`` matched against ``available`` by RFC 4647 "lookup": subtags are dropped
    from the right until one matches, so "de-AT" finds "de" and "pt-br" finds "pt-br" or
    "pt"; anything else gets the reference locale."""
    present = set(available)
    subtags = locale.strip().lower().replace("_", "-").split("-")
    for end in range(len(subtags), 0, -1):
        candidate = "-".join(subtags[:end])
        if candidate in present:
            return candidate
    return DEFAULT_LOCALE


def locale_dirs(root: Path) -> dict[str, Path]:
    """Map each locale name to its directory under ``root/locales``; ValueError if a name is
    not a lower-case tag or the reference locale is missing."""
    base = root / "locales"
    found = (
        {path.name: path for path in sorted(base.iterdir()) if path.is_dir()}
        if base.is_dir()
        else {}
    )
    for name in found:
        if not _LOCALE_RE.fullmatch(name):
            raise ValueError(
                f"{base / name}: locale directory must be a lower-case tag like 'pt-br'"
            )
    if DEFAULT_LOCALE not in found:
        raise ValueError(f"{base}: the reference locale {DEFAULT_LOCALE!r} is missing")
    return found


@functools.cache
def _available(root: Path) -> frozenset[str]:
    return frozenset(locale_dirs(root))
