"""Use case: a scenario on its road network: the zone's two sides, the hazards, the places on
their roads, and the roads each vehicle type may drive.

:func:`prepare_network` loads the road graph, puts the zone and hazards on it and snaps every
place to a road. A place too far from any road it may use, or a checkpoint that is not on a
road crossing the zone boundary, is kept with its problem (``SnappedPlace.problem``) so that the
reachability report can name it; its legs then have no road.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import shapely

from corridor.errors import InputError
from corridor.routing.graph import BoolArray, FloatArray, IntArray, RoadGraph
from corridor.routing.hazards import (
    HazardArea,
    HazardEffect,
    ZoneSides,
    apply_hazards,
    boundary_nodes,
    zone_sides,
)
from corridor.routing.paths import Route
from corridor.routing.profiles import VehicleProfile, profile_groups
from corridor.routing.snap import snap
from corridor.scenario.loader import to_metres
from corridor.scenario.model import Scenario
from corridor.services.ports import road_graph_source

NO_ROAD = "no_road"
NO_CROSSING = "no_crossing"


@dataclass(frozen=True)
class SnappedPlace:
    """A place on its road: the node, how far it is, the road's OSM name.

    ``problem`` is ``no_road`` (no road it may use within ``routing.snap_max_m``) or
    ``no_crossing`` (a checkpoint with no road crossing the zone boundary that near), else None.
    """

    id: str
    kind: str  # gathering, depot, reception, checkpoint
    name: str | None
    lon: float
    lat: float
    node: int
    distance_m: float
    road: str = ""
    problem: str | None = None
    address: str | None = None

    @property
    def on_road(self) -> bool:
        return self.problem is None


@dataclass(frozen=True, eq=False)
class TypeRoads:
    """The roads some vehicle types share: the edges they may use (open, within their legal
    limits, not closed to them by a hazard), their minutes per edge and routing cost (minutes
    plus risk penalties). ``scale[t]`` turns these minutes into type ``t``'s."""

    members: tuple[str, ...]
    allowed: BoolArray
    time_min: FloatArray
    cost: FloatArray
    scale: dict[str, float]


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
    profiles: dict[str, VehicleProfile] = field(default_factory=dict)

    @property
    def inside_edges(self) -> BoolArray:
        return self.sides.inside & self.effect.open_edges

    @property
    def outside_edges(self) -> BoolArray:
        return self.sides.outside & self.effect.open_edges

    @property
    def fleet_types(self) -> list[str]:
        """Vehicle types the depots have, in the order the scenario declares them."""
        used = {t for d in self.scenario.depots for t, n in d.fleet.items() if n > 0}
        return [t for t in self.scenario.vehicle_types if t in used]

    @property
    def time_factor(self) -> float:
        """Minutes of the slowest fleet type per car minute on the same road, at worst."""
        factors = [self.profiles[t].speed_factor for t in self.fleet_types] or [1.0]
        return 1.0 / min(factors)

    @functools.cached_property
    def type_roads(self) -> list[TypeRoads]:
        """The fleet types grouped by the roads they drive (one routing per group)."""
        types = self.fleet_types or list(self.scenario.vehicle_types)
        profiles = [self.profiles[t] for t in types]
        closed = {p.name: self.effect.closed_for(self.hazards, p) for p in profiles}
        risk = self.effect.cost / np.maximum(self.graph.time_min, 1e-12)
        out = []
        for g in profile_groups(self.graph, profiles, closed):
            allowed = g.allowed & self.effect.open_edges
            out.append(TypeRoads(g.members, allowed, g.time_min, g.time_min * risk, g.scale))
        return out

    def roads_of(self, vehicle_type: str) -> TypeRoads:
        return next(r for r in self.type_roads if vehicle_type in r.members)

    def of_kind(self, kind: str) -> list[SnappedPlace]:
        return [p for p in self.places.values() if p.kind == kind]

    def hazards_near(self, route: Route) -> list[str]:
        on = np.isin(self.effect.near_edge, route.edges)
        ids = sorted(set(self.effect.near_hazard[on].tolist()))
        return [self.effect.hazard_ids[i] for i in ids]


