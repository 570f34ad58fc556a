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

import bisect
import datetime as dt
import threading
from collections import Counter
from dataclasses import dataclass, field
from dataclasses import replace as dc_replace
from typing import TYPE_CHECKING, Any

from corridor.domain.access import HUMANITARIAN, Principal, Role
from corridor.domain.tracking import Condition, forward
from corridor.services import alerts
from corridor.services.accounts import require
from corridor.services.arrival_counts import StopCounts, trip_done
from corridor.services.live_plan import db_key, params_of, plan_in_force

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
    #: (time, people counted) of each boarding, in time order: a late retry counts nobody.
    boarded_when: list[tuple[dt.datetime, int]] = field(default_factory=list)
    boarded_total: int = 0
    arrival_times: list[dt.datetime] = field(default_factory=list)  # in time order
    #: (arrivals judged, stops judged against, whether the trip was done) of trip_done
    trip_done: tuple[int, int, bool] | None = None
    stops: StopCounts = field(default_factory=StopCounts)  # each arrival counted once

    def copy(self) -> VehicleTally:
        """A copy to take more check-ins into (the kept one may be read meanwhile)."""
        return VehicleTally(
            self.vehicle,
            Counter(self.boarded),
            Counter(self.arrived),
            list(self.arrivals),
            list(self.boardings),
            list(self.boarded_when),
            self.boarded_total,
            list(self.arrival_times),
            self.trip_done,
            self.stops.copy(),
        )


def replay(
    checkins: list[CheckIn], evacuees: list[dict[str, Any]]
) -> tuple[dict[int, Person], dict[str, VehicleTally]]:
    """People and vehicles from the check-ins in stored order, statuses only forward."""
    people = _people(evacuees)
    vehicles: dict[str, VehicleTally] = {}
    for c in checkins:
        _take(c, people, vehicles)
    return people, vehicles


def _take(c: CheckIn, people: dict[int, Person], vehicles: dict[str, VehicleTally]) -> None:
    """One more check-in into the replay."""
    v = vehicles.setdefault(c.vehicle, VehicleTally(c.vehicle))
    counted = _apply(c, people)
    if c.kind == "boarding":
        v.boarded.update(counted)
        v.boardings.append(c)
        bisect.insort(v.boarded_when, (c.at, sum(counted.values())), key=lambda b: b[0])
        v.boarded_total += sum(counted.values())
        return
    # The driver's count of a stop reception also counted gives way to reception's.
    added, gone, kept = v.stops.take(c, counted, c)
    for d, n in gone:
        v.arrived -= n
        v.arrivals.remove(d)
    v.arrived.update(added)
    if kept:
        v.arrivals.append(c)
    bisect.insort(v.arrival_times, c.at)


@dataclass
class _Replayed:
    """The replay of the stored check-ins up to id ``last_id`` (``count`` of them, the last
    one ``last`` by vehicle and client id), kept by this process for its database."""

    last_id: int = 0
    count: int = 0
    last: tuple[str, str] | None = None
    last_person: int = 0  # the highest registry id taken in
    people: dict[int, Person] = field(default_factory=dict)
    vehicles: dict[str, VehicleTally] = field(default_factory=dict)

    def shallow(self) -> _Replayed:
        """A copy sharing every person and vehicle (copied in turn when a check-in changes
        them: see :func:`_take_own`), so the kept one stays as it was while it is read."""
        return _Replayed(
            self.last_id,
            self.count,
            self.last,
            self.last_person,
            dict(self.people),
            dict(self.vehicles),
        )


_replayed: dict[str, _Replayed] = {}
_lock = threading.Lock()
#: Each evaluation takes in only the check-ins stored since the last one (False: it replays
#: the whole history every time, as it once did; benchmarks/reconciliation.py compares them).
INCREMENTAL = True


