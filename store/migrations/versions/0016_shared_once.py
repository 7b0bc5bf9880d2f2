"""a milestone is shared with a confidant once: the link keeps the last one it carried

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-12
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("links") as batch:
        batch.add_column(sa.Column("last_shared_milestone", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            batch.f("fk_links_last_shared_milestone"),
            "milestones",
            ["last_shared_milestone"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("links") as batch:
        batch.drop_constraint(batch.f("fk_links_last_shared_milestone"), type_="foreignkey")
        batch.drop_column("last_shared_milestone")
