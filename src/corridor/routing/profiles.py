"""Vehicle profiles: which roads a vehicle type may use and how fast it drives them.

A profile has the vehicle's weight, height and width, whether it is a heavy goods vehicle,
the most it drives on each road class, and a speed factor. On an edge it may use, its speed is
``min(road speed, its cap for the road's class) * speed_factor``, where the road speed is the
OSM ``maxspeed`` or the class's typical speed (the car's speed in the graph). It may not use an
edge whose ``maxweight``, ``maxheight`` or ``maxwidth`` it exceeds, nor, as a heavy goods
vehicle, one tagged ``hgv=no``.

Profiles that give the same edges and proportional times share their routes: see
:func:`profile_groups`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from corridor.routing.graph import HGV_NO, ROAD_CLASSES, BoolArray, FloatArray, RoadGraph


@dataclass(frozen=True)
class VehicleProfile:
    """What a vehicle type is, for routing. ``speed_kmh`` caps the speed per road class."""

    name: str
    weight_t: float = 1.5
    height_m: float = 1.6
    width_m: float = 1.8
    hgv: bool = False
    speed_kmh: Mapping[str, float] = field(default_factory=dict)
    speed_factor: float = 1.0

    def __post_init__(self) -> None:
        for k in ("weight_t", "height_m", "width_m"):
            if not getattr(self, k) > 0:
                raise ValueError(f"{k} must be > 0")
        if not self.speed_factor > 0:
            raise ValueError("speed_factor must be > 0")
        for cls, v in self.speed_kmh.items():
            if cls not in ROAD_CLASSES:
                raise ValueError(f"{cls!r} is not a road class ({', '.join(ROAD_CLASSES)})")
            if not v > 0:
                raise ValueError(f"speed_kmh.{cls} must be > 0")

    def exceeds(self, weight_t: float, height_m: float, width_m: float) -> bool:
        """True when this vehicle is heavier, taller or wider than the given limits."""
        return self.weight_t > weight_t or self.height_m > height_m or self.width_m > width_m


def allowed_edges(graph: RoadGraph, profile: VehicleProfile) -> BoolArray:
    """Edges whose legal limits the profile keeps within."""
    t = graph.tags
    ok = (
        (t.max_weight_t >= profile.weight_t)
        & (t.max_height_m >= profile.height_m)
        & (t.max_width_m >= profile.width_m)
    )
    if profile.hgv:
        ok &= t.hgv != HGV_NO
    return np.asarray(ok, dtype=bool)


def edge_minutes(graph: RoadGraph, profile: VehicleProfile) -> FloatArray:
    """Driving minutes of the profile on every edge (whether or not it may use it)."""
    speed = graph.speed_kmh.copy()
    if profile.speed_kmh:
        caps = np.full(len(ROAD_CLASSES) + 1, np.inf)
        for cls, v in profile.speed_kmh.items():
            caps[ROAD_CLASSES.index(cls)] = v
        speed = np.minimum(speed, caps[graph.tags.road_class.astype(np.int64)])
    speed = speed * profile.speed_factor
    return np.asarray(graph.length_m / (speed * 1000.0 / 60.0), dtype=np.float64)


@dataclass(frozen=True)
class ProfileGroup:
    """Profiles that drive the same edges at times proportional to ``time_min``.

    ``scale[name]`` is each member's time divided by ``time_min`` (the first member's), so
    one set of least-cost routes serves them all.
    """

    members: tuple[str, ...]
    allowed: BoolArray
    time_min: FloatArray
    scale: dict[str, float]


def profile_groups(
    graph: RoadGraph,
    profiles: Sequence[VehicleProfile],
    closed: Mapping[str, BoolArray] | None = None,
) -> list[ProfileGroup]:
    """Group ``profiles`` whose routes are the same (same edges, proportional times).

    ``closed[name]``, where given, are edges closed to that profile besides its legal limits
    (a hazard that closes a bridge to heavy vehicles).
    """
    groups: dict[str, ProfileGroup] = {}
    for p in profiles:
        allowed = allowed_edges(graph, p)
        if closed is not None and p.name in closed:
            allowed = allowed & ~closed[p.name]
        minutes = edge_minutes(graph, p)
        base = edge_minutes(graph, replace(p, speed_factor=1.0))  # before the uniform factor
        key = hashlib.sha256(allowed.tobytes() + base.tobytes()).hexdigest()
        got = groups.get(key)
        if got is None:
            groups[key] = ProfileGroup((p.name,), allowed, minutes, {p.name: 1.0})
        else:
            first = got.members[0]
            ratio = got.scale[first] * _factor(profiles, first) / p.speed_factor
            groups[key] = ProfileGroup(
                (*got.members, p.name), got.allowed, got.time_min, {**got.scale, p.name: ratio}
            )
    return list(groups.values())


def _factor(profiles: Sequence[VehicleProfile], name: str) -> float:
    return next(p.speed_factor for p in profiles if p.name == name)
