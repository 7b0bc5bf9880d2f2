"""Render user-facing UI texts from flat, per-locale TOML files.

Every locale lives in ``messages/locales/<locale>/`` and its ``texts.toml`` holds flat
``key = "text"`` pairs with ``{name}`` placeholders, filled with ``str.format_map``. English
("en") is the reference locale: every other locale must define exactly the same keys with
exactly the same placeholders, so a translation can never turn a working message into a
runtime error for one group of users. All files are read and checked once, on first use.
"""

from __future__ import annotations

import functools
import re
import string
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

__all__ = ["DEFAULT_LOCALE", "keys", "locales", "placeholders", "render", "resolve_locale"]

DEFAULT_LOCALE = "en"

_ROOT = Path(__file__).resolve().parent
# UI texts live in texts.toml and in further flat files per feature (e.g. progress.toml);
# rituals.toml belongs to the catalogue, crisis_patterns.toml to messages.safety.
_TEXTS_FILE = "texts.toml"
_NOT_TEXTS = frozenset({"rituals.toml", "crisis_patterns.toml"})
# Directory names are lower-case language tags; requests are lower-cased before lookup,
# so a directory named "pt-BR" could never be matched and is rejected instead.
_LOCALE_RE = re.compile(r"[a-z]{2,3}(?:-[a-z0-9]{2,8})*")
# A text key doubles as an identifier in code; keeping it simple keeps grep useful.
_KEY_RE = re.compile(r"[a-z][a-z0-9_]*")
_LINE_RE = re.compile(r"\(at line (\d+), column \d+\)")


@dataclass(frozen=True, slots=True)
class _Locale:
    texts: Mapping[str, str]
    placeholders: Mapping[str, frozenset[str]]


def render(key: str, locale: str = DEFAULT_LOCALE, /, **values: object) -> str:
    """Return the text ``key`` in ``locale`` (or its fallback) with placeholders filled.

    Raises KeyError for an unknown key or a missing placeholder value: both are bugs in the
    calling code, never user input. Values for placeholders the text doesn't use are ignored.
    The locale is positional-only so that texts may use any placeholder name.
    """
    resolved = resolve_locale(locale)
    text = _text(resolved, key)
    if "locale" in values and "locale" not in _load(_ROOT)[resolved].placeholders[key]:
        # render(key, locale="de") would otherwise be swallowed as an unused value and send
        # English to everyone without a trace.
        raise TypeError("pass the locale positionally: render(key, locale, **values)")
    try:
        return text.format_map(values)
    except KeyError as exc:
        raise KeyError(f"text {key!r} ({resolved}) needs a value for {{{exc.args[0]}}}") from exc


def placeholders(key: str, locale: str = DEFAULT_LOCALE) -> frozenset[str]:
    """Return the placeholder names used by text ``key`` in ``locale`` (or its fallback)."""
    resolved = resolve_locale(locale)
    _text(resolved, key)  # for the KeyError on an unknown key
    return _load(_ROOT)[resolved].placeholders[key]


def keys(locale: str = DEFAULT_LOCALE) -> frozenset[str]:
    """Return every text key defined for ``locale`` (or its fallback)."""
    return frozenset(_load(_ROOT)[resolve_locale(locale)].texts)


def locales() -> tuple[str, ...]:
    """Return the available locales, sorted. Calling it at startup validates every file."""
    return tuple(sorted(_load(_ROOT)))


def resolve_locale(locale: str) -> str:
    """Map a requested language tag (e.g. Telegram's ``language_code``) to an available locale."""
    return _resolve(locale, _load(_ROOT))


def _text(locale: str, key: str) -> str:
    try:
        return _load(_ROOT)[locale].texts[key]
    except KeyError:
        raise KeyError(f"no text {key!r} in locale {locale!r}") from None


def _resolve(locale: str, available: Iterable[str]) -> str:
    # RFC 4647 "lookup": drop subtags from the right until a locale matches, so "de-AT" finds
    # "de" and "pt-br" finds "pt-br" or "pt"; anything else gets the reference locale.
    present = set(available)
    subtags = locale.strip().lower().replace("_", "-").split("-")
    for end in range(len(subtags), 0, -1):
        candidate = "-".join(subtags[:end])
        if candidate in present:
            return candidate
    return DEFAULT_LOCALE


