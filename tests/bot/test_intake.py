"""How updates are taken: counted as they arrive, each chat in order, chats in parallel."""

from __future__ import annotations

import asyncio
from collections import defaultdict

from telegram import Update

from bot.flood import FloodGuard
from bot.intake import QUEUE_LIMIT, UpdateIntake
from bot.webhook_reply import ReplySlot, carry_answer

DANGER = "words of danger"


class Clock:
    """Seconds, moved by hand: the flood guard's clock and the wall clock at once."""

    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def _message(update_id: int, chat: int, text: str = "hello", *, stamp: float) -> Update:
    update = Update.de_json(
        {
            "update_id": update_id,
            "message": {
                "message_id": update_id,
                "date": int(stamp),
                "chat": {"id": chat, "type": "private"},
                "from": {"id": chat, "is_bot": False, "first_name": "P"},
                "text": text,
            },
        },
        None,
    )
    assert update is not None
    return update


class Handling:
    """The application's side: records what it handled; a chat can be held mid-update."""

    def __init__(self) -> None:
        self.started: list[int] = []
        self.handled: list[int] = []
        self.told: list[int] = []
        self.gates: dict[int, asyncio.Event] = defaultdict(asyncio.Event)
        self.held: set[int] = set()

    async def process(self, update: Update) -> None:
        assert update.effective_chat is not None
        self.started.append(update.update_id)
        if update.effective_chat.id in self.held:
            await self.gates[update.effective_chat.id].wait()
        self.handled.append(update.update_id)

    async def slow_down(self, update: Update) -> None:
        assert update.effective_chat is not None
        self.told.append(update.effective_chat.id)

    def intake(self, clock: Clock) -> UpdateIntake:
        return UpdateIntake(
            self.process,
            flood=FloodGuard(clock=clock),
            urgent=lambda u: u.message is not None and u.message.text == DANGER,
            slow_down=self.slow_down,
            wall=clock,
        )


async def test_each_chat_in_order_and_no_chat_waits_for_another() -> None:
    clock, app = Clock(), Handling()
    intake = app.intake(clock)
    app.held.add(1)
    first = intake.accept(_message(1, chat=1, stamp=clock.now))
    second = intake.accept(_message(2, chat=1, stamp=clock.now))
    other = intake.accept(_message(3, chat=2, stamp=clock.now))
    assert first is not None and second is not None and other is not None
    await other
    assert app.started == [1, 3] and app.handled == [3]  # chat 2 did not wait for chat 1
    app.gates[1].set()
    await second
    assert app.handled == [3, 1, 2]


async def test_a_full_chat_drops_the_rest_with_one_kind_word() -> None:
    clock, app = Clock(), Handling()
    intake = app.intake(clock)
    app.held.add(1)
    taken = [intake.accept(_message(n, chat=1, stamp=clock.now)) for n in range(15)]
    assert [t is not None for t in taken] == [True] * QUEUE_LIMIT + [False] * (15 - QUEUE_LIMIT)
    assert intake.accept(_message(20, chat=2, stamp=clock.now)) is not None  # others are not
    await asyncio.sleep(0)
    assert app.told == [1]
    app.gates[1].set()
    await asyncio.gather(*(t for t in taken if t is not None))
    assert app.handled[-QUEUE_LIMIT:] == list(range(QUEUE_LIMIT))


async def test_the_fair_share_counts_when_updates_reached_telegram() -> None:
    # As with a webhook: Telegram sends a chat's next update once the last was answered,
    # here a second later each time; all 40 had reached Telegram within four seconds.
    clock, app = Clock(), Handling()
    intake = app.intake(clock)
    sent_from = clock.now
    taken = []
    for n in range(40):
        handled = intake.accept(_message(n, chat=1, stamp=sent_from + n * 0.1))
        taken.append(handled is not None)
        if handled is not None:
            await handled
        clock.now += 1.0
    assert taken == [True] * 30 + [False] * 10
    await asyncio.sleep(0)
    assert app.told == [1]


async def test_words_of_danger_are_taken_past_a_flood() -> None:
    clock, app = Clock(), Handling()
    intake = app.intake(clock)
    app.held.add(1)
    for n in range(40):  # past the fair share, and the chat's queue full
        intake.accept(_message(n, chat=1, stamp=clock.now))
    danger = intake.accept(_message(99, chat=1, text=DANGER, stamp=clock.now))
    assert danger is not None
    app.gates[1].set()
    await danger
    assert app.handled[-1] == 99  # in its turn, after what was taken before it


async def test_a_stop_gives_up_on_what_was_not_handled() -> None:
    clock, app = Clock(), Handling()
    intake = app.intake(clock)
    app.held.add(1)
    taken = [intake.accept(_message(n, chat=1, stamp=clock.now)) for n in range(3)]
    done = intake.accept(_message(9, chat=2, stamp=clock.now))
    assert done is not None
    await done
    await intake.finish(within=0.05)
    assert all(t is not None and t.cancelled() for t in taken)  # not confirmed: sent again
    assert not done.cancelled()


async def test_each_update_brings_its_own_webhook_slot_to_its_handlers() -> None:
    # One task handles a chat's updates in turn: the second update's handlers run in the
    # task the first one started, and must still see the second update's slot.
    clock = Clock()
    gate = asyncio.Event()
    carried: list[bool] = []

    async def process(update: Update) -> None:
        if update.update_id == 1:
            await gate.wait()
        carried.append(carry_answer(f"q{update.update_id}", None, show_alert=False))

    async def never(_update: Update) -> None:
        raise AssertionError("nothing here floods")

    intake = UpdateIntake(
        process, flood=FloodGuard(clock=clock), urgent=lambda _u: False, slow_down=never
    )
    slots = [ReplySlot("q1"), ReplySlot("q2"), None]
    taken = [
        intake.accept(_message(n, chat=1, stamp=clock.now), slot)
        for n, slot in enumerate(slots, start=1)
    ]
    gate.set()
    await asyncio.gather(*(t for t in taken if t is not None))
    assert carried == [True, True, False]  # the third came with no slot: a request
    assert [slot.take() is not None for slot in slots if slot is not None] == [True, True]
