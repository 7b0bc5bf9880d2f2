"""Fuzz: thousands of generated updates through the real application and the emulator.

One bot and one emulator serve the whole test; every Hypothesis example is a batch of
updates from onboarded members or from strangers (plus groups, channels and update types
the bot has no handler for), delivered in order or shuffled, some twice, some from earlier
batches again. Before a batch the fake clock moves 11 s on (past the flood guard's window)
and the database is snapshotted; a sentinel's /help, delivered last, marks the batch done:
the bot handles updates one at a time, in the order getUpdates returns them.

After every batch: every request is within Telegram's limits, and each changed row belongs
to someone who sent an update in their own private chat, for a reason they gave (a users
row only after /start, check-ins only through that person's own rating button). After
all batches (so that one run lists every distinct failure): no handler failed, nothing
logged an error, the emulator never crashed, and every error answer has a reason outside
the bot (see EXPLAINED).

A batch that breaks a row rule is printed by Hypothesis as the failing example; since all
examples share one bot, its replay may pass, and Hypothesis then reports the original
error inside a FlakyFailure. Handler failures name the handler line and the first update
that made it fail.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
import traceback
from collections import Counter
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from sqlalchemy import inspect, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from telegram import Update
from telegram.ext import CommandHandler

from bot.app import AttuneApp
from emulator import BotApiEmulator, SimulatedUser
from emulator.spec import utf16_len
from emulator.state import ChatState
from store import sealing
from store.db import session_factory
from store.models import Base
from store.person_keys import key_of
from tests.databases import BACKENDS, fresh_database, keyring_for
from tests.e2e import fuzz_updates as fz
from tests.e2e.flows import is_prompt, onboard, opt_in_default, tick_at
from tests.e2e.harness import TOKEN, FakeClock, make_settings, running_bot

EXAMPLES = 200  # batches: about 4,500 updates, 30 s on SQLite
MAX_STEPS = 45
START = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
PROMPTED = datetime(2026, 11, 27, 21, 0, 5, tzinfo=UTC)  # body scan: 22:00 in Berlin
WINS_PROMPTED = datetime(2026, 11, 27, 17, 0, 5, tzinfo=UTC)  # small wins: 18:00 in Berlin
ACTORS = (7001, 7002, 7003, 7004)
OBSERVERS = (7101, 7102)  # onboarded, rated, and never heard from again
STRANGERS = (7201, 7202, 7203, 7204, 7205, 7206)
STRANGER_LOCALES = (None, "he", "pt-br", "zh-hans", "ar", "xx")
GROUP_MEMBERS = (7301, 7302, 7303)  # they only ever speak in groups
SENTINEL = 7999
ANONYMOUS_ADMIN = {"id": 1087968824, "is_bot": True, "first_name": "Group", "username": "x"}
# Updates that are a person talking to the bot in their own chat: the only ones that may
# change what the bot stores about them.
PERSONAL = ("message", "edited_message", "callback_query", "my_chat_member")
RATING = re.compile(r"^r:(\d{1,12}):(\d)$")
WIN = re.compile(r"^win:(\d{1,12}):([a-z]+)$")
# Error answers a correct bot also gets, each for a reason outside the bot:
EXPLAINED = (
    # a press on a message that an earlier update of the batch deleted (/delete, erase)
    "Bad Request: message to edit not found",
    # the same button press delivered twice: its query was answered the first time
    "Bad Request: query is too old and response timeout expired or query ID is invalid",
    # the same button pressed again: the edit would show what is shown already
    "Bad Request: message is not modified",
    # a group or channel the bot has left, in an update delivered again
    "Forbidden: bot is not a member of the",
    # a file sent for /import whose id the emulator never gave (the fuzz makes ids up)
    "Bad Request: wrong file_id or the file is temporarily unavailable",
)
Raw = dict[str, Any]
Rows = dict[str, dict[tuple[Any, ...], Raw]]


@dataclass
class Stats:
    """What the lead quotes: steps and updates by kind, the bot's requests, errors."""

    batches: Counter[str] = field(default_factory=Counter)
    steps: Counter[str] = field(default_factory=Counter)
    skipped: Counter[str] = field(default_factory=Counter)
    updates: Counter[str] = field(default_factory=Counter)
    requests: Counter[str] = field(default_factory=Counter)
    rows: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)


