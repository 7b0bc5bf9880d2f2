"""What the bot's requests cost a chat: how many it made, and how many of them were
messages, the sends and edits Telegram counts against its sending limits.

Telegram's Bot FAQ limits messages: about one a second in one chat and about 30 a second
in all. Its engineers add that editing a message shares the sending limits and that
answerCallbackQuery has none (tdlib/td#3034, tdlib/telegram-bot-api#648). So here a request
is a message when it sends, copies, forwards or edits one; a chat action, a callback
answer or any other request counts against no sending limit. A request belongs to the chat
it names, or, for a callback answer, to the chat of the button pressed. A method a webhook's
answer carried (emulator.webhook) is no request of the bot's: it is counted apart, and among
the messages if it sends or edits one, since Telegram's limits do not care how it came.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field

from emulator.state import Call, EmulatorState

_MESSAGE_PREFIXES = ("send", "copy", "forward", "edit")


def is_message(method: str) -> bool:
    """True for a request Telegram counts against its sending limits."""
    lower = method.lower()
    return lower.startswith(_MESSAGE_PREFIXES) and lower != "sendchataction"


@dataclass(frozen=True, slots=True)
class Tally:
    """Calls the bot made for some chats: its requests (how many of each method, and in all)
    and the methods carried in webhook answers."""

    methods: Mapping[str, int] = field(default_factory=dict)
    carried: Mapping[str, int] = field(default_factory=dict)

    @property
    def requests(self) -> int:
        """Every request, answered or refused (carried methods are none)."""
        return sum(self.methods.values())

    @property
    def messages(self) -> int:
        """The calls Telegram counts against its sending limits (sends and edits), requests
        and carried methods alike."""
        both = [*self.methods.items(), *self.carried.items()]
        return sum(n for method, n in both if is_message(method))


def tally(
    state: EmulatorState, chat_ids: Collection[int], *, after: int = 0, before: int | None = None
) -> Tally:
    """The calls for `chat_ids` among those recorded from index `after` on (up to `before`)."""
    calls = state.calls[after:before]
    ours = [call for call in calls if _chat_of(state, call) in chat_ids]
    methods = Counter(call.method for call in ours if not call.carried)
    carried = Counter(call.method for call in ours if call.carried)
    return Tally(dict(methods), dict(carried))


def _chat_of(state: EmulatorState, call: Call) -> int | None:
    chat_id = call.params.get("chat_id")
    if isinstance(chat_id, int):
        return chat_id
    if isinstance(chat_id, str) and chat_id.removeprefix("-").isdigit():
        return int(chat_id)  # a refused request keeps its parameters as they came
    query = state.callback_queries.get(str(call.params.get("callback_query_id")))
    return None if query is None else query.chat_id
