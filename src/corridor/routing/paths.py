"""Shortest paths on a :class:`RoadGraph` with scipy.sparse.csgraph.

:func:`cost_matrix` is one thin call over csgraph's Dijkstra (the graph is already CSR, so
there is nothing to convert); :func:`route_matrix` adds the paths and their real driving time,
length and exposure; :func:`alternatives` finds up to k diverse routes by the penalty method.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from corridor.routing.graph import BoolArray, FloatArray, IntArray, RoadGraph, csr


class NoPath(Exception):
    """There is no path between the two nodes on the allowed edges."""


def cost_matrix(
    matrix: csr_matrix, sources: Sequence[int] | IntArray, *, limit: float = np.inf
) -> FloatArray:
    """Least cost from each source to every node (rows: sources); ``inf`` where unreachable."""
    out = dijkstra(matrix, directed=True, indices=np.asarray(sources, dtype=np.int64), limit=limit)
    return np.asarray(out, dtype=np.float64)


@dataclass(frozen=True)
class Route:
    """One path: its nodes, its edges (indices into the graph's edge arrays) and totals."""

    nodes: IntArray
    edges: IntArray
    cost: float
    time_min: float
    length_m: float
    exposure_min: float


@dataclass(frozen=True)
class RouteMatrixResult:
    """Travel between every pair of ``points`` (graph nodes); ``None`` routes where no road."""

    points: tuple[int, ...]
    time_min: FloatArray
    cost: FloatArray
    routes: dict[tuple[int, int], Route]


class EdgeLookup:
    """Finds the edge index of (u, v) pairs in a graph whose edges are sorted by source."""

    def __init__(self, graph: RoadGraph) -> None:
        self.graph = graph
        self.key = graph.src * graph.n_nodes + graph.dst  # sorted: edges sorted by (src, dst)

    def __call__(self, u: IntArray, v: IntArray) -> IntArray:
        g = self.graph
        key = self.key
        want = u.astype(np.int64) * g.n_nodes + v.astype(np.int64)
        idx = np.searchsorted(key, want)
        if np.any(idx >= len(key)) or np.any(key[np.minimum(idx, len(key) - 1)] != want):
            raise ValueError("a path uses an edge the graph does not have")
        return idx.astype(np.int64)


def path_nodes(predecessors: IntArray, source: int, target: int) -> IntArray:
    """Nodes from ``source`` to ``target`` along a predecessor row; raises NoPath."""
    if source == target:
        return np.array([source], dtype=np.int64)
    out = [target]
    node = target
    n = len(predecessors)
    while node != source:
        node = int(predecessors[node])
        if node < 0 or len(out) > n:
            raise NoPath(f"no path from node {source} to node {target}")
        out.append(node)
    return np.array(out[::-1], dtype=np.int64)


def make_route(
    graph: RoadGraph,
    lookup: EdgeLookup,
    nodes: IntArray,
    cost: FloatArray,
    near: BoolArray | None,
    time_factor: float = 1.0,
    time: FloatArray | None = None,
) -> Route:
    """The route along ``nodes``; its time is ``time`` (default: the car's) times
    ``time_factor``."""
    edges = lookup(nodes[:-1], nodes[1:])
    t = (graph.time_min if time is None else time)[edges]
    exposure = float(t[near[edges]].sum()) if near is not None else 0.0
    return Route(
        nodes=nodes,
        edges=edges,
        cost=float(cost[edges].sum()),
        time_min=float(t.sum()) * time_factor,
        length_m=float(graph.length_m[edges].sum()),
        exposure_min=exposure * time_factor,
    )


def route_matrix(
    graph: RoadGraph,
    cost: FloatArray,
    keep: BoolArray,
    points: Sequence[int],
    *,
    near: BoolArray | None = None,
    time_factor: float = 1.0,
    time: FloatArray | None = None,
) -> RouteMatrixResult:
    """Least-cost routes between every ordered pair of ``points`` on the ``keep`` edges.

    Routes minimise ``cost`` (time plus risk penalties); the reported ``time_min`` is the
    real driving time of the chosen route (per edge ``time``, default the car's), times
    ``time_factor``.
    """
    pts = np.asarray(points, dtype=np.int64)
    mat = csr(graph, cost, keep)
    dist, pred = dijkstra(mat, directed=True, indices=pts, return_predecessors=True)
    lookup = EdgeLookup(graph)
    k = len(pts)
    times = np.full((k, k), np.nan)
    costs = np.full((k, k), np.nan)
    routes: dict[tuple[int, int], Route] = {}
    for i in range(k):
        for j in range(k):
            if not np.isfinite(dist[i, pts[j]]):
                continue
            nodes = path_nodes(pred[i], int(pts[i]), int(pts[j]))
            r = make_route(graph, lookup, nodes, cost, near, time_factor, time)
            routes[(int(pts[i]), int(pts[j]))] = r
            times[i, j] = r.time_min
            costs[i, j] = r.cost
    return RouteMatrixResult(tuple(int(p) for p in pts), times, costs, routes)


def shortest_route(
    graph: RoadGraph,
    cost: FloatArray,
    keep: BoolArray,
    source: int,
    target: int,
    *,
    near: BoolArray | None = None,
    time_factor: float = 1.0,
    time: FloatArray | None = None,
) -> Route:
    """The least-cost route from ``source`` to ``target``; raises :class:`NoPath`."""
    mat = csr(graph, cost, keep)
    _, pred = dijkstra(mat, directed=True, indices=source, return_predecessors=True)
    nodes = path_nodes(pred, source, target)
    return make_route(graph, EdgeLookup(graph), nodes, cost, near, time_factor, time)


def alternatives(
    graph: RoadGraph,
    cost: FloatArray,
    keep: BoolArray,
    source: int,
    target: int,
    k: int,
    *,
    near: BoolArray | None = None,
    time_factor: float = 1.0,
    time: FloatArray | None = None,
    penalty: float = 1.6,
    max_shared: float = 0.7,
    max_stretch: float = 1.5,
    max_rounds: int | None = None,
) -> list[Route]:
    """Up to ``k`` diverse routes from ``source`` to ``target``, best first.

    Penalty method: after each route, the cost of its edges is multiplied by ``penalty`` and
    the search repeats. A new route is kept when at most ``max_shared`` of its length is shared
    with any kept route and its real cost is at most ``max_stretch`` × the best one's. Each
    kept route is reported with its real cost, time, length and exposure.
    """
    if k < 1:
        return []
    best = shortest_route(
        graph, cost, keep, source, target, near=near, time_factor=time_factor, time=time
    )
    kept = [best]
    work = cost.copy()
    rounds = max_rounds if max_rounds is not None else 4 * k
    lookup = EdgeLookup(graph)
    for _ in range(rounds):
        if len(kept) >= k:
            break
        work[kept[-1].edges] *= penalty
        try:
            cand = shortest_route(graph, work, keep, source, target)
        except NoPath:
            break
        real = make_route(graph, lookup, cand.nodes, cost, near, time_factor, time)
        if real.cost > max_stretch * best.cost + 1e-9:
            break
        if all(_shared(graph, real, r) <= max_shared for r in kept):
            kept.append(real)
        else:
            work[real.edges] *= penalty
    return kept


def _shared(graph: RoadGraph, a: Route, b: Route) -> float:
    """Share of ``a``'s length on roads ``b`` also uses (either direction)."""
    if a.length_m <= 0:
        return 1.0
    n = graph.n_nodes

    def undirected(r: Route) -> IntArray:
        s, d = graph.src[r.edges], graph.dst[r.edges]
        return np.minimum(s, d) * n + np.maximum(s, d)

    common = np.isin(undirected(a), undirected(b))
    return float(graph.length_m[a.edges][common].sum() / a.length_m)
