"""practice wins: the kind of step named with a check-in; check-ins in the order made

Revision ID: 0008
Revises: 0006
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Check-ins made so far named no step: NULL, and nothing else changes.
    with op.batch_alter_table("check_ins") as batch_op:
        batch_op.add_column(sa.Column("win", sa.Text(), nullable=True))
    op.create_index(
        "ix_check_ins_user_id_created_at", "check_ins", ["user_id", "created_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_check_ins_user_id_created_at", table_name="check_ins")
    with op.batch_alter_table("check_ins") as batch_op:
        batch_op.drop_column("win")
