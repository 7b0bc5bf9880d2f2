"""The per-person update limit."""

from __future__ import annotations

from bot.flood import FloodGuard


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_burst_is_allowed_then_refused_with_one_warning() -> None:
    clock = Clock()
    guard = FloodGuard(burst=3, window=10, clock=clock)
    assert [guard.check(1) for _ in range(3)] == [(True, False)] * 3
    assert guard.check(1) == (False, True)
    assert guard.check(1) == (False, False)  # warned once per window
    assert guard.check(2) == (True, False)  # others are unaffected


def test_the_window_slides() -> None:
    clock = Clock()
    guard = FloodGuard(burst=2, window=10, clock=clock)
    guard.check(1)
    clock.now = 5
    guard.check(1)
    assert guard.check(1) == (False, True)
    clock.now = 10.5  # the first one left the window
    assert guard.check(1) == (True, False)


def test_idle_people_are_forgotten() -> None:
    clock = Clock()
    guard = FloodGuard(burst=1, window=1, clock=clock)
    for person in range(10_050):
        guard.check(person)
    clock.now = 5
    guard.check(99_999)
    assert len(guard._seen) == 1


def test_one_warning_whatever_the_reason_for_refusing() -> None:
    clock = Clock()
    guard = FloodGuard(burst=2, window=10, clock=clock)
    assert guard.refuse(1)  # a full queue
    assert [guard.check(1) for _ in range(3)] == [(True, False), (True, False), (False, False)]
    clock.now = 10
    assert guard.refuse(1)


def test_an_update_counts_when_it_reached_telegram() -> None:
    clock = Clock()
    guard = FloodGuard(burst=2, window=10, clock=clock)
    guard.check(1)
    clock.now = 30
    guard.check(1, waited=29.5)  # handled late, but it came half a second after the first
    assert guard.check(1, waited=29) == (False, True)
