"""The rule index only saves time: it finds exactly what trying every rule finds."""

from __future__ import annotations

import functools
import re
import tomllib
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from messages import safety
from messages.rule_index import beginnings, joined
from messages.safety import _grammar, normalise, read
from tests.safety_corpus import load


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("i want", {"i w"}),
        ("(?:he|she) hits", {"he ", "she"}),
        ("(?:my )?ex", {"my ", "ex"}),
        ("k[a-z]+", {"k"}),
        ("(?:[\\w]+ ){0,3}until", None),
        ("x?", None),
        ("a(?=b)", {"a"}),
    ],
)
def test_beginnings_are_what_a_match_starts_with(pattern: str, expected: set[str] | None) -> None:
    assert beginnings(pattern) == (None if expected is None else frozenset(expected))


# Every locale with a grammar of its own (its rules open with its own words and forms).
GRAMMARS = ["en", "de", "es"]


@functools.cache
def _each_rule(locale: str = "en") -> list[tuple[str, re.Pattern[str]]]:
    return [(category, joined([pattern])) for category, pattern in _grammar(locale).rules.rules]


def _every_rule(words: str, locale: str = "en") -> frozenset[str]:
    return frozenset(category for category, rule in _each_rule(locale) if rule.search(words))


@pytest.mark.parametrize("locale", GRAMMARS)
def test_the_index_finds_what_every_rule_finds_on_the_corpus(locale: str) -> None:
    index = _grammar(locale).rules
    for example in load(locale, "tuned"):
        words = read(example.text, locale)
        assert index.match(words) == _every_rule(words, locale), example.text


@given(st.lists(st.sampled_from(["i", "want", "to", "die", "he", "hits", "me", ".", "my", "x"])))
def test_the_index_finds_what_every_rule_finds_on_any_words(words: list[str]) -> None:
    index = _grammar("en").rules
    text = f" {' '.join(words)} "
    assert index.match(text) == _every_rule(text)


@functools.cache
def _safe_patterns(locale: str) -> re.Pattern[str]:
    path = Path(safety.__file__).parent / "locales" / locale / safety.PATTERNS_FILE
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    macros = data["macros"]
    return joined(safety._expand(data["safe"]["patterns"], macros, path, "safe"))


@pytest.mark.parametrize("locale", GRAMMARS)
def test_the_safe_index_blanks_what_one_pattern_of_all_idioms_blanks(locale: str) -> None:
    grammar = _grammar(locale)
    assert grammar.safe is not None
    for example in load(locale, "tuned"):
        words = normalise(example.text, grammar.spellings, grammar.letters)
        if grammar.folds is not None:
            words = grammar.folds.apply(words)
        assert grammar.safe.sub("  . ", words) == _safe_patterns(locale).sub("  . ", words), words
