"""A small linear model that notices danger the grammar's rules have no words for.

It reads the same words the rules do (folded by the locale's grammar, idioms already
blanked, so "this deadline is killing me" never reaches it) and scores each category with a
logistic regression over hashed features: words, pairs of neighbouring words within a
sentence, and 4- and 5-letter pieces of words with their edges marked ("<die", "die>";
3-letter pieces nearly doubled the time and added nothing measurable). Features are hashed
with zlib.crc32 (Python's hash() changes between runs) into ``BUCKETS`` buckets.

Tried on the same leave-one-writer-out folds and left out, because they caught no more
(benchmarks/train_danger_model.py has the folds): pairs of words one apart, pairs of
5-letter word stems (each within a point of this), and a shipped static sentence embedding
(wordllama's 256-dimensional Llama-2 token vectors, averaged per message and per sentence)
with a linear or small two-layer reader, alone or added to this one: alone it caught 4 to
10 points less per category, added it caught less than this alone, and it would have
meant 16 MB of weights, a tokeniser and 0.14 ms more a message.

The weights are data, ``messages/locales/<locale>/danger_model.json``, written by
``benchmarks/train_danger_model.py``: per category a bias, a threshold, and the non-zero
weights by bucket. A locale without the file has no model and is read by its grammar alone.
Like the grammar, the model answers with categories only, never with words.
"""

from __future__ import annotations

import functools
import json
import math
import zlib
from collections.abc import Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from itertools import repeat
from pathlib import Path
from typing import TypeGuard

from messages.resources import Category

_LOCALES = Path(__file__).parent / "locales"

__all__ = [
    "BUCKETS",
    "MODEL_FILE",
    "Model",
    "features",
    "load_model",
    "model_for",
]

MODEL_FILE = "danger_model.json"
FORMAT = 1
BUCKETS = 2**18
CHAR_GRAMS = (4, 5)
# Longer "words" (a pasted link, a key mash) count as a word only: their pieces say nothing.
_MAX_WORD = 24
_BARRIER = "."
# Fewer words than this are the rules' alone ("kms", "sos"): a word or two on its own,
# like "help" or a command, says too little for the model to judge.
MIN_WORDS = 3
# Beyond this a logistic score is 0 or 1 to every digit a float has.
_MAX_LOGIT = 40.0
# Weights are summed in steps of 1/_SCALE, each shifted up by _OFFSET to stay positive, in
# fields of _FIELD bits: even every bucket hit at once (2**18 * 2**25) cannot spill over.
_SCALE = 10_000
_OFFSET = 1 << 24
_FIELD = 64
_MASK = (1 << _FIELD) - 1
MAX_WEIGHT = (_OFFSET - 1) // _SCALE


@dataclass(frozen=True, slots=True)
class Model:
    """One locale's weights, for `categories` in that order, and a threshold for each."""

    categories: tuple[Category, ...]
    bias: tuple[float, ...]
    # Decisions are taken on the logit: the same as the probability, without exp().
    cut: tuple[float, ...]
    # Per bucket its weights in fixed point, one field each, and a 1 above them counting
    # hits: a message's sums are then one sum() over ints instead of a loop per category.
    packed: Mapping[int, int]

    @classmethod
    def of(
        cls,
        categories: Sequence[Category],
        bias: Sequence[float],
        thresholds: Sequence[float],
        weights: Mapping[int, Sequence[float]],
    ) -> Model:
        """A model from plain weights (per bucket one per category) and probabilities."""
        hit = 1 << (_FIELD * len(categories))
        return cls(
            categories=tuple(categories),
            bias=tuple(bias),
            cut=tuple(math.log(t / (1.0 - t)) for t in thresholds),
            packed={
                bucket: hit + sum(_fixed(w) << (_FIELD * j) for j, w in enumerate(row))
                for bucket, row in weights.items()
            },
        )

    def logits(self, found: AbstractSet[int]) -> tuple[float, ...]:
        """The categories' logits for a set of feature buckets (its size scales them)."""
        total = sum(map(self.packed.get, found, repeat(0)))
        if not total:
            return self.bias
        hits = total >> (_FIELD * len(self.bias))
        scale = 1.0 / (_SCALE * math.sqrt(len(found)))
        return tuple(
            b + scale * (((total >> (_FIELD * j)) & _MASK) - hits * _OFFSET)
            for j, b in enumerate(self.bias)
        )

    def scores(self, words: str) -> dict[Category, float]:
        """Each category's score (0 to 1) for words already read by the locale's grammar."""
        logits = self.logits(features(words))
        return {c: _sigmoid(z) for c, z in zip(self.categories, logits, strict=True)}

    def flagged(self, words: str) -> frozenset[Category]:
        """The categories whose score reaches their threshold, for words already `read`."""
        if not long_enough(words):
            return frozenset()
        logits = self.logits(features(words))
        return frozenset(
            category
            for category, logit, cut in zip(self.categories, logits, self.cut, strict=True)
            if logit >= cut
        )


