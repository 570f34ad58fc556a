"""The service's tables (SQLAlchemy Core). Alembic migrations in ``migrations/`` create them.

Times are stored in UTC. Personal fields of the evacuee registry are ``LargeBinary`` columns
holding AES-GCM ciphertext (see :mod:`corridor.adapters.crypto_fields`); every other column is
not personal.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)
# BigInteger ids on PostgreSQL; SQLite needs INTEGER PRIMARY KEY for its rowid alias.
Id = BigInteger().with_variant(Integer(), "sqlite")


class UtcDateTime(TypeDecorator[datetime]):
    """An instant, stored in UTC on every database and read back aware.

    SQLite keeps no offset: a report made at 07:00+02:00 stored as written would read back as
    07:00 UTC, two hours off. Every value is turned to UTC before it is stored; a time without
    an offset is refused (nobody can tell which instant it means).
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"a stored time needs its UTC offset: {value.isoformat()}")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


When = UtcDateTime()

organisations = Table(
    "organisations",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("created_at", When, nullable=False),
)

users = Table(
    "users",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("organisation_id", Id, ForeignKey("organisations.id"), nullable=False),
    Column("name", String(200), nullable=False),
    Column("role", String(32), nullable=False),
    Column("vehicle", String(200)),
    Column("created_at", When, nullable=False),
    Column("disabled", Boolean, nullable=False, default=False),
)

