"""Render user-facing UI texts from flat, per-locale TOML files.

Every locale lives in ``messages/locales/<locale>/`` and its ``texts.toml`` holds flat
``key = "text"`` pairs with ``{name}`` placeholders, filled with ``str.format_map``. English
("en") is the reference locale: every other locale should define exactly the same keys with
exactly the same placeholders. Where it doesn't (a key added or changed in English and not
translated yet), that key is shown in English, so a translation can never turn a working
message into a runtime error for one group of users; ``translation_gaps`` names every such
key, and a test fails until it is translated. All files are read and checked once.

A text whose wording follows a number is a plural text: one form per CLDR plural category
of its locale, as dotted keys (``checkins.one = "{count} check-in"``,
``checkins.other = "{count} check-ins"``). ``render`` picks the form for the ``count``
value and shows the count with the locale's digit grouping.
"""

from __future__ import annotations

import functools
import re
import string
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

from messages.formats import number, plural_categories, plural_category
from messages.tags import DEFAULT_LOCALE, locale_dirs, resolve_locale

__all__ = [
    "DEFAULT_LOCALE",
    "is_plural",
    "keys",
    "locales",
    "placeholders",
    "render",
    "resolve_locale",
    "translation_gaps",
]

_ROOT = Path(__file__).resolve().parent
# UI texts live in texts.toml and in further flat files per feature (e.g. progress.toml);
# rituals.toml belongs to the catalogue, crisis_patterns.toml to messages.safety,
# crisis_lines.toml to messages.resources.
_TEXTS_FILE = "texts.toml"
_NOT_TEXTS = frozenset({"rituals.toml", "crisis_patterns.toml", "crisis_lines.toml"})
# A text key doubles as an identifier in code; keeping it simple keeps grep useful.
_KEY_RE = re.compile(r"[a-z][a-z0-9_]*")
_LINE_RE = re.compile(r"\(at line (\d+), column \d+\)")
# The value a plural text's form is chosen by.
_COUNT = "count"

# A plain text, or a plural text's forms by CLDR plural category.
Text = str | Mapping[str, str]


@dataclass(frozen=True, slots=True)
class _Locale:
    texts: Mapping[str, Text]
    placeholders: Mapping[str, frozenset[str]]
    # What differs from the reference locale, each shown in the reference's words meanwhile.
    gaps: tuple[str, ...] = ()


def render(key: str, locale: str = DEFAULT_LOCALE, /, **values: object) -> str:
    """Return the text ``key`` in ``locale`` (or its fallback) with placeholders filled.

    Raises KeyError for an unknown key or a missing placeholder value: both are bugs in the
    calling code, never user input. Values for placeholders the text doesn't use are ignored.
    A plural text needs an int ``count``. The locale is positional-only so that texts may
    use any placeholder name.
    """
    resolved = resolve_locale(locale)
    text = _text(resolved, key)
    if "locale" in values and "locale" not in _load(_ROOT)[resolved].placeholders[key]:
        # render(key, locale="de") would otherwise be swallowed as an unused value and send
        # English to everyone without a trace.
        raise TypeError("pass the locale positionally: render(key, locale, **values)")
    if not isinstance(text, str):
        count = values.get(_COUNT)
        if not isinstance(count, int) or isinstance(count, bool):
            raise TypeError(f"text {key!r} is a plural text: it needs an int count")
        text = text[plural_category(count, resolved)]
        values = {**values, _COUNT: number(count, resolved)}
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
    """Return every text key ``locale`` (or its fallback) can render: the reference's keys."""
    return frozenset(_load(_ROOT)[resolve_locale(locale)].texts)


def is_plural(key: str) -> bool:
    """Tell whether ``key`` is a plural text (its form follows ``count``)."""
    return not isinstance(_text(DEFAULT_LOCALE, key), str)


def locales() -> tuple[str, ...]:
    """Return the available locales, sorted. Calling it at startup validates every file."""
    return tuple(sorted(_load(_ROOT)))


def translation_gaps(locale: str) -> tuple[str, ...]:
    """What ``locale``'s texts lack or get wrong against the reference locale's, one line
    each (a missing key, a key the reference doesn't have, other placeholders); such keys
    are shown in the reference's words until they are translated. Empty when complete."""
    return _load(_ROOT)[resolve_locale(locale)].gaps


def _text(locale: str, key: str) -> Text:
    try:
        return _load(_ROOT)[locale].texts[key]
    except KeyError:
        raise KeyError(f"no text {key!r} in locale {locale!r}") from None


