"""What a confidant reads of a milestone: its kind in words, never the practice, in every
language; and which milestones are never shared."""

from __future__ import annotations

import pytest

from messages import locales, ritual_text, rituals
from progress.milestones import TOTALS
from progress.sharing import SHARE_KINDS, parse_shares, share_kind, shared_words, stored_shares

KEYS = [
    "first:body_scan",
    "first_note",
    "first_weekly",
    *(f"total_{n}" for n in TOTALS),
    "welcome_back:2026-12-01",
    "growth:body_scan:2026-12-01",
    "win:want",
]


@pytest.mark.parametrize("locale", sorted(locales()))
@pytest.mark.parametrize("key", KEYS)
def test_shared_words_name_no_practice(key: str, locale: str) -> None:
    words = shared_words(key, locale)
    assert words
    for ritual in rituals():
        assert ritual_text(ritual.key, locale).name not in words
    assert "body_scan" not in words and "2026" not in words


@pytest.mark.parametrize("key", ["four_of_seven:2026-W48", "first_five:body_scan", "x", ""])
def test_retired_or_unknown_keys_are_never_shared(key: str) -> None:
    assert share_kind(key) is None
    with pytest.raises(KeyError):
        shared_words(key, "en")


def test_every_key_has_a_kind_and_kinds_round_trip() -> None:
    assert {share_kind(k) for k in KEYS} == set(SHARE_KINDS)
    chosen = frozenset({"growth", "firsts"})
    assert parse_shares(stored_shares(chosen)) == chosen
    assert parse_shares("firsts,bogus,,counts") == {"firsts", "counts"}
