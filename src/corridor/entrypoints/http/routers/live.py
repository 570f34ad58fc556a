"""The live operation against the plan in force: publishing, trip sheets, tracking, alerts,
reconciliation, Traccar Client devices (OsmAnd protocol). See docs/live.md."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi import Path as PathParam
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from corridor.domain.operations import PositionReport
from corridor.entrypoints.http.deps import ServiceDep, UowDep, Who, guard
from corridor.entrypoints.http.schemas import Ahead, IdPath
from corridor.errors import InputError
from corridor.planning.retime import BUFFER
from corridor.services import alerts, position_checks, publication, reconciliation, tracking
from corridor.services.accounts import hash_token, require, with_vehicle_in_plan
from corridor.services.errors import NotAuthenticated, NotFound

router = APIRouter(prefix="/v1", tags=["live operation"])
VehicleQ = Annotated[str | None, Query(min_length=1, max_length=200)]
DeviceId = Annotated[str, PathParam(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9._:\-]+$")]


class PublishIn(BaseModel):
    reason: str = Field(default="", max_length=2000)


@router.post("/plans/{plan_id}/publish", status_code=201, **guard("plans.write"))
async def publish_plan(
    plan_id: IdPath, who: Who, uow: UowDep, service: ServiceDep, body: PublishIn | None = None
) -> dict[str, Any]:
    """Publish a checked, compliant plan: trip sheets per vehicle, movement notifications to
    both parties (refused, naming the movement, when the notification lead time cannot be met)."""
    return await run_in_threadpool(
        publication.publish,
        uow,
        who,
        plan_id,
        service.log.agreed_terms,
        service.settings.data_dir,
        body.reason if body else "",
    )


class ReplanIn(BaseModel):
    incident: int | None = Field(default=None, ge=1, le=2**62, description="the incident to avoid")
    radius_m: float = Field(default=500.0, gt=0, le=20_000, description="roads closed around it")
    time_limit: float = Field(default=10.0, gt=0, le=600)
    seed: int = Field(default=0, ge=0, le=2**31)
    iterations: int | None = Field(
        default=None,
        ge=0,
        le=100_000,
        strict=True,
        description="a cap on each round's improvement iterations",
    )
    ahead: Ahead = BUFFER


@router.post("/replan", status_code=201, **guard("plans.write"))
async def replan(body: ReplanIn, who: Who, uow: UowDep, service: ServiceDep) -> dict[str, Any]:
    """Plan again from the live state: stops reached are kept, the incident's roads closed,
    new entries after the notification lead time; checked; publish it to put it in force."""
    from corridor.services import replanning

    return await run_in_threadpool(
        replanning.replan,
        uow,
        who,
        service.log.agreed_terms,
        service.settings.data_dir,
        body.incident,
        body.radius_m,
        body.time_limit,
        body.seed,
        body.iterations,
        body.ahead,
    )


@router.get("/plans/{plan_id}/instance", **guard("plans.read"))
def plan_instance(plan_id: IdPath, who: Who, uow: UowDep) -> dict[str, Any]:
    """The CEP instance the plan was made for (a replan's own, with the incident's roads
    closed), for the referee."""
    from corridor.services import plans

    return plans.instance(uow, who, plan_id)


@router.get("/publications", **guard("plans.read"))
def list_publications(who: Who, uow: UowDep) -> list[dict[str, Any]]:
    """Every published version of the plan, newest last, with its differences from the last."""
    require(who, "plans.read")
    with uow:
        rows = list(uow.publications.list())
    return [{**r, "plan_version": r["id"]} for r in rows]


@router.get("/trip-sheets", **guard("trips.read"))
def trip_sheets(who: Who, uow: UowDep, vehicle: VehicleQ = None) -> list[dict[str, Any]]:
    """The plan in force per vehicle: stops with planned times, counts to board and deliver,
    the road route as a GeoJSON LineString. A driver gets only its own vehicle's."""
    return publication.trip_sheets(uow, who, vehicle)


