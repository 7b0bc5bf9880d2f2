"""Milestones: moments of showing up and of the practice itself, as stable keys and warm words.

Keys (stored unique per person, so each is celebrated once):

- ``first:<ritual>``: the first check-in of a ritual
- ``first_note``: the first check-in with a note, or the first note written on its own
  (``journal_milestones``), whichever comes first
- ``first_weekly``: the first check-in of a once-a-week ritual (by catalogue cadence)
- ``total_<n>``: exactly the n-th check-in in all, n in 3, 7, 14, 30, 60, 100 (so a long
  history that predates a rule is not flooded with old totals)
- ``growth:<ritual>:<YYYY-MM-DD>``: the ritual's mean over the 14 local days ending that day
  rose by 0.5 or more over the 14 days before (5+ ratings in each); once per ritual in 14
  days. Its words speak of the practice feeling different, never of ratings or numbers.
- ``welcome_back:<YYYY-MM-DD>``: the first check-in after ``COMEBACK_DAYS`` whole local days
  without one (``welcome_back``); its words never mention the time away
- ``win:<kind>``: the first time a kind of step is named after a check-in (``win_milestone``,
  kinds in ``progress.wins``); later namings are acknowledged gently, never counted

Retired kinds are never reached again and never named or celebrated: ``four_of_seven:<week>``
(check-ins on 4 of 7 days, which praised frequency and let its absence be noticed every
week) and ``first_five:<ritual>`` (the first 5, which made a top rating the goal). Rows
already stored under them stay as they are, the person's data, in /export.

"Before" means recorded at or before the new check-in's instant, so replaying a history in
time order gives the same answers as living it. Nothing counts consecutive days, or days
away: practice is never a streak to lose. ``new_milestones`` returns keys from most to least
notable, in the order of ``_RULES``: growth (a change in how practice feels), then the
totals, the weekly rhythm, and the firsts. A welcome back, when there is one, goes first.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from fractions import Fraction

from messages import is_ritual, render, ritual
from progress.calendar import local_day
from progress.common import days_back, local_date, mean, ritual_name
from progress.history import Entry
from progress.wins import WIN_KINDS

__all__ = [
    "COMEBACK_DAYS",
    "TOTALS",
    "is_celebrated",
    "journal_milestones",
    "milestone_message",
    "milestone_name",
    "new_milestones",
    "welcome_back",
    "win_milestone",
]

TOTALS = (3, 7, 14, 30, 60, 100)
# Whole local days without a check-in before the next one is welcomed back. A weekly
# practice with one week let go has 13 between, so it is not welcomed as if it had been away.
COMEBACK_DAYS = 14
GROWTH_WINDOW = 14
GROWTH_MIN_RATINGS = 5
GROWTH_RISE = Fraction(1, 2)


@dataclass(frozen=True, slots=True)
class _Moment:
    """What every rule sees: the new check-in, the others before it, on local days."""

    latest: Entry
    day: date  # latest's local date
    earlier: tuple[Entry, ...]  # the other check-ins made at or before latest's instant
    total: int  # all check-ins recorded, latest included
    zone: tzinfo
    reached: frozenset[str]


def new_milestones(
    history: Sequence[Entry], latest: Entry, zone: tzinfo, reached: frozenset[str]
) -> list[str]:
    """Return the milestone keys ``latest`` reaches that are not yet in ``reached``."""
    if not history:  # never celebrate without data, even if the caller forgot to add latest
        return []
    others = list(history)
    if latest in others:
        others.remove(latest)  # one occurrence: an identical twin still counts as another
    moment = _Moment(
        latest=latest,
        day=local_date(latest, zone),
        earlier=tuple(entry for entry in others if entry.practiced_at <= latest.practiced_at),
        total=len(others) + 1,
        zone=zone,
        reached=reached,
    )
    found: list[str] = []
    for rule in _RULES:
        found += [key for key in rule(moment) if key not in reached and key not in found]
    return found


def welcome_back(checked_in_at: datetime, previous_at: datetime | None, zone: tzinfo) -> list[str]:
    """Return the welcome a check-in made at ``checked_in_at`` reaches, if any.

    ``previous_at`` is when the person last checked in before it (None for the first
    time). Only the two instants matter, so the answer costs one indexed read, and one gap
    can only ever be welcomed by the first check-in after it.
    """
    if previous_at is None:
        return []
    day = local_day(checked_in_at, zone)
    if (day - local_day(previous_at, zone)).days > COMEBACK_DAYS:
        return [f"welcome_back:{day.isoformat()}"]
    return []


def win_milestone(kind: str) -> str:
    """Return the milestone key of the first time a kind of step is named."""
    if kind not in WIN_KINDS:
        raise KeyError(f"not a kind of step: {kind!r}")
    return f"win:{kind}"


def journal_milestones(reached: frozenset[str]) -> list[str]:
    """Return the milestone keys a note written on its own (with /journal) reaches.

    A note is a note whether or not it answers a check-in: the first one, of either kind,
    is ``first_note``. Nothing else counts notes, so this is the only one.
    """
    return [] if "first_note" in reached else ["first_note"]


def is_celebrated(key: str) -> bool:
    """True for a key of a kind Attune celebrates; False for a retired or unknown one."""
    try:
        _parse(key)
    except KeyError:
        return False
    return True


def milestone_message(key: str, locale: str) -> str:
    """Return the warm message that celebrates milestone ``key``; KeyError if it is none."""
    kind, ritual_key, detail = _parse(key)
    text = f"milestone_{kind}_{detail}" if detail else f"milestone_{kind}"
    return render(text, locale, name=_name(ritual_key, locale))


def milestone_name(key: str, locale: str) -> str:
    """Return the short name of milestone ``key`` (for lists); KeyError if it is none."""
    kind, ritual_key, detail = _parse(key)
    if kind == "win":
        return render(f"milestone_name_win_{detail}", locale)
    return render(f"milestone_name_{kind}", locale, name=_name(ritual_key, locale), count=detail)


# The rules, most notable first; each yields candidate keys, `reached` filters them.


def _growth(moment: _Moment) -> Iterator[str]:
    key = moment.latest.ritual_key
    if _grew_lately(moment, key):
        return
    start, _ = days_back(moment.day, GROWTH_WINDOW)
    before_start, before_end = days_back(start - timedelta(days=1), GROWTH_WINDOW)
    current, previous = [], []
    for entry in (*moment.earlier, moment.latest):
        if entry.ritual_key != key:
            continue
        day = local_date(entry, moment.zone)
        if start <= day <= moment.day:
            current.append(entry.rating)
        elif before_start <= day <= before_end:
            previous.append(entry.rating)
    if min(len(current), len(previous)) < GROWTH_MIN_RATINGS:
        return
    now, then = mean(current), mean(previous)
    if now is not None and then is not None and now - then >= GROWTH_RISE:
        yield f"growth:{key}:{moment.day.isoformat()}"


def _grew_lately(moment: _Moment, key: str) -> bool:
    """Tell whether growth of ``key`` was celebrated within 14 days of the moment's day."""
    for reached in moment.reached:
        found = _GROWTH_RE.fullmatch(reached)
        if found and found["ritual"] == key:
            try:
                when = date.fromisoformat(found["day"])
            except ValueError:  # a malformed stored key celebrates nothing and blocks nothing
                continue
            if abs((moment.day - when).days) < GROWTH_WINDOW:
                return True
    return False


