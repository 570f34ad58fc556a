"""Working with the parties: notifications with their acknowledgements, agreement drafts."""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert, select, update

from corridor.adapters import orm
from corridor.adapters.repositories.base import SqlRepo, dialect_insert, row_dict, utc


class SqlNotifications(SqlRepo):
    def add(self, kind: str, parties: str, subject: str, body: dict[str, Any], user_id: int) -> int:
        row = self.conn.execute(
            insert(orm.notifications)
            .values(
                kind=kind,
                parties=parties,
                subject=subject,
                body=body,
                created_at=self.now(),
                user_id=user_id,
            )
            .returning(orm.notifications.c.id)
        )
        return int(row.scalar_one())

    def get(self, notification_id: int) -> dict[str, Any] | None:
        row = self.conn.execute(
            select(orm.notifications).where(orm.notifications.c.id == notification_id)
        ).first()
        if row is None:
            return None
        out = row_dict(row)
        out["acknowledgements"] = self._acks([notification_id]).get(notification_id, [])
        return out

    def list(self, party: str | None = None) -> list[dict[str, Any]]:
        q = select(orm.notifications).order_by(orm.notifications.c.id)
        rows = [row_dict(r) for r in self.conn.execute(q)]
        if party is not None:
            rows = [r for r in rows if party in r["parties"]]
        acks = self._acks([r["id"] for r in rows])
        for r in rows:
            r["acknowledgements"] = acks.get(r["id"], [])
        return rows

    def _acks(self, ids: list[int]) -> dict[int, list[dict[str, Any]]]:
        if not ids:
            return {}
        a = orm.acknowledgements
        out: dict[int, list[dict[str, Any]]] = {}
        for r in self.conn.execute(select(a).where(a.c.notification_id.in_(ids)).order_by(a.c.id)):
            out.setdefault(r.notification_id, []).append(
                {"party": r.party, "at": utc(r.at), "user_id": r.user_id, "note": r.note}
            )
        sent = dict(
            self.conn.execute(
                select(orm.notifications.c.id, orm.notifications.c.created_at).where(
                    orm.notifications.c.id.in_(ids)
                )
            ).all()
        )
        for nid, acks in out.items():
            for ack in acks:
                # How long the party took to acknowledge (an acknowledgement is never an
                # approval: nothing waits on it).
                ack["delay_s"] = round((ack["at"] - utc(sent[nid])).total_seconds(), 1)
        return out

    def acknowledge(self, notification_id: int, party: str, user_id: int, note: str) -> bool:
        stmt = (
            dialect_insert(self.conn, orm.acknowledgements)
            .values(
                notification_id=notification_id,
                party=party,
                user_id=user_id,
                at=self.now(),
                note=note,
            )
            .on_conflict_do_nothing(index_elements=["notification_id", "party"])
            .returning(orm.acknowledgements.c.id)
        )
        return self.conn.execute(stmt).scalar() is not None


class SqlDrafts(SqlRepo):
    def add(self, party: str, title: str, body: dict[str, Any], user_id: int) -> int:
        t = self.now()
        row = self.conn.execute(
            insert(orm.drafts)
            .values(
                party=party, title=title, body=body, created_at=t, updated_at=t, user_id=user_id
            )
            .returning(orm.drafts.c.id)
        )
        return int(row.scalar_one())

    def get(self, draft_id: int) -> dict[str, Any] | None:
        row = self.conn.execute(select(orm.drafts).where(orm.drafts.c.id == draft_id)).first()
        return None if row is None else row_dict(row)

    def list(self) -> list[dict[str, Any]]:
        return [
            row_dict(r) for r in self.conn.execute(select(orm.drafts).order_by(orm.drafts.c.id))
        ]

    def set_fields(self, draft_id: int, **values: Any) -> None:
        self.conn.execute(
            update(orm.drafts)
            .where(orm.drafts.c.id == draft_id)
            .values(updated_at=self.now(), **values)
        )
