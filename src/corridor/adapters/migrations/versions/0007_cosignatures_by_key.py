"""witness cosignatures are kept by the cosigner's key ID, never by the witness's name

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 04:00:00

A cosignature made with another key of the same name used to replace a party's (issue 13,
finding 4). The table is made again with (size, key_id) as its key; the key ID of each stored
cosignature is read from its signature line.
"""

from __future__ import annotations

import base64

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def _key_id(line: str) -> str:
    return base64.b64decode(line.rstrip("\n").rsplit(" ", 1)[1])[:4].hex()


def upgrade() -> None:
    bind = op.get_bind()
    rows = bind.execute(sa.text("SELECT size, witness, line FROM log_cosignatures")).all()
    op.drop_table("log_cosignatures")
    table = op.create_table(
        "log_cosignatures",
        sa.Column("size", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("key_id", sa.String(8), primary_key=True),
        sa.Column("witness", sa.String(200), nullable=False),
        sa.Column("key", sa.Text(), nullable=True),
        sa.Column("line", sa.Text(), nullable=False),
    )
    op.bulk_insert(
        table,
        [
            {"size": s, "key_id": _key_id(line), "witness": w, "key": None, "line": line}
            for s, w, line in rows
        ],
    )


def downgrade() -> None:
    bind = op.get_bind()
    rows = bind.execute(sa.text("SELECT size, witness, line FROM log_cosignatures")).all()
    op.drop_table("log_cosignatures")
    table = op.create_table(
        "log_cosignatures",
        sa.Column("size", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("witness", sa.String(200), primary_key=True),
        sa.Column("line", sa.Text(), nullable=False),
    )
    kept = {(s, w): line for s, w, line in rows}  # one per name, as the old table could hold
    old = [{"size": s, "witness": w, "line": line} for (s, w), line in kept.items()]
    op.bulk_insert(table, old)
