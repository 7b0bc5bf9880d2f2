"""Files in sent messages: turning an upload, URL or file_id into PhotoSize / Document objects.

Telegram rejects photo uploads it cannot decode, so image dimensions are read from the file
header (PNG, GIF, JPEG, WebP, BMP); nothing is decoded beyond that.
"""

from __future__ import annotations

import mimetypes
import struct
from typing import Any
from urllib.parse import urlparse

from emulator.errors import bad_request
from emulator.state import EmulatorState, FileRecord
from emulator.validate import UploadedFile

_URL_DEFAULT_SIZE = (800, 600)
_PHOTO_BOUNDS = (90, 320, 800, 1280)


def image_size(data: bytes) -> tuple[int, int] | None:
    """Return (width, height) from an image header, or None if the format is unknown."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return int(width), int(height)
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        width, height = struct.unpack("<HH", data[6:10])
        return int(width), int(height)
    if data.startswith(b"BM") and len(data) >= 26:
        width, height = struct.unpack("<ii", data[18:26])
        return abs(int(width)), abs(int(height))
    if data.startswith(b"RIFF") and data[8:12] == b"WEBP":
        return _webp_size(data)
    if data.startswith(b"\xff\xd8"):
        return _jpeg_size(data)
    return None


def _webp_size(data: bytes) -> tuple[int, int] | None:
    chunk = data[12:16]
    if chunk == b"VP8 " and len(data) >= 30:
        width, height = struct.unpack("<HH", data[26:30])
        return width & 0x3FFF, height & 0x3FFF
    if chunk == b"VP8L" and len(data) >= 25:
        bits = int.from_bytes(data[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if chunk == b"VP8X" and len(data) >= 30:
        return int.from_bytes(data[24:27], "little") + 1, int.from_bytes(data[27:30], "little") + 1
    return None


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    index = 2
    while index + 9 < len(data):
        if data[index] != 0xFF:
            return None
        marker = data[index + 1]
        length = int.from_bytes(data[index + 2 : index + 4], "big")
        # SOF0..SOF15 carry the frame size; C4 (DHT), C8 (JPG) and CC (DAC) are not frames.
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height, width = struct.unpack(">HH", data[index + 5 : index + 9])
            return int(width), int(height)
        index += 2 + length
    return None


def photo_sizes(state: EmulatorState, photo: UploadedFile | str) -> list[dict[str, Any]]:
    """Resolve a sendPhoto ``photo`` value into Telegram's list of PhotoSize objects."""
    if isinstance(photo, str):
        known = _known_file(state, photo)
        if known is not None:
            if not isinstance(known.media, list):
                raise bad_request("wrong file identifier/HTTP URL specified")
            return list(known.media)
        width, height = _URL_DEFAULT_SIZE
        content = None
    else:
        if not photo.content:
            raise bad_request("file must be non-empty")
        size = image_size(photo.content)
        if size is None:
            raise bad_request("IMAGE_PROCESS_FAILED")
        width, height = size
        content = photo.content
    sizes: list[dict[str, Any]] = []
    longest = max(width, height, 1)
    for bound in _PHOTO_BOUNDS:
        scale = min(1.0, bound / longest)
        record = state.new_file(
            content, None, "image/jpeg", photo if isinstance(photo, str) else None
        )
        size_entry: dict[str, Any] = {
            "file_id": record.file_id,
            "file_unique_id": record.file_unique_id,
            "width": max(1, round(width * scale)),
            "height": max(1, round(height * scale)),
        }
        if content is not None:
            size_entry["file_size"] = max(1, round(len(content) * scale * scale))
        sizes.append(size_entry)
        if scale == 1.0:
            break
    for entry in sizes:
        state.files[entry["file_id"]].media = sizes
    return sizes


def document(state: EmulatorState, value: UploadedFile | str) -> dict[str, Any]:
    """Resolve a sendDocument ``document`` value into a Document object."""
    if isinstance(value, str):
        known = _known_file(state, value)
        if known is not None:
            if not isinstance(known.media, dict):
                raise bad_request("wrong file identifier/HTTP URL specified")
            return dict(known.media)
        name = urlparse(value).path.rsplit("/", 1)[-1] or "file"
        record = state.new_file(None, name, _guess_mime(name), value)
    else:
        if not value.content:
            raise bad_request("file must be non-empty")
        mime = value.content_type
        if not mime or mime == "application/octet-stream":
            mime = _guess_mime(value.filename)
        record = state.new_file(value.content, value.filename, mime, None)
    result: dict[str, Any] = {
        "file_id": record.file_id,
        "file_unique_id": record.file_unique_id,
        "file_name": record.filename,
        "mime_type": record.mime_type,
    }
    if record.content is not None:
        result["file_size"] = len(record.content)
    record.media = result
    return result


def _guess_mime(filename: str) -> str:
    return mimetypes.guess_type(filename)[0] or "application/octet-stream"


def _known_file(state: EmulatorState, value: str) -> FileRecord | None:
    record = state.files.get(value)
    if record is not None:
        return record
    if value.startswith(("http://", "https://")):
        return None
    raise bad_request("wrong file identifier/HTTP URL specified")
