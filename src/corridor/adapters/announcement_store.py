"""The published CAP messages in the service's database (table ``announcements``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, insert, select

from corridor.adapters import orm
from corridor.adapters.cap_schema import validate
from corridor.adapters.repositories.base import SqlRepo, row_dict


class SqlAnnouncements(SqlRepo):
    def add(self, values: dict[str, Any]) -> int:
        """Store one message; a message the CAP 1.2 schema refuses is never stored
        (:class:`~corridor.adapters.cap_schema.InvalidCap`)."""
        xml = values["xml"]
        validate(xml.encode("utf-8") if isinstance(xml, str) else xml)
        row = self.conn.execute(
            insert(orm.announcements)
            .values(created_at=self.now(), **values)
            .returning(orm.announcements.c.id)
        )
        return int(row.scalar_one())

    def list(self, corridor: str | None = None, limit: int = 1000) -> list[dict[str, Any]]:
        """Oldest first (per corridor: in log order)."""
        a = orm.announcements
        q = select(a)
        if corridor is not None:
            q = q.where(a.c.corridor == corridor)
        return [row_dict(r) for r in self.conn.execute(q.order_by(a.c.id).limit(limit))]

    def get(self, identifier: str) -> dict[str, Any] | None:
        a = orm.announcements
        row = self.conn.execute(select(a).where(a.c.identifier == identifier)).first()
        return None if row is None else row_dict(row)

    def last_index(self, corridor: str) -> int:
        """The log index of the newest published change of ``corridor`` (-1: none)."""
        a = orm.announcements
        q = select(func.max(a.c.log_index)).where(a.c.corridor == corridor)
        found = self.conn.execute(q).scalar_one_or_none()
        return -1 if found is None else int(found)
