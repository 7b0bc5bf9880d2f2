"""Telegram's ``MarkdownV2`` and legacy ``Markdown`` parse modes.

The point is to reject what Telegram rejects (unescaped reserved characters, unclosed
entities) with Telegram's wording, and to produce the same plain text and entities otherwise.
"""

from __future__ import annotations

from typing import Any

from emulator.errors import EntityParseError, parse_error

Entity = dict[str, Any]

_V2_RESERVED = frozenset("_*[]()~`>#+-=|{}.!")
_V2_TOGGLES = {
    "*": "bold",
    "_": "italic",
    "__": "underline",
    "~": "strikethrough",
    "||": "spoiler",
}
_V2_NAMES = {
    "bold": "Bold",
    "italic": "Italic",
    "underline": "Underline",
    "strikethrough": "Strikethrough",
    "spoiler": "Spoiler",
    "text_link": "TextUrl",
}
_V1_TOGGLES = {"*": "bold", "_": "italic"}
_V1_ESCAPABLE = frozenset("_*`[")


class _Builder:
    """Accumulates output characters while tracking the UTF-16 position."""

    def __init__(self) -> None:
        self.chars: list[str] = []
        self.position = 0
        self.entities: list[Entity] = []

    def add(self, text: str) -> None:
        for char in text:
            self.chars.append(char)
            self.position += 2 if ord(char) > 0xFFFF else 1

    def entity(self, kind: str, start: int, end: int | None = None, **extra: object) -> None:
        end = self.position if end is None else end
        if end > start:
            self.entities.append({"type": kind, "offset": start, "length": end - start, **extra})


def parse_markdown(text: str, *, v2: bool) -> tuple[str, list[Entity]]:
    """Parse ``text`` in MarkdownV2 (``v2=True``) or legacy Markdown."""
    out = _Builder()
    stack: list[tuple[str, int, int]] = []
    toggles = _V2_TOGGLES if v2 else _V1_TOGGLES
    i = 0
    line_start = True
    quote_start: int | None = None
    while i < len(text):
        char = text[i]
        if v2 and line_start:
            if char == ">":
                quote_start = out.position if quote_start is None else quote_start
                i += 1
                line_start = False
                continue
            if quote_start is not None:
                # The quote ends with the previous line; its newline is not part of it.
                out.entity("blockquote", quote_start, out.position - 1)
                quote_start = None
        line_start = char == "\n"
        if char == "\\" and i + 1 < len(text) and (v2 or text[i + 1] in _V1_ESCAPABLE):
            out.add(text[i + 1])
            i += 2
            continue
        if text.startswith("```", i):
            i = _pre(text, i, out, v2)
            continue
        if char == "`":
            i = _code(text, i, out, v2)
            continue
        if char == "[":
            stack.append(("text_link", out.position, i))
            i += 1
            continue
        if char == "]" and stack and stack[-1][0] == "text_link":
            i = _link_target(text, i, out, stack.pop()[1], v2)
            continue
        marker = text[i : i + 2] if text[i : i + 2] in toggles else char
        kind = toggles.get(marker)
        if kind is not None:
            open_kinds = [entry[0] for entry in stack]
            if kind in open_kinds:
                index = len(open_kinds) - 1 - open_kinds[::-1].index(kind)
                _, start, _ = stack.pop(index)
                out.entity(kind, start)
            elif v2 or not stack:
                stack.append((kind, out.position, i))
            else:
                out.add(marker)
            i += len(marker)
            continue
        if v2 and char in _V2_RESERVED:
            raise parse_error(
                text,
                i,
                f"Character '{char}' is reserved and must be escaped with the preceding '\\'",
            )
        out.add(char)
        i += 1
    if quote_start is not None:
        out.entity("blockquote", quote_start)
    if stack:
        kind, _, index = stack[-1]
        if v2:
            raise parse_error(
                text,
                index,
                f"Can't find end of {_V2_NAMES[kind]} entity at byte offset {{offset}}",
            )
        raise parse_error(
            text, index, "Can't find end of the entity starting at byte offset {offset}"
        )
    return "".join(out.chars), out.entities


def _find_closing(text: str, start: int, marker: str, v2: bool) -> int:
    i = start
    while i < len(text):
        if v2 and text[i] == "\\":
            i += 2
            continue
        if text.startswith(marker, i):
            return i
        i += 1
    return -1


def _unescape(text: str, v2: bool) -> str:
    if not v2:
        return text
    result: list[str] = []
    i = 0
    while i < len(text):
        if text[i] == "\\" and i + 1 < len(text):
            i += 1
        result.append(text[i])
        i += 1
    return "".join(result)


def _code(text: str, start: int, out: _Builder, v2: bool) -> int:
    end = _find_closing(text, start + 1, "`", v2)
    if end < 0:
        name = "Code entity" if v2 else "the entity starting"
        raise parse_error(text, start, f"Can't find end of {name} at byte offset {{offset}}")
    begin = out.position
    out.add(_unescape(text[start + 1 : end], v2))
    out.entity("code", begin)
    return end + 1


def _pre(text: str, start: int, out: _Builder, v2: bool) -> int:
    end = _find_closing(text, start + 3, "```", v2)
    if end < 0:
        name = "Pre entity" if v2 else "the entity starting"
        raise parse_error(text, start, f"Can't find end of {name} at byte offset {{offset}}")
    body = text[start + 3 : end]
    language = ""
    first_line, newline, rest = body.partition("\n")
    if newline and first_line and not first_line[0].isspace():
        language, body = first_line, rest
    begin = out.position
    out.add(_unescape(body, v2))
    if language:
        out.entity("pre", begin, language=language)
    else:
        out.entity("pre", begin)
    return end + 3


def _link_target(text: str, index: int, out: _Builder, start: int, v2: bool) -> int:
    if not text.startswith("(", index + 1):
        if v2:
            raise parse_error(
                text,
                index,
                "Character ']' is reserved and must be escaped with the preceding '\\'",
            )
        out.add("]")
        return index + 1
    end = _find_closing(text, index + 2, ")", v2)
    if end < 0:
        raise EntityParseError("Can't find end of a URL")
    url = _unescape(text[index + 2 : end], v2)
    if url.startswith("tg://user?id="):
        user_id = url.removeprefix("tg://user?id=")
        user = {"id": int(user_id) if user_id.isdigit() else 0, "is_bot": False, "first_name": ""}
        out.entity("text_mention", start, user=user)
    else:
        out.entity("text_link", start, url=url)
    return end + 1
