"""person keys: what people tell Attune is sealed with their own key, kept in the keyring

Ratings with their practice, named steps, notes (and the practice a note is filed under)
and milestones move into sealed columns; the plain ones go. Rows already stored need keys:
the caller (store.person_keys.prepare) hands the keyring over as config.attributes["keys"],
and without it a database holding such rows is left as it was, with a sentence saying why.
Notes were Fernet tokens under ATTUNE_DATA_KEY; they are opened with it and sealed anew.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-08
"""

import secrets
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import context, op

from store.keyring import KeyringProblem

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The associated data of each sealed column: store.sealing's, written out so this file
# keeps working whatever that module becomes.
WIN = "check_ins.sealed_win"
NOTE_BODY, NOTE_RITUAL = "notes.sealed_body", "notes.sealed_ritual"
MILESTONE = "milestones.sealed_key"

_NEEDS_KEYS = (
    "migration 0010 seals what people told Attune with their own keys, and this database"
    " holds some: run `attune migrate` (or `attune run`) with ATTUNE_DATA_KEY set, so the"
    " keyring can be reached"
)

users = sa.table("users", sa.column("id"), sa.column("key_id"))
check_ins = sa.table(
    "check_ins",
    sa.column("id"),
    sa.column("user_id"),
    sa.column("ritual_key"),
    sa.column("rating"),
    sa.column("win"),
    sa.column("sealed"),
    sa.column("sealed_win"),
)
notes = sa.table(
    "notes",
    sa.column("id"),
    sa.column("user_id"),
    sa.column("ritual_key"),
    sa.column("body"),
    sa.column("sealed_ritual"),
    sa.column("sealed_body"),
)
milestones = sa.table(
    "milestones",
    sa.column("id"),
    sa.column("user_id"),
    sa.column("key"),
    sa.column("sealed_key"),
    sa.column("tag"),
)
data_identity = sa.table("data_identity", sa.column("data_id"))


