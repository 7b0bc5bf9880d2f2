"""What a tap finds from what it reads, for tests that compare it with the whole history."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import tzinfo

from progress.history import Entry
from progress.milestones import COUNT_ENOUGH, growth_since, keys_in_question, new_milestones


def bounded_milestones(
    latest: Entry, zone: tzinfo, others: Sequence[Entry], total: int, reached: frozenset[str]
) -> list[str]:
    """``new_milestones`` from only what the bot reads on a tap: the other check-ins from
    ``growth_since`` up to latest's instant, the count up to ``COUNT_ENOUGH``, and the
    reached keys in question."""
    since = growth_since(latest, zone)
    window = [item for item in others if since <= item.practiced_at <= latest.practiced_at]
    counted = min(total, COUNT_ENOUGH)
    asked = keys_in_question(latest, zone, counted)
    return new_milestones(latest, zone, earlier=window, total=counted, reached=reached & asked)
