"""Hypothesis strategies for the fuzz test: what people (and chats) do, as plain data.

A `Step` names an action and its raw material; the test turns it into a Bot API update
against the live emulator (real message ids, real prompt ids), so nothing here knows the
emulator. The field builders make Telegram-shaped objects: the fuzz is about what Telegram
can deliver, not about JSON that no Telegram server would send.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

from bot import callbacks
from emulator.spec import utf16_len

KNOWN_COMMANDS = (
    "start",
    "timezone",
    "rituals",
    "settings",
    "pause",
    "resume",
    "journal",
    "progress",
    "history",
    "help",
    "privacy",
    "export",
    "import",
    "delete",
)
RITUAL_KEYS = ("body_scan", "breath", "kind_words", "not_a_ritual", "BODY_SCAN", "a" * 33)
# Every button the bot makes, as it makes them, and what each kind's data starts with:
# read from bot.callbacks, so a new kind of button is forged here without anyone
# remembering to add it.
FIXED_DATA = tuple(callbacks.examples())
PREFIXES = tuple(callbacks.prefixes())
SPECIAL_TEXTS = (
    "\u200f\u202eevil override\u202c",
    "\u200b",
    "\u200b\u200c\u200d\ufeff\u2060",
    "\u2066\u2067\u2068\u2069",
    "\U0001f469\u200d\u2764\ufe0f\u200d\U0001f48b\u200d\U0001f468",
    "\U0001f3f3\ufe0f\u200d\U0001f308" * 40,
    "Z\u0334\u0321\u0327\u0349\u0344a\u0338l\u0336g\u0335o\u0337",
    "a" + "\u0301" * 300,
    "\u05d0\u05e0\u05d9 \u05d1\u05e1\u05d3\u05e8",
    "\u0645\u0631\u062d\u0628\u0627 \U0001f600",
    "Europe/Berlin",
    "  europe/berlin  ",
    "Asia/Kolkata\u200b",
    "UTC+99",
    "UTC+05:30",
    "utc\u22123",
    "GMT-12",
    "Mars/Olympus",
    "../../etc/passwd",
    "23:15",
    "7:05",
    "25:99",
    "00:00",
    "24:00",
    "\uff12\uff13:\uff11\uff15",
    "<b>bold</b> <a href='x'>",
    "*bold* _it_ `code` [a](b)",
    "%s %d {0} {name} ${x}",
    "'; DROP TABLE users; --",
    "\x07\x1b[31mred\r\n\t",
    "NaN",
    "1e309",
)
_COMMAND = re.compile(r"/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{1,64})?(?=\s|$)")
_LONG_UNITS = ("a", "\U0001f600", "\u200b", "\u05e9", "\u0301", "\U0001f469\u200d\U0001f4bb")


def texts() -> st.SearchStrategy[str]:
    """What people type: arbitrary unicode, tricky fragments, and very long messages."""
    arbitrary = st.text(
        st.characters(codec="utf-8", exclude_characters="\x00"),
        min_size=1,
        max_size=120,
    )
    mixed = st.lists(st.sampled_from(SPECIAL_TEXTS), min_size=1, max_size=4).map(" ".join)
    long = st.builds(
        lambda unit, size: unit * max(1, size // len(unit)),
        st.sampled_from(_LONG_UNITS),
        st.sampled_from((201, 4096, 4097, 10_000)),
    )
    # Telegram never delivers a message that is empty or only whitespace.
    return st.one_of(arbitrary, st.sampled_from(SPECIAL_TEXTS), mixed, long).filter(
        lambda text: bool(text.strip())
    )


def command_tokens() -> st.SearchStrategy[str]:
    """A /command as a client marks it: a known or unknown name, maybe addressed to a bot."""
    name = st.one_of(
        st.sampled_from(KNOWN_COMMANDS),
        st.sampled_from(KNOWN_COMMANDS).map(str.upper),
        st.from_regex(r"\A[A-Za-z0-9_]{1,40}\Z"),
    )
    suffix = st.sampled_from(("", "", "@attune_test_bot", "@Attune_Test_Bot", "@other_bot"))
    return st.builds(lambda n, s: f"/{n}{s}", name, suffix)


def callback_data() -> st.SearchStrategy[str]:
    """Data a forged or stale button could carry."""
    number = st.one_of(
        st.integers(0, 30),
        st.integers(0, 10**13),
        st.sampled_from(("0007", "-1", "1e3", "\u0661", "\uff15")),
    ).map(str)
    forged = st.one_of(
        st.builds(lambda p, r: f"r:{p}:{r}", number, number),
        st.builds(lambda p: f"later:{p}", number),
        st.builds(lambda p, o: f"snz:{p}:{o}", number, st.sampled_from(("20m", "1h", "eve", "x"))),
        st.builds(lambda k, p: f"{k}:{p}", st.sampled_from(("back", "skip", "nonote")), number),
        st.builds(lambda z: f"tz:{z}", st.sampled_from(("Europe/Berlin", "UTC+14", "Nope/Zone"))),
        st.builds(
            lambda k, r: f"{k}:{r}", st.sampled_from(PREFIXES), st.sampled_from(RITUAL_KEYS)
        ),
        st.builds(lambda r, d: f"day:{r}:{d}", st.sampled_from(RITUAL_KEYS), number),
        st.builds(lambda r, p: f"rpause:{r}:{p}", st.sampled_from(RITUAL_KEYS), number),
        st.builds(lambda p: f"pause:{p}", st.sampled_from(("1d", "3d", "7d", "open", "99d"))),
        st.builds(
            lambda w, c, p: f"hist:{w}:{c}:{p}", st.sampled_from(("o", "n", "x")), number, number
        ),
        st.builds(lambda d: f"wsday:{d}", number),
    )
    return st.one_of(
        forged,
        st.sampled_from(FIXED_DATA),
        st.just(""),  # no data at all, as a modified client could send
        st.builds(lambda p, t: f"{p}:{t}", st.sampled_from(PREFIXES), st.text(max_size=70)),
        st.text(min_size=65, max_size=400),  # longer than Telegram's 64 bytes
        st.text(max_size=64),
    )


def locations() -> st.SearchStrategy[dict[str, Any]]:
    """Coordinates Telegram can send, favouring the odd ones: poles, date line, null island."""
    latitude = st.one_of(
        st.sampled_from((90.0, -90.0, 0.0, -0.0, 89.999999, 1e-300, 52.52)),
        st.floats(-90, 90, allow_nan=False),
    )
    longitude = st.one_of(
        st.sampled_from((180.0, -180.0, 0.0, -0.0, 179.999999, -179.999999, 13.4)),
        st.floats(-180, 180, allow_nan=False),
    )
    extra = st.fixed_dictionaries(
        {},
        optional={
            "horizontal_accuracy": st.floats(0, 1500, allow_nan=False),
            "live_period": st.sampled_from((60, 86400, 0x7FFFFFFF)),
            "heading": st.integers(1, 360),
        },
    )
    return st.builds(
        lambda a, o, e: {"latitude": a, "longitude": o, **e}, latitude, longitude, extra
    )


@dataclass(frozen=True)
class Step:
    """One thing someone does; `who` picks the person, modulo the audience's size."""

    kind: str
    who: int
    value: Any = None


