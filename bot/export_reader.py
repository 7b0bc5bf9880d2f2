"""Reading a file from /export back, for /import: strictly, into plain values, or not at all.

Nothing in the file is trusted. Its size is checked before it is fetched (MAX_BYTES), its
nesting before it is parsed (MAX_DEPTH); then every field that is brought back is checked:
its type, its range (ratings 1 to 5, times of day, weekdays), practices the catalogue
knows, moments in ISO 8601 with their offset and not yet to come, notes within the note
length, and how many of each within the caps. The first thing wrong stops the reading with
`Unfit`, which names where and what in plain words (text keys), never the content.

What is brought back: the person's discretion settings and help-line country, their
practices (which, when, on or off), check-ins, notes and milestones. The rest of the file
(row ids, the prompts that were sent, what the bot counts for itself) was the bookkeeping
of a chat that is gone; it must have the export's layout, and is not read further.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeGuard

from bot.handlers.discretion import RETENTION_DAYS
from messages import is_ritual, render, rituals
from progress.wins import is_win
from scheduler.local_time import format_local_time, parse_local_time
from scheduler.planning import weekdays_to_text
from scheduler.summary import WEEKLY_SUMMARY
from store.notes import MAX_NOTE_CHARS
from store.personal_data import IMPORT_FORMATS
from store.restore import History, PastCheckIn, PastMilestone, PastNote

# What Telegram lets a bot download; no file bigger can be fetched at all.
MAX_BYTES = 20 * 1024 * 1024
# An export nests four deep (the file, a section, an entry, a practice's weekdays).
MAX_DEPTH = 6
# Far above what anyone's practice makes (every practice every day for well over a decade),
# and what keeps one import's transaction short.
MAX_CHECK_INS = 50_000
MAX_MILESTONES = 10_000

SECTIONS = frozenset({"person", "practices", "prompts", "check_ins", "notes", "milestones"})
# Invitations and links (format 2 on) are never brought back: each names another person,
# who must consent again. Their sections must be there, and are not read further.
SHARING = frozenset({"invitations", "links"})
# ... and check-ins shared with a partner (format 3 on), likewise.
PARTNERS = frozenset({"partner_sharing", "partner_rounds", "partner_turns"})
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKETS = re.compile(r"[\[\]{}]")
_CLOCK = re.compile(r"\d{2}:\d{2}", re.ASCII)
_COUNTRY = re.compile(r"[A-Z]{2}", re.ASCII)
_MILESTONE = re.compile(r"[a-z][a-z0-9_]*(?::[A-Za-z0-9_-]+)*", re.ASCII)
_MILESTONE_CHARS = 80  # the column's width
_MOMENT_CHARS = 40
# Another Attune's clock may run a little ahead of this one; nothing is older than Attune.
_CLOCK_SLACK = timedelta(days=1)
_EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)


class Unfit(Exception):
    """The file can't be imported: `why` is a text key saying so, `where` (a text key) the
    part of the file it is in, when it is about one value."""

    def __init__(self, why: str, where: str | None = None, **values: object) -> None:
        super().__init__(why)
        self.why, self.where, self.values = why, where, values

    def words(self, locale: str) -> str:
        """Why, in plain words."""
        if self.where is None:
            return render(self.why, locale, **self.values)
        what = render(self.why, locale, **self.values)
        return render("import_why_in", locale, where=render(self.where, locale), what=what)


@dataclass(frozen=True, slots=True)
class Practice:
    """A practice as the file holds it: which, at what time, on which days, on or off."""

    ritual_key: str
    local_time: str
    weekdays: str
    active: bool


@dataclass(frozen=True, slots=True)
class Choices:
    """The person's settings the file brings back."""

    discreet: bool
    quiet: bool
    note_retention_days: int | None
    country: str | None


@dataclass(frozen=True, slots=True)
class Export:
    """What an /export file brings back; `unreadable_notes` came without their words."""

    choices: Choices
    practices: tuple[Practice, ...]
    history: History
    unreadable_notes: int


