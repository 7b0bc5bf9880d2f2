"""Callback data: how buttons name what they do, and the patterns that route them.

Callback data never carries trust. It names a step or a server-side row; the handler
checks that the row belongs to the person who pressed. Row ids are at most nine digits,
so a forged id can't overflow the database's integer columns; anything longer matches no
pattern and gets the stale-button answer.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from messages.resources import Category

ADULT = re.compile(r"^adult:(yes|no)$")
CONSENT = re.compile(r"^consent:(yes|no)$")
ZONE = re.compile(r"^tz:([A-Za-z0-9_+\-/]{1,60})$")
RITUAL_VIEW = re.compile(r"^rit:([a-z_]{1,32})$")
RITUAL_ON = re.compile(r"^on:([a-z_]{1,32})$")
RITUAL_ASK_TIME = re.compile(r"^ask:([a-z_]{1,32})$")
RITUAL_OFF = re.compile(r"^off:([a-z_]{1,32})$")
RITUAL_LIST = re.compile(r"^list$")
# Days and pauses name a ritual and a choice only; a day index is checked in the handler,
# so "day:x:9" gets a kind answer rather than falling through to "unknown button".
RITUAL_DAYS = re.compile(r"^days:([a-z_]{1,32})$")
RITUAL_DAY = re.compile(r"^day:([a-z_]{1,32}):(\d{1,2})$")
RITUAL_PRESET = re.compile(r"^preset:([a-z_]{1,32}):([a-z]{1,12})$")
RITUAL_PAUSE_ASK = re.compile(r"^rpause:([a-z_]{1,32})$")
RITUAL_PAUSE = re.compile(r"^rpause:([a-z_]{1,32}):([a-z0-9]{1,8})$")
RITUAL_RESUME = re.compile(r"^rresume:([a-z_]{1,32})$")
PAUSE_ASK = re.compile(r"^pause$")
PAUSE = re.compile(r"^pause:([a-z0-9]{1,8})$")
RESUME = re.compile(r"^resume$")
ZONE_ASK = re.compile(r"^tzask$")
RATE = re.compile(r"^r:(\d{1,9}):(\d)$")
LATER = re.compile(r"^later:(\d{1,9})$")
SNOOZE = re.compile(r"^snz:(\d{1,9}):(20m|1h|eve)$")
UNSNOOZE = re.compile(r"^back:(\d{1,9})$")
SKIP = re.compile(r"^skip:(\d{1,9})$")
DISCRETION = re.compile(r"^privset$")
DISCREET = re.compile(r"^disc:(on|off)$")
QUIET = re.compile(r"^quiet:(on|off)$")
KEEP = re.compile(r"^keep:(0|30|90)$")
OPEN = re.compile(r"^open:(\d{1,9})$")
CARE = re.compile(r"^ground:(yes|no)$")
CRISIS = re.compile(r"^crisis:(pause|keep)$")
CRISIS_PRIVATE = re.compile(r"^crisis:private$")
# Help lines for a chosen country. The letters name the kinds of danger the lines are for
# (see DANGER_LETTERS); none at all is the choice made from /settings.
COUNTRY_ASK = re.compile(r"^ccask:([shvpd]{0,5})$")
COUNTRY = re.compile(r"^cc:([A-Z]{2}|none):([shvpd]{0,5})$")
HELP_NOW = re.compile(r"^helpnow$")
DELETE = re.compile(r"^erase:(yes|no)$")
NO_NOTE = re.compile(r"^nonote:(\d{1,9})$")
# The kind of step named with a check-in; the kind is checked in the handler, so a word it
# doesn't know gets a kind answer rather than falling through to "unknown button".
WIN = re.compile(r"^win:(\d{1,9}):([a-z]{1,12})$")
JOURNAL = re.compile(r"^journal$")
JOURNAL_RITUAL = re.compile(r"^jr:([a-z_]{1,32})$")
# The weekly summary: the onboarding offer, its page in /settings, its day and time.
SUMMARY_OFFER = re.compile(r"^wsum:(yes|no)$")
SUMMARY_PAGE = re.compile(r"^wsum$")
SUMMARY_SET = re.compile(r"^wsum:(on|off)$")
SUMMARY_DAYS = re.compile(r"^wsdays$")
SUMMARY_DAY = re.compile(r"^wsday:(\d{1,2})$")
SUMMARY_TIME = re.compile(r"^wstime$")
SETTINGS = re.compile(r"^settings$")
# The question about a ritual's pace: "keep it as it is". Its other buttons are the
# ritual's own (days, time, pause).
PACING_KEEP = re.compile(r"^pacekeep:([a-z_]{1,32})$")
# A /history page: the check-ins older (o) or newer (n) than one of the presser's own (by
# id, checked in the handler), and the number the page shows. Never anyone else's rows.
HISTORY = re.compile(r"^hist:([on]):(\d{1,9}):(\d{1,6})$")
# The language page (from /settings), and a language chosen on it; the handler checks the
# tag against the locales there are, so an unknown one gets a kind answer.
LANGUAGE_PAGE = re.compile(r"^lang$")
LANGUAGE = re.compile(r"^lang:([a-z]{2,3}(?:-[a-z0-9]{2,8}){0,2})$")
# Sharing the weekly check-in with a partner: propose it with a deadline in days, agree to
# the deadline proposed, or stop (withdraw, decline); each names a link, checked in the
# handler to be one of the presser's own. Days are checked there too (1, 2 or 3).
PARTNER_PROPOSE = re.compile(r"^psh:(\d{1,9}):(\d)$")
PARTNER_AGREE = re.compile(r"^pok:(\d{1,9}):(\d)$")
PARTNER_STOP = re.compile(r"^pstop:(\d{1,9})$")
# The writer's choice for their words in a shared round (a turn of theirs), and Open under
# a discreet message about a shared round.
PARTNER_NOTE = re.compile(r"^pnote:(\d{1,9}):(yes|no)$")
PARTNER_OPEN = re.compile(r"^pshow:(\d{1,9})$")
# Invite a partner (from /partner): the same invitation as /share's, of the partner kind.
PARTNER_INVITE = re.compile(r"^pinv$")
# Sharing (/share): invite someone, end a link (either side), withdraw an open invitation,
# the kinds shared without asking and one toggled, an invitation accepted or declined (the
# person's own pending one: never named in the data), a milestone (the presser's own row)
# shared on a link of theirs, or kept.
SHARE_NEW = re.compile(r"^shnew$")
SHARE_END = re.compile(r"^shend:(\d{1,9})$")
SHARE_REVOKE = re.compile(r"^shrev:(\d{1,9})$")
SHARE_AUTO = re.compile(r"^shauto:(\d{1,9})$")
SHARE_KIND = re.compile(r"^shkind:(\d{1,9}):([a-z]{1,12})$")
INVITE = re.compile(r"^invite:(yes|no)$")
SHARE_MILESTONE = re.compile(r"^shm:(\d{1,9}):(\d{1,9})$")
SHARE_KEEP = re.compile(r"^shkeep$")


def adult(answer: str) -> str:
    """The 18+ confirmation buttons."""
    return f"adult:{answer}"


def consent(answer: str) -> str:
    """The consent buttons."""
    return f"consent:{answer}"


def zone(name: str) -> str:
    """A quick timezone button."""
    return f"tz:{name}"


def ritual_view(key: str) -> str:
    """Open one ritual's page."""
    return f"rit:{key}"