MEDIA = (
    "sticker", "photo", "voice", "document", "video", "video_note", "animation", "audio",
    "contact", "dice", "venue", "poll", "pinned", "web_app_data", "users_shared", "story",
)  # fmt: skip
ORIGINS = ("user", "hidden_user", "chat", "channel")
# Update types other than message and callback_query, and ones no Bot API version has.
OTHER_UPDATES = (
    "inline_query", "chosen_inline_result", "game_callback", "shipping_query",
    "pre_checkout_query", "poll", "poll_answer", "my_chat_member_kicked",
    "my_chat_member_member", "my_chat_member_group", "chat_join_request", "chat_boost",
    "removed_chat_boost", "business_connection", "business_message",
    "edited_business_message", "deleted_business_messages", "purchased_paid_media",
    "message_reaction", "future_update", "future_scalar",
)  # fmt: skip


def steps() -> st.SearchStrategy[Step]:
    """Any single action."""
    who = st.integers(0, 7)
    maybe_text = st.one_of(st.none(), texts())

    def step(kind: str, value: st.SearchStrategy[Any]) -> st.SearchStrategy[Step]:
        return st.builds(Step, st.just(kind), who, value)

    return st.one_of(
        step("text", texts()),
        step("reply", texts()),
        step("command", st.tuples(command_tokens(), st.one_of(st.just(""), texts()))),
        step("command", st.tuples(st.just("/start"), st.just(""))),
        step("slash_text", st.sampled_from(("/start", "/help", "/", "//start", " /start"))),
        step("edit", st.tuples(st.one_of(texts(), command_tokens()), st.integers(0, 5))),
        step("media", st.tuples(st.sampled_from(MEDIA), maybe_text)),
        step("forward", st.tuples(st.sampled_from(ORIGINS), st.one_of(texts(), command_tokens()))),
        step("location", locations()),
        step("press", st.tuples(st.integers(0, 20), callback_data())),
        step("press_real", st.tuples(st.integers(0, 20), st.integers(0, 20))),
        step("rate_own", st.integers(-1, 10)),
        step("rate_other", st.integers(1, 5)),
        step(
            "group",
            st.tuples(
                st.sampled_from(("group", "supergroup", "anonymous_admin", "press")),
                st.one_of(command_tokens(), texts()),
            ),
        ),
        step("channel", st.tuples(st.booleans(), st.one_of(command_tokens(), texts()))),
        step("other", st.sampled_from(OTHER_UPDATES)),
    )


