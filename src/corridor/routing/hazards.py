"""Hazards and the besieged zone as edge masks and penalties over a :class:`RoadGraph`.

Geometries are shapely objects in the graph's projected metres. A *closed* hazard removes every
edge whose segment touches it; a *risk* hazard adds ``penalty`` × the edge's time to the edge's
cost, so routes avoid it when a reasonable detour exists but a place inside it can still be
left. Exposure counts the time driven on edges within ``near_m`` of any hazard.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import shapely

from corridor.routing.graph import BoolArray, FloatArray, IntArray, RoadGraph
from corridor.routing.profiles import VehicleProfile

INF = float("inf")


@dataclass(frozen=True)
class HazardArea:
    """One hazard in projected metres: ``closed`` or with a risk ``penalty`` (>= 0).

    A closed hazard may close its roads to some vehicles only: those heavier, taller or
    wider than ``max_weight_t``/``max_height_m``/``max_width_m``, or of the types in
    ``closed_for`` (a damaged bridge that still carries a car). With ``bridges_only`` it
    closes only the bridges within its geometry, not the road passing under them.
    """

    id: str
    geometry: shapely.Geometry
    closed: bool = False
    penalty: float = 0.0
    max_weight_t: float = INF
    max_height_m: float = INF
    max_width_m: float = INF
    closed_for: frozenset[str] = frozenset()
    bridges_only: bool = False

    @property
    def for_some(self) -> bool:
        """True when the hazard closes its roads to some vehicles only."""
        limited = min(self.max_weight_t, self.max_height_m, self.max_width_m) < INF
        return self.closed and (limited or bool(self.closed_for))

    def closes_for(self, profile: VehicleProfile) -> bool:
        if not self.closed:
            return False
        if not self.for_some:
            return True
        over = profile.exceeds(self.max_weight_t, self.max_height_m, self.max_width_m)
        return over or profile.name in self.closed_for


class HazardEffect:
    """What a set of hazards does to the graph's edges.

    ``open_edges`` is False where a closed hazard cuts the edge; ``cost`` is the routing weight
    (time plus risk penalties). Which edges pass within ``near_m`` of which hazard
    (``near_edge``/``near_hazard`` index pairs, for exposure) is worked out on first use, so
    that re-applying hazards for routing alone stays quick.
    """

    def __init__(
        self,
        graph: RoadGraph,
        geoms: Sequence[shapely.Geometry],
        near_m: float,
        open_edges: BoolArray,
        cost: FloatArray,
        hazard_ids: tuple[str, ...],
        touching: tuple[IntArray, IntArray],
    ) -> None:
        self._graph = graph
        self._geoms = list(geoms)
        self.near_m = near_m
        self.open_edges = open_edges
        self.cost = cost
        self.hazard_ids = hazard_ids
        self._touching = touching
        self._near: tuple[IntArray, IntArray] | None = None

    @property
    def touching(self) -> tuple[IntArray, IntArray]:
        """Pairs (hazard index, edge index) of the edges each hazard acts on."""
        return self._touching

    def edges_of(self, hazard: int) -> IntArray:
        hz, edge = self._touching
        return np.asarray(edge[hz == hazard], dtype=np.int64)

    def closed_for(self, hazards: Sequence[HazardArea], profile: VehicleProfile) -> BoolArray:
        """Edges closed to ``profile`` by the hazards that close roads to some vehicles only
        (``hazards`` as given to :func:`apply_hazards`)."""
        mask = np.zeros(len(self.open_edges), dtype=bool)
        for i, h in enumerate(hazards):
            if h.for_some and h.closes_for(profile):
                mask[self.edges_of(i)] = True
        return mask

    def _near_pairs(self) -> tuple[IntArray, IntArray]:
        if self._near is None:
            if self.near_m > 0:
                self._near = edges_within(self._graph, self._geoms, self.near_m)
            else:
                self._near = self._touching
        return self._near

    @property
    def near_edge(self) -> IntArray:
        return self._near_pairs()[1]

    @property
    def near_hazard(self) -> IntArray:
        return self._near_pairs()[0]

    @property
    def near_any(self) -> BoolArray:
        mask = np.zeros(len(self.open_edges), dtype=bool)
        mask[self.near_edge] = True
        return mask


def edges_touching(
    graph: RoadGraph, geoms: Sequence[shapely.Geometry]
) -> tuple[IntArray, IntArray]:
    """Pairs (geometry index, edge index) of edges whose segment intersects a geometry."""
    if not geoms:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    pairs = graph.segment_tree().query(np.asarray(geoms, dtype=object), predicate="intersects")
    return pairs[0].astype(np.int64), pairs[1].astype(np.int64)


def edges_within(
    graph: RoadGraph, geoms: Sequence[shapely.Geometry], distance_m: float
) -> tuple[IntArray, IntArray]:
    """Pairs (geometry index, edge index) of edges within ``distance_m`` of a geometry."""
    if not geoms:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    pairs = graph.segment_tree().query(
        np.asarray(geoms, dtype=object), predicate="dwithin", distance=distance_m
    )
    return pairs[0].astype(np.int64), pairs[1].astype(np.int64)


def apply_hazards(
    graph: RoadGraph, hazards: Sequence[HazardArea], near_m: float = 0.0
) -> HazardEffect:
    """Edge mask and routing cost for ``hazards``, nearness on demand (spatial-index queries,
    no loop over edges, so re-applying a new set of hazards on a large graph is quick)."""
    geoms = [h.geometry for h in hazards]
    hz, edge = edges_touching(graph, geoms)
    only_bridges = np.array([h.bridges_only for h in hazards], dtype=bool)
    if only_bridges.any():
        keep = ~only_bridges[hz] | graph.tags.bridge[edge]
        hz, edge = hz[keep], edge[keep]
    closed = np.array([h.closed and not h.for_some for h in hazards], dtype=bool)
    penalty = np.array([h.penalty for h in hazards], dtype=np.float64)
    open_edges = np.ones(graph.n_edges, dtype=bool)
    cost = graph.time_min.copy()
    if len(hazards):
        open_edges[edge[closed[hz]]] = False
        risky = np.array([not h.closed for h in hazards], dtype=bool)[hz]
        e = edge[risky]
        np.add.at(cost, e, graph.time_min[e] * penalty[hz[risky]])
    ids = tuple(h.id for h in hazards)
    return HazardEffect(graph, geoms, near_m, open_edges, cost, ids, (hz, edge))


@dataclass(frozen=True)
class ZoneSides:
    """Which edges an inside leg and an outside leg may use.

    ``inside`` edges lie within the zone, ``outside`` edges do not touch it; the edges at a
    checkpoint node that cross the boundary belong to the side of their other end, so the
    only ways between the two sides are through checkpoints.
    """

    inside: BoolArray
    outside: BoolArray
    node_inside: BoolArray


def zone_sides(graph: RoadGraph, zone: shapely.Geometry, checkpoints: IntArray) -> ZoneSides:
    """Split the edges into the inside and outside sides of ``zone`` (projected metres)."""
    segs = graph.segments()
    shapely.prepare(zone)
    inside = shapely.covered_by(segs, zone)
    outside = ~shapely.intersects(segs, zone)
    x, y = graph.xy
    node_in = shapely.contains_xy(zone, x, y)
    is_cp = np.zeros(graph.n_nodes, dtype=bool)
    is_cp[np.asarray(checkpoints, dtype=np.int64)] = True
    s, d = graph.src, graph.dst
    at_cp = is_cp[s] | is_cp[d]
    other_in = np.where(is_cp[s], node_in[d], node_in[s])
    both_cp = is_cp[s] & is_cp[d]
    inside = inside | (at_cp & (other_in | both_cp))
    outside = outside | (at_cp & (~other_in | both_cp))
    return ZoneSides(np.asarray(inside, bool), np.asarray(outside, bool), np.asarray(node_in, bool))


def boundary_nodes(graph: RoadGraph, zone: shapely.Geometry) -> BoolArray:
    """Nodes at either end of a road segment that crosses the zone's boundary: the places
    where a checkpoint can join the inside and outside roads."""
    x, y = graph.xy
    node_in = shapely.contains_xy(zone, x, y)
    crossing = node_in[graph.src] != node_in[graph.dst]
    out = np.zeros(graph.n_nodes, dtype=bool)
    out[graph.src[crossing]] = True
    out[graph.dst[crossing]] = True
    return out
