"""Reading an /export file back (bot.export_reader), without a bot: what passes, and that each
thing wrong is named by where it is and what it is."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from bot.export_reader import Unfit, read_export

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
AT = "2026-11-20T21:00:00+00:00"


def _export(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "format": 1,
        "person": {"discreet": True, "quiet": False, "note_retention_days": None,
                   "help_line_country": "DE", "timezone": "Europe/Berlin"},
        "practices": [
            {"ritual": "breath", "local_time": "08:30", "weekdays": [0, 2, 4], "active": True},
            {"ritual": "weekly_summary", "local_time": "18:00", "weekdays": [6], "active": False},
        ],
        "prompts": [{"id": 3, "state": "answered"}],
        "check_ins": [{"id": 5, "ritual": "breath", "rating": 3, "step_named": None,
                       "practiced_at": AT, "created_at": AT, "updated_at": AT}],
        "notes": [
            {"id": 1, "check_in_id": 5, "ritual": "breath", "text": 'a "[{" inside',
             "unreadable": False, "written_at": AT},
            {"id": 2, "check_in_id": None, "ritual": None, "text": None, "unreadable": True,
             "written_at": AT},
        ],
        "milestones": [{"key": "four_of_seven:2026-W44", "reached_at": AT, "held": False}],
    }  # fmt: skip
    data.update(changes)
    return data


def _read(data: Any) -> Any:
    raw = data if isinstance(data, bytes) else json.dumps(data).encode()
    return read_export(raw, now=NOW, notes_in_all=10)


def test_an_export_is_read_whole() -> None:
    read = _read(b"\xef\xbb\xbf" + json.dumps(_export()).encode())  # an editor's BOM is fine
    assert [(p.ritual_key, p.local_time, p.weekdays, p.active) for p in read.practices] == [
        ("breath", "08:30", "024", True),
        ("weekly_summary", "18:00", "6", False),
    ]
    assert read.choices.country == "DE" and read.unreadable_notes == 1
    [note] = read.history.notes
    assert (note.check_in_ref, note.text) == (5, 'a "[{" inside')  # brackets in words are words
    assert [m.key for m in read.history.milestones] == ["four_of_seven:2026-W44"]  # retired kinds


def _entry(section: str, **changes: Any) -> dict[str, Any]:
    data = _export()
    data[section][0].update(changes)
    return data


@pytest.mark.parametrize(
    ("data", "why", "where"),
    [
        (_export(format=1.0), "import_why_format", None),
        (_export(format=True), "import_why_format", None),
        (_export(extra={}), "import_why_not_export", None),
        (_export(person=[]), "import_why_not_export", None),
        (_export(notes={}), "import_why_not_export", None),
        (_export(person={"discreet": True}), "import_what_value", "import_where_person"),
        (_entry("practices", weekdays=[6, 6]), "import_what_value", "import_where_practices"),
        (_entry("practices", local_time="8:30"), "import_what_value", "import_where_practices"),
        (_entry("practices", ritual="moon"), "import_what_ritual", "import_where_practices"),
        (_export(practices=_export()["practices"] * 2), "import_what_value",
         "import_where_practices"),
        (_entry("check_ins", rating=True), "import_what_rating", "import_where_check_ins"),
        (_entry("check_ins", step_named="brave"), "import_what_value", "import_where_check_ins"),
        (_entry("check_ins", practiced_at="2026-12-30T00:00:00+00:00"), "import_what_moment",
         "import_where_check_ins"),
        (_entry("notes", check_in_id=6), "import_what_value", "import_where_notes"),
        (_entry("notes", text="a\x00b"), "import_what_value", "import_where_notes"),
        (_entry("notes", text="   "), "import_what_value", "import_where_notes"),
        (_entry("notes", written_at="2026-11-20 21:00"), "import_what_moment",
         "import_where_notes"),
        (_entry("milestones", key="Total 3"), "import_what_value", "import_where_milestones"),
        (_export(notes=_export()["notes"][:1] * 11), "import_what_too_many", "import_where_notes"),
    ],
)  # fmt: skip
def test_each_thing_wrong_is_named(data: Any, why: str, where: str | None) -> None:
    with pytest.raises(Unfit) as refused:
        _read(data)
    assert (refused.value.why, refused.value.where) == (why, where)
    assert refused.value.words("en")  # says it in words


def test_nesting_is_measured_before_parsing() -> None:
    with pytest.raises(Unfit) as deep:
        _read(b"[" * 10_000_000)  # the parser would recurse; it is never asked to
    assert deep.value.why == "import_why_not_export"
    nested = _entry("check_ins", rating=[[[[1]]]])  # deeper than an export, if only just
    with pytest.raises(Unfit) as refused:
        _read(nested)
    assert refused.value.why == "import_why_not_export"
