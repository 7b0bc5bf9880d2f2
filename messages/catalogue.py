"""The ritual catalogue: what each ritual is, when it is offered, and what it says.

``messages/rituals.toml`` holds the locale-independent part (key, weekdays, default local
time, display order); ``messages/locales/<locale>/rituals.toml`` holds the texts of every
ritual in that locale. Both are read once and validated as a whole on first use, so a broken
edit fails loudly at startup (call ``rituals()``) instead of in front of a user. A ritual
another locale has no texts for yet is shown in English meanwhile, and ``translation_gaps``
says so (as ``messages.render`` does for UI texts).

A prompt never names a weekday or a time of day of its own: a person may move a ritual or
bring a prompt back later. Where a prompt speaks of "this evening", it says
``{part_of_day}``, and the sender fills it from the person's clock when the prompt goes out.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import time
from pathlib import Path
from types import MappingProxyType
from typing import Any, TypeGuard

from messages.render import _placeholders_of, _read_toml, render
from messages.tags import DEFAULT_LOCALE, locale_dirs, resolve

__all__ = [
    "BANDS",
    "PERIODS",
    "RATINGS",
    "Ritual",
    "RitualText",
    "acknowledgement",
    "band",
    "is_ritual",
    "prompt_message",
    "prompt_text",
    "ritual",
    "ritual_text",
    "rituals",
    "translation_gaps",
]

RATINGS = (1, 2, 3, 4, 5)
BANDS = ("low", "middle", "high")
# The parts of a person's day a prompt can go out in; each has a part_of_day_* text.
PERIODS = ("morning", "afternoon", "evening", "night")

_ROOT = Path(__file__).resolve().parent
_RITUALS_FILE = "rituals.toml"
# Enough that a daily ritual takes more than a week to come round to the same words.
_MIN_PROMPTS = 8
_MIN_QUESTIONS = 2
_MIN_ACKNOWLEDGEMENTS = 5
# A person's cycle keeps which prompts came as bits of one 64-bit integer.
_MAX_PROMPTS = 63
# The only placeholder a prompt may use: filled from the moment the prompt is sent.
_PROMPT_PLACEHOLDERS = frozenset({"part_of_day"})
# Keys travel in callback data and database rows, so they stay short and ASCII.
_KEY_RE = re.compile(r"[a-z][a-z0-9_]{0,31}")
_TIME_RE = re.compile(r"([01]\d|2[0-3]):([0-5]\d)")
_RITUAL_FIELDS = frozenset({"key", "weekdays", "time", "order"})
_TEXT_FIELDS = frozenset(
    {"name", "description", "prompts", "questions", "labels", "acknowledgements"}
)


@dataclass(frozen=True, slots=True)
class Ritual:
    """When a ritual is offered: weekdays (0 = Monday .. 6 = Sunday) and default local time."""

    key: str
    weekdays: frozenset[int]
    default_time: time
    order: int


@dataclass(frozen=True, slots=True)
class RitualText:
    """Everything a ritual says in one locale.

    ``prompts`` may hold ``{part_of_day}`` (see ``prompt_text``); ``questions`` are rating
    questions that each fit the labels; ``labels`` maps each rating 1..5 to its button
    label; ``acknowledgements`` maps each band ("low", "middle", "high") to the replies
    that rotate after a tap.
    """

    name: str
    description: str
    prompts: tuple[str, ...]
    questions: tuple[str, ...]
    # Read-only mappings are unhashable; leaving them out of the hash keeps the class hashable.
    labels: Mapping[int, str] = field(hash=False)
    acknowledgements: Mapping[str, tuple[str, ...]] = field(hash=False)


@dataclass(frozen=True, slots=True)
class _Catalogue:
    rituals: tuple[Ritual, ...]
    by_key: Mapping[str, Ritual]
    texts: Mapping[str, Mapping[str, RitualText]]  # locale -> ritual key -> text
    gaps: Mapping[str, tuple[str, ...]]  # locale -> how its texts differ from English's


def rituals() -> tuple[Ritual, ...]:
    """Return every ritual in display order."""
    return _load(_ROOT).rituals


def ritual(key: str) -> Ritual:
    """Return the ritual ``key``; KeyError if there is none."""
    try:
        return _load(_ROOT).by_key[key]
    except KeyError:
        raise KeyError(f"no ritual {key!r}") from None


def is_ritual(key: str) -> bool:
    """Tell whether ``key`` names a ritual (e.g. to vet callback data)."""
    return key in _load(_ROOT).by_key


def ritual_text(key: str, locale: str = DEFAULT_LOCALE) -> RitualText:
    """Return the texts of ritual ``key`` in ``locale`` (or its fallback); KeyError if unknown."""
    catalogue = _load(_ROOT)
    ritual(key)
    return catalogue.texts[resolve(locale, catalogue.texts)][key]


def translation_gaps(locale: str) -> tuple[str, ...]:
    """What ``locale``'s ritual texts lack against English's, one line each: a ritual with no
    texts (shown in English meanwhile), one English doesn't have, or another number of
    prompts, questions or replies. Empty when complete."""
    catalogue = _load(_ROOT)
    return catalogue.gaps[resolve(locale, catalogue.texts)]


def prompt_text(key: str, locale: str, variant: int, period: str) -> str:
    """Return prompt number ``variant`` of ritual ``key`` as sent in ``period`` of the
    person's day (one of PERIODS): "{part_of_day}" becomes, say, "this evening".

    Any ``variant`` works (it wraps), so a prompt recorded under a locale with more prompts
    still reads as one.
    """
    if period not in PERIODS:
        raise ValueError(f"period must be one of {PERIODS}, not {period!r}")
    prompts = ritual_text(key, locale).prompts
    return prompts[variant % len(prompts)].format(
        part_of_day=render(f"part_of_day_{period}", locale)
    )


@functools.lru_cache(maxsize=4096)
def prompt_message(key: str, locale: str, variant: int, period: str) -> str:
    """Return a whole prompt message: the prompt, then a rating question.

    Each prompt keeps one question (they take turns down the list), so the same words are
    rendered the same way whenever the prompt is shown again.
    """
    questions = ritual_text(key, locale).questions
    return render(
        "ritual_prompt",
        locale,
        prompt=prompt_text(key, locale, variant, period),
        question=questions[variant % len(questions)],
    )


def acknowledgement(key: str, locale: str, rating: int, variant: int) -> str:
    """Return the reply to ``rating`` for ritual ``key``; replies rotate with ``variant``."""
    replies = ritual_text(key, locale).acknowledgements[band(rating)]
    return replies[variant % len(replies)]


def band(rating: int) -> str:
    """Return the acknowledgement band of a 1..5 rating: "low", "middle" or "high"."""
    if isinstance(rating, bool) or rating not in RATINGS:
        raise ValueError(f"rating must be one of {RATINGS}, not {rating!r}")
    if rating <= 2:
        return "low"
    return "middle" if rating == 3 else "high"


@functools.cache
def _load(root: Path) -> _Catalogue:
    """Read and validate the catalogue under ``root``; raise ValueError naming file and key."""
    ordered = _load_rituals(root / _RITUALS_FILE)
    by_key = {item.key: item for item in ordered}
    directories = locale_dirs(root)
    schedule = root / _RITUALS_FILE
    reference = _load_texts(directories[DEFAULT_LOCALE] / _RITUALS_FILE, by_key, schedule)
    texts = {DEFAULT_LOCALE: MappingProxyType(reference)}
    gaps: dict[str, tuple[str, ...]] = {DEFAULT_LOCALE: ()}
    for locale, directory in directories.items():
        if locale != DEFAULT_LOCALE:
            path = directory / _RITUALS_FILE
            own = _load_texts(path, by_key, schedule, complete=False)
            texts[locale] = MappingProxyType(reference | own)
            gaps[locale] = _gaps(path, own, reference)
    return _Catalogue(
        rituals=ordered,
        by_key=MappingProxyType(by_key),
        texts=MappingProxyType(texts),
        gaps=MappingProxyType(gaps),
    )


def _gaps(
    path: Path, own: Mapping[str, RitualText], reference: Mapping[str, RitualText]
) -> tuple[str, ...]:
    found = []
    for key, english in reference.items():
        text = own.get(key)
        if text is None:
            found.append(f"{path}: [{key}] has no texts yet (shown in {DEFAULT_LOCALE})")
            continue
        counts = {
            "prompts": (len(text.prompts), len(english.prompts)),
            "questions": (len(text.questions), len(english.questions)),
            **{
                f"{band} replies": (
                    len(text.acknowledgements[band]),
                    len(english.acknowledgements[band]),
                )
                for band in BANDS
            },
        }
        found += [
            f"{path}: [{key}] has {mine} {what}, {DEFAULT_LOCALE} has {theirs}"
            for what, (mine, theirs) in counts.items()
            if mine != theirs
        ]
    return tuple(found)


def _load_rituals(path: Path) -> tuple[Ritual, ...]:
    data = _read_toml(path)
    if set(data) != {"ritual"} or not isinstance(data["ritual"], list) or not data["ritual"]:
        raise ValueError(f"{path}: expected only [[ritual]] tables, at least one")
    found: dict[str, Ritual] = {}
    orders: dict[int, str] = {}
    for number, entry in enumerate(data["ritual"], start=1):
        if not isinstance(entry, dict):
            raise ValueError(f"{path}: ritual #{number} must be a [[ritual]] table")
        key = entry.get("key")
        if not isinstance(key, str) or not _KEY_RE.fullmatch(key):
            raise ValueError(
                f"{path}: ritual #{number} needs a 'key' in lower_snake_case, up to 32 chars"
            )
        where = f"{path}: ritual {key!r}"
        if key in found:
            raise ValueError(f"{where}: duplicate key")
        _check_fields(entry, _RITUAL_FIELDS, where)
        order = entry["order"]
        if not _is_int(order):
            raise ValueError(f"{where}: 'order' must be an integer")
        if order in orders:
            raise ValueError(f"{where}: 'order' {order} is already used by {orders[order]!r}")
        orders[order] = key
        found[key] = Ritual(
            key=key,
            weekdays=_weekdays(entry["weekdays"], where),
            default_time=_time(entry["time"], where),
            order=order,
        )
    return tuple(sorted(found.values(), key=lambda item: item.order))


def _weekdays(value: object, where: str) -> frozenset[int]:
    if not isinstance(value, list) or not value:
        raise ValueError(
            f"{where}: 'weekdays' must be a non-empty list (0 = Monday .. 6 = Sunday)"
        )
    for day in value:
        if not _is_int(day) or not 0 <= day <= 6:
            raise ValueError(f"{where}: weekday {day!r} is not 0 (Monday) .. 6 (Sunday)")
    if len(set(value)) != len(value):
        raise ValueError(f"{where}: 'weekdays' lists a day twice")
    return frozenset(value)


def _time(value: object, where: str) -> time:
    match = _TIME_RE.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise ValueError(f"{where}: 'time' must be a 24-hour \"HH:MM\" string, not {value!r}")
    return time(int(match[1]), int(match[2]))


def _load_texts(
    path: Path, by_key: Mapping[str, Ritual], rituals_path: Path, *, complete: bool = True
) -> dict[str, RitualText]:
    """The ritual texts in ``path``; English's must be ``complete`` (every ritual, no other),
    another locale's may lack a ritual, which is then shown in English."""
    data = _read_toml(path)
    for key in data:
        if key not in by_key:
            raise ValueError(f"{path}: [{key}] is not a ritual in {rituals_path}")
    texts: dict[str, RitualText] = {}
    for key in by_key:
        where = f"{path}: [{key}]"
        table = data.get(key)
        if table is None and not complete:
            continue
        if table is None:
            raise ValueError(f"{where}: texts for this ritual are missing")
        if not isinstance(table, dict):
            raise ValueError(f"{where}: must be a table")
        _check_fields(table, _TEXT_FIELDS, where)
        texts[key] = RitualText(
            name=_string(table["name"], f"{where} name"),
            description=_string(table["description"], f"{where} description"),
            prompts=_prompts(table["prompts"], f"{where} prompts"),
            questions=_strings(table["questions"], f"{where} questions", _MIN_QUESTIONS),
            labels=_labels(table["labels"], f"{where} labels"),
            acknowledgements=_acknowledgements(
                table["acknowledgements"], f"{where} acknowledgements"
            ),
        )
    return texts