def replayed(uow: UnitOfWork) -> tuple[dict[int, Person], dict[str, VehicleTally]]:
    """People and vehicles after every stored check-in (in the open transaction): the replay
    this process keeps, with the check-ins stored since taken in. It starts again from the
    first check-in when what it kept is no longer what is stored (a transaction that stored a
    check-in was rolled back, another one committed an earlier id since, a person was purged):
    the count of check-ins up to its last id and that last one's identity say so."""
    if not INCREMENTAL:
        return replay(list(uow.checkins.list(None)), list(uow.evacuees.list()))
    # by database (an in-memory store without one: by its own object)
    key = db_key(uow) or f"store-{id(uow.checkins)}"
    with _lock:
        hit = _replayed.get(key)
    rows = None
    if hit is not None and uow.checkins.count_upto(hit.last_id) == hit.count:
        rows = uow.checkins.since(max(hit.last_id - 1, 0))
        if hit.last_id:
            first = rows.pop(0) if rows and rows[0][0] == hit.last_id else None
            if first is None or (first[1].vehicle, first[1].client_id) != hit.last:
                rows = None
    if hit is None or rows is None or uow.evacuees.count_upto(hit.last_person) != len(hit.people):
        hit, rows = _Replayed(), uow.checkins.since(0)
    registered = uow.evacuees.classes_since(hit.last_person)
    state = hit.shallow() if rows or registered else hit
    for e in registered:  # registered since (a household and a class never change)
        i = int(e["id"])
        state.people[i] = Person(i, str(e["household"]), str(e["people_class"]))
        state.last_person = max(state.last_person, i)
    owned: set[int] = set()
    for ident, c in rows:
        _take_own(c, state, owned)
        state.last_id, state.count, state.last = ident, state.count + 1, (c.vehicle, c.client_id)
    with _lock:
        _replayed[key] = state
    return state.people, state.vehicles


def _take_own(c: CheckIn, state: _Replayed, owned: set[int]) -> None:
    """:func:`_take` on ``state``, first copying the persons and the vehicle it changes that
    ``state`` still shares with the replay kept before (``owned``: those already copied)."""
    for pid in c.evacuees:
        p = state.people.get(int(pid))
        if p is not None and id(p) not in owned:
            p = state.people[int(pid)] = dc_replace(p, history=list(p.history))
            owned.add(id(p))
    v = state.vehicles.get(c.vehicle)
    if v is not None and id(v) not in owned:
        v = state.vehicles[c.vehicle] = v.copy()
        owned.add(id(v))
    _take(c, state.people, state.vehicles)
    owned.add(id(state.vehicles[c.vehicle]))


def counted(checkins: list[CheckIn], evacuees: list[dict[str, Any]]) -> list[CheckIn]:
    """The check-ins as every count takes them (manifests, progress, reconciliation, the
    after-action report): each one's people less the named persons it did not move forward
    (a boarding retry delivered after the arrival, a second arrival); one that moves nobody
    forward and counts nobody else is left out. The history keeps them all."""
    people = _people(evacuees)
    out: list[CheckIn | None] = []
    stops: dict[str, StopCounts] = {}
    for c in checkins:
        people_counted = _apply(c, people)
        if c.kind == "arrival":  # each stop's arrival counted once (reception's prevails)
            stop = stops.setdefault(c.vehicle, StopCounts())
            _, gone, kept = stop.take(c, people_counted, len(out))
            for i, _ in gone:
                out[i] = None
            if not kept:
                continue
        if sum(people_counted.values()) or not c.evacuees:
            out.append(dc_replace(c, people={k: n for k, n in people_counted.items() if n}))
    return [c for c in out if c is not None]


def _people(evacuees: list[dict[str, Any]]) -> dict[int, Person]:
    return {
        int(e["id"]): Person(int(e["id"]), str(e["household"]), str(e["people_class"]))
        for e in evacuees
    }


