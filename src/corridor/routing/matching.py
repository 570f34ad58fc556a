"""Matching a position to a vehicle's planned route, and the vehicle's state after it.

A route is the road geometry of a trip sheet in a local metric projection, each vertex with its
planned times (minutes from the operation's origin): ``arrive`` and ``leave`` differ only at
the stops, where the vehicle is planned to wait. Distances to every segment are computed at
once (numpy); nothing here reads a clock or a database.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from corridor.domain.tracking import LiveParams, TrackState
from corridor.routing.fleet import (
    EARTH_M_PER_DEG,
    Fleet,
    FloatArray,
    IntArray,
    Reports,
    States,
    Thresholds,
    advance_many,
    fleet,
    match_many,
)


@dataclass(frozen=True, eq=False)
class RouteLine:
    """A vehicle's planned route: vertices in metres, distance along it, planned minutes.

    ``leg[i]`` is the leg (0: from the first stop to the second) of segment ``i``;
    ``stop_at`` the distance along the route of each stop, ``stop_arrive``/``stop_leave``
    their planned minutes; ``out_at``/``out_end`` each outbound crossing's distance and the
    planned minute its inspection ends (the vehicle is out of the zone).
    """

    lon0: float
    lat0: float
    x: FloatArray
    y: FloatArray
    along: FloatArray
    arrive: FloatArray
    leave: FloatArray
    leg: IntArray
    stop_at: FloatArray
    stop_arrive: FloatArray
    stop_leave: FloatArray
    out_at: FloatArray = field(default_factory=lambda: np.zeros(0))
    out_end: FloatArray = field(default_factory=lambda: np.zeros(0))

    def __post_init__(self) -> None:
        # Each segment's vector and length, once: every report is matched against them.
        object.__setattr__(self, "dx", np.diff(self.x))
        object.__setattr__(self, "dy", np.diff(self.y))
        object.__setattr__(self, "seg", np.diff(self.along))

    dx: FloatArray = field(init=False, repr=False)
    dy: FloatArray = field(init=False, repr=False)
    seg: FloatArray = field(init=False, repr=False)

    @property
    def length_m(self) -> float:
        return float(self.along[-1]) if len(self.along) else 0.0

    def project(self, lon: float, lat: float) -> tuple[float, float]:
        k = EARTH_M_PER_DEG
        return (lon - self.lon0) * k * math.cos(math.radians(self.lat0)), (lat - self.lat0) * k


def route_line(
    coordinates: list[list[float]],
    vertex_leg: list[int],
    stops: list[dict[str, Any]],
) -> RouteLine:
    """A :class:`RouteLine` from a trip sheet: its LineString coordinates ``[lon, lat]``, the
    leg each vertex starts (``vertex_leg``: the index of the stop it leaves; the stops' own
    vertices are the first of each leg and the last vertex) and its stops (``arrive_min``,
    ``leave_min``, ``dir`` for crossings)."""
    xy = np.asarray(coordinates, dtype=np.float64).reshape(-1, 2)
    if len(xy) < 2:
        xy = np.vstack([xy, xy]) if len(xy) else np.zeros((2, 2))
    lon0, lat0 = float(xy[0, 0]), float(xy[0, 1])
    k = EARTH_M_PER_DEG
    x = (xy[:, 0] - lon0) * k * math.cos(math.radians(lat0))
    y = (xy[:, 1] - lat0) * k
    seg = np.hypot(np.diff(x), np.diff(y))
    along = np.concatenate([[0.0], np.cumsum(seg)])
    legs = np.asarray(vertex_leg[: len(xy)], dtype=np.int64)
    if len(legs) < len(xy):
        legs = np.concatenate([legs, np.full(len(xy) - len(legs), max(0, len(stops) - 2))])
    # The stops stand at the first vertex of the leg they start, and the last at the end.
    n = len(stops)
    stop_at = np.zeros(n)
    for s in range(n):
        first = np.flatnonzero(legs == s)
        stop_at[s] = along[first[0]] if len(first) and s < n - 1 else along[-1]
    stop_arrive = np.asarray([float(s["arrive_min"]) for s in stops] or [0.0])
    stop_leave = np.asarray([float(s["leave_min"]) for s in stops] or [0.0])
    if n == 0:
        stop_at = np.zeros(1)
    # Planned minutes at each vertex: leave the stop, drive at an even pace to the next.
    arrive = np.empty(len(xy))
    leave = np.empty(len(xy))
    for s in range(max(1, n - 1)):
        idx = np.flatnonzero(legs == s)
        if not len(idx) or n < 2:
            continue
        a, b = stop_at[s], stop_at[s + 1]
        t0, t1 = stop_leave[s], stop_arrive[s + 1]
        frac = (along[idx] - a) / (b - a) if b > a else np.zeros(len(idx))
        arrive[idx] = leave[idx] = t0 + np.clip(frac, 0, 1) * (t1 - t0)
        arrive[idx[0]] = stop_arrive[s]
    arrive[-1] = leave[-1] = stop_arrive[-1]
    if n < 2:
        arrive[:] = leave[:] = stop_arrive[0]
    outs = [i for i, s in enumerate(stops) if s.get("dir") == "out"]
    return RouteLine(
        lon0,
        lat0,
        x,
        y,
        along,
        arrive,
        leave,
        legs[:-1] if len(legs) > 1 else legs,
        stop_at,
        stop_arrive,
        stop_leave,
        np.asarray([stop_at[i] for i in outs], dtype=np.float64),
        np.asarray([stop_leave[i] for i in outs], dtype=np.float64),
    )


@dataclass(frozen=True)
class Match:
    """Where a position lies against the route: metres off it, metres along it, the leg,
    and the minute the plan has the vehicle there (the planned departure, at a stop)."""

    off_route_m: float
    along_m: float
    leg: int
    planned_min: float
    at_stop: int | None


def _one(route: RouteLine) -> Fleet:
    """The route as a fleet of one (built once per route)."""
    own = route.__dict__.get("_fleet")
    if own is None:
        own = fleet([route])
        object.__setattr__(route, "_fleet", own)
    return own


def match(
    route: RouteLine, lon: float, lat: float, since_m: float, near_m: float,
    expect_min: float | None = None,
) -> Match:  # fmt: skip
    """Match one position, never going back along the route by more than ``BACK_M`` (of
    :mod:`corridor.routing.fleet`) from ``since_m`` (a route that comes back along the same
    road, or leaves a stop the way it came, is matched in order); ``expect_min``: the plan's
    minute the vehicle would be at keeping its lateness (None: no state
    yet). :func:`corridor.routing.fleet.match_many` says how."""
    m = match_many(
        _one(route), np.zeros(1, dtype=np.int64), np.array([lon]), np.array([lat]),
        np.array([since_m]), np.array([np.nan if expect_min is None else expect_min]), near_m,
    )  # fmt: skip
    stop = int(m.at_stop[0])
    return Match(
        float(m.off_route_m[0]), float(m.along_m[0]), int(m.leg[0]), float(m.planned_min[0]),
        None if stop < 0 else stop,
    )  # fmt: skip


def advance(
    route: RouteLine,
    prev: TrackState | None,
    at_min: float,
    lon: float,
    lat: float,
    speed_kmh: float | None,
    params: LiveParams,
) -> TrackState:
    """The state after one report (the caller gives reports in their own time order)."""
    before = states_of([prev])
    after = advance_many(
        _one(route),
        before,
        Reports(
            np.zeros(1, dtype=np.int64), np.array([at_min]), np.array([lon]), np.array([lat]),
            np.array([np.nan if speed_kmh is None else speed_kmh]),
        ),
        thresholds(params),
    )  # fmt: skip
    return state_at(after, 0, speed_kmh)


def thresholds(params: LiveParams) -> Thresholds:
    return Thresholds(params.off_route_m, params.stop_radius_m, params.moving_kmh)


def states_of(states: list[TrackState | None]) -> States:
    """Vehicles' states as arrays (None: no state yet)."""

    def col(name: str, none: float = 0.0) -> FloatArray:
        return np.array([none if s is None else getattr(s, name) for s in states], dtype=float)

    stopped = [np.nan if s is None or s.stopped_since_min is None else s.stopped_since_min
               for s in states]  # fmt: skip
    stops = [-1 if s is None or s.at_stop is None else s.at_stop for s in states]
    return States(
        np.array([s is not None for s in states], dtype=bool),
        col("at_min"), col("lon"), col("lat"), col("along_m"), col("late_min"),
        np.array(stopped, dtype=float), col("off_route_m"),
        col("leg").astype(np.int64), col("finished").astype(bool),
        np.array(stops, dtype=np.int64),
    )  # fmt: skip


