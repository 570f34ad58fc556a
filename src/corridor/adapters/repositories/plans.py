"""Scenarios, plans, simulations and the publications of a plan (with their sheets).

Plans and simulations are background jobs with a heartbeat: the process that queued one
writes the service clock's time into ``heartbeat_at`` when it queues it, while it waits and
while it runs (``services.plans.Heartbeat``). A queued or running job whose heartbeat is
older than :data:`STALE_AFTER` is given up on: its process is gone (stopped, killed, or hung
that long). Every read shows it ``failed`` ("interrupted"), and its runner, should it come back,
can no longer write it (:meth:`_Jobs.set_alive` refuses), so that it never turns ``done``
after it was shown failed. A job that writes no heartbeat (a replan, solved inside its
request) is never given up on this way.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from sqlalchemy import Table, insert, select, update

from corridor.adapters import orm
from corridor.adapters.repositories.base import SqlRepo, row_dict


class SqlScenarios(SqlRepo):
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
        return None if row is None else row_dict(row)

    def list(self) -> list[dict[str, Any]]:
        s = orm.scenarios
        q = select(
            s.c.id,
            s.c.name,
            s.c.created_at,
            s.c.user_id,
            s.c.instance.is_not(None).label("compiled"),
        )
        return [row_dict(r) for r in self.conn.execute(q.order_by(s.c.id))]

    def set_fields(self, scenario_id: int, **values: Any) -> None:
        self.conn.execute(
            update(orm.scenarios).where(orm.scenarios.c.id == scenario_id).values(**values)
        )


#: A queued or running job whose heartbeat is older than this (the service clock's time) is
#: given up on. Runners write it every few seconds (``services.plans.BEAT_SECONDS``); the margin
#: covers a slow database, a busy machine and clocks a little apart between servers.
STALE_AFTER = dt.timedelta(seconds=60)
ACTIVE = ("queued", "running")


def interrupted(during: str, heartbeat: dt.datetime) -> str:
    """The error of a job given up on."""
    at = heartbeat.isoformat(timespec="seconds")
    return f"interrupted: the server stopped during {during} (no heartbeat since {at})"


class _Jobs(SqlRepo):
    """What plans and simulations share as background jobs: the heartbeat and giving up."""

    table: ClassVar[Table]
    during: ClassVar[str]

    def _add(self, values: dict[str, Any], heartbeat: bool) -> int:
        now = self.now()
        values.update(status="queued", progress=0.0, created_at=now)
        if heartbeat:
            values["heartbeat_at"] = now
        row = self.conn.execute(insert(self.table).values(**values).returning(self.table.c.id))
        return int(row.scalar_one())

    def _alive(self) -> Any:
        """Queued or running, with a heartbeat that is not stale."""
        t = self.table
        return t.c.status.in_(ACTIVE) & (t.c.heartbeat_at >= self.now() - STALE_AFTER)

    def _presented(self, row: dict[str, Any]) -> dict[str, Any]:
        """The row as everyone sees it: ``failed`` once its heartbeat is stale, whether or not
        that was written yet (without the heartbeat itself)."""
        at = row.pop("heartbeat_at", None)
        if row["status"] in ACTIVE and at is not None and at < self.now() - STALE_AFTER:
            row.update(status="failed", error=interrupted(self.during, at), finished_at=at)
        return row

    def set_fields(self, ident: int, **values: Any) -> None:
        self.conn.execute(update(self.table).where(self.table.c.id == ident).values(**values))

    def set_alive(self, ident: int, **values: Any) -> bool:
        """A runner's write to its job, with a fresh heartbeat; False (nothing written) when the
        job was given up on or ended meanwhile."""
        q = update(self.table).where(self.table.c.id == ident, self._alive())
        return bool(self.conn.execute(q.values(heartbeat_at=self.now(), **values)).rowcount)

    def beat(self, ids: list[int]) -> int:
        """Write now as the heartbeat of those of ``ids`` still alive; returns how many."""
        if not ids:
            return 0
        q = update(self.table).where(self.table.c.id.in_(ids), self._alive())
        return int(self.conn.execute(q.values(heartbeat_at=self.now())).rowcount)

    def give_up(self) -> list[int]:
        """Write ``failed`` ("interrupted") into every job given up on; returns their ids."""
        t = self.table
        cutoff = self.now() - STALE_AFTER
        stale = t.c.status.in_(ACTIVE) & (t.c.heartbeat_at < cutoff)
        out = []
        for row in self.conn.execute(select(t.c.id, t.c.heartbeat_at).where(stale)).all():
            at = row_dict(row)["heartbeat_at"]
            q = update(t).where(t.c.id == row.id, stale)
            values = {"status": "failed", "error": interrupted(self.during, at), "finished_at": at}
            if self.conn.execute(q.values(**values)).rowcount:
                out.append(int(row.id))
        return out


class SqlPlans(_Jobs):
    table = orm.plans
    during = "planning"

    def add(
        self, scenario_id: int, params: dict[str, Any], user_id: int, *, heartbeat: bool = False
    ) -> int:
        """A queued plan; ``heartbeat``: its runner keeps it fresh (see the module)."""
        values = {"scenario_id": scenario_id, "params": params, "user_id": user_id}
        return self._add(values, heartbeat)

    def get(self, plan_id: int) -> dict[str, Any] | None:
        row = self.conn.execute(select(orm.plans).where(orm.plans.c.id == plan_id)).first()
        return None if row is None else self._presented(row_dict(row))

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
            p.c.heartbeat_at,
        ).order_by(p.c.id)
        return [self._presented(row_dict(r)) for r in self.conn.execute(q)]

    def in_force(self) -> dict[str, Any] | None:
        """The plan of the newest publication (the plan in force), with that version's id as
        ``plan_version``; None while nothing is published."""
        pub = orm.publications
        q = (
            select(orm.plans, pub.c.id.label("plan_version"))
            .join(pub, pub.c.plan_id == orm.plans.c.id)
            .order_by(pub.c.id.desc())
            .limit(1)
        )
        row = self.conn.execute(q).first()
        return None if row is None else self._presented(row_dict(row))


class SqlSimulations(_Jobs):
    table = orm.simulations
    during = "the simulation"

    def add(
        self, plan_id: int, params: dict[str, Any], user_id: int, *, heartbeat: bool = False
    ) -> int:
        """A queued simulation; ``heartbeat``: its runner keeps it fresh (see the module)."""
        return self._add({"plan_id": plan_id, "params": params, "user_id": user_id}, heartbeat)

    def get(self, sim_id: int) -> dict[str, Any] | None:
        q = select(orm.simulations).where(orm.simulations.c.id == sim_id)
        row = self.conn.execute(q).first()
        return None if row is None else self._presented(row_dict(row))

    def list(self, plan_id: int | None = None) -> list[dict[str, Any]]:
        s = orm.simulations
        q = select(*(c for c in s.c if c.name != "summary")).order_by(s.c.id)
        if plan_id is not None:
            q = q.where(s.c.plan_id == plan_id)
        return [self._presented(row_dict(r)) for r in self.conn.execute(q)]


class SqlPublications(SqlRepo):
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
        return None if row is None else row_dict(row)

    def get(self, publication_id: int) -> dict[str, Any] | None:
        q = select(orm.publications).where(orm.publications.c.id == publication_id)
        row = self.conn.execute(q).first()
        return None if row is None else row_dict(row)

    def list(self) -> list[dict[str, Any]]:
        q = select(orm.publications).order_by(orm.publications.c.id)
        return [row_dict(r) for r in self.conn.execute(q)]

    def sheets(self, publication_id: int, vehicle: str | None = None) -> list[dict[str, Any]]:
        t = orm.trip_sheets
        q = select(t.c.sheet).where(t.c.publication_id == publication_id).order_by(t.c.id)
        if vehicle is not None:
            q = q.where(t.c.vehicle == vehicle)
        return [dict(r.sheet) for r in self.conn.execute(q)]
