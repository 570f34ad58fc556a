"""The live operation: positions, tracks, alerts, devices, check-ins, incidents."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import case, func, select, update

from corridor.adapters import orm
from corridor.adapters.repositories.base import SqlRepo, dialect_insert, row_dict, utc
from corridor.domain.operations import CheckIn, Incident, PositionReport


class SqlPositions(SqlRepo):
    def add_batch(
        self,
        reports: Sequence[PositionReport],
        user_id: int,
        suspect: dict[tuple[str, str], str] | None = None,
    ) -> set[tuple[str, str]]:
        """Store new reports; return the (vehicle, client_id) pairs actually inserted.

        ``suspect`` gives, by (vehicle, client id), why a report is not trusted (its clock):
        it is stored all the same, and never becomes its vehicle's latest."""
        if not reports:
            return set()
        received = self.now()
        flags = suspect or {}
        rows = [
            {
                "vehicle": r.vehicle,
                "client_id": r.client_id,
                "at": r.at,
                "lat": r.lat,
                "lon": r.lon,
                "speed_kmh": r.speed_kmh,
                "heading": r.heading,
                "received_at": received,
                "user_id": user_id,
                "suspect": flags.get((r.vehicle, r.client_id)),
            }
            for r in reports
        ]
        # One statement object, executed with many parameter sets: SQLAlchemy caches its
        # compiled form and sends the batch as one multi-row INSERT ("insertmanyvalues").
        stmt = (
            dialect_insert(self.conn, orm.positions)
            .on_conflict_do_nothing(index_elements=["vehicle", "client_id"])
            .returning(orm.positions.c.vehicle, orm.positions.c.client_id)
        )
        return {(v, c) for v, c in self.conn.execute(stmt, rows)}

    def list(
        self, vehicle: str | None = None, after_id: int = 0, limit: int = 1000
    ) -> list[dict[str, Any]]:
        q = select(orm.positions).where(orm.positions.c.id > after_id)
        if vehicle is not None:
            q = q.where(orm.positions.c.vehicle == vehicle)
        q = q.order_by(orm.positions.c.id).limit(limit)
        return [row_dict(r) for r in self.conn.execute(q)]

    def latest(self, vehicle: str | None = None) -> list[dict[str, Any]]:
        """The newest trusted report (by its own time, then arrival) of each vehicle; a report
        whose device clock was off (``suspect``) never counts."""
        p = orm.positions
        rank = (
            func.row_number()
            .over(partition_by=p.c.vehicle, order_by=(p.c.at.desc(), p.c.id.desc()))
            .label("rank")
        )
        inner = select(p, rank).where(p.c.suspect.is_(None))
        if vehicle is not None:
            inner = inner.where(p.c.vehicle == vehicle)
        sub = inner.subquery()
        q = select(*[sub.c[c.name] for c in p.columns]).where(sub.c.rank == 1)
        return [row_dict(r) for r in self.conn.execute(q.order_by(sub.c.vehicle))]

    def count(self) -> int:
        return int(self.conn.execute(select(func.count()).select_from(orm.positions)).scalar_one())

    def existing(self, keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], dict[str, Any]]:
        """The stored reports of these (vehicle, client_id) pairs (to tell a retry from a
        different report under an id already used)."""
        p = orm.positions
        out: dict[tuple[str, str], dict[str, Any]] = {}
        for vehicle in {v for v, _ in keys}:
            ids = [c for v, c in keys if v == vehicle]
            q = select(p).where(p.c.vehicle == vehicle, p.c.client_id.in_(ids))
            out.update({(r.vehicle, r.client_id): row_dict(r) for r in self.conn.execute(q)})
        return out


