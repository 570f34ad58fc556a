"""Use cases of the live operation: positions, check-ins, incidents, notifications, manifests."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from corridor.domain.access import Principal, Role, vehicle_filter, vehicle_in_scope
from corridor.domain.operations import CheckIn, Event, Incident, PositionReport, reconcile
from corridor.domain.tracking import Condition, forward
from corridor.errors import InputError
from corridor.services import alerts, checkin_checks, position_checks, reconciliation, tracking
from corridor.services.accounts import require
from corridor.services.errors import Conflict, Forbidden, NotFound

if TYPE_CHECKING:
    from corridor.services.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class PositionsResult:
    """How many reports were new and how many were retries of reports already stored."""

    accepted: int
    duplicates: int


def _own_vehicle(who: Principal, vehicle: str, action: str, field: str = "vehicle") -> None:
    """A driver acts only for its own vehicle; ``field``: where the request names the vehicle
    (the refusal names it and the vehicle sent, not the role, which may do the action)."""
    if not vehicle_in_scope(who, action, vehicle):
        problem = f"a driver acts only for its own vehicle {who.vehicle!r}, not {vehicle!r}"
        raise Forbidden(who.role.value, action, problem, field=field, value=vehicle)


def check_positions(who: Principal, reports: list[PositionReport], max_batch: int) -> None:
    """Everything about a batch that can be refused before it touches the database."""
    require(who, "positions.write")
    if len(reports) > max_batch:
        raise InputError("positions", f"{len(reports)} reports in one batch; at most {max_batch}")
    seen: set[tuple[str, str]] = set()
    for i, r in enumerate(reports):
        _own_vehicle(who, r.vehicle, "positions.write", f"positions[{i}].vehicle")
        if (r.vehicle, r.client_id) in seen:
            raise InputError(f"positions[{i}].client_id", f"{r.client_id!r} repeats in the batch")
        seen.add((r.vehicle, r.client_id))


def store_positions(
    uow: UnitOfWork,
    who: Principal,
    reports: list[PositionReport],
    defer: list[PositionReport] | None = None,
) -> PositionsResult:
    """Insert a checked batch into the open unit of work, match the new trusted reports to
    their vehicles' planned routes (alerts raised or cleared in the same transaction), and
    record the events (no commit). A report whose device clock is off is stored flagged and
    changes nothing else.

    A report whose (vehicle, client id) is stored already is a retry when it says the same;
    saying something else under that id is a :class:`Conflict` naming the id (nothing of the
    batch is stored). With ``defer``, the new trusted reports are added to it instead of
    being matched: the caller matches the reports of many batches at once.

    Once a plan is published, a batch naming a vehicle that is not the operation's is refused
    (:class:`InputError`, nothing stored), and a report far outside the operation's area is
    stored flagged (:mod:`corridor.services.position_checks`)."""
    suspect: dict[tuple[str, str], str] = {}
    if uow.publications is not None:
        scope = position_checks.check_vehicles(uow, reports)
        suspect = tracking.flags(uow, reports, scope)
    if suspect:
        stored = uow.positions.add_batch(reports, who.user_id, suspect)
    else:
        stored = uow.positions.add_batch(reports, who.user_id)
    retried = [(i, r) for i, r in enumerate(reports) if (r.vehicle, r.client_id) not in stored]
    if retried:
        before = uow.positions.existing([(r.vehicle, r.client_id) for _, r in retried])
        for i, r in retried:
            old = before.get((r.vehicle, r.client_id))
            if old is not None and not _same_position(old, r):
                raise Conflict(
                    f"positions[{i}].client_id",
                    f"{r.client_id!r} was already used for another report of {r.vehicle!r}; "
                    "a retry must send the same report, a new report a new client id",
                    r.client_id,
                )
    trusted = [
        r
        for r in reports
        if (r.vehicle, r.client_id) in stored and (r.vehicle, r.client_id) not in suspect
    ]
    if defer is None:
        tracking.track(uow, trusted)
    else:
        defer.extend(trusted)
    by_vehicle: dict[str, list[dict[str, Any]]] = {}
    for r in reports:
        if (r.vehicle, r.client_id) in stored:
            by_vehicle.setdefault(r.vehicle, []).append(
                {"at": r.at.isoformat(), "lat": r.lat, "lon": r.lon, "speed_kmh": r.speed_kmh}
            )
    for vehicle, points in by_vehicle.items():
        points.sort(key=lambda p: str(p["at"]))
        uow.emit(Event("positions", {"vehicle": vehicle, "points": points}, vehicle=vehicle))
    return PositionsResult(accepted=len(stored), duplicates=len(reports) - len(stored))


def _same_position(old: dict[str, Any], r: PositionReport) -> bool:
    def close(a: float | None, b: float | None) -> bool:
        return (a is None and b is None) or (
            a is not None and b is not None and abs(float(a) - float(b)) <= 1e-9
        )

    return (
        old["at"] == r.at
        and close(old["lat"], r.lat)
        and close(old["lon"], r.lon)
        and close(old["speed_kmh"], r.speed_kmh)
        and close(old["heading"], r.heading)
    )


def report_positions(
    uow: UnitOfWork, who: Principal, reports: list[PositionReport], max_batch: int
) -> PositionsResult:
    """Check and store one batch in its own transaction (the HTTP API groups several)."""
    check_positions(who, reports, max_batch)
    with uow:
        result = store_positions(uow, who, reports)
        uow.commit()
    return result


def list_positions(
    uow: UnitOfWork, who: Principal, vehicle: str | None, after_id: int, limit: int, latest: bool
) -> list[dict[str, Any]]:
    require(who, "positions.read")
    if vehicle is not None:
        _own_vehicle(who, vehicle, "positions.read")
    vehicle = vehicle_filter(who, "positions.read", vehicle)
    with uow:
        if latest:
            return list(uow.positions.latest(vehicle))
        return list(uow.positions.list(vehicle, after_id, limit))


def _may_record(who: Principal, c: CheckIn) -> None:
    """What each role may record: the driver boards (by name only its manifest) and counts the
    people it sets down; reception records arrivals."""
    require(who, "checkins.write")
    _own_vehicle(who, c.vehicle, "checkins.write", "vehicle")
    if who.role is Role.DRIVER and c.kind != "boarding" and c.evacuees:
        # The driver counts the people it sets down by class; reception names them.
        raise Forbidden(
            who.role.value,
            "checkins.write",
            "a driver counts arrivals by class; reception checks registered people in by name",
            field="evacuees",
            value=list(c.evacuees),
        )
    if who.role is Role.RECEPTION and c.kind != "arrival":
        raise Forbidden(
            who.role.value,
            "checkins.write",
            "reception records arrival; the driver records boarding",
            field="kind",
            value=c.kind,
        )


def _persons(uow: UnitOfWork, who: Principal, c: CheckIn) -> dict[int, dict[str, Any]]:
    """The registry rows of the persons ``c`` names (each must be registered; a driver names
    only people on its own manifest)."""
    current = {}
    for i, evacuee_id in enumerate(c.evacuees):
        row = uow.evacuees.get(evacuee_id)
        if row is None:
            raise InputError(f"evacuees[{i}]", f"no registered evacuee {evacuee_id}", evacuee_id)
        if who.role is Role.DRIVER and row["vehicle"] != c.vehicle:
            # Boarding by id would put the person on this vehicle's named manifest, which
            # the driver may read: only the coordinator or a registrar assigns people.
            raise Forbidden(
                who.role.value,
                "checkins.write",
                f"evacuees[{i}]: registry id {evacuee_id} is not on the manifest of "
                f"{c.vehicle!r}; count people not on it by class in 'people'",
                field=f"evacuees[{i}]",
                value=evacuee_id,
            )
        current[evacuee_id] = row
    return current


def _stored_as(uow: UnitOfWork, c: CheckIn) -> CheckIn | None:
    """The check-in stored under ``c``'s vehicle and client id, if any."""
    return next((o for o in uow.checkins.list(c.vehicle) if o.client_id == c.client_id), None)


