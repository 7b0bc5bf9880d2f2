"""A local Telegram Bot API emulator for end-to-end tests of the Attune bot.

Start a :class:`BotApiEmulator`, point PTB at ``emu.base_url``, and drive the conversation
through simulated users (``emu.user(...)``) and groups (``emu.group(...)``). Updates are
served by getUpdates, or delivered to a webhook (``emu.webhook_deliveries``) once one is set.
"""

from emulator.chat_view import ChatView
from emulator.errors import ApiError
from emulator.people import SimulatedGroup, SimulatedUser
from emulator.sent import SentMessage
from emulator.server import BotApiEmulator
from emulator.spec import Spec, load_spec
from emulator.state import Call
from emulator.tally import Tally, is_message
from emulator.validate import UploadedFile
from emulator.webhook import WebhookDelivery

__all__ = [
    "ApiError",
    "BotApiEmulator",
    "Call",
    "ChatView",
    "SentMessage",
    "SimulatedGroup",
    "SimulatedUser",
    "Spec",
    "Tally",
    "UploadedFile",
    "WebhookDelivery",
    "is_message",
    "load_spec",
]
