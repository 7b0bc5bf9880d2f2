"""Words of danger, end to end: the right care and the right country's lines, in the same turn."""

from __future__ import annotations

from typing import Any

from bot.app import AttuneApp
from emulator import BotApiEmulator
from messages import render
from store.models import Note, User
from tests.e2e.db import all_rows, count
from tests.e2e.flows import agree, button_data, onboard, opt_in_default


async def _answered(person: Any, words: str) -> Any:
    """Send words of danger; return the crisis reply that answers them."""
    await person.send(words)
    return await person.wait_for_message(lambda m: "automated companion" in m.text)


def _first_line(message: Any) -> str:
    return str(message.text).splitlines()[0]


async def test_a_disclosure_of_sexual_violence_in_new_york_is_believed_with_the_right_lines(
    bot: AttuneApp, emulator: BotApiEmulator
) -> None:
    sam = emulator.user(user_id=9201, first_name="Sam")
    await onboard(sam, "America/New_York")
    answer = await _answered(sam, "he made me when I said no")
    assert "automated companion" in _first_line(answer)
    assert "not your fault" in answer.text
    assert "RAINN" in answer.text and "800-656-4673" in answer.text
    assert "988" not in answer.text  # the lines for this harm, not a suicide line
    assert answer.text.rstrip().endswith(render("crisis_offer_private", "en"))
    assert "?" not in answer.text.split("\n\n")[1]  # nothing is asked about what happened
    assert button_data(answer) == ["crisis:private"]
    await sam.press(answer, callback_data="crisis:private")
    tips = await sam.wait_for_message(lambda m: m.text == render("crisis_private", "en"))
    assert button_data(tips) == ["privset"]


async def test_partner_violence_in_london_gets_the_domestic_abuse_line(
    bot: AttuneApp, emulator: BotApiEmulator
) -> None:
    kim = emulator.user(user_id=9202, first_name="Kim")
    await onboard(kim, "Europe/London")
    answer = await _answered(kim, "my boyfriend hits me when he's drunk")
    assert "0808 2000 247" in answer.text and "999" in answer.text
    assert "not your fault" in answer.text


async def test_danger_now_in_berlin_puts_the_emergency_number_first_in_words(
    bot: AttuneApp, emulator: BotApiEmulator
) -> None:
    ana = emulator.user(user_id=9203, first_name="Ana")
    await onboard(ana)
    await opt_in_default(ana, "body_scan")
    answer = await _answered(ana, "someone is trying to break in right now")
    assert answer.text.startswith(render("crisis_first_danger", "en"))
    assert answer.text.count("112") == 1
    assert button_data(answer) == ["crisis:pause", "crisis:keep"]


async def test_a_bare_offset_asks_the_country_once_and_remembers_it(
    bot: AttuneApp, emulator: BotApiEmulator, database_url: str
) -> None:
    lee = emulator.user(user_id=9204, first_name="Lee")
    await onboard(lee, "UTC+02:00")
    answer = await _answered(lee, "i want to kill myself")
    assert "TelefonSeelsorge" not in answer.text
    assert render("crisis_country_unknown", "en") in answer.text
    assert "ccask:s" in button_data(answer)
    await lee.press(answer, callback_data="ccask:s")
    picker = await lee.wait_for_message(lambda m: "cc:DE:s" in button_data(m))
    assert "cc:none:s" in button_data(picker)
    await lee.press(picker, callback_data="cc:DE:s")
    lines = await lee.wait_for_edit(picker)
    assert lines.text.startswith("Help lines for Germany")
    assert "TelefonSeelsorge" in lines.text
    [user] = await all_rows(database_url, User)
    assert user.country == "DE"
    again = await _answered(lee, "i want to kill myself")
    assert "TelefonSeelsorge" in again.text
    assert not any(data.startswith("ccask") for data in button_data(again))