class _Records(logging.Handler):
    """Every warning and error logged anywhere while the test runs."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


class World:
    """The emulator, the running bot, its people, and the bookkeeping of every batch."""

    def __init__(self, database_url: str) -> None:
        self.url = database_url
        self.clock = FakeClock(START)
        self.stack = AsyncExitStack()
        self.emu = BotApiEmulator(token=TOKEN)
        self.logs = _Records()
        self.failures: dict[str, tuple[int, str]] = {}  # where -> (count, first example)
        self.history: list[Raw] = []
        self.stats = Stats()
        self.serial = 0

    async def open(self) -> None:
        """Start both; onboard the members, send them a prompt; rate some prompts."""
        await self.stack.enter_async_context(self.emu)
        config = make_settings(self.emu.root_url, self.url, ATTUNE_RATE_LIMIT=100_000)
        self.app: AttuneApp = await self.stack.enter_async_context(running_bot(config, self.clock))
        self.app.add_error_handler(self._remember)
        logging.getLogger().addHandler(self.logs)
        self.engine: AsyncEngine = create_async_engine(self.url)
        self.start_check = CommandHandler("start", _never)
        emu = self.emu
        self.actors = [emu.user(i, f"Actor{i}") for i in ACTORS]
        self.observers = [emu.user(i, f"Observer{i}") for i in OBSERVERS]
        self.strangers = [
            emu.user(i, "\u202eStranger", language_code=code)
            for i, code in zip(STRANGERS, STRANGER_LOCALES, strict=True)
        ]
        self.members_of_groups = [emu.user(i, "Member") for i in GROUP_MEMBERS]
        self.sentinel = emu.user(SENTINEL, "Sentinel")
        for person in self.actors + self.observers:
            await onboard(person)
            await opt_in_default(person, "body_scan")
        for person in self.actors:  # its thank-you offers buttons that name a step
            await opt_in_default(person, "small_wins")
        for person in self.strangers:  # a message each, to press buttons on
            await person.send("/help")
            await person.wait_for_message()
        await tick_at(self.app, self.clock, WINS_PROMPTED)
        await tick_at(self.app, self.clock, PROMPTED)
        for person in self.observers + self.actors[:1]:
            prompt = await person.wait_for_message(is_prompt)
            await person.press(prompt, callback_data=prompt.buttons[3][1])
            await person.wait_for_edit(prompt)

    async def close(self) -> None:
        """Stop the bot and the emulator."""
        logging.getLogger().removeHandler(self.logs)
        await self.engine.dispose()
        await self.stack.aclose()

    async def _remember(self, update: object, context: Any) -> None:
        """An extra error handler: which handler line failed, and on which update."""
        error: BaseException = context.error
        frames = traceback.extract_tb(error.__traceback__)
        ours = [f for f in frames if "/handlers/" in f.filename] or frames
        where = f"{type(error).__name__}: {str(error)[:60]}... at " + " <- ".join(
            f"{Path(f.filename).name}:{f.lineno} {f.name}" for f in reversed(ours[-2:])
        )
        count, example = self.failures.get(where, (0, ""))
        if not example:
            shown = update.to_dict() if isinstance(update, Update) else repr(update)
            mine = [f for f in frames if "/.venv/" not in f.filename]
            trace = "".join(traceback.format_list(mine))
            example = f"{shown}\n{trace}{type(error).__name__}: {error}"
        self.failures[where] = (count + 1, example)

    # --- one batch ---------------------------------------------------------------------

    async def run(self, batch: fz.Batch) -> None:
        """Deliver one batch and check what it did to the database."""
        calls = len(self.emu.calls)
        self.clock.advance(seconds=11)
        await tick_at(self.app, self.clock, self.clock.now)
        await self._rejoin()
        state = self.emu.state
        assert await state.notifier.wait_until(lambda: not state.updates or None, 10)
        before = await snapshot(self.engine)
        mark = self.sentinel.mark()
        delivered = self._deliver(batch, before)
        await self.sentinel.wait_for_message(after=mark, timeout=60)
        after = await snapshot(self.engine)
        self.stats.batches[batch.audience] += 1
        for call in self.emu.calls[calls:]:
            self.stats.requests[call.method] += 1
            check_limits(call.method, call.params)
            if call.error_code is not None:
                self.stats.errors[f"{call.method} {call.error_code}: {call.description}"] += 1
        self.stats.rows.update(check_rows(before, after, self._deeds(delivered)))

    async def _rejoin(self) -> None:
        """Onboard again an actor whom a batch erased (/delete), to keep four members."""
        rows = await snapshot(self.engine)
        members = {u["telegram_id"] for u in rows["users"].values() if u["consented_at"]}
        for person in self.actors:
            if person.user_id not in members:
                await onboard(person)
                self.stats.batches["actors onboarded again"] += 1

    def _deliver(self, batch: fz.Batch, before: Rows) -> list[Raw]:
        """Queue every update without yielding to the loop, then set the delivery order."""
        people = self.actors if batch.audience == "members" else self.strangers
        queue = self.emu.state.updates
        made: list[Raw | None] = []
        for step in batch.steps:
            made.append(self._build(step, people[step.who % len(people)], before))
            self.stats.steps[step.kind] += 1
        queued = {id(update) for update in queue}  # the opt-in types were dropped
        pushed = [u for u in made if u is not None and id(u) in queued]
        fresh = [u for u in (made[i] for i in batch.order) if u is not None and id(u) in queued]
        order = list(fresh)
        for which, place in batch.repeats if fresh else ():
            again = made[which]
            if again is not None and id(again) in queued:
                order.insert(max(1, place % (len(order) + 1)), again)
        for which, place in batch.stale if fresh and self.history else ():
            old = self.history[which % len(self.history)]
            order.insert(max(1, place % (len(order) + 1)), old)
        self.stats.updates["(delivered again)"] += len(order) - len(fresh)
        self.stats.batches["shuffled"] += fresh != pushed
        queue.clear()
        queue.extend(order)
        self.history.extend(fresh)
        sentinel = fz.text_fields("/help")
        self._post(self.sentinel.chat_state, "message", sentinel, self.sentinel.user, count=False)
        return order

    def _build(self, step: fz.Step, person: SimulatedUser, before: Rows) -> Raw | None:
        kind, value = step.kind, step.value
        if kind in ("text", "slash_text"):  # slash_text: a leading "/" but no entity
            return self._message(person, {"text": value})
        if kind == "command":
            token, rest = value
            return self._message(person, fz.text_fields(f"{token} {rest}" if rest else token))
        if kind == "reply":
            target = _pick(person.messages, step.who)
            if target is None:
                return self._skip(kind)
            quoted = {k: v for k, v in target.raw.items() if k != "reply_to_message"}
            return self._message(person, {"text": value, "reply_to_message": quoted})
        if kind == "media":
            media, caption = value
            fields = fz.media_fields(media, self._next(), person.user, person.chat)
            if caption is not None and media in ("photo", "document", "video", "voice"):
                fields["caption"] = caption[:1024]
            return self._message(person, fields)
        if kind == "forward":
            origin, words = value
            forwarded = fz.forward_origin(origin, self._next(), person.user, 0)
            return self._message(person, {**fz.text_fields(words), "forward_origin": forwarded})
        if kind == "location":
            return self._message(person, {"location": value})
        if kind == "edit":
            return self._edit(person, *value)
        if kind in ("press", "press_real"):
            return self._press_in_chat(person, kind, *value)
        if kind in ("rate_own", "rate_other"):
            return self._rate(person, kind, value, before)
        if kind == "group":
            return self._group(step.who, *value)
        if kind == "channel":
            return self._channel(*value)
        return self._other(person, value)

    def _press_in_chat(
        self, person: SimulatedUser, kind: str, which: int, data: str | int
    ) -> Raw | None:
        """Forged data on a bot message, or a real button of one."""
        if kind == "press":
            target = _pick([m for m in person.messages if m.text], which)
        else:
            target = _pick([m for m in person.messages if m.buttons], which)
        if target is None:
            return self._skip(kind)
        if isinstance(data, int):
            data = str(target.buttons[data % len(target.buttons)][1])
        return self._press(person.chat_state, target.raw, person.user, data)

    def _rate(self, person: SimulatedUser, kind: str, rating: int, before: Rows) -> Raw | None:
        """A rating (maybe out of range) for one's own prompt, or for someone else's."""
        owners = prompt_owners(before)
        own = sorted(p for p, owner in owners.items() if owner == person.user_id)
        others = sorted(p for p, owner in owners.items() if owner != person.user_id)
        chosen = own if kind == "rate_own" and own else others
        prompt_id = chosen[rating % len(chosen)]
        shown = person.chat_state.messages.get(before["prompts"][(prompt_id,)]["message_id"])
        if kind == "rate_own" and shown is not None and shown.from_bot and not shown.deleted:
            raw = shown.raw
        else:
            target = _pick([m for m in person.messages if m.text], rating)
            if target is None:
                return self._skip(kind)
            raw = target.raw
        return self._press(person.chat_state, raw, person.user, f"r:{prompt_id}:{rating}")

    def _edit(self, person: SimulatedUser, words: str, back: int) -> Raw | None:
        """One of the person's earlier text messages, edited to say something else."""
        mine = [
            m.raw
            for m in person.chat_state.messages.values()
            if not m.from_bot and "text" in m.raw and "forward_origin" not in m.raw
        ]
        if not mine:
            return self._skip("edit")
        original = mine[-1 - back % len(mine)]
        edited = {k: v for k, v in original.items() if k not in ("text", "entities")}
        edited.update(fz.text_fields(words), edit_date=self.emu.state.now())
        return self._push({"edited_message": edited})

    def _group(self, who: int, variant: str, words: str) -> Raw | None:
        """A message in a new group (so PTB's 20-a-minute group limit never waits)."""
        member = self.members_of_groups[who % len(self.members_of_groups)]
        kind = "group" if variant == "group" else "supergroup"
        base = -4_000_000 if kind == "group" else -1_002_000_000_000
        group = self.emu.group(base - self._next(), "\u202eFriends", kind=kind).chat_state
        fields = fz.text_fields(words)
        if variant == "anonymous_admin":
            fields["sender_chat"] = group.chat
            return self._post(group, "message", fields, ANONYMOUS_ADMIN)
        if variant != "press":
            return self._post(group, "message", fields, member.user)
        posted = self._post(group, "message", fields, member.user, deliver=False)
        assert posted is not None
        return self._press(group, posted, member.user, words[:64])

    def _channel(self, edited: bool, words: str) -> Raw | None:
        """A post, or an edited post, in a new channel."""
        channel = self.emu.group(-1_003_000_000_000 - self._next(), "News", kind="channel")
        fields = {**fz.text_fields(words), "sender_chat": channel.chat}
        if edited:
            fields["edit_date"] = self.emu.state.now()
        key = "edited_channel_post" if edited else "channel_post"
        return self._post(channel.chat_state, key, fields, None)

    def _other(self, person: SimulatedUser, kind: str) -> Raw | None:
        """An update that is neither a message nor a press with data."""
        if kind == "game_callback":
            target = _pick(person.messages, 0)
            if target is None:
                return self._skip(kind)
            return self._press(person.chat_state, target.raw, person.user, None)
        emu, n = self.emu, self._next()
        emu.group(fz.other_group_id(n), "G", kind="group")
        raw = fz.other_update(kind, n, person.user, person.chat, emu.bot_user, emu.state.now())
        return self._push(raw)

    # --- raw updates -------------------------------------------------------------------

    def _message(self, person: SimulatedUser, fields: Raw) -> Raw | None:
        return self._post(person.chat_state, "message", fields, person.user)

    def _post(
        self,
        chat: ChatState,
        key: str,
        fields: Raw,
        sender: Raw | None,
        *,
        deliver: bool = True,
        count: bool = True,
    ) -> Raw | None:
        """Store a message in the emulator's chat and queue it (or return it unqueued)."""
        state = self.emu.state
        raw: Raw = {
            "message_id": state.new_message_id(chat),
            "date": state.now(),
            "chat": chat.chat,
            **({"from": sender} if sender else {}),
            **fields,
        }
        state.add_message(chat, raw, from_bot=False)
        return self._push({key: raw}, count=count) if deliver else raw

    def _press(self, chat: ChatState, message: Raw, user: Raw, data: str | None) -> Raw | None:
        """A callback query on a message; with no data it is a game's button."""
        record = self.emu.state.new_callback_query(
            chat.id, int(message["message_id"]), int(user["id"]), data
        )
        query: Raw = {"id": record.id, "from": user, "message": message}
        query["chat_instance"] = str(chat.id * 7)
        query.update({"data": data} if data is not None else {"game_short_name": "g"})
        return self._push({"callback_query": query})

    def _push(self, update: Raw, *, count: bool = True) -> Raw:
        """Queue one update; it must be one PTB can read, or polling would stall on it."""
        Update.de_json({"update_id": 1, **update}, self.app.bot)
        stamped = self.emu.push_update(update)
        self.stats.updates[_kind(stamped)] += count
        return stamped

    def _skip(self, kind: str) -> Raw | None:
        self.stats.skipped[kind] += 1
        return None

    def _next(self) -> int:
        self.serial += 1
        return self.serial

    # --- checks ------------------------------------------------------------------------

    def _deeds(self, delivered: list[Raw]) -> Deeds:
        """Who did what in their own private chat, by the updates delivered."""
        deeds = Deeds()
        for update in delivered:
            key = _kind(update)
            body = update[key]
            if key not in PERSONAL:
                continue
            sender = int(body["from"]["id"])
            chat = body.get("chat") or body["message"]["chat"]
            if chat["type"] != "private" or chat["id"] != sender:
                continue
            deeds.senders.add(sender)
            if key == "callback_query" and "data" in body:
                deeds.presses.setdefault(sender, []).append(body["data"])
            if self.start_check.check_update(Update.de_json(update, self.app.bot)):
                deeds.started.add(sender)
        return deeds

    def check_health(self) -> None:
        """No handler failed or logged an error, no crash, no unexplained error answer."""
        failed = [
            f"{where} ({count}x); first on update {example}"
            for where, (count, example) in self.failures.items()
        ]
        records = self.logs.records
        said = [
            r
            for r in records
            if r.name == "bot.handlers.general" and "handler failed" in r.getMessage()
        ]
        assert not failed and not said, (
            f"{len(said)} handler failures, {len(failed)} distinct:\n" + "\n\n".join(failed)
        )
        logged = [f"{r.name}: {r.getMessage()}" for r in records if r.levelno >= logging.ERROR]
        assert not logged, logged
        assert not self.emu.internal_errors, self.emu.internal_errors
        unexplained = [
            error
            for error in self.stats.errors
            if not error.split(": ", 1)[1].startswith(EXPLAINED)
        ]
        assert not unexplained, unexplained

    def report(self, seconds: float) -> str:
        """The counts, one line each."""
        s = self.stats
        batches = s.batches["members"] + s.batches["strangers"]
        failures = {where: count for where, (count, _) in self.failures.items()}
        lines = {
            f"fuzz: {batches} batches in {seconds:.1f} s (setup included)": dict(s.batches),
            "steps by kind": dict(s.steps.most_common()),
            "steps skipped (nothing to press or edit)": dict(s.skipped),
            f"updates sent: {sum(s.updates.values())}; by type": dict(s.updates.most_common()),
            "updates the emulator dropped (opt-in types)": len(self.emu.state.dropped_updates),
            "bot requests": dict(s.requests.most_common()),
            "rows changed": dict(s.rows.most_common()),
            "error answers": dict(s.errors.most_common()),
            "handler failures": failures,
        }
        return "\n".join(f"{name}: {value or 'none'}" for name, value in lines.items())


