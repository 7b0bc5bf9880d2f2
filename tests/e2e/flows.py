"""Reusable walks through the bot, as a person would take them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.app import AttuneApp
from messages import render
from tests.e2e.harness import FakeClock


async def onboard(
    person: Any, zone: str = "Europe/Berlin", *, discreet: bool = False, locale: str = "en"
) -> Any:
    """/start, 18+, consent, and a typed timezone; returns the weekly summary offer.

    Onboarding ends with two messages with buttons: the first-ritual offer, then the
    weekly summary offer (left unanswered: the summary stays off). Prompts are discreet
    by default; most tests want to see their words, so `discreet=False` turns that off in
    /settings afterwards. `locale` is the language the person is spoken to in.
    """
    await agree(person)
    await person.wait_for_message(lambda m: m.text == render("timezone_location_tip", locale))
    await person.send(zone)
    await person.wait_for_message(lambda m: "on:body_scan" in button_data(m))
    offer = await person.wait_for_message(lambda m: "wsum:yes" in button_data(m))
    if not discreet:
        await person.send("/settings")
        page = await person.wait_for_message(lambda m: "privset" in button_data(m))
        await person.press(page, callback_data="privset")
        choices = await person.wait_for_edit(page)
        await person.press(choices, callback_data="disc:off")
        await person.wait_for_edit(choices)
    return offer


async def agree(person: Any) -> None:
    """/start, then 18+ and consent: onboarding up to the timezone question."""
    await person.send("/start")
    welcome = await person.wait_for_message()
    await person.press(welcome, callback_data="adult:yes")
    consent = await person.wait_for_edit(welcome)
    await person.press(consent, callback_data="consent:yes")


async def opt_in_default(person: Any, key: str) -> Any:
    """Turn a ritual on at its default time from /rituals; returns the ritual's page."""
    await person.send("/rituals")
    listing = await person.wait_for_message(lambda m: bool(m.buttons))
    await person.press(listing, callback_data=f"rit:{key}")
    page = await person.wait_for_edit(listing)
    await person.press(page, callback_data=f"on:{key}")
    return await person.wait_for_edit(page)


async def export_file(emulator: Any, person: Any) -> bytes:
    """/export, and the JSON file it sent (the CSV that follows has arrived too)."""
    await person.send("/export")
    call = await emulator.wait_for_call(
        "sendDocument",
        lambda c: c.ok and c.result["document"]["file_name"] == "attune-export.json",
    )
    content: bytes | None = emulator.file_content(call.result["document"]["file_id"])
    assert content is not None
    await settled(person)
    return content


async def erase_everything(person: Any) -> str:
    """/delete, and yes; the bot's last word on it (done, or done within minutes)."""
    await person.send("/delete")
    confirm = await person.wait_for_message(lambda m: bool(m.buttons))
    await person.press(confirm, callback_data="erase:yes")
    done = {render("delete_done", "en"), render("delete_done_soon", "en")}
    return str((await person.wait_for_message(lambda m: m.text in done, timeout=10)).text)


async def tick_at(bot: AttuneApp, clock: FakeClock, now: datetime) -> None:
    """Set the clock and run a dispatch tick at that time; every prompt it claimed has been
    sent (and recorded) when this returns."""
    clock.now = now
    dispatch = bot.bot_data.services.dispatch
    assert dispatch is not None
    await dispatch.run()
    assert dispatch.last_run == now, "the tick failed"


async def settled(person: Any, locale: str = "en") -> None:
    """Wait until the bot has handled everything the person sent so far.

    A person's updates are handled in order, so once /help (a sentinel) is answered, any
    reply to what came before it has arrived too: absence is proven without sleeping.
    """
    mark = person.mark()
    await person.send("/help")
    await person.wait_for_message(lambda m: m.text == render("help", locale), after=mark)


def is_prompt(message: Any) -> bool:
    """True for a ritual prompt: it carries rating buttons."""
    return any(data.startswith("r:") for _, data in message.buttons)


def button_data(message: Any) -> list[str]:
    """The callback data of every inline button on a message, in order."""
    return [data for _, data in message.buttons]


async def press_for_edit(person: Any, message: Any, data: str) -> Any:
    """Press a button and return the message as the bot edited it in place."""
    await person.press(message, callback_data=data)
    return await person.wait_for_edit(message)


async def press_for_toast(person: Any, message: Any, data: str, as_user: Any = None) -> str:
    """Press a button (as someone else, if given) and return the toast the bot answered."""
    presser = as_user or person
    answer = await person.press(message, callback_data=data, as_user=as_user)
    return str((await presser.wait_for_callback_answer(answer)).get("text", ""))
