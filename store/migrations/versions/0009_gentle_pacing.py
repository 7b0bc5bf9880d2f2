"""gentle pacing: untouched prompts in a row, and when Attune last asked about a ritual's pace

Revision ID: 0009
Revises: 0006
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Counting starts at the upgrade: nobody is asked about prompts sent before it.
    with op.batch_alter_table("subscriptions") as batch_op:
        batch_op.add_column(
            sa.Column("unanswered", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(sa.Column("pacing_asked_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("subscriptions") as batch_op:
        batch_op.drop_column("pacing_asked_at")
        batch_op.drop_column("unanswered")
