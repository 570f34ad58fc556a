"""What the live operation is made of, as the checks of its input read it: the classes of
people, the vehicles with their seats and stretchers, the gathering points, the reception
centres and the area of every place.

It is read from the plan in force: its publication names the plan and the scenario, and the
plan's own instance (a replan's) or else the scenario's instance gives the classes, the fleet and
the places; the scenario's places give where each lies. Nothing else is a source of it: before a
plan is published there is nothing to check against, and :func:`scope_of` answers None.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from corridor.services.live_plan import db_key

if TYPE_CHECKING:
    from corridor.services.unit_of_work import UnitOfWork

#: Metres in one degree of latitude (and of longitude at the equator), on a sphere.
M_PER_DEGREE = 111_195.0


@dataclass(frozen=True)
class Vehicle:
    seats: int
    stretchers: int


@dataclass(frozen=True)
class Scope:
    """The operation of publication ``publication``: classes (name → takes a stretcher),
    vehicles by name (``DEPOT/TYPE/k``), gathering points, reception centres (id → capacity),
    the published window (minutes from ``origin``) and the bounding box of every place of the
    scenario (min lon, min lat, max lon, max lat; None when no place has coordinates)."""

    publication: int
    origin: str
    window: tuple[float, float]
    classes: dict[str, bool]
    vehicles: dict[str, Vehicle]
    gathering: frozenset[str]
    receptions: dict[str, int]
    box: tuple[float, float, float, float] | None

    def metres_outside(self, lat: float, lon: float) -> float:
        """How far (m, roughly: an equirectangular projection) a point lies outside the box of
        the places; 0 inside it."""
        if self.box is None:
            return 0.0
        west, south, east, north = self.box
        dy = max(south - lat, 0.0, lat - north)
        dx = max(west - lon, 0.0, lon - east)
        mid = math.radians(min(max(lat, south), north))
        return math.hypot(dy, dx * math.cos(mid)) * M_PER_DEGREE


_scopes: dict[tuple[str, int], Scope] = {}
_lock = threading.Lock()


def scope_of(uow: UnitOfWork) -> Scope | None:
    """The operation of the plan in force (in the caller's open transaction), read once per
    publication and process; None while no plan is published (or in fakes that do not track)."""
    if uow.publications is None:
        return None
    pub = uow.publications.current()
    if pub is None:
        return None
    key = (db_key(uow) or f"store-{id(uow.publications)}", int(pub["id"]))
    with _lock:
        hit = _scopes.get(key)
    if hit is not None:
        return hit
    scenario = uow.scenarios.get(int(pub["scenario_id"])) or {}
    plan = uow.plans.get(int(pub["plan_id"])) or {}
    instance = plan.get("instance") or scenario.get("instance")
    if not instance:
        return None
    scope = _read(pub, instance, scenario.get("places") or {})
    with _lock:
        _scopes[key] = scope
    return scope


def _read(pub: dict[str, Any], instance: dict[str, Any], places: dict[str, Any]) -> Scope:
    types = instance.get("vehicle_types") or {}
    vehicles = {
        f"{depot['id']}/{kind}/{k}": Vehicle(
            int(types.get(kind, {}).get("seats") or 0),
            int(types.get(kind, {}).get("stretchers") or 0),
        )
        for depot in instance.get("depots") or []
        for kind, n in (depot.get("fleet") or {}).items()
        for k in range(int(n))
    }
    points = [
        (float(p["lon"]), float(p["lat"]))
        for p in places.values()
        if p.get("lon") is not None and p.get("lat") is not None
    ]
    box = None
    if points:
        lons, lats = [p[0] for p in points], [p[1] for p in points]
        box = (min(lons), min(lats), max(lons), max(lats))
    return Scope(
        publication=int(pub["id"]),
        origin=str(pub["origin"]),
        window=(float(pub["window_open"]), float(pub["window_close"])),
        classes={
            str(name): bool((c or {}).get("stretcher"))
            for name, c in (instance.get("classes") or {}).items()
        },
        vehicles=vehicles,
        gathering=frozenset(str(g["id"]) for g in instance.get("gathering") or []),
        receptions={
            str(r["id"]): int(r.get("capacity") or 0) for r in instance.get("receptions") or []
        },
        box=box,
    )
