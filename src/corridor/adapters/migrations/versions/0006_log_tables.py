"""one word for the log: the ledger_* tables become log_*

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06 02:30:00
"""

from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

TABLES = ("entries", "nodes", "head", "checkpoints", "cosignatures")


def upgrade() -> None:
    for name in TABLES:
        op.rename_table(f"ledger_{name}", f"log_{name}")


def downgrade() -> None:
    for name in TABLES:
        op.rename_table(f"log_{name}", f"ledger_{name}")
