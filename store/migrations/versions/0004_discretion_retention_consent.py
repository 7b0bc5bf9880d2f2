"""quiet prompts, note retention, consent version

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch_op:
        batch_op.add_column(
            sa.Column("quiet", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("note_retention_days", sa.SmallInteger(), nullable=True))
        batch_op.add_column(
            sa.Column("consent_version", sa.SmallInteger(), nullable=False, server_default="0")
        )
    # Everyone who agreed so far agreed to the first consent text.
    op.execute("UPDATE users SET consent_version = 1 WHERE consented_at IS NOT NULL")


def downgrade() -> None:
    with op.batch_alter_table("users") as batch_op:
        batch_op.drop_column("consent_version")
        batch_op.drop_column("note_retention_days")
        batch_op.drop_column("quiet")
