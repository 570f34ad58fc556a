"""the live operation against a published plan: publications, trip sheets, vehicle tracks,
alerts, Traccar devices; positions flagged when their device clock is not trusted (issue 14)

Revision ID: 0008_live
Revises: 0007
Create Date: 2026-12-06 05:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_live"
down_revision = "0007"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
When = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("positions") as batch:
        batch.add_column(sa.Column("suspect", sa.String(length=32), nullable=True))
    op.create_table(
        "publications",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("plan_id", Id, nullable=False),
        sa.Column("scenario_id", Id, nullable=False),
        sa.Column("corridor", sa.String(length=200), nullable=False),
        sa.Column("origin", sa.String(length=40), nullable=False),
        sa.Column("window_open", sa.Float(), nullable=False),
        sa.Column("window_close", sa.Float(), nullable=False),
        sa.Column("lead_minutes", sa.Float(), nullable=False),
        sa.Column("replaces", Id, nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("differences", sa.JSON(), nullable=False),
        sa.Column("published_at", When, nullable=False),
        sa.Column("user_id", Id, nullable=False),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["plans.id"], name=op.f("fk_publications_plan_id_plans")
        ),
        sa.ForeignKeyConstraint(
            ["scenario_id"], ["scenarios.id"], name=op.f("fk_publications_scenario_id_scenarios")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_publications")),
    )
    op.create_table(
        "trip_sheets",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("publication_id", Id, nullable=False),
        sa.Column("vehicle", sa.String(length=200), nullable=False),
        sa.Column("sheet", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["publication_id"],
            ["publications.id"],
            name=op.f("fk_trip_sheets_publication_id_publications"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trip_sheets")),
        sa.UniqueConstraint("publication_id", "vehicle", name="uq_trip_sheets_publication_vehicle"),
    )
    op.create_table(
        "vehicle_tracks",
        sa.Column("vehicle", sa.String(length=200), nullable=False),
        sa.Column("publication_id", Id, nullable=False),
        sa.Column("at", When, nullable=False),
        sa.Column("received_at", When, nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("speed_kmh", sa.Float(), nullable=True),
        sa.Column("progress_m", sa.Float(), nullable=False),
        sa.Column("off_route_m", sa.Float(), nullable=False),
        sa.Column("leg", sa.Integer(), nullable=False),
        sa.Column("late_min", sa.Float(), nullable=False),
        sa.Column("stopped_since", When, nullable=True),
        sa.Column("finished", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("vehicle", name=op.f("pk_vehicle_tracks")),
    )
    op.create_table(
        "alerts",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("vehicle", sa.String(length=200), nullable=True),
        sa.Column("person", Id, nullable=True),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("open_key", sa.String(length=300), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("publication_id", Id, nullable=True),
        sa.Column("raised_at", When, nullable=False),
        sa.Column("acknowledged_at", When, nullable=True),
        sa.Column("acknowledged_by", Id, nullable=True),
        sa.Column("cleared_at", When, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alerts")),
        sa.UniqueConstraint("open_key", name=op.f("uq_alerts_open_key")),
    )
    op.create_index("ix_alerts_state", "alerts", ["state"])
    op.create_table(
        "devices",
        sa.Column("device_id", sa.String(length=100), nullable=False),
        sa.Column("vehicle", sa.String(length=200), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", Id, nullable=False),
        sa.Column("created_at", When, nullable=False),
        sa.Column("revoked_at", When, nullable=True),
        sa.PrimaryKeyConstraint("device_id", name=op.f("pk_devices")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_devices_key_hash")),
    )


def downgrade() -> None:
    op.drop_table("devices")
    op.drop_index("ix_alerts_state", table_name="alerts")
    op.drop_table("alerts")
    op.drop_table("vehicle_tracks")
    op.drop_table("trip_sheets")
    op.drop_table("publications")
    with op.batch_alter_table("positions") as batch:
        batch.drop_column("suspect")
