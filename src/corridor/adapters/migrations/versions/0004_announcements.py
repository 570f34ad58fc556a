"""announcements: the published CAP 1.2 messages

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "announcements",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("identifier", sa.String(200), nullable=False),
        sa.Column("corridor", sa.String(200), nullable=False),
        sa.Column("log_index", sa.BigInteger(), nullable=False),
        sa.Column("change", sa.String(32), nullable=False),
        sa.Column("msg_type", sa.String(16), nullable=False),
        sa.Column("sender", sa.String(200), nullable=False),
        sa.Column("sent", sa.String(40), nullable=False),
        sa.Column("headline", sa.Text(), nullable=False),
        sa.Column("xml", sa.Text(), nullable=False),
        sa.Column("published_by", Id),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_announcements"),
        sa.UniqueConstraint("identifier", name="uq_announcements_identifier"),
    )
    op.create_index("ix_announcements_corridor", "announcements", ["corridor", "log_index"])


def downgrade() -> None:
    op.drop_index("ix_announcements_corridor", "announcements")
    op.drop_table("announcements")
