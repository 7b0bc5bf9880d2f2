"""SQLAlchemy models: one person's world (users, subscriptions, prompts, check-ins)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any, ClassVar

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """Stores aware datetimes as naive UTC and hands back aware UTC.

    SQLite keeps no offset, so the same column on both backends holds plain UTC and
    string comparison on SQLite orders correctly.
    """

    impl = DateTime(timezone=False)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are ambiguous; pass an aware one")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    """Declarative base with a naming convention so migrations name constraints stably."""

    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime()}


Base.metadata.naming_convention = {
    "ix": "ix_%(table_name)s_%(column_0_name)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s",
    "pk": "pk_%(table_name)s",
}


class User(Base):
    """A person in a private chat with the bot."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    telegram_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    locale: Mapped[str] = mapped_column(String(16), default="en")
    timezone: Mapped[str | None] = mapped_column(String(64), default=None)
    # The country whose help lines to show, when chosen; otherwise the timezone's country.
    country: Mapped[str | None] = mapped_column(String(2), default=None)
    discreet: Mapped[bool] = mapped_column(Boolean, default=True)
    # Prompts arrive without sound or vibration (Telegram's disable_notification).
    quiet: Mapped[bool] = mapped_column(Boolean, default=False)
    # Notes older than this many days are erased by a periodic job; NULL keeps them.
    note_retention_days: Mapped[int | None] = mapped_column(SmallInteger, default=None)
    # Which consent text the person agreed to; an older one is asked again.
    consent_version: Mapped[int] = mapped_column(SmallInteger, default=0)
    adult_confirmed_at: Mapped[datetime | None] = mapped_column(default=None)
    consented_at: Mapped[datetime | None] = mapped_column(default=None)
    paused_until: Mapped[datetime | None] = mapped_column(default=None)
    blocked_at: Mapped[datetime | None] = mapped_column(default=None)
    # What free text from this person answers next ("timezone", "time:<ritual>");
    # kept in the database so a restart never forgets a question that was asked.
    awaiting: Mapped[str | None] = mapped_column(String(64), default=None)
    # How many care offers (after low ratings) the person was given: picks the next one's
    # words, so the same offer never comes twice in a row.
    care_offers: Mapped[int] = mapped_column(Integer, default=0)
    # The person's key in the keyring (store.keyring), made the first time something of
    # theirs is sealed. Random, not this row's id: SQLite reuses ids of erased rows.
    key_id: Mapped[str | None] = mapped_column(String(32), unique=True, default=None)
    # An invitation the person opened before they consented (its token's hash, as
    # invitations.token_hash): shown to them once they have (store.invitations).
    pending_invitation: Mapped[bytes | None] = mapped_column(LargeBinary(32), default=None)
    # Invitation links this person tried that led nowhere, counted from `since`: a
    # stored limit, so guessing holds no better across restarts and replicas.
    invitation_tries: Mapped[int] = mapped_column(SmallInteger, default=0)
    invitation_tries_since: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime]

    subscriptions: Mapped[list[Subscription]] = relationship(
        back_populates="user", cascade="all, delete-orphan", passive_deletes=True
    )


