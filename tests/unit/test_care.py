"""The care offer after a low rating: when it comes, which words fit which practice, and
how they take turns."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from messages import keys, locales, render, rituals
from progress.care import (
    CARE_KINDS,
    KINDS,
    OFFERS_PER_KIND,
    care_kind,
    care_offer_key,
    celebrates_held,
    needs_care,
)
from tests.unit.vocabulary import WORDS

RITUAL_KEYS = [item.key for item in rituals()]
LOCK_SCREEN_LINE = 40  # the first line a locked phone shows: short, and giving nothing away


def _offers(locale: str = "en") -> dict[str, str]:
    return {key: render(key, locale) for key in keys(locale) if key.startswith("care_offer_")}


@pytest.mark.parametrize(
    ("rating", "previous", "expected"),
    [
        (1, None, True),
        (1, 5, True),
        (2, None, False),
        (2, 3, False),
        (2, 2, True),
        (2, 1, True),
        (3, 1, False),
        (5, 1, False),
    ],
)
def test_a_one_or_two_low_ratings_one_after_the_other_bring_care(
    rating: int, previous: int | None, expected: bool
) -> None:
    assert needs_care(rating, previous) is expected


def test_held_milestones_wait_for_a_rating_that_is_not_low() -> None:
    assert [celebrates_held(rating) for rating in range(1, 6)] == [False, False, True, True, True]


def test_every_practice_has_a_kind_and_every_kind_a_practice() -> None:
    assert set(CARE_KINDS) == set(RITUAL_KEYS)
    assert set(CARE_KINDS.values()) == set(KINDS)
    assert care_kind("retired_practice") == "mood"


def test_practices_that_touch_different_things_get_different_words() -> None:
    assert care_kind("body_scan") == care_kind("sensory_awareness") == "body"
    assert care_kind("needs_boundaries") == "needs"
    assert care_kind("kind_words") == care_kind("small_wins") == "self"
    for offered in range(OFFERS_PER_KIND):
        body = care_offer_key("body_scan", offered)
        needs = care_offer_key("needs_boundaries", offered)
        assert body.startswith("care_offer_body_") and needs.startswith("care_offer_needs_")
        assert render(body) != render(needs)


@given(st.sampled_from([*RITUAL_KEYS, "retired_practice"]), st.integers(0, 10**6))
def test_offers_take_turns_never_the_same_twice_in_a_row(ritual_key: str, offered: int) -> None:
    assert care_offer_key(ritual_key, offered) != care_offer_key(ritual_key, offered + 1)
    assert care_offer_key(ritual_key, offered) == care_offer_key(
        ritual_key, offered + OFFERS_PER_KIND
    )


def test_each_kind_has_its_offers_all_different_and_nothing_else() -> None:
    expected = {f"care_offer_{kind}_{n}" for kind in KINDS for n in range(1, OFFERS_PER_KIND + 1)}
    offers = _offers()
    assert set(offers) == expected
    assert len(set(offers.values())) == len(offers)
    for ritual_key in RITUAL_KEYS:
        turns = {care_offer_key(ritual_key, offered) for offered in range(OFFERS_PER_KIND)}
        assert len(turns) == OFFERS_PER_KIND >= 4


@pytest.mark.parametrize("locale", locales())
def test_offers_are_gentle_discreet_and_offer_the_exercise_and_people(locale: str) -> None:
    words = WORDS[locale]
    for key, text in _offers(locale).items():
        first = text.splitlines()[0]
        assert len(first) <= LOCK_SCREEN_LINE, key
        assert not words.revealing.search(first), (key, first)
        assert not first.lower().startswith(words.thanks), key  # thanks came just before
        assert words.exercise in text.lower(), key
        assert words.therapist in text.lower() and words.someone in text.lower(), key
        assert not words.orders.search(text), key


def test_body_offers_never_call_a_faint_moment_hard() -> None:
    for key, text in _offers().items():
        if key.startswith("care_offer_body_"):
            assert not re.search(r"\bhard\b|difficult|struggl", text, re.I), key
