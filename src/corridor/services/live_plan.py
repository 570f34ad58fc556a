"""The plan in force as the live operation reads it, and the live thresholds.

Tracking (positions against the routes) and reconciliation (people against the check-ins) both
read these; neither imports the other for them.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from corridor.domain.tracking import LiveParams

if TYPE_CHECKING:
    import datetime as dt

    from corridor.routing.fleet import Fleet
    from corridor.routing.matching import RouteLine
    from corridor.services.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class Plan:
    """The plan in force as tracking needs it: routes in metres, times, the window; the
    routes laid end to end (``fleet``, route ``index[vehicle]``) to match many reports at once."""

    id: int
    origin: str
    close_min: float
    routes: dict[str, RouteLine]
    start_min: dict[str, float]
    stops: dict[str, list[dict[str, Any]]]
    fleet: Fleet
    index: dict[str, int]
    origin_at: dt.datetime


# Caches of this process, by database (tests and tools run several services in one process).
_plans: dict[tuple[str, int], Plan] = {}
_lock = threading.Lock()


def db_key(uow: UnitOfWork) -> str:
    """The database a unit of work writes to, as a key of this process's caches."""
    conn = uow.connection
    return "" if conn is None else str(conn.engine.url)


def plan_in_force(uow: UnitOfWork) -> Plan | None:
    """The newest publication, its routes built once per process."""
    pub = uow.publications.current()
    if pub is None:
        return None
    ident = int(pub["id"])
    key = (db_key(uow), ident)
    with _lock:
        hit = _plans.get(key)
    if hit is not None:
        return hit
    import datetime as dt

    from corridor.routing.fleet import fleet
    from corridor.routing.matching import route_line

    routes, starts, stops = {}, {}, {}
    for sheet in uow.publications.sheets(ident):
        coords = sheet["route"]["coordinates"]
        starts_at = [*list(sheet["leg_starts"]), len(coords)]
        vertex_leg = [
            leg
            for leg in range(len(starts_at) - 1)
            for _ in range(starts_at[leg], starts_at[leg + 1])
        ]
        routes[sheet["vehicle"]] = route_line(coords, vertex_leg, sheet["stops"])
        starts[sheet["vehicle"]] = float(sheet["stops"][0]["leave_min"])
        stops[sheet["vehicle"]] = sheet["stops"]
    names = list(routes)
    plan = Plan(
        ident, str(pub["origin"]), float(pub["window_close"]), routes, starts, stops,
        fleet([routes[v] for v in names]), {v: i for i, v in enumerate(names)},
        dt.datetime.fromisoformat(str(pub["origin"])),
    )  # fmt: skip
    with _lock:
        _plans[key] = plan
    return plan


def params_of(uow: UnitOfWork) -> LiveParams:
    return uow.live_params if isinstance(uow.live_params, LiveParams) else LiveParams()