class Subscription(Base):
    """One ritual a person opted in to, at a local time on chosen weekdays."""

    __tablename__ = "subscriptions"
    __table_args__ = (UniqueConstraint("user_id", "ritual_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    ritual_key: Mapped[str] = mapped_column(String(32))
    local_time: Mapped[str] = mapped_column(String(5))  # "HH:MM" on the person's wall clock
    weekdays: Mapped[str] = mapped_column(String(7))  # digits 0 (Monday) to 6, e.g. "0123456"
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # How many prompts were sent so far; with the id, it seeds the draw of the next prompt.
    prompts_claimed: Mapped[int] = mapped_column(Integer, default=0)
    # The person's shuffled cycle through this ritual's prompts (scheduler.prompt_cycle):
    # bit i set when prompt i came in the current cycle, and the last prompt that came.
    cycle_shown: Mapped[int] = mapped_column(BigInteger, default=0)
    last_prompt: Mapped[int | None] = mapped_column(SmallInteger, default=None)
    # This ritual alone is paused until then (see scheduler.planning for "until resumed").
    paused_until: Mapped[datetime | None] = mapped_column(default=None)
    # The scheduler's only scan. NULL while the ritual is off, paused until resumed, or
    # the person has blocked the bot; a pause moves it past the pause's end. So due rows
    # are only ever ones to send.
    next_due_at: Mapped[datetime | None] = mapped_column(index=True, default=None)
    # Gentle pacing (scheduler.pacing): prompts of this ritual sent and left without any tap,
    # one after another. A rating, Skip, Later, "keep it as it is" or any change of its
    # schedule starts it from nothing again; a prompt closed by a pause leaves it as it is.
    unanswered: Mapped[int] = mapped_column(Integer, default=0)
    # When Attune last asked whether another pace would suit: the due time of the prompt it
    # asked instead of. It asks again no sooner than a month later.
    pacing_asked_at: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime]

    user: Mapped[User] = relationship(back_populates="subscriptions")


class Prompt(Base):
    """One prompt the scheduler claimed for a due time, and what became of it."""

    __tablename__ = "prompts"
    __table_args__ = (
        UniqueConstraint("subscription_id", "due_at"),
        Index("ix_prompts_state_due_at", "state", "due_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("subscriptions.id", ondelete="CASCADE"), index=True
    )
    due_at: Mapped[datetime]
    claimed_at: Mapped[datetime]
    sent_at: Mapped[datetime | None] = mapped_column(default=None)
    message_id: Mapped[int | None] = mapped_column(BigInteger, default=None)
    # Which of the ritual's prompts this is (its place in the catalogue's list).
    variant: Mapped[int] = mapped_column(Integer, default=0)
    state: Mapped[str] = mapped_column(String(16))
    # When a snoozed prompt comes back; the dispatcher scans it like next_due_at.
    snoozed_until: Mapped[datetime | None] = mapped_column(index=True, default=None)
    snoozes: Mapped[int] = mapped_column(SmallInteger, default=0)

    subscription: Mapped[Subscription] = relationship()


class CheckIn(Base):
    """A rating of 1 to 5, for a prompt (at most one per prompt) or given ad hoc.

    What the person said is sealed with their key (store.sealing): which practice and the
    rating together, and the kind of step named with it. store.check_ins opens them into
    `ritual_key`, `rating` and `win` on every check-in it hands out; they are never stored
    as such. The prompt it answers and when are schedule data, and stay plain.
    """

    __tablename__ = "check_ins"
    __table_args__ = (
        # The person's check-ins in the order they were made: the one before a new one (for
        # a welcome back, or two low ratings in a row) is one step back in this index.
        Index("ix_check_ins_user_id_created_at", "user_id", "created_at"),
        # ... and in the order they were practiced, ties by row: a milestone's window of
        # recent days and a /history page are a span of this index, however long the history.
        Index("ix_check_ins_user_id_practiced_at", "user_id", "practiced_at", "id"),
        # A rating's growth compares a practice with its own last weeks: that practice's
        # span of this index, however many other practices the person keeps.
        Index(
            "ix_check_ins_user_id_practice_tag_practiced_at",
            "user_id",
            "practice_tag",
            "practiced_at",
        ),
    )
    # The opened values below are plain attributes, not columns.
    __allow_unmapped__ = True

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    prompt_id: Mapped[int | None] = mapped_column(
        ForeignKey("prompts.id", ondelete="CASCADE"), unique=True, default=None
    )
    # The practice's key and the rating, sealed together: one open per row read.
    sealed: Mapped[bytes] = mapped_column(LargeBinary)
    # The practice as a tag under the person's key (PersonKey.practice_tag); NULL only on a
    # row stored before tags whose key was already gone (unreadable, so never read).
    practice_tag: Mapped[bytes | None] = mapped_column(LargeBinary(16), default=None)
    # The moment the practice counts for: its prompt's due time (even for a late tap),
    # or when an ad-hoc check-in was given.
    practiced_at: Mapped[datetime] = mapped_column(index=True)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    # The kind of step the person named with this check-in (a progress.wins code), sealed;
    # NULL until one is named, which is what makes naming it race-safe.
    sealed_win: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)

    ritual_key: str
    rating: int
    win: str | None


class Note(Base):
    """A few words a person wrote: after a rating, or any time with /journal.

    The words, and the practice a journal note is filed under, are sealed with the
    person's key; the plain text never reaches the database.
    """

    __tablename__ = "notes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    check_in_id: Mapped[int | None] = mapped_column(
        ForeignKey("check_ins.id", ondelete="CASCADE"), unique=True, default=None
    )
    sealed_ritual: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    sealed_body: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(index=True)


class Milestone(Base):
    """Something a person reached, celebrated once.

    Its key is sealed; `tag` (an HMAC of the key under the person's key) is what makes it
    unique per person without saying what it is.
    """

    __tablename__ = "milestones"
    __table_args__ = (
        UniqueConstraint("user_id", "tag", name="uq_milestones_user_id_tag"),
        # The person's held-back milestones, read on most ratings, without the reached ones.
        Index("ix_milestones_user_id_held", "user_id", "held"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    sealed_key: Mapped[bytes] = mapped_column(LargeBinary)
    tag: Mapped[bytes] = mapped_column(LargeBinary(16))
    reached_at: Mapped[datetime]
    # Reached on a hard night (a rating that brought the care offer): not celebrated then,
    # but with the person's next rating that isn't low.
    held: Mapped[bool] = mapped_column(Boolean, default=False)


class Invitation(Base):
    """A one-time link a person made for someone they trust (store.invitations).

    Only the token's SHA-256 is kept, so the database never holds a usable link. The first
    name the inviter chose to show is sealed with the inviter's key.
    """

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    # The inviter.
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # "confidant" or "partner"
    sealed_name: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None] = mapped_column(default=None)
    used_by: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )


