"""What a new check-in must say to be stored: a vehicle, a place, classes and people of the
operation, and no more people than the vehicle can take.

An arrival is checked against what the vehicle holds, not only against what the counted
boardings put aboard: a driver's boarding may still be on a phone out of reach while reception
checks the people in (by count, or by name: a person not yet boarded by the check-ins is
stored as arrived, and the reconciliation shows the boarding missing). So one arrival sets
down at most the vehicle's room, and at most one trip's room more than the counted boardings.

Checked against the plan in force (:mod:`corridor.services.operation_scope`); before a plan is
published there is nothing to check the vehicle, place and classes against. Only a check-in not
stored yet is checked: a retry (same client id, same body) answers as it did the first time,
even if the vehicle has since filled up.

A check-in outside the published window is stored all the same (people who really boarded must
never be lost): a boarding outside it raises a ``boarding_outside_window`` alert for the
coordinator instead. Arrivals happen outside the zone, where vehicles may move at any time.
"""

from __future__ import annotations

import bisect
from collections import Counter
from dataclasses import replace
from typing import TYPE_CHECKING

from corridor.domain.tracking import Condition, forward, minute_of
from corridor.errors import InputError
from corridor.services import alerts, reconciliation
from corridor.services.arrival_counts import StopCounts
from corridor.services.operation_scope import Scope, scope_of

if TYPE_CHECKING:
    from corridor.domain.access import Principal
    from corridor.domain.operations import CheckIn
    from corridor.services.unit_of_work import UnitOfWork


def check_new(uow: UnitOfWork, who: Principal, c: CheckIn) -> Scope | None:
    """Refuse (:class:`InputError` naming the field and the value sent) a check-in not stored
    yet whose vehicle, place, classes or counts cannot be true. Returns the operation it was
    checked against."""
    scope = scope_of(uow)
    if scope is None:
        return None
    vehicle = scope.vehicles.get(c.vehicle)
    if vehicle is None:
        raise InputError(
            "vehicle", f"{c.vehicle!r} is not a vehicle of the operation's plan", c.vehicle
        )
    places, what = (
        (scope.gathering, "a gathering point")
        if c.kind == "boarding"
        else (scope.receptions, "a reception centre")
    )
    if c.place not in places:
        raise InputError(
            "place",
            f"{c.place!r} is not {what} of the operation: a {c.kind} is checked in at {what} "
            f"({', '.join(sorted(places))})",
            c.place,
        )
    for name in c.people:
        if name not in scope.classes:
            raise InputError(
                f"people.{name}",
                f"{name!r} is not a class of people of the operation "
                f"({', '.join(sorted(scope.classes))})",
                name,
            )
    _check_counts(uow, who, c, scope.classes, (vehicle.seats, vehicle.stretchers))
    return scope


def _counted(c: CheckIn, people: dict[int, reconciliation.Person]) -> Counter[str]:
    """The people ``c`` would count, as the reconciliation counts them: less the named persons
    it would not move forward."""
    counted = Counter(c.people)
    status = "boarded" if c.kind == "boarding" else "arrived"
    for pid in c.evacuees:
        p = people.get(int(pid))
        if p is not None and not forward(p.status, status):
            counted[p.people_class] = max(0, counted[p.people_class] - 1)
    return counted


def _check_counts(
    uow: UnitOfWork, who: Principal, c: CheckIn, classes: dict[str, bool], room: tuple[int, int]
) -> None:
    """A boarding within the seats and stretchers left on its trip, an arrival of no more
    people than are aboard, by the counted check-ins (the reconciliation's replay)."""
    people, vehicles = reconciliation.replayed(uow)
    tally = vehicles.get(c.vehicle)
    counted = _counted(c, people)
    if c.kind == "boarding":
        trip = _trip_boardings(tally, c)
        for stretcher, places, word in ((False, room[0], "seats"), (True, room[1], "stretchers")):

            def on(n: dict[str, int], stretcher: bool = stretcher) -> int:
                return sum(v for k, v in n.items() if classes.get(k, False) is stretcher)

            aboard = sum(on(b.people) for b in trip)
            if on(counted) and aboard + on(counted) > places:
                raise InputError(
                    "people",
                    f"{on(counted)} people for {word} would board {c.vehicle}, which has "
                    f"{places} {word} and {aboard} aboard on this trip: room for "
                    f"{max(0, places - aboard)}",
                    dict(c.people),
                )
        return
    boarded = Counter(tally.boarded) if tally else Counter[str]()
    arrived = Counter(tally.arrived) if tally else Counter[str]()
    # An arrival that would replace the driver's count of the same stop (reception's prevails)
    # takes that count's people back first; one that gives way to reception's counts nobody.
    stops = tally.stops.copy() if tally else StopCounts()
    added, gone, kept = stops.take(replace(c, source=who.role.value), counted)
    aboard = sum(boarded.values()) - sum(arrived.values()) + sum(sum(n.values()) for _, n in gone)
    most = sum(room)
    if sum(counted.values()) > most or (kept and sum(added.values()) > aboard + most):
        raise InputError(
            "people",
            f"{sum(counted.values())} people would arrive from {c.vehicle}, which holds {most} "
            f"and has {aboard} aboard by the check-ins counted so far (at most one trip's "
            "boarding may still be on its way from a phone)",
            dict(c.people),
        )


def _trip_boardings(tally: reconciliation.VehicleTally | None, c: CheckIn) -> list[CheckIn]:
    """The boardings of ``c``'s trip: between the same two arrivals of the vehicle, by their
    times. People of an earlier trip never checked in on arrival are the reconciliation's
    matter (missing, short arrival), not seats taken on this one; a boarding delivered late
    (a phone offline) is judged on its own trip."""
    if tally is None:
        return []
    times = tally.arrival_times
    trip = bisect.bisect_right(times, c.at)
    return [b for b in tally.boardings if bisect.bisect_right(times, b.at) == trip]


def outside_window(uow: UnitOfWork, scope: Scope | None, c: CheckIn, ident: int) -> None:
    """A boarding stored outside the published window raises an alert (in the open
    transaction); it stays stored and counted."""
    if scope is None or c.kind != "boarding" or uow.alerts is None:
        return
    minute = minute_of(scope.origin, c.at)
    opens, closes = scope.window
    if opens <= minute <= closes:
        return
    condition = Condition(
        "boarding_outside_window",
        True,
        f"{c.vehicle} checked in {sum(c.people.values())} people boarding at {c.place} at "
        f"{c.at.isoformat()}, outside the agreed window; they are counted",
        {"checkin": ident, "place": c.place, "at": c.at.isoformat(), "minute": round(minute, 1)},
        subject=f"checkin:{ident}",
    )
    alerts.apply(uow, [alerts.Judged(condition, c.vehicle)], scope.publication)
