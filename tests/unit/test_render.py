"""Tests for the UI text renderer: every locale, fallback, and the loader's validation."""

from __future__ import annotations

from pathlib import Path

import pytest

from messages import DEFAULT_LOCALE, keys, locales, placeholders, render, resolve_locale
from messages.render import _load, _resolve

# A tag no locale will ever use ("zz" is not an ISO 639 language), so fallback stays testable.
UNUSED_LOCALE = "zz-ZZ"


def _dummies(key: str, locale: str) -> dict[str, object]:
    return {name: f"<{name}>" for name in placeholders(key, locale)}


def test_english_is_there() -> None:
    assert DEFAULT_LOCALE in locales()
    assert list(locales()) == sorted(locales())


@pytest.mark.parametrize("locale", locales())
def test_every_key_renders_with_its_placeholders_filled(locale: str) -> None:
    for key in sorted(keys(locale)):
        text = render(key, locale, **_dummies(key, locale))
        assert text.strip(), key
        for name in placeholders(key, locale):
            assert f"<{name}>" in text, f"{key} ({locale}) drops {{{name}}}"


@pytest.mark.parametrize("locale", locales())
def test_every_locale_matches_english_keys_and_placeholders(locale: str) -> None:
    assert keys(locale) == keys(DEFAULT_LOCALE)
    for key in keys(DEFAULT_LOCALE):
        assert placeholders(key, locale) == placeholders(key, DEFAULT_LOCALE), key


def test_initial_keys_and_their_placeholders() -> None:
    expected = {
        "ritual_prompt": {"prompt", "question"},
        "prompt_answered": {"prompt", "rating", "label", "thanks"},
        "schedule_daily": {"time"},
        "schedule_weekly": {"day", "time"},
        "schedule_days": {"days", "time"},
    }
    expected |= {f"weekday_{day}": set() for day in range(7)}
    expected |= {f"weekday_short_{day}": set() for day in range(7)}
    for key, names in expected.items():
        assert placeholders(key) == names, key


def test_english_texts() -> None:
    assert render("ritual_prompt", prompt="Breathe.", question="How?") == "Breathe.\n\nHow?"
    answered = render("prompt_answered", prompt="Breathe.", rating=3, label="Okay", thanks="Ta.")
    assert answered == "Breathe.\n\nYour answer: 3 · Okay\n\nTa."
    assert render("schedule_daily", time="22:00") == "Every day at 22:00"
    assert render("schedule_weekly", day="Sunday", time="19:00") == "Every Sunday at 19:00"
    assert render("schedule_days", days="Tue, Thu, Sat", time="21:00") == "Tue, Thu, Sat at 21:00"
    assert [render(f"weekday_{day}") for day in (0, 6)] == ["Monday", "Sunday"]
    assert [render(f"weekday_short_{day}") for day in (0, 6)] == ["Mon", "Sun"]


def test_prompt_text_with_braces_is_inserted_verbatim() -> None:
    # Values are never formatted again, so a brace in a ritual text or a name is harmless.
    assert render("ritual_prompt", prompt="{a}", question="{b}") == "{a}\n\n{b}"


def test_unknown_locale_falls_back_to_english() -> None:
    assert resolve_locale(UNUSED_LOCALE) == DEFAULT_LOCALE
    for key in keys(DEFAULT_LOCALE):
        values = _dummies(key, DEFAULT_LOCALE)
        assert render(key, UNUSED_LOCALE, **values) == render(key, DEFAULT_LOCALE, **values)
    assert keys(UNUSED_LOCALE) == keys(DEFAULT_LOCALE)


@pytest.mark.parametrize(
    ("requested", "available", "expected"),
    [
        ("de-AT", {"en", "de"}, "de"),
        ("de-AT", {"en"}, "en"),
        ("de_at", {"en", "de", "de-at"}, "de-at"),
        ("pt-br", {"en", "pt"}, "pt"),
        ("pt-BR", {"en", "pt-br", "pt"}, "pt-br"),
        ("zh-hant-tw", {"en", "zh-hant"}, "zh-hant"),
        (" EN ", {"en", "de"}, "en"),
        ("", {"en", "de"}, "en"),
    ],
)
def test_locale_resolution(requested: str, available: set[str], expected: str) -> None:
    assert _resolve(requested, available) == expected