def record_checkin(uow: UnitOfWork, who: Principal, c: CheckIn) -> tuple[int, bool]:
    """Store a boarding or arrival check-in once; returns (id, created).

    A new check-in is checked against the operation first (:mod:`checkin_checks`); a retry
    (the same client id) is not, so that it answers as the first time did."""
    _may_record(who, c)
    with uow:
        _trusted_time(uow, c.at)
        current = _persons(uow, who, c)
        old = _stored_as(uow, c)
        checked = checkin_checks.check_new(uow, who, c) if old is None else None
        ident, created = uow.checkins.add(c, who.user_id)
        if not created:
            old = old or _stored_as(uow, c)
            assert old is not None
            if (old.kind, old.place, old.at, old.people, tuple(old.evacuees)) != (
                c.kind,
                c.place,
                c.at,
                dict(c.people),
                tuple(c.evacuees),
            ):
                raise Conflict(
                    "client_id",
                    f"{c.client_id!r} was already used for another check-in of {c.vehicle!r}; "
                    "a retry must send the same check-in, a new one a new client id",
                    c.client_id,
                )
        if created:
            _apply_checkin(uow, c, current)
            checkin_checks.after_stored(uow, checked, c, ident)
            reconciliation.evaluate(uow)
        uow.commit()
    return ident, created


