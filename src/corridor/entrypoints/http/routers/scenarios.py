"""Scenarios (upload, compiled instance, map layers, routes) and plans (background jobs)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi import Path as PathParam
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from corridor.entrypoints.http.deps import ServiceDep, UowDep, Who, guard
from corridor.entrypoints.http.responses import (
    FeatureCollectionOut,
    PlanListed,
    PlanOut,
    ProgressOut,
    RouteOut,
    ScenarioListed,
    ScenarioOut,
)
from corridor.entrypoints.http.schemas import IdPath, PlanIn, ScenarioIn
from corridor.services import plans, scenarios

router = APIRouter(prefix="/v1", tags=["planning"])
ScenarioQ = Annotated[int | None, Query(ge=1, le=2**62)]
OsmName = Annotated[
    str,
    PathParam(
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,100}\.(osm\.pbf|osm|osm\.bz2)$",
        description="file name of the extract, e.g. helsinki-centre.osm.pbf",
    ),
]


class ScenarioUpload(ScenarioIn):
    files: dict[
        Annotated[str, Field(min_length=1, max_length=120)],
        Annotated[str, Field(max_length=900_000)],
    ] = Field(default={}, max_length=20, description="side files the YAML names (GeoJSON)")


class Accepted(BaseModel):
    id: int
    status: str


@router.post("/scenarios", status_code=201, **guard("scenarios.write"))
async def upload_scenario(
    body: ScenarioUpload, who: Who, uow: UowDep, service: ServiceDep
) -> dict[str, Any]:
    """Upload a scenario: validated and compiled (instance, routes, layers), then stored."""
    stores = (service.scenario_folders, service.extracts)
    ident = await run_in_threadpool(
        scenarios.upload, uow, who, stores, service.cache_dir, body.source, dict(body.files)
    )
    row = scenarios.get(service.uow(), who, ident)
    check = scenarios.scenario_check(row)
    return {
        "id": ident,
        "name": row["name"],
        "origin": row["origin"],
        "warnings": check.get("warnings", []),
    }


@router.put("/osm/{name}", status_code=201, **guard("scenarios.write"))
async def upload_extract(
    name: OsmName, request: Request, who: Who, service: ServiceDep
) -> dict[str, Any]:
    """Upload an OpenStreetMap extract (the request body) for scenarios to name in `osm:`.

    The body is the .osm.pbf, .osm or .osm.bz2 file as it is; the same bytes again are
    accepted, others under a name in use are refused (409)."""
    data = await request.body()
    return await run_in_threadpool(
        scenarios.store_extract, who, service.extracts, service.cache_dir, name, data
    )


@router.get("/osm", **guard("scenarios.read"))
def list_extracts(who: Who, service: ServiceDep) -> list[dict[str, Any]]:
    """The OSM extracts a scenario may name: uploaded ones, then those bundled with the server."""
    return scenarios.list_extracts(who, service.extracts)


@router.get("/scenarios", response_model=list[ScenarioListed], **guard("scenarios.read"))
def list_scenarios(who: Who, uow: UowDep) -> list[dict[str, Any]]:
    """Every uploaded scenario."""
    return scenarios.list_all(uow, who)


@router.get("/scenarios/{scenario_id}", response_model=ScenarioOut, **guard("scenarios.read"))
def get_scenario(scenario_id: IdPath, who: Who, uow: UowDep) -> dict[str, Any]:
    """A scenario's name, source YAML and clock origin."""
    row = scenarios.get(uow, who, scenario_id)
    return {k: row[k] for k in ("id", "name", "created_at", "origin", "source")}


@router.get("/scenarios/{scenario_id}/instance", **guard("scenarios.read"))
def scenario_instance(scenario_id: IdPath, who: Who, uow: UowDep) -> dict[str, Any]:
    """The compiled CEP instance (data/cep/FORMAT.md)."""
    return dict(scenarios.get(uow, who, scenario_id)["instance"])


@router.get(
    "/scenarios/{scenario_id}/map", response_model=FeatureCollectionOut, **guard("scenarios.read")
)
def scenario_map(scenario_id: IdPath, who: Who, uow: UowDep) -> dict[str, Any]:
    """GeoJSON: zone, hazards, gathering points, depots, reception centres, checkpoints."""
    return scenarios.map_layers(scenarios.get(uow, who, scenario_id), roads=False)


@router.get("/scenarios/{scenario_id}/check", **guard("scenarios.read"))
def scenario_check(scenario_id: IdPath, who: Who, uow: UowDep) -> dict[str, Any]:
    """Where each place meets the roads, whether it connects and why not; the warnings.

    Also the legs with no road, by pair and vehicle type (the same as `corridor compile`)."""
    return scenarios.scenario_check(scenarios.get(uow, who, scenario_id))


@router.get(
    "/scenarios/{scenario_id}/roads", response_model=FeatureCollectionOut, **guard("scenarios.read")
)
def scenario_roads(scenario_id: IdPath, who: Who, uow: UowDep) -> dict[str, Any]:
    """GeoJSON: the road network around the area, by speed band."""
    return scenarios.map_layers(scenarios.get(uow, who, scenario_id), roads=True)


@router.get("/routes", response_model=FeatureCollectionOut, **guard("scenarios.read"))
def routes(who: Who, uow: UowDep, scenario: ScenarioQ = None) -> dict[str, Any]:
    """GeoJSON: corridor routes (time, length, exposure) of a scenario (default: the newest)."""
    if scenario is None:
        listed = scenarios.list_all(uow, who)
        if not listed:
            return {"type": "FeatureCollection", "features": []}
        scenario = int(listed[-1]["id"])
    return dict(scenarios.get(uow, who, scenario)["routes"])


@router.post("/plans", status_code=202, **guard("plans.write"))
def start_plan(body: PlanIn, who: Who, service: ServiceDep) -> Accepted:
    """Plan within one agreed corridor, in the background; poll GET /v1/plans/{id}."""
    ident = service.plans.start(
        who,
        body.scenario_id,
        body.corridor,
        body.time_limit,
        body.seed,
        tuple(body.pinned_vehicles),
        tuple(body.excluded_vehicles),
        iterations=body.iterations,
        ahead=body.ahead,
    )
    return Accepted(id=ident, status="queued")


@router.get("/plans", response_model=list[PlanListed], **guard("plans.read"))
def list_plans(who: Who, uow: UowDep, scenario: ScenarioQ = None) -> list[dict[str, Any]]:
    """Every plan with its status, progress and score."""
    from corridor.services.accounts import require

    require(who, "plans.read")
    with uow:
        rows = list(uow.plans.list())
    return [r for r in rows if scenario is None or r["scenario_id"] == scenario]


@router.get("/plans/{plan_id}", response_model=PlanOut, **guard("plans.read"))
def get_plan(plan_id: IdPath, who: Who, uow: UowDep) -> dict[str, Any]:
    """Status and progress; once done, the plan, its check and its check against the agreement."""
    return plans.get(uow, who, plan_id)


@router.get("/plans/{plan_id}/trips", response_model=list[RouteOut], **guard("trips.read"))
def plan_trips(plan_id: IdPath, who: Who, uow: UowDep) -> list[dict[str, Any]]:
    """Trip sheets per vehicle; a driver sees only its own vehicle's."""
    return plans.trips(uow, who, plan_id)


@router.get("/progress", response_model=ProgressOut, **guard("counts.read"))
def progress(who: Who, uow: UowDep) -> dict[str, Any]:
    """Evacuated so far by class against the plan; people waiting, aboard, arrived (counts)."""
    return plans.progress(uow, who)
