"""The database adapter: engines for SQLite (WAL) and PostgreSQL, migrations, repositories.

Repositories speak SQLAlchemy Core over one connection that the unit of work owns; they never
commit. The same code runs on both databases; the few dialect differences (upsert, locks) are
here and nowhere else.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from alembic import command
from alembic.config import Config
from sqlalchemy import (
    Connection,
    Engine,
    case,
    create_engine,
    event,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite

from corridor.adapters import orm
from corridor.domain.access import Principal, Role
from corridor.domain.operations import CheckIn, Event, Incident, PositionReport

if TYPE_CHECKING:
    from corridor.services.ports import Clock

MIGRATIONS = Path(__file__).with_name("migrations")
_PG_MIGRATION_LOCK = 0x636F7272  # "corr": one worker migrates, the others wait


def utc(value: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes: they were stored as UTC."""
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def make_engine(url: str, *, sqlite_synchronous: str = "FULL", pool_size: int = 10) -> Engine:
    """An engine for ``url``. SQLite gets WAL, a busy timeout and BEGIN IMMEDIATE writes."""
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 30},
            pool_size=pool_size,
            max_overflow=20,
        )

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_conn: Any, _record: Any) -> None:
            # Let SQLAlchemy, not the driver, decide when a transaction starts.
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute(f"PRAGMA synchronous={sqlite_synchronous}")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            # Checkpoints are the background checkpointer's job (see SqliteCheckpointer): done
            # inside a commit, copying megabytes to a slow disk stalls every writer for seconds.
            cur.execute("PRAGMA wal_autocheckpoint=0")
            cur.close()

        @event.listens_for(engine, "begin")
        def _on_begin(conn: Connection) -> None:
            # IMMEDIATE takes the write lock up front, so a read-then-write transaction waits
            # for its turn instead of failing with SQLITE_BUSY halfway.
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    return create_engine(url, pool_size=pool_size, max_overflow=20, pool_pre_ping=True)


class SqliteCheckpointer:
    """Copies the WAL into the database file every ``every`` seconds, outside the write path.

    PASSIVE checkpoints never wait for readers or writers, so a commit never waits for one.
    When the WAL has grown past ``truncate_pages`` and nobody is using it, it is truncated.
    """

    def __init__(self, engine: Engine, every: float = 1.0, truncate_pages: int = 20_000) -> None:
        import threading

        self.engine = engine
        self.every = every
        self.truncate_pages = truncate_pages
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sqlite-checkpoint", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=10)
        self.checkpoint("PASSIVE")

    def checkpoint(self, mode: str) -> tuple[int, int, int]:
        raw = self.engine.raw_connection()
        try:
            row = raw.cursor().execute(f"PRAGMA wal_checkpoint({mode})").fetchone()
        finally:
            raw.close()
        return (int(row[0]), int(row[1]), int(row[2]))

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            try:
                busy, wal_pages, _ = self.checkpoint("PASSIVE")
                if not busy and wal_pages > self.truncate_pages:
                    self.checkpoint("TRUNCATE")
            except Exception:  # a failed checkpoint is retried at the next tick
                import logging

                logging.getLogger(__name__).exception("WAL checkpoint failed")