def hazard_areas(scenario: Scenario, graph: RoadGraph) -> list[HazardArea]:
    """The scenario's hazards in the graph's metres, buffered, with their vehicle limits."""
    proj = graph.projection
    inf = float("inf")
    return [
        HazardArea(
            h.id,
            _buffered(to_metres(h.geometry.shape(), proj), h.buffer_m),
            closed=h.closed,
            penalty=h.penalty or 0.0,
            max_weight_t=h.max_weight_t or inf,
            max_height_m=h.max_height_m or inf,
            max_width_m=h.max_width_m or inf,
            closed_for=frozenset(h.closed_for),
            bridges_only=h.bridges_only,
        )
        for h in scenario.hazards
    ]


def prepare_network(
    scenario: Scenario, cache_dir: Path | None = None, graph: RoadGraph | None = None
) -> Network:
    """Load the scenario's roads and put its zone, hazards and places on them.

    Raises :class:`InputError` when the extract is missing, or when no road crosses the zone
    boundary or none lies on the side a kind of place must be on (nothing to snap to).
    """
    label = scenario.file_label
    if graph is None:
        path = scenario.osm_path()
        if path.is_dir():
            raise InputError(
                f"{label}: osm", f"{scenario.osm!r} is a folder: name the .osm.pbf file in it"
            )
        if not path.is_file():
            raise InputError(f"{label}: osm", f"{scenario.osm!r}: OSM extract not found")
        stat = path.stat()
        try:
            graph = _road_graph(path.resolve(), stat.st_mtime_ns, stat.st_size, cache_dir)
        except InputError as exc:  # the file is there but is not an extract: say which field
            raise InputError(f"{label}: osm", f"{scenario.osm!r}: {exc.problem}") from exc
    zone = to_metres(scenario.zone.shape(), graph.projection)
    hazards = hazard_areas(scenario, graph)
    effect = apply_hazards(graph, hazards, scenario.routing.near_m)
    crossings = boundary_nodes(graph, zone)
    if not crossings.any():
        raise InputError(
            f"{label}: zone", "no road crosses the zone boundary" + _off(scenario, graph)
        )
    places = _snap_checkpoints(scenario, graph, crossings)
    joined = [p.node for p in places.values() if p.on_road]
    sides = zone_sides(graph, zone, np.asarray(joined, dtype=np.int64))
    places.update(_snap_others(scenario, graph, sides))
    profiles = {t: v.routing_profile(t) for t, v in scenario.vehicle_types.items()}
    return Network(scenario, graph, zone, hazards, effect, sides, places, profiles)


def _snap_checkpoints(
    scenario: Scenario, graph: RoadGraph, crossings: BoolArray
) -> dict[str, SnappedPlace]:
    """Each checkpoint on the nearest end of a road crossing the zone boundary; one with no
    such road within ``routing.snap_max_m`` goes on its nearest road, with the problem."""
    cps = scenario.checkpoints
    if not cps:
        return {}
    limit = scenario.routing.snap_max_m
    lon, lat = [c.location[0] for c in cps], [c.location[1] for c in cps]
    on_cross = snap(graph, lon, lat, crossings)
    anywhere = snap(graph, lon, lat)
    out = {}
    for i, c in enumerate(cps):
        d = float(on_cross.distance_m[i])
        node, problem = int(on_cross.node[i]), None
        if d > limit:
            node, problem = int(anywhere.node[i]), NO_CROSSING
        out[c.id] = SnappedPlace(
            c.id, "checkpoint", c.name, *c.location, node, d,
            road_name(graph, node), problem, c.address,
        )  # fmt: skip
    return out