def _apply_checkin(uow: UnitOfWork, c: CheckIn, current: dict[int, dict[str, Any]]) -> None:
    """Move the named persons forward and record the event of a new check-in (no commit)."""
    status = "boarded" if c.kind == "boarding" else "arrived"
    kept = 0
    for evacuee_id in c.evacuees:
        # A status only moves forward: a boarding delivered after the arrival (a retry
        # from a phone that was offline) stays in the history and changes nothing.
        if forward(str(current[evacuee_id]["status"]), status):
            # An arrival never puts anyone on a manifest (a driver reads its names): only a
            # registrar or the coordinator does, audited. The check-in keeps the vehicle.
            vehicle = c.vehicle if status == "boarded" else current[evacuee_id]["vehicle"]
            uow.evacuees.set_fields(evacuee_id, vehicle=vehicle, status=status)
        else:
            kept += 1
    uow.emit(
        Event(
            "checkins",
            {
                "kind": c.kind,
                "vehicle": c.vehicle,
                "place": c.place,
                "people": c.people,
                "at": c.at.isoformat(),
                "not_applied": kept,
            },
            vehicle=c.vehicle,
        )
    )


def _trusted_time(uow: UnitOfWork, at: Any, field: str = "at") -> None:
    """Refuse a check-in or incident dated outside the documented skew from the server's
    clock (a device whose clock is wrong) while a plan is in force: its time would mislead the
    tracking and the reconciliation."""
    if uow.publications is None or uow.publications.current() is None:
        return
    params = tracking.params_of(uow)
    now = uow.clock()
    why = tracking.clock_flag(at, now, params)
    if why:
        raise InputError(
            field,
            f"{at.isoformat()} is {'ahead of' if why == 'clock_ahead' else 'behind'} the "
            f"server's clock ({now.isoformat()}) by more than "
            + (
                f"{params.clock_ahead_min:g} min"
                if why == "clock_ahead"
                else f"{params.clock_behind_h:g} h"
            )
            + ": set the device's clock and send it again",
            at.isoformat(),
        )


def list_checkins(uow: UnitOfWork, who: Principal, vehicle: str | None) -> list[CheckIn]:
    require(who, "checkins.read")
    if vehicle is not None:
        _own_vehicle(who, vehicle, "checkins.read")
    with uow:
        return list(uow.checkins.list(vehicle_filter(who, "checkins.read", vehicle)))


def manifests(uow: UnitOfWork, who: Principal, vehicle: str | None) -> dict[str, Any]:
    """People boarded, arrived and unaccounted per vehicle, by class (counts only)."""
    require(who, "counts.read")
    if vehicle is not None:
        _own_vehicle(who, vehicle, "manifests.read")
    with uow:
        # Counted as reconciliation counts: a late retry moves nobody and counts nobody.
        checkins = reconciliation.checkins_counted(
            uow, vehicle_filter(who, "manifests.read", vehicle)
        )
    out = {}
    for v, m in sorted(reconcile(checkins).items()):
        out[v] = {
            "boarded": dict(m.boarded),
            "arrived": dict(m.arrived),
            "unaccounted": m.unaccounted,
            "over_arrived": m.over_arrived,
        }
    return out