def ritual_on(key: str) -> str:
    """Turn a ritual on at its default time."""
    return f"on:{key}"


def ritual_ask_time(key: str) -> str:
    """Ask for a time of the person's choosing."""
    return f"ask:{key}"


def ritual_off(key: str) -> str:
    """Turn a ritual off."""
    return f"off:{key}"


def ritual_list() -> str:
    """Back to the list of rituals."""
    return "list"


def ritual_days(key: str) -> str:
    """Open the day choices of a ritual."""
    return f"days:{key}"


def ritual_day(key: str, day: int) -> str:
    """Choose (weekly rituals) or toggle (the others) one weekday, 0 for Monday."""
    return f"day:{key}:{day}"


def ritual_preset(key: str, preset: str) -> str:
    """Choose a set of days at once ("daily", "weekdays" or "weekends")."""
    return f"preset:{key}:{preset}"


def ritual_pause_ask(key: str) -> str:
    """Ask how long to pause one ritual."""
    return f"rpause:{key}"


def ritual_pause(key: str, length: str) -> str:
    """Pause one ritual ("1d", "3d", "7d" or "open")."""
    return f"rpause:{key}:{length}"


def ritual_resume(key: str) -> str:
    """Resume one paused ritual."""
    return f"rresume:{key}"


def pause_ask() -> str:
    """Show the pause choices."""
    return "pause"


