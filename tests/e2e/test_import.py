"""/import: the file /export sent, taken back through the real bot. A round trip through
/delete gives back what was exported; importing twice adds nothing; a file that is wrong in
any way is refused with one kind reply and changes nothing; only an onboarded person can
import, and only a file they meant to send.

The clock starts at Friday 27 November 2026, 13:00 in Berlin; small wins come on Fridays
at 18:00 (17:00 UTC).
"""

from __future__ import annotations

import copy
import json
import random
from datetime import UTC, datetime
from typing import Any

import pytest

from bot.app import AttuneApp
from bot.export_reader import MAX_BYTES
from emulator import BotApiEmulator
from messages import render
from store.models import User
from store.personal_data import EXPORT_FORMAT
from tests.e2e.db import all_rows, opened_check_ins, opened_milestones, opened_notes, snapshot
from tests.e2e.flows import (
    button_data,
    erase_everything,
    export_file,
    onboard,
    opt_in_default,
    press_for_edit,
    settled,
)
from tests.e2e.harness import FakeClock
from tests.e2e.practice import prompt_at, rate, write_note

FRIDAY_SIX_PM = datetime(2026, 11, 27, 17, 0, tzinfo=UTC)
NOTE = "A few words about the step I took."
JOURNAL = "A page of my own, written on a quiet day."
REFUSED = render("import_refused", "en", why="{why}").split("{why}")[0]


async def _with_history(bot: AttuneApp, emulator: BotApiEmulator, clock: FakeClock) -> Any:
    """Sam, with two practices (one of them off), a rated prompt with a named step and a
    note, a journal note, the milestones those reach, and notes kept for 90 days."""
    sam = emulator.user(user_id=17001, first_name="Sam")
    await onboard(sam)
    await opt_in_default(sam, "small_wins")
    page = await opt_in_default(sam, "body_scan")
    await press_for_edit(sam, page, "off:body_scan")
    thanks = await rate(sam, await prompt_at(bot, clock, sam, FRIDAY_SIX_PM), 4)
    [step] = [d for d in button_data(thanks) if d.startswith("win:") and d.endswith(":no")]
    await sam.press(thanks, callback_data=step)
    await sam.wait_for_edit(thanks)
    await write_note(sam, NOTE)
    await sam.send("/journal")
    await sam.wait_for_message(lambda m: m.text == render("journal_ask", "en"))
    await write_note(sam, JOURNAL)
    await sam.send("/settings")
    settings = await sam.wait_for_message(lambda m: "privset" in button_data(m))
    choices = await press_for_edit(sam, settings, "privset")
    await press_for_edit(sam, choices, "keep:90")
    await settled(sam)
    return sam


async def _import(person: Any, content: bytes, *, caption: str | None = "/import") -> str:
    """Send a file (with /import as its caption, by default); the bot's answer."""
    mark = person.mark()
    await person.send_document(content, "attune-export.json", caption=caption)
    return str((await person.wait_for_message(after=mark, timeout=10)).text)


def _kept(export: bytes) -> dict[str, Any]:
    """What an import brings back, as the export shows it."""
    data = json.loads(export)
    person = data["person"]
    at_of = {c["id"]: c["practiced_at"] for c in data["check_ins"]}
    return {
        "settings": [person[k] for k in ("discreet", "quiet", "note_retention_days")],
        "practices": sorted(
            (p["ritual"], p["local_time"], p["weekdays"], p["active"]) for p in data["practices"]
        ),
        "check_ins": sorted(
            (c["ritual"], c["rating"], c["step_named"], c["practiced_at"])
            for c in data["check_ins"]
        ),
        "notes": sorted(
            (n["text"], n["ritual"], n["written_at"], at_of.get(n["check_in_id"]))
            for n in data["notes"]
        ),
        "milestones": sorted((m["key"], m["reached_at"], m["held"]) for m in data["milestones"]),
    }


