"""Non-personal counts: HXL tables and the corridor's GeoJSON for the partners' tools, and the
progress of the operation (``GET /v1/progress``).

Read from the scenario (places, people listed per class, supplies needed), the plan in force
(vehicles, trips, supplies and people planned: its newest published version, never a plan
made since and not published) and the check-ins (people boarded per gathering point and
class, arrived per reception centre). A check-in's registry ids are never read.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any

from corridor.domain.access import Role
from corridor.publishing.hxl import (
    Table,
    arrivals_table,
    corridor_geojson,
    people_table,
    supplies_table,
    vehicles_table,
)
from corridor.services.accounts import require
from corridor.services.public_facts import places_of, scenario_row, signed_version
from corridor.services.reconciliation import checkins_counted

if TYPE_CHECKING:
    from corridor.domain.access import Principal
    from corridor.domain.agreement import CorridorState
    from corridor.services.unit_of_work import UnitOfWork

TABLES = ("people", "arrivals", "vehicles", "supplies")


def _add(into: dict[str, dict[str, int]], place: str, people: dict[str, int]) -> None:
    row = into.setdefault(place, {})
    for cls, n in people.items():
        row[cls] = row.get(cls, 0) + int(n)


def tables(uow: UnitOfWork, who: Principal | None, scenario_id: int | None = None) -> list[Table]:
    """The HXL tables; the vehicles and what they deliver are the plan in force's (none while
    nothing is published, or when it is another scenario's)."""
    if who is not None:
        require(who, "exports.read")
    with uow:
        row = scenario_row(uow, scenario_id)
        plan_row = uow.plans.in_force()
        checkins = checkins_counted(uow)  # a late retry counts nobody (reconciliation)
    instance = row["instance"]
    plan = plan_row["plan"] if plan_row and plan_row["scenario_id"] == row["id"] else None
    planned = {g["id"]: dict(g["people"]) for g in instance["gathering"]}
    boarded: dict[str, dict[str, int]] = {}
    arrived: dict[str, dict[str, int]] = {}
    for c in checkins:
        _add(boarded if c.kind == "boarding" else arrived, c.place, c.people)
    gathering = places_of(row, "gathering")
    return [
        people_table(gathering, planned, boarded),
        arrivals_table(
            places_of(row, "reception"),
            {r["id"]: int(r["capacity"]) for r in instance["receptions"]},
            arrived,
        ),
        vehicles_table(plan),
        supplies_table(
            gathering, {g["id"]: float(g.get("needs_kg") or 0) for g in instance["gathering"]}, plan
        ),
    ]


def geojson(
    uow: UnitOfWork, who: Principal | None, state: CorridorState, scenario_id: int | None = None
) -> dict[str, Any]:
    """The corridor both parties signed, with its checkpoints and the gathering points."""
    if who is not None:
        require(who, "exports.read")
    number, document = signed_version(state)
    with uow:
        row = scenario_row(uow, scenario_id)
    return corridor_geojson(state.corridor, number, document, places_of(row, "gathering"))


def progress(uow: UnitOfWork, who: Principal) -> dict[str, Any]:
    """Evacuated so far by class against the plan in force; people at each point (of the plan
    in force's scenario, else of the newest compiled one: the situation before any plan).
    Before any publication: ``plan`` None and nothing ``planned``."""
    from corridor.services.registry_checks import operation_scenario_id

    require(who, "counts.read")
    with uow:
        plan = uow.plans.in_force()
        checkins = checkins_counted(uow)  # a late retry counts nobody (reconciliation)
        sid = plan["scenario_id"] if plan else operation_scenario_id(uow)
        scenario = uow.scenarios.get(sid) if sid is not None else None
    boarded: Counter[str] = Counter()
    arrived: Counter[str] = Counter()
    aboard: Counter[str] = Counter()
    boarded_at: Counter[str] = Counter()
    arrived_at: Counter[str] = Counter()
    for c in checkins:
        n = sum(c.people.values())
        if c.kind == "boarding":
            boarded.update(c.people)
            aboard[c.vehicle] += n
            boarded_at[c.place] += n
        else:
            arrived.update(c.people)
            aboard[c.vehicle] -= n
            arrived_at[c.place] += n
    waiting = {}
    if scenario and scenario["instance"]:
        for g in scenario["instance"]["gathering"]:
            waiting[g["id"]] = max(0, sum(g["people"].values()) - boarded_at[g["id"]])
    planned = (plan["report"] or {}).get("check", {}).get("evacuated", {}) if plan else {}
    if who.role is Role.DRIVER:
        aboard = Counter({k: v for k, v in aboard.items() if k == who.vehicle})
    return {
        "plan": plan["id"] if plan else None,
        "planned": planned,
        "boarded": dict(boarded),
        "evacuated": dict(arrived),
        "aboard": {k: v for k, v in aboard.items() if v},
        "waiting": waiting,
        "arrived_at": dict(arrived_at),
    }