class SqlTracks(SqlRepo):
    """Each vehicle's live state against the plan in force."""

    def get_many(self, vehicles: Iterable[str]) -> dict[str, dict[str, Any]]:
        t = orm.vehicle_tracks
        q = select(t).where(t.c.vehicle.in_(sorted(set(vehicles))))
        if self.conn.dialect.name == "postgresql":
            q = q.with_for_update()  # two workers never interleave one vehicle's reports
        return {r.vehicle: row_dict(r) for r in self.conn.execute(q)}

    def all(self) -> list[dict[str, Any]]:
        t = orm.vehicle_tracks
        return [row_dict(r) for r in self.conn.execute(select(t).order_by(t.c.vehicle))]

    def put_many(self, rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        t = orm.vehicle_tracks
        stmt = dialect_insert(self.conn, t)
        cols = [c.name for c in t.columns if c.name != "vehicle"]
        stmt = stmt.on_conflict_do_update(
            index_elements=["vehicle"], set_={c: stmt.excluded[c] for c in cols}
        )
        self.conn.execute(stmt, rows)

    def clear(self) -> None:
        self.conn.execute(orm.vehicle_tracks.delete())


class SqlAlerts(SqlRepo):
    """Alerts and their lives; one open alert per condition (``open_key``)."""

    def open(self) -> dict[str, dict[str, Any]]:
        a = orm.alerts
        q = select(a).where(a.c.open_key.is_not(None))
        return {r.open_key: row_dict(r) for r in self.conn.execute(q)}

    def raise_(self, key: str, values: dict[str, Any]) -> dict[str, Any] | None:
        """Insert an open alert unless one is open for ``key``; the new row, or None."""
        stmt = (
            dialect_insert(self.conn, orm.alerts)
            .values(open_key=key, state="raised", raised_at=self.now(), **values)
            .on_conflict_do_nothing(index_elements=["open_key"])
            .returning(*orm.alerts.c)
        )
        row = self.conn.execute(stmt).first()
        return None if row is None else row_dict(row)

    def clear(self, alert_id: int) -> dict[str, Any] | None:
        a = orm.alerts
        self.conn.execute(
            update(a)
            .where(a.c.id == alert_id, a.c.open_key.is_not(None))
            .values(open_key=None, state="cleared", cleared_at=self.now())
        )
        return self.get(alert_id)

    def acknowledge(self, alert_id: int, user_id: int) -> bool:
        a = orm.alerts
        res = self.conn.execute(
            update(a)
            .where(a.c.id == alert_id, a.c.acknowledged_at.is_(None))
            .values(
                acknowledged_at=self.now(),
                acknowledged_by=user_id,
                state=case((a.c.state == "raised", "acknowledged"), else_=a.c.state),
            )
        )
        return bool(res.rowcount)

    def get(self, alert_id: int) -> dict[str, Any] | None:
        row = self.conn.execute(select(orm.alerts).where(orm.alerts.c.id == alert_id)).first()
        return None if row is None else row_dict(row)

    def list(self, state: str | None = None, vehicle: str | None = None) -> list[dict[str, Any]]:
        a = orm.alerts
        q = select(a).order_by(a.c.id)
        if state is not None:
            q = q.where(a.c.state == state)
        if vehicle is not None:
            q = q.where(a.c.vehicle == vehicle)
        return [row_dict(r) for r in self.conn.execute(q)]


class SqlDevices(SqlRepo):
    """Traccar Client devices bound to vehicles (OsmAnd protocol)."""

    def bind(self, device_id: str, vehicle: str, key_hash: str, user_id: int) -> None:
        d = orm.devices
        values = {
            "device_id": device_id,
            "vehicle": vehicle,
            "key_hash": key_hash,
            "user_id": user_id,
            "created_at": self.now(),
            "revoked_at": None,
        }
        stmt = dialect_insert(self.conn, d).values(**values)
        stmt = stmt.on_conflict_do_update(
            index_elements=["device_id"],
            set_={k: stmt.excluded[k] for k in values if k != "device_id"},
        )
        self.conn.execute(stmt)

    def by_key(self, key_hash: str) -> dict[str, Any] | None:
        d = orm.devices
        q = select(d).where(d.c.key_hash == key_hash, d.c.revoked_at.is_(None))
        row = self.conn.execute(q).first()
        return None if row is None else row_dict(row)

    def list(self) -> list[dict[str, Any]]:
        d = orm.devices
        q = select(d.c.device_id, d.c.vehicle, d.c.created_at, d.c.revoked_at)
        return [row_dict(r) for r in self.conn.execute(q.order_by(d.c.device_id))]

    def revoke(self, device_id: str) -> bool:
        d = orm.devices
        res = self.conn.execute(
            update(d)
            .where(d.c.device_id == device_id, d.c.revoked_at.is_(None))
            .values(revoked_at=self.now())
        )
        return bool(res.rowcount)


class SqlCheckIns(SqlRepo):
    def add(self, c: CheckIn, user_id: int) -> tuple[int, bool]:
        stmt = (
            dialect_insert(self.conn, orm.checkins)
            .values(
                vehicle=c.vehicle,
                client_id=c.client_id,
                kind=c.kind,
                place=c.place,
                at=c.at,
                people=c.people,
                evacuees=list(c.evacuees),
                received_at=self.now(),
                user_id=user_id,
            )
            .on_conflict_do_nothing(index_elements=["vehicle", "client_id"])
            .returning(orm.checkins.c.id)
        )
        new = self.conn.execute(stmt).scalar()
        if new is not None:
            return int(new), True
        old = self.conn.execute(
            select(orm.checkins.c.id).where(
                orm.checkins.c.vehicle == c.vehicle, orm.checkins.c.client_id == c.client_id
            )
        ).scalar_one()
        return int(old), False

    @staticmethod
    def _select() -> Any:
        """The check-ins with the role of whoever recorded each (a user's role never changes)."""
        t, u = orm.checkins, orm.users
        return select(t, u.c.role.label("source_role")).select_from(
            t.outerjoin(u, u.c.id == t.c.user_id)
        )

    def list(self, vehicle: str | None = None) -> list[CheckIn]:
        q = self._select().order_by(orm.checkins.c.id)
        if vehicle is not None:
            q = q.where(orm.checkins.c.vehicle == vehicle)
        return [self._checkin(r) for r in self.conn.execute(q)]

    def since(self, after_id: int) -> list[tuple[int, CheckIn]]:
        """The check-ins with an id above ``after_id``, in stored order, with their ids."""
        t = orm.checkins
        q = self._select().where(t.c.id > after_id).order_by(t.c.id)
        return [(int(r.id), self._checkin(r)) for r in self.conn.execute(q)]

    def count_upto(self, last_id: int) -> int:
        """How many check-ins have an id up to ``last_id`` (one indexed aggregate)."""
        t = orm.checkins
        return int(self.conn.execute(select(func.count()).where(t.c.id <= last_id)).scalar_one())

    def _checkin(self, r: Any) -> CheckIn:
        return CheckIn(
            r.client_id,
            r.kind,
            r.vehicle,
            r.place,
            utc(r.at) or self.now(),
            dict(r.people),
            tuple(r.evacuees),
            str(r.source_role or ""),
        )


class SqlIncidents(SqlRepo):
    def get(self, ident: int) -> dict[str, Any] | None:
        row = self.conn.execute(select(orm.incidents).where(orm.incidents.c.id == ident)).first()
        return None if row is None else row_dict(row)

    def add(self, i: Incident, user_id: int) -> tuple[int, bool]:
        stmt = (
            dialect_insert(self.conn, orm.incidents)
            .values(
                user_id=user_id,
                client_id=i.client_id,
                kind=i.kind,
                severity=i.severity,
                description=i.description,
                at=i.at,
                vehicle=i.vehicle,
                lat=i.lat,
                lon=i.lon,
                received_at=self.now(),
            )
            .on_conflict_do_nothing(index_elements=["user_id", "client_id"])
            .returning(orm.incidents.c.id)
        )
        new = self.conn.execute(stmt).scalar()
        if new is not None:
            return int(new), True
        old = self.conn.execute(
            select(orm.incidents.c.id).where(
                orm.incidents.c.user_id == user_id, orm.incidents.c.client_id == i.client_id
            )
        ).scalar_one()
        return int(old), False

    def list(self, after_id: int = 0, limit: int = 200) -> list[dict[str, Any]]:
        q = (
            select(orm.incidents)
            .where(orm.incidents.c.id > after_id)
            .order_by(orm.incidents.c.id)
            .limit(limit)
        )
        return [row_dict(r) for r in self.conn.execute(q)]
