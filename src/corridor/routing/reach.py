"""Which places connect, and why one does not: reachability on one side of the zone.

A place must reach some target (``to``) and be reached from one (``from``) on the edges it may
use. When it does not, :func:`diagnose` says why, by relaxing one cause at a time:

- ``hazard``: the roads connect once the closed hazards are ignored (``hazards`` names the
  ones that each alone would reopen the way, or all of those the way passes through);
- ``restricted``: they connect once the vehicle's legal limits are ignored (``edges``: the
  roads on that way it may not use: weight, height, width, ``hgv=no``);
- ``dead_end``: even ignoring the direction of travel the place's roads reach no target
  (``edges``: the roads of that dead end);
- ``one_way``: they would connect but for one-way streets (``edges``: the one-way streets into,
  or out of, the place's part of the network; ``exits``: roads that lead on but that the side
  may not use, e.g. across the zone boundary where there is no checkpoint).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components, dijkstra

from corridor.routing.graph import BoolArray, IntArray, RoadGraph
from corridor.routing.paths import EdgeLookup, NoPath, path_nodes

EMPTY = np.zeros(0, dtype=np.int64)


@dataclass(frozen=True)
class Cut:
    """Why a place does not connect in one direction (``to`` or ``from`` its targets)."""

    kind: str  # hazard, restricted, dead_end, one_way
    direction: str  # to, from
    edges: IntArray = field(default_factory=lambda: EMPTY)
    exits: IntArray = field(default_factory=lambda: EMPTY)
    hazards: tuple[str, ...] = ()
    length_m: float = 0.0


def _matrix(graph: RoadGraph, keep: BoolArray, reverse: bool = False) -> csr_matrix:
    s, d = graph.src[keep], graph.dst[keep]
    if reverse:
        s, d = d, s
    n = graph.n_nodes
    return csr_matrix((np.ones(len(s)), (s, d)), shape=(n, n))


def reached(
    graph: RoadGraph, keep: BoolArray, sources: Sequence[int], reverse: bool = False
) -> BoolArray:
    """Nodes reached from any of ``sources`` on the ``keep`` edges (``reverse``: nodes that
    reach one of them)."""
    if len(sources) == 0:
        return np.zeros(graph.n_nodes, dtype=bool)
    dist = dijkstra(
        _matrix(graph, keep, reverse), directed=True, indices=list(sources), min_only=True
    )
    return np.asarray(np.isfinite(dist), dtype=bool)


def connects(
    graph: RoadGraph, keep: BoolArray, place: int, targets: Sequence[int], direction: str
) -> bool:
    """True when ``place`` reaches a target (``to``) or is reached from one (``from``)."""
    got = reached(graph, keep, [place], reverse=direction == "from")
    return bool(got[np.asarray(targets, dtype=np.int64)].any()) if len(targets) else False


def diagnose(
    graph: RoadGraph,
    side: BoolArray,
    usable: BoolArray,
    place: int,
    targets: Sequence[int],
    direction: str,
    *,
    legal: BoolArray | None = None,
    closures: Sequence[tuple[str, IntArray]] = (),
) -> Cut | None:
    """Why ``place`` does not connect to (or from) ``targets`` on ``side & usable``; None if
    it does. ``legal`` are the edges the vehicle's limits allow (all when None);
    ``closures`` the edges each closed hazard takes from it, by hazard id."""
    if connects(graph, side & usable, place, targets, direction):
        return None
    legal_mask = np.ones(graph.n_edges, dtype=bool) if legal is None else legal
    closed = np.zeros(graph.n_edges, dtype=bool)
    for _, edges in closures:
        closed[edges] = True
    ends = (place, targets, direction)
    if connects(graph, side & legal_mask, *ends):
        hazards = _culprits(graph, side & usable, side & legal_mask, *ends, closures)
        return Cut("hazard", direction, hazards=hazards)
    if legal is not None and connects(graph, side & ~closed, *ends):
        way = _way(graph, side & ~closed, *ends)
        return Cut("restricted", direction, edges=way[~legal_mask[way]])
    if connects(graph, side, *ends):
        return Cut(
            "hazard", direction, hazards=_culprits(graph, side & ~closed, side, *ends, closures)
        )
    return _shape(graph, side & usable, *ends)


def _culprits(
    graph: RoadGraph,
    keep: BoolArray,
    reopen: BoolArray,
    place: int,
    targets: Sequence[int],
    direction: str,
    closures: Sequence[tuple[str, IntArray]],
) -> tuple[str, ...]:
    """Hazards that each alone, reopened (where ``reopen`` allows), reconnect the place; else
    every one the way passes through."""
    alone = []
    for hid, edges in closures:
        trial = keep.copy()
        trial[edges] = reopen[edges]
        if connects(graph, trial, place, targets, direction):
            alone.append(hid)
    if alone:
        return tuple(alone)
    everything = keep | reopen
    try:
        way = set(_way(graph, everything, place, targets, direction).tolist())
    except NoPath:
        return tuple(h for h, _ in closures)
    return tuple(h for h, e in closures if way & set(e.tolist())) or tuple(h for h, _ in closures)


def _way(
    graph: RoadGraph, keep: BoolArray, place: int, targets: Sequence[int], direction: str
) -> IntArray:
    """The edges of the quickest way from the place to its nearest target (or back)."""
    reverse = direction == "from"
    weights = np.where(keep, graph.time_min, np.inf)
    s, d = (graph.dst, graph.src) if reverse else (graph.src, graph.dst)
    n = graph.n_nodes
    mat = csr_matrix((weights[keep], (s[keep], d[keep])), shape=(n, n))
    dist, pred = dijkstra(mat, directed=True, indices=place, return_predecessors=True)
    tg = np.asarray(targets, dtype=np.int64)
    best = int(tg[np.argmin(dist[tg])])
    if not np.isfinite(dist[best]):
        raise NoPath(f"no way from node {place}")
    nodes = path_nodes(pred, place, best)
    if reverse:
        nodes = nodes[::-1]
    return EdgeLookup(graph)(nodes[:-1], nodes[1:])


def _shape(
    graph: RoadGraph, keep: BoolArray, place: int, targets: Sequence[int], direction: str
) -> Cut:
    """Dead end (no target even ignoring directions) or one-way (the directions cut it)."""
    s, d = graph.src[keep], graph.dst[keep]
    n = graph.n_nodes
    undirected = csr_matrix((np.ones(len(s)), (s, d)), shape=(n, n))
    _, labels = connected_components(undirected, directed=False)
    part = labels == labels[place]
    in_part = keep & part[graph.src] & part[graph.dst]
    if not part[np.asarray(targets, dtype=np.int64)].any():
        edges = np.flatnonzero(in_part)
        return Cut("dead_end", direction, edges=edges, length_m=_road_length(graph, edges))
    mine = reached(graph, keep, [place], reverse=direction == "from")
    src_in, dst_in = mine[graph.src], mine[graph.dst]
    if direction == "to":  # the streets lead into the place's part only
        one_way = np.flatnonzero(keep & ~src_in & dst_in)
        exits = np.flatnonzero(~keep & src_in & ~dst_in)
    else:  # the streets lead out of it only
        one_way = np.flatnonzero(keep & src_in & ~dst_in)
        exits = np.flatnonzero(~keep & ~src_in & dst_in)
    return Cut("one_way", direction, edges=one_way, exits=exits)


def _road_length(graph: RoadGraph, edges: IntArray) -> float:
    """Length of the roads under ``edges``, each two-way road counted once."""
    s, d = graph.src[edges], graph.dst[edges]
    key = np.minimum(s, d) * graph.n_nodes + np.maximum(s, d)
    _, first = np.unique(key, return_index=True)
    return float(graph.length_m[edges[first]].sum())
