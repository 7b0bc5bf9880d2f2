"""The person's rights: the policy, /export of everything, /delete of everything."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.app import AttuneApp
from emulator import BotApiEmulator
from messages import render
from store.models import Base, CheckIn, DataIdentity, User
from tests.databases import keyring_for
from tests.e2e.db import all_rows, count
from tests.e2e.flows import is_prompt, onboard, opt_in_default, tick_at
from tests.e2e.harness import FakeClock, make_settings, running_bot
from tests.e2e.practice import rate, write_note

NOTE = "A private sentence only I should ever read again."


async def _with_history(
    bot: AttuneApp, emulator: BotApiEmulator, clock: FakeClock, user_id: int
) -> Any:
    person = emulator.user(user_id=user_id, first_name="Sam")
    await onboard(person)
    await opt_in_default(person, "body_scan")
    await tick_at(bot, clock, datetime(2026, 11, 27, 21, 0, tzinfo=UTC))
    prompt = next(m for m in reversed(person.messages) if is_prompt(m))
    await rate(person, prompt, 4)
    await write_note(person, NOTE)
    return person


def _documents(emulator: BotApiEmulator, chat_id: int) -> list[tuple[Any, bytes]]:
    found = []
    for call in emulator.calls_to("sendDocument"):
        if call.ok and call.params["chat_id"] == chat_id:
            content = emulator.file_content(call.result["document"]["file_id"])
            assert content is not None
            found.append((call, content))
    return found


def _raw_sqlite(path: Path) -> bytes:
    raw = path.read_bytes()
    wal = path.with_name(path.name + "-wal")
    return raw + (wal.read_bytes() if wal.exists() else b"")


async def test_privacy_policy_names_the_operator_contact(
    bot: AttuneApp, emulator: BotApiEmulator, database_url: str
) -> None:
    sam = emulator.user(user_id=8001, first_name="Sam")
    await sam.send("/privacy")
    policy = await sam.wait_for_message()
    assert "/export" in policy.text and "/delete" in policy.text
    assert render("privacy_contact_unset", "en") in policy.text
    assert await count(database_url, User) == 0  # reading the policy is not signing up


async def test_export_sends_everything_as_json_and_csv(
    bot: AttuneApp, emulator: BotApiEmulator, clock: FakeClock, database_url: str
) -> None:
    sam = await _with_history(bot, emulator, clock, 8002)
    await sam.send("/export")
    await emulator.wait_for_call("sendDocument", lambda c: c.ok)
    await emulator.wait_for_call("sendDocument", lambda c: c.ok)
    (json_call, json_bytes), (csv_call, csv_bytes) = _documents(emulator, sam.chat_id)
    assert json_call.params.get("protect_content") is True
    assert csv_call.params.get("protect_content") is True
    data = json.loads(json_bytes)
    assert data["person"]["telegram_id"] == 8002
    assert data["person"]["timezone"] == "Europe/Berlin"
    assert [c["rating"] for c in data["check_ins"]] == [4]
    assert [n["text"] for n in data["notes"]] == [NOTE]
    assert [p["ritual"] for p in data["practices"]] == ["body_scan"]
    pacing = [
        (p["prompts_without_a_tap_lately"], p["pace_asked_about_at"]) for p in data["practices"]
    ]
    assert pacing == [(0, None)]  # what gentle pacing keeps is theirs too
    rows = list(csv.reader(io.StringIO(csv_bytes.decode())))
    assert rows[0] == ["practiced_at", "ritual", "rating", "step_named", "note"]
    assert rows[1][1:] == ["Bedtime body scan", "4", "", NOTE]


async def test_delete_erases_every_row_and_leaves_a_stranger(
    bot: AttuneApp, emulator: BotApiEmulator, clock: FakeClock, database_url: str
) -> None:
    sam = await _with_history(bot, emulator, clock, 8003)
    bob = emulator.user(user_id=8004, first_name="Bob")
    await onboard(bob)  # someone else's data must survive Sam's erasure
    await sam.send("/delete")
    confirm = await sam.wait_for_message(lambda m: bool(m.buttons))
    await sam.press(confirm, callback_data="erase:no")
    await sam.wait_for_edit(confirm)
    assert await count(database_url, CheckIn) == 1  # "keep" keeps

    await sam.send("/delete")
    confirm = await sam.wait_for_message(lambda m: bool(m.buttons))
    await sam.press(confirm, callback_data="erase:yes")
    done = await sam.wait_for_message(lambda m: m.text == render("delete_done", "en"))
    assert done.text
    deleted = [c for c in emulator.calls_to("deleteMessages") if c.params["chat_id"] == 8003]
    assert deleted and all(m.deleted for m in sam.messages if m.message_id < done.message_id)

    # Bob only onboarded, so every table but users is now empty, and users holds only Bob.
    # (data_identity names the database, not anyone in it.)
    for model in Base.__subclasses__():
        if model not in (User, DataIdentity):
            assert await count(database_url, model) == 0, model.__tablename__
    [remaining] = await all_rows(database_url, User)
    assert remaining.telegram_id == 8004
    if database_url.startswith("sqlite"):
        raw = _raw_sqlite(Path(database_url.split("///", 1)[1]))
        assert NOTE.encode() not in raw
        assert b"8003" not in raw
        with sqlite3.connect(database_url.split("///", 1)[1]) as db:
            ids = [row[0] for row in db.execute("SELECT telegram_id FROM users")]
        assert ids == [8004]

    # Afterwards the person is a stranger to the bot.
    await sam.send("hello")
    assert (await sam.wait_for_message()).text == render("need_start", "en")


async def test_after_a_crash_between_key_and_rows_the_person_is_erased_and_a_stranger(
    emulator: BotApiEmulator, clock: FakeClock, database_url: str
) -> None:
    """/delete destroyed Sam's key, then the process died before the rows went. At the next
    start Sam counts as erased: the rows go at Sam's next message, which meets a stranger."""
    settings = make_settings(emulator.root_url, database_url)
    async with running_bot(settings, clock) as bot:
        await _with_history(bot, emulator, clock, 8005)
    [user] = await all_rows(database_url, User, telegram_id=8005)
    assert user.key_id is not None
    ring = keyring_for(database_url)
    await ring.destroy(user.key_id)  # the key went first; the crash came before the rows
    await ring.dispose()
    assert await count(database_url, CheckIn) == 1

    async with running_bot(settings, clock):
        sam = emulator.user(user_id=8005, first_name="Sam")
        await sam.send("hello")
        assert (await sam.wait_for_message()).text == render("need_start", "en")
    assert await count(database_url, CheckIn) == 0 and await count(database_url, User) == 0
