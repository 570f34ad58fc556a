"""scenarios: the clock origin of their CEP minutes, and where their files were written

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 07:05:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("scenarios") as batch:
        batch.add_column(sa.Column("origin", sa.String(40), nullable=True))
        batch.add_column(sa.Column("places", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("scenarios") as batch:
        batch.drop_column("places")
        batch.drop_column("origin")
