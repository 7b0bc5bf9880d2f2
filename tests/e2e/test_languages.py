"""Attune in German and Spanish: the language comes from Telegram at /start, /language
changes it, and everything after (prompts, summaries, dates, the command menu) follows.
Help lines follow the person's country, whatever their language.

The clock stands at Friday 27 November 2026, 13:00 in Berlin (12:00 UTC); the breath
practice comes at 08:00, the bedtime body scan at 22:00 (21:00 UTC).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from bot.app import AttuneApp
from emulator import BotApiEmulator
from messages import prompt_message, render, ritual_text
from messages.consent import consent_values
from messages.resources import line_wordings
from store.models import User
from tests.e2e.db import all_rows
from tests.e2e.flows import (
    button_data,
    onboard,
    opt_in_default,
    press_for_edit,
    press_for_toast,
    settled,
    tick_at,
)
from tests.e2e.harness import FakeClock
from tests.e2e.practice import prompt_at, rate

US_LIFELINE = (
    "988 Suicide & Crisis Lifeline: call or text 988, or chat at 988lifeline.org; free, 24/7"
)
BERLIN_LINE = "TelefonSeelsorge: call 0800 111 0 111 or 0800 111 0 222, free, day or night"
TEN_PM_BERLIN = datetime(2026, 11, 27, 21, 0, tzinfo=UTC)
SUNDAY_SIX_PM_BERLIN = datetime(2026, 11, 29, 17, 0, tzinfo=UTC)


def _one_of_the_prompts(message: Any, key: str, locale: str, period: str) -> bool:
    count = len(ritual_text(key, locale).prompts)
    return message.text in {prompt_message(key, locale, n, period) for n in range(count)}


def _labels(message: Any) -> list[str]:
    return [label for label, data in message.buttons if data.startswith("r:")]


async def _locale(database_url: str, user_id: int) -> str:
    [user] = await all_rows(database_url, User, telegram_id=user_id)
    return user.locale


async def test_telegram_in_german_brings_german_onboarding_and_a_german_prompt(
    bot: AttuneApp, emulator: BotApiEmulator, clock: FakeClock, database_url: str
) -> None:
    lena = emulator.user(user_id=15001, first_name="Lena", language_code="de")
    await lena.send("/start")
    welcome = await lena.wait_for_message()
    assert welcome.text == render("welcome", "de")
    assert [label for label, _ in welcome.buttons] == [
        render("btn_adult_yes", "de"),
        render("btn_adult_no", "de"),
    ]
    consent = await press_for_edit(lena, welcome, "adult:yes")
    assert consent.text == render("consent_ask", "de", **consent_values("de"))
    await lena.press(consent, callback_data="consent:yes")
    await lena.wait_for_message(lambda m: m.text == render("timezone_ask", "de"))
    assert await _locale(database_url, 15001) == "de"

    await onboard_rest(lena)
    page = await opt_in_default(lena, "body_scan")
    assert "Jeden Tag um 22:00 Uhr" in page.text
    prompt = await prompt_at(bot, clock, lena, TEN_PM_BERLIN)
    assert _one_of_the_prompts(prompt, "body_scan", "de", "evening"), prompt.text
    assert _labels(prompt) == [
        render("btn_rating", "de", rating=r, label=ritual_text("body_scan", "de").labels[r])
        for r in range(1, 6)
    ]


async def onboard_rest(person: Any) -> None:
    """After the timezone question: a typed zone, then words shown directly (not discreet)."""
    await person.send("Europe/Berlin")
    await person.wait_for_message(lambda m: "wsum:yes" in button_data(m))
    await person.send("/settings")
    page = await person.wait_for_message(lambda m: "privset" in button_data(m))
    choices = await press_for_edit(person, page, "privset")
    await press_for_edit(person, choices, "disc:off")


async def test_language_switches_to_spanish_and_the_next_prompt_is_spanish(
    bot: AttuneApp, emulator: BotApiEmulator, clock: FakeClock, database_url: str
) -> None:
    sam = emulator.user(user_id=15002, first_name="Sam")
    await onboard(sam)
    await opt_in_default(sam, "body_scan")
    await sam.send("/language")
    page = await sam.wait_for_message(lambda m: "lang:es" in button_data(m))
    assert page.text == render("language_ask", "en")
    assert page.buttons == [
        ("Deutsch", "lang:de"),
        ("✓ English", "lang:en"),
        ("Español", "lang:es"),
        (render("btn_back_to_settings", "en"), "settings"),
    ]
    # A language Attune doesn't have (a forged button) changes nothing.
    toast = await press_for_toast(sam, page, "lang:fr")
    assert toast == render("toast_button_unknown", "en")
    assert await _locale(database_url, 15002) == "en"

    chosen = await press_for_edit(sam, page, "lang:es")
    assert chosen.text == render("language_set", "es")
    assert ("✓ Español", "lang:es") in chosen.buttons
    assert await _locale(database_url, 15002) == "es"

    prompt = await prompt_at(bot, clock, sam, TEN_PM_BERLIN)
    assert _one_of_the_prompts(prompt, "body_scan", "es", "evening"), prompt.text
    await sam.send("/settings")
    settings = await sam.wait_for_message(lambda m: "privset" in button_data(m))
    assert settings.text.startswith("Tus ajustes")
    assert "Todos los días, 22:00" in settings.text
    page = await press_for_edit(sam, settings, "lang")  # the same choice, from /settings
    assert page.text == render("language_ask", "es")
    assert ("✓ Español", "lang:es") in page.buttons
    await settled(sam, "es")


async def test_the_weekly_summary_dates_read_the_persons_way(
    bot: AttuneApp, emulator: BotApiEmulator, clock: FakeClock, database_url: str
) -> None:
    lena = emulator.user(user_id=15003, first_name="Lena", language_code="de-AT")
    offer = await onboard(lena, locale="de")
    assert offer.text == render("summary_offer", "de", day="Sonntag", time="18:00")
    await press_for_edit(lena, offer, "wsum:yes")
    await opt_in_default(lena, "body_scan")
    await rate(lena, await prompt_at(bot, clock, lena, TEN_PM_BERLIN), 4)

    summary = await prompt_at_summary(bot, clock, lena)
    # CLDR's German dates (Babel): day, a full stop, the short month with its own.
    assert summary.text.startswith("Deine Woche, 23. Nov. bis 29. Nov.")
    label = ritual_text("body_scan", "de").labels[4]
    assert render("summary_felt_one", "de", name="Körper-Scan vor dem Schlafen", label=label) in (
        summary.text
    )

    # The same week in Spanish, once the person chooses it.
    await lena.send("/language")
    page = await lena.wait_for_message(lambda m: "lang:es" in button_data(m))
    await press_for_edit(lena, page, "lang:es")
    await lena.send("/progress")
    progress = await lena.wait_for_message(lambda m: (m.text or "").startswith("Tu práctica"))
    assert "1 registro" in progress.text


async def prompt_at_summary(bot: AttuneApp, clock: FakeClock, person: Any) -> Any:
    """The weekly summary, sent at Sunday 18:00 in Berlin (in German: "Deine Woche, ...")."""
    mark = person.mark()
    await tick_at(bot, clock, SUNDAY_SIX_PM_BERLIN + timedelta(seconds=5))
    return await person.wait_for_message(
        lambda m: (m.text or "").startswith("Deine Woche"), after=mark
    )


async def test_the_command_menu_is_set_in_each_language(
    bot: AttuneApp, emulator: BotApiEmulator
) -> None:
    await emulator.wait_for_call("setMyCommands", after=0)
    for locale, code in (("en", ""), ("de", "de"), ("es", "es")):
        commands = {c["command"]: c["description"] for c in emulator.commands(language_code=code)}
        assert commands["language"] == render("command_language", locale), locale
        assert commands["rituals"] == render("command_rituals", locale), locale
    assert emulator.commands(language_code="fr") == []  # French speakers get the default


async def test_help_lines_follow_the_country_not_the_language(
    bot: AttuneApp, emulator: BotApiEmulator
) -> None:
    lena = emulator.user(user_id=15004, first_name="Lena", language_code="de")
    await onboard(lena, zone="America/New_York", locale="de")
    await lena.send("i want to die")
    reply = await lena.wait_for_message(lambda m: "988" in (m.text or ""))
    assert reply.text.startswith(render("crisis_first_self", "de"))
    # The United States' lines, in German words.
    assert line_wordings("de")[US_LIFELINE] in reply.text
    assert US_LIFELINE not in reply.text


async def test_help_lines_in_spanish_words_for_a_spanish_speaker_in_berlin(
    bot: AttuneApp, emulator: BotApiEmulator
) -> None:
    ana = emulator.user(user_id=15006, first_name="Ana", language_code="es")
    await onboard(ana, zone="Europe/Berlin", locale="es")
    await ana.send("I want to die")
    reply = await ana.wait_for_message(lambda m: "0800 111 0 111" in (m.text or ""))
    assert line_wordings("es")[BERLIN_LINE] in reply.text
    assert render("crisis_first_self", "es") in reply.text


async def test_language_before_start_points_to_start_in_the_persons_language(
    bot: AttuneApp, emulator: BotApiEmulator
) -> None:
    ana = emulator.user(user_id=15005, first_name="Ana", language_code="es-MX")
    await ana.send("/language")
    assert (await ana.wait_for_message()).text == render("need_start", "es")
