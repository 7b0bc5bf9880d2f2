"""A person's data as a whole: everything for /export, and erasing all of it for /delete.

Erasing destroys the person's key first (committed in the keyring), then the rows: from
that moment no copy of what was sealed with it, a backup included, can be opened.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from store import sealing
from store.check_ins import opened
from store.invitations import forget_sharing
from store.models import (
    CheckIn,
    Invitation,
    Link,
    Milestone,
    Note,
    PartnerRound,
    PartnerSharing,
    PartnerTurn,
    Prompt,
    Subscription,
    User,
)
from store.person_keys import key_of, keyring_of
from store.sealing import PersonKey

# The export's layout: /import reads only files that name this one. Raise it whenever a
# field is renamed, removed or changes meaning (store.restore and bot.export_reader read it).
EXPORT_FORMAT = 3
# Formats /import still reads: 1 had no invitations or links, 2 no check-ins shared with a
# partner (none of which are brought back: each names another person, who must consent
# again).
IMPORT_FORMATS = frozenset({1, 2, 3})

# Which part of the export holds each table's rows, and under which name a column appears
# where the export's name says more than the column's. A test (tests/security) checks that
# every column of every table holding a person's rows is exported, or left out below.
SECTIONS = {
    "users": "person",
    "subscriptions": "practices",
    "prompts": "prompts",
    "check_ins": "check_ins",
    "notes": "notes",
    "milestones": "milestones",
    "invitations": "invitations",
    "links": "links",
    "partner_sharing": "partner_sharing",
    "partner_rounds": "partner_rounds",
    "partner_turns": "partner_turns",
}
RENAMED = {
    "users": {"country": "help_line_country"},
    "subscriptions": {
        "ritual_key": "ritual",
        "unanswered": "prompts_without_a_tap_lately",
        "pacing_asked_at": "pace_asked_about_at",
    },
    # A prompt names its practice by ritual; the subscription's row id means nothing outside.
    "prompts": {"subscription_id": "ritual"},
    # Sealed columns are exported opened, under what they hold (a check-in's sealed column
    # holds its rating too, exported beside it as "rating").
    "check_ins": {"sealed": "ritual", "sealed_win": "step_named"},
    "notes": {"sealed_ritual": "ritual", "sealed_body": "text", "created_at": "written_at"},
    "milestones": {"sealed_key": "key"},
    "invitations": {
        "user_id": "made_by_you",
        "sealed_name": "name_shown",
        "used_by": "taken_by_you",
    },
    "links": {
        "user_id": "you_invited",
        "sealed_name": "inviter_name_shown",
        "sealed_member_name": "member_name",
        "shares": "shared_without_asking",
    },
    "partner_sharing": {"proposed_by": "proposed_by_you"},
    "partner_rounds": {},
    "partner_turns": {"share_note": "words_shown"},
}
# Columns left out on purpose: only row ids, links to the person's own row, and what
# stands in for a sealed value (the key id names the person's key in the keyring; a
# milestone's tag stands for its key, exported opened): none of it means anything outside
# this database, and the export is one person's already. Row ids that other rows point to
# (prompts, check-ins, notes) are kept, so those links can be followed.
LEFT_OUT = {
    "users": {"id", "key_id", "pending_invitation"},
    "subscriptions": {"id", "user_id"},
    "prompts": set(),
    # A check-in's practice tag stands in for its practice, exported opened as "ritual".
    "check_ins": {"user_id", "practice_tag"},
    "notes": {"user_id"},
    "milestones": {"id", "user_id", "tag"},
    # An invitation's token is kept only as its hash; a link's other side is another
    # person, named by the name the link holds; the last milestone shared is a row id
    # (the milestone itself is exported with the person's milestones).
    "invitations": {"id", "token_hash"},
    "links": {"id", "member_id", "last_shared_milestone"},
    # A shared check-in's agreement is its link's (one link, one agreement); a turn is one
    # of the person's own, in a round exported beside it.
    "partner_sharing": {"link_id"},
    "partner_rounds": set(),
    "partner_turns": {"id", "user_id"},
}


async def collect(session: AsyncSession, *, user: User) -> dict[str, Any]:
    """Everything stored about `user`, as plain JSON-able values; sealed values opened.

    A note their key does not open (damaged) is marked unreadable, with no text, so one
    such note never costs the person the rest of their export.
    """
    subs = list(await session.scalars(select(Subscription).where(Subscription.user_id == user.id)))
    prompts = list(
        await session.scalars(
            select(Prompt)
            .join(Subscription)
            .where(Subscription.user_id == user.id)
            .order_by(Prompt.due_at)
        )
    )
    check_ins = list(
        await session.scalars(
            select(CheckIn).where(CheckIn.user_id == user.id).order_by(CheckIn.practiced_at)
        )
    )
    notes = list(
        await session.scalars(select(Note).where(Note.user_id == user.id).order_by(Note.id))
    )
    milestones = list(
        await session.scalars(
            select(Milestone).where(Milestone.user_id == user.id).order_by(Milestone.id)
        )
    )
    invitations = list(
        await session.scalars(
            select(Invitation)
            .where(or_(Invitation.user_id == user.id, Invitation.used_by == user.id))
            .order_by(Invitation.id)
        )
    )
    links = list(
        await session.scalars(
            select(Link)
            .where(or_(Link.user_id == user.id, Link.member_id == user.id))
            .order_by(Link.id)
        )
    )
    link_ids = [link.id for link in links]
    sharing = list(
        await session.scalars(
            select(PartnerSharing)
            .where(PartnerSharing.link_id.in_(link_ids))
            .order_by(PartnerSharing.link_id)
        )
    )
    rounds = list(
        await session.scalars(
            select(PartnerRound)
            .where(PartnerRound.link_id.in_(link_ids))
            .order_by(PartnerRound.id)
        )
    )
    turns = list(
        await session.scalars(
            select(PartnerTurn).where(PartnerTurn.user_id == user.id).order_by(PartnerTurn.id)
        )
    )
    # Rows are sealed only once the person has a key: without one there are none.
    key = await key_of(session, user_id=user.id)
    check_ins = [opened(key, c) for c in check_ins] if key is not None else []
    ritual_of = {s.id: s.ritual_key for s in subs}
    return {
        "format": EXPORT_FORMAT,
        "person": {
            "telegram_id": user.telegram_id,
            "chat_id": user.chat_id,
            "locale": user.locale,
            "timezone": user.timezone,
            "help_line_country": user.country,
            "discreet": user.discreet,
            "quiet": user.quiet,
            "note_retention_days": user.note_retention_days,
            "consent_version": user.consent_version,
            "adult_confirmed_at": _iso(user.adult_confirmed_at),
            "consented_at": _iso(user.consented_at),
            "paused_until": _iso(user.paused_until),
            # When Telegram said the person had blocked the bot (prompts stop until they
            # write again).
            "blocked_at": _iso(user.blocked_at),
            # The question the person's next free text answers, if one is open.
            "awaiting": user.awaiting,
            # How many care offers were given: picks the next one's words.
            "care_offers": user.care_offers,
            # Invitation links tried lately that led nowhere, and since when (a limit).
            "invitation_tries": user.invitation_tries,
            "invitation_tries_since": _iso(user.invitation_tries_since),
            "created_at": _iso(user.created_at),
        },
        "practices": [
            {
                "ritual": s.ritual_key,
                "local_time": s.local_time,
                "weekdays": [int(d) for d in s.weekdays],
                "active": s.active,
                "paused_until": _iso(s.paused_until),
                "next_due_at": _iso(s.next_due_at),
                # Which prompts came so far: their number, those seen in the current round
                # (bit i for prompt i), and the last one.
                "prompts_claimed": s.prompts_claimed,
                "cycle_shown": s.cycle_shown,
                "last_prompt": s.last_prompt,
                # Gentle pacing: prompts left without a tap since the last one, and when
                # Attune last asked about this practice's pace.
                "prompts_without_a_tap_lately": s.unanswered,
                "pace_asked_about_at": _iso(s.pacing_asked_at),
                "created_at": _iso(s.created_at),
            }
            for s in subs
        ],
        "prompts": [
            {
                "id": p.id,
                "ritual": ritual_of.get(p.subscription_id),
                "variant": p.variant,
                "due_at": _iso(p.due_at),
                "claimed_at": _iso(p.claimed_at),
                "sent_at": _iso(p.sent_at),
                "message_id": p.message_id,
                "state": str(p.state),
                "snoozed_until": _iso(p.snoozed_until),
                "snoozes": p.snoozes,
            }
            for p in prompts
        ],
        "check_ins": [
            {
                "id": c.id,
                "prompt_id": c.prompt_id,
                "ritual": c.ritual_key,
                "rating": c.rating,
                "step_named": c.win,
                "practiced_at": _iso(c.practiced_at),
                "created_at": _iso(c.created_at),
                "updated_at": _iso(c.updated_at),
            }
            for c in check_ins
        ],
        "notes": [
            {
                "id": n.id,
                "check_in_id": n.check_in_id,
                "ritual": _opened_text(key, n.sealed_ritual, sealing.NOTE_RITUAL),
                **_note_text(key, n.sealed_body),
                "written_at": _iso(n.created_at),
            }
            for n in notes
        ],
        "milestones": [
            {
                "key": _opened_text(key, m.sealed_key, sealing.MILESTONE),
                "reached_at": _iso(m.reached_at),
                "held": m.held,
            }
            for m in milestones
        ],
        # Invitations the person made, and those of others they took (with the name shown
        # to them); links either way. Names are sealed with the inviter's key.
        "invitations": [
            {
                "kind": i.kind,
                "name_shown": await _inviters_text(session, i.user_id, i.sealed_name,
                                                   sealing.INVITATION_NAME),
                "taken_by_you": i.used_by == user.id,
                "made_by_you": i.user_id == user.id,
                "created_at": _iso(i.created_at),
                "expires_at": _iso(i.expires_at),
                "used_at": _iso(i.used_at),
            }
            for i in invitations
        ],
        "links": [
            {
                "kind": link.kind,
                "you_invited": link.user_id == user.id,
                "inviter_name_shown": await _inviters_text(
                    session, link.user_id, link.sealed_name, sealing.LINK_NAME
                ),
                "member_name": await _inviters_text(
                    session, link.user_id, link.sealed_member_name, sealing.LINK_MEMBER_NAME
                ),
                "shared_without_asking": link.shares,
                "created_at": _iso(link.created_at),
            }
            for link in links
        ],
        # Sharing the weekly check-in with a partner: the agreement, its weeks, and the
        # person's own side of each (the answer itself is their check-in for that prompt).
        "partner_sharing": [
            {
                "proposed_by_you": s.proposed_by == user.id,
                "deadline_days": s.deadline_days,
                "agreed_at": _iso(s.agreed_at),
                "created_at": _iso(s.created_at),
            }
            for s in sharing
        ],
        "partner_rounds": [
            {
                "id": r.id,
                "link_id": r.link_id,
                "state": r.state,
                "closes_at": _iso(r.closes_at),
                "created_at": _iso(r.created_at),
            }
            for r in rounds
        ],
        "partner_turns": [
            {
                "round_id": t.round_id,
                "prompt_id": t.prompt_id,
                "words_shown": t.share_note,
                "tell_at": _iso(t.tell_at),
                "claimed_at": _iso(t.claimed_at),
                "told_at": _iso(t.told_at),
                "message_id": t.message_id,
            }
            for t in turns
        ],
    }  # fmt: skip


async def erase(session: AsyncSession, *, user_id: int) -> None:
    """Destroy the person's key, then delete every row about them: the user row, and by
    cascade all the rest.

    The key goes first and is committed at once, in the keyring: should the rows' deletion
    not follow (a crash), nothing left can be opened, and the person counts as erased
    (store.users). Each table is emptied explicitly too, so nothing depends on the
    database enforcing ON DELETE CASCADE.
    """
    key_id = await session.scalar(select(User.key_id).where(User.id == user_id))
    if key_id is not None:
        await keyring_of(session).destroy(key_id)
    await forget_sharing(session, user_id=user_id)
    sub_ids = select(Subscription.id).where(Subscription.user_id == user_id)
    await session.execute(delete(Note).where(Note.user_id == user_id))
    await session.execute(delete(Milestone).where(Milestone.user_id == user_id))
    await session.execute(delete(CheckIn).where(CheckIn.user_id == user_id))
    await session.execute(delete(Prompt).where(Prompt.subscription_id.in_(sub_ids)))
    await session.execute(delete(Subscription).where(Subscription.user_id == user_id))
    await session.execute(delete(User).where(User.id == user_id))


async def _inviters_text(session: AsyncSession, inviter: int, sealed: bytes, where: str) -> str:
    """A name sealed with an invitation's or link's inviter's key, opened."""
    return _opened_text(await key_of(session, user_id=inviter), sealed, where) or ""


def _note_text(key: PersonKey | None, sealed: bytes) -> dict[str, Any]:
    try:
        return {"text": _opened_text(key, sealed, sealing.NOTE_BODY), "unreadable": False}
    except sealing.Unreadable:
        return {"text": None, "unreadable": True}


def _opened_text(key: PersonKey | None, sealed: bytes | None, where: str) -> str | None:
    if sealed is None:
        return None
    if key is None:
        raise sealing.Unreadable("no key for a sealed value")
    return key.open_text(sealed, where)


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None