async def test_export_delete_import_gives_back_what_was_exported(
    bot: AttuneApp, emulator: BotApiEmulator, clock: FakeClock
) -> None:
    sam = await _with_history(bot, emulator, clock)
    before = await export_file(emulator, sam)
    kept = _kept(before)
    assert len(kept["check_ins"]) == 1 and len(kept["notes"]) == 2 and kept["milestones"]
    assert ("body_scan", "22:00", list(range(7)), False) in kept["practices"]

    await erase_everything(sam)
    await onboard(sam)  # a new account: its own timezone, no practices yet
    answer = await _import(sam, before)
    added = render("import_done", "en", check_ins=1, notes=2, milestones=len(kept["milestones"]))
    assert answer.startswith(added)
    assert render("import_practices_set", "en") in answer
    assert _kept(await export_file(emulator, sam)) == kept

    # The same file once more: everything is there already.
    again = await _import(sam, before)
    assert again.startswith(render("import_nothing_new", "en"))
    assert render("import_practices_kept", "en") in again
    assert _kept(await export_file(emulator, sam)) == kept


async def test_importing_into_an_account_that_has_it_all_adds_nothing_and_keeps_its_choices(
    bot: AttuneApp, emulator: BotApiEmulator, clock: FakeClock, database_url: str
) -> None:
    sam = await _with_history(bot, emulator, clock)
    exported = await export_file(emulator, sam)
    before = await snapshot(database_url)
    answer = await _import(sam, exported)
    assert answer.startswith(render("import_nothing_new", "en"))
    assert await snapshot(database_url) == before


async def test_someone_elses_export_is_theirs_to_give(
    bot: AttuneApp, emulator: BotApiEmulator, clock: FakeClock
) -> None:
    sam = await _with_history(bot, emulator, clock)
    given = _kept(await export_file(emulator, sam))
    ana = emulator.user(user_id=17002, first_name="Ana")
    await onboard(ana)
    await opt_in_default(ana, "breath")  # her own practice: hers stays as it is
    answer = await _import(ana, await export_file(emulator, sam))
    assert render("import_practices_kept", "en") in answer
    got = _kept(await export_file(emulator, ana))
    assert [got[k] for k in ("check_ins", "notes")] == [given[k] for k in ("check_ins", "notes")]
    assert [p[0] for p in got["practices"]] == ["breath"]


def _changed(export: bytes, change: Any) -> bytes:
    data = json.loads(export)
    change(data)
    return json.dumps(data).encode()


def _deep(levels: int) -> bytes:
    return b'{"format": 1, "person": ' + b"[" * levels + b"]" * levels + b"}"


WRONG: list[tuple[str, Any, str]] = [
    ("not JSON", lambda e: b"this is not an export", render("import_why_not_export", "en")),
    ("a spreadsheet", lambda e: b"practiced_at,ritual\n", render("import_why_not_export", "en")),
    ("deep nesting", lambda e: _deep(100_000), render("import_why_not_export", "en")),
    ("a list", lambda e: b"[1, 2, 3]", render("import_why_not_export", "en")),
    (
        "no format",
        lambda e: _changed(e, lambda d: d.pop("format")),
        render("import_why_format", "en"),
    ),
    (
        "a newer format",
        lambda e: _changed(e, lambda d: d.update(format=EXPORT_FORMAT + 1)),
        render("import_why_format", "en"),
    ),
    (
        "a rating of 6",
        lambda e: _changed(e, lambda d: d["check_ins"][0].update(rating=6)),
        "a rating that isn't between 1 and 5",
    ),
    (
        "an unknown practice",
        lambda e: _changed(e, lambda d: d["check_ins"][0].update(ritual="moon_dance")),
        "a practice Attune doesn't know",
    ),
    (
        "a moment without its offset",
        lambda e: _changed(e, lambda d: d["notes"][0].update(written_at="2026-11-27T17:00:00")),
        "a date that isn't written",
    ),
    (
        "a note too long",
        lambda e: _changed(e, lambda d: d["notes"][0].update(text="x" * 1001)),
        "a note longer than 1000 characters",
    ),
    (
        "a time of day that is none",
        lambda e: _changed(e, lambda d: d["practices"][0].update(local_time="25:00")),
        "In your practices",
    ),
]


