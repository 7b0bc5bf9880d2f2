"""hard nights: held-back milestones, and a count of care offers

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch_op:
        batch_op.add_column(
            sa.Column("care_offers", sa.Integer(), nullable=False, server_default="0")
        )
    # Milestones reached so far were celebrated when they were reached.
    with op.batch_alter_table("milestones") as batch_op:
        batch_op.add_column(
            sa.Column("held", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("milestones") as batch_op:
        batch_op.drop_column("held")
    with op.batch_alter_table("users") as batch_op:
        batch_op.drop_column("care_offers")
