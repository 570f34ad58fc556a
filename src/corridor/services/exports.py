"""Non-personal exports for the partners' tools: HXL tables and the corridor's GeoJSON.

Read from the scenario (places, people listed per class, supplies needed), the published plan
(vehicles, trips, supplies planned) and the check-ins (people boarded per gathering point and
class, arrived per reception centre). A check-in's registry ids are never read.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

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
    if who is not None:
        require(who, "exports.read")
    with uow:
        row = scenario_row(uow, scenario_id)
        plan_row = uow.plans.latest_done()
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