@dataclass
class Deeds:
    """What a batch's delivered updates did, per person, in their own private chat."""

    senders: set[int] = field(default_factory=set)
    started: set[int] = field(default_factory=set)
    presses: dict[int, list[str]] = field(default_factory=dict)


async def _never(update: Update, context: Any) -> None:
    """The callback of a handler used only to ask PTB whether an update is /start."""


def _kind(update: Raw) -> str:
    return next(key for key in update if key != "update_id")


def _pick(items: list[Any], which: int) -> Any:
    return items[which % len(items)] if items else None


def check_limits(method: str, params: Raw) -> None:
    """What Telegram refuses, checked here as well as by the emulator's validation."""
    for name, limit in (("text", 4096), ("caption", 1024)):
        value = params.get(name)
        if isinstance(value, str):
            assert 0 < utf16_len(value.strip()) <= limit, (method, name, len(value))
    if method == "answerCallbackQuery":
        assert len(params.get("text", "")) <= 200, params
    markup = params.get("reply_markup")
    if isinstance(markup, dict):
        for row in markup.get("inline_keyboard", []):
            for button in row:
                data = button.get("callback_data")
                assert button["text"] and (data is None or 1 <= len(data.encode()) <= 64), button


# --- the database ------------------------------------------------------------------------


async def snapshot(engine: AsyncEngine) -> Rows:
    """Every row of every table, by primary key (whole row for tables without a model);
    check-ins opened, as their person's key opens them."""
    rows = await _raw_rows(engine)
    ring = keyring_for(engine.url.render_as_string(hide_password=False))
    try:
        async with session_factory(engine, ring)() as session:
            for row in rows["check_ins"].values():
                key = await key_of(session, user_id=row["user_id"])
                assert key is not None, f"a sealed check-in with no key: {row}"
                row["ritual_key"], row["rating"] = key.open_check_in(row.pop("sealed"))
                win = row.pop("sealed_win")
                row["win"] = None if win is None else key.open_text(win, sealing.WIN)
    finally:
        await ring.dispose()
    return rows


