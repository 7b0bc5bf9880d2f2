"""Generic request validation and decoding against the compiled specification.

Top-level parameters arrive either as strings (query string, form fields, multipart fields:
PTB JSON-encodes every non-string value) or as typed JSON values; nested objects are always
JSON. Both paths converge on :meth:`Validator.params`, which returns decoded Python values.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from emulator.errors import bad_request
from emulator.spec import Field, Method, ObjectType, Spec, TypeRef, normalize_choice

_INT_RE = re.compile(r"[+-]?\d+")
_TRUE = frozenset({"true", "1"})
_FALSE = frozenset({"false", "0"})
_BOOLEAN = _TRUE | _FALSE

# Telegram's own wording for the mistakes bots make most; everything else gets a generic text.
_REQUIRED_MESSAGES = {
    "chat_id": "chat_id is empty",
    "message_id": "message identifier is not specified",
    "callback_query_id": "query_id is empty",
}
_METHOD_REQUIRED_MESSAGES = {
    ("sendMessage", "text"): "message text is empty",
    ("sendPhoto", "photo"): "there is no photo in the request",
    ("sendDocument", "document"): "there is no document in the request",
}
_LENGTH_MESSAGES = {
    ("InlineKeyboardButton", "callback_data"): "BUTTON_DATA_INVALID",
    ("answerCallbackQuery", "text"): "MESSAGE_TOO_LONG",
    ("BotCommand", "command"): "BOT_COMMAND_INVALID",
    ("BotCommand", "description"): "BOT_COMMAND_DESCRIPTION_INVALID",
}
_EXACTLY_ONE_MESSAGES = {
    "InlineKeyboardButton": "can't parse inline keyboard button: "
    "Text buttons are unallowed in the inline keyboard",
}
# Telegram accepts a bare string wherever a reply-keyboard button object is expected.
_STRING_SHORTHAND = frozenset({"KeyboardButton"})


@dataclass(frozen=True, slots=True)
class UploadedFile:
    """A file part received in a multipart request."""

    filename: str
    content_type: str
    content: bytes


class Mismatch(Exception):
    """A value does not fit a type; ``depth`` ranks how far into the value the check got."""

    def __init__(self, message: str, depth: int, final: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.depth = depth
        self.final = final


class Validator:
    """Checks and decodes values against a :class:`Spec`."""

    def __init__(self, spec: Spec) -> None:
        self.spec = spec

    def params(
        self, method: Method, raw: Mapping[str, Any], files: Mapping[str, UploadedFile]
    ) -> dict[str, Any]:
        """Validate a request's parameters, returning them decoded (unknown ones dropped)."""
        decoded: dict[str, Any] = {}
        for name, field in method.fields.items():
            value = raw.get(name)
            if value is None and name in files and TypeRef("InputFile") in field.types:
                decoded[name] = files[name]
                continue
            if value is None or (value == "" and not _accepts_empty_string(field)):
                if field.required:
                    message = _METHOD_REQUIRED_MESSAGES.get((method.name, name))
                    raise bad_request(
                        message or _REQUIRED_MESSAGES.get(name, f"{name} is required")
                    )
                continue
            try:
                decoded[name] = self._top_level(method.name, field, value, files)
            except Mismatch as err:
                if err.final or err.depth == 0:
                    raise bad_request(err.message) from None
                raise bad_request(f"can't parse {name} JSON object: {err.message}") from None
        return decoded

    def check(self, type_name: str, value: Any) -> Any:
        """Validate ``value`` as an object of ``type_name`` (raises :class:`Mismatch`)."""
        return self._value((TypeRef(type_name),), value, type_name, 1)

    def _top_level(
        self, owner: str, field: Field, value: Any, files: Mapping[str, UploadedFile]
    ) -> Any:
        where = f'parameter "{field.name}"'
        if isinstance(value, bool):
            value = "true" if value else "false"
        elif isinstance(value, int | float):
            value = json.dumps(value)
        if not isinstance(value, str):
            result = self._value(field.types, value, field.name, 1)
            return self._checked(owner, field, result, where, 0)
        failure: Mismatch | None = None
        for ref in field.types:
            try:
                result = self._from_text(ref, value, files, where)
            except Mismatch as err:
                if failure is None or err.depth > failure.depth:
                    failure = err
                continue
            return self._checked(owner, field, result, where, 0)
        assert failure is not None
        raise failure

    def _from_text(
        self, ref: TypeRef, text: str, files: Mapping[str, UploadedFile], where: str
    ) -> Any:
        if ref.depth == 0 and ref.is_primitive:
            if ref.name == "String":
                return text
            if ref.name == "Integer" and _INT_RE.fullmatch(text):
                return int(text)
            if ref.name == "Float":
                try:
                    return float(text)
                except ValueError:
                    pass
            if ref.name == "Boolean" and text.lower() in _BOOLEAN:
                return text.lower() in _TRUE
            if ref.name == "InputFile" and text.startswith("attach://"):
                attached = files.get(text[len("attach://") :])
                if attached is not None:
                    return attached
            raise Mismatch(f"{where} must be of type {ref}", 0)
        try:
            decoded = json.loads(text)
        except ValueError:
            raise Mismatch(f"{where} must be a JSON-serialized {ref}", 0) from None
        return self._value((ref,), decoded, where, 1)

    def _value(self, types: tuple[TypeRef, ...], value: Any, where: str, depth: int) -> Any:
        failure: Mismatch | None = None
        for ref in types:
            try:
                return self._one(ref, value, where, depth)
            except Mismatch as err:
                if failure is None or err.depth > failure.depth:
                    failure = err
        assert failure is not None
        raise failure

    def _one(self, ref: TypeRef, value: Any, where: str, depth: int) -> Any:
        if ref.depth:
            if not isinstance(value, list):
                raise Mismatch(f"{where} must be an Array", depth)
            inner = TypeRef(ref.name, ref.depth - 1)
            return [self._one(inner, item, where, depth + 1) for item in value]
        if ref.is_primitive:
            return _scalar(ref.name, value, where, depth)
        object_type = self.spec.types[ref.name]
        if object_type.subtypes:
            return self._value(object_type.subtypes, value, where, depth)
        if isinstance(value, str) and ref.name in _STRING_SHORTHAND:
            value = {"text": value}
        if not isinstance(value, dict):
            raise Mismatch(f"{where} must be an Object of type {ref.name}", depth)
        return self._object(object_type, value, depth)

    def _object(self, object_type: ObjectType, value: dict[str, Any], depth: int) -> Any:
        result: dict[str, Any] = {}
        for name, field in object_type.fields.items():
            item = value.get(name)
            if item is None:
                if field.required:
                    raise Mismatch(
                        f'field "{name}" of {object_type.name} must be specified', depth
                    )
                continue
            where = f'field "{name}" of {object_type.name}'
            checked = self._value(field.types, item, where, depth + 1)
            result[name] = self._checked(object_type.name, field, checked, where, depth + 1)
        if object_type.exactly_one_of is not None:
            used = object_type.exactly_one_of.intersection(result)
            if len(used) != 1:
                message = _EXACTLY_ONE_MESSAGES.get(object_type.name)
                if message is not None:
                    raise Mismatch(message, depth + 1, final=True)
                options = ", ".join(sorted(object_type.exactly_one_of))
                raise Mismatch(
                    f"exactly one of {options} must be used in {object_type.name}", depth + 1
                )
        return result

    @staticmethod
    def _checked(owner: str, field: Field, value: Any, where: str, depth: int) -> Any:
        if not isinstance(value, str):
            return value
        if field.const is not None and value != field.const:
            # Ranked below the object's own depth so that, in a union of subtypes, a real
            # problem inside the matching subtype is reported rather than a discriminator miss.
            raise Mismatch(f'{where} must be "{field.const}"', max(depth - 2, 0))
        if field.choices is not None and normalize_choice(value) not in field.choices:
            raise Mismatch(f"{where} has an unsupported value {value!r}", depth)
        if field.max_len is not None and not field.after_entities:
            length = field.length_of(value)
            assert field.min_len is not None
            if not field.min_len <= length <= field.max_len:
                message = _LENGTH_MESSAGES.get((owner, field.name))
                if message is not None:
                    raise Mismatch(message, depth, final=True)
                raise Mismatch(
                    f"{where} must be {field.min_len}-{field.max_len} {field.unit} long", depth
                )
        return value


def _accepts_empty_string(field: Field) -> bool:
    return TypeRef("String") in field.types and field.min_len in (None, 0)


def _scalar(name: str, value: Any, where: str, depth: int) -> Any:
    if name == "String" and isinstance(value, str):
        return value
    if name == "Boolean" and isinstance(value, bool):
        return value
    if name == "Integer" and not isinstance(value, bool):
        if isinstance(value, int):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
    if name == "Float" and isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if name == "InputFile" and isinstance(value, str) and value.startswith("attach://"):
        return value
    raise Mismatch(f"{where} must be of type {name}", depth)
