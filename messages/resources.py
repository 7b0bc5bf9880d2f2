"""Where to find human help: the help lines per country and category, read from TOML.

The file (``crisis_resources.toml``, or the operator's own through
ATTUNE_CRISIS_RESOURCES) is checked as a whole when it is loaded, at start, so a broken
edit stops the start in one line instead of failing the moment a person needs help. The
schema is described at the top of the shipped file.

The lines are written in English. ``locales/<locale>/crisis_lines.toml`` gives another
language's wording of each shipped line, keyed by the English line, so the lines follow the
person's country and their words follow the person's language. A line with no wording there
(an operator's own, say) is shown as written.
"""

from __future__ import annotations

import functools
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

DEFAULT_RESOURCES = Path(__file__).parent / "crisis_resources.toml"
LOCALES = Path(__file__).parent / "locales"
TRANSLATIONS_FILE = "crisis_lines.toml"
DEFAULT_TABLE = "default"
# The loader's limit; the shipped file keeps to 120 characters, for phones.
MAX_LINE = 200
_COUNTRY = re.compile(r"^[A-Z]{2}$")
# What a wording must keep of its English line, so no number or address drifts in
# translation: phone numbers (digits with their separators; 3 digits or more), web
# addresses, and the upper-case keywords a text line expects (HOME, START).
_NUMBER = re.compile(r"\d[\d )\-]*\d")
_ADDRESS = re.compile(r"\b[\w-]+(?:\.[a-z]{2,})+\b")
_KEYWORD = re.compile(r"\b[A-Z0-9]*[A-Z]{3,}[A-Z0-9]*\b")


class Category(StrEnum):
    """A kind of danger, each with its own help lines; declared in the order replies use."""

    SUICIDE = "suicide"
    SELF_HARM = "self_harm"
    SEXUAL_VIOLENCE = "sexual_violence"
    PARTNER_VIOLENCE = "partner_violence"
    DANGER_NOW = "danger_now"


CATEGORIES: tuple[Category, ...] = tuple(Category)


class ResourcesError(ValueError):
    """The help-lines file breaks a rule; str() is one line naming the file and the place."""

    def __init__(self, path: Path, problem: str) -> None:
        super().__init__(" ".join(f"crisis resources {path}: {problem}".split()))


@dataclass(frozen=True, slots=True)
class Resources:
    """The help lines of one file: the default table and one table per country."""

    path: Path
    tables: Mapping[str, Mapping[Category, tuple[str, ...]]]

    @property
    def countries(self) -> frozenset[str]:
        """The country codes the file has a table for."""
        return frozenset(self.tables) - {DEFAULT_TABLE}

    def lines(
        self, country: str | None, categories: Iterable[str], locale: str = "en"
    ) -> tuple[str, ...]:
        """The lines to show, without repeats: per category asked for (in CATEGORIES order)
        the country's lines then the default's; and always last the country's danger_now
        lines (the default's when the country has none, never both): the emergency number
        closes it.

        The country is matched ignoring case; an unknown country or None gets the default.
        Each line is worded in `locale` where a wording exists (see line_wordings).
        """
        asked = {Category(category) for category in categories}
        default = self.tables[DEFAULT_TABLE]
        local = self.tables.get(country.upper(), {}) if country else {}
        last = local.get(Category.DANGER_NOW) or default[Category.DANGER_NOW]
        found: list[str] = []
        for category in CATEGORIES:
            # The emergency lines come once, last, the country's in place of the default's.
            if category in asked and category is not Category.DANGER_NOW:
                found += local.get(category, ()) + default[category]
        chosen = dict.fromkeys([line for line in found if line not in last] + [*last])
        wordings = line_wordings(locale)
        return tuple(wordings.get(line, line) for line in chosen)


@functools.cache
def load_resources(path: Path) -> Resources:
    """The help lines in the file at `path`, checked; ResourcesError says what is wrong."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:  # its message gives the line and column
        raise ResourcesError(path, f"not valid TOML: {error}") from error
    except (OSError, UnicodeDecodeError) as error:
        raise ResourcesError(path, f"cannot be read ({error})") from error
    if not data:
        raise ResourcesError(path, f"the file is empty; it needs at least a [{DEFAULT_TABLE}]")
    tables = {name: _table(path, name, table) for name, table in data.items()}
    default = tables.get(DEFAULT_TABLE)
    if default is None:
        raise ResourcesError(path, f"a [{DEFAULT_TABLE}] table is required")
    missing = [category.value for category in CATEGORIES if category not in default]
    if missing:
        every = ", ".join(CATEGORIES)
        raise ResourcesError(
            path, f"[{DEFAULT_TABLE}] is missing {', '.join(missing)} (it needs all of {every})"
        )
    for directory in sorted(LOCALES.iterdir()):
        line_wordings(directory.name)  # a broken wording stops the start too, in one line
    return Resources(path=path, tables=tables)


@functools.cache
def line_wordings(locale: str) -> Mapping[str, str]:
    """English line -> its wording in `locale` (empty for English or an unknown locale);
    ResourcesError when a wording breaks a rule."""
    path = LOCALES / locale / TRANSLATIONS_FILE
    if not path.is_file():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, OSError, UnicodeDecodeError) as error:
        raise ResourcesError(path, f"cannot be read ({error})") from error
    wordings = data.get("lines")
    if not isinstance(wordings, dict) or set(data) != {"lines"}:
        raise ResourcesError(path, "it needs one [lines] table and nothing else")
    for english, worded in wordings.items():
        _lines(path, f"[lines] {english!r}", [worded])
        lost = _kept(english) - _kept(worded)
        if lost:
            raise ResourcesError(path, f"[lines] {english!r} lost {', '.join(sorted(lost))}")
    return wordings


def _kept(line: str) -> set[str]:
    numbers = {re.sub(r"\D", "", number) for number in _NUMBER.findall(line)}
    return {
        *(number for number in numbers if len(number) >= 3),
        *_ADDRESS.findall(line),
        *_KEYWORD.findall(line),
    }


def _table(path: Path, name: str, table: object) -> dict[Category, tuple[str, ...]]:
    if not isinstance(table, dict):
        raise ResourcesError(path, f"{name} must be a table, like [{DEFAULT_TABLE}] or [US]")
    if name != DEFAULT_TABLE and not _COUNTRY.match(name):
        raise ResourcesError(
            path,
            f"[{name}] is not a table name: use [{DEFAULT_TABLE}] or a country's ISO 3166-1"
            " alpha-2 code in upper case, like [US]",
        )
    found: dict[Category, tuple[str, ...]] = {}
    for key, value in table.items():
        if key not in CATEGORIES:
            raise ResourcesError(
                path, f"[{name}] {key} is not a category (use {', '.join(CATEGORIES)})"
            )
        found[Category(key)] = _lines(path, f"[{name}] {key}", value)
    return found


def _lines(path: Path, where: str, value: object) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(line, str) for line in value):
        raise ResourcesError(path, f"{where} must be a list of strings")
    if not value:
        raise ResourcesError(path, f"{where} is an empty list; leave the key out instead")
    for number, line in enumerate(value, start=1):
        if not line.strip():
            raise ResourcesError(path, f"{where} line {number} is empty")
        if len(line) > MAX_LINE:
            raise ResourcesError(path, f"{where} line {number} is over {MAX_LINE} characters")
        if not line.isprintable():
            raise ResourcesError(path, f"{where} line {number} has a line break or tab")
    return tuple(value)
