"""The FastAPI application: routers under ``/v1``, problems, size limits, the dashboard at ``/``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles

from corridor.bootstrap import Service
from corridor.entrypoints.http import problems
from corridor.entrypoints.http.limits import BodySizeLimit
from corridor.entrypoints.http.routers import (
    accounts,
    after_action,
    agreement,
    drafts,
    events,
    i18n,
    live,
    meta,
    notices,
    operations,
    public,
    registry,
    registry_imports,
    scenarios,
    simulations,
)
from corridor.services.tracking import Sweeper

STATIC = Path(__file__).resolve().parents[1] / "web" / "static"
ROUTERS = [
    meta,
    accounts,
    operations,
    live,
    registry,
    registry_imports,
    drafts,
    agreement,
    scenarios,
    simulations,
    events,
    public,
    notices,
    i18n,
    after_action,
]


def create_app(service: Service) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        service.bus.start()
        sweeper = Sweeper(service.uow, service.settings.live_sweep_seconds)
        sweeper.start()
        try:
            yield
        finally:
            sweeper.stop()
            service.bus.stop()

    app = FastAPI(
        title="corridor coordination service",
        version="1",
        description="Plan, agree and run a humanitarian corridor. Every route needs a bearer "
        "token except /v1/health and /v1/clock; `x-roles` on each operation lists the roles "
        "allowed.",
        lifespan=lifespan,
    )
    app.state.service = service
    problems.install(app)
    app.add_middleware(
        BodySizeLimit,
        max_bytes=service.settings.max_body_bytes,
        larger={"/v1/osm/": service.settings.max_osm_bytes},
    )
    for module in ROUTERS:
        app.include_router(module.router)
    app.include_router(registry.manifests_router)
    if (STATIC / "index.html").exists():
        app.mount("/", StaticFiles(directory=STATIC, html=True), name="dashboard")
    else:

        @app.get("/", include_in_schema=False)
        def root() -> RedirectResponse:
            return RedirectResponse("/docs")

    return app