async def _raw_rows(engine: AsyncEngine) -> Rows:
    rows: Rows = {}
    async with engine.connect() as conn:
        names = await conn.run_sync(lambda sync: inspect(sync).get_table_names())
        for name in names:
            table = Base.metadata.tables.get(name)
            if table is None:
                found = (await conn.execute(text(f'SELECT * FROM "{name}"'))).mappings().all()
                rows[name] = {tuple(r.values()): dict(r) for r in found}
                continue
            keys = [column.name for column in table.primary_key.columns]
            found = (await conn.execute(select(table))).mappings().all()
            rows[name] = {tuple(r[k] for k in keys): dict(r) for r in found}
    return rows


def owner_of(rows: Rows, table: str, row: Raw) -> int | None:
    """The Telegram id a row belongs to, or None for rows that belong to nobody."""
    users = {u["id"]: u["telegram_id"] for u in rows["users"].values()}
    if table == "users":
        return int(row["telegram_id"])
    if "user_id" in row:
        return users.get(row["user_id"])
    if "subscription_id" in row:
        sub = rows["subscriptions"].get((row["subscription_id"],))
        return None if sub is None else users.get(sub["user_id"])
    return None


def prompt_owners(rows: Rows) -> dict[int, int]:
    """Prompt id -> the Telegram id of the person it was sent to."""
    return {
        key[0]: owner
        for key, row in rows["prompts"].items()
        if (owner := owner_of(rows, "prompts", row)) is not None
    }


