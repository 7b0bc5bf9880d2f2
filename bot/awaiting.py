"""What a person's next typed message answers (users.awaiting), parsed in one place.

The question is stored as short text so a restart never forgets it: "timezone",
"time:<ritual>", "summary_time", "note:<check-in id>", "journal", "journal:<ritual>",
"share_name" or "partner_name" (the first name an invitation shows) or "import" (a file,
not typed words, answers that one).
Everything else reads and writes it as an `Awaiting` value; stored text this version does
not know (or a ritual since retired from the catalogue) reads as no question at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from messages import is_ritual


class Question(StrEnum):
    """The kinds of question a typed answer can close."""

    TIMEZONE = "timezone"
    RITUAL_TIME = "time"  # a ritual's new time
    SUMMARY_TIME = "summary_time"  # the weekly summary's time
    NOTE = "note"  # a few words for a check-in just rated
    JOURNAL = "journal"  # a note on its own, maybe filed under a ritual
    IMPORT = "import"  # a file from /export to bring back
    SHARE_NAME = "share_name"  # the first name an invitation shows (/share)
    PARTNER_NAME = "partner_name"  # ... an invitation to link as partners shows (/partner)


@dataclass(frozen=True, slots=True)
class Awaiting:
    """An open question: its kind, and the ritual or check-in it is about."""

    question: Question
    ritual: str | None = None
    check_in_id: int | None = None

    @property
    def is_note(self) -> bool:
        """The answer is a note (after a rating, or for the journal)."""
        return self.question in (Question.NOTE, Question.JOURNAL)

    def stored(self) -> str:
        """The text kept in users.awaiting."""
        if self.check_in_id is not None:
            return f"{self.question}:{self.check_in_id}"
        if self.ritual is not None:
            return f"{self.question}:{self.ritual}"
        return str(self.question)


TIMEZONE = Awaiting(Question.TIMEZONE)
SUMMARY_TIME = Awaiting(Question.SUMMARY_TIME)
IMPORT = Awaiting(Question.IMPORT)
SHARE_NAME = Awaiting(Question.SHARE_NAME)
PARTNER_NAME = Awaiting(Question.PARTNER_NAME)


def ritual_time(key: str) -> Awaiting:
    """Waiting for a new time for ritual `key`."""
    return Awaiting(Question.RITUAL_TIME, ritual=key)


def note(check_in_id: int) -> Awaiting:
    """Waiting for a few words about a check-in."""
    return Awaiting(Question.NOTE, check_in_id=check_in_id)


def journal(key: str | None = None) -> Awaiting:
    """Waiting for a journal note, filed under ritual `key` if given."""
    return Awaiting(Question.JOURNAL, ritual=key)


def parse(stored: str | None) -> Awaiting | None:
    """The open question stored text names, or None."""
    if not stored:
        return None
    name, _, rest = stored.partition(":")
    try:
        question = Question(name)
    except ValueError:
        return None
    if question == Question.NOTE:
        return note(int(rest)) if rest.isascii() and rest.isdigit() else None
    if question == Question.RITUAL_TIME:
        return ritual_time(rest) if is_ritual(rest) else None
    if question == Question.JOURNAL:
        if not rest:
            return journal()
        return journal(rest if is_ritual(rest) else None)
    return Awaiting(question) if not rest else None
