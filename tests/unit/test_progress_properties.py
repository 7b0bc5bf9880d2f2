"""Rules that hold for ANY history: milestones once and only with data, texts that fit."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, tzinfo
from itertools import pairwise
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from messages import ritual, rituals
from progress.history import Entry, history_page
from progress.milestones import (
    milestone_message,
    milestone_name,
    new_milestones,
    welcome_back,
)
from progress.patterns import patterns
from progress.report import progress_text
from progress.summary import weekly_summary
from tests.unit.milestone_reads import bounded_milestones

LIMIT = 4096
BASE = datetime(2026, 1, 1, tzinfo=UTC)
SPAN_MINUTES = 60 * 24 * 150  # five months: room for gaps, growth windows and DST changes
KEYS = [item.key for item in rituals()] + ["retired_ritual"]

zones = st.sampled_from(
    [
        UTC,
        ZoneInfo("Europe/Berlin"),
        ZoneInfo("America/New_York"),
        ZoneInfo("Asia/Kathmandu"),
        ZoneInfo("Pacific/Kiritimati"),
        ZoneInfo("Australia/Lord_Howe"),
    ]
)
entries = st.builds(
    Entry,
    ritual_key=st.sampled_from(KEYS),
    rating=st.integers(1, 5),
    practiced_at=st.integers(0, SPAN_MINUTES).map(lambda m: BASE + timedelta(minutes=m)),
    has_note=st.booleans(),
)
# Dense histories reach growth and totals; sparse ones long spans between check-ins.
histories = st.one_of(
    st.lists(entries, max_size=60),
    st.lists(
        st.builds(
            Entry,
            ritual_key=st.sampled_from(KEYS[:3]),
            rating=st.integers(1, 5),
            practiced_at=st.integers(0, 60 * 24 * 40).map(lambda m: BASE + timedelta(minutes=m)),
        ),
        min_size=20,
        max_size=80,
    ),
)
notes = st.one_of(
    st.none(),
    st.text(max_size=30),
    st.builds(lambda char, size: char * size, st.sampled_from("a😊 \n“"), st.integers(0, 1000)),
)
days_in_range = st.integers(-20, 170).map(lambda n: date(2026, 1, 1) + timedelta(days=n))


def local_date(entry: Entry, zone: tzinfo) -> date:
    return entry.practiced_at.astimezone(zone).date()


def check_justified(
    key: str, latest: Entry, earlier: list[Entry], zone: tzinfo, count: int
) -> None:
    """Every key must follow from the data it was returned for."""
    day = local_date(latest, zone)
    kind, _, rest = key.partition(":")
    if kind.startswith("total_"):
        assert int(kind.removeprefix("total_")) == count
    elif kind == "first":
        assert rest == latest.ritual_key
        assert all(item.ritual_key != rest for item in earlier)
    elif kind == "first_note":
        assert latest.has_note
    elif kind == "first_weekly":
        assert len(ritual(latest.ritual_key).weekdays) == 1
    elif kind == "growth":
        assert rest == f"{latest.ritual_key}:{day.isoformat()}"
    else:
        raise AssertionError(f"unexpected key {key!r}")


@settings(max_examples=120, deadline=None)
@given(history=histories, zone=zones, in_time_order=st.booleans())
def test_replay_never_repeats_and_never_invents(
    history: list[Entry], zone: tzinfo, in_time_order: bool
) -> None:
    if in_time_order:
        history = sorted(history, key=lambda item: item.practiced_at)
    reached: set[str] = set()
    for index, latest in enumerate(history):
        made = history[:index]
        new = new_milestones(latest, zone, earlier=made, total=index + 1, reached=set(reached))
        assert len(new) == len(set(new))
        assert not set(new) & reached
        earlier = [item for item in made if item.practiced_at <= latest.practiced_at]
        for key in new:
            check_justified(key, latest, earlier, zone, index + 1)
            message, name = milestone_message(key, "en"), milestone_name(key, "en")
            assert message.strip() and name.strip() and len(message) <= LIMIT
        # ... and every first the history makes is found: the first of a practice, of a
        # weekly one and of a note, among the check-ins made so far in any order.
        if all(item.ritual_key != latest.ritual_key for item in made):
            assert f"first:{latest.ritual_key}" in new
        if _weekly(latest) and not any(_weekly(item) for item in made):
            assert "first_weekly" in new
        if latest.has_note and not any(item.has_note for item in made):
            assert "first_note" in new
        reached |= set(new)


def _weekly(item: Entry) -> bool:
    return item.ritual_key in KEYS[:-1] and len(ritual(item.ritual_key).weekdays) == 1


@settings(max_examples=150, deadline=None)
@given(
    history=histories,
    zone=zones,
    pick=st.integers(0, 10**6),
    extra=st.integers(0, 300),
    reached=st.frozensets(
        st.one_of(
            st.sampled_from(["first_note", "first_weekly", "total_3", "total_7", "total_14"]),
            st.sampled_from(KEYS).map(lambda key: f"first:{key}"),
            st.tuples(st.sampled_from(KEYS[:3]), days_in_range).map(
                lambda pair: f"growth:{pair[0]}:{pair[1].isoformat()}"
            ),
        ),
        max_size=30,
    ),
)
def test_what_a_tap_reads_answers_as_the_whole_history_would(
    history: list[Entry], zone: tzinfo, pick: int, extra: int, reached: frozenset[str]
) -> None:
    """The bounded reads (a window of check-ins, a count that stops early, a few reached
    keys) give the answer the whole history and every reached milestone give."""
    if not history:
        return
    index = pick % len(history)
    latest, others = history[index], history[:index] + history[index + 1 :]
    total = len(history) + extra  # however long the history before these
    whole = new_milestones(latest, zone, earlier=others, total=total, reached=reached)
    assert bounded_milestones(latest, zone, others, total, reached) == whole


# One practice rated around the edges of growth's two windows: local days 0 to 29 back from
# the newest check-in's day, at any minute (midnight included), some later that same day.
around_growth = st.lists(
    st.tuples(st.integers(0, 29), st.integers(0, 24 * 60 - 1), st.integers(1, 5)),
    min_size=10,
    max_size=40,
)


@settings(max_examples=300, deadline=None)
@given(
    zone=zones,
    day=days_in_range,
    minute=st.integers(0, 24 * 60 - 1),
    rating=st.integers(3, 5),
    ratings=around_growth,
    grown=st.frozensets(st.integers(-20, 20), max_size=3),
)
def test_growth_reads_only_its_window_and_nearby_growth(
    zone: tzinfo,
    day: date,
    minute: int,
    rating: int,
    ratings: list[tuple[int, int, int]],
    grown: frozenset[int],
) -> None:
    def at(back: int, minute: int) -> datetime:
        wall = datetime.combine(day - timedelta(days=back), datetime.min.time())
        return (wall + timedelta(minutes=minute)).replace(tzinfo=zone).astimezone(UTC)

    latest = Entry("breath", rating, at(0, minute))
    others = [Entry("breath", r, at(back, m)) for back, m, r in ratings]
    reached = frozenset(f"growth:breath:{(day + timedelta(days=n)).isoformat()}" for n in grown)
    total = len(others) + 1
    whole = new_milestones(latest, zone, earlier=others, total=total, reached=reached)
    assert bounded_milestones(latest, zone, others, total, reached) == whole


@settings(max_examples=120, deadline=None)
@given(minutes=st.lists(st.integers(0, SPAN_MINUTES), min_size=1, max_size=40), zone=zones)
def test_every_long_stretch_without_a_check_in_is_welcomed_once(
    minutes: list[int], zone: tzinfo
) -> None:
    made = sorted(BASE + timedelta(minutes=m) for m in minutes)
    welcomes = [
        key
        for before, now in zip([None, *made], made, strict=False)
        for key in welcome_back(now, before, zone)
    ]
    days = sorted({moment.astimezone(zone).date() for moment in made})
    # The days that end 14 or more whole local days without a check-in.
    stretches = [later for earlier, later in pairwise(days) if (later - earlier).days - 1 >= 14]
    assert welcomes == [f"welcome_back:{day.isoformat()}" for day in stretches]


@settings(max_examples=60, deadline=None)
@given(
    latest=entries, zone=zones, reached=st.frozensets(st.sampled_from(["first_note", "total_3"]))
)
def test_nothing_without_data(latest: Entry, zone: tzinfo, reached: frozenset[str]) -> None:
    assert new_milestones(latest, zone, earlier=[latest], total=0, reached=reached) == []


@settings(max_examples=80, deadline=None)
@given(
    history=histories,
    zone=zones,
    week_start=days_in_range,
    milestones=st.lists(
        st.one_of(
            st.text(max_size=20), st.sampled_from(["total_3", "first:breath", "first_note"])
        ),
        max_size=50,
    ),
)
def test_weekly_summaries_always_fit(
    history: list[Entry], zone: tzinfo, week_start: date, milestones: list[str]
) -> None:
    text = weekly_summary(history, zone, week_start, milestones, "en")
    assert text.strip() and len(text) <= LIMIT


@settings(max_examples=80, deadline=None)
@given(history=histories, zone=zones, week_start=days_in_range)
def test_weekly_summaries_speak_in_words(
    history: list[Entry], zone: tzinfo, week_start: date
) -> None:
    # Below the title (dates) nothing is a number, an arrow, an average or a day's mark.
    body = weekly_summary(history, zone, week_start, [], "en").split("\n", 1)[1]
    assert not re.search(r"[0-9↑↓→·▁▂▃▄▅▆▇█]", body), body


@settings(max_examples=80, deadline=None)
@given(history=histories, zone=zones, day=days_in_range)
def test_progress_texts_and_patterns_always_fit(
    history: list[Entry], zone: tzinfo, day: date
) -> None:
    now = datetime.combine(day, datetime.min.time(), tzinfo=UTC) + timedelta(hours=13)
    text = progress_text(history, zone, now, "en")
    assert text.strip() and len(text) <= LIMIT
    found = patterns(history, zone, "en")
    assert len(found) <= 3 and all(len(line) <= LIMIT for line in found)


@settings(max_examples=80, deadline=None)
@given(pairs=st.lists(st.tuples(entries, notes), max_size=40), zone=zones, page=st.integers(0, 99))
def test_history_pages_always_fit(
    pairs: list[tuple[Entry, str | None]], zone: tzinfo, page: int
) -> None:
    text = history_page(pairs, zone, "en", page)
    assert text.strip() and len(text) <= LIMIT
