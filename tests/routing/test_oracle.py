"""Distances and paths agree with networkx on the real OSM extracts."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from corridor.routing.graph import RoadGraph, csr
from corridor.routing.paths import NoPath, cost_matrix, route_matrix, shortest_route


def to_networkx(g: RoadGraph) -> nx.DiGraph:
    G = nx.DiGraph()
    G.add_nodes_from(range(g.n_nodes))
    G.add_weighted_edges_from(zip(g.src.tolist(), g.dst.tolist(), g.time_min.tolist(), strict=True))
    return G


def test_distances_equal_networkx(extract_graph: RoadGraph) -> None:
    g = extract_graph
    G = to_networkx(g)
    rng = np.random.default_rng(7)
    sources = rng.choice(g.n_nodes, size=5, replace=False)
    ours = cost_matrix(csr(g, g.time_min), sources)
    for row, s in zip(ours, sources, strict=True):
        ref = nx.single_source_dijkstra_path_length(G, int(s), weight="weight")
        expected = np.full(g.n_nodes, np.inf)
        expected[list(ref)] = list(ref.values())
        np.testing.assert_allclose(row, expected, rtol=1e-9, atol=1e-9)
    # The largest strongly connected part: every node reaches every other one.
    assert np.isfinite(ours).all()


def test_paths_have_the_oracle_length(extract_graph: RoadGraph) -> None:
    g = extract_graph
    G = to_networkx(g)
    rng = np.random.default_rng(11)
    pts = [int(p) for p in rng.choice(g.n_nodes, size=6, replace=False)]
    keep = np.ones(g.n_edges, dtype=bool)
    res = route_matrix(g, g.time_min, keep, pts)
    for (a, b), r in res.routes.items():
        expected = nx.dijkstra_path_length(G, a, b, weight="weight")
        assert r.time_min == pytest.approx(expected, rel=1e-9, abs=1e-9)
        # The path is real: consecutive nodes are joined by the edges it reports.
        assert r.nodes[0] == a
        assert r.nodes[-1] == b
        np.testing.assert_array_equal(g.src[r.edges], r.nodes[:-1])
        np.testing.assert_array_equal(g.dst[r.edges], r.nodes[1:])
        assert r.length_m == pytest.approx(float(g.length_m[r.edges].sum()))


def test_removed_edges_are_not_used_and_missing_path_is_reported(andorra: RoadGraph) -> None:
    g = andorra
    G = to_networkx(g)
    a, b = 10, 20000
    best = shortest_route(g, g.time_min, np.ones(g.n_edges, bool), a, b)
    keep = np.ones(g.n_edges, bool)
    keep[best.edges[len(best.edges) // 2]] = False
    detour = shortest_route(g, g.time_min, keep, a, b)
    G.remove_edge(
        int(g.src[best.edges[len(best.edges) // 2]]), int(g.dst[best.edges[len(best.edges) // 2]])
    )
    assert detour.time_min == pytest.approx(nx.dijkstra_path_length(G, a, b, weight="weight"))
    assert detour.time_min >= best.time_min
    # Cut every edge out of node a: no path, said as such.
    keep[g.src == a] = False
    with pytest.raises(NoPath):
        shortest_route(g, g.time_min, keep, a, b)