tokens = Table(
    "tokens",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("user_id", Id, ForeignKey("users.id"), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("label", String(200), nullable=False, default=""),
    Column("created_at", When, nullable=False),
    Column("revoked_at", When),
)

audit = Table(
    "audit",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("at", When, nullable=False),
    Column("user_id", Id),
    Column("role", String(32), nullable=False),
    Column("action", String(64), nullable=False),
    Column("subject", String(200), nullable=False),
    Column("detail", JSON, nullable=False),
)

events = Table(
    "events",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("at", When, nullable=False),
    Column("topic", String(64), nullable=False),
    Column("vehicle", String(200)),
    Column("party", String(8)),
    Column("data", JSON, nullable=False),
)

positions = Table(
    "positions",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("vehicle", String(200), nullable=False),
    Column("client_id", String(100), nullable=False),
    Column("at", When, nullable=False),
    Column("lat", Float, nullable=False),
    Column("lon", Float, nullable=False),
    Column("speed_kmh", Float),
    Column("heading", Float),
    Column("received_at", When, nullable=False),
    Column("user_id", Id, nullable=False),
    # Why the report is not trusted (its device clock is off: "clock_ahead", "clock_behind"),
    # NULL when it is; a suspect report is kept but never becomes the vehicle's latest.
    Column("suspect", String(32)),
    UniqueConstraint("vehicle", "client_id", name="uq_positions_vehicle_client_id"),
    Index("ix_positions_vehicle_at", "vehicle", "at"),
)

checkins = Table(
    "checkins",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("vehicle", String(200), nullable=False),
    Column("client_id", String(100), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("place", String(200), nullable=False),
    Column("at", When, nullable=False),
    Column("people", JSON, nullable=False),
    Column("evacuees", JSON, nullable=False),
    Column("received_at", When, nullable=False),
    Column("user_id", Id, nullable=False),
    UniqueConstraint("vehicle", "client_id", name="uq_checkins_vehicle_client_id"),
)

incidents = Table(
    "incidents",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("user_id", Id, nullable=False),
    Column("client_id", String(100), nullable=False),
    Column("kind", String(64), nullable=False),
    Column("severity", String(16), nullable=False),
    Column("description", Text, nullable=False),
    Column("at", When, nullable=False),
    Column("vehicle", String(200)),
    Column("lat", Float),
    Column("lon", Float),
    Column("received_at", When, nullable=False),
    UniqueConstraint("user_id", "client_id", name="uq_incidents_user_id_client_id"),
)

notifications = Table(
    "notifications",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("kind", String(16), nullable=False),
    Column("parties", String(8), nullable=False),
    Column("subject", String(200), nullable=False),
    Column("body", JSON, nullable=False),
    Column("created_at", When, nullable=False),
    Column("user_id", Id, nullable=False),
)

acknowledgements = Table(
    "acknowledgements",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("notification_id", Id, ForeignKey("notifications.id"), nullable=False),
    Column("party", String(8), nullable=False),
    Column("user_id", Id, nullable=False),
    Column("at", When, nullable=False),
    Column("note", Text, nullable=False, default=""),
    UniqueConstraint("notification_id", "party", name="uq_acknowledgements_notification_party"),
)

evacuees = Table(
    "evacuees",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("client_id", String(100), nullable=False, unique=True),
    Column("household", String(100), nullable=False),
    Column("people_class", String(64), nullable=False),
    Column("gathering", String(200), nullable=False),
    Column("vehicle", String(200)),
    Column("status", String(16), nullable=False),
    Column("name_enc", LargeBinary),
    Column("needs_enc", LargeBinary),
    Column("contact_enc", LargeBinary),
    Column("registered_at", When, nullable=False),
    Column("registered_by", Id, nullable=False),
    Column("anonymised_at", When),
)

scenarios = Table(
    "scenarios",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("name", String(200), nullable=False),
    Column("source", Text, nullable=False),
    Column("base_dir", Text, nullable=False, default=""),
    Column("created_at", When, nullable=False),
    Column("user_id", Id, nullable=False),
    Column("instance", JSON),
    Column("routes", JSON),
    Column("layers", JSON),
    # ISO time of minute 0 of the CEP instance (local midnight of the window's day).
    Column("origin", String(40)),
    # {id: {kind, name, lon, lat}} of every place, for checks against the agreement.
    Column("places", JSON),
)

plans = Table(
    "plans",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("scenario_id", Id, ForeignKey("scenarios.id"), nullable=False),
    Column("status", String(16), nullable=False),
    Column("progress", Float, nullable=False, default=0.0),
    Column("params", JSON, nullable=False),
    Column("plan", JSON),
    Column("report", JSON),
    Column("score", Float),
    Column("upper_bound", Float),
    Column("error", Text),
    Column("created_at", When, nullable=False),
    Column("finished_at", When),
    Column("user_id", Id, nullable=False),
    # The instance the plan was made for when it is not its scenario's: a replan's, with the
    # incident's roads closed (issue 14).
    Column("instance", JSON),
    # The last sign of life of the process that queued or runs the plan (NULL: none is written,
    # a replan solved in its request); see adapters.repositories.plans.
    Column("heartbeat_at", When),
)

# Monte Carlo runs of a plan (docs/simulation.md), done in the background like plans.
simulations = Table(
    "simulations",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("plan_id", Id, ForeignKey("plans.id"), nullable=False),
    Column("status", String(16), nullable=False),
    Column("progress", Float, nullable=False, default=0.0),
    Column("params", JSON, nullable=False),
    Column("summary", JSON),
    Column("error", Text),
    Column("created_at", When, nullable=False),
    Column("finished_at", When),
    Column("user_id", Id, nullable=False),
    # As a plan's: the last sign of life of the process that queued or runs it.
    Column("heartbeat_at", When),
)

drafts = Table(
    "drafts",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("party", String(8), nullable=False),
    Column("title", String(200), nullable=False),
    Column("body", JSON, nullable=False),
    Column("sent_at", When),
    Column("created_at", When, nullable=False),
    Column("updated_at", When, nullable=False),
    Column("user_id", Id, nullable=False),
)

# Public announcements (CAP 1.2 messages), one per change of a corridor's public state; the XML
# is stored as published and never changed. Nothing personal.
announcements = Table(
    "announcements",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("identifier", String(200), nullable=False, unique=True),
    Column("corridor", String(200), nullable=False),
    Column("log_index", BigInteger, nullable=False),
    Column("change", String(32), nullable=False),
    Column("msg_type", String(16), nullable=False),
    Column("sender", String(200), nullable=False),
    Column("sent", String(40), nullable=False),
    Column("headline", Text, nullable=False),
    Column("xml", Text, nullable=False),
    Column("published_by", Id),
    Column("created_at", When, nullable=False),
)
Index("ix_announcements_corridor", announcements.c.corridor, announcements.c.log_index)

# -- the live operation against a published plan (issue 14; docs/live.md) -------------------

# One published version of the operation's plan: what the drivers follow and the parties were
# told. The newest row is the plan in force; a replan publishes the next version.
publications = Table(
    "publications",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("plan_id", Id, ForeignKey("plans.id"), nullable=False),
    Column("scenario_id", Id, ForeignKey("scenarios.id"), nullable=False),
    Column("corridor", String(200), nullable=False),
    Column("origin", String(40), nullable=False),
    Column("window_open", Float, nullable=False),
    Column("window_close", Float, nullable=False),
    Column("lead_minutes", Float, nullable=False),
    Column("replaces", Id),
    Column("reason", Text, nullable=False, default=""),
    Column("differences", JSON, nullable=False),
    Column("published_at", When, nullable=False),
    Column("user_id", Id, nullable=False),
)

# A vehicle's trip sheet of one publication: stops with planned times, road geometry.
trip_sheets = Table(
    "trip_sheets",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("publication_id", Id, ForeignKey("publications.id"), nullable=False),
    Column("vehicle", String(200), nullable=False),
    Column("sheet", JSON, nullable=False),
    UniqueConstraint("publication_id", "vehicle", name="uq_trip_sheets_publication_vehicle"),
)

# Each vehicle's live state against the plan in force, updated in the transaction that stores
# its positions (the newest trusted report by its own time).
vehicle_tracks = Table(
    "vehicle_tracks",
    metadata,
    Column("vehicle", String(200), primary_key=True),
    Column("publication_id", Id, nullable=False),
    Column("at", When, nullable=False),
    Column("received_at", When, nullable=False),
    Column("lat", Float, nullable=False),
    Column("lon", Float, nullable=False),
    Column("speed_kmh", Float),
    Column("progress_m", Float, nullable=False),
    Column("off_route_m", Float, nullable=False),
    Column("leg", Integer, nullable=False),
    Column("late_min", Float, nullable=False),
    Column("stopped_since", When),
    Column("finished", Boolean, nullable=False, default=False),
)

# Every alert's life: raised, acknowledged by the coordinator, cleared when its condition ends.
# ``open_key`` identifies the condition while the alert is open (NULL once cleared), so that
# one condition raises one alert however many reports show it, on every database.
alerts = Table(
    "alerts",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("kind", String(32), nullable=False),
    Column("vehicle", String(200)),
    Column("person", Id),
    Column("subject", String(200), nullable=False, default=""),
    Column("open_key", String(300), unique=True),
    Column("state", String(16), nullable=False),
    Column("detail", Text, nullable=False),
    Column("data", JSON, nullable=False),
    Column("publication_id", Id),
    Column("raised_at", When, nullable=False),
    Column("acknowledged_at", When),
    Column("acknowledged_by", Id),
    Column("cleared_at", When),
)
Index("ix_alerts_state", alerts.c.state)

# Traccar Client (OsmAnd protocol) devices, each bound to one vehicle by the coordinator;
# only the hash of the device's key is kept.
devices = Table(
    "devices",
    metadata,
    Column("device_id", String(100), primary_key=True),
    Column("vehicle", String(200), nullable=False),
    Column("key_hash", String(64), nullable=False, unique=True),
    Column("user_id", Id, nullable=False),
    Column("created_at", When, nullable=False),
    Column("revoked_at", When),
)
