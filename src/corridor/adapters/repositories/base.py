"""What every SQL repository shares: the base class over the unit of work's connection, rows
as dicts with UTC datetimes, the dialect's INSERT (for upserts).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection
from sqlalchemy.dialects import postgresql, sqlite

if TYPE_CHECKING:
    from corridor.services.ports import Clock


def utc(value: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes: they were stored as UTC."""
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def dialect_insert(conn: Connection, table: Any) -> Any:
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    return dialect.insert(table)


class SqlRepo:
    """One table's queries over the unit of work's connection; ``clock`` stamps what it writes
    (the service's one clock: see :mod:`corridor.adapters.clock`)."""

    def __init__(self, conn: Connection, clock: Clock) -> None:
        self.conn = conn
        self.now = clock


def row_dict(row: Any) -> dict[str, Any]:
    out = dict(row._mapping)
    for k, v in out.items():
        if isinstance(v, datetime):
            out[k] = utc(v)
    return out
