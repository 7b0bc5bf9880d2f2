"""Every English text, read the way a person in a hard week would read it.

Read straight from the files (not through the loader), so a text no code path renders yet
is read too: no shame or pressure words anywhere; prompts that name no weekday or time of
day of their own (only "{part_of_day}", filled from the moment they are sent); enough
prompts and replies that a daily practice stays fresh; and first lines a locked phone may
show to anyone.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

import messages

ENGLISH = Path(messages.__file__).resolve().parent / "locales" / "en"
# What danger sounds like, to be recognised; never shown to anyone.
NOT_SHOWN = {"crisis_patterns.toml"}

SHAME = re.compile(
    r"\b(?:missed|failed|streak|broke|behind|should)\b|\bagain\?|\byou haven['\u2019]t\b",
    re.IGNORECASE,
)
# A weekday or a time of day stays true only if it is filled from when the prompt is sent.
WHEN = re.compile(
    r"\b(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|weekends?"
    r"|morning|afternoon|evening|night|tonight|bedtime|midnight|noon|midday"
    r"|today|tomorrow|yesterday)\b|\bbefore (?:sleep|bed)\b",
    re.IGNORECASE,
)
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
DURATION = re.compile(r"\bminutes?\b", re.IGNORECASE)
# Nothing intimate in what a lock screen shows, whoever holds the phone.
INTIMATE = re.compile(
    r"\b(?:sex\w*|desire\w*|intima\w*|pleasure\w*|touch\w*|kiss\w*|lover\w*|partner\w*"
    r"|flirt\w*|naked|nude|erotic\w*|arous\w*|rejection|rejected|shame\w*)\b",
    re.IGNORECASE,
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


def _every_text() -> list[tuple[str, str]]:
    found = []
    for path in sorted(ENGLISH.glob("*.toml")):
        if path.name in NOT_SHOWN:
            continue
        with path.open("rb") as file:
            found += [(f"{path.name}: {key}", text) for key, text in _walk(tomllib.load(file), "")]
    return found


def _rituals() -> dict[str, dict[str, object]]:
    with (ENGLISH / "rituals.toml").open("rb") as file:
        return tomllib.load(file)


def _prompts() -> list[tuple[str, str]]:
    return [
        (f"{key} prompt #{number}", prompt)
        for key, table in _rituals().items()
        for number, prompt in enumerate(table["prompts"], 1)  # type: ignore[arg-type]
    ]


def test_the_patterns_catch_what_they_are_for() -> None:
    for sample in ["You missed one", "It FAILED", "a streak", "broke", "behind", "Should"]:
        assert SHAME.search(sample), sample
    assert SHAME.search("Trying again?") and SHAME.search("You haven't written")
    assert SHAME.search("you haven\u2019t")
    for sample in ["a broken cup", "shoulder", "try again.", "I haven't kept anything"]:
        assert not SHAME.search(sample), sample
    for sample in ["It's Friday", "Sunday evening", "Good morning", "tonight", "before sleep"]:
        assert WHEN.search(sample), sample
    for sample in ["this week", "a day or so", "{part_of_day}", "sleepy", "knighted"]:
        assert not WHEN.search(PLACEHOLDER.sub("", sample)), sample
    assert INTIMATE.search("Your desire") and not INTIMATE.search("A quiet moment for you.")


def test_no_text_shames_or_pressures() -> None:
    texts = _every_text()
    assert len(texts) > 400, "the scan looked nowhere"
    unkind = [f"{where}: {found[0]!r}" for where, text in texts if (found := SHAME.search(text))]
    assert not unkind, "\n".join(unkind)


def test_prompts_name_no_weekday_or_time_of_day_of_their_own() -> None:
    """Anything sent with a prompt or after its tap: the person may have moved the practice
    or brought the prompt back later. A name or a description (a menu) may say what the
    practice is usually for."""
    sent_with_a_prompt = [
        (where, text)
        for where, text in _every_text()
        if where.split(": ")[1] in PROMPT_FRAMES
        or (where.startswith("rituals.toml") and not where.endswith((".name", ".description")))
    ]
    assert len(sent_with_a_prompt) > 200
    bound = [
        f"{where}: {found[0]!r}"
        for where, text in sent_with_a_prompt
        if (found := WHEN.search(PLACEHOLDER.sub("", text)))
    ]
    assert not bound, "\n".join(bound)


def test_the_only_placeholder_in_a_prompt_is_filled_from_when_it_is_sent() -> None:
    for where, prompt in _prompts():
        assert set(PLACEHOLDER.findall(prompt)) <= {"{part_of_day}"}, where


@pytest.mark.parametrize("key", sorted(_rituals()))
def test_enough_prompts_and_replies_to_stay_fresh(key: str) -> None:
    table = _rituals()[key]
    prompts = table["prompts"]
    assert isinstance(prompts, list)
    assert len(prompts) >= (10 if key in DAILY else 8)
    replies = table["acknowledgements"]
    assert isinstance(replies, dict) and set(replies) == {"low", "middle", "high"}
    for band, texts in replies.items():
        assert len(set(texts)) == len(texts) >= 5, f"{key} {band}"


def test_each_prompt_says_about_how_long_it_takes() -> None:
    for where, prompt in _prompts():
        assert DURATION.search(prompt), where


def test_every_first_line_is_calm_on_a_lock_screen() -> None:
    for where, prompt in _prompts():
        first = prompt.split("\n", 1)[0].replace("{part_of_day}", "this afternoon")
        assert len(first) <= LOCK_SCREEN_LINE, where
        assert not INTIMATE.search(first), f"{where}: {first!r}"
