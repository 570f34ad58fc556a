"""The live operation: positions, check-ins, manifests, incidents, notifications."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from corridor.domain.operations import CheckIn, Incident, PositionReport
from corridor.entrypoints.http.deps import ServiceDep, UowDep, Who, guard
from corridor.entrypoints.http.responses import IncidentOut, PositionOut
from corridor.entrypoints.http.schemas import (
    AckIn,
    CheckInIn,
    Created,
    IdPath,
    IncidentIn,
    NotificationIn,
    PositionsIn,
    PositionsOut,
)
from corridor.services import operations as ops

router = APIRouter(prefix="/v1", tags=["operation"])
VehicleQ = Annotated[str | None, Query(min_length=1, max_length=200)]
AfterQ = Annotated[int, Query(ge=0, le=2**62)]


@router.post("/positions", **guard("positions.write"))
async def report_positions(body: PositionsIn, who: Who, service: ServiceDep) -> PositionsOut:
    """A batch of position reports. Each has a client-made id: a retried batch is stored once.

    The answer comes after the batch is committed to disk (grouped with concurrent batches).
    """
    reports = [
        PositionReport(p.client_id, p.vehicle, p.at, p.lat, p.lon, p.speed_kmh, p.heading)
        for p in body.positions
    ]
    ops.check_positions(who, reports, service.settings.max_batch)
    result = await service.positions.write_async(who, reports)
    return PositionsOut(accepted=result.accepted, duplicates=result.duplicates)


@router.get("/positions", response_model=list[PositionOut], **guard("positions.read"))
def list_positions(
    who: Who,
    uow: UowDep,
    vehicle: VehicleQ = None,
    after: AfterQ = 0,
    limit: Annotated[int, Query(ge=1, le=5000)] = 1000,
    latest: bool = False,
) -> list[dict[str, Any]]:
    """Reports in arrival order after id ``after``, or with ``latest`` the last one per vehicle."""
    rows = ops.list_positions(uow, who, vehicle, after, limit, latest)
    return [{k: v for k, v in r.items() if k != "user_id"} for r in rows]


@router.get("/positions/latest", response_model=list[PositionOut], **guard("positions.read"))
def latest_positions(who: Who, uow: UowDep, vehicle: VehicleQ = None) -> list[dict[str, Any]]:
    """The newest report of each vehicle (a driver: its own)."""
    rows = ops.list_positions(uow, who, vehicle, 0, 1, True)
    return [{k: v for k, v in r.items() if k != "user_id"} for r in rows]


@router.post("/checkins", **guard("checkins.write"))
def record_checkin(body: CheckInIn, who: Who, uow: UowDep, response: Response) -> Created:
    """Record people boarding (driver) or arriving (reception); a retry changes nothing."""
    c = CheckIn(
        body.client_id,
        body.kind,
        body.vehicle,
        body.place,
        body.at,
        dict(body.people),
        tuple(body.evacuees),
    )
    ident, created = ops.record_checkin(uow, who, c)
    response.status_code = 201 if created else 200
    return Created(id=ident, created=created)


@router.get("/checkins", **guard("checkins.read"))
def list_checkins(who: Who, uow: UowDep, vehicle: VehicleQ = None) -> list[dict[str, Any]]:
    """Boarding and arrival check-ins (a driver: its own vehicle's)."""
    return [
        {
            "client_id": c.client_id,
            "kind": c.kind,
            "vehicle": c.vehicle,
            "place": c.place,
            "at": c.at,
            "people": c.people,
            "evacuees": list(c.evacuees),
        }
        for c in ops.list_checkins(uow, who, vehicle)
    ]


@router.get("/manifests", **guard("counts.read"))
def manifests(who: Who, uow: UowDep, vehicle: VehicleQ = None) -> dict[str, Any]:
    """Per vehicle: people boarded, arrived and still unaccounted, by class (counts only)."""
    return ops.manifests(uow, who, vehicle)


@router.post("/incidents", **guard("incidents.write"))
def report_incident(body: IncidentIn, who: Who, uow: UowDep, response: Response) -> Created:
    """Report an incident; a retry with the same client id is stored once."""
    i = Incident(
        body.client_id,
        body.kind,
        body.severity,
        body.description,
        body.at,
        body.vehicle,
        body.lat,
        body.lon,
    )
    ident, created = ops.report_incident(uow, who, i)
    response.status_code = 201 if created else 200
    return Created(id=ident, created=created)


@router.get("/incidents", response_model=list[IncidentOut], **guard("incidents.read"))
def list_incidents(
    who: Who, uow: UowDep, after: AfterQ = 0, limit: Annotated[int, Query(ge=1, le=1000)] = 200
) -> list[dict[str, Any]]:
    """The incident feed, oldest first, after id ``after``."""
    return ops.list_incidents(uow, who, after, limit)


@router.post("/notifications", status_code=201, **guard("notifications.write"))
def notify(body: NotificationIn, who: Who, uow: UowDep) -> dict[str, int]:
    """Inform parties of a movement or a site: asks for acknowledgement, not permission."""
    return {"id": ops.notify(uow, who, body.kind, body.parties, body.subject, body.body)}


@router.get("/notifications", **guard("notifications.read"))
def list_notifications(who: Who, uow: UowDep) -> list[dict[str, Any]]:
    """Movement and site notifications addressed to your party (all, for the coordinator)."""
    return ops.list_notifications(uow, who)


@router.post("/notifications/{notification_id}/ack", **guard("notifications.ack"))
def acknowledge(notification_id: IdPath, body: AckIn, who: Who, uow: UowDep) -> dict[str, bool]:
    """Your party acknowledges a notification (once; a retry changes nothing)."""
    return {"created": ops.acknowledge(uow, who, notification_id, body.note)}
