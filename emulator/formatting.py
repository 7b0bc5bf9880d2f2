"""Turning ``text`` + ``parse_mode`` into Telegram's plain text and ``MessageEntity`` list.

Telegram answers with the text stripped of markup and surrounding whitespace and with entity
offsets in UTF-16 code units; malformed markup is a 400 ``can't parse entities`` error. HTML is
implemented here, both Markdown flavours in :mod:`emulator.markdown`.
"""

from __future__ import annotations

import re
from typing import Any

from emulator.errors import EntityParseError, bad_request, parse_error
from emulator.markdown import Entity, parse_markdown
from emulator.spec import utf16_len

_HTML_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
    "tg-time": "date_time",
}
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_ENTITY_RE = re.compile(r"&(lt|gt|amp|quot|#\d{1,7}|#x[0-9a-fA-F]{1,6});")
_TAG_NAME_RE = re.compile(r"[A-Za-z0-9-]*")
_ATTR_RE = re.compile(r"\s*([A-Za-z-]+)(?:\s*=\s*(\"[^\"]*\"|'[^']*'|[^\s>]+))?")
_BOT_COMMAND_RE = re.compile(r"(?<![\w/])/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?(?![\w/@])")


def render(
    text: str, parse_mode: str | None, entities: list[Entity] | None
) -> tuple[str, list[Entity]]:
    """Return the message text and entities Telegram would store for this input."""
    if entities is not None:
        plain, found = text, [dict(entity) for entity in entities]
    elif not parse_mode:
        plain, found = text, []
    else:
        mode = parse_mode.lower()
        try:
            if mode == "html":
                plain, found = parse_html(text)
            elif mode in ("markdownv2", "markdown"):
                plain, found = parse_markdown(text, v2=mode == "markdownv2")
            else:
                raise bad_request("unsupported parse_mode")
        except EntityParseError as err:
            raise bad_request(f"can't parse entities: {err}") from None
    return strip_entities(plain, found)


def strip_entities(text: str, entities: list[Entity]) -> tuple[str, list[Entity]]:
    """Strip surrounding whitespace as Telegram does, clipping and shifting entities."""
    stripped = text.strip()
    lead = utf16_len(text[: len(text) - len(text.lstrip())])
    total = utf16_len(stripped)
    result: list[Entity] = []
    for entity in entities:
        start = max(int(entity["offset"]) - lead, 0)
        end = min(int(entity["offset"]) + int(entity["length"]) - lead, total)
        if end > start:
            result.append({**entity, "offset": start, "length": end - start})
    result.sort(key=lambda e: (e["offset"], -e["length"]))
    return stripped, result


def command_entities(text: str) -> list[Entity]:
    """Entities Telegram's clients attach to bot commands in a user's text."""
    return [
        {"type": "bot_command", "offset": utf16_len(text[: m.start()]), "length": utf16_len(m[0])}
        for m in _BOT_COMMAND_RE.finditer(text)
    ]


def commands_in(text: str) -> list[str]:
    """The bot commands (``/name`` or ``/name@bot``) a text contains."""
    return _BOT_COMMAND_RE.findall(text)


def parse_html(text: str) -> tuple[str, list[Entity]]:
    """Parse Telegram's HTML subset into plain text and entities."""
    out: list[str] = []
    position = 0
    stack: list[tuple[str, int, dict[str, str], int]] = []
    entities: list[Entity] = []
    i = 0
    length = len(text)
    while i < length:
        char = text[i]
        if char == "&":
            match = _ENTITY_RE.match(text, i)
            if match:
                char = _decode_entity(match[1])
                i = match.end()
            else:
                i += 1
        elif char == "<":
            i = _html_tag(text, i, position, stack, entities)
            continue
        else:
            i += 1
        out.append(char)
        position += 2 if ord(char) > 0xFFFF else 1
    if stack:
        raise EntityParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    return "".join(out), entities


def _html_tag(
    text: str,
    start: int,
    position: int,
    stack: list[tuple[str, int, dict[str, str], int]],
    entities: list[Entity],
) -> int:
    closing = text.startswith("</", start)
    name_match = _TAG_NAME_RE.match(text, start + (2 if closing else 1))
    assert name_match is not None
    name = name_match[0].lower()
    end = text.find(">", name_match.end())
    if end < 0:
        raise parse_error(text, start, "Unclosed start tag at byte offset {offset}")
    if closing:
        if not stack:
            raise parse_error(text, start, "Unexpected end tag at byte offset {offset}")
        open_name, open_position, open_attrs, _ = stack.pop()
        if name != open_name:
            raise parse_error(
                text,
                start,
                "Unmatched end tag at byte offset {offset}, "
                f'expected "</{open_name}>", found "</{name}>"',
            )
        _close_html_entity(open_name, open_position, position, open_attrs, stack, entities)
        return end + 1
    if name not in _HTML_TAGS:
        raise parse_error(text, start, f'Unsupported start tag "{name}" at byte offset {{offset}}')
    attrs: dict[str, str] = {}
    for attr in _ATTR_RE.finditer(text, name_match.end(), end):
        value = attr[2] or ""
        if value[:1] in ("'", '"'):
            value = value[1:-1]
        attrs[attr[1].lower()] = _ENTITY_RE.sub(lambda m: _decode_entity(m[1]), value)
    if name == "span" and attrs.get("class") != "tg-spoiler":
        raise parse_error(
            text, start, 'Tag "span" must have class "tg-spoiler" at byte offset {offset}'
        )
    stack.append((name, position, attrs, start))
    return end + 1


def _decode_entity(name: str) -> str:
    if name.startswith("#x"):
        return chr(int(name[2:], 16))
    if name.startswith("#"):
        return chr(int(name[1:]))
    return _NAMED_ENTITIES[name]


def _close_html_entity(
    name: str,
    start: int,
    end: int,
    attrs: dict[str, str],
    stack: list[tuple[str, int, dict[str, str], int]],
    entities: list[Entity],
) -> None:
    if end <= start:
        return
    kind = _HTML_TAGS[name]
    entity: Entity = {"type": kind, "offset": start, "length": end - start}
    if name == "a":
        href = attrs.get("href", "")
        if href.startswith("tg://user?id="):
            entity = {**entity, "type": "text_mention", "user": _mention_user(href)}
        elif not href:
            return
        else:
            entity["url"] = href
    elif name == "code" and stack and stack[-1][0] == "pre":
        language = attrs.get("class", "")
        if language.startswith("language-"):
            stack[-1][2]["language"] = language[len("language-") :]
        return
    elif name == "pre" and "language" in attrs:
        entity["language"] = attrs["language"]
    elif name == "blockquote" and "expandable" in attrs:
        entity["type"] = "expandable_blockquote"
    elif name == "tg-emoji":
        entity["custom_emoji_id"] = attrs.get("emoji-id", "")
    elif name == "tg-time":
        entity["unix_time"] = int(attrs.get("unix", "0") or 0)
    entities.append(entity)


def _mention_user(href: str) -> dict[str, Any]:
    user_id = href.removeprefix("tg://user?id=")
    return {"id": int(user_id) if user_id.isdigit() else 0, "is_bot": False, "first_name": ""}
