"""Noticing danger in what a person types: a small grammar per locale, kept as data.

Each locale's ``crisis_patterns.toml`` holds four parts, applied in this order:

1. ``[folds]``: spellings, contractions and slang mapped to one plain form ("dont" ->
   "do not", "kms" -> "kill myself"), after case, accents' compatibility forms, invisible
   characters, apostrophes and stretched letters ("dieee") are folded. A locale may fold
   letters too (``[letters]``: "ü" -> "ue" as German spells it without umlauts, "ñ" -> "n"
   as Spanish is typed on any keyboard), so every spelling of a word meets one form.
2. ``[macros]``: named word classes (``{WANT}``, ``{SELF}``, ``{PARTNER}``) that rules
   combine, so "subject + intention + act" is written once and not as a phrase list.
3. ``[safe]``: idioms and negations that must never fire ("dying to try", "this deadline is
   killing me", "I can't go on the trip"); they are blanked out before the rules run.
4. ``[rules]``: per category, regular expressions over the folded words.

A small linear model per locale (``messages.danger_model``) reads the same folded words and
adds what the rules have no words for: a category is found if the rules or the model find it.

Nothing here judges or diagnoses: a match only decides which care the reply offers. The
result is a set of categories, never the words that matched, so logs can say which kind
of help was shown and nothing of what was written.
"""

from __future__ import annotations

import functools
import re
import tomllib
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from messages import danger_model
from messages.render import DEFAULT_LOCALE, resolve_locale
from messages.resources import Category
from messages.rule_index import Blanker, RuleIndex

__all__ = [
    "Category",
    "detect",
    "model_flagged",
    "model_scores",
    "normalise",
    "read",
    "rules_match",
]

LOCALES = Path(__file__).parent / "locales"
PATTERNS_FILE = "crisis_patterns.toml"
# Characters that hide between letters (zero-width, direction marks, soft hyphen) and
# must not let a word slip past.
_INVISIBLE = dict.fromkeys(
    [
        *(0x00AD, 0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF, 0x200E, 0x200F),
        *range(0x202A, 0x202F),
        *range(0x2066, 0x206A),
    ]
)
_APOSTROPHES = re.compile(r"[\u2019\u2018\u02bc\u0060\u00b4']")
# Sentence ends become a barrier word, so no rule joins "I want to." and "Die Hard".
_SENTENCE_END = re.compile(r"[.!?;:\n\r\u2026]+")
_NOT_WORD = re.compile(r"[^\w.]+")
# Three or more of one letter ("dieee", "pleeease") fold to one.
_STRETCHED = re.compile(r"([^\W\d_])\1{2,}")
_MACRO = re.compile(r"\{([A-Z][A-Z_]*)\}")
# Longer input is only ever a note or a message to answer: its start is what is read.
MAX_CHARS = 4096


@dataclass(frozen=True, slots=True)
class _Folds:
    """Whole words (or runs of words) replaced by their plain form, in one pass."""

    pattern: re.Pattern[str]
    plain: Mapping[str, str]

    @classmethod
    def of(cls, table: Mapping[str, str], edge: str) -> _Folds | None:
        if not table:
            return None
        keys = sorted(table, key=len, reverse=True)
        alternatives = "|".join(re.escape(k) for k in keys)
        return cls(re.compile(rf"(?<={edge})({alternatives})(?={edge})"), table)

    def apply(self, text: str) -> str:
        return self.pattern.sub(lambda m: self.plain[m.group(1)], text)


@dataclass(frozen=True, slots=True)
class _Grammar:
    letters: Mapping[int, str] | None
    spellings: _Folds | None
    folds: _Folds | None
    safe: Blanker | None
    rules: RuleIndex


def detect(text: str, locale: str = DEFAULT_LOCALE) -> frozenset[Category]:
    """The kinds of danger the text speaks of, in its locale and in English; empty if none.

    A kind is found when the rules or a model (the locale's, if it has one, and English's)
    find it.
    """
    found: set[Category] = set()
    read_by: dict[str, str] = {}  # grammar locale -> the words it read
    # Every locale is read with the English patterns and model too, whatever else it has:
    # a person writing in any language may write words of danger in English. A locale
    # without patterns of its own is read by English's grammar, and with its own model if
    # it has one (trained on words read that way: benchmarks/train_danger_model.py).
    # Nobody loses the safety net; a locale's own patterns and model only ever add to it.
    for own in dict.fromkeys((resolve_locale(locale), DEFAULT_LOCALE)):
        grammar_locale = _grammar_locale(own)
        model = danger_model.model_for(own)
        if grammar_locale != own and model is None:
            continue  # nothing of its own: English's reading below is all there is
        if grammar_locale not in read_by:
            read_by[grammar_locale] = read(text, grammar_locale)
            found |= rules_match(read_by[grammar_locale], grammar_locale)
        if model is not None:
            found |= model.flagged(read_by[grammar_locale])
    return frozenset(found)


def model_scores(text: str, locale: str = DEFAULT_LOCALE) -> dict[Category, float]:
    """Each category's score (0 to 1) from the locale's model alone; empty if it has none."""
    resolved = resolve_locale(locale)
    model = danger_model.model_for(resolved)
    return {} if model is None else model.scores(read(text, resolved))


def model_flagged(text: str, locale: str = DEFAULT_LOCALE) -> frozenset[Category]:
    """The categories the locale's model alone finds (the rules' are not added)."""
    resolved = resolve_locale(locale)
    model = danger_model.model_for(resolved)
    return frozenset() if model is None else model.flagged(read(text, resolved))