def _apply(c: CheckIn, people: dict[int, Person]) -> Counter[str]:
    """Move the persons check-in ``c`` names forward (never back; kept in their history
    either way); returns its people by class less those it did not move forward."""
    proposed = "boarded" if c.kind == "boarding" else "arrived"
    counted = Counter(c.people)
    for pid in c.evacuees:
        p = people.get(int(pid))
        if p is None:
            continue
        applied = forward(p.status, proposed)
        if not applied:
            # already there (a late retry): not counted again
            counted[p.people_class] = max(0, counted[p.people_class] - 1)
        p.history.append(
            {
                "kind": c.kind,
                "vehicle": c.vehicle,
                "place": c.place,
                "at": c.at.isoformat(),
                "client_id": c.client_id,
                "applied": applied,
                "note": "" if applied else f"kept, not applied: the person is already {p.status}",
            }
        )
        if applied:
            p.status = proposed
            if proposed == "boarded":
                p.vehicle, p.boarded_at = c.vehicle, c.at
            else:
                p.vehicle = p.vehicle or c.vehicle
                p.arrived_at = c.at
    return counted


def checkins_counted(uow: UnitOfWork, vehicle: str | None = None) -> list[CheckIn]:
    """The stored check-ins (of ``vehicle``, or all) as the counts take them (:func:`counted`),
    in the caller's open transaction."""
    rows = list(uow.checkins.list(None))
    kept = counted(rows, list(uow.evacuees.list()))
    return kept if vehicle is None else [c for c in kept if c.vehicle == vehicle]


def _trip_done_of(v: VehicleTally, sheet: dict[str, Any] | None) -> bool:
    """:func:`trip_done`, judged again only when an arrival came or the sheet changed."""
    mark = (len(v.arrivals), id(sheet["stops"]) if sheet else 0)
    if v.trip_done is None or v.trip_done[:2] != mark:
        v.trip_done = (*mark, trip_done(sheet, v.arrivals))
    return v.trip_done[2]


def _arrival_after(tally: VehicleTally | None, boarded: dt.datetime | None) -> dt.datetime | None:
    """When the vehicle a person boarded first set people down after that boarding."""
    if tally is None or boarded is None:
        return None
    i = bisect.bisect_left(tally.arrival_times, boarded)
    return tally.arrival_times[i] if i < len(tally.arrival_times) else None


def _state(uow: UnitOfWork) -> tuple[dict[int, Person], dict[str, VehicleTally], dict[str, Any]]:
    people, vehicles = replayed(uow)
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
        last = v.arrival_times[-1]
        boarded = v.boarded_total  # less the boardings after the last arrival (few)
        for at, n in reversed(v.boarded_when):
            if at <= last:
                break
            boarded -= n
        arrived = sum(v.arrived.values())
        short = boarded > arrived and _trip_done_of(v, sheets.get(v.vehicle))
        judged.append(
            alerts.Judged(
                Condition(
                    "short_arrival",
                    short,
                    f"{v.vehicle} set down {arrived} {'person' if arrived == 1 else 'people'}; "
                    f"{boarded} boarded",
                    {"boarded": boarded, "arrived": arrived, "missing": boarded - arrived},
                ),
                v.vehicle,
            )
        )
    # Only what can be active is judged, and what is open (to clear it): an arrived person
    # is never missing; a household is split once two vehicles are named.
    open_rows = uow.alerts.open()
    watched = {r["person"] for r in open_rows.values() if r["kind"] == "missing_person"}
    split = {r["subject"] for r in open_rows.values() if r["kind"] == "household_split"}
    households: dict[str, set[str]] = {}
    for p in people.values():
        if p.status == "registered":
            continue
        if p.vehicle is not None:
            households.setdefault(p.household, set()).add(p.vehicle)
        if p.boarded_at is None or (p.status != "boarded" and p.id not in watched):
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
        if len(used) < 2 and household not in split:
            continue
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
    return len(alerts.apply(uow, judged, pub["id"] if pub else None, open_rows))


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
        last = v.arrival_times[-1] if v.arrival_times else None
        unaccounted = {
            k: v.boarded[k] - v.arrived[k] for k in v.boarded if v.boarded[k] > v.arrived[k]
        }
        out_vehicles.append(
            {
                "vehicle": name,
                "boarded": dict(v.boarded),
                "arrived": dict(v.arrived),
                "unaccounted": unaccounted,
                "arrival_disagreements": v.stops.disagreements,
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