def check_rows(before: Rows, after: Rows, deeds: Deeds) -> Counter[str]:
    """Only people who spoke changed anything, and only what they asked for.

    Returns how many rows of each table were added, removed or changed.
    """
    changes: Counter[str] = Counter()
    for table in before.keys() | after.keys():
        old, new = before.get(table, {}), after.get(table, {})
        for key in old.keys() | new.keys():
            if old.get(key) == new.get(key):
                continue
            verb = "changed" if key in old and key in new else "added" if key in new else "removed"
            changes[f"{table} {verb}"] += 1
            owners = {owner_of(before, table, old[key])} if key in old else set()
            owners |= {owner_of(after, table, new[key])} if key in new else set()
            assert None not in owners and owners <= deeds.senders, (
                f"{table} row {key} changed for {owners - deeds.senders}, who sent nothing "
                f"to the bot: {old.get(key)} -> {new.get(key)}"
            )
    users_before = {u["telegram_id"]: u for u in before["users"].values()}
    for user in after["users"].values():
        who = user["telegram_id"]
        assert user["chat_id"] == who > 0, f"a users row for a chat that is not private: {user}"
        earlier = users_before.get(who)
        assert earlier or who in deeds.started, f"{who} has a users row without /start: {user}"
        presses = deeds.presses.get(who, [])
        for column, data in (("adult_confirmed_at", "adult:yes"), ("consented_at", "consent:yes")):
            if user[column] is not None and (earlier is None or earlier[column] is None):
                assert data in presses, f"{who} got {column} without pressing {data}"
    members = {u["telegram_id"] for u in after["users"].values() if u["consented_at"]}
    for table, found in after.items():
        for row in found.values() if table != "users" else ():
            owner = owner_of(after, table, row)
            assert owner is None or owner in members, f"{table} row of a non-member: {row}"
    _check_ratings(before, after, deeds)
    return changes