@router.get("/tracking", **guard("tracking.read"))
def tracking_status(who: Who, uow: UowDep) -> list[dict[str, Any]]:
    """Each vehicle's live status against the plan: late, off route, stopped, silent, projected
    inside after the window closes, its last trusted position and leg."""
    return tracking.status(uow, who)


@router.post("/tracking/sweep", **guard("tracking.sweep"))
def sweep(who: Who, service: ServiceDep) -> dict[str, int]:
    """Look for time-based alerts now (silent vehicles, missing people); the server also does
    it every CORRIDOR_LIVE_SWEEP_SECONDS."""
    return {"changed": tracking.sweep(service.uow())}


@router.get("/alerts", **guard("alerts.read"))
def list_alerts(
    who: Who,
    uow: UowDep,
    state: Literal["raised", "acknowledged", "cleared"] | None = None,
    vehicle: VehicleQ = None,
) -> list[dict[str, Any]]:
    """Every alert with its life (raised, acknowledged, cleared), oldest first."""
    return alerts.list_alerts(uow, who, state, vehicle)


@router.post("/alerts/{alert_id}/acknowledge", **guard("alerts.ack"))
def acknowledge_alert(alert_id: IdPath, who: Who, uow: UowDep) -> dict[str, Any]:
    """The coordinator has seen the alert (a retry changes nothing); it clears by itself when
    its condition ends."""
    return alerts.acknowledge(uow, who, alert_id)


@router.get("/reconciliation", **guard("counts.read"))
def reconciliation_view(who: Who, uow: UowDep) -> dict[str, Any]:
    """Per vehicle boarded, arrived, unaccounted and since when; per person (humanitarian roles)
    status, times and check-ins kept but not applied. Liaisons get counts only."""
    return reconciliation.view(uow, who)


class DeviceIn(BaseModel):
    vehicle: str = Field(min_length=1, max_length=200)


@router.put("/devices/{device_id}", status_code=201, **guard("devices.manage"))
def bind_device(
    device_id: DeviceId, body: DeviceIn, who: Who, service: ServiceDep
) -> dict[str, Any]:
    """Bind a Traccar Client device to one vehicle; answers the device's key once (it goes in
    the app's server URL: /v1/osmand/KEY). Binding again makes a new key. While a plan is in
    force the vehicle must be one of its vehicles (422 naming ``vehicle``, nothing stored)."""
    require(who, "devices.manage")
    key = "dev_" + secrets.token_urlsafe(24)
    uow = service.uow()
    with uow:
        position_checks.check_device_vehicle(uow, body.vehicle)
        uow.devices.bind(
            device_id, body.vehicle, hash_token(service.settings.token_secret, key), who.user_id
        )
        uow.audit.add(who, "devices.manage", f"device:{device_id}", {"vehicle": body.vehicle})
        uow.commit()
    return {
        "device_id": device_id,
        "vehicle": body.vehicle,
        "key": key,
        "url_path": f"/v1/osmand/{key}",
    }


@router.get("/devices", **guard("devices.manage"))
def list_devices(who: Who, uow: UowDep) -> list[dict[str, Any]]:
    """Traccar Client devices, their vehicles and whether each is in the plan (never their keys).
    ``vehicle_in_plan`` is false for a device bound before the plan in force (or under an earlier
    version) to a vehicle that plan lacks: every report of it is refused; null while no plan is
    in force."""
    require(who, "devices.manage")
    with uow:
        return with_vehicle_in_plan(uow, list(uow.devices.list()))


@router.delete("/devices/{device_id}", status_code=204, **guard("devices.manage"))
def revoke_device(device_id: DeviceId, who: Who, uow: UowDep) -> None:
    """The device's key stops working at once."""
    require(who, "devices.manage")
    with uow:
        if not uow.devices.revoke(device_id):
            raise NotFound("bound device", device_id)
        uow.audit.add(who, "devices.manage", f"device:{device_id}", {"revoked": True})
        uow.commit()


