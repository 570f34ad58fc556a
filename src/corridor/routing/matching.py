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
import numpy.typing as npt

from corridor.domain.tracking import LiveParams, TrackState

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

EARTH_M_PER_DEG = 111_320.0


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


#: How far back along the route a match may go from the last one (position noise), metres.
BACK_M = 30.0


#: Two points of the route this close in distance to a report are equally good matches.
TIE_M = 25.0

#: How far ahead of the last match a report is looked for first, metres (then everywhere).
AHEAD_M = 6000.0


def match(route: RouteLine, lon: float, lat: float, since_m: float, near_m: float) -> Match:
    """Match one position, never going back along the route by more than :data:`BACK_M` from
    ``since_m`` (a route that comes back along the same road, or leaves a stop the way it came,
    is matched in order): the nearest point of the route from there on; of the points within
    ``near_m`` and about as near as the nearest, the first stretch of them. The segments up
    to :data:`AHEAD_M` ahead are searched first (a report a minute or two after the last), the
    whole rest only when none of them is within ``near_m``."""
    px, py = route.project(lon, lat)
    lo = max(int(np.searchsorted(route.along, since_m - BACK_M, side="right")) - 1, 0)
    hi = int(np.searchsorted(route.along, since_m + AHEAD_M, side="right"))
    n = len(route.x) - 1
    found = _nearest(route, px, py, since_m, near_m, lo, min(max(hi, lo + 1), n))
    if found is None or found[1] > near_m:
        found = _nearest(route, px, py, since_m, near_m, lo, n) or found
    assert found is not None
    i, dist, a, t = found
    planned = float(route.leave[i] + t * (route.arrive[i + 1] - route.leave[i]))
    at_stop = None
    gap = np.abs(route.stop_at - a)
    s = int(np.argmin(gap))
    if gap[s] <= near_m and dist <= near_m:
        at_stop = s
        planned = float(route.stop_leave[s]) if a >= route.stop_at[s] - near_m else planned
    return Match(dist, a, int(route.leg[i]), planned, at_stop)


def _nearest(
    route: RouteLine, px: float, py: float, since_m: float, near_m: float, lo: int, hi: int
) -> tuple[int, float, float, float] | None:
    """(segment, distance, metres along, fraction) of the match among segments lo..hi-1."""
    if hi <= lo:
        return None
    x0, y0 = route.x[lo:hi], route.y[lo:hi]
    dx, dy, seg = route.dx[lo:hi], route.dy[lo:hi], route.seg[lo:hi]
    start = route.along[lo:hi]
    ll = seg * seg
    t = ((px - x0) * dx + (py - y0) * dy) / np.where(ll > 0, ll, 1.0)
    # Never a point behind the last match (by more than the noise allowed).
    floor = (since_m - BACK_M - start) / np.where(seg > 0, seg, 1.0)
    t = np.clip(np.maximum(t, floor), 0.0, 1.0)
    d = np.hypot(x0 + t * dx - px, y0 + t * dy - py)
    near = d <= near_m
    if near.any():
        # The first stretch of the route about as near as the nearest point: the way out
        # before the way back along the same road, but never a worse stretch before.
        near &= d <= float(d[near].min()) + TIE_M
        i = int(np.argmax(near))
        j = i
        while j + 1 < len(d) and near[j + 1]:
            j += 1
        # Of the consecutive segments within reach, the nearest (a bend is several segments).
        i = i + int(np.argmin(d[i : j + 1]))
    else:
        i = int(np.argmin(d))
    return lo + i, float(d[i]), float(start[i] + t[i] * seg[i]), float(t[i])


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
    since = prev.along_m if prev is not None else 0.0
    m = match(route, lon, lat, since, max(params.off_route_m, params.stop_radius_m))
    along = max(m.along_m, since - BACK_M) if m.off_route_m <= params.off_route_m else since
    moved = True
    if prev is not None:
        # As the crow flies, or along the route where the road doubles back.
        dist = max(
            math.hypot(*np.subtract(route.project(lon, lat), route.project(prev.lon, prev.lat))),
            abs(along - prev.along_m),
        )
        minutes = max(at_min - prev.at_min, 1e-6)
        kmh = speed_kmh if speed_kmh is not None else dist / 1000 / (minutes / 60)
        moved = kmh >= params.moving_kmh and dist >= 10.0
    stopped_since = None
    if not moved:
        stopped_since = (
            prev.stopped_since_min
            if prev and prev.stopped_since_min is not None
            else (prev.at_min if prev is not None else at_min)
        )
    late = (
        at_min - m.planned_min
        if m.off_route_m <= params.off_route_m
        else (prev.late_min if prev is not None else 0.0)
    )
    finished = along >= route.length_m - params.stop_radius_m
    return TrackState(
        at_min, lon, lat, along, m.off_route_m, m.leg, late, stopped_since, finished,
        m.at_stop, speed_kmh,
    )  # fmt: skip


def last_exit(route: RouteLine, along_m: float, near_m: float) -> float | None:
    """The planned end of the last outbound crossing at or ahead of ``along_m`` (None: none)."""
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