async def test_a_wrong_file_is_refused_kindly_and_changes_nothing(
    bot: AttuneApp, emulator: BotApiEmulator, clock: FakeClock, database_url: str
) -> None:
    sam = await _with_history(bot, emulator, clock)
    good = await export_file(emulator, sam)
    await erase_everything(sam)
    await onboard(sam)
    before = await snapshot(database_url)
    for name, make, why in WRONG:
        clock.advance(seconds=11)  # a person's flood guard allows 30 updates in 10 s
        answer = await _import(sam, make(good))
        assert answer.startswith(REFUSED), name
        assert why in answer, name
        assert "moon_dance" not in answer and "xxxx" not in answer  # content is never echoed
        assert await snapshot(database_url) == before, name

    # Too big to fetch: refused from what Telegram says of its size, never downloaded.
    fetched = len(emulator.calls_to("getFile"))
    answer = await _import(sam, b" " * (MAX_BYTES + 1))
    assert answer == render("import_refused", "en", why=render(
        "import_why_too_big", "en", megabytes=20))  # fmt: skip
    assert len(emulator.calls_to("getFile")) == fetched
    assert await snapshot(database_url) == before

    # The refused file can be sent again once it is right: /import was not used up.
    await sam.send("/import")
    await sam.wait_for_message(lambda m: m.text == render("import_ask", "en", megabytes=20))
    assert (await _import(sam, good, caption=None)).startswith("Your history is back.")


@pytest.mark.parametrize("how", ["command", "caption"])
async def test_before_consent_nothing_is_fetched_or_kept(
    bot: AttuneApp, emulator: BotApiEmulator, database_url: str, how: str
) -> None:
    stranger = emulator.user(user_id=17003, first_name="Kim")
    if how == "command":
        await stranger.send("/import")
        answer = str((await stranger.wait_for_message()).text)
    else:
        answer = await _import(stranger, b'{"format": 1}')
    assert answer == render("need_start", "en")
    assert emulator.calls_to("getFile") == []
    assert all(rows == [] for rows in (await snapshot(database_url)).values())


async def test_import_asks_for_the_file_and_a_file_unasked_for_is_left_alone(
    bot: AttuneApp, emulator: BotApiEmulator, clock: FakeClock
) -> None:
    sam = await _with_history(bot, emulator, clock)
    good = await export_file(emulator, sam)
    assert await _import(sam, good, caption=None) == render("import_unasked", "en")
    assert await _import(sam, good, caption="my notes") == render("import_unasked", "en")
    assert emulator.calls_to("getFile") == []

    await sam.send("/import")
    asked = await sam.wait_for_message()
    assert asked.text == render("import_ask", "en", megabytes=20)
    # Typed words close the question: they are read like any others.
    await sam.send("never mind")
    assert (await sam.wait_for_message()).text == render("free_text", "en")
    assert await _import(sam, good, caption=None) == render("import_unasked", "en")

    await sam.send("/import")
    await sam.wait_for_message(lambda m: m.text == render("import_ask", "en", megabytes=20))
    answer = await _import(sam, good, caption=None)
    assert answer.startswith(render("import_nothing_new", "en"))
    assert await _import(sam, good, caption=None) == render("import_unasked", "en")


# Values a changed file may hold where it held another: of every JSON type, in range and
# out, practices known and not, moments with and without an offset, text no database keeps.
ODD_VALUES: list[Any] = [
    None, True, 0, -1, 3, 6, 1.5, "", "x" * 1001, "small_wins", "moon_dance", "no",
    "2026-11-27T17:00:00+00:00", "2026-11-27T17:00:00", "9999-01-01T00:00:00+00:00",
    "1999-12-31T23:00:00+00:00", [], {}, [[[[[[1]]]]]], "\x00", "\ud800", 10**40,
]  # fmt: skip
MUTANTS = 40