def _prompts(value: object, where: str) -> tuple[str, ...]:
    prompts = _strings(value, where, _MIN_PROMPTS)
    if len(prompts) > _MAX_PROMPTS:
        raise ValueError(f"{where}: at most {_MAX_PROMPTS} prompts")
    for number, prompt in enumerate(prompts, 1):
        names = _placeholders_of(prompt, f"{where} #{number}")
        if unknown := sorted(names - _PROMPT_PLACEHOLDERS):
            raise ValueError(
                f"{where} #{number}: unknown placeholder(s) {unknown}; only {{part_of_day}}"
            )
    return prompts


def _labels(value: object, where: str) -> Mapping[int, str]:
    expected = [str(rating) for rating in RATINGS]
    if not isinstance(value, dict) or sorted(value) != expected:
        raise ValueError(f"{where}: must be a table with exactly the keys {', '.join(expected)}")
    return MappingProxyType(
        {rating: _string(value[str(rating)], f"{where} {rating}") for rating in RATINGS}
    )


def _acknowledgements(value: object, where: str) -> Mapping[str, tuple[str, ...]]:
    if not isinstance(value, dict) or set(value) != set(BANDS):
        raise ValueError(f"{where}: must be a table with exactly the keys {', '.join(BANDS)}")
    return MappingProxyType(
        {name: _strings(value[name], f"{where} {name}", _MIN_ACKNOWLEDGEMENTS) for name in BANDS}
    )


def _strings(value: object, where: str, minimum: int) -> tuple[str, ...]:
    # A minimum count keeps rotation meaningful: the same words every time stop being heard.
    if not isinstance(value, list) or len(value) < minimum:
        raise ValueError(f"{where}: must be a list of at least {minimum} texts")
    return tuple(_string(item, f"{where} #{number}") for number, item in enumerate(value, 1))


def _string(value: object, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{where}: must be a non-empty string")
    if value != value.strip():
        # Usually a stray newline before a closing triple quote; it would show in the chat.
        raise ValueError(f"{where}: has leading or trailing whitespace")
    return value


def _check_fields(table: Mapping[str, Any], expected: frozenset[str], where: str) -> None:
    if missing := sorted(expected - table.keys()):
        raise ValueError(f"{where}: missing field(s) {', '.join(missing)}")
    if unknown := sorted(table.keys() - expected):
        raise ValueError(f"{where}: unknown field(s) {', '.join(unknown)}")


def _is_int(value: object) -> TypeGuard[int]:
    # TOML booleans arrive as bool, which Python counts as int; true is not a weekday.
    return isinstance(value, int) and not isinstance(value, bool)