def _number(
    params: dict[str, str], name: str, low: float, high: float, required: bool
) -> float | None:
    raw = params.get(name)
    if raw is None or raw == "":
        if required:
            raise InputError(name, "is required")
        return None
    try:
        value = float(raw)
    except ValueError:
        raise InputError(name, f"{raw!r} is not a number") from None
    if not low <= value <= high:
        raise InputError(name, f"{value:g} is outside {low:g} to {high:g}")
    return value


def _timestamp(raw: str | None, now: dt.datetime) -> dt.datetime:
    """OsmAnd's ``timestamp``: Unix seconds (Traccar Client), milliseconds, or ISO 8601."""
    if not raw:
        return now
    try:
        value = float(raw)
    except ValueError:
        return _iso(raw)
    if value > 1e11:  # milliseconds
        value /= 1000
    if not 0 <= value < 253_402_300_800:
        raise InputError("timestamp", f"{raw!r} is not a time")
    return dt.datetime.fromtimestamp(value, dt.UTC)


def _iso(raw: str) -> dt.datetime:
    try:
        parsed = dt.datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise InputError("timestamp", f"{raw!r} is neither Unix seconds nor ISO 8601") from None
    if parsed.tzinfo is None:
        raise InputError("timestamp", f"{raw!r} needs a time zone")
    return parsed


DeviceKey = Annotated[str, PathParam(min_length=8, max_length=100)]


@router.post("/osmand/{key}", openapi_extra={"x-public": True})
async def osmand_post(key: DeviceKey, request: Request, service: ServiceDep) -> dict[str, Any]:
    """Positions from Traccar Client (OsmAnd protocol: id, lat, lon, timestamp, speed in knots,
    bearing); the device key in the path authenticates a device bound to one vehicle."""
    return await _osmand(key, request, service)


@router.get("/osmand/{key}", openapi_extra={"x-public": True})
async def osmand_get(key: DeviceKey, request: Request, service: ServiceDep) -> dict[str, Any]:
    """The same as a GET with the fields in the query (OsmAnd's own form)."""
    return await _osmand(key, request, service)


async def _osmand(key: str, request: Request, service: Any) -> dict[str, Any]:
    params = dict(request.query_params)
    if request.method == "POST":
        # Traccar Client puts the fields in the query; a form body is read too (no files).
        body = await request.body()
        if body and request.headers.get("content-type", "").startswith(
            "application/x-www-form-urlencoded"
        ):
            from urllib.parse import parse_qsl

            params.update(parse_qsl(body.decode("utf-8", "replace"))[:50])
    now = service.clock()

    def lookup() -> dict[str, Any] | None:
        uow = service.uow()
        with uow:
            found: dict[str, Any] | None = uow.devices.by_key(
                hash_token(service.settings.token_secret, key)
            )
        return found

    device = await run_in_threadpool(lookup)
    if device is None:
        raise NotAuthenticated("the device key is unknown or revoked")
    device_id = params.get("id") or params.get("deviceid")
    if device_id != device["device_id"]:
        raise InputError("id", f"{device_id!r} is not the device bound to this key")
    lat = _number(params, "lat", -90, 90, True)
    lon = _number(params, "lon", -180, 180, True)
    knots = _number(params, "speed", 0, 250, False)
    bearing = _number(params, "bearing", 0, 360, False)
    at = _timestamp(params.get("timestamp"), now)
    assert lat is not None
    assert lon is not None
    report = PositionReport(
        client_id=f"osmand-{device_id}-{int(at.timestamp() * 1000)}"[:100],
        vehicle=str(device["vehicle"]),
        at=at,
        lat=lat,
        lon=lon,
        speed_kmh=None if knots is None else knots * 1.852,
        heading=None if bearing is None else bearing % 360,
    )
    from corridor.domain.access import Principal, Role

    who = Principal(int(device["user_id"]), f"device:{device_id}", Role.DRIVER, 0, report.vehicle)
    result = await service.positions.write_async(who, [report])
    return {"accepted": result.accepted, "duplicates": result.duplicates}
