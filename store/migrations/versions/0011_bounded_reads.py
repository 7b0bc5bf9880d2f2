"""bounded reads: check-ins by when they were practiced, held-back milestones, per person

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-08
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A rating's milestones read a few weeks of the person's check-ins and a /history page
    # a few rows: spans of this index, so neither grows with the whole history.
    op.create_index(
        "ix_check_ins_user_id_practiced_at",
        "check_ins",
        ["user_id", "practiced_at", "id"],
        unique=False,
    )
    # Most ratings ask for milestones held back on a hard night: only those are read.
    op.create_index("ix_milestones_user_id_held", "milestones", ["user_id", "held"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_milestones_user_id_held", table_name="milestones")
    op.drop_index("ix_check_ins_user_id_practiced_at", table_name="check_ins")
