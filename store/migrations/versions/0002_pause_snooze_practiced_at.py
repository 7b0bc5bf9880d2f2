"""pause per ritual, snooze, and the time a check-in counts for

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("subscriptions") as batch_op:
        batch_op.add_column(sa.Column("paused_until", sa.DateTime(), nullable=True))
    with op.batch_alter_table("prompts") as batch_op:
        batch_op.add_column(sa.Column("snoozed_until", sa.DateTime(), nullable=True))
        batch_op.add_column(
            sa.Column("snoozes", sa.SmallInteger(), nullable=False, server_default="0")
        )
        batch_op.create_index("ix_prompts_snoozed_until", ["snoozed_until"], unique=False)
    with op.batch_alter_table("check_ins") as batch_op:
        batch_op.add_column(sa.Column("practiced_at", sa.DateTime(), nullable=True))
    # Existing check-ins count for the moment they were given.
    op.execute("UPDATE check_ins SET practiced_at = created_at")
    with op.batch_alter_table("check_ins") as batch_op:
        batch_op.alter_column("practiced_at", existing_type=sa.DateTime(), nullable=False)
        batch_op.create_index("ix_check_ins_practiced_at", ["practiced_at"], unique=False)
    # Prompts skipped for lateness after downtime are now "expired"; "skipped" is the
    # person's own choice.
    op.execute("UPDATE prompts SET state = 'expired' WHERE state = 'skipped'")


def downgrade() -> None:
    op.execute("UPDATE prompts SET state = 'skipped' WHERE state = 'expired'")
    with op.batch_alter_table("check_ins") as batch_op:
        batch_op.drop_index("ix_check_ins_practiced_at")
        batch_op.drop_column("practiced_at")
    with op.batch_alter_table("prompts") as batch_op:
        batch_op.drop_index("ix_prompts_snoozed_until")
        batch_op.drop_column("snoozes")
        batch_op.drop_column("snoozed_until")
    with op.batch_alter_table("subscriptions") as batch_op:
        batch_op.drop_column("paused_until")
