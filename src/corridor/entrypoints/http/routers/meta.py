"""Health (no token needed) for load balancers and the demo."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from sqlalchemy import text

from corridor.entrypoints.http.deps import ServiceDep
from corridor.entrypoints.http.responses import ClockOut

router = APIRouter(prefix="/v1", tags=["meta"])


@router.get("/health")
def health(service: ServiceDep) -> dict[str, Any]:
    """Answers 200 when the database answers; says which database and how many live streams."""
    with service.engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    return {"status": "ok", "database": service.dialect, "streams": service.bus.subscribers}


@router.get("/clock")
def clock(service: ServiceDep) -> ClockOut:
    """The service's time: every page shows the operation by this clock, not its device's.

    ``rate`` is how fast it runs against real time (1, except while a rehearsal or the demo
    replays an operation faster)."""
    return ClockOut(now=service.clock(), rate=getattr(service.clock, "rate", 1.0))
