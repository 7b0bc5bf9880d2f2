"""Milestones: small moments of practice worth celebrating, as stable keys and warm messages.

Keys (stored unique per person, so each is celebrated once):

- ``first:<ritual>``: the first check-in of a ritual
- ``first_note``: the first check-in with a note, or the first note written on its own
  (``journal_milestones``), whichever comes first
- ``first_weekly``: the first check-in of a once-a-week ritual (by catalogue cadence)
- ``total_<n>``: exactly the n-th check-in in all, n in 3, 7, 14, 30, 60, 100 (so a long
  history that predates a rule is not flooded with old totals)
- ``four_of_seven:<YYYY-Www>``: check-ins on 4 of the last 7 local days; once per ISO week
- ``welcome_back:<YYYY-MM-DD>``: a check-in 7 or more local days after the one before
- ``growth:<ritual>:<YYYY-MM-DD>``: the ritual's mean over the 14 local days ending that day
  rose by 0.5 or more over the 14 days before (5+ ratings in each); once per ritual in 14 days
- ``first_five:<ritual>``: the first 5 on a ritual

"Before" means recorded at or before the new check-in's instant, so replaying a history in
time order gives the same answers as living it.
Nothing counts consecutive days: practice is never a streak to lose. ``new_milestones``
returns keys from most to least notable, in the order of ``_RULES``: coming back first (the
moment most worth meeting warmly), then growth (a change in how practice feels), then the
totals, a first 5, the weekly rhythm, and the firsts.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta, tzinfo
from fractions import Fraction

from messages import is_ritual, render, ritual
from progress.common import days_back, local_date, mean, ritual_name
from progress.history import Entry

__all__ = [
    "TOTALS",
    "journal_milestones",
    "milestone_message",
    "milestone_name",
    "new_milestones",
]

TOTALS = (3, 7, 14, 30, 60, 100)
RHYTHM_DAYS, RHYTHM_WINDOW = 4, 7
COMEBACK_GAP = timedelta(days=7)
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


def journal_milestones(reached: frozenset[str]) -> list[str]:
    """Return the milestone keys a note written on its own (with /journal) reaches.

    A note is a note whether or not it answers a check-in: the first one, of either kind,
    is ``first_note``. Nothing else counts notes, so this is the only one.
    """
    return [] if "first_note" in reached else ["first_note"]


def milestone_message(key: str, locale: str) -> str:
    """Return the warm message that celebrates milestone ``key``; KeyError if it is none."""
    kind, ritual_key, count = _parse(key)
    text = f"milestone_total_{count}" if kind == "total" else f"milestone_{kind}"
    return render(text, locale, name=_name(ritual_key, locale))


def milestone_name(key: str, locale: str) -> str:
    """Return the short name of milestone ``key`` (for lists); KeyError if it is none."""
    kind, ritual_key, count = _parse(key)
    return render(f"milestone_name_{kind}", locale, name=_name(ritual_key, locale), count=count)


# The rules, most notable first; each yields candidate keys, `reached` filters them.


def _welcome_back(moment: _Moment) -> Iterator[str]:
    if not moment.earlier:
        return
    previous = max(moment.earlier, key=lambda entry: entry.practiced_at)
    if moment.day - local_date(previous, moment.zone) >= COMEBACK_GAP:
        yield f"welcome_back:{moment.day.isoformat()}"


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


def _first_five(moment: _Moment) -> Iterator[str]:
    key = moment.latest.ritual_key
    if moment.latest.rating == 5 and not any(
        entry.ritual_key == key and entry.rating == 5 for entry in moment.earlier
    ):
        yield f"first_five:{key}"


def _four_of_seven(moment: _Moment) -> Iterator[str]:
    start, end = days_back(moment.day, RHYTHM_WINDOW)
    days = {local_date(entry, moment.zone) for entry in moment.earlier} | {moment.day}
    if sum(start <= day <= end for day in days) >= RHYTHM_DAYS:
        year, week, _ = moment.day.isocalendar()
        yield f"four_of_seven:{year}-W{week:02d}"


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
    _welcome_back,
    _growth,
    _totals,
    _first_five,
    _four_of_seven,
    _first_weekly,
    _first_of_ritual,
    _first_note,
)

_RITUAL = r"(?P<ritual>[a-z][a-z0-9_]*)"
_DAY = r"(?P<day>\d{4}-\d{2}-\d{2})"
_GROWTH_RE = re.compile(rf"growth:{_RITUAL}:{_DAY}")
# Each kind of key, as data: its pattern; the kind names its texts (milestone_<kind> etc.).
_KINDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("first", re.compile(rf"first:{_RITUAL}")),
    ("first_note", re.compile("first_note")),
    ("first_weekly", re.compile("first_weekly")),
    ("total", re.compile(r"total_(?P<count>" + "|".join(map(str, TOTALS)) + ")")),
    ("four_of_seven", re.compile(r"four_of_seven:\d{4}-W\d{2}")),
    ("welcome_back", re.compile(rf"welcome_back:{_DAY}")),
    ("growth", _GROWTH_RE),
    ("first_five", re.compile(rf"first_five:{_RITUAL}")),
)


def _parse(key: str) -> tuple[str, str | None, int | None]:
    """Split a milestone key into its kind, ritual key and count; KeyError if it is none."""
    for kind, pattern in _KINDS:
        found = pattern.fullmatch(key)
        if found:
            groups = found.groupdict()
            count = groups.get("count")
            return kind, groups.get("ritual"), int(count) if count else None
    raise KeyError(f"not a milestone key: {key!r}")


def _name(ritual_key: str | None, locale: str) -> str:
    return ritual_name(ritual_key, locale) if ritual_key else ""
