"""Emulated methods about the bot itself, its updates, commands, chats and callback answers."""

from __future__ import annotations

import json
import re
from typing import Any

from yarl import URL

from emulator.errors import ApiError, bad_request
from emulator.limits import star_amount
from emulator.registry import handles
from emulator.spec import Method
from emulator.state import EmulatorState

_ACTION_RE = re.compile(r"\b([a-z]+(?:_[a-z]+)*) (?:for|or)\b")
_COMMAND_RE = re.compile(r"[a-z0-9_]{1,32}")
_SECRET_RE = re.compile(r"[A-Za-z0-9_-]{1,256}")
_POLL_CONFLICT = ApiError(
    409,
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running",
)
_WEBHOOK_CONFLICT = ApiError(
    409,
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first",
)
_GET_ME_EXTRAS = {
    "can_join_groups": True,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
    "can_connect_to_business": False,
    "has_main_web_app": False,
}


@handles("getMe")
async def get_me(state: EmulatorState, method: Method, params: dict[str, Any]) -> Any:
    """Describe the bot."""
    return {
        **state.bot_user,
        **_GET_ME_EXTRAS,
        "can_read_all_group_messages": not state.privacy_mode,
    }


@handles("getMyStarBalance")
async def get_my_star_balance(state: EmulatorState, method: Method, params: dict[str, Any]) -> Any:
    """The bot's Telegram Stars balance, as a StarAmount."""
    return star_amount(state.nanostars)


@handles("getUpdates")
async def get_updates(state: EmulatorState, method: Method, params: dict[str, Any]) -> Any:
    """Confirm, then return pending updates, long-polling up to ``timeout`` seconds."""
    if state.webhook["url"]:
        raise _WEBHOOK_CONFLICT
    if "allowed_updates" in params:
        state.allowed_updates = frozenset(params["allowed_updates"]) or None
    if "offset" in params:
        state.confirm(params["offset"])
    limit = min(max(params.get("limit", 100), 1), 100)
    timeout = max(params.get("timeout", 0), 0)
    # A newer poll supersedes an older one that is still waiting, like on Telegram.
    state.poll_generation += 1
    generation = state.poll_generation
    state.notifier.notify()

    def ready() -> bool | None:
        if generation != state.poll_generation:
            raise _POLL_CONFLICT
        return True if state.updates or state.closing else None

    await state.notifier.wait_until(ready, float(timeout))
    if generation != state.poll_generation:
        raise _POLL_CONFLICT
    return [state.updates[index] for index in range(min(limit, len(state.updates)))]


@handles("setWebhook")
async def set_webhook(state: EmulatorState, method: Method, params: dict[str, Any]) -> Any:
    """Set (or with an empty URL, remove) the webhook that pending updates are delivered to.

    The emulator plays Telegram's *local* Bot API server, which accepts ``http://`` webhooks
    on any port; Telegram's cloud server wants HTTPS on port 443, 80, 88 or 8443.
    ``max_connections`` is clamped to 1-100 as the server does. Delivery: emulator.webhook.
    """
    url = params["url"]
    if url:
        try:
            parsed = URL(url)
        except ValueError:
            raise bad_request("bad webhook: Wrong URL") from None
        if parsed.scheme not in ("http", "https"):
            raise bad_request("bad webhook: Unsupported URL protocol")
        if not parsed.host:
            raise bad_request("bad webhook: Wrong URL host")
    secret = params.get("secret_token")
    if secret is not None and not _SECRET_RE.fullmatch(secret):
        raise bad_request("secret token contains unallowed characters")
    if params.get("drop_pending_updates"):
        state.updates.clear()
    if "allowed_updates" in params:
        state.allowed_updates = frozenset(params["allowed_updates"]) or None
    # Always a new dict: the deliverer treats a new dict as a new webhook.
    state.webhook = {"url": url}
    if url:
        max_connections = params.get("max_connections", 40)
        state.webhook["max_connections"] = min(max(max_connections, 1), 100)
        for key in ("ip_address", "secret_token", "certificate"):
            if key in params:
                state.webhook[key] = params[key]
    state.notifier.notify()
    return True


