"""The compiled spec, generic validation and parse-mode handling, without a server."""

from __future__ import annotations

import json
from typing import Any

import pytest

from emulator import ApiError, load_spec
from emulator.formatting import command_entities, render
from emulator.spec import TypeRef, utf16_len
from emulator.validate import UploadedFile, Validator


def _params(method: str, raw: dict[str, Any], files: dict[str, UploadedFile] | None = None) -> Any:
    spec = load_spec()
    found = spec.method(method)
    assert found is not None
    return Validator(spec).params(found, raw, files or {})


def _error(method: str, raw: dict[str, Any]) -> str:
    with pytest.raises(ApiError) as caught:
        _params(method, raw)
    assert caught.value.error_code == 400
    return caught.value.description


def test_spec_is_compiled_once_and_knows_limits() -> None:
    spec = load_spec()
    assert spec is load_spec()
    assert spec.version == "Bot API 10.1"
    send = spec.method("SENDMESSAGE")
    assert send is not None and send.name == "sendMessage"
    text = send.fields["text"]
    assert (text.min_len, text.max_len, text.unit, text.after_entities) == (
        1,
        4096,
        "characters",
        True,
    )
    data = spec.types["InlineKeyboardButton"].fields["callback_data"]
    assert (data.min_len, data.max_len, data.unit) == (1, 64, "bytes")
    assert send.fields["chat_id"].types == (TypeRef("Integer"), TypeRef("String"))
    assert spec.types["BotCommandScopeChat"].fields["type"].const == "chat"
    assert "bold" in (spec.types["MessageEntity"].fields["type"].choices or ())
    assert "callback_data" in (spec.types["InlineKeyboardButton"].exactly_one_of or ())
    assert spec.method("setMyCommands") is not None
    assert spec.methods["close"].returns_true


def test_form_values_are_decoded_by_spec_type() -> None:
    markup = {"inline_keyboard": [[{"text": "Go", "callback_data": "go", "junk": 1}]]}
    params = _params(
        "sendMessage",
        {
            "chat_id": "-100123",
            "text": "true",
            "disable_notification": "true",
            "reply_markup": json.dumps(markup),
            "unknown_parameter": "ignored",
        },
    )
    assert params == {
        "chat_id": -100123,
        "text": "true",
        "disable_notification": True,
        "reply_markup": {"inline_keyboard": [[{"text": "Go", "callback_data": "go"}]]},
    }
    assert _params("sendMessage", {"chat_id": "@channel", "text": "x"})["chat_id"] == "@channel"
    assert _params("getUpdates", {"offset": 5, "allowed_updates": ["message"]}) == {
        "offset": 5,
        "allowed_updates": ["message"],
    }


def test_required_and_type_errors_use_telegram_wording() -> None:
    assert _error("sendMessage", {"text": "hi"}) == "Bad Request: chat_id is empty"
    assert _error("sendMessage", {"chat_id": "1"}) == "Bad Request: message text is empty"
    assert _error("deleteMessage", {"chat_id": "1"}) == (
        "Bad Request: message identifier is not specified"
    )
    assert "is required" in _error("setMyCommands", {})
    assert "Integer" in _error("deleteMessage", {"chat_id": "1", "message_id": "abc"})
    assert "JSON" in _error("sendMessage", {"chat_id": "1", "text": "x", "reply_markup": "{"})


def _keyboard(**button: Any) -> str:
    return json.dumps({"inline_keyboard": [[{"text": "b", **button}]]})


def test_nested_objects_are_validated_recursively() -> None:
    ok = _params("sendMessage", {"chat_id": 1, "text": "x", "reply_markup": _keyboard(url="u")})
    assert ok["reply_markup"]["inline_keyboard"][0][0]["url"] == "u"
    assert _error(
        "sendMessage",
        {"chat_id": 1, "text": "x", "reply_markup": _keyboard(callback_data="x" * 65)},
    ) == ("Bad Request: BUTTON_DATA_INVALID")
    assert "unallowed" in _error(
        "sendMessage", {"chat_id": 1, "text": "x", "reply_markup": _keyboard()}
    )
    wrong_type = json.dumps({"inline_keyboard": [[{"text": 5, "callback_data": "a"}]]})
    message = _error("sendMessage", {"chat_id": 1, "text": "x", "reply_markup": wrong_type})
    assert 'field "text" of InlineKeyboardButton must be of type String' in message
    reply_keyboard = json.dumps(
        {"keyboard": [["plain", {"text": "loc", "request_location": True}]]}
    )
    decoded = _params("sendMessage", {"chat_id": 1, "text": "x", "reply_markup": reply_keyboard})
    assert decoded["reply_markup"]["keyboard"][0][0] == {"text": "plain"}
    remove = _params(
        "sendMessage", {"chat_id": 1, "text": "x", "reply_markup": '{"remove_keyboard":true}'}
    )
    assert remove["reply_markup"] == {"remove_keyboard": True}
    bad_scope = json.dumps({"type": "chat"})
    assert "chat_id" in _error("setMyCommands", {"commands": "[]", "scope": bad_scope})
    bad_entity = json.dumps([{"type": "blink", "offset": 0, "length": 1}])
    assert "unsupported value" in _error(
        "sendMessage", {"chat_id": 1, "text": "x", "entities": bad_entity}
    )


