"""each person's shuffled cycle of prompts, per ritual

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Existing subscriptions start a fresh cycle: nothing shown yet, no last prompt.
    with op.batch_alter_table("subscriptions") as batch_op:
        batch_op.add_column(
            sa.Column("cycle_shown", sa.BigInteger(), nullable=False, server_default="0")
        )
        batch_op.add_column(sa.Column("last_prompt", sa.SmallInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("subscriptions") as batch_op:
        batch_op.drop_column("last_prompt")
        batch_op.drop_column("cycle_shown")
