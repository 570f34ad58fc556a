"""The events table: the outbox that the event bus reads and the NOTIFY payload."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence

from sqlalchemy import func, insert, select, text

from corridor.adapters import orm
from corridor.adapters.repositories.base import SqlRepo
from corridor.domain.operations import Event

EVENTS_LOCK = 0x636F7272  # pg_advisory_xact_lock key: numbering events in commit order


class SqlEvents(SqlRepo):
    def add(self, events: Sequence[Event]) -> list[Event]:
        """Store events in one statement; returns them with their ids, in order.

        Call it last in a transaction, just before the commit. On PostgreSQL it first takes a
        transaction-level advisory lock, held until the commit: one transaction at a time takes
        event ids and commits, so ids become visible in increasing order and a client resuming
        after id N (``Last-Event-ID``) can never miss a smaller id committed later. (SQLite has
        one writer at a time already.)
        """
        if not events:
            return []
        if self.conn.dialect.name == "postgresql":
            self.conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": EVENTS_LOCK})
        at = self.now()
        rows = [
            {"at": at, "topic": e.topic, "vehicle": e.vehicle, "party": e.party, "data": e.data}
            for e in events
        ]
        stmt = insert(orm.events).returning(orm.events.c.id, sort_by_parameter_order=True)
        ids = [int(i) for (i,) in self.conn.execute(stmt, rows)]
        return [
            Event(e.topic, e.data, e.vehicle, e.party, i) for e, i in zip(events, ids, strict=True)
        ]

    def since(self, last_id: int, limit: int = 1000) -> list[Event]:
        q = (
            select(orm.events)
            .where(orm.events.c.id > last_id)
            .order_by(orm.events.c.id)
            .limit(limit)
        )
        return [Event(r.topic, r.data, r.vehicle, r.party, r.id) for r in self.conn.execute(q)]

    def by_ids(self, ids: Iterable[int]) -> list[Event]:
        q = select(orm.events).where(orm.events.c.id.in_(list(ids))).order_by(orm.events.c.id)
        return [Event(r.topic, r.data, r.vehicle, r.party, r.id) for r in self.conn.execute(q)]

    def last_id(self) -> int:
        return int(
            self.conn.execute(select(func.coalesce(func.max(orm.events.c.id), 0))).scalar_one()
        )


def notify_payload(e: Event) -> str:
    """The NOTIFY payload for one event: the whole event, or only its id when too long."""
    full = json.dumps(
        {"id": e.id, "topic": e.topic, "vehicle": e.vehicle, "party": e.party, "data": e.data},
        default=str,
        separators=(",", ":"),
    )
    return full if len(full) < 7000 else json.dumps({"id": e.id, "fetch": True})