def read_export(raw: bytes, *, now: datetime, notes_in_all: int) -> Export:
    """The file's contents, checked; Unfit at the first thing wrong."""
    if len(raw) > MAX_BYTES:
        raise Unfit("import_why_too_big", megabytes=MAX_BYTES // (1024 * 1024))
    data = _parse(raw)
    if not isinstance(data, dict):
        raise Unfit("import_why_not_export")
    if not (_is_int(data.get("format")) and data["format"] in IMPORT_FORMATS):
        raise Unfit("import_why_format")
    sections = SECTIONS | SHARING if data["format"] >= 2 else SECTIONS
    sections |= PARTNERS if data["format"] >= 3 else frozenset()
    if set(data) != sections | {"format"} or not isinstance(data["person"], dict):
        raise Unfit("import_why_not_export")
    latest = now + _CLOCK_SLACK
    _entries(data["prompts"], "import_where_prompts", cap=None)
    check_ins = _check_ins(data["check_ins"], latest)
    notes, unreadable = _notes(data["notes"], latest, {c.ref for c in check_ins}, notes_in_all)
    return Export(
        choices=_choices(data["person"]),
        practices=_practices(data["practices"]),
        history=History(check_ins, notes, _milestones(data["milestones"], latest)),
        unreadable_notes=unreadable,
    )


def _parse(raw: bytes) -> Any:
    """JSON, only once its nesting is known to be shallow (the parser recurses)."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Unfit("import_why_not_export") from None
    depth = deepest = 0
    for bracket in _BRACKETS.finditer(_STRING.sub("", text)):
        depth += 1 if bracket[0] in "[{" else -1
        deepest = max(deepest, depth)
        if deepest > MAX_DEPTH:
            raise Unfit("import_why_not_export")
    try:
        return json.loads(text)
    except ValueError:  # not JSON, or a number too long to read
        raise Unfit("import_why_not_export") from None


def _choices(person: Mapping[str, Any]) -> Choices:
    where = "import_where_person"
    country = person.get("help_line_country")
    if country is not None and not (isinstance(country, str) and _COUNTRY.fullmatch(country)):
        raise Unfit("import_what_value", where)
    days = person.get("note_retention_days")
    if isinstance(days, bool) or days not in RETENTION_DAYS.values():
        raise Unfit("import_what_value", where)
    return Choices(
        discreet=_flag(person.get("discreet"), where),
        quiet=_flag(person.get("quiet"), where),
        note_retention_days=days,
        country=country,
    )


def _practices(value: Any) -> tuple[Practice, ...]:
    where = "import_where_practices"
    found: dict[str, Practice] = {}
    for entry in _entries(value, where, cap=len(rituals()) + 1):
        key = entry.get("ritual")
        if not isinstance(key, str) or not (is_ritual(key) or key == WEEKLY_SUMMARY):
            raise Unfit("import_what_ritual", where)
        clock = entry.get("local_time")
        at = (
            parse_local_time(clock) if isinstance(clock, str) and _CLOCK.fullmatch(clock) else None
        )
        days = entry.get("weekdays")
        if at is None or key in found or not isinstance(days, list):
            raise Unfit("import_what_value", where)
        if not days or not all(_is_int(d) and 0 <= d <= 6 for d in days):
            raise Unfit("import_what_value", where)
        if len(set(days)) != len(days) or (key == WEEKLY_SUMMARY and len(days) != 1):
            raise Unfit("import_what_value", where)  # the summary comes on one day
        active = _flag(entry.get("active"), where)
        found[key] = Practice(
            key, format_local_time(at), weekdays_to_text(frozenset(days)), active
        )
    return tuple(found.values())


def _check_ins(value: Any, latest: datetime) -> tuple[PastCheckIn, ...]:
    where = "import_where_check_ins"
    found: dict[int, PastCheckIn] = {}
    for entry in _entries(value, where, cap=MAX_CHECK_INS):
        ref, key, rating = entry.get("id"), entry.get("ritual"), entry.get("rating")
        if not _is_int(ref) or ref in found:
            raise Unfit("import_what_value", where)
        if not isinstance(key, str) or not is_ritual(key):
            raise Unfit("import_what_ritual", where)
        if not _is_int(rating) or not 1 <= rating <= 5:
            raise Unfit("import_what_rating", where)
        step = entry.get("step_named")
        if step is not None and not (isinstance(step, str) and is_win(step)):
            raise Unfit("import_what_value", where)
        found[ref] = PastCheckIn(
            ref=ref,
            ritual_key=key,
            rating=rating,
            win=step,
            practiced_at=_moment(entry.get("practiced_at"), where, latest),
            created_at=_moment(entry.get("created_at"), where, latest),
            updated_at=_moment(entry.get("updated_at"), where, latest),
        )
    return tuple(found.values())


def _notes(
    value: Any, latest: datetime, check_ins: set[int], cap: int
) -> tuple[tuple[PastNote, ...], int]:
    where = "import_where_notes"
    found, unreadable = [], 0
    for entry in _entries(value, where, cap=None):
        ref, key, words = entry.get("check_in_id"), entry.get("ritual"), entry.get("text")
        if ref is not None and not (_is_int(ref) and ref in check_ins):
            raise Unfit("import_what_value", where)
        if key is not None and not (isinstance(key, str) and is_ritual(key)):
            raise Unfit("import_what_ritual", where)
        written_at = _moment(entry.get("written_at"), where, latest)
        if _flag(entry.get("unreadable"), where):  # no words came: nothing to bring back
            if words is not None:
                raise Unfit("import_what_value", where)
            unreadable += 1
            continue
        if not isinstance(words, str) or not words.strip() or not _storable(words):
            raise Unfit("import_what_value", where)
        if len(words) > MAX_NOTE_CHARS:
            raise Unfit("import_what_note_long", where, chars=MAX_NOTE_CHARS)
        found.append(PastNote(ref, key, words, written_at))
    if len(found) > cap:
        raise Unfit("import_what_too_many", where)
    return tuple(found), unreadable


def _milestones(value: Any, latest: datetime) -> tuple[PastMilestone, ...]:
    where = "import_where_milestones"
    found = []
    for entry in _entries(value, where, cap=MAX_MILESTONES):
        key = entry.get("key")
        if not isinstance(key, str) or len(key) > _MILESTONE_CHARS:
            raise Unfit("import_what_value", where)
        if not _MILESTONE.fullmatch(key):
            raise Unfit("import_what_value", where)
        reached_at = _moment(entry.get("reached_at"), where, latest)
        found.append(PastMilestone(key, reached_at, _flag(entry.get("held"), where)))
    return tuple(found)


def _entries(value: Any, where: str, *, cap: int | None) -> list[dict[str, Any]]:
    """A section's entries: a list of objects, no more than `cap` of them."""
    if not isinstance(value, list) or not all(isinstance(entry, dict) for entry in value):
        raise Unfit("import_why_not_export")
    if cap is not None and len(value) > cap:
        raise Unfit("import_what_too_many", where)
    return value


def _moment(value: Any, where: str, latest: datetime) -> datetime:
    """An ISO 8601 moment with its offset, from 2000 on and no later than `latest`."""
    if not isinstance(value, str) or len(value) > _MOMENT_CHARS:
        raise Unfit("import_what_moment", where)
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise Unfit("import_what_moment", where) from None
    if moment.utcoffset() is None or not _EARLIEST <= moment <= latest:
        raise Unfit("import_what_moment", where)
    return moment


def _flag(value: Any, where: str) -> bool:
    if not isinstance(value, bool):
        raise Unfit("import_what_value", where)
    return value


def _is_int(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _storable(words: str) -> bool:
    """Text both databases keep as it is: no NUL, no lone surrogate halves (JSON allows
    both; Telegram sends neither)."""
    if "\x00" in words:
        return False
    try:
        words.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
