"""plans and simulations get a heartbeat: only a job whose process is gone is given up on

Revision ID: 0009_job_heartbeats
Revises: 0008_live
Create Date: 2026-12-07 05:00:00

Every start of the service used to mark every queued or running job ``failed``, including those
another live server was running. Now the process that queues or runs a job writes the service
clock's time into ``heartbeat_at`` every few seconds, and a job is given up on only when that is
stale (adapters.repositories.plans). A job left queued or running from before gets its creation
time as its heartbeat: it is given up on like any other whose process is gone (that start would
have marked it failed).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_job_heartbeats"
down_revision = "0008_live"
branch_labels = None
depends_on = None

When = sa.DateTime(timezone=True)


def upgrade() -> None:
    for table in ("plans", "simulations"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("heartbeat_at", When, nullable=True))
        t = sa.table(table, sa.column("status"), sa.column("created_at"), sa.column("heartbeat_at"))
        op.execute(
            t.update()
            .where(t.c.status.in_(["queued", "running"]))
            .values(heartbeat_at=t.c.created_at)
        )


def downgrade() -> None:
    for table in ("simulations", "plans"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("heartbeat_at")
