"""How the demo's vehicles move: along the road geometry of their planned routes, on the plan's
times, with the troubles the demo shows (a vehicle held at a checkpoint, one that leaves its
route for a while).

A :class:`Track` is a vehicle's way through time: (minute, lon, lat) waypoints, standing still
at each stop between its arrival and departure, driving each leg along its roads at the even
pace that meets the plan's times. :meth:`Track.at` gives where it is at any minute.
"""

from __future__ import annotations

import bisect
import itertools
import math
from dataclasses import dataclass, field
from typing import Any

EARTH_M = 6_371_000.0


def metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Metres between two (lon, lat) points (equirectangular: exact enough within a city)."""
    k = math.pi / 180
    x = (b[0] - a[0]) * k * math.cos((a[1] + b[1]) / 2 * k)
    y = (b[1] - a[1]) * k
    return math.hypot(x, y) * EARTH_M


def _times(stop: dict[str, Any]) -> tuple[float, float]:
    arrive = float(stop.get("arrive", stop.get("start", 0.0)))
    leave = float(stop.get("depart", stop.get("end", arrive)))
    return arrive, max(leave, arrive)


@dataclass
class Track:
    """A vehicle's waypoints (minute, lon, lat), minutes increasing."""

    points: list[tuple[float, float, float]] = field(default_factory=list)
    detours: list[tuple[float, float, float]] = field(default_factory=list)
    """(from minute, to minute, metres): a bump aside of the road, largest halfway."""

    @classmethod
    def along(
        cls, stops: list[dict[str, Any]], legs: list[list[tuple[float, float]]],
        where: dict[str, tuple[float, float]],
    ) -> Track:  # fmt: skip
        """The track of a planned route: ``legs[i]`` is the road from stop i to stop i+1 as
        (lon, lat) points (empty: straight between the stops, at ``where``)."""
        pts: list[tuple[float, float, float]] = []
        for i, stop in enumerate(stops):
            arrive, leave = _times(stop)
            here = where[stop["at"]]
            pts += [(arrive, *here), (leave, *here)]
            if i + 1 < len(stops):
                road = (legs[i] if i < len(legs) else []) or [here, where[stops[i + 1]["at"]]]
                nxt, _ = _times(stops[i + 1])
                pts += _paced(road, leave, nxt)
        pts.sort(key=lambda p: p[0])
        return cls(pts)

    def at(self, minute: float) -> tuple[float, float]:
        """(lon, lat) at ``minute`` (before the first waypoint: at it; after the last: there)."""
        lon, lat = self._on_road(minute)
        for t0, t1, m in self.detours:
            if t0 < minute < t1:
                # to the side of the way it drives (left for m > 0), largest halfway
                away = math.sin(math.pi * (minute - t0) / (t1 - t0)) * m
                lon, lat = _aside((lon, lat), self._heading(minute), away)
        return lon, lat

    def _on_road(self, minute: float) -> tuple[float, float]:
        ts = [p[0] for p in self.points]
        i = bisect.bisect_right(ts, minute)
        if i == 0:
            return self.points[0][1], self.points[0][2]
        if i == len(self.points):
            return self.points[-1][1], self.points[-1][2]
        (ta, xa, ya), (tb, xb, yb) = self.points[i - 1], self.points[i]
        f = 0.0 if tb <= ta else (minute - ta) / (tb - ta)
        return xa + f * (xb - xa), ya + f * (yb - ya)

    def _heading(self, minute: float) -> tuple[float, float]:
        """The unit direction (east, north) it drives around ``minute``."""
        a, b = self._on_road(minute - 1), self._on_road(minute + 1)
        k = math.cos(math.radians((a[1] + b[1]) / 2))
        dx, dy = (b[0] - a[0]) * k, b[1] - a[1]
        n = math.hypot(dx, dy)
        return (1.0, 0.0) if n == 0 else (dx / n, dy / n)

    def clearance(self, minute: float, away_m: float) -> float:
        """Metres from the point ``away_m`` aside of the road at ``minute`` to the nearest
        waypoint of the whole track (how far off its route such a detour really is)."""
        spot = _aside(self._on_road(minute), self._heading(minute), away_m)
        return min(metres(spot, (x, y)) for _, x, y in self.points)

    def start(self) -> float:
        return self.points[0][0]

    def end(self) -> float:
        return self.points[-1][0]

    def held(self, minute: float, minutes: float) -> Track:
        """The same track held ``minutes`` longer where it is at ``minute`` (a checkpoint that
        keeps it), everything after it that much later."""
        lon, lat = self.at(minute)
        before = [p for p in self.points if p[0] <= minute]
        after = [(t + minutes, x, y) for t, x, y in self.points if t > minute]
        return Track([*before, (minute, lon, lat), (minute + minutes, lon, lat), *after],
                     list(self.detours))  # fmt: skip

    def detour(self, start: float, end: float, away_m: float) -> Track:
        """The same track, leaving its road between ``start`` and ``end`` (up to ``away_m``
        metres to the left of it, halfway; right where negative)."""
        return Track(list(self.points), [*self.detours, (start, end, away_m)])


def _paced(
    road: list[tuple[float, float]], leave: float, arrive: float
) -> list[tuple[float, float, float]]:
    """Waypoints along ``road`` from ``leave`` to ``arrive`` at an even pace."""
    steps = [0.0]
    for a, b in itertools.pairwise(road):
        steps.append(steps[-1] + metres(a, b))
    total = steps[-1]
    span = max(arrive - leave, 0.0)
    return [
        (leave + (span * d / total if total > 0 else 0.0), lon, lat)
        for d, (lon, lat) in zip(steps, road, strict=True)
    ]


def _aside(at: tuple[float, float], heading: tuple[float, float], m: float) -> tuple[float, float]:
    """The point ``m`` metres to the left of ``at`` facing ``heading`` (right if negative)."""
    left = (-heading[1], heading[0])
    k = 180 / math.pi / EARTH_M
    lat = at[1] + left[1] * m * k
    lon = at[0] + left[0] * m * k / math.cos(math.radians(at[1]))
    return lon, lat
