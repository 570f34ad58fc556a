"""Printed notices of a signed corridor (PDF) and the non-personal exports (HXL, GeoJSON)."""

from __future__ import annotations

import tempfile
from pathlib import Path as FsPath
from typing import Annotated

from fastapi import APIRouter, Path, Query
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from corridor.adapters.notices_pdf import write_notice
from corridor.entrypoints.http.deps import ServiceDep, Who, guard
from corridor.services import notices

router = APIRouter(prefix="/v1", tags=["public"])
Name = Annotated[str, Path(pattern=r"^[A-Za-z0-9._-]{1,120}$")]
ScenarioQ = Annotated[int | None, Query(ge=1, le=2**62)]


@router.get("/corridors/{corridor}/notices", **guard("notices.read"))
async def list_notices(
    corridor: str, who: Who, service: ServiceDep, scenario: ScenarioQ = None
) -> list[str]:
    """Names of the corridor's notices: GATHERING-LANG and unit-PARTY-LANG (signed terms only)."""
    state = service.log.corridor(corridor, lambda s: s)
    return await run_in_threadpool(notices.names, service.uow(), who, state, scenario)


@router.get(
    "/corridors/{corridor}/notices/{name}.pdf", response_class=Response, **guard("notices.read")
)
async def notice(
    corridor: str, name: Name, who: Who, service: ServiceDep, scenario: ScenarioQ = None
) -> Response:
    """One printed notice (A4 PDF): a gathering point's, or a party's unit package."""
    state = service.log.corridor(corridor, lambda s: s)

    def work() -> bytes:
        with tempfile.TemporaryDirectory() as tmp:
            path = notices.write_one(
                service.uow(), who, state, name, FsPath(tmp), scenario, write_notice=write_notice
            )
            return path.read_bytes()

    body = await run_in_threadpool(work)
    return Response(
        body,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{name}.pdf"'},
    )


TableName = Annotated[str, Path(pattern=r"^(people|arrivals|vehicles|supplies)$")]


@router.get("/exports/{table}.csv", response_class=Response, **guard("exports.read"))
async def export_table(
    table: TableName, who: Who, service: ServiceDep, scenario: ScenarioQ = None
) -> Response:
    """An HXL table of counts (people, arrivals, vehicles or supplies); no personal data."""
    from corridor.services import exports

    found = await run_in_threadpool(exports.tables, service.uow(), who, scenario)
    body = next(t for t in found if t.name == table).csv()
    return Response(body, media_type="text/csv; charset=utf-8")


@router.get("/corridors/{corridor}/export.geojson", **guard("exports.read"))
async def export_geojson(
    corridor: str, who: Who, service: ServiceDep, scenario: ScenarioQ = None
) -> dict[str, object]:
    """GeoJSON of the signed corridor: route, ceasefire area, checkpoints, gathering points."""
    from corridor.services import exports

    state = service.log.corridor(corridor, lambda s: s)
    return await run_in_threadpool(exports.geojson, service.uow(), who, state, scenario)