def upgrade(engine: Engine) -> None:
    """Apply every Alembic migration (idempotent). On PostgreSQL, workers take turns."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": _PG_MIGRATION_LOCK})
            conn.commit()
        try:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
            conn.commit()
        finally:
            if conn.dialect.name == "postgresql":
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _PG_MIGRATION_LOCK})
                conn.commit()


def _insert(conn: Connection, table: Any) -> Any:
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    return dialect.insert(table)


class _Repo:
    """One table's queries over the unit of work's connection; ``clock`` stamps what it writes
    (the service's one clock: see :mod:`corridor.adapters.clock`)."""

    def __init__(self, conn: Connection, clock: Clock) -> None:
        self.conn = conn
        self.now = clock


class SqlAccounts(_Repo):
    def add_organisation(self, name: str) -> int:
        row = self.conn.execute(
            insert(orm.organisations)
            .values(name=name, created_at=self.now())
            .returning(orm.organisations.c.id)
        )
        return int(row.scalar_one())

    def organisation_by_name(self, name: str) -> int | None:
        found = self.conn.execute(
            select(orm.organisations.c.id).where(orm.organisations.c.name == name)
        ).scalar()
        return None if found is None else int(found)

    def organisation_exists(self, organisation_id: int) -> bool:
        q = select(orm.organisations.c.id).where(orm.organisations.c.id == organisation_id)
        return self.conn.execute(q).first() is not None

    def list_organisations(self) -> list[dict[str, Any]]:
        rows = self.conn.execute(select(orm.organisations).order_by(orm.organisations.c.id))
        return [dict(r._mapping) for r in rows]

    def add_user(self, organisation_id: int, name: str, role: Role, vehicle: str | None) -> int:
        row = self.conn.execute(
            insert(orm.users)
            .values(
                organisation_id=organisation_id,
                name=name,
                role=role.value,
                vehicle=vehicle,
                created_at=self.now(),
                disabled=False,
            )
            .returning(orm.users.c.id)
        )
        return int(row.scalar_one())

    def user(self, user_id: int) -> dict[str, Any] | None:
        row = self.conn.execute(select(orm.users).where(orm.users.c.id == user_id)).first()
        return None if row is None else dict(row._mapping)

    def list_users(self) -> list[dict[str, Any]]:
        return [
            dict(r._mapping) for r in self.conn.execute(select(orm.users).order_by(orm.users.c.id))
        ]

    def count_admins(self) -> int:
        q = select(func.count()).select_from(orm.users).where(orm.users.c.role == Role.ADMIN.value)
        return int(self.conn.execute(q).scalar_one())

    def add_token(self, user_id: int, token_hash: str, label: str) -> int:
        row = self.conn.execute(
            insert(orm.tokens)
            .values(user_id=user_id, token_hash=token_hash, label=label, created_at=self.now())
            .returning(orm.tokens.c.id)
        )
        return int(row.scalar_one())

    def revoke_token(self, token_id: int) -> bool:
        res = self.conn.execute(
            update(orm.tokens)
            .where(orm.tokens.c.id == token_id, orm.tokens.c.revoked_at.is_(None))
            .values(revoked_at=self.now())
        )
        return bool(res.rowcount)

    def principal(self, token_hash: str) -> Principal | None:
        q = (
            select(orm.users)
            .join(orm.tokens, orm.tokens.c.user_id == orm.users.c.id)
            .where(
                orm.tokens.c.token_hash == token_hash,
                orm.tokens.c.revoked_at.is_(None),
                orm.users.c.disabled.is_(False),
            )
        )
        row = self.conn.execute(q).first()
        if row is None:
            return None
        return Principal(
            user_id=row.id,
            name=row.name,
            role=Role(row.role),
            organisation_id=row.organisation_id,
            vehicle=row.vehicle,
        )


class SqlAudit(_Repo):
    def add(self, who: Principal | None, action: str, subject: str, detail: dict[str, Any]) -> None:
        self.conn.execute(
            insert(orm.audit).values(
                at=self.now(),
                user_id=who.user_id if who else None,
                role=who.role.value if who else "system",
                action=action,
                subject=subject,
                detail=detail,
            )
        )

    def list(self, after: int = 0, limit: int = 100) -> list[dict[str, Any]]:
        q = select(orm.audit).where(orm.audit.c.id > after).order_by(orm.audit.c.id).limit(limit)
        return [_row(r) for r in self.conn.execute(q)]


EVENTS_LOCK = 0x636F7272  # pg_advisory_xact_lock key: numbering events in commit order


class SqlEvents(_Repo):
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


class SqlPositions(_Repo):
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
            _insert(self.conn, orm.positions)
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
        return [_row(r) for r in self.conn.execute(q)]

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
        return [_row(r) for r in self.conn.execute(q.order_by(sub.c.vehicle))]

    def count(self) -> int:
        return int(self.conn.execute(select(func.count()).select_from(orm.positions)).scalar_one())


class SqlPublications(_Repo):
    """Published versions of the operation's plan and their trip sheets."""

    def add(self, values: dict[str, Any], sheets: dict[str, dict[str, Any]]) -> int:
        row = self.conn.execute(
            insert(orm.publications)
            .values(published_at=self.now(), **values)
            .returning(orm.publications.c.id)
        )
        ident = int(row.scalar_one())
        if sheets:
            self.conn.execute(
                insert(orm.trip_sheets),
                [
                    {"publication_id": ident, "vehicle": v, "sheet": {**s, "plan_version": ident}}
                    for v, s in sheets.items()
                ],
            )
        return ident

    def current(self) -> dict[str, Any] | None:
        q = select(orm.publications).order_by(orm.publications.c.id.desc()).limit(1)
        row = self.conn.execute(q).first()
        return None if row is None else _row(row)

    def get(self, publication_id: int) -> dict[str, Any] | None:
        q = select(orm.publications).where(orm.publications.c.id == publication_id)
        row = self.conn.execute(q).first()
        return None if row is None else _row(row)

    def list(self) -> list[dict[str, Any]]:
        q = select(orm.publications).order_by(orm.publications.c.id)
        return [_row(r) for r in self.conn.execute(q)]

    def sheets(self, publication_id: int, vehicle: str | None = None) -> list[dict[str, Any]]:
        t = orm.trip_sheets
        q = select(t.c.sheet).where(t.c.publication_id == publication_id).order_by(t.c.id)
        if vehicle is not None:
            q = q.where(t.c.vehicle == vehicle)
        return [dict(r.sheet) for r in self.conn.execute(q)]


class SqlTracks(_Repo):
    """Each vehicle's live state against the plan in force."""

    def get_many(self, vehicles: Iterable[str]) -> dict[str, dict[str, Any]]:
        t = orm.vehicle_tracks
        q = select(t).where(t.c.vehicle.in_(sorted(set(vehicles))))
        if self.conn.dialect.name == "postgresql":
            q = q.with_for_update()  # two workers never interleave one vehicle's reports
        return {r.vehicle: _row(r) for r in self.conn.execute(q)}

    def all(self) -> list[dict[str, Any]]:
        t = orm.vehicle_tracks
        return [_row(r) for r in self.conn.execute(select(t).order_by(t.c.vehicle))]

    def put_many(self, rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        t = orm.vehicle_tracks
        stmt = _insert(self.conn, t)
        cols = [c.name for c in t.columns if c.name != "vehicle"]
        stmt = stmt.on_conflict_do_update(
            index_elements=["vehicle"], set_={c: stmt.excluded[c] for c in cols}
        )
        self.conn.execute(stmt, rows)

    def clear(self) -> None:
        self.conn.execute(orm.vehicle_tracks.delete())


class SqlAlerts(_Repo):
    """Alerts and their lives; one open alert per condition (``open_key``)."""

    def open(self) -> dict[str, dict[str, Any]]:
        a = orm.alerts
        q = select(a).where(a.c.open_key.is_not(None))
        return {r.open_key: _row(r) for r in self.conn.execute(q)}

    def raise_(self, key: str, values: dict[str, Any]) -> dict[str, Any] | None:
        """Insert an open alert unless one is open for ``key``; the new row, or None."""
        stmt = (
            _insert(self.conn, orm.alerts)
            .values(open_key=key, state="raised", raised_at=self.now(), **values)
            .on_conflict_do_nothing(index_elements=["open_key"])
            .returning(*orm.alerts.c)
        )
        row = self.conn.execute(stmt).first()
        return None if row is None else _row(row)

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
        return None if row is None else _row(row)

    def list(self, state: str | None = None, vehicle: str | None = None) -> list[dict[str, Any]]:
        a = orm.alerts
        q = select(a).order_by(a.c.id)
        if state is not None:
            q = q.where(a.c.state == state)
        if vehicle is not None:
            q = q.where(a.c.vehicle == vehicle)
        return [_row(r) for r in self.conn.execute(q)]


class SqlDevices(_Repo):
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
        stmt = _insert(self.conn, d).values(**values)
        stmt = stmt.on_conflict_do_update(
            index_elements=["device_id"],
            set_={k: stmt.excluded[k] for k in values if k != "device_id"},
        )
        self.conn.execute(stmt)

    def by_key(self, key_hash: str) -> dict[str, Any] | None:
        d = orm.devices
        q = select(d).where(d.c.key_hash == key_hash, d.c.revoked_at.is_(None))
        row = self.conn.execute(q).first()
        return None if row is None else _row(row)

    def list(self) -> list[dict[str, Any]]:
        d = orm.devices
        q = select(d.c.device_id, d.c.vehicle, d.c.created_at, d.c.revoked_at)
        return [_row(r) for r in self.conn.execute(q.order_by(d.c.device_id))]

    def revoke(self, device_id: str) -> bool:
        d = orm.devices
        res = self.conn.execute(
            update(d)
            .where(d.c.device_id == device_id, d.c.revoked_at.is_(None))
            .values(revoked_at=self.now())
        )
        return bool(res.rowcount)


class SqlCheckIns(_Repo):
    def add(self, c: CheckIn, user_id: int) -> tuple[int, bool]:
        stmt = (
            _insert(self.conn, orm.checkins)
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

    def list(self, vehicle: str | None = None) -> list[CheckIn]:
        q = select(orm.checkins).order_by(orm.checkins.c.id)
        if vehicle is not None:
            q = q.where(orm.checkins.c.vehicle == vehicle)
        return [
            CheckIn(
                r.client_id,
                r.kind,
                r.vehicle,
                r.place,
                utc(r.at) or self.now(),
                dict(r.people),
                tuple(r.evacuees),
            )
            for r in self.conn.execute(q)
        ]


class SqlIncidents(_Repo):
    def add(self, i: Incident, user_id: int) -> tuple[int, bool]:
        stmt = (
            _insert(self.conn, orm.incidents)
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
        return [_row(r) for r in self.conn.execute(q)]


class SqlNotifications(_Repo):
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
        out = _row(row)
        out["acknowledgements"] = self._acks([notification_id]).get(notification_id, [])
        return out

    def list(self, party: str | None = None) -> list[dict[str, Any]]:
        q = select(orm.notifications).order_by(orm.notifications.c.id)
        rows = [_row(r) for r in self.conn.execute(q)]
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
            _insert(self.conn, orm.acknowledgements)
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


class SqlEvacuees(_Repo):
    def add(self, record: dict[str, Any]) -> tuple[int, bool]:
        stmt = (
            _insert(self.conn, orm.evacuees)
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

    def get(self, evacuee_id: int) -> dict[str, Any] | None:
        row = self.conn.execute(select(orm.evacuees).where(orm.evacuees.c.id == evacuee_id)).first()
        return None if row is None else _row(row)

    def list(self, vehicle: str | None = None) -> list[dict[str, Any]]:
        q = select(orm.evacuees).order_by(orm.evacuees.c.id)
        if vehicle is not None:
            q = q.where(orm.evacuees.c.vehicle == vehicle)
        return [_row(r) for r in self.conn.execute(q)]

    def set_fields(self, evacuee_id: int, **values: Any) -> None:
        self.conn.execute(
            update(orm.evacuees).where(orm.evacuees.c.id == evacuee_id).values(**values)
        )


class SqlScenarios(_Repo):
    def add(self, name: str, source: str, base_dir: str, user_id: int) -> int:
        row = self.conn.execute(
            insert(orm.scenarios)
            .values(
                name=name, source=source, base_dir=base_dir, created_at=self.now(), user_id=user_id
            )
            .returning(orm.scenarios.c.id)
        )
        return int(row.scalar_one())

    def get(self, scenario_id: int) -> dict[str, Any] | None:
        row = self.conn.execute(
            select(orm.scenarios).where(orm.scenarios.c.id == scenario_id)
        ).first()
        return None if row is None else _row(row)

    def list(self) -> list[dict[str, Any]]:
        s = orm.scenarios
        q = select(
            s.c.id,
            s.c.name,
            s.c.created_at,
            s.c.user_id,
            s.c.instance.is_not(None).label("compiled"),
        )
        return [_row(r) for r in self.conn.execute(q.order_by(s.c.id))]

    def set_fields(self, scenario_id: int, **values: Any) -> None:
        self.conn.execute(
            update(orm.scenarios).where(orm.scenarios.c.id == scenario_id).values(**values)
        )


class SqlPlans(_Repo):
    def add(self, scenario_id: int, params: dict[str, Any], user_id: int) -> int:
        row = self.conn.execute(
            insert(orm.plans)
            .values(
                scenario_id=scenario_id,
                status="queued",
                progress=0.0,
                params=params,
                created_at=self.now(),
                user_id=user_id,
            )
            .returning(orm.plans.c.id)
        )
        return int(row.scalar_one())

    def get(self, plan_id: int) -> dict[str, Any] | None:
        row = self.conn.execute(select(orm.plans).where(orm.plans.c.id == plan_id)).first()
        return None if row is None else _row(row)

    def list(self) -> list[dict[str, Any]]:
        p = orm.plans
        q = select(
            p.c.id,
            p.c.scenario_id,
            p.c.status,
            p.c.progress,
            p.c.score,
            p.c.upper_bound,
            p.c.error,
            p.c.created_at,
            p.c.finished_at,
        ).order_by(p.c.id)
        return [_row(r) for r in self.conn.execute(q)]

    def set_fields(self, plan_id: int, **values: Any) -> None:
        self.conn.execute(update(orm.plans).where(orm.plans.c.id == plan_id).values(**values))

    def latest_done(self) -> dict[str, Any] | None:
        q = select(orm.plans).where(orm.plans.c.status == "done").order_by(orm.plans.c.id.desc())
        row = self.conn.execute(q.limit(1)).first()
        return None if row is None else _row(row)


class SqlSimulations(_Repo):
    def add(self, plan_id: int, params: dict[str, Any], user_id: int) -> int:
        row = self.conn.execute(
            insert(orm.simulations)
            .values(
                plan_id=plan_id,
                status="queued",
                progress=0.0,
                params=params,
                created_at=self.now(),
                user_id=user_id,
            )
            .returning(orm.simulations.c.id)
        )
        return int(row.scalar_one())

    def get(self, sim_id: int) -> dict[str, Any] | None:
        q = select(orm.simulations).where(orm.simulations.c.id == sim_id)
        row = self.conn.execute(q).first()
        return None if row is None else _row(row)

    def list(self, plan_id: int | None = None) -> list[dict[str, Any]]:
        s = orm.simulations
        q = select(*(c for c in s.c if c.name != "summary")).order_by(s.c.id)
        if plan_id is not None:
            q = q.where(s.c.plan_id == plan_id)
        return [_row(r) for r in self.conn.execute(q)]

    def set_fields(self, sim_id: int, **values: Any) -> None:
        q = update(orm.simulations).where(orm.simulations.c.id == sim_id).values(**values)
        self.conn.execute(q)


class SqlDrafts(_Repo):
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
        return None if row is None else _row(row)

    def list(self) -> list[dict[str, Any]]:
        return [_row(r) for r in self.conn.execute(select(orm.drafts).order_by(orm.drafts.c.id))]

    def set_fields(self, draft_id: int, **values: Any) -> None:
        self.conn.execute(
            update(orm.drafts)
            .where(orm.drafts.c.id == draft_id)
            .values(updated_at=self.now(), **values)
        )


def _row(row: Any) -> dict[str, Any]:
    out = dict(row._mapping)
    for k, v in out.items():
        if isinstance(v, datetime):
            out[k] = utc(v)
    return out


def notify_payload(e: Event) -> str:
    """The NOTIFY payload for one event: the whole event, or only its id when too long."""
    full = json.dumps(
        {"id": e.id, "topic": e.topic, "vehicle": e.vehicle, "party": e.party, "data": e.data},
        default=str,
        separators=(",", ":"),
    )
    return full if len(full) < 7000 else json.dumps({"id": e.id, "fetch": True})
