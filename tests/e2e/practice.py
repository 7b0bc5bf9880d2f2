"""Living with the bot for a while: prompts at their times, answers, notes, celebrations."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.app import AttuneApp
from emulator import BotApiEmulator
from messages import render
from progress.milestones import milestone_message
from tests.e2e.db import opened_milestones
from tests.e2e.flows import button_data, is_prompt, press_for_edit, tick_at
from tests.e2e.harness import FakeClock


async def prompt_at(bot: AttuneApp, clock: FakeClock, person: Any, when: datetime) -> Any:
    """Run the dispatch tick at `when` and return the prompt it sent the person."""
    mark = person.mark()
    await tick_at(bot, clock, when)
    return await person.wait_for_message(is_prompt, after=mark)


async def rate(person: Any, prompt: Any, rating: int) -> Any:
    """Tap a rating on a prompt and return the prompt as the tap left it: the answer and
    the thank-you in place, with its invitation to write a few words."""
    [data] = [d for d in button_data(prompt) if d.startswith("r:") and d.endswith(f":{rating}")]
    answer = await person.press(prompt, callback_data=data)
    await person.wait_for_callback_answer(answer)
    thanked = await person.wait_for_edit(prompt)
    assert "nonote:" in str(thanked.buttons)
    return thanked


def check_in_id(thanked: Any) -> int:
    """The check-in a rated prompt's No thanks button names."""
    [data] = [d for d in button_data(thanked) if d.startswith("nonote:")]
    return int(data.split(":")[1])


async def write_note(person: Any, text: str) -> Any:
    """Type a note while one is invited; returns the bot's "saved" reply."""
    mark = person.mark()
    await person.send(text)
    saved = render("note_saved", "en")
    return await person.wait_for_message(lambda m: m.text == saved, after=mark)


async def skip(person: Any, prompt: Any) -> Any:
    """Tap "Skip this one"."""
    [data] = [d for d in button_data(prompt) if d.startswith("skip:")]
    return await press_for_edit(person, prompt, data)


async def celebrated(person: Any, database_url: str) -> dict[str, int]:
    """Each stored milestone's message and how often the person got it, once all arrived.

    A milestone's text can repeat across keys (the rhythm of four days in a week can be
    reached in many weeks), so the count expected for a text is its number of keys.
    """
    keys = [row.key for row in await opened_milestones(database_url)]
    texts = [milestone_message(key, "en") for key in keys]
    for text in set(texts):
        await person.wait_for_message(lambda m, text=text: m.text == text, after=0)
    received = [m.text for m in person.messages]
    return {text: received.count(text) for text in texts}


def sent_photos(emulator: BotApiEmulator, chat_id: int) -> list[tuple[Any, bytes]]:
    """Every photo the bot sent to a chat: the sendPhoto call and the uploaded bytes."""
    found = []
    for call in emulator.calls_to("sendPhoto"):
        if call.ok and call.params["chat_id"] == chat_id:
            biggest = call.result["photo"][-1]
            content = emulator.file_content(biggest["file_id"])
            assert content is not None
            found.append((call, content))
    return found
