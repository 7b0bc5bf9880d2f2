"""Serving: take updates (long polling or webhook), dispatch prompts, stop cleanly."""

from __future__ import annotations

from bot.app import build_application
from bot.settings import Settings
from store.crypto import NoteCipher


def serve(settings: Settings, cipher: NoteCipher) -> int:
    """Run until SIGTERM or SIGINT; the exit status of `attune run`."""
    app = build_application(settings, cipher=cipher)
    app.run_polling(allowed_updates=["message", "callback_query", "my_chat_member"])
    return 0
