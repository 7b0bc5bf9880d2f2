"""Help lines: the shipped file, the loader's rules, and which lines a reply shows."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from messages import resources as resources_module
from messages.resources import (
    CATEGORIES,
    DEFAULT_RESOURCES,
    TRANSLATIONS_FILE,
    Category,
    ResourcesError,
    line_wordings,
    load_resources,
)

REQUIRED = (
    *("US", "CA", "GB", "IE", "DE", "AT", "CH", "FR"),
    *("ES", "IT", "NL", "AU", "NZ", "IN", "BR", "MX"),
)
PHONE_WIDTH = 120
DEFAULT = "[default]\n" + "".join(f'{c} = ["default {c}"]\n' for c in CATEGORIES)

_TABLE = re.compile(r"^\[(\w+)\]\s*$")
_OPENER = re.compile(r"^\s*\w+\s*=\s*\[\s*$")
_STRING_LINE = re.compile(r'^\s*(?:\w+\s*=\s*\[\s*)?"')
_URL = re.compile(r"https?://\S+")
_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "help.toml"
    path.write_text(text, encoding="utf-8")
    return path


# The shipped file.


def test_the_shipped_file_loads_with_every_required_country() -> None:
    resources = load_resources(DEFAULT_RESOURCES)
    assert set(REQUIRED) <= resources.countries


@pytest.mark.parametrize("country", REQUIRED)
def test_every_required_country_has_its_own_lines_for_every_category(country: str) -> None:
    table = load_resources(DEFAULT_RESOURCES).tables[country]
    assert set(table) == set(CATEGORIES)


def test_every_shipped_line_fits_a_phone() -> None:
    tables = load_resources(DEFAULT_RESOURCES).tables
    every = [line for table in tables.values() for lines in table.values() for line in lines]
    assert [line for line in every if len(line) > PHONE_WIDTH] == []


def test_every_country_line_has_a_source_and_a_date_above_it() -> None:
    """Read as text: above each line (past its `key = [`), a comment with a URL and a date."""
    raw = DEFAULT_RESOURCES.read_text(encoding="utf-8").splitlines()
    table, checked, unsourced = "", 0, []
    for number, line in enumerate(raw):
        if match := _TABLE.match(line):
            table = match.group(1)
        if table in ("", "default") or not _STRING_LINE.match(line):
            continue
        checked += 1
        above = number - 1
        while above >= 0 and _OPENER.match(raw[above]):
            above -= 1
        comment = []
        while above >= 0 and raw[above].strip().startswith("#"):
            comment.append(raw[above])
            above -= 1
        text = " ".join(comment)
        if not (_URL.search(text) and _DATE.search(text)):
            unsourced.append(f"line {number + 1}: {line.strip()}")
    data = tomllib.loads(DEFAULT_RESOURCES.read_text(encoding="utf-8"))
    shipped = sum(len(v) for name, t in data.items() if name != "default" for v in t.values())
    assert checked == shipped  # one line of text per help line, so every one was seen
    assert unsourced == []


# The loader's rules.


@pytest.mark.parametrize(
    ("text", "says"),
    [
        pytest.param("suicide = [\n", "not valid TOML", id="not-toml"),
        pytest.param("[default\n", "line 1", id="toml-position"),
        pytest.param("", "empty", id="empty-file"),
        pytest.param("# only a comment\n", "empty", id="comments-only"),
        pytest.param('[US]\nsuicide = ["x"]\n', "[default] table is required", id="no-default"),
        pytest.param(
            DEFAULT.replace('self_harm = ["default self_harm"]\n', ""),
            "[default] is missing self_harm",
            id="default-missing-a-category",
        ),
        pytest.param(DEFAULT + '[us]\nsuicide = ["x"]\n', "[us] is not a table", id="lower"),
        pytest.param(DEFAULT + '[USA]\nsuicide = ["x"]\n', "[USA] is not a table", id="three"),
        pytest.param('suicide = ["x"]\n' + DEFAULT, "suicide must be a table", id="top-key"),
        pytest.param(
            DEFAULT + '[US]\nsucide = ["x"]\n', "[US] sucide is not a category", id="typo"
        ),
        pytest.param(
            DEFAULT.replace("[default]\n", '[default]\nlines = ["x"]\n'),
            "[default] lines is not a category",
            id="old-schema",
        ),
        pytest.param(
            DEFAULT + '[US]\nsuicide = "988"\n', "[US] suicide must be a list", id="not-list"
        ),
        pytest.param(DEFAULT + "[US]\nsuicide = [988]\n", "list of strings", id="not-strings"),
        pytest.param(DEFAULT + "[US.suicide]\nx = 1\n", "[US] suicide must be a list", id="sub"),
        pytest.param(DEFAULT + '[US]\nsuicide = [""]\n', "line 1 is empty", id="empty-line"),
        pytest.param(
            DEFAULT + '[US]\nsuicide = ["ok", "  "]\n', "line 2 is empty", id="blank-line"
        ),
        pytest.param(DEFAULT + "[US]\nsuicide = []\n", "empty list", id="empty-list"),
        pytest.param(DEFAULT + f'[US]\nsuicide = ["{"x" * 201}"]\n', "over 200", id="too-long"),
        pytest.param(DEFAULT + '[US]\nsuicide = ["call\\nnow"]\n', "line break", id="line-break"),
    ],
)
def test_a_malformed_file_is_refused_in_one_line_naming_it(
    tmp_path: Path, text: str, says: str
) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(ResourcesError) as raised:
        load_resources(path)
    message = str(raised.value)
    assert "\n" not in message
    assert message.startswith(f"crisis resources {path}: ")
    assert says in message


def test_a_missing_file_is_refused_in_one_line(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.toml"
    with pytest.raises(ResourcesError, match="cannot be read") as raised:
        load_resources(path)
    assert "\n" not in str(raised.value)


def test_a_country_may_leave_categories_out_and_the_load_is_cached(tmp_path: Path) -> None:
    path = _write(tmp_path, DEFAULT + '[US]\nsuicide = ["988"]\n[FR]\n')
    resources = load_resources(path)
    assert resources.countries == {"US", "FR"}
    assert load_resources(path) is resources


# Which lines a reply shows.

_SMALL = (
    "[default]\n"
    'suicide = ["d-suicide", "shared"]\n'
    'self_harm = ["d-self"]\n'
    'sexual_violence = ["d-sexual"]\n'
    'partner_violence = ["d-partner"]\n'
    'danger_now = ["d-danger"]\n'
    "[US]\n"
    'suicide = ["us-suicide", "shared"]\n'
    'self_harm = ["us-suicide", "us-self"]\n'
    'danger_now = ["us-911"]\n'
    "[FR]\n"
    'suicide = ["fr-suicide"]\n'
)


@pytest.mark.parametrize(
    ("country", "categories", "expected"),
    [
        ("US", ["suicide"], ("us-suicide", "shared", "d-suicide", "us-911")),
        # Categories come in CATEGORIES order, whatever the order asked; repeats go.
        (
            "US",
            ["self_harm", "suicide"],
            ("us-suicide", "shared", "d-suicide", "us-self", "d-self", "us-911"),
        ),
        ("us", ["suicide"], ("us-suicide", "shared", "d-suicide", "us-911")),
        (None, ["suicide"], ("d-suicide", "shared", "d-danger")),
        ("ZZ", ["suicide"], ("d-suicide", "shared", "d-danger")),
        ("", ["suicide"], ("d-suicide", "shared", "d-danger")),
        # A category the country leaves out: the default's lines alone.
        ("FR", ["self_harm"], ("d-self", "d-danger")),
        ("FR", ["suicide"], ("fr-suicide", "d-suicide", "shared", "d-danger")),
        # danger_now asked for: the emergency number still comes last.
        ("US", ["danger_now"], ("us-911",)),
        (None, ["danger_now"], ("d-danger",)),
        ("US", [], ("us-911",)),
        ("US", [Category.SEXUAL_VIOLENCE], ("d-sexual", "us-911")),
    ],
)
def test_lines_take_the_country_then_the_default_and_end_with_the_emergency_number(
    tmp_path: Path, country: str | None, categories: list[str], expected: tuple[str, ...]
) -> None:
    resources = load_resources(_write(tmp_path, _SMALL))
    assert resources.lines(country, categories) == expected


def test_an_unknown_category_is_a_programming_error(tmp_path: Path) -> None:
    resources = load_resources(_write(tmp_path, _SMALL))
    with pytest.raises(ValueError, match="sucide"):
        resources.lines("US", ["sucide"])


@given(
    country=st.sampled_from([*REQUIRED, "ZZ", "us", None]),
    categories=st.sets(st.sampled_from(CATEGORIES)),
)
def test_shipped_lines_never_repeat_and_end_with_the_emergency_number(
    country: str | None, categories: set[Category]
) -> None:
    resources = load_resources(DEFAULT_RESOURCES)
    lines = resources.lines(country, categories)
    assert len(lines) == len(set(lines))
    table = resources.tables.get((country or "").upper()) or resources.tables["default"]
    assert lines[-1] == table[Category.DANGER_NOW][-1]
    for category in set(categories) - {Category.DANGER_NOW}:
        assert set(resources.tables["default"][category]) <= set(lines)
    # The emergency number once: the country's in place of the default's.
    assert set(table[Category.DANGER_NOW]) <= set(lines)


WORDED = ("de", "es")


def _shipped_lines() -> set[str]:
    resources = load_resources(DEFAULT_RESOURCES)
    tables = resources.tables.values()
    return {line for table in tables for lines in table.values() for line in lines}


@pytest.mark.parametrize("locale", WORDED)
def test_every_shipped_line_has_a_wording_in_each_language_and_none_is_stale(locale: str) -> None:
    wordings = line_wordings(locale)
    assert set(wordings) == _shipped_lines()
    assert all(len(line) <= PHONE_WIDTH for line in wordings.values())


@pytest.mark.parametrize("locale", WORDED)
def test_lines_follow_the_country_and_their_words_follow_the_language(locale: str) -> None:
    resources = load_resources(DEFAULT_RESOURCES)
    english = resources.lines("DE", ["suicide", "sexual_violence"])
    worded = resources.lines("DE", ["suicide", "sexual_violence"], locale)
    assert worded == tuple(line_wordings(locale)[line] for line in english)
    assert "0800 111 0 111" in worded[0] and "116 016" in "\n".join(worded)
    assert resources.lines("DE", ["suicide"], "fr") == resources.lines("DE", ["suicide"])


@pytest.mark.parametrize(
    ("english", "worded"),
    [
        ("Samaritans: call 116 123, free", "Samaritans: 116 124 anrufen, kostenlos"),
        ("Chat at rainn.org, 24/7", "Chat auf rain.org, rund um die Uhr"),
        ("Text HOME to 741741", "SMS an 741741"),
    ],
)
def test_a_wording_that_loses_a_number_address_or_keyword_stops_the_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, english: str, worded: str
) -> None:
    (tmp_path / "de").mkdir()
    (tmp_path / "de" / TRANSLATIONS_FILE).write_text(
        f'[lines]\n"{english}" = "{worded}"\n', encoding="utf-8"
    )
    monkeypatch.setattr(resources_module, "LOCALES", tmp_path)
    line_wordings.cache_clear()
    try:
        with pytest.raises(ResourcesError, match="lost") as caught:
            line_wordings("de")
        assert "\n" not in str(caught.value)
    finally:
        line_wordings.cache_clear()
