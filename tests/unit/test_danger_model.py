"""The danger model: its shipped weights, its loader's rules, and what it adds to the rules."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from messages import danger_model, safety
from messages.danger_model import BUCKETS, MODEL_FILE, features, load_model
from messages.safety import Category, detect
from messages.safety import model_flagged as flagged
from messages.safety import model_scores as scores

S, H, V, P, D = (
    Category.SUICIDE,
    Category.SELF_HARM,
    Category.SEXUAL_VIOLENCE,
    Category.PARTNER_VIOLENCE,
    Category.DANGER_NOW,
)
SHIPPED = safety.LOCALES / "en" / MODEL_FILE
FIXED = "I can't see a way forward any more, everyone would cope without me"


def test_the_shipped_model_loads_with_every_category() -> None:
    model = load_model(SHIPPED)
    assert model.categories == tuple(Category)
    assert len(model.packed) > 1000
    assert all(math.isfinite(cut) for cut in model.cut)
    assert danger_model.model_for("en") is not None
    assert danger_model.model_for("zz") is None  # a locale without a file has no model


def test_scores_are_the_plain_sum_of_the_files_weights() -> None:
    """The packed fixed-point sum gives what the file's weights say, to rounding."""
    data = json.loads(SHIPPED.read_text(encoding="utf-8"))
    found = features(safety.read(FIXED, "en"))
    got = scores(FIXED, "en")
    for name, part in data["categories"].items():
        weights = dict(zip(part["buckets"], part["weights"], strict=True))
        logit = part["bias"] + sum(weights.get(b, 0.0) for b in found) / math.sqrt(len(found))
        assert got[Category(name)] == pytest.approx(1 / (1 + math.exp(-logit)), abs=1e-9)


@pytest.mark.parametrize("seed", ["1", "2"])
def test_scores_do_not_depend_on_the_process(seed: str) -> None:
    """Buckets come from crc32, not hash(): another process, another hash seed, same scores."""
    code = f"from messages.safety import model_scores; print(repr(model_scores({FIXED!r})))"
    env = {**os.environ, "PYTHONHASHSEED": seed}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    assert out.stdout.strip() == repr(scores(FIXED))


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("I want to kill myself", S),
        ("I have been cutting my arms again", H),
        ("he raped me", V),
        ("my husband beats me", P),
        ("there is someone in my house", D),
    ],
)
def test_clear_danger_is_flagged(text: str, category: Category) -> None:
    assert category in flagged(text)


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("someone is trying to break into my house right now", D),
        ("my date kept pouring me drinks and i woke up at his place", V),
    ],
)
def test_detect_adds_what_only_the_model_finds(text: str, category: Category) -> None:
    assert not safety.rules_match(safety.read(text, "en"), "en")
    assert category in detect(text)


@pytest.mark.parametrize(
    "text",
    ["this deadline is killing me", "I'm dying to try that cafe", "I cut myself a slice of cake"],
)
def test_idioms_the_grammar_blanks_never_reach_the_model(text: str) -> None:
    assert flagged(text) == frozenset()
    assert max(scores(text).values()) < 0.2


@given(st.text(max_size=300))
def test_any_text_gets_a_score_between_0_and_1(text: str) -> None:
    got = scores(text)
    assert set(got) == set(Category)
    assert all(0.0 <= value <= 1.0 for value in got.values())
    assert all(0 <= bucket < BUCKETS for bucket in features(safety.read(text, "en")))


def _part(**changes: object) -> dict[str, object]:
    return {"bias": -1.0, "threshold": 0.5, "buckets": [1, 2], "weights": [0.5, -0.5], **changes}


def _file(**changes: object) -> object:
    return {"format": 1, "buckets": BUCKETS, "categories": {"suicide": _part()}, **changes}


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ("{not json", "Expecting"),
        (json.dumps([1]), "format 1"),
        (json.dumps(_file(format=2)), "format 1"),
        (json.dumps(_file(buckets=1024)), "1024 buckets"),
        (json.dumps(_file(categories={})), "non-empty"),
        (json.dumps(_file(categories={"sadness": _part()})), "unknown categories"),
        (json.dumps(_file(categories={"suicide": _part(bias="x")})), "bias"),
        (json.dumps(_file(categories={"suicide": _part(threshold=1.0)})), "threshold"),
        (json.dumps(_file(categories={"suicide": _part(buckets=[1])})), "one per weight"),
        (json.dumps(_file(categories={"suicide": _part(buckets=[1, 1])})), "unique"),
        (json.dumps(_file(categories={"suicide": _part(buckets=[1, BUCKETS])})), "whole"),
        (json.dumps(_file(categories={"suicide": _part(weights=[0.5, None])})), "weights"),
        (json.dumps(_file(categories={"suicide": _part(weights=[0.5, 1e9])})), "weights"),
    ],
)
def test_a_broken_model_file_is_refused_naming_it(tmp_path: Path, body: str, problem: str) -> None:
    path = tmp_path / MODEL_FILE
    path.write_text(body, encoding="utf-8")
    with pytest.raises(ValueError, match=problem) as raised:
        load_model(path)
    assert MODEL_FILE in str(raised.value)


def test_a_small_valid_file_loads_and_scores(tmp_path: Path) -> None:
    path = tmp_path / MODEL_FILE
    path.write_text(json.dumps(_file()), encoding="utf-8")
    model = load_model(path)
    assert model.categories == (S,)
    assert model.logits(frozenset({1, 2, 3, 4})) == pytest.approx((-1.0,))
    assert model.logits(frozenset({1, 3, 5, 7})) == pytest.approx((-1.0 + 0.5 / 2,))


def test_a_locale_with_a_model_and_no_patterns_is_read_by_its_own_model(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A German model (trained on words the English grammar read) is used for German."""
    english = danger_model.model_for("en")
    always = danger_model.Model.of((S,), [5.0], [0.5], {})  # flags whatever it reads
    models = {"en": english, "de": always}
    monkeypatch.setattr(danger_model, "model_for", models.get)
    harmless = "we baked bread together this morning"
    assert detect(harmless, "de") == frozenset({S})
    assert detect(harmless, "de-AT") == frozenset({S})
    assert detect(harmless, "es") == frozenset()
    assert detect(harmless, "en") == frozenset()
    assert detect("i want to die", "de") == frozenset({S})  # English's rules still read it
