"""Finding 4: /export holds everything stored about the person. Every column of every table
that holds a person's rows is in the export, or named in store.personal_data.LEFT_OUT (row
ids and links to the person only), so a column added later cannot be forgotten."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncEngine

from store.check_ins import add_check_in, name_win
from store.db import session_factory
from store.invitations import create_invitation, redeem, set_shares
from store.keyring import Keyring
from store.models import (
    Base,
    Link,
    PartnerRound,
    PartnerSharing,
    PartnerTurn,
    Prompt,
    Subscription,
    User,
)
from store.notes import add_note
from store.personal_data import LEFT_OUT, RENAMED, SECTIONS, collect
from store.progress import add_milestones

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


def _persons_tables() -> list[Table]:
    """users, and every table whose rows lead to a user's row by foreign keys."""
    tables = Base.metadata.tables
    found = {"users"}
    grown = True
    while grown:
        grown = False
        for name, table in tables.items():
            if name not in found and any(
                fk.column.table.name in found for fk in table.foreign_keys
            ):
                found.add(name)
                grown = True
    return [tables[name] for name in sorted(found)]


async def _store_one_of_everything(engine: AsyncEngine, keyring: Keyring) -> User:
    """A person with one row in every table, every column given a value (none left NULL)."""
    later = NOW + timedelta(days=1)
    async with session_factory(engine, keyring)() as session, session.begin():
        user = User(
            telegram_id=8201, chat_id=8201, locale="en", timezone="Europe/Berlin",
            country="DE", discreet=False, quiet=True, note_retention_days=30,
            consent_version=2, adult_confirmed_at=NOW, consented_at=NOW, paused_until=later,
            blocked_at=NOW, awaiting="timezone", care_offers=1, pending_invitation=b"h" * 32,
            invitation_tries=2, invitation_tries_since=NOW, created_at=NOW,
        )  # fmt: skip
        session.add(user)
        await session.flush()
        sub = Subscription(
            user_id=user.id, ritual_key="body_scan", local_time="21:00", weekdays="0123456",
            active=True, prompts_claimed=3, cycle_shown=5, last_prompt=2, paused_until=later,
            next_due_at=later, unanswered=1, pacing_asked_at=NOW, created_at=NOW,
        )  # fmt: skip
        session.add(sub)
        await session.flush()
        prompt = Prompt(
            subscription_id=sub.id, due_at=NOW, claimed_at=NOW, sent_at=NOW, message_id=77,
            variant=2, state="snoozed", snoozed_until=later, snoozes=1,
        )  # fmt: skip
        session.add(prompt)
        await session.flush()
        check_in = await add_check_in(
            session, user_id=user.id, prompt_id=prompt.id, ritual_key="body_scan", rating=4,
            practiced_at=NOW, now=NOW,
        )  # fmt: skip
        await name_win(session, check_in=check_in, kind="kind_word")
        await add_note(
            session, user_id=user.id, check_in_id=check_in.id, ritual_key="body_scan",
            text="b", now=NOW,
        )  # fmt: skip
        await add_milestones(session, user_id=user.id, keys=["first_check_in"], now=NOW, held=True)
        # An invitation of theirs someone took (the link it made), and one of someone
        # else's they took.
        other = User(telegram_id=8202, chat_id=8202, locale="en", created_at=NOW)
        session.add(other)
        await session.flush()
        token = await create_invitation(
            session, inviter=user.id, kind="confidant", shown_name="Alex", now=NOW
        )
        link = await redeem(session, token=token, redeemer_id=other.id, now=NOW, member_name="Sam")
        assert isinstance(link, Link)
        await set_shares(session, link_id=link.id, user_id=user.id, shares="counts")
        theirs = await create_invitation(
            session, inviter=other.id, kind="partner", shown_name="Sam", now=NOW
        )
        partners = await redeem(session, token=theirs, redeemer_id=user.id, now=NOW)
        assert isinstance(partners, Link)
        # Sharing the weekly check-in with that partner: agreed, one round, their turn in it.
        session.add(
            PartnerSharing(
                link_id=partners.id, proposed_by=user.id, deadline_days=2, agreed_at=NOW,
                created_at=NOW,
            )
        )  # fmt: skip
        week = PartnerRound(link_id=partners.id, state="reveal", closes_at=later, created_at=NOW)
        session.add(week)
        await session.flush()
        session.add(
            PartnerTurn(
                round_id=week.id, user_id=user.id, prompt_id=prompt.id, share_note=True,
                tell_at=NOW, claimed_at=NOW, told_at=NOW, message_id=78,
            )
        )  # fmt: skip
    return user


async def test_every_stored_column_is_exported_or_left_out_on_purpose(
    engine: AsyncEngine, keyring: Keyring
) -> None:
    user = await _store_one_of_everything(engine, keyring)
    async with session_factory(engine, keyring)() as session:
        data = await collect(session, user=user)
    json.dumps(data)  # plain values only
    # Sealed columns are exported opened, as what they hold.
    [check_in] = data["check_ins"]
    assert (check_in["ritual"], check_in["rating"], check_in["step_named"]) == (
        "body_scan",
        4,
        "kind_word",
    )
    assert [(n["ritual"], n["text"]) for n in data["notes"]] == [("body_scan", "b")]
    assert [m["key"] for m in data["milestones"]] == ["first_check_in"]

    for table in _persons_tables():
        assert table.name in SECTIONS, f"{table.name} holds a person's rows but is not exported"
        section = data[SECTIONS[table.name]]
        rows = [section] if isinstance(section, dict) else section
        assert rows, f"no {table.name} row was exported"
        for column in table.columns:
            if column.name in LEFT_OUT[table.name]:
                continue
            name = RENAMED[table.name].get(column.name, column.name)
            for row in rows:
                assert name in row, f"{table.name}.{column.name} is missing from /export"
                assert row[name] is not None, f"{table.name}.{column.name} is exported empty"


# What stands in for a sealed value, and means nothing outside this database: the id of
# the person's key in the keyring, a milestone's tag (its key is exported opened) and a
# check-in's practice tag (its practice is exported opened); and what stands in for an
# invitation's token (only its hash is kept).
STAND_INS = {
    ("users", "key_id"),
    ("milestones", "tag"),
    ("check_ins", "practice_tag"),
    ("users", "pending_invitation"),
    ("invitations", "token_hash"),
}


def test_only_ids_links_to_the_person_and_stand_ins_are_left_out() -> None:
    for table in _persons_tables():
        for name in LEFT_OUT[table.name]:
            column = table.columns[name]
            # A link to another row (the other side of a link, or a row exported on its
            # own) is an id, and says nothing outside.
            to_a_row = bool(column.foreign_keys)
            left_out = column.primary_key or to_a_row or (table.name, name) in STAND_INS
            assert left_out, f"{table.name}.{name} left out"
