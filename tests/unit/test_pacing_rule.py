"""Gentle pacing as a pure rule: how many untouched prompts bring the question, the month of
quiet after it, and the words of the question itself."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from messages import keys, render, ritual_text, rituals
from scheduler.pacing import QUIET_PERIOD, asked_instead, offer_due, offer_text, threshold

DUE = datetime(2026, 12, 8, 21, 0, tzinfo=UTC)
# Counting, shaming or pressing words that would turn a kind question into a reproach.
REPROACH = re.compile(
    r"\b(?:miss\w*|fail\w*|streak\w*|broke\w*|behind|should|must|again\?|you haven't"
    r"|in a row|days? without|unanswered|ignored|\d+)\b",
    re.IGNORECASE,
)


@pytest.mark.parametrize(
    ("weekdays", "expected"),
    [("0123456", 4), ("01234", 4), ("0246", 4), ("135", 3), ("06", 3), ("6", 3)],
)
def test_how_many_untouched_prompts_bring_the_question(weekdays: str, expected: int) -> None:
    assert threshold(weekdays) == expected
    assert not offer_due(unanswered=expected - 1, weekdays=weekdays, asked_at=None, due_at=DUE)
    assert offer_due(unanswered=expected, weekdays=weekdays, asked_at=None, due_at=DUE)
    assert offer_due(unanswered=expected + 20, weekdays=weekdays, asked_at=None, due_at=DUE)


def test_nothing_is_asked_again_for_thirty_days() -> None:
    assert timedelta(days=30) == QUIET_PERIOD
    for days_since, expected in [(1, False), (29, False), (30, True), (45, True)]:
        asked_at = DUE - timedelta(days=days_since)
        assert (
            offer_due(unanswered=30, weekdays="0123456", asked_at=asked_at, due_at=DUE) is expected
        ), days_since
    just_short = DUE - QUIET_PERIOD + timedelta(minutes=1)
    assert not offer_due(unanswered=30, weekdays="0123456", asked_at=just_short, due_at=DUE)


def test_the_row_that_asked_is_known_by_its_due_time() -> None:
    assert asked_instead(DUE, DUE)
    assert not asked_instead(DUE, None)
    assert not asked_instead(DUE + timedelta(days=1), DUE)


@pytest.mark.parametrize("key", [ritual.key for ritual in rituals()])
def test_the_question_is_kind_and_names_the_practice(key: str) -> None:
    text = offer_text(key, "en")
    first_line = text.splitlines()[0]
    assert ritual_text(key, "en").name in first_line and len(first_line) <= 80
    assert "okay" in text and "Nothing changes unless you choose" in text
    assert REPROACH.search(text) is None, text


def test_every_pacing_text_is_free_of_counting_and_reproach() -> None:
    for key in sorted(k for k in keys("en") if "pacing" in k):
        text = render(key, "en", name="Breath and grounding", next="tomorrow at 08:00")
        found = REPROACH.search(text.replace("08:00", ""))
        assert found is None, (key, found and found[0])
