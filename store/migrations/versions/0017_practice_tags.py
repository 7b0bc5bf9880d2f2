"""practice tags: a check-in's practice as a tag under the person's key, so that a rating's
growth window reads only that practice's rows

Rows already stored get their tag from their sealed practice, opened with the person's key:
the caller (store.person_keys.prepare) hands the keyring over as config.attributes["keys"],
as for 0010. A row whose key is gone, or that does not open, is unreadable and never read,
and keeps no tag.

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-29
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import context, op

from store.keyring import KeyringProblem
from store.sealing import Unreadable

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_NEEDS_KEYS = (
    "migration 0017 tags each check-in's practice with its person's key, and this database"
    " holds check-ins: run `attune migrate` (or `attune run`) with ATTUNE_DATA_KEY set, so"
    " the keyring can be reached"
)
_INDEX = "ix_check_ins_user_id_practice_tag_practiced_at"

users = sa.table("users", sa.column("id"), sa.column("key_id"))
check_ins = sa.table(
    "check_ins", sa.column("id"), sa.column("user_id"), sa.column("sealed"),
    sa.column("practice_tag"),
)  # fmt: skip


def upgrade() -> None:
    with op.batch_alter_table("check_ins") as batch_op:
        batch_op.add_column(sa.Column("practice_tag", sa.LargeBinary(length=16), nullable=True))
    _tag_stored_rows()
    op.create_index(_INDEX, "check_ins", ["user_id", "practice_tag", "practiced_at"])


def downgrade() -> None:
    op.drop_index(_INDEX, table_name="check_ins")
    with op.batch_alter_table("check_ins") as batch_op:
        batch_op.drop_column("practice_tag")


def _tag_stored_rows() -> None:
    bind = op.get_bind()
    people = bind.execute(
        sa.select(users.c.id, users.c.key_id).where(
            users.c.id.in_(sa.select(check_ins.c.user_id).distinct())
        )
    ).all()
    if not people:
        return
    keys = context.config.attributes.get("keys")
    if keys is None:
        raise KeyringProblem(_NEEDS_KEYS)
    update = (
        check_ins.update()
        .where(check_ins.c.id == sa.bindparam("row"))
        .values(practice_tag=sa.bindparam("tag"))
    )
    for user_id, key_id in people:
        key = None if key_id is None else keys.key(key_id)
        if key is None:
            continue  # erased: their rows open for no one
        rows = bind.execute(
            sa.select(check_ins.c.id, check_ins.c.sealed).where(check_ins.c.user_id == user_id)
        ).all()
        values: list[dict[str, Any]] = []
        for row_id, sealed in rows:
            try:
                ritual_key, _ = key.open_check_in(sealed)
            except Unreadable:
                continue
            values.append({"row": row_id, "tag": key.practice_tag(ritual_key)})
        if values:
            bind.execute(update, values)
