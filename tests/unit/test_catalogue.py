"""Tests for the ritual catalogue: the shipped data, the lookups, and the loader's validation."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from datetime import time
from pathlib import Path

import pytest

import messages
from messages import (
    BANDS,
    PERIODS,
    RATINGS,
    acknowledgement,
    band,
    is_ritual,
    locales,
    prompt_message,
    prompt_text,
    ritual,
    ritual_text,
    rituals,
)
from messages.catalogue import _load, translation_gaps

MESSAGES_DIR = Path(messages.__file__).resolve().parent
TELEGRAM_LIMIT = 4096  # characters in one message
LABEL_LIMIT = 24  # five buttons have to fit on a phone
LOCK_SCREEN_LINE = 60  # roughly what a locked phone shows of a notification's first line
EVERY_DAY = frozenset(range(7))

EXPECTED = {
    "body_scan": (EVERY_DAY, time(22, 0)),
    "needs_boundaries": (frozenset({6}), time(19, 0)),
    "daily_checkin": (EVERY_DAY, time(20, 0)),
    "breath": (EVERY_DAY, time(8, 0)),
    "reframing_journal": (frozenset({1, 3, 5}), time(21, 0)),
    "small_wins": (frozenset({4}), time(18, 0)),
    "kind_words": (EVERY_DAY, time(9, 0)),
    "sensory_awareness": (frozenset({2}), time(21, 0)),
}
KEYS = list(EXPECTED)

# Words that shame a pause, count absences, give orders or diagnose. \b keeps "dismiss" and
# "mustard" out of it; the stems catch "failing", "broken", "diagnosed" and the like.
UNKIND = re.compile(
    r"\b(?:miss(?:ed|es|ing)?|fail\w*|broke\w*|streak\w*|lazy|laziness|should|must"
    r"|in a row|days? without|disorder\w*|dysfunction\w*|diagnos\w*|abnormal|symptom\w*)\b",
    re.IGNORECASE,
)
# Nothing explicit: the rituals are about comfort and self-regard, not sexual acts.
EXPLICIT = re.compile(
    r"\b(?:orgasm\w*|genital\w*|penis\w*|vagina\w*|clitor\w*|nude\w*|naked|porn\w*"
    r"|masturbat\w*|arous\w*|erotic\w*)\b",
    re.IGNORECASE,
)
# Messages go out without a parse mode, so markup would show up as stray symbols.
MARKUP = re.compile(r"[*_`]|</?\w+>")


def test_every_ritual_is_there_in_display_order() -> None:
    assert [item.key for item in rituals()] == KEYS
    orders = [item.order for item in rituals()]
    assert orders == sorted(orders)


@pytest.mark.parametrize("key", KEYS)
def test_cadence_and_default_time(key: str) -> None:
    item = ritual(key)
    assert item.key == key
    assert (item.weekdays, item.default_time) == EXPECTED[key]


def test_lookups_of_unknown_keys() -> None:
    assert is_ritual("breath")
    assert not is_ritual("no_such_ritual")
    with pytest.raises(KeyError, match="no_such_ritual"):
        ritual("no_such_ritual")
    with pytest.raises(KeyError, match="no_such_ritual"):
        ritual_text("no_such_ritual")


def test_unknown_locale_falls_back_to_english() -> None:
    assert ritual_text("breath", "zz-ZZ") == ritual_text("breath", "en")
    assert prompt_text("breath", "zz", 1, "morning") == prompt_text("breath", "en", 1, "morning")


@pytest.mark.parametrize("locale", locales())
@pytest.mark.parametrize("key", KEYS)
def test_texts_are_complete_and_fit(key: str, locale: str) -> None:
    text = ritual_text(key, locale)
    singles = [text.name, text.description, *text.questions, *text.labels.values()]
    replies = [reply for band_replies in text.acknowledgements.values() for reply in band_replies]
    for value in [*singles, *text.prompts, *replies]:
        assert value.strip(), f"{key} ({locale}) has an empty text"
        assert len(value) <= TELEGRAM_LIMIT
    assert "\n" not in text.name + text.description + "".join(text.questions)
    assert sorted(text.labels) == list(RATINGS)
    for label in text.labels.values():
        assert len(label) <= LABEL_LIMIT, label
    assert len(text.prompts) >= 8
    assert len(set(text.prompts)) == len(text.prompts), "a cycle would repeat itself"
    assert len(set(text.questions)) == len(text.questions) >= 2
    assert set(text.acknowledgements) == set(BANDS)
    for band_replies in text.acknowledgements.values():
        assert len(set(band_replies)) == len(band_replies) >= 5


@pytest.mark.parametrize("locale", locales())
def test_every_locale_has_every_ritual_with_as_many_prompts_as_english(locale: str) -> None:
    """The list of rituals to translate; until then a ritual is shown in English."""
    gaps = translation_gaps(locale)
    assert not gaps, "\n".join(gaps)
    for key in KEYS:
        text, english = ritual_text(key, locale), ritual_text(key, "en")
        assert len(text.prompts) == len(english.prompts), key
        assert len(text.questions) == len(english.questions), key


def test_a_ritual_not_yet_translated_is_shown_in_english_and_named(tmp_path: Path) -> None:
    root = _write(tmp_path, VALID_RITUALS, VALID_TEXTS)
    (root / "locales" / "de").mkdir()
    german = _texts_of("alpha").replace('"Name of alpha"', '"Name von alpha"')
    (root / "locales" / "de" / "rituals.toml").write_text(german, encoding="utf-8")
    catalogue = _load(root)
    assert catalogue.texts["de"]["alpha"].name == "Name von alpha"
    assert catalogue.texts["de"]["beta"] == catalogue.texts["en"]["beta"]
    [gap] = catalogue.gaps["de"]
    assert "[beta]" in gap and "de/rituals.toml" in gap
    assert catalogue.gaps["en"] == ()


@pytest.mark.parametrize("locale", locales())
@pytest.mark.parametrize("key", KEYS)
def test_prompts_read_well_as_a_notification(key: str, locale: str) -> None:
    text = ritual_text(key, locale)
    for variant in range(len(text.prompts)):
        for period in PERIODS:  # "this afternoon" is the longest
            message = prompt_message(key, locale, variant, period)
            first, *rest = prompt_text(key, locale, variant, period).split("\n")
            assert len(first) <= LOCK_SCREEN_LINE, first
            assert rest, f"{key} ({locale}): a prompt is more than its opening line"
            assert len(message) <= TELEGRAM_LIMIT
            assert message.startswith(first)


@pytest.mark.parametrize("key", KEYS)
def test_a_prompt_is_found_by_its_place_and_filled_for_its_part_of_the_day(key: str) -> None:
    prompts = ritual_text(key).prompts
    count = len(prompts)
    filled = [prompt_text(key, "en", variant, "evening") for variant in range(count)]
    assert filled == [p.replace("{part_of_day}", "this evening") for p in prompts]
    assert prompt_text(key, "en", count + 1, "evening") == filled[1]  # any number works
    assert all("{" not in text for text in filled)


def test_part_of_day_is_filled_from_the_period_it_is_sent_in() -> None:
    [(key, variant)] = [
        (key, n)
        for key in ["daily_checkin"]
        for n, prompt in enumerate(ritual_text(key).prompts)
        if "{part_of_day}" in prompt
    ]
    words = {period: prompt_text(key, "en", variant, period) for period in PERIODS}
    assert "this morning" in words["morning"] and "this evening" in words["evening"]
    assert "tonight" in words["night"] and "this afternoon" in words["afternoon"]
    with pytest.raises(ValueError, match="period"):
        prompt_text(key, "en", variant, "teatime")


@pytest.mark.parametrize("key", KEYS)
def test_each_prompt_keeps_its_question(key: str) -> None:
    text = ritual_text(key)
    for variant in range(len(text.prompts)):
        message = prompt_message(key, "en", variant, "morning")
        question = text.questions[variant % len(text.questions)]
        assert message.endswith("\n\n" + question)
        assert message == prompt_message(key, "en", variant, "morning")
    assert {prompt_message(key, "en", n, "morning").rsplit("\n", 1)[1] for n in range(3)} == set(
        text.questions[:3]
    )


@pytest.mark.parametrize(
    ("rating", "expected"), [(1, "low"), (2, "low"), (3, "middle"), (4, "high"), (5, "high")]
)
def test_band(rating: int, expected: str) -> None:
    assert band(rating) == expected


@pytest.mark.parametrize("rating", [0, 6, -1, True])
def test_band_rejects_ratings_outside_one_to_five(rating: int) -> None:
    with pytest.raises(ValueError, match="rating"):
        band(rating)


@pytest.mark.parametrize("key", KEYS)
def test_acknowledgements_follow_the_band_and_rotate(key: str) -> None:
    replies = ritual_text(key).acknowledgements
    for rating in RATINGS:
        options = replies[band(rating)]
        seen = [acknowledgement(key, "en", rating, variant) for variant in range(len(options))]
        assert seen == list(options)
        assert acknowledgement(key, "en", rating, len(options)) == options[0]


def _strings(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _all_texts() -> list[tuple[str, str]]:
    found = []
    for path in sorted(MESSAGES_DIR.rglob("*.toml")):
        if path.name == "crisis_patterns.toml":
            continue  # what danger sounds like, to be recognised; never shown to anyone
        with path.open("rb") as file:
            data = tomllib.load(file)
        found += [(str(path.relative_to(MESSAGES_DIR)), text) for text in _strings(data)]
    return found


def test_word_patterns_catch_what_they_are_for() -> None:
    unkind = ["You missed a day", "Don't fail", "Streak broken", "You should have", "a disorder"]
    for sample in [*unkind, "Diagnosed", "three days in a row", "two days without practice"]:
        assert UNKIND.search(sample), sample
    for sample in ["Dismiss the thought", "Mustard", "a kind mission", "Tap when ready."]:
        assert not UNKIND.search(sample), sample
    assert EXPLICIT.search("Naked") and not EXPLICIT.search("a soft blanket")
    assert MARKUP.search("*bold*") and MARKUP.search("<b>x</b>") and not MARKUP.search("3 · Ok")


def test_no_text_anywhere_shames_diagnoses_is_explicit_or_uses_markup() -> None:
    texts = _all_texts()
    # Eight rituals bring well over a hundred texts; far fewer means the scan looked nowhere.
    assert len(texts) > 150
    for where, text in texts:
        # Markup only matters where people read it; rituals.toml holds keys like "body_scan".
        shown = where.startswith("locales")
        for pattern in (UNKIND, EXPLICIT, MARKUP) if shown else (UNKIND, EXPLICIT):
            # A placeholder ({part_of_day}) is filled before anyone reads it.
            found = pattern.search(re.sub(r"\{\w+\}", "", text))
            assert found is None, f"{where}: {found and found[0]!r} in {text!r}"


# Loader validation on small temporary catalogues: VALID loads; each case breaks one thing.

VALID_RITUALS = """
[[ritual]]
key = "alpha"
weekdays = [0, 2]
time = "07:30"
order = 2

