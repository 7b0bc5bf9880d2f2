"""The Bot API specification (``botapi.json``) compiled once into lookup-friendly structures.

Everything that validation needs per request (field types, required flags, length limits,
constant discriminators, enumerations, "exactly one of" rules) is derived here from the
human-written descriptions, so per-request code never touches the raw JSON.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PRIMITIVES = frozenset({"Integer", "String", "Boolean", "Float", "InputFile"})

_LENGTH_RE = re.compile(r"(\d+)-(\d+) (characters|bytes)")
_CONST_RE = re.compile(r"(?:always|must be) [\"“]?([A-Za-z0-9_]+)[\"”]?\.?$")
_ENUM_RE = re.compile(
    r"(?:[Mm]ust be one of|[Cc]an be either|[Oo]ne of|[Cc]urrently,? can be)(.*?)(?:\.\s|\.$|$)"
)
_QUOTED_RE = re.compile(r"[\"“]([^\"”]+)[\"”]")
_ONE_OF_OTHER_RE = re.compile(r"[Ee]xactly one of the fields other than (.+?) must be used")
_ONE_OF_PAIR_RE = re.compile(r"[Ee]xactly one of the fields (\w+) or (\w+) must be used")
_ONE_OF_OPTIONAL_RE = re.compile(r"exactly one of the optional fields")
_VARIATION_SELECTOR = "\ufe0f"


@dataclass(frozen=True, slots=True)
class TypeRef:
    """One alternative of a field's type: a base name wrapped in ``depth`` arrays."""

    name: str
    depth: int = 0

    def __str__(self) -> str:
        return "Array of " * self.depth + self.name

    @property
    def is_primitive(self) -> bool:
        """Whether the base type is a scalar (or InputFile) rather than an object."""
        return self.name in PRIMITIVES


@dataclass(frozen=True, slots=True)
class Field:
    """A parameter of a method or a field of an object type."""

    name: str
    types: tuple[TypeRef, ...]
    required: bool
    min_len: int | None = None
    max_len: int | None = None
    unit: str | None = None
    after_entities: bool = False
    const: str | None = None
    choices: frozenset[str] | None = None
    description: str = ""

    def length_of(self, value: str) -> int:
        """Measure ``value`` the way Telegram does for this field's limit."""
        if self.unit == "bytes":
            return len(value.encode("utf-8"))
        return utf16_len(value)


@dataclass(frozen=True, slots=True)
class ObjectType:
    """An object type: either a record of fields or a union of subtypes."""

    name: str
    fields: Mapping[str, Field]
    subtypes: tuple[TypeRef, ...]
    exactly_one_of: frozenset[str] | None


@dataclass(frozen=True, slots=True)
class Method:
    """A Bot API method with its parameters and declared return types."""

    name: str
    fields: Mapping[str, Field]
    returns: tuple[TypeRef, ...]

    @property
    def returns_true(self) -> bool:
        """Whether the method's only documented result is ``True``."""
        return self.returns == (TypeRef("Boolean"),)


@dataclass(frozen=True, slots=True)
class Spec:
    """The compiled specification; methods are keyed by lower-case name."""

    version: str
    methods: Mapping[str, Method]
    types: Mapping[str, ObjectType]

    def method(self, name: str) -> Method | None:
        """Look a method up case-insensitively, as Telegram routes them."""
        return self.methods.get(name.lower())


def utf16_len(text: str) -> int:
    """Length of ``text`` in UTF-16 code units, the unit of Telegram's limits and offsets."""
    if text.isascii():
        return len(text)
    return len(text.encode("utf-16-le")) // 2


def normalize_choice(value: str) -> str:
    """Fold emoji presentation selectors so ``❤️`` and ``❤`` compare equal."""
    return value.replace(_VARIATION_SELECTOR, "")


def _type_ref(text: str) -> TypeRef:
    depth = 0
    while text.startswith("Array of "):
        text = text[len("Array of ") :]
        depth += 1
    return TypeRef(text, depth)


def _compile_field(raw: Mapping[str, Any]) -> Field:
    description: str = raw.get("description", "")
    types = tuple(_type_ref(t) for t in raw["types"])
    min_len = max_len = None
    unit = None
    is_string = TypeRef("String") in types
    if is_string and (match := _LENGTH_RE.search(description)):
        min_len, max_len, unit = int(match[1]), int(match[2]), match[3]
    const = None
    choices = None
    if types == (TypeRef("String"),):
        if match := _CONST_RE.search(description):
            const = match[1]
        elif match := _ENUM_RE.search(description):
            options = _QUOTED_RE.findall(match[1])
            if options:
                choices = frozenset(normalize_choice(option) for option in options)
    return Field(
        name=raw["name"],
        types=types,
        required=bool(raw.get("required")),
        min_len=min_len,
        max_len=max_len,
        unit=unit,
        after_entities="after entit" in description,
        const=const,
        choices=choices,
        description=description,
    )


def _exactly_one_of(description: str, fields: Mapping[str, Field]) -> frozenset[str] | None:
    optional = [name for name, field in fields.items() if not field.required]
    if match := _ONE_OF_OTHER_RE.search(description):
        excluded = set(re.findall(r"[a-z_]+", match[1])) - {"and"}
        return frozenset(name for name in optional if name not in excluded)
    if match := _ONE_OF_PAIR_RE.search(description):
        return frozenset({match[1], match[2]})
    if _ONE_OF_OPTIONAL_RE.search(description):
        return frozenset(optional)
    return None


def _compile_type(raw: Mapping[str, Any]) -> ObjectType:
    fields = {f["name"]: _compile_field(f) for f in raw.get("fields", [])}
    return ObjectType(
        name=raw["name"],
        fields=fields,
        subtypes=tuple(_type_ref(s) for s in raw.get("subtypes", [])),
        exactly_one_of=_exactly_one_of(" ".join(raw.get("description", [])), fields),
    )


def compile_spec(data: Mapping[str, Any]) -> Spec:
    """Compile parsed ``botapi.json`` data into a :class:`Spec`."""
    methods = {
        name.lower(): Method(
            name=name,
            fields={f["name"]: _compile_field(f) for f in raw.get("fields", [])},
            returns=tuple(_type_ref(r) for r in raw.get("returns", [])),
        )
        for name, raw in data["methods"].items()
    }
    types = {name: _compile_type(raw) for name, raw in data["types"].items()}
    return Spec(version=str(data.get("version", "")), methods=methods, types=types)


@functools.cache
def load_spec() -> Spec:
    """Load and compile the bundled specification (once per process)."""
    path = Path(__file__).with_name("botapi.json")
    with path.open(encoding="utf-8") as handle:
        return compile_spec(json.load(handle))
