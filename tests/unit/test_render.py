"""Tests for the UI text renderer: every locale, fallback, and the loader's validation."""

from __future__ import annotations

from pathlib import Path

import pytest

from messages import DEFAULT_LOCALE, keys, locales, placeholders, render, resolve_locale
from messages.formats import plural_category
from messages.render import _load, is_plural, translation_gaps
from messages.tags import resolve

# A tag no locale will ever use ("zz" is not an ISO 639 language), so fallback stays testable.
UNUSED_LOCALE = "zz-ZZ"


def _dummies(key: str, locale: str) -> dict[str, object]:
    # A plural text's form follows an int count; 7 is "other" in every locale we have.
    return {
        name: 7 if is_plural(key) and name == "count" else f"<{name}>"
        for name in placeholders(key, locale)
    }


def test_english_is_there() -> None:
    assert DEFAULT_LOCALE in locales()
    assert list(locales()) == sorted(locales())


@pytest.mark.parametrize("locale", locales())
def test_every_key_renders_with_its_placeholders_filled(locale: str) -> None:
    for key in sorted(keys(locale)):
        text = render(key, locale, **_dummies(key, locale))
        assert text.strip(), key
        for name, value in _dummies(key, locale).items():
            assert str(value) in text, f"{key} ({locale}) drops {{{name}}}"


@pytest.mark.parametrize("locale", locales())
def test_every_locale_has_every_english_key_with_the_same_placeholders(locale: str) -> None:
    """The list of what to translate: a key added to English (or changed) and not yet to
    this locale is shown in English meanwhile, and named here."""
    gaps = translation_gaps(locale)
    assert not gaps, f"{len(gaps)} text(s) to translate:\n" + "\n".join(gaps)
    assert keys(locale) == keys(DEFAULT_LOCALE)
    for key in keys(DEFAULT_LOCALE):
        assert placeholders(key, locale) == placeholders(key, DEFAULT_LOCALE), key


# A plural text's forms for 0, 1, 2 and 5 (and a million, Spanish's "many"), written out.
CHECKINS = {
    "en": ["0 check-ins", "1 check-in", "2 check-ins", "5 check-ins", "1,000,000 check-ins"],
    "de": ["0 Check-ins", "1 Check-in", "2 Check-ins", "5 Check-ins", "1.000.000 Check-ins"],
    "es": ["0 registros", "1 registro", "2 registros", "5 registros", "1.000.000 de registros"],
}


@pytest.mark.parametrize("locale", sorted(CHECKINS))
def test_plural_forms_for_0_1_2_and_5(locale: str) -> None:
    counts = [0, 1, 2, 5, 1_000_000]
    assert [render("checkins", locale, count=n) for n in counts] == CHECKINS[locale]


@pytest.mark.parametrize("locale", locales())
def test_every_plural_text_takes_its_form_from_the_count(locale: str) -> None:
    plural = [key for key in keys(locale) if is_plural(key)]
    assert plural, "no plural text to check"
    for key in plural:
        one, two = (render(key, locale, **{**_dummies(key, locale), "count": n}) for n in (1, 2))
        if plural_category(1, locale) != plural_category(2, locale):
            assert one != two.replace("2", "1"), f"{key} ({locale}) reads the same for 1 and 2"
    with pytest.raises(TypeError, match="count"):
        render("checkins", locale, count="5")


def test_initial_keys_and_their_placeholders() -> None:
    expected = {
        "ritual_prompt": {"prompt", "question"},
        "prompt_answered": {"prompt", "rating", "label", "thanks"},
        "schedule_daily": {"time"},
        "schedule_weekly": {"day", "time"},
        "schedule_days": {"days", "time"},
    }
    for key, names in expected.items():
        assert placeholders(key) == names, key


def test_english_texts() -> None:
    assert render("ritual_prompt", prompt="Breathe.", question="How?") == "Breathe.\n\nHow?"
    answered = render("prompt_answered", prompt="Breathe.", rating=3, label="Okay", thanks="Ta.")
    assert answered == "Breathe.\n\nYour answer: 3 · Okay\n\nTa."
    assert render("schedule_daily", time="22:00") == "Every day at 22:00"
    assert render("schedule_weekly", day="Sunday", time="19:00") == "Every Sunday at 19:00"
    assert render("schedule_days", days="Tue, Thu, Sat", time="21:00") == "Tue, Thu, Sat at 21:00"
    assert render("checkins", count=1) == "1 check-in"
    assert render("checkins", count=1000) == "1,000 check-ins"


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
    assert resolve(requested, available) == expected


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


# A plural text (see messages.render): one form per CLDR category of the locale.
PLURAL = 'notes.one = "{count} note"\nnotes.other = "{count} notes"\n'

BROKEN = [
    ("table", "de", ENGLISH + "[nested]\nkey = 'x'\n", "nested", "needs exactly the forms"),
    (
        "plural-forms",
        "de",
        ENGLISH + 'notes.other = "{count} Notizen"\n',
        "notes",
        "['one', 'other']",
    ),
    (
        "plural-no-count",
        "en",
        ENGLISH + PLURAL.replace('{count} note"', 'a note"'),
        "notes",
        "{count}",
    ),
    (
        "plural-form-type",
        "en",
        ENGLISH + PLURAL.replace('"{count} note"', "1"),
        "notes",
        "form 'one', must be",
    ),
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


# How a locale can drift from English after an English edit: (case id, its texts, the key,
# what the gap says). The bot still starts, the key is shown in English, the gap is named.
DRIFT = [
    ("placeholder-mismatch", ENGLISH.replace("{name}", "{hour}"), "greeting", "['hour']"),
    ("missing-key", 'greeting = "Hallo, {name}."\nbraces = "{{w}} {x}"', "farewell", "missing"),
    ("extra-key", ENGLISH + 'extra = "Mehr."\n', "extra", "not in en"),
    (
        "plural-in-english-only",
        ENGLISH.replace(
            'farewell = "Bye."', 'farewell.one = "{count}"\nfarewell.other = "{count}"'
        ),
        "farewell",
        "plural",
    ),
]


@pytest.mark.parametrize(
    ("text", "key", "message"), [pytest.param(*c[1:], id=c[0]) for c in DRIFT]
)
def test_drift_from_english_is_shown_in_english_and_named(
    tmp_path: Path, text: str, key: str, message: str
) -> None:
    root = _write(tmp_path, {"en": ENGLISH, "de": text})
    loaded = _load(root)
    german, english = loaded["de"], loaded["en"]
    [gap] = [gap for gap in german.gaps if repr(key) in gap or f"'{key}'" in gap]
    assert str(root / "locales" / "de") in gap and message in gap
    assert german.texts.keys() == english.texts.keys()
    if key in english.texts:
        assert german.texts[key] == english.texts[key]
    assert len(german.gaps) == 1
    assert english.gaps == ()


def test_plural_forms_follow_the_locales_cldr_categories(tmp_path: Path) -> None:
    forms = {"one": "{count} nota", "many": "{count} de notas", "other": "{count} notas"}
    spanish = ENGLISH + "".join(f'notes.{name} = "{form}"\n' for name, form in forms.items())
    loaded = _load(_write(tmp_path, {"en": ENGLISH + PLURAL, "es": spanish}))
    assert dict(loaded["es"].texts["notes"]) == forms
    assert loaded["es"].gaps == () and loaded["en"].placeholders["notes"] == {"count"}


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