def report_incident(uow: UnitOfWork, who: Principal, i: Incident) -> tuple[int, bool]:
    require(who, "incidents.write")
    if i.vehicle is not None:
        _own_vehicle(who, i.vehicle, "incidents.write")
    with uow:
        _trusted_time(uow, i.at)
        ident, created = uow.incidents.add(i, who.user_id)
        old = None if created else uow.incidents.get(ident)
        if old is not None and (
            old["kind"],
            old["severity"],
            old["description"],
            old["at"],
            old["vehicle"],
            old["lat"],
            old["lon"],
        ) != (i.kind, i.severity, i.description, i.at, i.vehicle, i.lat, i.lon):
            raise Conflict(
                "client_id",
                f"{i.client_id!r} was already used for another incident report of yours; "
                "a retry must send the same report, a new report a new client id",
                i.client_id,
            )
        if created:
            near_route(uow, ident, i)
            uow.emit(
                Event(
                    "incidents",
                    {
                        "id": ident,
                        "kind": i.kind,
                        "severity": i.severity,
                        "description": i.description,
                        "at": i.at.isoformat(),
                        "vehicle": i.vehicle,
                        "lat": i.lat,
                        "lon": i.lon,
                        "reported_by": who.role.value,
                    },
                )
            )
        uow.commit()
    return ident, created


def near_route(uow: UnitOfWork, ident: int, i: Incident) -> None:
    """A critical incident within ``incident_m`` of a planned route raises an alert that
    proposes suspension (the parties' signed suspension stays theirs to make)."""
    if i.severity != "critical" or i.lat is None or i.lon is None or uow.publications is None:
        return
    plan = tracking.plan_in_force(uow)
    if plan is None:
        return
    from corridor.routing.matching import distance_to

    params = tracking.params_of(uow)
    near = {}
    for vehicle, route in plan.routes.items():
        d = distance_to(route, i.lon, i.lat)
        if d <= params.incident_m:
            near[vehicle] = round(d)
    if not near:
        return
    closest = min(near.values())
    condition = Condition(
        "incident_near_route",
        True,
        f"critical incident ({i.kind}) {closest} m from the planned route of "
        f"{len(near)} vehicle(s): consider suspending the corridor and replanning",
        {
            "incident": ident,
            "kind": i.kind,
            "lat": i.lat,
            "lon": i.lon,
            "vehicles": near,
            "proposes": "suspension",
        },
        subject=f"incident:{ident}",
    )
    alerts.apply(uow, [alerts.Judged(condition, i.vehicle)], plan.id)


def list_incidents(
    uow: UnitOfWork, who: Principal, after_id: int, limit: int
) -> list[dict[str, Any]]:
    require(who, "incidents.read")
    with uow:
        return list(uow.incidents.list(after_id, limit))


def notify(
    uow: UnitOfWork, who: Principal, kind: str, parties: str, subject: str, body: dict[str, Any]
) -> int:
    """Inform parties of a movement or a site; it asks for acknowledgement, not permission."""
    require(who, "notifications.write")
    with uow:
        ident = int(uow.notifications.add(kind, parties, subject, body, who.user_id))
        for party in parties:
            uow.emit(
                Event("notifications", {"id": ident, "kind": kind, "subject": subject}, party=party)
            )
        uow.commit()
    return ident


def list_notifications(uow: UnitOfWork, who: Principal) -> list[dict[str, Any]]:
    require(who, "notifications.read")
    with uow:
        return list(uow.notifications.list(who.party))


def acknowledge(uow: UnitOfWork, who: Principal, notification_id: int, note: str) -> bool:
    require(who, "notifications.ack")
    assert who.party is not None
    with uow:
        n = uow.notifications.get(notification_id)
        if n is None or who.party not in n["parties"]:
            raise NotFound("notification for your party", notification_id)
        created = bool(uow.notifications.acknowledge(notification_id, who.party, who.user_id, note))
        if created:  # to the notification's addressees only, like the REST read
            for party in n["parties"]:
                data = {"id": notification_id, "acknowledged_by": who.party}
                uow.emit(Event("notifications", data, party=party))
        uow.commit()
    return created