def _check_ratings(before: Rows, after: Rows, deeds: Deeds) -> None:
    """A check-in appears or changes only through its owner's own rating button; the step
    named with it, only through its owner's own button for that check-in and kind."""
    owners = prompt_owners(before)
    old, new = before["check_ins"], after["check_ins"]
    for key, row in new.items():
        was = old.get(key)
        owner = owner_of(after, "check_ins", row)
        assert was is None or was["win"] in (None, row["win"]), f"a named step changed: {row}"
        if row["win"] is not None and (was is None or was["win"] != row["win"]):
            wanted_win = (row["id"], row["win"])
            named = [
                data
                for data in deeds.presses.get(owner or 0, [])
                if (m := WIN.match(data)) and (int(m[1]), m[2]) == wanted_win
            ]
            assert named, f"check-in {row} named a step without its owner pressing it"
        if was is not None and {**was, "win": row["win"]} == row:
            continue
        assert owners.get(row["prompt_id"]) == owner, f"a check-in on another's prompt: {row}"
        wanted = (row["prompt_id"], row["rating"])
        pressed = [
            data
            for data in deeds.presses.get(owner or 0, [])
            if (m := RATING.match(data)) and (int(m[1]), int(m[2])) == wanted
        ]
        assert pressed, f"check-in {row} changed without its owner pressing r:{wanted}"
    for key, row in old.items():
        if key not in new:
            owner = owner_of(before, "check_ins", row)
            assert "erase:yes" in deeds.presses.get(owner or 0, []), f"check-in lost: {row}"


@pytest.mark.timeout(120)
@pytest.mark.parametrize("backend", BACKENDS)
def test_generated_updates_crash_nothing_and_change_only_their_senders_rows(
    backend: str, tmp_path: Path
) -> None:
    began = time.monotonic()
    with asyncio.Runner() as runner:
        world = World(runner.run(fresh_database(backend, tmp_path)))
        runner.run(world.open())
        try:

            @settings(
                max_examples=EXAMPLES,
                deadline=None,
                # One bot for all examples: a replayed or shrunk batch meets another world.
                phases=[Phase.generate],
                database=None,
                suppress_health_check=list(HealthCheck),
            )
            @given(batch=fz.batches(max_steps=MAX_STEPS))
            def one_batch(batch: fz.Batch) -> None:
                runner.run(world.run(batch))

            one_batch()
        finally:
            runner.run(world.close())
            print("\n" + world.report(time.monotonic() - began))
    world.check_health()