def _paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in a parsed file, the file itself first."""
    found = [path]
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _paths(item, (*path, index))
    return found


def _at(data: Any, path: tuple[Any, ...]) -> Any:
    for step in path:
        data = data[step]
    return data


def _mutant(good: bytes, rng: random.Random) -> bytes:
    """The file changed in one small way, chosen by `rng`."""
    kind = rng.choice(["swap", "swap", "swap", "drop", "add", "double", "cut", "flip"])
    if kind == "cut":
        return good[: rng.randrange(1, len(good))]  # Telegram sends no empty file
    if kind == "flip":
        spot = rng.randrange(len(good))
        return good[:spot] + bytes([good[spot] ^ (1 << rng.randrange(8))]) + good[spot + 1 :]
    data = json.loads(good)
    places = [p for p in _paths(data) if p]
    if kind == "swap":
        path = rng.choice(places)
        _at(data, path[:-1])[path[-1]] = copy.deepcopy(rng.choice(ODD_VALUES))
    elif kind == "drop":
        path = rng.choice([p for p in places if isinstance(_at(data, p[:-1]), dict)])
        del _at(data, path[:-1])[path[-1]]
    elif kind == "add":
        path = rng.choice([p for p in [(), *places] if isinstance(_at(data, p), dict)])
        _at(data, path)["added_later"] = rng.choice(ODD_VALUES)
    else:  # one entry of a section, twice
        path = rng.choice([p for p in places if len(p) == 2 and isinstance(p[1], int)])
        _at(data, path[:-1]).append(copy.deepcopy(_at(data, path)))
    return json.dumps(data).encode()


async def _holds(database_url: str, telegram_id: int, file: bytes) -> bool:
    """The person's rows hold every check-in, note and milestone of the file."""
    data = json.loads(file)
    [user] = await all_rows(database_url, User, telegram_id=telegram_id)
    check_ins = {
        (c.ritual_key, c.practiced_at)
        for c in await opened_check_ins(database_url)
        if c.user_id == user.id
    }
    notes = {
        (n.written_at, n.text) for n in await opened_notes(database_url) if n.user_id == user.id
    }
    milestones = {m.key for m in await opened_milestones(database_url) if m.user_id == user.id}
    return (
        all((c["ritual"], _utc(c["practiced_at"])) in check_ins for c in data["check_ins"])
        and all(
            (_utc(n["written_at"]), n["text"]) in notes
            for n in data["notes"]
            if not n["unreadable"]
        )
        and all(m["key"] in milestones for m in data["milestones"])
    )


def _utc(moment: str) -> datetime:
    return datetime.fromisoformat(moment).astimezone(UTC)


async def test_a_changed_file_is_imported_whole_or_changes_nothing(
    bot: AttuneApp, emulator: BotApiEmulator, clock: FakeClock, database_url: str
) -> None:
    sam = await _with_history(bot, emulator, clock)
    good = await export_file(emulator, sam)
    ana = emulator.user(user_id=17004, first_name="Ana")
    await onboard(ana)
    rng = random.Random(13)
    outcomes = []
    for number in range(MUTANTS):
        file = _mutant(good, rng)
        before = await snapshot(database_url)
        clock.advance(seconds=11)  # a person's flood guard allows 30 updates in 10 s
        answer = await _import(ana, file)
        if answer.startswith(REFUSED):
            assert await snapshot(database_url) == before, f"mutant {number} changed something"
            outcomes.append("refused")
        else:
            assert answer.startswith(("Your history is back.", "Everything in this file")), answer
            assert await _holds(database_url, 17004, file), f"mutant {number} came in part"
            outcomes.append("imported")
    # Both outcomes were tried, or the test proves less than it says.
    assert outcomes.count("refused") >= 10 and outcomes.count("imported") >= 5, outcomes