[[ritual]]
key = "beta"
weekdays = [6]
time = "21:00"
order = 1
"""


def _texts_of(key: str) -> str:
    prompts = ", ".join(f'"Prompt {number} of {key}.\\nTap."' for number in range(1, 9))
    return f"""
[{key}]
name = "Name of {key}"
description = "About {key}"
questions = ["How was {key}?", "And {key}?"]
prompts = [{prompts}]

[{key}.labels]
1 = "One"
2 = "Two"
3 = "Three"
4 = "Four"
5 = "Five"

[{key}.acknowledgements]
low = ["Low one", "Low two", "Low three", "Low four", "Low five"]
middle = ["Middle one", "Middle two", "Middle three", "Middle four", "Middle five"]
high = {HIGH}
"""


HIGH = '["High one", "High two", "High three", "High four", "High five"]'


VALID_TEXTS = _texts_of("alpha") + _texts_of("beta")


def _write(root: Path, rituals_toml: str, texts_toml: str) -> Path:
    (root / "locales" / "en").mkdir(parents=True)
    (root / "rituals.toml").write_text(rituals_toml, encoding="utf-8")
    (root / "locales" / "en" / "rituals.toml").write_text(texts_toml, encoding="utf-8")
    return root


def test_valid_temporary_catalogue_loads(tmp_path: Path) -> None:
    catalogue = _load(_write(tmp_path, VALID_RITUALS, VALID_TEXTS))
    assert [item.key for item in catalogue.rituals] == ["beta", "alpha"]
    alpha = catalogue.by_key["alpha"]
    assert (alpha.weekdays, alpha.default_time, alpha.order) == (frozenset({0, 2}), time(7, 30), 2)
    text = catalogue.texts["en"]["alpha"]
    assert text.prompts[0] == "Prompt 1 of alpha.\nTap."
    assert dict(text.labels) == {1: "One", 2: "Two", 3: "Three", 4: "Four", 5: "Five"}
    assert text.acknowledgements["middle"][:2] == ("Middle one", "Middle two")
    assert text.questions == ("How was alpha?", "And alpha?")


# (case id, file to break, old text, new text (first occurrence), message fragment, key named)
SCHEDULE = "rituals.toml"
ENGLISH = "locales/en/rituals.toml"
BROKEN = [
    ("missing-field", SCHEDULE, 'time = "07:30"\n', "", "missing field(s) time", "alpha"),
    ("unknown-field", SCHEDULE, "order = 2", "order = 2\ncolour = 1", "unknown field", "alpha"),
    ("duplicate-key", SCHEDULE, 'key = "beta"', 'key = "alpha"', "duplicate key", "alpha"),
    ("duplicate-order", SCHEDULE, "order = 1", "order = 2", "already used", "beta"),
    ("order-type", SCHEDULE, "order = 2", 'order = "2"', "'order' must be an integer", "alpha"),
    ("bad-weekday", SCHEDULE, "[0, 2]", "[0, 7]", "weekday 7", "alpha"),
    ("bool-weekday", SCHEDULE, "[0, 2]", "[true]", "weekday True", "alpha"),
    ("no-weekdays", SCHEDULE, "[0, 2]", "[]", "'weekdays' must be", "alpha"),
    ("twice-weekday", SCHEDULE, "[0, 2]", "[2, 2]", "a day twice", "alpha"),
    ("bad-time", SCHEDULE, '"07:30"', '"24:00"', "'time' must be", "alpha"),
    ("short-time", SCHEDULE, '"07:30"', '"7:30"', "'time' must be", "alpha"),
    ("time-type", SCHEDULE, '"07:30"', "07:30:00", "'time' must be", "alpha"),
    ("bad-key", SCHEDULE, 'key = "beta"', 'key = "Beta!"', "lower_snake_case", "#2"),
    (
        "missing-text-field",
        ENGLISH,
        'questions = ["How was beta?", "And beta?"]\n',
        "",
        "questions",
        "beta",
    ),
    (
        "one-question",
        ENGLISH,
        '["How was beta?", "And beta?"]',
        '["How was beta?"]',
        "at least 2",
        "beta",
    ),
    ("text-type", ENGLISH, 'name = "Name of beta"', "name = 3", "non-empty string", "beta"),
    ("empty-text", ENGLISH, 'name = "Name of beta"', 'name = " "', "non-empty string", "beta"),
    ("padded-text", ENGLISH, '"About beta"', '"About beta\\n"', "whitespace", "beta"),
    ("label-missing", ENGLISH, '5 = "Five"\n', "", "exactly the keys 1, 2, 3, 4, 5", "alpha"),
    ("label-extra", ENGLISH, '5 = "Five"\n', '5 = "Five"\n6 = "Six"\n', "1, 2", "alpha"),
    ("label-zero", ENGLISH, '1 = "One"\n', '0 = "Zero"\n', "1, 2", "alpha"),
    ("few-prompts", ENGLISH, '"Prompt 8 of beta.\\nTap."', "", "at least 8", "beta"),
    (
        "many-prompts",
        ENGLISH,
        '"Prompt 8 of beta.\\nTap."',
        ", ".join(f'"Prompt {n} of beta.\\nTap."' for n in range(8, 65)),
        "at most 63",
        "beta",
    ),
    (
        "unknown-placeholder",
        ENGLISH,
        "Prompt 3 of beta.",
        "Prompt {weekday} of beta.",
        "unknown placeholder(s) ['weekday']",
        "beta",
    ),
    ("stray-brace", ENGLISH, "Prompt 3 of beta.", "Prompt {3 of beta.", "placeholder", "beta"),
    ("few-replies", ENGLISH, HIGH, '["Hi", "Hey", "Oh", "Ah"]', "at least 5", "alpha"),
    ("missing-band", ENGLISH, f"high = {HIGH}\n", "", "middle, high", "alpha"),
    ("unknown-ritual", ENGLISH, "[beta]", "[gamma]\n[beta]", "not a ritual", "gamma"),
    ("missing-ritual", ENGLISH, _texts_of("beta"), "", "missing", "beta"),
    ("duplicate-table", ENGLISH, "[beta]", '[alpha]\nname = "x"\n[beta]', "twice", "alpha"),
    ("syntax", ENGLISH, 'name = "Name of beta"', 'name = "Name of beta', "line", ""),
]


@pytest.mark.parametrize(
    ("target", "old", "new", "message", "key"),
    [pytest.param(*case[1:], id=case[0]) for case in BROKEN],
)
def test_broken_catalogue_is_rejected_with_file_and_key(
    tmp_path: Path, target: str, old: str, new: str, message: str, key: str
) -> None:
    files = {SCHEDULE: VALID_RITUALS, ENGLISH: VALID_TEXTS}
    assert old in files[target], "the case must actually change something"
    files[target] = files[target].replace(old, new, 1)
    root = _write(tmp_path, files[SCHEDULE], files[ENGLISH])
    with pytest.raises(ValueError) as caught:
        _load(root)
    error = str(caught.value)
    assert str(root / target) in error
    assert message in error
    assert key in error


def test_a_locale_without_ritual_texts_is_rejected(tmp_path: Path) -> None:
    root = _write(tmp_path, VALID_RITUALS, VALID_TEXTS)
    (root / "locales" / "de").mkdir()
    with pytest.raises(ValueError, match=r"de/rituals\.toml: file is missing"):
        _load(root)


def test_a_second_locale_is_loaded_and_found(tmp_path: Path) -> None:
    root = _write(tmp_path, VALID_RITUALS, VALID_TEXTS)
    (root / "locales" / "de").mkdir()
    german = VALID_TEXTS.replace('"Name of alpha"', '"Name von alpha"')
    (root / "locales" / "de" / "rituals.toml").write_text(german, encoding="utf-8")
    catalogue = _load(root)
    assert catalogue.texts["de"]["alpha"].name == "Name von alpha"
    assert catalogue.texts["en"]["alpha"].name == "Name of alpha"
