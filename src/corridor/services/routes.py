"""Use case: from a scenario to its road network, its hazard-aware routes and its map layers.

:func:`prepare_network` loads the road graph, puts the zone and hazards on it and snaps every
place to a road; :func:`corridor_routes` gives the checkpoint-to-reception corridor candidates
as GeoJSON; :func:`scenario_layers` gives the map layers (zone, hazards, places, roads) as
GeoJSON for the dashboard. Pure of HTTP: the coordination service calls these directly.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import shapely

from corridor.adapters.osm import load_road_graph
from corridor.errors import InputError
from corridor.routing.graph import BoolArray, RoadGraph
from corridor.routing.hazards import (
    HazardArea,
    HazardEffect,
    ZoneSides,
    apply_hazards,
    boundary_nodes,
    zone_sides,
)
from corridor.routing.paths import NoPath, Route, alternatives, route_matrix
from corridor.routing.snap import snap
from corridor.scenario.loader import to_metres
from corridor.scenario.model import Scenario

ATTRIBUTION = "© OpenStreetMap contributors"


@dataclass(frozen=True)
class SnappedPlace:
    id: str
    kind: str  # gathering, depot, reception, checkpoint
    name: str | None
    lon: float
    lat: float
    node: int
    distance_m: float


@dataclass(frozen=True)
class Network:
    """A scenario on its road graph: edges each side may use, costs, places on nodes."""

    scenario: Scenario
    graph: RoadGraph
    zone: shapely.Geometry  # projected metres
    hazards: list[HazardArea]
    effect: HazardEffect
    sides: ZoneSides
    places: dict[str, SnappedPlace]
    time_factor: float
    warnings: list[str] = field(default_factory=list)

    @property
    def inside_edges(self) -> BoolArray:
        return self.sides.inside & self.effect.open_edges

    @property
    def outside_edges(self) -> BoolArray:
        return self.sides.outside & self.effect.open_edges

    def of_kind(self, kind: str) -> list[SnappedPlace]:
        return [p for p in self.places.values() if p.kind == kind]

    def hazards_near(self, route: Route) -> list[str]:
        on = np.isin(self.effect.near_edge, route.edges)
        ids = sorted(set(self.effect.near_hazard[on].tolist()))
        return [self.effect.hazard_ids[i] for i in ids]


def slowest_factor(scenario: Scenario) -> float:
    """Time multiplier so that every vehicle type in a fleet can keep the planned times."""
    used = {t for d in scenario.depots for t, n in d.fleet.items() if n > 0}
    factors = [scenario.vehicle_types[t].speed_factor for t in used] or [1.0]
    return 1.0 / min(factors)


def prepare_network(
    scenario: Scenario, cache_dir: Path | None = None, graph: RoadGraph | None = None
) -> Network:
    """Load the scenario's roads and put its zone, hazards and places on them.

    Raises :class:`InputError` when the extract is missing or a place is farther than
    ``routing.snap_max_m`` from any road it may use (the message says how far).
    """
    label = scenario.file_label
    if graph is None:
        path = scenario.osm_path()
        if not path.is_file():
            raise InputError(f"{label}: osm", f"{scenario.osm!r}: OSM extract not found ({path})")
        graph = _road_graph(path.resolve(), path.stat().st_mtime_ns, path.stat().st_size, cache_dir)
    proj = graph.projection
    zone = to_metres(scenario.zone.shape(), proj)
    hazards = [
        HazardArea(
            h.id,
            _buffered(to_metres(h.geometry.shape(), proj), h.buffer_m),
            closed=h.closed,
            penalty=h.penalty or 0.0,
        )
        for h in scenario.hazards
    ]
    effect = apply_hazards(graph, hazards, scenario.routing.near_m)
    limit = scenario.routing.snap_max_m

    # Checkpoints first: each goes to the nearest end of a road crossing the zone boundary,
    # and joins the two sides there.
    cps = scenario.checkpoints
    crossings = boundary_nodes(graph, zone)
    if not crossings.any():
        raise InputError(f"{label}: zone", "no road crosses the zone boundary")
    cp_snap = snap(graph, [c.location[0] for c in cps], [c.location[1] for c in cps], crossings)
    sides = zone_sides(graph, zone, cp_snap.node)

    has_in = _touching(graph, sides.inside)
    has_out = _touching(graph, sides.outside)
    places: dict[str, SnappedPlace] = {}
    for i, c in enumerate(cps):
        _check_distance(label, f"checkpoints[{i}]", float(cp_snap.distance_m[i]), limit)
        places[c.id] = SnappedPlace(
            c.id,
            "checkpoint",
            c.name,
            *c.location,
            int(cp_snap.node[i]),
            float(cp_snap.distance_m[i]),
        )
    for key, kind, items, allowed in (
        ("gathering", "gathering", scenario.gathering, has_in & sides.node_inside),
        ("depots", "depot", scenario.depots, has_out & ~sides.node_inside),
        ("receptions", "reception", scenario.receptions, has_out & ~sides.node_inside),
    ):
        if not items:
            continue
        if not allowed.any():
            side = "inside" if kind == "gathering" else "outside"
            raise InputError(f"{label}: {key}", f"there is no road {side} the zone to reach")
        s = snap(graph, [p.location[0] for p in items], [p.location[1] for p in items], allowed)
        for i, p in enumerate(items):
            d = float(s.distance_m[i])
            _check_distance(label, f"{key}[{i}]", d, limit)
            places[p.id] = SnappedPlace(p.id, kind, p.name, *p.location, int(s.node[i]), d)
    return Network(scenario, graph, zone, hazards, effect, sides, places, slowest_factor(scenario))


@functools.lru_cache(maxsize=4)
def _road_graph(path: Path, mtime_ns: int, size: int, cache_dir: Path | None) -> RoadGraph:
    """One graph object per extract and process, so that its spatial index and CSR index are
    built once for every request of a long-running service (a changed file is a new key)."""
    del mtime_ns, size  # part of the cache key only
    return load_road_graph(path, cache_dir)


def _buffered(g: shapely.Geometry, metres: float) -> shapely.Geometry:
    return g.buffer(metres) if metres > 0 else g


def _touching(graph: RoadGraph, edges: BoolArray) -> BoolArray:
    out = np.zeros(graph.n_nodes, dtype=bool)
    out[graph.src[edges]] = True
    out[graph.dst[edges]] = True
    return out


def _check_distance(label: str, where: str, d: float, limit: float) -> None:
    if d > limit:
        raise InputError(
            f"{label}: {where}.location",
            f"is {d:,.0f} m from the nearest road it may use "
            f"(at most routing.snap_max_m = {limit:g} m)",
        )


@dataclass(frozen=True)
class Corridor:
    checkpoint: str
    reception: str
    rank: int
    route: Route
    hazards_near: list[str]


def corridor_candidates(net: Network) -> list[Corridor]:
    """Up to ``routing.alternatives`` diverse routes from every checkpoint to every reception
    centre, on outside roads, around closed hazards."""
    out: list[Corridor] = []
    keep = net.outside_edges
    near = net.effect.near_any
    k = net.scenario.routing.alternatives
    for cp in net.of_kind("checkpoint"):
        for rc in net.of_kind("reception"):
            try:
                routes = alternatives(
                    net.graph,
                    net.effect.cost,
                    keep,
                    cp.node,
                    rc.node,
                    k,
                    near=near,
                    time_factor=net.time_factor,
                )
            except NoPath:
                continue
            for rank, r in enumerate(routes, 1):
                out.append(Corridor(cp.id, rc.id, rank, r, net.hazards_near(r)))
    return out


def route_feature(net: Network, c: Corridor) -> dict[str, Any]:
    g = net.graph
    coords = [[round(float(g.lon[n]), 6), round(float(g.lat[n]), 6)] for n in c.route.nodes]
    return {
        "type": "Feature",
        "id": f"{c.checkpoint}-{c.reception}-{c.rank}",
        "geometry": {"type": "LineString", "coordinates": coords},
        "properties": {
            "checkpoint": c.checkpoint,
            "reception": c.reception,
            "rank": c.rank,
            "time_min": round(c.route.time_min, 2),
            "length_km": round(c.route.length_m / 1000, 3),
            "exposure_min": round(c.route.exposure_min, 2),
            "hazards_near": c.hazards_near,
        },
    }


def corridor_routes(scenario: Scenario, net: Network | None = None) -> dict[str, Any]:
    """Corridor candidates as a GeoJSON FeatureCollection, fastest first per checkpoint and
    reception; properties ``time_min``, ``length_km``, ``exposure_min``, ``hazards_near``,
    ``checkpoint``, ``reception``, ``rank``."""
    net = net or prepare_network(scenario)
    feats = [route_feature(net, c) for c in corridor_candidates(net)]
    return {
        "type": "FeatureCollection",
        "name": scenario.name,
        "attribution": ATTRIBUTION,
        "features": feats,
    }


def inside_legs(net: Network) -> list[tuple[str, str, Route]]:
    """Quickest inside route from every gathering point to its nearest checkpoint."""
    cps = net.of_kind("checkpoint")
    pts = [p.node for p in cps] + [p.node for p in net.of_kind("gathering")]
    res = route_matrix(
        net.graph,
        net.effect.cost,
        net.inside_edges,
        pts,
        near=net.effect.near_any,
        time_factor=net.time_factor,
    )
    out = []
    for g in net.of_kind("gathering"):
        best: tuple[float, str, Route] | None = None
        for c in cps:
            r = res.routes.get((g.node, c.node))
            if r is not None and (best is None or r.time_min < best[0]):
                best = (r.time_min, c.id, r)
        if best is not None:
            out.append((g.id, best[1], best[2]))
    return out


def scenario_layers(scenario: Scenario, net: Network | None = None) -> dict[str, Any]:
    """The scenario's map layers as one GeoJSON FeatureCollection; each feature's
    ``properties.layer`` is ``zone``, ``hazard``, ``gathering``, ``depot``, ``reception``,
    ``checkpoint`` or ``roads`` (one MultiLineString per road speed band, around the area)."""
    net = net or prepare_network(scenario)
    feats: list[dict[str, Any]] = [
        {
            "type": "Feature",
            "id": "zone",
            "geometry": shapely.geometry.mapping(scenario.zone.shape()),
            "properties": {"layer": "zone", "name": scenario.name},
        }
    ]
    for h in scenario.hazards:
        feats.append(
            {
                "type": "Feature",
                "id": h.id,
                "geometry": shapely.geometry.mapping(h.geometry.shape()),
                "properties": {
                    "layer": "hazard",
                    "kind": h.kind,
                    "name": h.name,
                    "closed": h.closed,
                    "penalty": h.penalty,
                    "buffer_m": h.buffer_m,
                },
            }
        )
    for p in net.places.values():
        feats.append(
            {
                "type": "Feature",
                "id": p.id,
                "geometry": {"type": "Point", "coordinates": [p.lon, p.lat]},
                "properties": {"layer": p.kind, "name": p.name, "snap_m": round(p.distance_m, 1)},
            }
        )
    feats.extend(road_features(net))
    return {"type": "FeatureCollection", "attribution": ATTRIBUTION, "features": feats}


def area_bounds(net: Network, margin: float = 0.15) -> tuple[float, float, float, float]:
    """Lon/lat box around the zone and every place, widened by ``margin`` of its size."""
    lons = [p.lon for p in net.places.values()]
    lats = [p.lat for p in net.places.values()]
    zx0, zy0, zx1, zy1 = net.scenario.zone.shape().bounds
    x0, x1 = min([*lons, zx0]), max([*lons, zx1])
    y0, y1 = min([*lats, zy0]), max([*lats, zy1])
    dx, dy = (x1 - x0) * margin + 1e-3, (y1 - y0) * margin + 1e-3
    return x0 - dx, y0 - dy, x1 + dx, y1 + dy


def road_features(net: Network) -> list[dict[str, Any]]:
    g = net.graph
    x0, y0, x1, y1 = area_bounds(net)
    s, d = g.src, g.dst
    one = s < d  # each two-way road once
    reverse_exists = np.isin(d * g.n_nodes + s, s * g.n_nodes + d)
    pick = (one | ~reverse_exists) & _in_box(g, s, x0, y0, x1, y1)
    speed = g.length_m / np.maximum(g.time_min, 1e-9) * 0.06
    bands = (("main", speed >= 50), ("local", (speed >= 30) & (speed < 50)), ("minor", speed < 30))
    out = []
    for band, mask in bands:
        idx = np.flatnonzero(pick & mask)
        lines = [
            [
                [round(float(g.lon[s[e]]), 6), round(float(g.lat[s[e]]), 6)],
                [round(float(g.lon[d[e]]), 6), round(float(g.lat[d[e]]), 6)],
            ]
            for e in idx
        ]
        out.append(
            {
                "type": "Feature",
                "id": f"roads-{band}",
                "geometry": {"type": "MultiLineString", "coordinates": lines},
                "properties": {"layer": "roads", "band": band},
            }
        )
    return out


def _in_box(g: RoadGraph, nodes: Any, x0: float, y0: float, x1: float, y1: float) -> BoolArray:
    lon, lat = g.lon[nodes], g.lat[nodes]
    return np.asarray((lon >= x0) & (lon <= x1) & (lat >= y0) & (lat <= y1), dtype=bool)