@handles("deleteWebhook")
async def delete_webhook(state: EmulatorState, method: Method, params: dict[str, Any]) -> Any:
    """Forget the webhook, optionally dropping pending updates; requests in flight may finish."""
    state.webhook = {"url": ""}
    if params.get("drop_pending_updates"):
        state.updates.clear()
    state.notifier.notify()
    return True


@handles("getWebhookInfo")
async def get_webhook_info(state: EmulatorState, method: Method, params: dict[str, Any]) -> Any:
    """Report the webhook settings, pending update count and the last delivery error."""
    info: dict[str, Any] = {
        "url": state.webhook["url"],
        "has_custom_certificate": "certificate" in state.webhook,
        "pending_update_count": len(state.updates),
    }
    for key in ("ip_address", "last_error_date", "last_error_message", "max_connections"):
        if key in state.webhook:
            info[key] = state.webhook[key]
    if state.webhook["url"] and state.allowed_updates is not None:
        info["allowed_updates"] = sorted(state.allowed_updates)
    return info


def _commands_key(params: dict[str, Any]) -> tuple[str, str]:
    scope = params.get("scope") or {"type": "default"}
    return json.dumps(scope, sort_keys=True), params.get("language_code", "")


@handles("setMyCommands")
async def set_my_commands(state: EmulatorState, method: Method, params: dict[str, Any]) -> Any:
    """Store the command list for a scope and language."""
    commands = params["commands"]
    if len(commands) > 100:
        raise bad_request("too many commands")
    for command in commands:
        if not _COMMAND_RE.fullmatch(command["command"]):
            raise bad_request("BOT_COMMAND_INVALID")
    state.commands[_commands_key(params)] = commands
    state.notifier.notify()
    return True


@handles("getMyCommands")
async def get_my_commands(state: EmulatorState, method: Method, params: dict[str, Any]) -> Any:
    """Return the command list stored for exactly this scope and language."""
    return list(state.commands.get(_commands_key(params), []))


@handles("deleteMyCommands")
async def delete_my_commands(state: EmulatorState, method: Method, params: dict[str, Any]) -> Any:
    """Remove the command list for a scope and language."""
    state.commands.pop(_commands_key(params), None)
    return True


@handles("answerCallbackQuery")
async def answer_callback_query(
    state: EmulatorState, method: Method, params: dict[str, Any]
) -> Any:
    """Record the answer to a pressed button; each query can be answered once."""
    record = state.callback_queries.get(params["callback_query_id"])
    if record is None or record.answer is not None:
        raise bad_request("query is too old and response timeout expired or query ID is invalid")
    record.answer = params
    state.notifier.notify()
    return True


@handles("sendChatAction")
async def send_chat_action(state: EmulatorState, method: Method, params: dict[str, Any]) -> Any:
    """Record a chat action such as ``typing``."""
    chat = state.writable_chat(params["chat_id"])
    allowed = _ACTION_RE.findall(method.fields["action"].description)
    if params["action"] not in allowed:
        raise bad_request("wrong parameter action in request")
    chat.actions.append(params["action"])
    state.notifier.notify()
    return True


@handles("leaveChat")
async def leave_chat(state: EmulatorState, method: Method, params: dict[str, Any]) -> Any:
    """Leave a group; private chats cannot be left."""
    chat = state.chat(params["chat_id"])
    if chat.kind == "private":
        raise bad_request("chat member status can't be changed in private chats")
    if not chat.bot_is_member:
        raise ApiError(403, f"Forbidden: bot is not a member of the {chat.kind} chat")
    chat.bot_is_member = False
    state.notifier.notify()
    return True


@handles("getChat")
async def get_chat(state: EmulatorState, method: Method, params: dict[str, Any]) -> Any:
    """Describe a known chat as a ChatFullInfo object."""
    chat = state.chat(params["chat_id"])
    return {
        **chat.chat,
        "accent_color_id": chat.id % 7 if chat.id > 0 else 0,
        "max_reaction_count": 11,
        "accepted_gift_types": {
            "unlimited_gifts": True,
            "limited_gifts": True,
            "unique_gifts": True,
            "premium_subscription": True,
            "gifts_from_channels": True,
        },
    }
