"""Whether and when a subscription prompts next: pure rules over plain values.

`Standing` is everything besides the calendar that decides whether a subscription prompts
at all (on, the person's zone, blocked, consent, pauses). `next_due_for` turns a rule and
a standing into the next due time, and `may_prompt` is the check the claim makes again at
send time. Neither reads a row: scheduler.changes builds the values from rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, tzinfo

from messages.consent import CONSENT_VERSION
from progress.calendar import UNTIL_RESUMED, Rule, is_paused
from scheduler.zones import resolve_zone

__all__ = ["UNTIL_RESUMED", "Rule", "Standing", "is_paused", "may_prompt", "next_due_for"]


@dataclass(frozen=True, slots=True)
class Standing:
    """What, besides the calendar, decides whether a subscription prompts at all."""

    active: bool
    timezone: str | None
    blocked: bool
    consent_version: int  # the consent text the person agreed to (0: none)
    person_paused_until: datetime | None = None
    ritual_paused_until: datetime | None = None

    @property
    def consented(self) -> bool:
        """They agreed to the consent text now in force."""
        return self.consent_version >= CONSENT_VERSION

    @property
    def can_ever_prompt(self) -> bool:
        """On, with a zone, not blocked, consented: only pauses stand in the way."""
        return self.active and self.timezone is not None and not self.blocked and self.consented


def weekdays_to_text(weekdays: frozenset[int]) -> str:
    """The stored form of a weekday set: sorted digits, 0 for Monday."""
    return "".join(str(d) for d in sorted(weekdays))


def weekdays_from_text(text: str) -> frozenset[int]:
    """The weekday set a stored string names."""
    return frozenset(int(d) for d in text)


def time_from_text(text: str) -> time:
    """The wall time a stored "HH:MM" names."""
    return time.fromisoformat(text)


def rule_from_text(*, local_time: str, weekdays: str, timezone: str) -> Rule:
    """The rule stored columns name."""
    return Rule(resolve_zone(timezone), weekdays_from_text(weekdays), time_from_text(local_time))


def may_prompt(standing: Standing, now: datetime) -> bool:
    """True if a prompt of this subscription may be sent at `now`."""
    return (
        standing.can_ever_prompt
        and not is_paused(standing.person_paused_until, now)
        and not is_paused(standing.ritual_paused_until, now)
    )


def next_due_for(
    *, local_time: str, weekdays: str, standing: Standing, after: datetime
) -> datetime | None:
    """The next time a subscription is due after `after`, honouring every pause; None if
    nothing will bring it back but a change (turned on, resumed, unblocked, consent).

    A pause moves the next prompt to the first scheduled time after it ends, so the
    dispatcher needs no pause logic and a paused person is never counted as absent.
    """
    if not standing.can_ever_prompt:
        return None
    assert standing.timezone is not None
    start = after
    for until in (standing.person_paused_until, standing.ritual_paused_until):
        if is_paused(until, start):
            assert until is not None
            if until >= UNTIL_RESUMED:
                return None
            start = until
    rule = rule_from_text(local_time=local_time, weekdays=weekdays, timezone=standing.timezone)
    return rule.next_after(start)


def day_period(instant: datetime, zone: tzinfo) -> str:
    """The part of the person's day an instant falls in, for a neutral prompt line."""
    hour = instant.astimezone(zone).hour
    if 5 <= hour < 12:
        return "morning"
    if 12 <= hour < 17:
        return "afternoon"
    if 17 <= hour < 23:  # a 22:00 bedtime ritual is still the evening's
        return "evening"
    return "night"
