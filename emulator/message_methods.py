"""Emulated methods that create, edit or delete messages in a chat."""

from __future__ import annotations

from typing import Any

from emulator.errors import bad_request
from emulator.formatting import render
from emulator.media import document, photo_sizes
from emulator.registry import handles
from emulator.spec import Method, utf16_len
from emulator.state import ChatState, EmulatorState, StoredMessage

_NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)
_CONTENT_KEYS = ("text", "entities", "caption", "caption_entities", "reply_markup", "edit_date")


def _limit(method: Method, name: str) -> int:
    field = method.fields[name]
    return field.max_len if field.max_len is not None else 4096


def _text(method: Method, params: dict[str, Any]) -> tuple[str, list[dict[str, Any]]]:
    if "text" not in params:
        raise bad_request("message text is empty")
    text, entities = render(params["text"], params.get("parse_mode"), params.get("entities"))
    if not text:
        raise bad_request("message text is empty")
    if utf16_len(text) > _limit(method, "text"):
        raise bad_request("message is too long")
    return text, entities


def _caption(method: Method, params: dict[str, Any]) -> tuple[str, list[dict[str, Any]]]:
    caption, entities = render(
        params.get("caption", ""), params.get("parse_mode"), params.get("caption_entities")
    )
    if utf16_len(caption) > _limit(method, "caption"):
        raise bad_request("message caption is too long")
    return caption, entities


def _inline(markup: dict[str, Any] | None) -> dict[str, Any] | None:
    """The part of reply_markup that Telegram echoes inside Message objects."""
    if markup is not None and markup.get("inline_keyboard"):
        return markup
    return None


def _reply_to(
    state: EmulatorState, chat: ChatState, params: dict[str, Any]
) -> dict[str, Any] | None:
    reply = params.get("reply_parameters")
    if reply is None:
        return None
    target_chat = state.chat(reply["chat_id"]) if "chat_id" in reply else chat
    stored = target_chat.messages.get(reply["message_id"])
    if stored is None or stored.deleted:
        if reply.get("allow_sending_without_reply"):
            return None
        raise bad_request("message to be replied not found")
    return {key: value for key, value in stored.raw.items() if key != "reply_to_message"}


def _post(
    state: EmulatorState, chat: ChatState, params: dict[str, Any], content: dict[str, Any]
) -> dict[str, Any]:
    reply = _reply_to(state, chat, params)
    markup = params.get("reply_markup")
    raw: dict[str, Any] = {
        "message_id": state.new_message_id(chat),
        "from": state.bot_user,
        "chat": chat.chat,
        "date": state.now(),
    }
    if reply is not None:
        raw["reply_to_message"] = reply
    raw.update(content)
    inline = _inline(markup)
    if inline is not None:
        raw["reply_markup"] = inline
    if params.get("protect_content"):
        raw["has_protected_content"] = True
    if markup is not None:
        if "keyboard" in markup:
            chat.reply_keyboard = markup
        elif "remove_keyboard" in markup:
            chat.reply_keyboard = None
    state.add_message(chat, raw, from_bot=True, sent_markup=markup)
    return raw


def _with_entities(key: str, text: str, entities: list[dict[str, Any]]) -> dict[str, Any]:
    content: dict[str, Any] = {key: text}
    if entities:
        content[f"{key}_entities" if key == "caption" else "entities"] = entities
    return content


@handles("sendMessage")
async def send_message(state: EmulatorState, method: Method, params: dict[str, Any]) -> Any:
    """Post a text message."""
    chat = state.writable_chat(params["chat_id"])
    text, entities = _text(method, params)
    return _post(state, chat, params, _with_entities("text", text, entities))


@handles("sendPhoto")
async def send_photo(state: EmulatorState, method: Method, params: dict[str, Any]) -> Any:
    """Post a photo (upload, URL or file_id) with an optional caption."""
    chat = state.writable_chat(params["chat_id"])
    caption, entities = _caption(method, params)
    content: dict[str, Any] = {"photo": photo_sizes(state, params["photo"])}
    if caption:
        content.update(_with_entities("caption", caption, entities))
    return _post(state, chat, params, content)


