"""Files the bot fetches, as Telegram serves them: getFile, then a download by file_path.

Telegram lets a bot download files of up to 20 MB: getFile refuses a bigger one. The File it
returns carries a ``file_path``; the bytes are at ``{root}/file/bot<token>/<file_path>``.
Only files whose bytes the emulator holds (uploaded by a simulated person or by the bot)
can be fetched; one known only by its URL cannot.
"""

from __future__ import annotations

from typing import Any

from emulator.errors import bad_request
from emulator.registry import handles
from emulator.spec import Method
from emulator.state import EmulatorState

# The most a bot may download through the Bot API (getFile's documented limit).
MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024


@handles("getFile")
async def get_file(state: EmulatorState, method: Method, params: dict[str, Any]) -> Any:
    """Describe a file and give it a path to download it from."""
    record = state.files.get(params["file_id"])
    if record is None or record.content is None:
        raise bad_request("wrong file_id or the file is temporarily unavailable")
    if len(record.content) > MAX_DOWNLOAD_BYTES:
        raise bad_request("file is too big")
    if record.path is None:
        record.path = f"documents/file_{len(state.file_paths)}"
        state.file_paths[record.path] = record
    return {
        "file_id": record.file_id,
        "file_unique_id": record.file_unique_id,
        "file_size": len(record.content),
        "file_path": record.path,
    }


def download(state: EmulatorState, path: str) -> bytes | None:
    """The bytes at a path getFile gave, or None for a path it never gave."""
    record = state.file_paths.get(path)
    return None if record is None else record.content
