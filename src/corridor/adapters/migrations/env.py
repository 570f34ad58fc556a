"""Alembic environment: always run with a connection handed over by corridor.adapters.sql_engine."""

from __future__ import annotations

from alembic import context

from corridor.adapters.orm import metadata

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only `alembic` run by hand without corridor
    raise SystemExit("run migrations through corridor (corridor serve applies them on start)")

context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
