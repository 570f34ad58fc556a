"""Use case: a scenario's hazard-aware corridor routes and its map layers.

:func:`corridor_routes` gives the checkpoint-to-reception corridor candidates as GeoJSON, each
with the vehicle types that may use it; :func:`scenario_layers` gives the map layers (zone,
hazards, places, roads) as GeoJSON for the dashboard. Pure of HTTP: the coordination service
calls these directly. The network itself is :mod:`corridor.services.network`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely

from corridor.routing.graph import BoolArray, RoadGraph
from corridor.routing.paths import NoPath, Route, alternatives, route_matrix
from corridor.scenario.model import Scenario
from corridor.services.network import Network, SnappedPlace, TypeRoads, prepare_network

if TYPE_CHECKING:
    from corridor.services.scenario_check import ScenarioCheck

ATTRIBUTION = "© OpenStreetMap contributors"


@dataclass(frozen=True)
class Corridor:
    """A corridor candidate. ``types`` are the fleet's vehicle types that may drive it and
    ``minutes`` their driving times; the route's own time is the slowest of them."""

    checkpoint: str
    reception: str
    rank: int
    route: Route
    hazards_near: list[str]
    types: tuple[str, ...] = ()
    minutes: dict[str, float] = field(default_factory=dict)


def corridor_candidates(net: Network) -> list[Corridor]:
    """Up to ``routing.alternatives`` diverse routes from every checkpoint to every reception
    centre, on outside roads, around closed hazards; where some vehicle type may use none of
    them, its own quickest route as well."""
    out: list[Corridor] = []
    k = net.scenario.routing.alternatives
    for cp in _usable(net, "checkpoint"):
        for rc in _usable(net, "reception"):
            pair = [_typed(net, cp, rc, r) for r in _routes(net, None, cp, rc, k)]
            for roads in net.type_roads:
                if not any(set(roads.members) <= set(c.types) for c in pair):
                    pair += [_typed(net, cp, rc, r) for r in _routes(net, roads, cp, rc, 1)]
            out += pair
    return _ranked(out)


def _usable(net: Network, kind: str) -> list[SnappedPlace]:
    return [p for p in net.of_kind(kind) if p.on_road]


def _routes(
    net: Network, roads: TypeRoads | None, a: SnappedPlace, b: SnappedPlace, k: int
) -> list[Route]:
    keep = net.outside_edges if roads is None else net.sides.outside & roads.allowed
    cost = net.effect.cost if roads is None else roads.cost
    time = None if roads is None else roads.time_min
    try:
        return alternatives(
            net.graph, cost, keep, a.node, b.node, k, near=net.effect.near_any, time=time
        )
    except NoPath:
        return []


def _typed(
    net: Network,
    cp: SnappedPlace,
    rc: SnappedPlace,
    route: Route,
) -> Corridor:
    """The candidate with the fleet types that may drive it and their minutes on it."""
    minutes: dict[str, float] = {}
    for group in net.type_roads:
        if group.allowed[route.edges].all():
            base = float(group.time_min[route.edges].sum())
            minutes.update({t: base * group.scale[t] for t in group.members})
    types = tuple(t for t in net.fleet_types if t in minutes)
    if minutes:
        slowest = max(minutes.values())
        ratio = slowest / route.time_min if route.time_min > 0 else 1.0
        route = replace(route, time_min=slowest, exposure_min=route.exposure_min * ratio)
    return Corridor(cp.id, rc.id, 0, route, net.hazards_near(route), types, minutes)


def _ranked(found: list[Corridor]) -> list[Corridor]:
    """Ranks 1, 2, ... per checkpoint and reception centre, in the order found."""
    seen: dict[tuple[str, str], int] = {}
    out = []
    for c in found:
        key = (c.checkpoint, c.reception)
        seen[key] = seen.get(key, 0) + 1
        out.append(replace(c, rank=seen[key]))
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
            "vehicle_types": list(c.types),
            "minutes_by_type": {t: round(m, 2) for t, m in c.minutes.items()},
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
    cps = _usable(net, "checkpoint")
    pts = [p.node for p in cps] + [p.node for p in _usable(net, "gathering")]
    res = route_matrix(
        net.graph,
        net.effect.cost,
        net.inside_edges,
        pts,
        near=net.effect.near_any,
        time_factor=net.time_factor,
    )
    out = []
    for g in _usable(net, "gathering"):
        best: tuple[float, str, Route] | None = None
        for c in cps:
            r = res.routes.get((g.node, c.node))
            if r is not None and (best is None or r.time_min < best[0]):
                best = (r.time_min, c.id, r)
        if best is not None:
            out.append((g.id, best[1], best[2]))
    return out


def scenario_layers(
    scenario: Scenario, net: Network | None = None, check: ScenarioCheck | None = None
) -> dict[str, Any]:
    """The scenario's map layers as one GeoJSON FeatureCollection; each feature's
    ``properties.layer`` is ``zone``, ``hazard``, ``gathering``, ``depot``, ``reception``,
    ``checkpoint`` or ``roads`` (one MultiLineString per road speed band, around the area).
    With ``check``, each place says where it meets the roads and whether it connects
    (``road``, ``status``, ``reasons``), and the collection carries the whole ``check``."""
    net = net or prepare_network(scenario)
    reach = {p.id: p for p in check.places} if check else {}
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
                    "closed_to": h.limits or None,
                    "closed_for": h.closed_for or None,
                },
            }
        )
    for p in net.places.values():
        props: dict[str, Any] = {"layer": p.kind, "name": p.name, "snap_m": round(p.distance_m, 1)}
        if p.id in reach:
            r = reach[p.id]
            props.update(road=r.road, status=r.status, reasons=r.reasons, by_type=r.by_type)
        feats.append(
            {
                "type": "Feature",
                "id": p.id,
                "geometry": {"type": "Point", "coordinates": [p.lon, p.lat]},
                "properties": props,
            }
        )
    feats.extend(road_features(net))
    out: dict[str, Any] = {
        "type": "FeatureCollection",
        "attribution": ATTRIBUTION,
        "features": feats,
    }
    if check is not None:
        out["check"] = check.to_json()
    return out


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
