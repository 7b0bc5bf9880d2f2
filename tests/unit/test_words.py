"""Every text in every language, read the way a person in a hard week would read it.

Read straight from the files (not through the loader), so a text no code path renders yet
is read too: no shame or pressure words anywhere; prompts that name no weekday or time of
day of their own (only "{part_of_day}", filled from the moment they are sent); enough
prompts and replies that a daily practice stays fresh; and first lines a locked phone may
show to anyone. Each language is read with its own words (tests/unit/vocabulary.py).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

import messages
from messages import PERIODS, locales, render
from tests.unit.vocabulary import WORDS

LOCALES = Path(messages.__file__).resolve().parent / "locales"
# Every locale folder, whether or not the loader would accept it.
FOLDERS = sorted(path.name for path in LOCALES.iterdir() if path.is_dir())
# What danger sounds like, to be recognised; never shown to anyone.
NOT_SHOWN = {"crisis_patterns.toml"}
PLACEHOLDER = re.compile(r"\{\w+\}")
# Texts sent around a prompt (texts.toml) that a prompt's words are put into.
PROMPT_FRAMES = (
    "ritual_prompt",
    "prompt_answered",
    "prompt_snoozed",
    "prompt_skipped",
    "rating_late",
    "note_invite",
)
LOCK_SCREEN_LINE = 60
DAILY = {"body_scan", "daily_checkin", "breath", "kind_words"}


def _walk(value: object, path: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _walk(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for number, item in enumerate(value, 1):
            yield from _walk(item, f"{path} #{number}")


def _every_text(locale: str) -> list[tuple[str, str]]:
    found = []
    for path in sorted((LOCALES / locale).glob("*.toml")):
        if path.name in NOT_SHOWN:
            continue
        with path.open("rb") as file:
            found += [(f"{path.name}: {key}", text) for key, text in _walk(tomllib.load(file), "")]
    return found


def _rituals(locale: str) -> dict[str, dict[str, object]]:
    with (LOCALES / locale / "rituals.toml").open("rb") as file:
        return tomllib.load(file)


def _prompts(locale: str) -> list[tuple[str, str]]:
    return [
        (f"{key} prompt #{number}", prompt)
        for key, table in _rituals(locale).items()
        for number, prompt in enumerate(table["prompts"], 1)  # type: ignore[arg-type]
    ]


def test_every_locale_has_its_own_words_to_be_read_with() -> None:
    assert set(FOLDERS) == set(WORDS) == set(locales())


# Per language: what each pattern must catch, and must leave alone.
SAMPLES = {
    "en": {
        "shame": (
            [
                "You missed one",
                "It FAILED",
                "a streak",
                "broke",
                "behind",
                "Should",
                "Trying again?",
                "You haven't written",
                "you haven\u2019t",
                "three in a row",
            ],
            ["a broken cup", "shoulder", "try again.", "I haven't kept anything"],
        ),
        "when": (
            ["It's Friday", "Sunday evening", "Good morning", "tonight", "before sleep"],
            ["this week", "a day or so", "{part_of_day}", "sleepy", "knighted"],
        ),
        "intimate": (["Your desire"], ["A quiet moment for you."]),
    },
    "de": {
        "shame": (
            [
                "Du hast es verpasst",
                "versäumt",
                "gescheitert",
                "deine Serie",
                "Du solltest",
                "du musst",
                "Schon wieder",
                "drei Tage hintereinander",
                "Du hast nicht geschrieben",
            ],
            ["eine Tasse", "Musik", "noch einmal.", "Ich habe nichts gespeichert", "Versuch"],
        ),
        "when": (
            ["Es ist Freitag", "Sonntagabend", "heute Abend", "Guten Morgen", "vor dem Schlafen"],
            ["diese Woche", "ein Tag", "{part_of_day}", "Abendrot", "Tagebuch"],
        ),
        "intimate": (["Dein Begehren", "eine Berührung"], ["Ein stiller Moment für dich."]),
    },
    "es": {
        "shame": (
            [
                "Fallaste",
                "lo perdiste",
                "tu racha",
                "Deberías",
                "tienes que",
                "otra vez",
                "tres días seguidos",
                "¿De nuevo?",
            ],
            ["un vaso", "seguir", "de nuevo.", "No he guardado nada", "debajo"],
        ),
        "when": (
            ["Es viernes", "el domingo por la noche", "buenos días, mañana", "esta tarde"],
            ["esta semana", "un día", "{part_of_day}", "tardanza", "hoyo"],
        ),
        "intimate": (["Tu deseo", "tocarte"], ["Un momento tranquilo para ti."]),
    },
}


@pytest.mark.parametrize("locale", sorted(SAMPLES))
def test_the_patterns_catch_what_they_are_for(locale: str) -> None:
    words = WORDS[locale]
    for name, (caught, left) in SAMPLES[locale].items():
        pattern: re.Pattern[str] = getattr(words, name)
        for sample in caught:
            assert pattern.search(PLACEHOLDER.sub("", sample)), (name, sample)
        for sample in left:
            assert not pattern.search(PLACEHOLDER.sub("", sample)), (name, sample)


@pytest.mark.parametrize("locale", FOLDERS)
def test_no_text_shames_pressures_or_is_explicit(locale: str) -> None:
    texts = _every_text(locale)
    assert len(texts) > 400, "the scan looked nowhere"
    words = WORDS[locale]
    unkind = [
        f"{where}: {found[0]!r}"
        for where, text in texts
        for pattern in (words.shame, words.explicit)
        if (found := pattern.search(PLACEHOLDER.sub("", text)))
    ]
    assert not unkind, "\n".join(unkind)


@pytest.mark.parametrize("locale", FOLDERS)
def test_prompts_name_no_weekday_or_time_of_day_of_their_own(locale: str) -> None:
    """Anything sent with a prompt or after its tap: the person may have moved the practice
    or brought the prompt back later. A name or a description (a menu) may say what the
    practice is usually for."""
    sent_with_a_prompt = [
        (where, text)
        for where, text in _every_text(locale)
        if where.split(": ")[1] in PROMPT_FRAMES
        or (where.startswith("rituals.toml") and not where.endswith((".name", ".description")))
    ]
    assert len(sent_with_a_prompt) > 200
    bound = [
        f"{where}: {found[0]!r}"
        for where, text in sent_with_a_prompt
        if (found := WORDS[locale].when.search(PLACEHOLDER.sub("", text)))
    ]
    assert not bound, "\n".join(bound)


@pytest.mark.parametrize("locale", FOLDERS)
def test_the_only_placeholder_in_a_prompt_is_filled_from_when_it_is_sent(locale: str) -> None:
    for where, prompt in _prompts(locale):
        assert set(PLACEHOLDER.findall(prompt)) <= {"{part_of_day}"}, where


@pytest.mark.parametrize("locale", FOLDERS)
def test_enough_prompts_and_replies_to_stay_fresh(locale: str) -> None:
    for key, table in _rituals(locale).items():
        prompts = table["prompts"]
        assert isinstance(prompts, list)
        assert len(prompts) >= (10 if key in DAILY else 8), key
        replies = table["acknowledgements"]
        assert isinstance(replies, dict) and set(replies) == {"low", "middle", "high"}
        for band, texts in replies.items():
            assert len(set(texts)) == len(texts) >= 5, f"{key} {band}"


@pytest.mark.parametrize("locale", FOLDERS)
def test_each_prompt_says_about_how_long_it_takes_and_invites_a_tap(locale: str) -> None:
    words = WORDS[locale]
    for where, prompt in _prompts(locale):
        assert words.minutes.search(prompt), where
        last_sentence = re.split(r"(?<=[.?!])\s+", prompt)[-1]
        assert words.tap in last_sentence.lower(), f"{where}: {last_sentence!r}"


@pytest.mark.parametrize("locale", FOLDERS)
def test_every_first_line_is_calm_on_a_lock_screen(locale: str) -> None:
    # The longest words {part_of_day} can become in this language.
    longest = max((render(f"part_of_day_{period}", locale) for period in PERIODS), key=len)
    for where, prompt in _prompts(locale):
        first = prompt.split("\n", 1)[0].replace("{part_of_day}", longest)
        assert len(first) <= LOCK_SCREEN_LINE, f"{where}: {first!r}"
        assert not WORDS[locale].intimate.search(first), f"{where}: {first!r}"