def pause(length: str) -> str:
    """Pause every prompt ("1d", "3d", "7d" or "open")."""
    return f"pause:{length}"


def resume() -> str:
    """End the pause."""
    return "resume"


def zone_ask() -> str:
    """Ask the timezone question again."""
    return "tzask"


def rate(prompt_id: int, rating: int) -> str:
    """A rating button on a prompt."""
    return f"r:{prompt_id}:{rating}"


def later(prompt_id: int) -> str:
    """Open the "Later" choices of a prompt."""
    return f"later:{prompt_id}"


def snooze(prompt_id: int, option: str) -> str:
    """Bring a prompt back later ("20m", "1h" or "eve")."""
    return f"snz:{prompt_id}:{option}"


def unsnooze(prompt_id: int) -> str:
    """Close the "Later" choices again."""
    return f"back:{prompt_id}"


def skip(prompt_id: int) -> str:
    """Skip this prompt."""
    return f"skip:{prompt_id}"


def no_note(check_in_id: int) -> str:
    """Decline the few words after a rating."""
    return f"nonote:{check_in_id}"


def win(check_in_id: int, kind: str) -> str:
    """Name the kind of step a check-in was (a progress.wins code)."""
    return f"win:{check_in_id}:{kind}"


def journal() -> str:
    """Start a journal note, as /journal does."""
    return "journal"


def journal_ritual(key: str) -> str:
    """File a journal note under a ritual."""
    return f"jr:{key}"


def erase(answer: str) -> str:
    """The /delete confirmation buttons."""
    return f"erase:{answer}"


def summary_offer(answer: str) -> str:
    """The onboarding offer of a weekly summary ("yes" or "no")."""
    return f"wsum:{answer}"


def summary_page() -> str:
    """Open the weekly summary's page."""
    return "wsum"


def summary_set(state: str) -> str:
    """Turn the weekly summary "on" or "off"."""
    return f"wsum:{state}"


def summary_days() -> str:
    """Show the day choices of the weekly summary."""
    return "wsdays"


def summary_day(day: int) -> str:
    """Choose the weekly summary's day, 0 for Monday."""
    return f"wsday:{day}"


def summary_time() -> str:
    """Ask for the weekly summary's time."""
    return "wstime"


def settings() -> str:
    """Back to the /settings overview."""
    return "settings"


def pacing_keep(key: str) -> str:
    """Keep a ritual's pace as it is, after Attune asked about it."""
    return f"pacekeep:{key}"


def history(way: str, check_in_id: int, page: int) -> str:
    """A /history page: the check-ins "o"lder or "n"ewer than a check-in, shown as page
    ``page`` (0 for the newest)."""
    return f"hist:{way}:{check_in_id}:{page}"


def language_page() -> str:
    """Open the language choices (from /settings)."""
    return "lang"


def language(tag: str) -> str:
    """Choose the language Attune writes in, by its locale tag."""
    return f"lang:{tag}"


def care(answer: str) -> str:
    """The grounding offer's buttons."""
    return f"ground:{answer}"


def crisis(answer: str) -> str:
    """After a crisis reply: pause for today, or keep prompts."""
    return f"crisis:{answer}"


def crisis_private() -> str:
    """After a disclosure of harm: ways to keep this chat private on a shared phone."""
    return "crisis:private"


# One letter per kind of danger, so a country button can carry which lines to show.
DANGER_LETTERS = {
    Category.SUICIDE: "s",
    Category.SELF_HARM: "h",
    Category.SEXUAL_VIOLENCE: "v",
    Category.PARTNER_VIOLENCE: "p",
    Category.DANGER_NOW: "d",
}


def dangers_code(categories: Iterable[Category]) -> str:
    """The letters for these kinds of danger, in a stable order."""
    chosen = set(categories)
    return "".join(letter for c, letter in DANGER_LETTERS.items() if c in chosen)


def dangers_of(code: str) -> frozenset[Category]:
    """The kinds of danger a button's letters name."""
    return frozenset(c for c, letter in DANGER_LETTERS.items() if letter in code)


