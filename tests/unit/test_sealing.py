"""Sealing with a person's key: what one key seals only that key opens, and only for the
column it was sealed for; tags are stable per key and differ between keys; the key cache
is bounded and forgets in time."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from store import sealing
from store.crypto import DataKey, new_key
from store.key_cache import KeyCache
from store.sealing import PersonKey, Unreadable, new_secret


def _key(name: str = "k") -> PersonKey:
    return PersonKey(name, new_secret())


@given(text=st.text(max_size=300))
def test_what_is_sealed_opens_with_the_same_key_for_the_same_column(text: str) -> None:
    key = _key()
    sealed = key.seal_text(text, sealing.NOTE_BODY)
    assert key.open_text(sealed, sealing.NOTE_BODY) == text
    if len(text.encode()) >= 8:  # shorter ones can turn up in random bytes by chance
        assert text.encode() not in sealed  # never stored as it is


def test_another_key_or_another_column_does_not_open_it() -> None:
    key, other = _key(), _key()
    sealed = key.seal_text("a tender evening", sealing.NOTE_BODY)
    with pytest.raises(Unreadable):
        other.open_text(sealed, sealing.NOTE_BODY)
    with pytest.raises(Unreadable):  # moved into another column: refused
        key.open_text(sealed, sealing.NOTE_RITUAL)
    damaged = sealed[:-1] + bytes([sealed[-1] ^ 1])
    with pytest.raises(Unreadable):
        key.open_text(damaged, sealing.NOTE_BODY)
    with pytest.raises(Unreadable):
        key.open_text(b"\x02" + sealed[1:], sealing.NOTE_BODY)  # an unknown version
    for cut in (b"", sealed[:1], sealed[:13], sealed[:28]):  # cut short: still only unreadable
        with pytest.raises(Unreadable):
            key.open_text(cut, sealing.NOTE_BODY)


def test_the_same_value_seals_differently_each_time() -> None:
    key = _key()
    assert key.seal_text("4", sealing.WIN) != key.seal_text("4", sealing.WIN)


@given(ritual=st.text(min_size=1, max_size=32), rating=st.integers(1, 5))
def test_a_check_in_opens_to_its_practice_and_rating(ritual: str, rating: int) -> None:
    key = _key()
    assert key.open_check_in(key.seal_check_in(ritual, rating)) == (ritual, rating)


def test_tags_are_stable_for_one_key_and_differ_between_keys() -> None:
    secret = new_secret()
    one, same, other = PersonKey("a", secret), PersonKey("b", secret), _key()
    assert one.tag("first_note") == same.tag("first_note")
    assert one.tag("first_note") != one.tag("total_3")
    assert one.tag("first_note") != other.tag("first_note")
    assert len(one.tag("first_note")) == sealing.TAG_BYTES


def test_a_person_key_is_32_bytes() -> None:
    with pytest.raises(ValueError):
        PersonKey("short", b"x" * 16)


def test_the_data_key_wraps_with_the_first_key_and_unwraps_with_any() -> None:
    old, new = new_key(), new_key()
    wrapped = DataKey([old]).encrypt(b"secret")
    both = DataKey([new, old])
    assert both.decrypt(wrapped) == b"secret"
    rotated = both.rotate(wrapped)
    assert DataKey([new]).decrypt(rotated) == b"secret"
    assert both.first_only().decrypt(rotated) == b"secret"
    with pytest.raises(ValueError):
        both.first_only().decrypt(wrapped)


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_the_key_cache_keeps_the_most_recent_and_forgets_after_its_time() -> None:
    clock = Clock()
    cache = KeyCache(size=2, ttl=600, clock=clock)
    a, b, c = _key("a"), _key("b"), _key("c")
    cache.put(a)
    cache.put(b)
    assert cache.get("a") is a  # a is now the most recent
    cache.put(c)
    assert (cache.get("a"), cache.get("b"), cache.get("c")) == (a, None, c)
    assert len(cache) == 2
    cache.evict("a")
    assert cache.get("a") is None
    clock.now = 600
    assert cache.get("c") is None and len(cache) == 0
