"""Health (no token needed) for load balancers and the demo."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from corridor.adapters.storage_health import storage_health
from corridor.entrypoints.http.deps import ServiceDep
from corridor.entrypoints.http.responses import ClockOut

router = APIRouter(prefix="/v1", tags=["meta"])


@router.get("/health", responses={503: {"description": "the database or the disk is failing"}})
def health(service: ServiceDep, response: Response) -> dict[str, Any]:
    """200 when the database answers and the data directory takes a write; 503 naming what
    fails otherwise. Says which database and how many live streams."""
    checks = storage_health(service.engine, service.settings.data_dir)
    failing = sorted(k for k, v in checks.items() if v != "ok")
    if failing:
        response.status_code = 503
    return {
        "status": "failing" if failing else "ok",
        "failing": failing,
        "checks": checks,
        "database": service.dialect,
        "streams": service.bus.subscribers,
    }


@router.get("/clock")
def clock(service: ServiceDep) -> ClockOut:
    """The service's time: every page shows the operation by this clock, not its device's.

    ``rate`` is how fast it runs against real time (1, except while a rehearsal or the demo
    replays an operation faster)."""
    return ClockOut(now=service.clock(), rate=getattr(service.clock, "rate", 1.0))