def _totals(moment: _Moment) -> Iterator[str]:
    # Exactly the n-th, so someone with a long history is never flooded with old totals.
    if moment.total in TOTALS:
        yield f"total_{moment.total}"


def _first_weekly(moment: _Moment) -> Iterator[str]:
    if _weekly(moment.latest.ritual_key) and not any(
        _weekly(entry.ritual_key) for entry in moment.earlier
    ):
        yield "first_weekly"


def _first_of_ritual(moment: _Moment) -> Iterator[str]:
    key = moment.latest.ritual_key
    if not any(entry.ritual_key == key for entry in moment.earlier):
        yield f"first:{key}"


def _first_note(moment: _Moment) -> Iterator[str]:
    if moment.latest.has_note and not any(entry.has_note for entry in moment.earlier):
        yield "first_note"


def _weekly(key: str) -> bool:
    # Cadence comes from the catalogue, so a ritual moved to one day a week is weekly at once.
    return is_ritual(key) and len(ritual(key).weekdays) == 1


_RULES: tuple[Callable[[_Moment], Iterator[str]], ...] = (
    _growth,
    _totals,
    _first_weekly,
    _first_of_ritual,
    _first_note,
)

_RITUAL = r"(?P<ritual>[a-z][a-z0-9_]*)"
_DAY = r"(?P<day>\d{4}-\d{2}-\d{2})"
_GROWTH_RE = re.compile(rf"growth:{_RITUAL}:{_DAY}")
# Each kind of key Attune celebrates, as data: its pattern; the kind names its texts
# (milestone_<kind>, or milestone_<kind>_<detail> for a total's count or a win's kind).
# Retired kinds are left out on purpose: they parse as no milestone, so nothing names them.
_KINDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("first", re.compile(rf"first:{_RITUAL}")),
    ("first_note", re.compile("first_note")),
    ("first_weekly", re.compile("first_weekly")),
    ("total", re.compile(r"total_(?P<detail>" + "|".join(map(str, TOTALS)) + ")")),
    ("welcome_back", re.compile(rf"welcome_back:{_DAY}")),
    ("growth", _GROWTH_RE),
    ("win", re.compile(r"win:(?P<detail>" + "|".join(WIN_KINDS) + ")")),
)


def _parse(key: str) -> tuple[str, str | None, str | None]:
    """Split a milestone key into its kind, ritual key and detail (a total's count or a
    win's kind); KeyError if it is none Attune celebrates."""
    for kind, pattern in _KINDS:
        found = pattern.fullmatch(key)
        if found:
            groups = found.groupdict()
            return kind, groups.get("ritual"), groups.get("detail")
    raise KeyError(f"not a milestone key: {key!r}")


def _name(ritual_key: str | None, locale: str) -> str:
    return ritual_name(ritual_key, locale) if ritual_key else ""