def country_ask(dangers: str) -> str:
    """Ask which country's help lines to show (for these kinds of danger)."""
    return f"ccask:{dangers}"


def country(code: str, dangers: str) -> str:
    """A country chosen for help lines ("none": the lines that work in many countries)."""
    return f"cc:{code}:{dangers}"


def help_now() -> str:
    """The "I need help now" button."""
    return "helpnow"


def discretion() -> str:
    """The discretion page of /settings."""
    return "privset"


def discreet(value: str) -> str:
    """Discreet prompts on or off."""
    return f"disc:{value}"


def quiet(value: str) -> str:
    """Quiet notifications on or off."""
    return f"quiet:{value}"


def keep(days: str) -> str:
    """How long notes are kept ("0" for until deleted)."""
    return f"keep:{days}"


def open_prompt(prompt_id: int) -> str:
    """Show a discreet prompt's words."""
    return f"open:{prompt_id}"


def partner_propose(link_id: int, days: int) -> str:
    """Propose sharing the weekly check-in, with `days` to answer."""
    return f"psh:{link_id}:{days}"


def partner_agree(link_id: int, days: int) -> str:
    """Agree to the partner's proposal, with the deadline it showed."""
    return f"pok:{link_id}:{days}"


def partner_stop(link_id: int) -> str:
    """Stop sharing, withdraw a proposal or decline one."""
    return f"pstop:{link_id}"


def partner_note(turn_id: int, answer: str) -> str:
    """Show (yes) or keep (no) the words written with a shared answer."""
    return f"pnote:{turn_id}:{answer}"


def partner_open(turn_id: int) -> str:
    """Show a discreet message about a shared round."""
    return f"pshow:{turn_id}"


def partner_invite() -> str:
    """Invite a partner: ask the first name to show."""
    return "pinv"


def share_new() -> str:
    """Make an invitation."""
    return "shnew"


def share_end(link_id: int) -> str:
    """End a link, from either side."""
    return f"shend:{link_id}"


def share_revoke(invitation_id: int) -> str:
    """Withdraw an open invitation."""
    return f"shrev:{invitation_id}"


def share_auto(link_id: int) -> str:
    """The kinds of milestone shared on a link without asking."""
    return f"shauto:{link_id}"


def share_kind(link_id: int, kind: str) -> str:
    """Toggle one kind shared without asking."""
    return f"shkind:{link_id}:{kind}"


def invite(answer: str) -> str:
    """Accept or decline the invitation the presser opened."""
    return f"invite:{answer}"


def share_milestone(milestone_id: int, link_id: int) -> str:
    """Share one milestone on one link."""
    return f"shm:{milestone_id}:{link_id}"


def share_keep() -> str:
    """Keep a milestone to oneself."""
    return "shkeep"


@dataclass(frozen=True, slots=True)
class Kind:
    """One kind of button: the pattern that routes it, the builder that makes its data,
    and arguments the bot builds it with (so a test can round-trip every one)."""

    pattern: re.Pattern[str]
    build: Callable[..., str]
    examples: tuple[tuple[Any, ...], ...]


_YES_NO = (("yes",), ("no",))
_RITUAL = (("body_scan",),)