def test_length_limits_count_utf16_units_and_utf8_bytes() -> None:
    assert utf16_len("👍") == 2 and utf16_len("é") == 1
    emoji_data = "👍" * 16  # 64 UTF-8 bytes
    ok = _keyboard(callback_data=emoji_data)
    assert _params("sendMessage", {"chat_id": 1, "text": "x", "reply_markup": ok})
    too_long = _keyboard(callback_data=emoji_data + "x")
    assert "BUTTON_DATA_INVALID" in _error(
        "sendMessage", {"chat_id": 1, "text": "x", "reply_markup": too_long}
    )
    assert "MESSAGE_TOO_LONG" in _error(
        "answerCallbackQuery", {"callback_query_id": "1", "text": "a" * 201}
    )


def test_files_fill_input_file_parameters() -> None:
    upload = UploadedFile("a.txt", "text/plain", b"abc")
    params = _params("sendDocument", {"chat_id": "1"}, {"document": upload})
    assert params["document"] is upload
    attached = _params("sendDocument", {"chat_id": "1", "document": "attach://f"}, {"f": upload})
    assert attached["document"] is upload
    assert (
        _params("sendDocument", {"chat_id": "1", "document": "file-id"})["document"] == "file-id"
    )


def test_html_parse_mode_produces_entities_in_utf16_units() -> None:
    text, entities = render("  👍 <b>bold</b> &lt;<a href='https://x.y'>l</a>  ", "HTML", None)
    assert text == "👍 bold <l"
    assert entities == [
        {"type": "bold", "offset": 3, "length": 4},
        {"type": "text_link", "offset": 9, "length": 1, "url": "https://x.y"},
    ]
    text, entities = render('<pre><code class="language-py">x = 1</code></pre>', "html", None)
    assert entities == [{"type": "pre", "offset": 0, "length": 5, "language": "py"}]


@pytest.mark.parametrize(
    ("markup", "fragment"),
    [
        ("<b>open", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
        ("<blink>x</blink>", 'Unsupported start tag "blink" at byte offset 0'),
        ("1 < 2 > 0", 'Unsupported start tag "" at byte offset 2'),
    ],
)
def test_malformed_html_is_rejected(markup: str, fragment: str) -> None:
    with pytest.raises(ApiError) as caught:
        render(markup, "HTML", None)
    assert caught.value.description.startswith("Bad Request: can't parse entities: ")
    assert fragment in caught.value.description


def test_markdown_v2_requires_escaping_and_parses_entities() -> None:
    text, entities = render(r"*Hi* _there_\. [link](https://a.b/c) ||s||", "MarkdownV2", None)
    assert text == "Hi there. link s"
    assert [e["type"] for e in entities] == ["bold", "italic", "text_link", "spoiler"]
    with pytest.raises(ApiError, match=r"Character '\.' is reserved"):
        render("Hi.", "MarkdownV2", None)
    with pytest.raises(ApiError, match="Can't find end of Bold entity at byte offset 0"):
        render("*open", "MarkdownV2", None)
    legacy_text, legacy_entities = render("*b* _i_ 1.5!", "Markdown", None)
    assert legacy_text == "b i 1.5!"
    assert [e["type"] for e in legacy_entities] == ["bold", "italic"]
    with pytest.raises(ApiError, match="unsupported parse_mode"):
        render("x", "BBCode", None)


def test_user_commands_get_bot_command_entities() -> None:
    assert command_entities("/start payload") == [
        {"type": "bot_command", "offset": 0, "length": 6}
    ]
    assert command_entities("hi 👍 /help@attune_test_bot") == [
        {"type": "bot_command", "offset": 6, "length": 21}
    ]
    assert command_entities("no/command here") == []