def _snap_others(scenario: Scenario, graph: RoadGraph, sides: ZoneSides) -> dict[str, SnappedPlace]:
    label = scenario.file_label
    limit = scenario.routing.snap_max_m
    has_in = _touching(graph, sides.inside)
    has_out = _touching(graph, sides.outside)
    out: dict[str, SnappedPlace] = {}
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
            d, node = float(s.distance_m[i]), int(s.node[i])
            problem = NO_ROAD if d > limit else None
            out[p.id] = SnappedPlace(
                p.id, kind, p.name, *p.location, node, d,
                road_name(graph, node), problem, p.address,
            )  # fmt: skip
    return out


def road_name(graph: RoadGraph, node: int, hops: int = 12) -> str:
    """The OSM name of the road at ``node``; for an unnamed road, the named road it leads to
    within ``hops`` road nodes (``service road off Vuorikatu``); '' when there is none."""
    seen, frontier = {node}, [node]
    for step in range(hops + 1):
        edges = _edges_at(graph, frontier)
        named = [n for n in (graph.tags.road_name(int(e)) for e in edges) if n]
        if named:
            name = max(set(named), key=named.count)
            if step == 0:
                return name
            return f"{graph.tags.class_name(int(_edges_at(graph, [node])[0]))} road off {name}"
        nxt = set(graph.dst[edges].tolist()) | set(graph.src[edges].tolist())
        frontier = [n for n in nxt if n not in seen]
        seen.update(frontier)
    return _nearest_named(graph, node)


def _nearest_named(graph: RoadGraph, node: int, within_m: float = 150.0) -> str:
    """``service road near Vuorikatu``: the closest named road to an unnamed one."""
    x, y = graph.xy
    here = shapely.Point(float(x[node]), float(y[node]))
    near = graph.segment_tree().query(here, predicate="dwithin", distance=within_m)
    named = [int(e) for e in near if graph.tags.road_name(int(e))]
    if not named:
        return ""
    dist = shapely.distance(graph.segments()[named], here)
    best = named[int(np.argmin(dist))]
    kind = graph.tags.class_name(int(_edges_at(graph, [node])[0]))
    return f"{kind} road near {graph.tags.road_name(best)}"


def _edges_at(graph: RoadGraph, nodes: list[int]) -> IntArray:
    """Edges leaving or entering any of ``nodes``."""
    mask = np.isin(graph.src, nodes) | np.isin(graph.dst, nodes)
    return np.flatnonzero(mask)


@functools.lru_cache(maxsize=4)
def _road_graph(path: Path, mtime_ns: int, size: int, cache_dir: Path | None) -> RoadGraph:
    """One graph object per extract and process, so that its spatial index and CSR index are
    built once for every request of a long-running service (a changed file is a new key)."""
    del mtime_ns, size  # part of the cache key only
    return road_graph_source()(path, cache_dir)


def _buffered(g: shapely.Geometry, metres: float) -> shapely.Geometry:
    return g.buffer(metres) if metres > 0 else g


def _touching(graph: RoadGraph, edges: BoolArray) -> BoolArray:
    out = np.zeros(graph.n_nodes, dtype=bool)
    out[graph.src[edges]] = True
    out[graph.dst[edges]] = True
    return out


def _off(scenario: Scenario, graph: RoadGraph) -> str:
    """Where the zone lies against the extract, when it lies outside it (another place's map)."""
    west, south, east, north = scenario.zone.shape().bounds
    lon0, lon1 = float(graph.lon.min()), float(graph.lon.max())
    lat0, lat1 = float(graph.lat.min()), float(graph.lat.max())
    if west <= lon1 and east >= lon0 and south <= lat1 and north >= lat0:
        return ""
    return (
        f": the zone (lon {west:.4f} to {east:.4f}, lat {south:.4f} to {north:.4f}) lies outside "
        f"the OSM extract {scenario.osm!r} (its roads span lon {lon0:.4f} to {lon1:.4f}, "
        f"lat {lat0:.4f} to {lat1:.4f}): is it the extract of this place?"
    )
