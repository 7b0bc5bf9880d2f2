"""partner check-ins: the agreement to share the weekly check-in, its rounds and each
partner's turn in one

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-10
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "partner_sharing",
        sa.Column("link_id", sa.Integer(), nullable=False),
        sa.Column("proposed_by", sa.Integer(), nullable=False),
        sa.Column("deadline_days", sa.SmallInteger(), nullable=False),
        sa.Column("agreed_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["link_id"], ["links.id"], name=op.f("fk_partner_sharing_link_id"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["proposed_by"],
            ["users.id"],
            name=op.f("fk_partner_sharing_proposed_by"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("link_id", name=op.f("pk_partner_sharing")),
    )
    op.create_table(
        "partner_rounds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("link_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("closes_at", sa.DateTime(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["link_id"], ["links.id"], name=op.f("fk_partner_rounds_link_id"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partner_rounds")),
    )
    op.create_index(op.f("ix_partner_rounds_link_id"), "partner_rounds", ["link_id"])
    op.create_index(op.f("ix_partner_rounds_closes_at"), "partner_rounds", ["closes_at"])
    op.create_table(
        "partner_turns",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("prompt_id", sa.Integer(), nullable=True),
        sa.Column("share_note", sa.Boolean(), nullable=False),
        sa.Column("tell_at", sa.DateTime(), nullable=True),
        sa.Column("claimed_at", sa.DateTime(), nullable=True),
        sa.Column("told_at", sa.DateTime(), nullable=True),
        sa.Column("message_id", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["partner_rounds.id"],
            name=op.f("fk_partner_turns_round_id"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_partner_turns_user_id"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["prompt_id"],
            ["prompts.id"],
            name=op.f("fk_partner_turns_prompt_id"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partner_turns")),
        sa.UniqueConstraint("round_id", "user_id", name=op.f("uq_partner_turns_round_id")),
    )
    op.create_index(op.f("ix_partner_turns_round_id"), "partner_turns", ["round_id"])
    op.create_index(op.f("ix_partner_turns_user_id"), "partner_turns", ["user_id"])
    op.create_index(op.f("ix_partner_turns_prompt_id"), "partner_turns", ["prompt_id"])
    op.create_index(op.f("ix_partner_turns_tell_at"), "partner_turns", ["tell_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_partner_turns_tell_at"), table_name="partner_turns")
    op.drop_index(op.f("ix_partner_turns_prompt_id"), table_name="partner_turns")
    op.drop_index(op.f("ix_partner_turns_user_id"), table_name="partner_turns")
    op.drop_index(op.f("ix_partner_turns_round_id"), table_name="partner_turns")
    op.drop_table("partner_turns")
    op.drop_index(op.f("ix_partner_rounds_closes_at"), table_name="partner_rounds")
    op.drop_index(op.f("ix_partner_rounds_link_id"), table_name="partner_rounds")
    op.drop_table("partner_rounds")
    op.drop_table("partner_sharing")
