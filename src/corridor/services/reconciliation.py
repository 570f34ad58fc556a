"""Use case: reconciliation per vehicle and per person, and the alerts that keep anyone from
being lost.

Boarding check-ins name registered evacuees (by registry id) and count everyone by class (walk-
ins only by count); arrival check-ins at a reception centre do the same. A person's status only
moves forward, registered → boarded → arrived: the check-ins are replayed in the order the
server stored them, and one that would move a person back (a boarding retry delivered after
the arrival) is kept in the history and shown, never applied.

Alerts: ``short_arrival`` when a vehicle has finished setting down a trip's people (its last
planned reception of the trip) with fewer arrived than boarded; ``missing_person`` when a
boarded person has not arrived ``missing_min`` minutes after their vehicle's arrival;
``household_split`` when members of one registered household boarded different vehicles.
Liaisons (and observers) get counts only.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from corridor.domain.access import HUMANITARIAN, Principal, Role
from corridor.domain.tracking import Condition, forward
from corridor.services import alerts
from corridor.services.accounts import require
from corridor.services.live_plan import params_of, plan_in_force

if TYPE_CHECKING:
    from corridor.domain.operations import CheckIn
    from corridor.services.unit_of_work import UnitOfWork


@dataclass
class Person:
    id: int
    household: str
    people_class: str
    status: str = "registered"
    vehicle: str | None = None
    boarded_at: dt.datetime | None = None
    arrived_at: dt.datetime | None = None
    history: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class VehicleTally:
    vehicle: str
    boarded: Counter[str] = field(default_factory=Counter)
    arrived: Counter[str] = field(default_factory=Counter)
    arrivals: list[CheckIn] = field(default_factory=list)
    boardings: list[CheckIn] = field(default_factory=list)
    #: (time, people counted) of each boarding: a late retry counts nobody again.
    boarded_when: list[tuple[dt.datetime, int]] = field(default_factory=list)


def replay(
    checkins: list[CheckIn], evacuees: list[dict[str, Any]]
) -> tuple[dict[int, Person], dict[str, VehicleTally]]:
    """People and vehicles from the check-ins in stored order, statuses only forward."""
    people = {
        int(e["id"]): Person(int(e["id"]), str(e["household"]), str(e["people_class"]))
        for e in evacuees
    }
    vehicles: dict[str, VehicleTally] = {}
    for c in checkins:
        v = vehicles.setdefault(c.vehicle, VehicleTally(c.vehicle))
        proposed = "boarded" if c.kind == "boarding" else "arrived"
        # A named person the check-in cannot move forward (already there: a late retry) is
        # not counted again in the vehicle's tally.
        counted = Counter(c.people)
        for pid in c.evacuees:
            p = people.get(int(pid))
            if p is not None and not forward(p.status, proposed):
                counted[p.people_class] = max(0, counted[p.people_class] - 1)
        (v.boarded if c.kind == "boarding" else v.arrived).update(counted)
        (v.boardings if c.kind == "boarding" else v.arrivals).append(c)
        if c.kind == "boarding":
            v.boarded_when.append((c.at, sum(counted.values())))
        for pid in c.evacuees:
            p = people.get(int(pid))
            if p is None:
                continue
            applied = forward(p.status, proposed)
            p.history.append(
                {
                    "kind": c.kind,
                    "vehicle": c.vehicle,
                    "place": c.place,
                    "at": c.at.isoformat(),
                    "client_id": c.client_id,
                    "applied": applied,
                    "note": ""
                    if applied
                    else f"kept, not applied: the person is already {p.status}",
                }
            )
            if applied:
                p.status = proposed
                if proposed == "boarded":
                    p.vehicle, p.boarded_at = c.vehicle, c.at
                else:
                    p.vehicle = p.vehicle or c.vehicle
                    p.arrived_at = c.at
    return people, vehicles


def _trip_done(sheet: dict[str, Any] | None, arrivals: list[CheckIn]) -> bool:
    """Whether the vehicle's last arrival is its trip's last planned reception (True when the
    plan does not say: then every arrival is judged)."""
    if sheet is None or not arrivals:
        return True
    stops = sheet["stops"]
    index = -1
    for c in arrivals:
        nxt = next(
            (
                i
                for i in range(index + 1, len(stops))
                if stops[i]["place"] == c.place and stops[i]["deliver"]
            ),
            None,
        )
        if nxt is None:
            return True
        index = nxt
    for s in stops[index + 1 :]:
        if s.get("dir") == "in" or s["board"]:
            return True
        if s["deliver"]:
            return False
    return True


def _arrival_after(tally: VehicleTally | None, boarded: dt.datetime | None) -> dt.datetime | None:
    """When the vehicle a person boarded first set people down after that boarding."""
    if tally is None or boarded is None:
        return None
    return min((c.at for c in tally.arrivals if c.at >= boarded), default=None)


def _state(uow: UnitOfWork) -> tuple[dict[int, Person], dict[str, VehicleTally], dict[str, Any]]:
    checkins = list(uow.checkins.list(None))
    evacuees = list(uow.evacuees.list())
    people, vehicles = replay(checkins, evacuees)
    sheets: dict[str, Any] = {}
    if uow.publications is not None:
        plan = plan_in_force(uow)
        if plan is not None:
            sheets = {v: {"stops": stops} for v, stops in plan.stops.items()}
    return people, vehicles, sheets


def evaluate(uow: UnitOfWork) -> int:
    """Raise or clear the reconciliation alerts in the open transaction (no commit)."""
    if uow.alerts is None:
        return 0
    params = params_of(uow)
    now = uow.clock()
    people, vehicles, sheets = _state(uow)
    judged: list[alerts.Judged] = []
    for v in vehicles.values():
        if not v.arrivals:
            continue
        last = max(c.at for c in v.arrivals)
        boarded = sum(n for at, n in v.boarded_when if at <= last)
        arrived = sum(v.arrived.values())
        short = boarded > arrived and _trip_done(sheets.get(v.vehicle), v.arrivals)
        judged.append(
            alerts.Judged(
                Condition(
                    "short_arrival",
                    short,
                    f"{v.vehicle} set down {arrived} people; {boarded} boarded",
                    {"boarded": boarded, "arrived": arrived, "missing": boarded - arrived},
                ),
                v.vehicle,
            )
        )
    households: dict[str, set[str]] = {}
    for p in people.values():
        if p.status == "registered":
            continue
        if p.vehicle is not None:
            households.setdefault(p.household, set()).add(p.vehicle)
        if p.boarded_at is None:
            continue
        arrival = _arrival_after(vehicles.get(p.vehicle or ""), p.boarded_at)
        waited = (now - arrival).total_seconds() / 60 if arrival is not None else 0.0
        missing = p.status == "boarded" and arrival is not None and waited >= params.missing_min
        judged.append(
            alerts.Judged(
                Condition(
                    "missing_person",
                    missing,
                    f"person {p.id} boarded {p.vehicle} and has not been checked in on arrival "
                    f"{waited:.0f} min after the vehicle arrived",
                    {"person": p.id, "unaccounted_min": round(waited, 1)},
                ),
                p.vehicle,
                p.id,
            )
        )
    for household, used in households.items():
        judged.append(
            alerts.Judged(
                Condition(
                    "household_split",
                    len(used) > 1,
                    f"a household boarded {len(used)} different vehicles: "
                    + ", ".join(sorted(used)),
                    {"household": household, "vehicles": sorted(used)},
                    subject=household,
                ),
            )
        )
    pub = uow.publications.current() if uow.publications is not None else None
    return len(alerts.apply(uow, judged, pub["id"] if pub else None))


def view(uow: UnitOfWork, who: Principal) -> dict[str, Any]:
    """Per vehicle: boarded, arrived, unaccounted by class and since when; per person (the
    humanitarian roles): status, vehicle, times, history with any check-in kept but not
    applied. A driver sees its own vehicle; liaisons and observers counts only."""
    require(who, "counts.read")
    with uow:
        people, vehicles, _ = _state(uow)
        now = uow.clock()
    personal = who.role in HUMANITARIAN
    out_vehicles = []
    for name in sorted(vehicles):
        if who.role is Role.DRIVER and name != who.vehicle:
            continue
        v = vehicles[name]
        last = max((c.at for c in v.arrivals), default=None)
        unaccounted = {
            k: v.boarded[k] - v.arrived[k] for k in v.boarded if v.boarded[k] > v.arrived[k]
        }
        out_vehicles.append(
            {
                "vehicle": name,
                "boarded": dict(v.boarded),
                "arrived": dict(v.arrived),
                "unaccounted": unaccounted,
                "arrived_at": None if last is None else last.isoformat(),
                "unaccounted_min": round((now - last).total_seconds() / 60, 1)
                if last is not None and unaccounted
                else None,
            }
        )
    out: dict[str, Any] = {"vehicles": out_vehicles}
    statuses = Counter(p.status for p in people.values())
    out["people"] = {
        "registered": statuses["registered"],
        "boarded": statuses["boarded"],
        "arrived": statuses["arrived"],
    }
    if personal:
        rows = []
        for p in people.values():
            arrival = _arrival_after(vehicles.get(p.vehicle or ""), p.boarded_at)
            rows.append(
                {
                    "id": p.id,
                    "household": p.household,
                    "class": p.people_class,
                    "status": p.status,
                    "vehicle": p.vehicle,
                    "boarded_at": p.boarded_at.isoformat() if p.boarded_at else None,
                    "arrived_at": p.arrived_at.isoformat() if p.arrived_at else None,
                    "unaccounted_min": round((now - arrival).total_seconds() / 60, 1)
                    if p.status == "boarded" and arrival is not None
                    else None,
                    "history": p.history,
                    "conflicts": sum(1 for h in p.history if not h["applied"]),
                }
            )
        out["persons"] = rows
        out["unaccounted"] = [r["id"] for r in rows if r["unaccounted_min"] is not None]
    return out
