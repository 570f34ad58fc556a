"""Scenarios, plans, simulations and the publications of a plan (with their sheets)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert, select, update

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


class SqlPlans(SqlRepo):
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
        return None if row is None else row_dict(row)

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
        return [row_dict(r) for r in self.conn.execute(q)]

    def set_fields(self, plan_id: int, **values: Any) -> None:
        self.conn.execute(update(orm.plans).where(orm.plans.c.id == plan_id).values(**values))

    def latest_done(self) -> dict[str, Any] | None:
        q = select(orm.plans).where(orm.plans.c.status == "done").order_by(orm.plans.c.id.desc())
        row = self.conn.execute(q.limit(1)).first()
        return None if row is None else row_dict(row)


class SqlSimulations(SqlRepo):
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
        return None if row is None else row_dict(row)

    def list(self, plan_id: int | None = None) -> list[dict[str, Any]]:
        s = orm.simulations
        q = select(*(c for c in s.c if c.name != "summary")).order_by(s.c.id)
        if plan_id is not None:
            q = q.where(s.c.plan_id == plan_id)
        return [row_dict(r) for r in self.conn.execute(q)]

    def set_fields(self, sim_id: int, **values: Any) -> None:
        q = update(orm.simulations).where(orm.simulations.c.id == sim_id).values(**values)
        self.conn.execute(q)


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