def long_enough(words: str) -> bool:
    """True when the words are enough for the model to read (MIN_WORDS or more)."""
    split = words.split()
    return len(split) - split.count(_BARRIER) >= MIN_WORDS


def features(words: str) -> frozenset[int]:
    """The hashed feature buckets of folded words (" . " separates sentences)."""
    found: set[int] = set()
    previous = _BARRIER
    for word in words.split():
        if word != _BARRIER:
            found.update(_word_buckets(word))
            if previous != _BARRIER:
                found.add(_pair_bucket(previous, word))
        previous = word
    return frozenset(found)


@functools.lru_cache(maxsize=2**14)
def _word_buckets(word: str) -> tuple[int, ...]:
    found = [_bucket(f"w {word}")]
    if len(word) <= _MAX_WORD:
        edged = f"<{word}>"
        for n in CHAR_GRAMS:
            found += (_bucket(f"c {edged[i : i + n]}") for i in range(len(edged) - n + 1))
    return tuple(found)


@functools.lru_cache(maxsize=2**14)
def _pair_bucket(first: str, second: str) -> int:
    return _bucket(f"b {first} {second}")


def _fixed(weight: float) -> int:
    return round(weight * _SCALE) + _OFFSET


def _bucket(feature: str) -> int:
    return zlib.crc32(feature.encode()) & (BUCKETS - 1)


def _sigmoid(logit: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-_MAX_LOGIT, min(_MAX_LOGIT, logit))))


@functools.cache
def model_for(locale: str) -> Model | None:
    """The locale's model, read and checked once; None if the locale has no model file."""
    path = _LOCALES / locale / MODEL_FILE
    return load_model(path) if path.exists() else None


def load_model(path: Path) -> Model:
    """Read and check one model file; ValueError naming the file if it is broken."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"{path}: {exc}") from exc
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ValueError(f"{path}: expected an object with format {FORMAT}")
    if data.get("buckets") != BUCKETS:
        raise ValueError(f"{path}: hashed into {data.get('buckets')} buckets, not {BUCKETS}")
    parts = data.get("categories")
    if not isinstance(parts, dict) or not parts:
        raise ValueError(f"{path}: categories must be a non-empty object")
    if unknown := sorted(set(parts) - {c.value for c in Category}):
        raise ValueError(f"{path}: unknown categories {unknown}")
    categories = tuple(Category(name) for name in parts)
    table: dict[int, list[float]] = {}
    bias, thresholds = [], []
    for index, (name, part) in enumerate(parts.items()):
        b, threshold, buckets, weights = _part(part, f"{path}: {name}")
        bias.append(b)
        thresholds.append(threshold)
        for bucket, weight in zip(buckets, weights, strict=True):
            table.setdefault(bucket, [0.0] * len(categories))[index] = weight
    return Model.of(categories, bias, thresholds, table)


def _part(part: object, where: str) -> tuple[float, float, list[int], list[float]]:
    if not isinstance(part, dict):
        raise ValueError(f"{where} must be an object")
    bias, threshold = part.get("bias"), part.get("threshold")
    buckets, weights = part.get("buckets"), part.get("weights")
    if not _is_number(bias):
        raise ValueError(f"{where}: bias must be a number")
    if not _is_number(threshold) or not 0.0 < threshold < 1.0:
        raise ValueError(f"{where}: threshold must be a number between 0 and 1")
    if not isinstance(buckets, list) or not isinstance(weights, list):
        raise ValueError(f"{where}: buckets and weights must be lists")
    if not all(
        isinstance(b, int) and not isinstance(b, bool) and 0 <= b < BUCKETS for b in buckets
    ):
        raise ValueError(f"{where}: buckets must be whole numbers from 0 to {BUCKETS - 1}")
    if len(buckets) != len(weights) or len(set(buckets)) != len(buckets):
        raise ValueError(f"{where}: buckets must be unique, one per weight")
    if not all(_is_number(w) and abs(w) <= MAX_WEIGHT for w in weights):
        raise ValueError(f"{where}: weights must be numbers from -{MAX_WEIGHT} to {MAX_WEIGHT}")
    return float(bias), float(threshold), buckets, [float(w) for w in weights]


def _is_number(value: object) -> TypeGuard[float]:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