@dataclass(frozen=True)
class Batch:
    """Steps by members or by strangers, delivered in `order`, some of them twice.

    `repeats` are (step, place) pairs: that step's update is delivered once more at that
    place (a redelivery after a crash); `stale` are (n, place): the n-th update of an
    earlier batch comes again. A place is never the very front, which keeps the emulator's
    offset bookkeeping (it forgets everything below the confirmed offset) out of the way.
    """

    audience: str
    steps: tuple[Step, ...]
    order: tuple[int, ...]
    repeats: tuple[tuple[int, int], ...]
    stale: tuple[tuple[int, int], ...]


@st.composite
def batches(draw: st.DrawFn, max_steps: int) -> Batch:
    """A batch of steps, in order or shuffled, with repeated and stale update ids."""
    audience = draw(st.sampled_from(("members", "strangers")))
    chosen = draw(st.lists(steps(), min_size=max_steps // 4, max_size=max_steps))
    indices = list(range(len(chosen)))
    order = draw(st.one_of(st.just(indices), st.permutations(indices)))
    place = st.integers(1, len(chosen))
    repeats = draw(st.lists(st.tuples(st.integers(0, len(chosen) - 1), place), max_size=4))
    stale = draw(st.lists(st.tuples(st.integers(0, 10**6), place), max_size=3))
    return Batch(audience, tuple(chosen), tuple(order), tuple(repeats), tuple(stale))


def text_fields(words: str) -> dict[str, Any]:
    """A text message's fields; a leading /command gets its entity, as clients mark it."""
    fields: dict[str, Any] = {"text": words}
    if token := _COMMAND.match(words):
        fields["entities"] = [{"type": "bot_command", "offset": 0, "length": utf16_len(token[0])}]
    return fields


def media_fields(kind: str, n: int, user: dict[str, Any], chat: dict[str, Any]) -> dict[str, Any]:
    """The message fields of a non-text message of `kind` (n makes file ids unique)."""
    file = {"file_id": f"AgAC{n:08d}", "file_unique_id": f"AQAD{n:08d}"}
    size = {"width": 512, "height": 512}
    fields: dict[str, dict[str, Any]] = {
        "sticker": {"sticker": {**file, **size, "type": "regular", "is_animated": False,
                                "is_video": False, "emoji": "\U0001f600"}},
        "photo": {"photo": [{**file, "width": 90, "height": 90, "file_size": 1200},
                            {**file, **size, "file_size": 64000}]},
        "voice": {"voice": {**file, "duration": 3, "mime_type": "audio/ogg"}},
        "document": {"document": {**file, "file_name": "\u202egpj.exe", "mime_type": "x/y"}},
        "video": {"video": {**file, **size, "duration": 2}},
        "video_note": {"video_note": {**file, "length": 240, "duration": 1}},
        "animation": {"animation": {**file, **size, "duration": 1},
                      "document": {**file, "file_name": "a.gif.mp4"}},
        "audio": {"audio": {**file, "duration": 200, "performer": "\u200f", "title": ""}},
        "contact": {"contact": {"phone_number": "+0", "first_name": "\u202e", "user_id": 1}},
        "dice": {"dice": {"emoji": "\U0001f3b2", "value": 6}},
        "venue": {"venue": {"location": {"latitude": 0.0, "longitude": 0.0},
                            "title": "Null Island", "address": ""}},
        "poll": {"poll": poll(n)},
        "pinned": {"pinned_message": {"message_id": 1, "date": 0, "chat": chat}},
        "web_app_data": {"web_app_data": {"data": "{}", "button_text": "x"}},
        "users_shared": {"users_shared": {"request_id": 1, "users": [{"user_id": user["id"]}]}},
        "story": {"story": {"chat": chat, "id": n}},
    }  # fmt: skip
    return fields[kind]


def poll(n: int) -> dict[str, Any]:
    """A regular poll."""
    return {
        "id": str(n),
        "question": "?",
        "options": [
            {"text": "a", "voter_count": 0, "persistent_id": "a"},
            {"text": "b", "voter_count": 1, "persistent_id": "b"},
        ],
        "total_voter_count": 1,
        "is_closed": False,
        "is_anonymous": True,
        "type": "regular",
        "allows_multiple_answers": False,
        "allows_revoting": False,
        "members_only": False,
    }


def forward_origin(kind: str, n: int, user: dict[str, Any], date: int) -> dict[str, Any]:
    """Where a forwarded message came from."""
    channel = {"id": -1001000000000 - n, "type": "channel", "title": "\u202eNews"}
    return {
        "user": {"type": "user", "sender_user": user, "date": date},
        "hidden_user": {"type": "hidden_user", "sender_user_name": "\u200b", "date": date},
        "chat": {"type": "chat", "sender_chat": {**channel, "type": "group"}, "date": date},
        "channel": {"type": "channel", "chat": channel, "message_id": n, "date": date},
    }[kind]


def other_group_id(n: int) -> int:
    """The group that the n-th other update (a join request, a boost ...) happens in."""
    return -200000 - n


def other_update(
    kind: str, n: int, user: dict[str, Any], chat: dict[str, Any], bot: dict[str, Any], date: int
) -> dict[str, Any]:
    """An update that is neither a message nor a button press on one, from `user`."""
    group = {"id": other_group_id(n), "type": "group", "title": "G"}
    member = {"user": bot, "status": "member"}
    kicked = {"user": bot, "status": "kicked", "until_date": 0}
    boost_source = {"source": "premium", "user": user}
    business = {"business_connection_id": f"bc{n}", "message_id": n, "date": date,
                "chat": chat, "from": user, "text": "/start"}  # fmt: skip
    updates: dict[str, dict[str, Any]] = {
        "inline_query": {"inline_query": {"id": str(n), "from": user, "query": "q", "offset": ""}},
        "chosen_inline_result": {"chosen_inline_result": {"result_id": "1", "from": user,
                                                          "query": ""}},
        "shipping_query": {"shipping_query": {
            "id": str(n), "from": user, "invoice_payload": "p",
            "shipping_address": {"country_code": "DE", "state": "", "city": "B",
                                 "street_line1": "", "street_line2": "", "post_code": "1"}}},
        "pre_checkout_query": {"pre_checkout_query": {
            "id": str(n), "from": user, "currency": "XTR", "total_amount": 1,
            "invoice_payload": "p"}},
        "poll": {"poll": poll(n)},
        "poll_answer": {"poll_answer": {"poll_id": str(n), "user": user, "option_ids": [0],
                                        "option_persistent_ids": ["a"]}},
        "my_chat_member_kicked": {"my_chat_member": {
            "chat": chat, "from": user, "date": date,
            "old_chat_member": member, "new_chat_member": kicked}},
        "my_chat_member_member": {"my_chat_member": {
            "chat": chat, "from": user, "date": date,
            "old_chat_member": kicked, "new_chat_member": member}},
        "my_chat_member_group": {"my_chat_member": {
            "chat": group, "from": user, "date": date,
            "old_chat_member": {"user": bot, "status": "left"}, "new_chat_member": member}},
        "chat_join_request": {"chat_join_request": {
            "chat": group, "from": user, "user_chat_id": user["id"], "date": date}},
        "chat_boost": {"chat_boost": {"chat": group, "boost": {
            "boost_id": str(n), "add_date": date, "expiration_date": date + 1,
            "source": boost_source}}},
        "removed_chat_boost": {"removed_chat_boost": {
            "chat": group, "boost_id": str(n), "remove_date": date, "source": boost_source}},
        "business_connection": {"business_connection": {
            "id": f"bc{n}", "user": user, "user_chat_id": user["id"], "date": date,
            "is_enabled": True}},
        "business_message": {"business_message": business},
        "edited_business_message": {"edited_business_message": {**business, "edit_date": date}},
        "deleted_business_messages": {"deleted_business_messages": {
            "business_connection_id": f"bc{n}", "chat": chat, "message_ids": [1, 2]}},
        "purchased_paid_media": {"purchased_paid_media": {"from": user,
                                                          "paid_media_payload": "p"}},
        "message_reaction": {"message_reaction": {
            "chat": chat, "message_id": 1, "user": user, "date": date, "old_reaction": [],
            "new_reaction": [{"type": "emoji", "emoji": "\U0001f44d"}]}},
        "future_update": {"future_update": {"id": n, "from": user, "something": [1, {}]}},
        "future_scalar": {"future_scalar": n},
    }  # fmt: skip
    return updates[kind]
