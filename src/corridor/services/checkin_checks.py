"""What a new check-in must say to be stored: a vehicle, a place, classes and people of the
operation, and no more people at once than the vehicle can take.

A boarding that puts more aboard on its trip than the vehicle's seats or stretchers is stored
(an arrival of the trip before may still be on a phone out of reach, or people stand) and
raises a ``boarding_over_capacity`` alert. One check-in of more than ``PACKED`` times what
the vehicle holds is refused, and so are boardings that add up on one trip to more than
``PACKED + 1`` times it (a trip before whose arrival is still out of reach, and this one packed
with people standing): a hostile phone cannot empty a gathering point on record, which a replan
would believe.

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
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from corridor.domain.tracking import Condition, forward, minute_of
from corridor.errors import InputError
from corridor.services import alerts, reconciliation
from corridor.services.arrival_counts import StopCounts
from corridor.services.operation_scope import Scope, scope_of

if TYPE_CHECKING:
    from corridor.domain.access import Principal
    from corridor.domain.operations import CheckIn
    from corridor.services.unit_of_work import UnitOfWork


#: A vehicle packed with people standing carries about as many again as it seats: one check-in
#: of more than this many times its room cannot be true (a trip over its room is kept, with an
#: alert, below).
PACKED = 2


@dataclass(frozen=True)
class Checked:
    """The operation a new check-in was checked against, and, for a boarding that fills its
    trip beyond the vehicle's room, the words and data of the alert to raise once stored."""

    scope: Scope
    over: tuple[str, dict[str, Any]] | None = None


def check_new(uow: UnitOfWork, who: Principal, c: CheckIn) -> Checked | None:
    """Refuse (:class:`InputError` naming the field and the value sent) a check-in not stored
    yet whose vehicle, place, classes or counts cannot be true. Returns the operation it was
    checked against (None before a plan is in force)."""
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
    over = _check_counts(uow, who, c, scope.classes, (vehicle.seats, vehicle.stretchers))
    return Checked(scope, over)


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
) -> tuple[str, dict[str, Any]] | None:
    """Counts that can be true, by the counted check-ins (the reconciliation's replay): a
    boarding of at most ``PACKED`` times the room (returns the alert's words and data when it
    fills its trip beyond the room), an arrival within what is aboard and one trip's room."""
    people, vehicles = reconciliation.replayed(uow)
    tally = vehicles.get(c.vehicle)
    counted = _counted(c, people)
    if c.kind == "boarding":
        trip = _trip_boardings(tally, c)
        over = None
        for stretcher, places, word in ((False, room[0], "seats"), (True, room[1], "stretchers")):

            def on(n: dict[str, int], stretcher: bool = stretcher) -> int:
                return sum(v for k, v in n.items() if classes.get(k, False) is stretcher)

            if on(counted) > PACKED * places:
                raise InputError(
                    "people",
                    f"{on(counted)} people for {word} would board {c.vehicle} at once, which "
                    f"has {places} {word}: more than {PACKED} times that cannot be true",
                    dict(c.people),
                )
            aboard = sum(on(b.people) for b in trip) + on(counted)
            if on(counted) and aboard > (PACKED + 1) * places:  # boardings that add up
                raise InputError(
                    "people",
                    f"{on(counted)} more people for {word} would make {aboard} aboard "
                    f"{c.vehicle} on this trip by its check-ins, which has {places} {word}: "
                    f"more than {PACKED + 1} times that cannot be true (the trip before's arrival "
                    f"still on a phone out of reach, and this trip packed {PACKED} times over)",
                    dict(c.people),
                )
            if on(counted) and aboard > places and over is None:
                words = (
                    f"{c.vehicle} has {aboard} people for {word} aboard on this trip by its "
                    f"check-ins, and {places} {word}: an arrival not yet in, or people standing?"
                )
                over = (words, {"aboard": aboard, word: places, "place": c.place})
        return over
    boarded = Counter(tally.boarded) if tally else Counter[str]()
    arrived = Counter(tally.arrived) if tally else Counter[str]()
    # An arrival that would replace the driver's count of the same stop (reception's prevails)
    # takes that count's people back first; one that gives way to reception's counts nobody.
    stops = tally.stops.copy() if tally else StopCounts()
    added, gone, kept = stops.take(replace(c, source=who.role.value), counted)
    # Not floored at nobody: what the vehicle set down beyond what it boarded stays counted,
    # so a hostile phone cannot add a vehicle-full again and again. Miscounts that add up to a
    # vehicle-full (reception counting more off, trip after trip, than the driver on) are
    # refused then: by that time the reconciliation shows a vehicle's worth unaccounted for.
    aboard = sum(boarded.values()) - sum(arrived.values()) + sum(sum(n.values()) for _, n in gone)
    most = sum(room)
    at_once = sum(counted.values())
    if at_once > PACKED * most or (kept and sum(added.values()) > aboard + most):
        raise InputError(
            "people",
            f"{at_once} people would arrive from {c.vehicle}, which holds {most} and has "
            f"{aboard} aboard by the check-ins counted so far (at most one trip's boarding may "
            "still be on its way from a phone)",
            dict(c.people),
        )
    return None


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


def after_stored(uow: UnitOfWork, checked: Checked | None, c: CheckIn, ident: int) -> None:
    """What a boarding just stored says that the coordinator must see (alerts, in the open
    transaction; the check-in stays stored and counted): a boarding outside the published
    window, and a trip with more people aboard than the vehicle's seats or stretchers (an
    arrival of the trip before may still be on a phone, or people stand: ask the driver)."""
    if checked is None or c.kind != "boarding" or uow.alerts is None:
        return
    scope = checked.scope
    found = []
    minute = minute_of(scope.origin, c.at)
    opens, closes = scope.window
    if not opens <= minute <= closes:
        found.append(Condition(
            "boarding_outside_window",
            True,
            f"{c.vehicle} checked in {sum(c.people.values())} people boarding at {c.place} at "
            f"{c.at.isoformat()}, outside the agreed window; they are counted",
            {"checkin": ident, "place": c.place, "at": c.at.isoformat(),
             "minute": round(minute, 1)},
            subject=f"checkin:{ident}",
        ))  # fmt: skip
    if checked.over is not None:
        words, data = checked.over
        found.append(Condition("boarding_over_capacity", True, words, data,
                               subject=f"checkin:{ident}"))  # fmt: skip
    alerts.apply(uow, [alerts.Judged(x, c.vehicle) for x in found], scope.publication)