# Every kind of button the bot makes. tests/bot/test_callbacks.py round-trips each through
# its pattern and checks the application routes exactly these; the fuzz test forges data
# from this list, so neither can drift from what the bot really sends.
KINDS: tuple[Kind, ...] = (
    Kind(ADULT, adult, _YES_NO),
    Kind(CONSENT, consent, _YES_NO),
    Kind(ZONE, zone, (("Europe/Berlin",), ("America/Argentina/Buenos_Aires",))),
    Kind(RITUAL_VIEW, ritual_view, _RITUAL),
    Kind(RITUAL_ON, ritual_on, _RITUAL),
    Kind(RITUAL_ASK_TIME, ritual_ask_time, _RITUAL),
    Kind(RITUAL_OFF, ritual_off, _RITUAL),
    Kind(RITUAL_LIST, ritual_list, ((),)),
    Kind(RITUAL_DAYS, ritual_days, _RITUAL),
    Kind(RITUAL_DAY, ritual_day, (("body_scan", 0), ("breath", 6))),
    Kind(RITUAL_PRESET, ritual_preset, (("body_scan", "daily"), ("breath", "weekends"))),
    Kind(RITUAL_PAUSE_ASK, ritual_pause_ask, _RITUAL),
    Kind(RITUAL_PAUSE, ritual_pause, (("body_scan", "1d"), ("breath", "open"))),
    Kind(RITUAL_RESUME, ritual_resume, _RITUAL),
    Kind(PAUSE_ASK, pause_ask, ((),)),
    Kind(PAUSE, pause, (("3d",), ("open",))),
    Kind(RESUME, resume, ((),)),
    Kind(ZONE_ASK, zone_ask, ((),)),
    Kind(RATE, rate, ((1, 1), (999_999_999, 5))),
    Kind(LATER, later, ((7,),)),
    Kind(SNOOZE, snooze, ((7, "20m"), (7, "1h"), (7, "eve"))),
    Kind(UNSNOOZE, unsnooze, ((7,),)),
    Kind(SKIP, skip, ((7,),)),
    Kind(DISCRETION, discretion, ((),)),
    Kind(DISCREET, discreet, (("on",), ("off",))),
    Kind(QUIET, quiet, (("on",), ("off",))),
    Kind(KEEP, keep, (("0",), ("30",), ("90",))),
    Kind(OPEN, open_prompt, ((7,),)),
    Kind(CARE, care, _YES_NO),
    Kind(CRISIS, crisis, (("pause",), ("keep",))),
    Kind(CRISIS_PRIVATE, crisis_private, ((),)),
    Kind(COUNTRY_ASK, country_ask, (("",), ("s",), ("shvpd",))),
    Kind(COUNTRY, country, (("DE", "s"), ("none", "vp"), ("IE", ""))),
    Kind(HELP_NOW, help_now, ((),)),
    Kind(JOURNAL, journal, ((),)),
    Kind(DELETE, erase, _YES_NO),
    Kind(NO_NOTE, no_note, ((3,),)),
    Kind(WIN, win, ((3, "want"), (999_999_999, "compliment"))),
    Kind(JOURNAL_RITUAL, journal_ritual, _RITUAL),
    Kind(SUMMARY_OFFER, summary_offer, _YES_NO),
    Kind(SUMMARY_PAGE, summary_page, ((),)),
    Kind(SUMMARY_SET, summary_set, (("on",), ("off",))),
    Kind(SUMMARY_DAYS, summary_days, ((),)),
    Kind(SUMMARY_DAY, summary_day, ((0,), (6,))),
    Kind(SUMMARY_TIME, summary_time, ((),)),
    Kind(SETTINGS, settings, ((),)),
    Kind(PACING_KEEP, pacing_keep, _RITUAL),
    Kind(HISTORY, history, (("o", 7, 1), ("n", 999_999_999, 12))),
    Kind(LANGUAGE_PAGE, language_page, ((),)),
    Kind(LANGUAGE, language, (("de",), ("es",), ("en",))),
    Kind(PARTNER_PROPOSE, partner_propose, ((3, 1), (999_999_999, 3))),
    Kind(PARTNER_AGREE, partner_agree, ((3, 2),)),
    Kind(PARTNER_STOP, partner_stop, ((3,),)),
    Kind(PARTNER_NOTE, partner_note, ((7, "yes"), (7, "no"))),
    Kind(PARTNER_OPEN, partner_open, ((7,),)),
    Kind(PARTNER_INVITE, partner_invite, ((),)),
    Kind(SHARE_NEW, share_new, ((),)),
    Kind(SHARE_END, share_end, ((7,),)),
    Kind(SHARE_REVOKE, share_revoke, ((7,),)),
    Kind(SHARE_AUTO, share_auto, ((7,),)),
    Kind(SHARE_KIND, share_kind, ((7, "firsts"), (999_999_999, "comebacks"))),
    Kind(INVITE, invite, _YES_NO),
    Kind(SHARE_MILESTONE, share_milestone, ((3, 7),)),
    Kind(SHARE_KEEP, share_keep, ((),)),
)


def examples() -> list[str]:
    """The data of every kind of button, as the bot builds it."""
    return [kind.build(*args) for kind in KINDS for args in kind.examples]


def prefixes() -> list[str]:
    """What the data of each kind of button starts with (before its first ":")."""
    return sorted({data.split(":", 1)[0] for data in examples()})
