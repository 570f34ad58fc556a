"""the agreement log's tables, as corridor.adapters.ledger_store defines them

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29 06:55:00

The ledger's schema belongs to the ledger store (issue 4); this migration creates exactly its
tables and the head row, so that the service's database holds the log in the same transaction
domain and backups as everything else.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    from corridor.adapters.ledger_store import head_table, ledger_metadata

    bind = op.get_bind()
    ledger_metadata.create_all(bind, checkfirst=True)
    if bind.execute(sa.select(head_table.c.size)).first() is None:
        bind.execute(sa.insert(head_table).values(id=1, size=0))


def downgrade() -> None:
    from corridor.adapters.ledger_store import ledger_metadata

    ledger_metadata.drop_all(op.get_bind())
