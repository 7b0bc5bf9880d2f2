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

What a check-in reaches never depends on the whole history, so a tap costs the same after
years of practice (DESIGN: per-tap work never grows with a person's history):

- a first is a first unless it was reached: every check-in is looked at when it is made,
  and what it reaches is stored with it in the same transaction, so the reached milestones
  remember what a look over the whole history would find. (Only rows that never went
  through this, such as check-ins stored before milestones existed, could tell otherwise.)
- a total needs how many check-ins there are, and only up to ``COUNT_ENOUGH``;
- growth needs the check-ins practiced from ``growth_since`` up to the new one's instant;
- of the reached milestones, only ``keys_in_question`` can change the answer.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from fractions import Fraction

from messages import is_ritual, render, ritual
from progress.calendar import local_day
from progress.common import days_back, local_date, mean, ritual_name
from progress.history import Entry
from progress.wins import WIN_KINDS

__all__ = [
    "COMEBACK_DAYS",
    "COUNT_ENOUGH",
    "TOTALS",
    "growth_since",
    "is_celebrated",
    "journal_milestones",
    "keys_in_question",
    "milestone_message",
    "milestone_name",
    "new_milestones",
    "welcome_back",
    "win_milestone",
]

TOTALS = (3, 7, 14, 30, 60, 100)
# Counting a person's check-ins further than this changes no answer: no total lies beyond.
COUNT_ENOUGH = TOTALS[-1] + 1
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
    earlier: tuple[Entry, ...]  # the others made at or before latest's instant (growth's span)
    total: int  # all check-ins recorded, latest included (at most COUNT_ENOUGH)
    zone: tzinfo
    reached: Collection[str]


def new_milestones(
    latest: Entry,
    zone: tzinfo,
    *,
    earlier: Iterable[Entry],
    total: int,
    reached: Collection[str],
) -> list[str]:
    """Return the milestone keys ``latest`` reaches that are not yet in ``reached``.

    ``earlier`` holds the person's other check-ins; only those practiced from
    ``growth_since(latest, zone)`` up to latest's instant are read, so a caller may pass just
    those. ``total`` counts every check-in recorded, latest included (any count from
    ``COUNT_ENOUGH`` up gives the same answer); 0 means no data, and nothing is celebrated
    without data. Of ``reached``, only ``keys_in_question`` are read.
    """
    if total < 1:
        return []
    day = local_date(latest, zone)
    since = growth_since(latest, zone)
    moment = _Moment(
        latest=latest,
        day=day,
        earlier=tuple(e for e in earlier if since <= e.practiced_at <= latest.practiced_at),
        total=min(total, COUNT_ENOUGH),
        zone=zone,
        reached=reached,
    )
    found: list[str] = []
    for rule in _RULES:
        found += [key for key in rule(moment) if key not in reached and key not in found]
    return found


def growth_since(latest: Entry, zone: tzinfo) -> datetime:
    """The earliest instant (UTC) a check-in can be practiced at and still count for the
    growth ``latest`` may reach: the start of the first of its two 14-day windows, a day
    early, so that no zone's clocks around midnight can leave a check-in out."""
    start, _ = days_back(local_date(latest, zone), 2 * GROWTH_WINDOW + 1)
    return datetime.combine(start, time(), tzinfo=zone).astimezone(UTC)


def keys_in_question(latest: Entry, zone: tzinfo, total: int) -> frozenset[str]:
    """The reached keys that can change what ``latest`` reaches (for ``new_milestones``):
    its firsts, the total it makes, and growth of its practice within 14 days either side.

    A caller reads only these of the person's milestones, however many they have reached.
    """
    key, day = latest.ritual_key, local_date(latest, zone)
    near = range(1 - GROWTH_WINDOW, GROWTH_WINDOW)
    keys = {f"first:{key}", "first_weekly", "first_note", f"total_{total}"}
    keys.update(f"growth:{key}:{(day + timedelta(days=n)).isoformat()}" for n in near)
    return frozenset(keys)


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


# A first is one unless it was reached (see the module's docstring): `reached` filters it.


def _first_weekly(moment: _Moment) -> Iterator[str]:
    if _weekly(moment.latest.ritual_key):
        yield "first_weekly"


def _first_of_ritual(moment: _Moment) -> Iterator[str]:
    yield f"first:{moment.latest.ritual_key}"


def _first_note(moment: _Moment) -> Iterator[str]:
    if moment.latest.has_note:
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