async def test_the_country_can_be_changed_in_settings(
    bot: AttuneApp, emulator: BotApiEmulator, database_url: str
) -> None:
    lee = emulator.user(user_id=9205, first_name="Lee")
    await onboard(lee)
    await lee.send("/settings")
    page = await lee.wait_for_message(lambda m: "ccask:" in button_data(m))
    await lee.press(page, callback_data="ccask:")
    picker = await lee.wait_for_edit(page)
    await lee.press(picker, callback_data="cc:IE:")
    saved = await lee.wait_for_edit(picker)
    assert saved.text == render("country_saved", "en", country="Ireland")
    [user] = await all_rows(database_url, User)
    assert user.country == "IE"
    answer = await _answered(lee, "I want to die")
    assert "1800 247 247" in answer.text  # Pieta, Ireland, though the zone is Berlin


async def test_someone_who_has_not_consented_is_answered_and_nothing_is_stored(
    bot: AttuneApp, emulator: BotApiEmulator, database_url: str
) -> None:
    jo = emulator.user(user_id=9206, first_name="Jo")
    await jo.send("/start")
    await jo.wait_for_message()
    before = [
        (u.id, u.consented_at, u.awaiting, u.country) for u in await all_rows(database_url, User)
    ]
    answer = await _answered(jo, "i was raped last year and i cant stop thinking about it")
    assert "not your fault" in answer.text
    assert "crisis:pause" not in button_data(answer)
    code = next(d for d in button_data(answer) if d.startswith("ccask:"))
    await jo.press(answer, callback_data=code)
    picker = await jo.wait_for_message(lambda m: any(d.startswith("cc:") for d in button_data(m)))
    await jo.press(picker, callback_data=f"cc:US:{code.split(':')[1]}")
    lines = await jo.wait_for_edit(picker)
    assert "RAINN" in lines.text
    assert render("crisis_country_remembered", "en") not in lines.text
    after = [
        (u.id, u.consented_at, u.awaiting, u.country) for u in await all_rows(database_url, User)
    ]
    assert after == before
    assert await count(database_url, Note) == 0


async def test_danger_in_a_caption_an_edit_or_an_answer_to_a_question_is_answered(
    bot: AttuneApp, emulator: BotApiEmulator, database_url: str
) -> None:
    max_ = emulator.user(user_id=9207, first_name="Max")
    await agree(max_)
    await max_.wait_for_message(lambda m: m.text == render("timezone_location_tip", "en"))
    # While the bot waits for a timezone: the words are answered, not read as a zone.
    first = await _answered(max_, "i keep cutting myself")
    assert "ccask:h" in button_data(first)
    [user] = await all_rows(database_url, User)
    assert user.timezone is None and user.awaiting is not None
    photo = [{"file_id": "p1", "file_unique_id": "u1", "width": 1, "height": 1}]
    await max_.send_raw_message(photo=photo, caption="i dont want to be alive anymore")
    await max_.wait_for_message(lambda m: m.text.startswith(render("crisis_first_self", "en")))
    sent = await max_.send("a normal message")
    await max_.wait_for_message()
    emulator.push_update({"edited_message": {**sent, "text": "he hits me", "edit_date": 1}})
    edited = await max_.wait_for_message(lambda m: "automated companion" in m.text)
    assert "not your fault" in edited.text
    assert await count(database_url, Note) == 0


async def test_help_now_gives_the_crisis_lines_of_the_persons_country(
    bot: AttuneApp, emulator: BotApiEmulator
) -> None:
    ada = emulator.user(user_id=9208, first_name="Ada")
    await onboard(ada, "America/New_York")
    await ada.send("/help")
    page = await ada.wait_for_message(lambda m: "helpnow" in button_data(m))
    await ada.press(page, callback_data="helpnow")
    answer = await ada.wait_for_message(lambda m: "automated companion" in m.text)
    assert answer.text.startswith(render("crisis_first_help", "en"))
    assert "988" in answer.text and "911" in answer.text
    # Their country is known from the zone, so it is not asked; pausing tonight is offered.
    assert button_data(answer) == ["crisis:pause", "crisis:keep"]
