"""The evacuee registry."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select, update

from corridor.adapters import orm
from corridor.adapters.repositories.base import SqlRepo, dialect_insert, row_dict


class SqlEvacuees(SqlRepo):
    def add(self, record: dict[str, Any]) -> tuple[int, bool]:
        stmt = (
            dialect_insert(self.conn, orm.evacuees)
            .values(**record)
            .on_conflict_do_nothing(index_elements=["client_id"])
            .returning(orm.evacuees.c.id)
        )
        new = self.conn.execute(stmt).scalar()
        if new is not None:
            return int(new), True
        old = self.conn.execute(
            select(orm.evacuees.c.id).where(orm.evacuees.c.client_id == record["client_id"])
        ).scalar_one()
        return int(old), False

    def id_of(self, client_id: str) -> int | None:
        """The registry id stored under ``client_id``, if any."""
        found = self.conn.execute(
            select(orm.evacuees.c.id).where(orm.evacuees.c.client_id == client_id)
        ).scalar()
        return None if found is None else int(found)

    def get(self, evacuee_id: int) -> dict[str, Any] | None:
        row = self.conn.execute(select(orm.evacuees).where(orm.evacuees.c.id == evacuee_id)).first()
        return None if row is None else row_dict(row)

    def list(self, vehicle: str | None = None) -> list[dict[str, Any]]:
        q = select(orm.evacuees).order_by(orm.evacuees.c.id)
        if vehicle is not None:
            q = q.where(orm.evacuees.c.vehicle == vehicle)
        return [row_dict(r) for r in self.conn.execute(q)]

    def classes_since(self, after_id: int) -> list[dict[str, Any]]:
        """``id``, ``household`` and ``people_class`` of the people registered with an id
        above ``after_id`` (what the reconciliation needs of them; nothing encrypted)."""
        e = orm.evacuees
        q = select(e.c.id, e.c.household, e.c.people_class).where(e.c.id > after_id)
        return [row_dict(r) for r in self.conn.execute(q.order_by(e.c.id))]

    def count_upto(self, last_id: int) -> int:
        """How many people are registered with an id up to ``last_id``."""
        e = orm.evacuees
        return int(self.conn.execute(select(func.count()).where(e.c.id <= last_id)).scalar_one())

    def set_fields(self, evacuee_id: int, **values: Any) -> None:
        self.conn.execute(
            update(orm.evacuees).where(orm.evacuees.c.id == evacuee_id).values(**values)
        )