@handles("sendDocument")
async def send_document(state: EmulatorState, method: Method, params: dict[str, Any]) -> Any:
    """Post a document (upload, URL or file_id) with an optional caption."""
    chat = state.writable_chat(params["chat_id"])
    caption, entities = _caption(method, params)
    content: dict[str, Any] = {"document": document(state, params["document"])}
    if caption:
        content.update(_with_entities("caption", caption, entities))
    return _post(state, chat, params, content)


def _editable(state: EmulatorState, params: dict[str, Any]) -> StoredMessage:
    if "inline_message_id" in params:
        raise bad_request("MESSAGE_ID_INVALID")
    if "chat_id" not in params:
        raise bad_request("chat_id is empty")
    if "message_id" not in params:
        raise bad_request("message identifier is not specified")
    chat = state.writable_chat(params["chat_id"])
    stored = chat.messages.get(params["message_id"])
    if stored is None or stored.deleted:
        raise bad_request("message to edit not found")
    if not stored.from_bot:
        raise bad_request("message can't be edited")
    return stored


def _edit(
    state: EmulatorState, stored: StoredMessage, params: dict[str, Any], content: dict[str, Any]
) -> dict[str, Any]:
    markup = params.get("reply_markup")
    current = {key: stored.raw[key] for key in _CONTENT_KEYS[:-1] if key in stored.raw}
    updated = dict(content)
    if _inline(markup) is not None:
        updated["reply_markup"] = markup
    if updated == current:
        raise bad_request(_NOT_MODIFIED)
    raw = {key: value for key, value in stored.raw.items() if key not in _CONTENT_KEYS}
    raw.update(updated)
    raw["edit_date"] = state.now()
    stored.edits.append(stored.raw)
    stored.raw = raw
    stored.sent_markup = markup
    state.notifier.notify()
    return raw


def _kept(stored: StoredMessage, *keys: str) -> dict[str, Any]:
    return {key: stored.raw[key] for key in keys if key in stored.raw}


@handles("editMessageText")
async def edit_message_text(state: EmulatorState, method: Method, params: dict[str, Any]) -> Any:
    """Replace a bot message's text (and inline keyboard, which is dropped if not resent)."""
    stored = _editable(state, params)
    if "rich_message" in params and "text" not in params:
        raise bad_request("method not emulated: rich messages")
    if "text" not in stored.raw:
        raise bad_request("there is no text in the message to edit")
    text, entities = _text(method, params)
    return _edit(state, stored, params, _with_entities("text", text, entities))


@handles("editMessageCaption")
async def edit_message_caption(
    state: EmulatorState, method: Method, params: dict[str, Any]
) -> Any:
    """Replace the caption of a bot photo or document message."""
    stored = _editable(state, params)
    if "text" in stored.raw:
        raise bad_request("there is no caption in the message to edit")
    caption, entities = _caption(method, params)
    content = _with_entities("caption", caption, entities) if caption else {}
    return _edit(state, stored, params, content)


@handles("editMessageReplyMarkup")
async def edit_message_reply_markup(
    state: EmulatorState, method: Method, params: dict[str, Any]
) -> Any:
    """Replace (or remove, when omitted) a bot message's inline keyboard."""
    stored = _editable(state, params)
    content = _kept(stored, "text", "entities", "caption", "caption_entities")
    return _edit(state, stored, params, content)


def _delete(chat: ChatState, message_id: int, state: EmulatorState) -> bool:
    stored = chat.messages.get(message_id)
    if stored is None or stored.deleted:
        return False
    stored.deleted = True
    state.notifier.notify()
    return True


@handles("deleteMessage")
async def delete_message(state: EmulatorState, method: Method, params: dict[str, Any]) -> Any:
    """Delete one message."""
    chat = state.chat(params["chat_id"])
    if not _delete(chat, params["message_id"], state):
        raise bad_request("message to delete not found")
    return True


@handles("deleteMessages")
async def delete_messages(state: EmulatorState, method: Method, params: dict[str, Any]) -> Any:
    """Delete several messages, skipping the ones that do not exist (as Telegram does)."""
    chat = state.chat(params["chat_id"])
    identifiers = params["message_ids"]
    if not 1 <= len(identifiers) <= 100:
        raise bad_request("message_ids must contain 1-100 identifiers")
    for message_id in identifiers:
        _delete(chat, message_id, state)
    return True