def read(text: str, locale: str) -> str:
    """The words the rules and the model read: folded, idioms blanked to " . "."""
    grammar = _grammar(locale)
    return _apply(grammar, normalise(text, grammar.spellings, grammar.letters))


def rules_match(words: str, locale: str) -> frozenset[Category]:
    """The categories whose rules match words already `read` in that locale."""
    return frozenset(Category(name) for name in _grammar(locale).rules.match(words))


def normalise(
    text: str, spellings: _Folds | None = None, letters: Mapping[int, str] | None = None
) -> str:
    """Lower-case words separated by single spaces, with " . " between sentences.

    `letters` are folded first (so `spellings` and everything after see one spelling);
    `spellings` are folded while apostrophes still stand, for forms they tell apart
    ("sa'd" is not "sad").
    """
    text = unicodedata.normalize("NFKC", text[:MAX_CHARS]).translate(_INVISIBLE).casefold()
    if letters is not None:
        text = text.translate(letters)
    text = _APOSTROPHES.sub("'", text)
    if spellings is not None:
        text = spellings.apply(f" {text} ")
    text = text.replace("'", "")
    text = _SENTENCE_END.sub(" . ", text)
    text = _NOT_WORD.sub(" ", text.replace("_", " "))
    text = _STRETCHED.sub(r"\1", text)
    return f" {' '.join(text.split())} "


def _apply(grammar: _Grammar, words: str) -> str:
    if grammar.folds is not None:
        words = grammar.folds.apply(words)
    if grammar.safe is not None:
        # A blanked idiom leaves a barrier behind, so words on either side don't join.
        words = grammar.safe.sub("  . ", words)
    return words


def load() -> None:
    """Read and check every locale's grammar and model now (at start), so a broken edit
    stops the start and the first person to write doesn't wait for it."""
    for directory in sorted(LOCALES.iterdir()):
        if (directory / PATTERNS_FILE).exists():
            _grammar(directory.name)
        if directory.is_dir():
            danger_model.model_for(directory.name)


def _grammar_locale(locale: str) -> str:
    """The locale whose grammar reads ``locale``: its own if it has one, else English's."""
    resolved = resolve_locale(locale)
    return resolved if _has_grammar(resolved) else DEFAULT_LOCALE


@functools.cache  # keyed by available locales only: resolve_locale maps anything to one
def _has_grammar(locale: str) -> bool:
    return (LOCALES / locale / PATTERNS_FILE).exists()


@functools.cache
def _grammar(locale: str) -> _Grammar:
    path = LOCALES / locale / PATTERNS_FILE
    if not path.exists():
        path = LOCALES / DEFAULT_LOCALE / PATTERNS_FILE
    return load_grammar(path)


def load_grammar(path: Path) -> _Grammar:
    """Read and compile one locale's grammar; ValueError naming the file if it is broken."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ValueError(f"{path}: {exc}") from exc
    macros = _table(data, "macros", path)
    folds = _table(data, "folds", path)
    rules = data.get("rules", {})
    if unknown := sorted(set(rules) - {c.value for c in Category}):
        raise ValueError(f"{path}: [rules] has unknown categories {unknown}")
    expanded = [
        (name, pattern)
        for name, patterns in rules.items()
        for pattern in _expand(patterns, macros, path, name)
    ]
    safe = _expand(data.get("safe", {}).get("patterns", []), macros, path, "safe")
    letters = _letters(_table(data, "letters", path), path)
    try:
        return _Grammar(
            letters=letters,
            # Spellings see the text with apostrophes and punctuation; folds, plain words.
            spellings=_Folds.of(_table(data, "spellings", path), r"[\s.,!?;:()\"]"),
            folds=_Folds.of(
                {normalise(k, letters=letters).strip(): v for k, v in folds.items()}, " "
            ),
            safe=Blanker.of(safe, "safe") if safe else None,
            rules=RuleIndex.of(expanded),
        )
    except ValueError as exc:  # a broken pattern, named by its category
        raise ValueError(f"{path}: {exc}") from exc


def _table(data: dict[str, Any], name: str, path: Path) -> dict[str, str]:
    table = data.get(name, {})
    if not isinstance(table, dict) or not all(isinstance(v, str) for v in table.values()):
        raise ValueError(f"{path}: [{name}] must map names to strings")
    return table


def _letters(table: Mapping[str, str], path: Path) -> dict[int, str] | None:
    """The [letters] table as a translation: one (lower-case) letter to its plain form."""
    if not table:
        return None
    if wrong := sorted(k for k in table if len(k) != 1):
        raise ValueError(f"{path}: [letters] maps single letters, not {wrong}")
    return {ord(k): v for k, v in table.items()}


def _expand(patterns: object, macros: Mapping[str, str], path: Path, where: str) -> list[str]:
    if not isinstance(patterns, list) or not all(isinstance(p, str) for p in patterns):
        raise ValueError(f"{path}: {where} must be a list of strings")

    def expand(pattern: str, depth: int = 0) -> str:
        if depth > 8:
            raise ValueError(f"{path}: macros in {where} nest too deeply")

        def one(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in macros:
                raise ValueError(f"{path}: {where} uses an unknown macro {{{name}}}")
            return f"(?:{expand(macros[name], depth + 1)})"

        return _MACRO.sub(one, pattern)

    return [expand(p) for p in patterns]
