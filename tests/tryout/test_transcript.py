"""What the terminal shows, read from the emulator's record of the bot's calls: only the
person's chat, in order; buttons numbered so that a number keeps its button; files saved
where the session keeps them, under names of its own."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from emulator import Call
from emulator.state import EmulatorState
from tryout.transcript import LIVE_MESSAGES, Kind, Transcript

CHAT, OTHER = 7, 8
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 16


@pytest.fixture
def state() -> EmulatorState:
    """An emulator's state with the person's chat and someone else's."""
    world = EmulatorState({"id": 1, "is_bot": True, "first_name": "Attune"}, lambda: 0.0, True)
    for chat in (CHAT, OTHER):
        world.add_chat({"id": chat, "type": "private", "first_name": "Sam"})
    return world


def _buttons(*labels: str) -> dict[str, Any]:
    return {"inline_keyboard": [[{"text": t, "callback_data": t.lower()}] for t in labels]}


def _call(state: EmulatorState, method: str, params: dict[str, Any], result: Any = True) -> None:
    state.calls.append(Call(method, params, True, None, 1_800_000_000.0, None, result))


def _send(state: EmulatorState, message_id: int, *labels: str, chat: int = CHAT) -> None:
    message = {"message_id": message_id, "text": f"message {message_id}"}
    if labels:
        message["reply_markup"] = _buttons(*labels)
    _call(state, "sendMessage", {"chat_id": chat, "text": message["text"]}, message)


def _edit(state: EmulatorState, message_id: int, *labels: str) -> None:
    message = {"message_id": message_id, "text": "changed", "reply_markup": _buttons(*labels)}
    _call(state, "editMessageText", {"chat_id": CHAT, "message_id": message_id}, message)


def _numbers(transcript: Transcript) -> dict[int, tuple[int, str]]:
    found = {}
    for number in range(1, 40):
        choice = transcript.choice(number)
        if choice is not None:
            found[number] = (choice.message_id, choice.label)
    return found


def test_only_the_persons_chat_is_shown_in_order(state: EmulatorState, tmp_path: Path) -> None:
    transcript = Transcript(state, CHAT, tmp_path)
    _send(state, 1)
    _send(state, 1, chat=OTHER)
    state.calls.append(Call("sendMessage", {"chat_id": CHAT}, False, 400, 0.0, "bad"))
    _call(state, "sendChatAction", {"chat_id": CHAT, "action": "typing"})
    _edit(state, 1, "Open")
    shown = transcript.news()
    assert [(s.kind, s.text) for s in shown] == [
        (Kind.MESSAGE, "message 1"),
        (Kind.EDIT, "changed"),
    ]
    assert transcript.news() == []  # each thing once


def test_a_number_keeps_its_button_until_the_message_changes(
    state: EmulatorState, tmp_path: Path
) -> None:
    transcript = Transcript(state, CHAT, tmp_path)
    _send(state, 1, "Body scan", "Breath")
    _send(state, 2, "Yes", "No")
    transcript.news()
    assert _numbers(transcript) == {
        1: (1, "Body scan"),
        2: (1, "Breath"),
        3: (2, "Yes"),
        4: (2, "No"),
    }
    # Choosing in the first message changes it: its new buttons take the lowest free run,
    # and the second message's numbers still stand.
    _edit(state, 1, "Choose days")
    [edited] = transcript.news()
    assert [c.number for c in edited.choices] == [1]
    assert _numbers(transcript) == {1: (1, "Choose days"), 3: (2, "Yes"), 4: (2, "No")}
    # Three buttons do not fit in 2..2: they go after the numbers taken.
    _send(state, 5, "A", "B", "C")
    [sent] = transcript.news()
    assert [c.number for c in sent.choices] == [5, 6, 7]
    _call(state, "deleteMessages", {"chat_id": CHAT, "message_ids": [2, 5]})
    [removed] = transcript.news()
    assert removed.kind is Kind.REMOVED and removed.removed == 2
    assert _numbers(transcript) == {1: (1, "Choose days")}


def test_only_the_latest_messages_keep_numbers(state: EmulatorState, tmp_path: Path) -> None:
    transcript = Transcript(state, CHAT, tmp_path)
    for message_id in range(1, LIVE_MESSAGES + 2):
        _send(state, message_id, "Open")
    shown = transcript.news()
    assert [s.choices[0].number for s in shown] == [*range(1, LIVE_MESSAGES + 1), 1]
    first = transcript.choice(1)
    assert first is not None and first.message_id == LIVE_MESSAGES + 1


def test_a_note_over_the_chat_is_shown_for_the_persons_own_presses(
    state: EmulatorState, tmp_path: Path
) -> None:
    transcript = Transcript(state, CHAT, tmp_path)
    ours = state.new_callback_query(CHAT, 1, CHAT, "r:1:4")
    theirs = state.new_callback_query(OTHER, 1, OTHER, "r:2:4")
    _call(state, "answerCallbackQuery", {"callback_query_id": ours.id, "text": "Noted"})
    _call(state, "answerCallbackQuery", {"callback_query_id": theirs.id, "text": "Theirs"})
    _call(state, "answerCallbackQuery", {"callback_query_id": ours.id})  # no words: nothing
    assert [(s.kind, s.text) for s in transcript.news()] == [(Kind.NOTE, "Noted")]


def test_a_reply_keyboard_is_lettered(state: EmulatorState, tmp_path: Path) -> None:
    transcript = Transcript(state, CHAT, tmp_path)
    markup = {
        "keyboard": [[{"text": "Share my location", "request_location": True}, {"text": "Later"}]]
    }
    message = {"message_id": 1, "text": "Or share your location."}
    _call(state, "sendMessage", {"chat_id": CHAT, "reply_markup": markup}, message)
    [shown] = transcript.news()
    assert [(k.letter, k.label, k.shares_location) for k in shown.keyboard] == [
        ("a", "Share my location", True),
        ("b", "Later", False),
    ]
    assert shown.choices == ()  # letters, not numbers
    assert transcript.keyboard() == ()  # the chat shows it only once the emulator stored it
    state.chat(CHAT).reply_keyboard = markup
    assert transcript.keyboard() == shown.keyboard


def test_photos_and_documents_are_saved_under_names_of_their_own(
    state: EmulatorState, tmp_path: Path
) -> None:
    transcript = Transcript(state, CHAT, tmp_path)
    photo = state.new_file(PNG, None, "image/jpeg", None)
    document = state.new_file(b"{}", "../../outside.json", "application/json", None)
    picture = {"message_id": 1, "caption": "Your week", "photo": [{"file_id": photo.file_id}]}
    export = {
        "message_id": 2,
        "document": {"file_id": document.file_id, "file_name": document.filename},
    }
    _call(state, "sendPhoto", {"chat_id": CHAT}, picture)
    _call(state, "sendDocument", {"chat_id": CHAT}, export)
    first, second = transcript.news()
    assert first.text == "Your week" and first.saved == tmp_path / "001-photo.png"
    assert first.saved.read_bytes() == PNG
    assert second.saved == tmp_path / "002-outside.json"
    assert second.saved.read_bytes() == b"{}"
    assert not (tmp_path.parent / "outside.json").exists()
