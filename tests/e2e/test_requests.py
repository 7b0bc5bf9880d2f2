"""What a completed check-in costs in Bot API requests, path by path and in both modes,
counted by the emulator: deterministic, so exact. From the prompt to a stored rating with its
thank-you a check-in takes the prompt, the tap's answer and one edit that carries the
thank-you (a discreet prompt adds Open's answer and edit); the target is at most 4 requests,
and at most 4 messages (sends and edits) against Telegram's sending limits on every path.
With a webhook every tap's answer rides in the webhook's answer (bot.webhook_reply), so no
path needs more than 3 requests; in long polling a two-tap path takes 5.

Each person checks in once the day before, so the check-in counted is an ordinary one that
reaches no first-time milestone, except on the path that counts exactly that.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.app import AttuneApp
from emulator import BotApiEmulator, Tally
from messages import render
from progress.milestones import milestone_message
from tests.e2e.flows import (
    button_data,
    is_prompt,
    onboard,
    opt_in_default,
    press_for_edit,
    settled,
    tick_at,
)
from tests.e2e.harness import FakeClock, make_settings, running_bot, webhook_settings
from tests.e2e.practice import check_in_id, rate, write_note

TEN_PM_BERLIN = datetime(2026, 11, 27, 21, 0, tzinfo=UTC)
FRIDAY_SIX_PM = datetime(2026, 11, 27, 17, 0, tzinfo=UTC)  # small wins: Fridays, weekly
CARE_BUTTONS = ["ground:yes", "ground:no"]

# Path -> the requests its check-in costs in long polling, by method.
COSTS = {
    # The prompt, the rating's answer, the edit with the thank-you.
    "plain": {"sendMessage": 1, "answerCallbackQuery": 1, "editMessageText": 1},
    # A person's first check-in: its milestone is a message of its own.
    "first": {"sendMessage": 2, "answerCallbackQuery": 1, "editMessageText": 1},
    # A low rating: the care offer stays a message of its own, to be seen.
    "low": {"sendMessage": 2, "answerCallbackQuery": 1, "editMessageText": 1},
    # A few words written after it: their "saved".
    "note": {"sendMessage": 2, "answerCallbackQuery": 1, "editMessageText": 1},
    # Naming the step (small wins): its own answer and an edit of the buttons.
    "step": {
        "sendMessage": 1,
        "answerCallbackQuery": 2,
        "editMessageText": 1,
        "editMessageReplyMarkup": 1,
    },
    # Discreet: Open's answer and the edit that shows the words, before the rating's.
    "discreet": {"sendMessage": 1, "answerCallbackQuery": 2, "editMessageText": 2},
}


async def _prompt(bot: AttuneApp, clock: FakeClock, person: Any, when: datetime) -> Any:
    """The prompt the dispatch tick at `when` sends: its 1-5, or a discreet one's Open."""
    mark = person.mark()
    await tick_at(bot, clock, when)
    return await person.wait_for_message(
        lambda m: is_prompt(m) or any(d.startswith("open:") for d in button_data(m)), after=mark
    )


async def _check_in(person: Any, prompt: Any, path: str, *, first: bool) -> None:
    """Complete one check-in on `path`, down to the last reply it brings."""
    if path == "discreet":
        [opening] = button_data(prompt)
        prompt = await press_for_edit(person, prompt, opening)
    thanked = await rate(person, prompt, 1 if path == "low" else 4)
    if path == "note":
        await write_note(person, "Shoulders softer tonight.")
    elif path == "step":
        await press_for_edit(person, thanked, f"win:{check_in_id(thanked)}:want")
    elif path == "low":
        await person.wait_for_message(lambda m: button_data(m) == CARE_BUTTONS, after=thanked)
    if first and path != "low":  # a hard night holds its milestone back
        key = "first:small_wins" if path == "step" else "first:body_scan"
        celebration = milestone_message(key, "en")
        await person.wait_for_message(lambda m: m.text == celebration, after=0)


def _expected(path: str, mode: str) -> Tally:
    """What a check-in on `path` costs in `mode`: with a webhook, every answer is carried."""
    costs = COSTS[path]
    if mode == "polling":
        return Tally(costs)
    answers = "answerCallbackQuery"
    return Tally({m: n for m, n in costs.items() if m != answers}, {answers: costs[answers]})


async def _cost(emulator: BotApiEmulator, person: Any, mark: int) -> Tally:
    """The calls for the person's chat since `mark`, once the bot is done: the /help
    sentinel proves nothing more was on its way, and is not counted. (With a webhook, an
    answer the webhook's answer carried is made before the sentinel is delivered: Telegram
    sends a chat's next update once the one before was answered.)"""
    await settled(person)
    help_text = render("help", "en")
    [sentinel] = [
        n
        for n, call in enumerate(emulator.calls[mark:], start=mark)
        if call.params.get("chat_id") == person.chat_id and call.params.get("text") == help_text
    ]
    assert emulator.tally(person.chat_id, after=sentinel + 1) == Tally()
    return emulator.tally(person.chat_id, after=mark, before=sentinel)


@pytest.fixture(params=["polling", "webhook"])
async def served(
    request: pytest.FixtureRequest,
    emulator: BotApiEmulator,
    clock: FakeClock,
    database_url: str,
) -> AsyncIterator[tuple[AttuneApp, str]]:
    """The bot taking updates by long polling, or through a webhook; and which."""
    settings = (make_settings if request.param == "polling" else webhook_settings)(
        emulator.root_url, database_url
    )
    async with running_bot(settings, clock) as app:
        yield app, request.param


@pytest.mark.parametrize("path", list(COSTS))
async def test_a_check_in_costs_at_most_four_messages_against_the_limits(
    served: tuple[AttuneApp, str], emulator: BotApiEmulator, clock: FakeClock, path: str
) -> None:
    bot, mode = served
    sam = emulator.user(user_id=17001, first_name="Sam")
    await onboard(sam, discreet=path == "discreet")
    key, when = ("small_wins", FRIDAY_SIX_PM) if path == "step" else ("body_scan", TEN_PM_BERLIN)
    await opt_in_default(sam, key)
    if path != "first":
        await _check_in(sam, await _prompt(bot, clock, sam, when), path, first=True)
        when += timedelta(days=7 if path == "step" else 1)
    await settled(sam)  # the last tap's answer too, carried after its edit with a webhook

    mark = len(emulator.calls)
    await _check_in(sam, await _prompt(bot, clock, sam, when), path, first=path == "first")
    cost = await _cost(emulator, sam, mark)

    assert cost == _expected(path, mode)
    assert cost.messages <= 4
    if mode == "webhook" or path in ("plain", "first", "low", "note"):
        assert cost.requests <= 4
    # A carried answer is run like a request: every one of them was accepted.
    assert all(call.ok for call in emulator.calls[mark:] if call.carried)
    # Every tap was answered, so no spinner is left turning on a button.
    taps = list(emulator.state.callback_queries.values())
    assert all(tap.answer is not None for tap in taps)
    assert render("error_generic", "en") not in [m.text for m in sam.messages]
