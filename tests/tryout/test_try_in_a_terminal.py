"""`attune try` driven as a person drives it: a pseudo-terminal, typed lines, the screen
read back. The real bot, its database and dispatcher run against the emulator; no token,
no network, and nothing left behind."""

from __future__ import annotations

import re
import signal
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from messages import render, ritual_text
from tests.tryout.screen import HEADER, Screen

BODY_SCAN = ritual_text("body_scan", "en")
OPEN = render("btn_open", "en")
EVENING = render("discreet_prompt_evening", "en")
STARTED = "Moving the clock:"


def _moments(shown: str) -> list[datetime]:
    """The times of the bot's messages in `shown`, in the order they appeared (the stamps
    name no year: one that goes back by months is taken to be in the next)."""
    moments: list[datetime] = []
    for stamp in _headers(shown):
        moment = datetime.strptime(f"2000 {stamp}", "%Y %a %d %b %H:%M")
        while moments and moment < moments[-1] - timedelta(days=300):
            moment = moment.replace(year=moment.year + 1)
        moments.append(moment)
    return moments


def _headers(shown: str) -> list[str]:
    return HEADER.findall(shown)


def _onboard(screen: Screen) -> None:
    """/start, 18+, consent and a typed zone; the body scan at its time and the weekly
    summary, both by their numbers."""
    screen.type("/start")
    screen.expect(render("btn_adult_yes", "en"))
    screen.type(screen.number_of(render("btn_adult_yes", "en")))
    screen.expect(render("btn_consent_yes", "en"))
    screen.type(screen.number_of(render("btn_consent_yes", "en")))
    screen.expect("keyboard: [a] ")  # the location button, offered as a choice too
    screen.type("Europe/Berlin")
    mark = screen.mark
    screen.expect(render("btn_summary_no", "en"))
    screen.type(screen.number_of(BODY_SCAN.name, since=mark))
    screen.expect(render("btn_choose_days", "en"))  # the ritual's page: it is on
    # The summary offer came before the ritual was chosen: its buttons still work.
    screen.type(screen.number_of(render("btn_summary_yes", "en"), since=mark))
    screen.expect(render("summary_offer_yes", "en", day="Sunday", time="18:00"))


@pytest.mark.timeout(120)
def test_a_week_in_the_terminal(tmp_path: Path) -> None:
    screen = Screen(tmp_path)
    screen.expect(STARTED, timeout=40)
    _onboard(screen)

    screen.type("/wait until 22:00")
    waited = screen.expect("(it is ")
    assert EVENING in waited
    assert _headers(waited)[-1].endswith("22:00")
    screen.type(screen.number_of(OPEN, since=screen.mark - len(waited)))
    four = render("btn_rating", "en", rating=4, label=BODY_SCAN.labels[4])
    screen.expect(four)
    screen.type(screen.number_of(four))
    thanked = screen.expect(render("btn_no_thanks", "en"))
    assert any(line.split("\n")[0] in thanked for line in BODY_SCAN.acknowledgements["high"])

    # A week: seven evening prompts and, on Sunday at 18:00, the summary, in order.
    screen.type("/wait 7d")
    screen.expect("(waiting until")
    week = screen.expect("(it is ", timeout=60)
    moments = _moments(week)
    assert moments == sorted(moments)
    assert week.count(EVENING) == 8  # discreet: the summary, too, waits behind Open
    times = [stamp[-5:] for stamp in _headers(week)]
    assert times.count("22:00") == 7 and times.count("18:00") == 1
    summary_at = week.index(next(h for h in _headers(week) if h.endswith("18:00")))
    opens = re.findall(rf"\[(\d+)\] {OPEN}\n", week[summary_at:])
    screen.type(opens[0])  # the summary's Open, among the week's
    screen.expect("Your week,")

    screen.type("/progress")
    saved = screen.expect(".png")
    path = Path(saved.rsplit("saved to ", 1)[1])
    assert path.read_bytes().startswith(b"\x89PNG")

    screen.press("d")
    screen.expect("Bye.")
    assert screen.finish() == 0
    assert not path.exists()
    assert not list(tmp_path.glob("attune-try-*"))  # the throwaway folder is gone


@pytest.mark.timeout(60)
def test_ctrl_c_leaves_cleanly_at_the_prompt_and_while_waiting(tmp_path: Path) -> None:
    screen = Screen(tmp_path)
    screen.expect(STARTED, timeout=40)
    screen.type("/wait 300d")
    screen.expect("(waiting until")
    screen.child.kill(signal.SIGINT)  # Ctrl-C while the clock moves
    screen.expect("Bye.")
    assert screen.finish() == 0

    screen = Screen(tmp_path)
    screen.expect(STARTED, timeout=40)
    screen.press("c")
    screen.expect("Bye.")
    assert screen.finish() == 0
    assert not list(tmp_path.glob("attune-try-*"))


@pytest.mark.timeout(120)
def test_a_kept_database_goes_on_from_where_it_was(tmp_path: Path) -> None:
    kept = tmp_path / "mine.db"
    screen = Screen(tmp_path, "--db", str(kept), "--lang", "fr")
    screen.expect(STARTED, timeout=40)
    screen.expect("There are no texts in 'fr' yet: Attune answers in 'en'.")
    screen.type("/start")
    screen.expect(render("btn_adult_yes", "en"))
    screen.type(screen.number_of(render("btn_adult_yes", "en")))
    screen.expect(render("btn_consent_yes", "en"))
    screen.type(screen.number_of(render("btn_consent_yes", "en")))
    screen.expect("keyboard: [a] ")
    screen.type("a")  # the location button: it asks where
    screen.expect("latitude, longitude")
    screen.child.sendline("52.52, 13.40")
    zone_set = render("timezone_set", "en", zone="Europe/Berlin", time="{time}")
    screen.expect(zone_set.split("{time}")[0])  # Berlin's coordinates, Berlin's zone
    screen.expect(render("btn_summary_no", "en"))
    screen.type("/wait 2d")
    screen.expect("(it is ")
    screen.type("/journal")
    screen.expect(render("journal_ask", "en").splitlines()[0])
    screen.type("A thought to keep.")
    saved = screen.expect(render("note_saved", "en"))
    screen.press("d")
    assert screen.finish() == 0
    assert kept.exists() and (tmp_path / "attune-data.key").exists()

    screen = Screen(tmp_path, "--db", str(kept))
    screen.expect(STARTED, timeout=40)
    screen.type("/start")
    again = screen.expect(render("start_again", "en"))
    [before] = _moments(saved)[-1:]
    [after] = _moments(again)[-1:]
    assert timedelta(0) <= after - before < timedelta(minutes=5)  # not two days back
    screen.press("d")
    assert screen.finish() == 0
