"""What the webhook accepts as an update: a JSON object within size and depth limits, with
an `update_id`, that PTB can read. Anything else is `NotAnUpdate`, said in a few words.

The limits are far above anything Telegram sends and far below what would cost the process:
an update is a few kilobytes (a message's text is at most 4096 characters, and the message
it replies to comes with it once), and its deepest nesting (the update, its message, the
message replied to, its keyboard, a row, a button) is under ten levels. Python's own JSON
parser stops near a thousand levels with RecursionError, an error like any other here.
"""

from __future__ import annotations

import json
from typing import Final

from telegram import Bot, Update

# Bytes of one webhook body.
MAX_BYTES: Final = 1 << 20
# Levels of nested objects and lists.
MAX_DEPTH: Final = 64


class NotAnUpdate(ValueError):
    """The body is not an update; the message says why in a few words, quoting nothing."""


def parse_update(body: bytes, bot: Bot) -> Update:
    """The update in a webhook body, or NotAnUpdate."""
    if len(body) > MAX_BYTES:
        raise NotAnUpdate(f"over {MAX_BYTES} bytes")
    try:
        data = json.loads(body)
    except RecursionError as error:  # deeper than the parser goes: far past MAX_DEPTH
        raise NotAnUpdate(f"nested deeper than {MAX_DEPTH} levels") from error
    except ValueError as error:  # not UTF-8, or not JSON
        raise NotAnUpdate(f"not JSON ({type(error).__name__})") from error
    if not isinstance(data, dict):
        raise NotAnUpdate(f"a JSON {type(data).__name__}, not an object")
    update_id = data.get("update_id")
    if type(update_id) is not int or update_id < 0:  # bool is an int too: not an id
        raise NotAnUpdate("no update_id")
    if _depth(data) > MAX_DEPTH:
        raise NotAnUpdate(f"nested deeper than {MAX_DEPTH} levels")
    try:
        return Update.de_json(data, bot)
    # PTB reads what Telegram sends; a malformed part raises whatever its code happens to
    # meet (a string where an object belongs: AttributeError). All mean the same here.
    except Exception as error:
        raise NotAnUpdate(f"not a Telegram update ({type(error).__name__})") from error


def _depth(value: object) -> int:
    """How deeply lists and objects nest in `value` (without recursion: it is untrusted)."""
    deepest = 0
    stack: list[tuple[object, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: list[object] = list(item.values())
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, depth)
        if deepest > MAX_DEPTH:
            break
        stack.extend((child, depth + 1) for child in children)
    return deepest