@functools.cache
def _load(root: Path) -> Mapping[str, _Locale]:
    """Read and check every locale's text files under ``root/locales``; ValueError if a file
    is broken. A locale's drift from the reference is kept as its gaps, not raised."""
    directories = locale_dirs(root)
    reference = _merge(directories[DEFAULT_LOCALE], DEFAULT_LOCALE)
    loaded = {
        locale: _against(reference, _merge(directory, locale), directory)
        for locale, directory in directories.items()
        if locale != DEFAULT_LOCALE
    }
    return MappingProxyType({DEFAULT_LOCALE: reference, **loaded})


def _against(reference: _Locale, entry: _Locale, path: Path) -> _Locale:
    """``entry`` completed from ``reference``: its own text wherever it matches the
    reference's placeholders and kind (plain or plural), the reference's elsewhere."""
    gaps = [
        f"{path}: keys {extra} are not in {DEFAULT_LOCALE}"
        for extra in [sorted(entry.texts.keys() - reference.texts.keys())]
        if extra
    ]
    texts = dict(reference.texts)
    for key in sorted(reference.texts):
        mine = entry.texts.get(key)
        if mine is None:
            gaps.append(f"{path}: missing key {key!r} (present in {DEFAULT_LOCALE})")
        elif isinstance(mine, str) != isinstance(reference.texts[key], str):
            gaps.append(f"{path}: key {key!r} must be plural exactly where {DEFAULT_LOCALE}'s is")
        elif (names := entry.placeholders[key]) != (theirs := reference.placeholders[key]):
            gaps.append(
                f"{path}: key {key!r} uses placeholders {sorted(names)}, "
                f"but {DEFAULT_LOCALE} uses {sorted(theirs)}"
            )
        else:
            texts[key] = mine
    return _Locale(MappingProxyType(texts), reference.placeholders, tuple(gaps))


def _merge(directory: Path, locale: str) -> _Locale:
    """One locale's texts from texts.toml and its sibling feature files; keys are unique."""
    paths = [directory / _TEXTS_FILE] + [
        path
        for path in sorted(directory.glob("*.toml"))
        if path.name != _TEXTS_FILE and path.name not in _NOT_TEXTS
    ]
    texts: dict[str, Text] = {}
    names: dict[str, frozenset[str]] = {}
    for path in paths:
        part = _load_locale(path, locale)
        if twice := sorted(texts.keys() & part.texts.keys()):
            raise ValueError(f"{path}: keys {twice} are already defined in another file")
        texts.update(part.texts)
        names.update(part.placeholders)
    return _Locale(MappingProxyType(texts), MappingProxyType(names))


def _load_locale(path: Path, locale: str) -> _Locale:
    data = _read_toml(path)
    texts: dict[str, Text] = {}
    names: dict[str, frozenset[str]] = {}
    for key, value in data.items():
        if not _KEY_RE.fullmatch(key):
            raise ValueError(f"{path}: key {key!r} must be lower_snake_case")
        where = f"{path}: key {key!r}"
        if isinstance(value, dict):
            texts[key], names[key] = _plural(value, locale, where)
            continue
        if not isinstance(value, str):
            # Keeping the file flat lets translators work on it without knowing TOML tables.
            raise ValueError(f"{where} must be a string, not {type(value).__name__}")
        if not value.strip():
            raise ValueError(f"{where} is empty")
        texts[key] = value
        names[key] = _placeholders_of(value, where)
    return _Locale(MappingProxyType(texts), MappingProxyType(names))


def _plural(value: dict[str, Any], locale: str, where: str) -> tuple[Text, frozenset[str]]:
    """A plural text's forms, one per CLDR category of the locale, all with the same
    placeholders, {count} among them (so no form hides the number it stands for)."""
    try:
        needed = plural_categories(locale)
    except ValueError as exc:
        raise ValueError(f"{where}: {exc}") from None
    if set(value) != needed:
        raise ValueError(
            f"{where}: a plural text needs exactly the forms {sorted(needed)} "
            f"(CLDR's for {locale!r}), not {sorted(value)}"
        )
    forms: dict[str, str] = {}
    found: set[frozenset[str]] = set()
    for category, form in sorted(value.items()):
        if not isinstance(form, str) or not form.strip():
            raise ValueError(f"{where}, form {category!r}, must be a non-empty string")
        forms[category] = form
        found.add(_placeholders_of(form, f"{where}, form {category!r}"))
    if len(found) != 1 or _COUNT not in (names := found.pop()):
        raise ValueError(f"{where}: every form needs {{{_COUNT}}} and the same placeholders")
    return MappingProxyType(forms), names


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
        line = int(found[1]) if found else 0
        quoted = f": {lines[line - 1].strip()!r}" if 0 < line <= len(lines) else ""
        raise ValueError(f"{path}: {exc}{quoted}") from exc