@functools.cache
def _load(root: Path) -> Mapping[str, _Locale]:
    """Read and check every locale's text files under ``root/locales``; ValueError if broken."""
    loaded = {locale: _merge(directory) for locale, directory in _locale_dirs(root).items()}
    reference = loaded[DEFAULT_LOCALE]
    for locale, entry in loaded.items():
        path = root / "locales" / locale
        if missing := sorted(reference.texts.keys() - entry.texts.keys()):
            raise ValueError(f"{path}: missing keys {missing} (present in {DEFAULT_LOCALE})")
        if extra := sorted(entry.texts.keys() - reference.texts.keys()):
            raise ValueError(f"{path}: keys {extra} are not in {DEFAULT_LOCALE}")
        for key in sorted(entry.texts):
            mine, theirs = entry.placeholders[key], reference.placeholders[key]
            if mine != theirs:
                raise ValueError(
                    f"{path}: key {key!r} uses placeholders {sorted(mine)}, "
                    f"but {DEFAULT_LOCALE} uses {sorted(theirs)}"
                )
    return MappingProxyType(loaded)


def _merge(directory: Path) -> _Locale:
    """One locale's texts from texts.toml and its sibling feature files; keys are unique."""
    paths = [directory / _TEXTS_FILE] + [
        path
        for path in sorted(directory.glob("*.toml"))
        if path.name != _TEXTS_FILE and path.name not in _NOT_TEXTS
    ]
    texts: dict[str, str] = {}
    names: dict[str, frozenset[str]] = {}
    for path in paths:
        part = _load_locale(path)
        if twice := sorted(texts.keys() & part.texts.keys()):
            raise ValueError(f"{path}: keys {twice} are already defined in another file")
        texts.update(part.texts)
        names.update(part.placeholders)
    return _Locale(MappingProxyType(texts), MappingProxyType(names))


def _load_locale(path: Path) -> _Locale:
    data = _read_toml(path)
    texts: dict[str, str] = {}
    names: dict[str, frozenset[str]] = {}
    for key, value in data.items():
        if not _KEY_RE.fullmatch(key):
            raise ValueError(f"{path}: key {key!r} must be lower_snake_case")
        if not isinstance(value, str):
            # Keeping the file flat lets translators work on it without knowing TOML tables.
            raise ValueError(f"{path}: key {key!r} must be a string, not {type(value).__name__}")
        if not value.strip():
            raise ValueError(f"{path}: key {key!r} is empty")
        texts[key] = value
        names[key] = _placeholders_of(value, f"{path}: key {key!r}")
    return _Locale(MappingProxyType(texts), MappingProxyType(names))


def _placeholders_of(text: str, where: str) -> frozenset[str]:
    try:
        fields = [field for _, field, _, _ in string.Formatter().parse(text) if field is not None]
    except ValueError as exc:
        raise ValueError(
            f"{where}: bad placeholder syntax ({exc}); write braces as {{{{ }}}}"
        ) from exc
    for field in fields:
        # Only plain names: values come in as keywords, and "{0}" or "{user.name}" would
        # either never match or reach into objects from a translation file.
        if not field.isidentifier():
            raise ValueError(f"{where}: placeholder {{{field}}} must be a plain name")
    return frozenset(fields)


def _locale_dirs(root: Path) -> dict[str, Path]:
    """Map each locale name to its directory under ``root/locales``; shared with the catalogue."""
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


def _read_toml(path: Path) -> dict[str, Any]:
    """Parse one TOML file, turning every problem into a ValueError that names the file."""
    try:
        source = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ValueError(f"{path}: file is missing") from None
    try:
        return tomllib.loads(source)
    except tomllib.TOMLDecodeError as exc:
        # tomllib gives only a line number ("Cannot overwrite a value (at line 9, column 4)"
        # for a duplicate key), so quote that line: it names the key at fault.
        found = _LINE_RE.search(str(exc))
        lines = source.splitlines()
        number = int(found[1]) if found else 0
        quoted = f": {lines[number - 1].strip()!r}" if 0 < number <= len(lines) else ""
        raise ValueError(f"{path}: {exc}{quoted}") from exc