def state_at(s: States, k: int, speed_kmh: float | None) -> TrackState:
    """Vehicle ``k``'s state of an :func:`advance_many` result."""
    stopped, stop = float(s.stopped_since_min[k]), int(s.at_stop[k])
    return TrackState(
        float(s.at_min[k]), float(s.lon[k]), float(s.lat[k]), float(s.along_m[k]),
        float(s.off_route_m[k]), int(s.leg[k]), float(s.late_min[k]),
        None if math.isnan(stopped) else stopped, bool(s.finished[k]),
        None if stop < 0 else stop, speed_kmh,
    )  # fmt: skip


def last_exit(route: RouteLine, along_m: float, near_m: float) -> float | None:
    """The planned end of the last outbound crossing at or ahead of ``along_m`` (None: none)."""
    if not len(route.out_at):
        return None
    ahead = route.out_end[route.out_at >= along_m - near_m]
    return float(ahead[-1]) if len(ahead) else None


def distance_to(route: RouteLine, lon: float, lat: float) -> float:
    """Metres from a point to the nearest point of the route."""
    px, py = route.project(lon, lat)
    x0, y0, x1, y1 = route.x[:-1], route.y[:-1], route.x[1:], route.y[1:]
    dx, dy = x1 - x0, y1 - y0
    ll = dx * dx + dy * dy
    t = np.clip(((px - x0) * dx + (py - y0) * dy) / np.where(ll > 0, ll, 1.0), 0.0, 1.0)
    return float(np.min(np.hypot(x0 + t * dx - px, y0 + t * dy - py)))
