"""Use case: refuse a place far outside the scenario's OSM extract (a typing slip, most often
latitude and longitude swapped), instead of snapping it to a road thousands of km away.

A place farther outside the bounds of the extract's roads than :func:`far_m` is an
:class:`~corridor.errors.InputError` naming the field and the value; when swapping its two
numbers would put it inside the extract, the message asks whether they were swapped (locations
are ``[lon, lat]``, as in GeoJSON).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from corridor.errors import InputError

if TYPE_CHECKING:
    from corridor.routing.graph import RoadGraph
    from corridor.scenario.model import Scenario
    from corridor.services.network import Network

FAR_MIN_M = 10_000.0
METRES_PER_DEGREE = math.pi / 180.0 * 6_371_008.8
SWAPPED = "latitude and longitude swapped?"
LON_FIRST = "(a location is longitude first, then latitude)"


@dataclass(frozen=True)
class Bounds:
    """The lon/lat box around the extract's road nodes."""

    west: float
    south: float
    east: float
    north: float

    @classmethod
    def of(cls, graph: RoadGraph) -> Bounds:
        return cls(
            float(graph.lon.min()),
            float(graph.lat.min()),
            float(graph.lon.max()),
            float(graph.lat.max()),
        )

    def metres_outside(self, lon: float, lat: float) -> float:
        """How far (about, in metres) the point is outside the box; 0 inside it."""
        dlat = max(self.south - lat, 0.0, lat - self.north)
        dlon = max(self.west - lon, 0.0, lon - self.east)
        mid = math.radians(min(max(lat, self.south), self.north))
        return METRES_PER_DEGREE * math.hypot(dlat, dlon * math.cos(mid))

    def text(self) -> str:
        return (
            f"its roads span lon {self.west:.4f} to {self.east:.4f}, "
            f"lat {self.south:.4f} to {self.north:.4f}"
        )


def far_m(scenario: Scenario) -> float:
    """Farther than this outside the extract, a place is an error: 100 times
    ``routing.snap_max_m``, and at least 10 km."""
    return max(FAR_MIN_M, 100.0 * scenario.routing.snap_max_m)


def check_places_on_extract(net: Network) -> None:
    """Raise InputError for the first place (in the file's order) far outside the extract."""
    s = net.scenario
    bounds = Bounds.of(net.graph)
    limit = far_m(s)
    groups = (
        ("gathering", s.gathering),
        ("depots", s.depots),
        ("receptions", s.receptions),
        ("checkpoints", s.checkpoints),
    )
    for key, items in groups:
        for i, p in enumerate(items):
            lon, lat = p.location
            off = bounds.metres_outside(lon, lat)
            if off <= limit:
                continue
            hint = ""
            if bounds.metres_outside(lat, lon) <= s.routing.snap_max_m:
                hint = f"; {SWAPPED} [{lat:g}, {lon:g}] is inside it {LON_FIRST}"
            raise InputError(
                f"{s.file_label}: {key}[{i}].location",
                f"{[lon, lat]} is {off / 1000:,.0f} km outside the OSM extract "
                f"({bounds.text()}; at most {limit / 1000:g} km outside){hint}",
            )