def upgrade() -> None:
    op.create_table(
        "data_identity",
        sa.Column("data_id", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("data_id", name=op.f("pk_data_identity")),
    )
    op.execute(data_identity.insert().values(data_id=secrets.token_hex(16)))
    with op.batch_alter_table("users") as batch_op:
        batch_op.add_column(sa.Column("key_id", sa.String(length=32), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_users_key_id"), ["key_id"])
    with op.batch_alter_table("check_ins") as batch_op:
        batch_op.add_column(sa.Column("sealed", sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column("sealed_win", sa.LargeBinary(), nullable=True))
    with op.batch_alter_table("notes") as batch_op:
        batch_op.add_column(sa.Column("sealed_ritual", sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column("sealed_body", sa.LargeBinary(), nullable=True))
    with op.batch_alter_table("milestones") as batch_op:
        batch_op.add_column(sa.Column("sealed_key", sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column("tag", sa.LargeBinary(length=16), nullable=True))

    _seal_stored_rows()

    with op.batch_alter_table("check_ins") as batch_op:
        batch_op.drop_column("ritual_key")
        batch_op.drop_column("rating")
        batch_op.drop_column("win")
        batch_op.alter_column("sealed", existing_type=sa.LargeBinary(), nullable=False)
    with op.batch_alter_table("notes") as batch_op:
        batch_op.drop_column("ritual_key")
        batch_op.drop_column("body")
        batch_op.alter_column("sealed_body", existing_type=sa.LargeBinary(), nullable=False)
    with op.batch_alter_table("milestones") as batch_op:
        batch_op.drop_constraint("uq_milestones_user_id", type_="unique")
        batch_op.drop_column("key")
        batch_op.alter_column("sealed_key", existing_type=sa.LargeBinary(), nullable=False)
        batch_op.alter_column("tag", existing_type=sa.LargeBinary(length=16), nullable=False)
        batch_op.create_unique_constraint("uq_milestones_user_id_tag", ["user_id", "tag"])


def downgrade() -> None:
    with op.batch_alter_table("check_ins") as batch_op:
        batch_op.add_column(sa.Column("ritual_key", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("rating", sa.SmallInteger(), nullable=True))
        batch_op.add_column(sa.Column("win", sa.Text(), nullable=True))
    with op.batch_alter_table("notes") as batch_op:
        batch_op.add_column(sa.Column("ritual_key", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("body", sa.Text(), nullable=True))
    with op.batch_alter_table("milestones") as batch_op:
        batch_op.add_column(sa.Column("key", sa.String(length=80), nullable=True))

    _open_sealed_rows()

    with op.batch_alter_table("milestones") as batch_op:
        batch_op.drop_constraint("uq_milestones_user_id_tag", type_="unique")
        batch_op.drop_column("tag")
        batch_op.drop_column("sealed_key")
        batch_op.alter_column("key", existing_type=sa.String(length=80), nullable=False)
        batch_op.create_unique_constraint("uq_milestones_user_id", ["user_id", "key"])
    with op.batch_alter_table("notes") as batch_op:
        batch_op.drop_column("sealed_body")
        batch_op.drop_column("sealed_ritual")
        batch_op.alter_column("body", existing_type=sa.Text(), nullable=False)
    with op.batch_alter_table("check_ins") as batch_op:
        batch_op.drop_column("sealed_win")
        batch_op.drop_column("sealed")
        batch_op.alter_column("ritual_key", existing_type=sa.String(length=32), nullable=False)
        batch_op.alter_column("rating", existing_type=sa.SmallInteger(), nullable=False)
    with op.batch_alter_table("users") as batch_op:
        batch_op.drop_constraint("uq_users_key_id", type_="unique")
        batch_op.drop_column("key_id")
    op.drop_table("data_identity")


def _people_with_rows(bind: sa.Connection) -> list[int]:
    """Everyone with a check-in, a note or a milestone: the people who need a key."""
    found = sa.union(
        sa.select(check_ins.c.user_id),
        sa.select(notes.c.user_id),
        sa.select(milestones.c.user_id),
    )
    return sorted(int(user_id) for (user_id,) in bind.execute(found))


def _keys() -> Any:
    keys = context.config.attributes.get("keys")
    if keys is None:
        raise KeyringProblem(_NEEDS_KEYS)
    return keys


def _seal_stored_rows() -> None:
    """Give everyone with rows a key (committed in the keyring first), and seal their rows."""
    bind = op.get_bind()
    people = _people_with_rows(bind)
    if not people:
        return
    keys = _keys()
    for user_id in people:
        key = keys.new_key()
        bind.execute(users.update().where(users.c.id == user_id).values(key_id=key.key_id))
        rows = bind.execute(
            sa.select(
                check_ins.c.id, check_ins.c.ritual_key, check_ins.c.rating, check_ins.c.win
            ).where(check_ins.c.user_id == user_id)
        ).all()
        _each(
            bind,
            check_ins,
            [
                {
                    "row": row_id,
                    "sealed": key.seal_check_in(ritual_key, int(rating)),
                    "sealed_win": None if win is None else key.seal_text(win, WIN),
                }
                for row_id, ritual_key, rating, win in rows
            ],
        )
        stored = bind.execute(
            sa.select(notes.c.id, notes.c.ritual_key, notes.c.body).where(
                notes.c.user_id == user_id
            )
        ).all()
        values = []
        for row_id, ritual, body in stored:
            sealed = None if ritual is None else key.seal_text(ritual, NOTE_RITUAL)
            text = key.seal_text(_legacy_note(keys, body), NOTE_BODY)
            values.append({"row": row_id, "sealed_ritual": sealed, "sealed_body": text})
        _each(bind, notes, values)
        reached = bind.execute(
            sa.select(milestones.c.id, milestones.c.key).where(milestones.c.user_id == user_id)
        ).all()
        _each(
            bind,
            milestones,
            [
                {"row": row_id, "sealed_key": key.seal_text(name, MILESTONE), "tag": key.tag(name)}
                for row_id, name in reached
            ],
        )


def _open_sealed_rows() -> None:
    """Put every sealed value back in its plain column (notes as Fernet tokens again)."""
    bind = op.get_bind()
    people = _people_with_rows(bind)
    if not people:
        return
    keys = _keys()
    for user_id in people:
        key_id = bind.scalar(sa.select(users.c.key_id).where(users.c.id == user_id))
        key = None if key_id is None else keys.key(key_id)
        if key is None:
            raise KeyringProblem(
                "a person's key is missing from the keyring, so their rows can't be opened"
                " to go back before 0010"
            )
        rows = bind.execute(
            sa.select(check_ins.c.id, check_ins.c.sealed, check_ins.c.sealed_win).where(
                check_ins.c.user_id == user_id
            )
        ).all()
        values = []
        for row_id, sealed, sealed_win in rows:
            ritual_key, rating = key.open_check_in(sealed)
            win = None if sealed_win is None else key.open_text(sealed_win, WIN)
            values.append({"row": row_id, "ritual_key": ritual_key, "rating": rating, "win": win})
        _each(bind, check_ins, values)
        stored = bind.execute(
            sa.select(notes.c.id, notes.c.sealed_ritual, notes.c.sealed_body).where(
                notes.c.user_id == user_id
            )
        ).all()
        _each(
            bind,
            notes,
            [
                {
                    "row": row_id,
                    "ritual_key": None if ritual is None else key.open_text(ritual, NOTE_RITUAL),
                    "body": keys.legacy_token(key.open_text(body, NOTE_BODY)),
                }
                for row_id, ritual, body in stored
            ],
        )
        reached = bind.execute(
            sa.select(milestones.c.id, milestones.c.sealed_key).where(
                milestones.c.user_id == user_id
            )
        ).all()
        _each(
            bind,
            milestones,
            [{"row": row_id, "key": key.open_text(name, MILESTONE)} for row_id, name in reached],
        )


def _legacy_note(keys: Any, body: str) -> str:
    try:
        text: str = keys.legacy_text(body)
    except ValueError as error:
        raise KeyringProblem(
            "a note stored before 0010 opens with no key in ATTUNE_DATA_KEY: put the key it"
            ' was written with back, after the current one ("NEW,OLD"), and migrate again'
        ) from error
    return text


def _each(bind: sa.Connection, table: sa.TableClause, values: list[dict[str, Any]]) -> None:
    """One UPDATE per row, sent as one batch (executemany)."""
    if not values:
        return
    # Parameters named apart from the columns they set, as SQLAlchemy requires.
    columns: dict[str, Any] = {
        name: sa.bindparam(f"new_{name}") for name in values[0] if name != "row"
    }
    bind.execute(
        table.update().where(table.c.id == sa.bindparam("row")).values(**columns),
        [{("row" if k == "row" else f"new_{k}"): v for k, v in row.items()} for row in values],
    )
