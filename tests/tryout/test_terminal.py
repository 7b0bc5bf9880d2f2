"""How one thing the bot did reads in the terminal: who and when on the person's clock,
the words wrapped between words, the choices with their numbers and letters."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from tryout.terminal import fragments, wrapped
from tryout.transcript import Choice, KeyButton, Kind, Shown

TEN_PM_BERLIN = datetime(2026, 11, 27, 21, 0, tzinfo=UTC)
BERLIN = ZoneInfo("Europe/Berlin")


def _text(shown: Shown, width: int = 80) -> str:
    return "".join(text for _, text, *_ in fragments(shown, BERLIN, width))


def test_words_wrap_between_words_under_their_heading() -> None:
    text = "Your evening moment is ready.\n\nTap Open when you'd like to see it."
    assert wrapped(text, 23) == (
        "  Your evening moment\n  is ready.\n\n  Tap Open when you'd\n  like to see it.\n"
    )
    assert wrapped("https://example.org/a/very/long/address", 20).strip().startswith("https")


def test_a_message_shows_its_time_words_choices_keyboard_and_file() -> None:
    shown = Shown(
        Kind.MESSAGE,
        TEN_PM_BERLIN,
        text="How does your body feel right now?",
        choices=(Choice(3, "4 · Mostly at ease", 9),),
        keyboard=(KeyButton("a", "Share my location", True),),
        saved=Path("/somewhere/001-photo.png"),
    )
    assert _text(shown) == (
        "Attune · Fri 27 Nov 22:00\n"
        "  How does your body feel right now?\n"
        "  [3] 4 · Mostly at ease\n"
        "  keyboard: [a] Share my location\n"
        "  saved to /somewhere/001-photo.png\n"
    )


def test_changes_notes_and_removals_say_what_happened() -> None:
    edit = Shown(Kind.EDIT, TEN_PM_BERLIN, text="Thank you.", buttons_only=True)
    assert _text(edit) == (
        "Attune · Fri 27 Nov 22:00 · changed a message\n  (only its buttons changed)\n"
    )
    note = Shown(Kind.NOTE, TEN_PM_BERLIN, text="Saved.")
    assert _text(note) == "Attune · Fri 27 Nov 22:00 · a note over the chat: Saved.\n"
    gone = Shown(Kind.REMOVED, TEN_PM_BERLIN, removed=3)
    assert _text(gone) == "Attune · Fri 27 Nov 22:00 · removed 3 messages from the chat\n"