def test_missing_value_raises() -> None:
    with pytest.raises(KeyError, match="question"):
        render("ritual_prompt", prompt="Breathe.")
    with pytest.raises(KeyError, match="time"):
        render("schedule_weekly", UNUSED_LOCALE, day="Sunday")


def test_locale_given_by_keyword_is_refused() -> None:
    with pytest.raises(TypeError, match="positionally"):
        render("schedule_daily", locale="en", time="22:00")


def test_unknown_key_raises() -> None:
    with pytest.raises(KeyError, match="no_such_text"):
        render("no_such_text")
    with pytest.raises(KeyError, match="no_such_text"):
        placeholders("no_such_text")


# Loader validation on small temporary locale trees.

ENGLISH = 'greeting = "Hello, {name}."\nfarewell = "Bye."\nbraces = "{{literal}} {x}"\n'


def _write(root: Path, files: dict[str, str]) -> Path:
    for locale, text in files.items():
        (root / "locales" / locale).mkdir(parents=True)
        (root / "locales" / locale / "texts.toml").write_text(text, encoding="utf-8")
    return root


def test_valid_temporary_locales_load(tmp_path: Path) -> None:
    german = 'greeting = "Hallo, {name}."\nfarewell = "Tschüss."\nbraces = "{{wörtlich}} {x}"\n'
    loaded = _load(_write(tmp_path, {"en": ENGLISH, "de": german}))
    assert sorted(loaded) == ["de", "en"]
    assert loaded["de"].texts["farewell"] == "Tschüss."
    assert loaded["en"].placeholders["greeting"] == frozenset({"name"})
    assert loaded["en"].placeholders["braces"] == frozenset({"x"})


BROKEN = [
    ("placeholder-mismatch", "de", ENGLISH.replace("{name}", "{hour}"), "greeting", "['hour']"),
    ("missing-key", "de", 'greeting = "Hallo, {name}."', "farewell", "missing keys"),
    ("extra-key", "de", ENGLISH + 'extra = "Mehr."\n', "extra", "not in en"),
    ("table", "de", ENGLISH + "[nested]\nkey = 'x'\n", "nested", "must be a string"),
    ("number", "de", ENGLISH + "count = 3\n", "count", "must be a string"),
    ("empty", "de", ENGLISH.replace('"Bye."', '""'), "farewell", "is empty"),
    ("positional", "en", 'greeting = "Hello, {}."', "greeting", "plain name"),
    ("attribute", "en", 'greeting = "Hello, {user.name}."', "greeting", "plain name"),
    ("bad-brace", "en", 'greeting = "Hello, {name."', "greeting", "placeholder syntax"),
    ("bad-key", "en", 'Greeting = "Hello."', "Greeting", "lower_snake_case"),
    ("duplicate", "en", ENGLISH + 'farewell = "Again."\n', "farewell", "overwrite"),
]


@pytest.mark.parametrize(
    ("locale", "text", "key", "message"), [pytest.param(*case[1:], id=case[0]) for case in BROKEN]
)
def test_broken_texts_are_rejected_with_file_and_key(
    tmp_path: Path, locale: str, text: str, key: str, message: str
) -> None:
    files = {"en": ENGLISH, "de": ENGLISH} | {locale: text}
    root = _write(tmp_path, files)
    with pytest.raises(ValueError) as caught:
        _load(root)
    error = str(caught.value)
    # Per-file problems name the file; cross-locale ones name the locale's folder.
    assert str(root / "locales" / locale) in error
    assert key in error
    assert message in error


def test_feature_files_join_texts_and_may_not_repeat_a_key(tmp_path: Path) -> None:
    root = _write(tmp_path, {"en": ENGLISH})
    (root / "locales" / "en" / "progress.toml").write_text('week = "This week"\n')
    assert _load(root)["en"].texts["week"] == "This week"
    _load.cache_clear()
    (root / "locales" / "en" / "more.toml").write_text('farewell = "Again."\n')
    with pytest.raises(ValueError, match=r"more\.toml: keys \['farewell'\] are already defined"):
        _load(root)


def test_english_is_required(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="reference locale 'en' is missing"):
        _load(_write(tmp_path, {"de": ENGLISH}))


def test_locale_directory_names_are_lower_case_tags(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="pt-BR: locale directory"):
        _load(_write(tmp_path, {"en": ENGLISH, "pt-BR": ENGLISH}))
