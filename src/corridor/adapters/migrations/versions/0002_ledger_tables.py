"""the agreement log's tables, as they were first defined (issue 4)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29 06:55:00

The log's schema belongs to the log store; this migration created its tables and the head row
(under their first names, ``ledger_*``: 0006 renames them), so that the service's database holds
the log in the same transaction domain and backups as everything else. The tables are written
out here as they were then, so that later changes to the store do not change this migration.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ledger_entries",
        sa.Column("idx", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("leaf_hash", sa.LargeBinary(32), nullable=False, unique=True),
        sa.Column("envelope", sa.LargeBinary(), nullable=False),
    )
    op.create_table(
        "ledger_nodes",
        sa.Column("key", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("hash", sa.LargeBinary(32), nullable=False),
    )
    head = op.create_table(
        "ledger_head",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
    )
    op.create_table(
        "ledger_checkpoints",
        sa.Column("size", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("note", sa.LargeBinary(), nullable=False),
    )
    op.create_table(
        "ledger_cosignatures",
        sa.Column("size", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("witness", sa.String(200), primary_key=True),
        sa.Column("line", sa.Text(), nullable=False),
    )
    op.bulk_insert(head, [{"id": 1, "size": 0}])


def downgrade() -> None:
    for name in ("cosignatures", "checkpoints", "head", "nodes", "entries"):
        op.drop_table(f"ledger_{name}")
