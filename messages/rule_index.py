"""Finding which of hundreds of rules can match a text without trying them all.

Every rule starts at the start of a word. From each rule's parsed pattern we work out how
its matches can begin (their first few characters, e.g. "he " or "kil"); a text is then
tried only against the rules whose beginnings occur at one of its word starts. A rule whose
beginning can't be known (it opens with a wildcard) is always tried, so the index never
changes an answer, only how long it takes: a test checks that against trying every rule.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

try:  # the standard library's own pattern parser; private, so its absence is survivable
    from re import _parser as sre_parse  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - every supported Python has it
    sre_parse = None

# How many leading characters index a rule: enough to tell "he " from "hel".
PREFIX = 3
# A look-behind for the first word of a sentence (of the text, or after " . "); a pattern
# that opens with it (in any groups) is tried only there.
SENTENCE_START = "(?:(?<=^ )|(?<=\\. ))"
_OPENS_SENTENCE = re.compile(r"(?:\(\?:)*" + re.escape(SENTENCE_START))
_T = TypeVar("_T")
# A beginning: the characters known so far, and whether what follows is still known.
_Start = tuple[str, bool]


@dataclass(frozen=True, slots=True)
class RuleIndex:
    """Compiled rules of several categories, indexed by how their matches begin."""

    # Every (category, pattern) as given, for whoever needs to try them all (the tests do).
    rules: tuple[tuple[str, str], ...]
    # Per beginning, per category, one pattern joining that category's rules that begin so.
    by_start: Mapping[str, tuple[tuple[str, re.Pattern[str]], ...]]
    # Per category, its rules that may begin with anything, joined.
    always: tuple[tuple[str, re.Pattern[str]], ...]
    # Per beginning, what `by_start` holds for it and for each shorter beginning it starts
    # with: a word is then looked up once (by its longest known beginning), not per length.
    with_shorter: Mapping[str, tuple[tuple[str, re.Pattern[str]], ...]]

    @classmethod
    def of(cls, rules: Iterable[tuple[str, str]]) -> RuleIndex:
        """Index (category, pattern) pairs; each pattern must begin at a word start.

        A pattern that does not compile is a ValueError naming its category."""
        pairs = list(rules)
        grouped: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
        anywhere: dict[str, list[str]] = defaultdict(list)
        for category, pattern in pairs:
            starts = beginnings(pattern)
            if starts is None:
                anywhere[category].append(pattern)
            for start in starts or ():
                grouped[start][category].append(pattern)
        by_start = {
            start: tuple((c, joined(p, c)) for c, p in by_category.items())
            for start, by_category in grouped.items()
        }
        return cls(
            rules=tuple(pairs),
            by_start=by_start,
            always=tuple((c, joined(p, c)) for c, p in anywhere.items()),
            with_shorter=_with_shorter(by_start),
        )

    def match(self, words: str) -> frozenset[str]:
        """The categories with a rule that matches `words` (" "-padded, " "-separated)."""
        found: set[str] = set()
        for category, rule in self.always:
            if category not in found and rule.search(words):
                found.add(category)
        space = words.find(" ")
        while space != -1 and space + 1 < len(words):
            start = space + 1
            for category, rule in _lookup(self.with_shorter, words, start):
                # Tried only where its beginning stands: the space before the word.
                if category not in found and rule.match(words, space):
                    found.add(category)
            space = words.find(" ", start)
        return frozenset(found)


@dataclass(frozen=True, slots=True)
class Blanker:
    """Idioms blanked in one pass from left to right, exactly as `joined(patterns).sub`
    would blank them, but trying at each word start only the patterns that can begin there."""

    # Per beginning, the (position in the list, pattern) pairs that begin so, in list order.
    by_start: Mapping[str, tuple[tuple[int, re.Pattern[str]], ...]]
    # The patterns that may begin with anything, in list order.
    always: tuple[tuple[int, re.Pattern[str]], ...]
    # Those of them that open with SENTENCE_START: tried only at a sentence's first word.
    first_word: tuple[tuple[int, re.Pattern[str]], ...]
    # Per beginning, its patterns, those of its shorter beginnings and `always`, in list
    # order: one look-up per word, nothing to sort (see RuleIndex.with_shorter).
    with_shorter: Mapping[str, tuple[tuple[int, re.Pattern[str]], ...]]

    @classmethod
    def of(cls, patterns: Sequence[str], where: str = "") -> Blanker:
        grouped: dict[str, list[tuple[int, re.Pattern[str]]]] = defaultdict(list)
        anywhere: list[tuple[int, re.Pattern[str]]] = []
        first: list[tuple[int, re.Pattern[str]]] = []
        for position, pattern in enumerate(patterns):
            compiled = (position, joined([pattern], where))
            starts = beginnings(pattern)
            if starts is None:
                (first if _OPENS_SENTENCE.match(pattern) else anywhere).append(compiled)
            for start in starts or ():
                grouped[start].append(compiled)
        by_start = {start: tuple(pairs) for start, pairs in grouped.items()}
        always = tuple(anywhere)
        return cls(
            by_start=by_start,
            always=always,
            first_word=tuple(first),
            with_shorter={
                start: tuple(sorted(pairs + always, key=_position))
                for start, pairs in _with_shorter(by_start).items()
            },
        )

    def sub(self, blank: str, words: str) -> str:
        """`words` with every idiom replaced by `blank`; where several could begin at one
        word, the first in the list wins, as in one pattern of alternatives."""
        kept: list[str] = []
        done = 0
        space = words.find(" ")
        while space != -1 and space + 1 < len(words):
            start = space + 1
            candidates = _lookup(self.with_shorter, words, start, self.always)
            if self.first_word and (space == 0 or words[space - 1] == "."):
                candidates = tuple(sorted(candidates + self.first_word, key=_position))
            found = None
            for _, pattern in candidates:
                if found := pattern.match(words, space):
                    break
            if found is None:
                space = words.find(" ", start)
                continue
            kept += (words[done:space], blank)
            done = found.end()
            space = words.find(" ", done)
        return "".join(kept) + words[done:]


def _position(pair: tuple[int, re.Pattern[str]]) -> int:
    return pair[0]


def _with_shorter(by_start: Mapping[str, tuple[_T, ...]]) -> dict[str, tuple[_T, ...]]:
    """Per beginning, its own entries after those of each shorter beginning it starts with.

    Every shorter beginning is a key too, so a word's entries are those of the longest of
    its beginnings that is a key (see _lookup)."""
    keys = {start[:n] for start in by_start for n in range(1, len(start) + 1)}
    return {
        key: tuple(item for n in range(1, len(key) + 1) for item in by_start.get(key[:n], ()))
        for key in keys
    }


def _lookup(
    table: Mapping[str, tuple[_T, ...]], words: str, start: int, default: tuple[_T, ...] = ()
) -> tuple[_T, ...]:
    """The entries of the longest beginning of the word at `start` that `table` holds."""
    for end in range(start + PREFIX, start, -1):
        if (found := table.get(words[start:end])) is not None:
            return found
    return default


def joined(patterns: Sequence[str], where: str = "") -> re.Pattern[str]:
    """One pattern matching any of `patterns`, from a word start to a word end (the words
    are " "-padded); a leading space rather than a look-behind, so only word starts are
    tried. A broken pattern is a ValueError naming `where`."""
    alternatives = "|".join(f"(?:{p})" for p in patterns)
    try:
        return re.compile(f" (?:{alternatives})(?= )")
    except re.error as exc:
        raise ValueError(f"{where} has a broken pattern: {exc}") from exc


def beginnings(pattern: str) -> frozenset[str] | None:
    """The first characters (up to PREFIX) any match of `pattern` begins with; None if a
    match may begin with anything (or the pattern can't be read)."""
    if sre_parse is None:
        return None
    try:
        parsed = sre_parse.parse(pattern)
    except re.error:
        return None
    starts = _sequence(list(parsed))
    if starts is None or any(not text for text, _ in starts):
        return None
    return frozenset(text for text, _ in starts)


def _sequence(items: Sequence[tuple[Any, Any]]) -> set[_Start] | None:
    found: set[_Start] = {("", True)}
    for op, value in items:
        growing = {(text, known) for text, known in found if known and len(text) < PREFIX}
        if not growing:
            break
        part = _element(op, value)
        settled = found - growing
        if part is None:
            # Nothing more is known after these characters: they are the whole beginning.
            return settled | {(text, False) for text, _ in growing}
        found = settled
        for text, _ in growing:
            for more, known in part:
                joined = text + more
                found.add((joined[:PREFIX], known and len(joined) < PREFIX))
    return found


def _element(op: Any, value: Any) -> set[_Start] | None:
    name = str(op)
    if name == "LITERAL":
        return {(chr(value), True)}
    if name in ("AT", "ASSERT", "ASSERT_NOT"):
        return {("", True)}  # zero width: matches nothing of its own
    if name in ("SUBPATTERN", "ATOMIC_GROUP"):
        return _sequence(list(value[-1]))
    if name == "BRANCH":
        found: set[_Start] = set()
        for branch in value[1]:
            part = _sequence(list(branch))
            if part is None:
                return None
            found |= part
        return found
    if name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
        low, _, body = value
        part = _sequence(list(body))
        if part is None:
            return None
        # After one repetition another may follow: what comes next is no longer known.
        once = {(text, False) for text, _ in part}
        return once | {("", True)} if low == 0 else once
    return None  # a character class, a wildcard, a back-reference: anything may begin here