class Link(Base):
    """Two people linked by an accepted invitation: `user_id` invited, `member_id` accepted.

    For a confidant, `user_id` is the person who shares and `member_id` the confidant. The
    names are sealed with the inviter's key: the name the inviter chose to show, and the
    first name the other person had on Telegram when they accepted (what /share lists).
    """

    __tablename__ = "links"
    __table_args__ = (UniqueConstraint("user_id", "member_id", "kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    sealed_name: Mapped[bytes] = mapped_column(LargeBinary)
    sealed_member_name: Mapped[bytes] = mapped_column(LargeBinary)
    # The milestone kinds (progress.sharing) the inviter shares without being asked,
    # comma-separated; empty: asked each time.
    shares: Mapped[str] = mapped_column(String(64), default="")
    # The last milestone (its row id) shared on this link by a tap, so a second tap on
    # the same offer (or the same tap on two replicas) sends nothing more.
    last_shared_milestone: Mapped[int | None] = mapped_column(
        ForeignKey("milestones.id", ondelete="SET NULL"), default=None
    )
    created_at: Mapped[datetime]


class PartnerSharing(Base):
    """Two partners' agreement to share the weekly needs-and-boundaries check-in
    (store.partner_rounds): one proposed it with a deadline, the other agreed to both.

    Until `agreed_at` it is a proposal only, and nothing is shared.
    """

    __tablename__ = "partner_sharing"

    link_id: Mapped[int] = mapped_column(
        ForeignKey("links.id", ondelete="CASCADE"), primary_key=True
    )
    proposed_by: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # Days after the later of the two prompts within which both must answer.
    deadline_days: Mapped[int] = mapped_column(SmallInteger)
    agreed_at: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime]


class PartnerRound(Base):
    """One week of a shared check-in between two partners: open while waiting for both
    answers, then either revealed to both or closed with nothing shared."""

    __tablename__ = "partner_rounds"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    link_id: Mapped[int] = mapped_column(ForeignKey("links.id", ondelete="CASCADE"), index=True)
    state: Mapped[str] = mapped_column(String(16))  # a RoundState
    # The deadline: a week after the first prompt while the other's has not come, then the
    # agreed days after the later prompt.
    closes_at: Mapped[datetime] = mapped_column(index=True)
    created_at: Mapped[datetime]


class PartnerTurn(Base):
    """One partner's side of a round: the prompt they got for it, whether their words may
    be shown, and the message that tells them how the round ended.

    The answer itself is the person's own check-in for that prompt, sealed with their key;
    nothing of it is copied here.
    """

    __tablename__ = "partner_turns"
    __table_args__ = (UniqueConstraint("round_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(
        ForeignKey("partner_rounds.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # One prompt may stand in several rounds: one per partner the person shares with.
    prompt_id: Mapped[int | None] = mapped_column(
        ForeignKey("prompts.id", ondelete="CASCADE"), index=True, default=None
    )
    # The writer chose to show the other the few words written with this answer.
    share_note: Mapped[bool] = mapped_column(Boolean, default=False)
    # When this person is told how the round ended; claimed and recorded like a prompt
    # (scheduler.reveals), so a restart or a second replica never tells twice.
    tell_at: Mapped[datetime | None] = mapped_column(index=True, default=None)
    claimed_at: Mapped[datetime | None] = mapped_column(default=None)
    told_at: Mapped[datetime | None] = mapped_column(default=None)
    message_id: Mapped[int | None] = mapped_column(BigInteger, default=None)


class PaidBroadcastDay(Base):
    """Paid-broadcast messages set aside on one UTC day by every process together: one
    daily Stars budget for the bot, across replicas and restarts (store.paid_broadcast)."""

    __tablename__ = "paid_broadcast_days"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    messages: Mapped[int] = mapped_column(Integer, default=0)


class DataIdentity(Base):
    """This data database's random id, written once; the keyring serving it holds the same,
    so a keyring and data that don't belong together are noticed before anything is read."""

    __tablename__ = "data_identity"

    data_id: Mapped[str] = mapped_column(String(32), primary_key=True)


class PromptState(StrEnum):
    """The states a prompt row moves through."""

    CLAIMED = "claimed"  # committed, being handed to Telegram (a lease: see dispatch)
    SENT = "sent"  # waiting for a tap
    ANSWERED = "answered"
    SNOOZED = "snoozed"  # comes back once, at snoozed_until
    SKIPPED = "skipped"  # the person chose to skip it; no follow-up
    EXPIRED = "expired"  # unanswered when the next one came or a day passed, or too late
    # after downtime to send at all; a late tap on it still counts
    FAILED = "failed"  # Telegram would not take it


class RoundState(StrEnum):
    """How a partners' round stands (store.partner_rounds)."""

    OPEN = "open"  # waiting for both answers, until closes_at
    REVEAL = "reveal"  # both answered: each is shown both answers
    QUIET = "quiet"  # closed with nothing shared: each is told so, gently
