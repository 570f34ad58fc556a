"""The facts the public texts are made of: signed terms, scenario places, the published plan.

Only the version both parties signed is ever used (the caller takes it from the log's replayed
state); the scenario gives place names and its ``public`` section (languages, contact, CAP
sender); the plan in force (the newest published version), when there is one and it is that
scenario's, gives the departures per gathering point and the crossings of each checkpoint
(vehicle ids and headcounts, no names). A plan made and not published is never announced.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import yaml

from corridor.errors import InputError
from corridor.publishing.facts import Crossing, Place, PublicFacts
from corridor.services.errors import Conflict, NotFound
from corridor.services.scenarios import compiled_row

if TYPE_CHECKING:
    from corridor.domain.agreement import CorridorState
    from corridor.scenario.model import PublicInfo
    from corridor.services.unit_of_work import UnitOfWork


def scenario_row(uow: UnitOfWork, scenario_id: int | None) -> dict[str, Any]:
    """The scenario ``scenario_id``, or the newest compiled one (inside an open ``uow``)."""
    if scenario_id is None:
        listed = [s for s in uow.scenarios.list() if s["compiled"]]
        if not listed:
            raise NotFound("scenario", "newest (none uploaded)")
        scenario_id = int(listed[-1]["id"])
    return compiled_row(uow.scenarios.get(scenario_id), scenario_id)


def public_info(row: dict[str, Any]) -> PublicInfo:
    from pydantic import ValidationError

    from corridor.scenario.model import PublicInfo

    raw = yaml.safe_load(row["source"]) or {}
    try:
        return PublicInfo.model_validate(raw.get("public") or {})
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"])
        raise InputError(
            f"scenario {row['id']}: public.{where}", f"{err.get('input')!r}: {err['msg']}"
        ) from None


def signed_version(state: CorridorState) -> tuple[int, dict[str, Any]]:
    """The latest version both parties accepted; Conflict while there is none."""
    for version in reversed(state.versions):
        if all(state.acceptances.get(r) == version.hash for r in ("party_a", "party_b")):
            return version.number, version.document
    raise Conflict(f"corridors/{state.corridor}", "no version is signed by both parties yet")


def places_of(row: dict[str, Any], kind: str) -> list[Place]:
    return [
        Place(ident, str(p.get("name") or ident), float(p["lon"]), float(p["lat"]))
        for ident, p in (row["places"] or {}).items()
        if p.get("kind") == kind
    ]


def plan_timetable(
    plan: dict[str, Any], origin: str, places: dict[str, Any]
) -> tuple[dict[str, list[dt.datetime]], dict[str, list[str]], list[Crossing]]:
    """Departures per gathering point, checkpoints used per gathering point, every crossing."""
    zero = dt.datetime.fromisoformat(origin)
    departures: dict[str, list[dt.datetime]] = {}
    via: dict[str, list[str]] = {}
    crossings: list[Crossing] = []

    def name(ident: str) -> str:
        return str((places.get(ident) or {}).get("name") or ident)

    for route in plan.get("routes") or []:
        aboard = 0
        boarded_at: list[str] = []
        for stop in route["stops"]:
            at = stop["at"]
            if stop.get("board"):
                aboard += sum(stop["board"].values())
                boarded_at.append(at)
                when = zero + dt.timedelta(minutes=float(stop["depart"]))
                departures.setdefault(at, []).append(when)
            if stop.get("alight"):
                aboard -= sum(stop["alight"].values())
            if "dir" in stop:
                when = zero + dt.timedelta(minutes=float(stop["start"]))
                crossings.append(Crossing(name(at), when, stop["dir"], route["vehicle"], aboard))
                if stop["dir"] == "out":
                    for g in boarded_at:
                        if name(at) not in via.setdefault(g, []):
                            via[g].append(name(at))
                    boarded_at = []
    for times in departures.values():
        times.sort()
    crossings.sort(key=lambda c: (c.checkpoint, c.at))
    return departures, via, crossings


def facts_for(
    uow: UnitOfWork,
    state: CorridorState,
    scenario_id: int | None = None,
    version: tuple[int, dict[str, Any]] | None = None,
) -> PublicFacts:
    """The public facts of a corridor (inside an open ``uow``)."""
    number, document = version or signed_version(state)
    row = scenario_row(uow, scenario_id)
    info = public_info(row)
    departures: dict[str, list[dt.datetime]] = {}
    via: dict[str, list[str]] = {}
    crossings: list[Crossing] = []
    plan = uow.plans.in_force()
    if plan is not None and plan["scenario_id"] == row["id"] and plan["plan"]:
        departures, via, crossings = plan_timetable(plan["plan"], row["origin"], row["places"])
    return PublicFacts(
        corridor=state.corridor,
        version=number,
        document=document,
        gathering=places_of(row, "gathering"),
        receptions=places_of(row, "reception"),
        languages=list(info.languages),
        sender=info.sender,
        contact=info.contact,
        departures=departures,
        via=via,
        crossings=crossings,
    )
