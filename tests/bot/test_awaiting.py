"""The open question (users.awaiting): every kind round-trips; anything else is no question."""

from __future__ import annotations

import pytest

from bot import awaiting

QUESTIONS = [
    awaiting.TIMEZONE,
    awaiting.SUMMARY_TIME,
    awaiting.ritual_time("body_scan"),
    awaiting.note(42),
    awaiting.journal(),
    awaiting.journal("breath"),
]


@pytest.mark.parametrize("question", QUESTIONS, ids=lambda q: q.stored())
def test_every_question_round_trips_through_its_stored_text(
    question: awaiting.Awaiting,
) -> None:
    assert awaiting.parse(question.stored()) == question


def test_the_stored_texts_are_the_ones_already_in_databases() -> None:
    # No migration: rows written before this module read the same.
    assert [q.stored() for q in QUESTIONS] == [
        "timezone", "summary_time", "time:body_scan", "note:42", "journal", "journal:breath",
    ]  # fmt: skip


@pytest.mark.parametrize(
    "stored",
    [None, "", "time:", "time:not_a_ritual", "note:", "note:x", "note:\u0661", "timezone:x",
     "summary_time:3", "elsewhere", "journal:not_a_ritual:x"],
)  # fmt: skip
def test_anything_else_is_no_open_question(stored: str | None) -> None:
    parsed = awaiting.parse(stored)
    assert parsed is None or parsed == awaiting.journal()


def test_only_notes_are_notes() -> None:
    assert [q.is_note for q in QUESTIONS] == [False, False, False, True, True, True]
