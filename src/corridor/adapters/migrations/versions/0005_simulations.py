"""simulations: Monte Carlo runs of a plan, done in the background (docs/simulation.md)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06 02:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "simulations",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("plan_id", Id, nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("progress", sa.Float(), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("user_id", Id, nullable=False),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["plans.id"], name=op.f("fk_simulations_plan_id_plans")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_simulations")),
    )


def downgrade() -> None:
    op.drop_table("simulations")
