"""Routing benchmark: the many-to-many matrix (50 sources to all nodes) and hazard re-application.

Compared in the same run, on the same graph and sources:

- corridor: ``csr(graph, cost, keep)`` + ``cost_matrix`` (what compile/routes do per call);
- bare scipy: one ``scipy.sparse.csgraph.dijkstra`` call on an already built CSR matrix;
- networkx: ``single_source_dijkstra_path_length`` from each source.

Graphs: Andorra (real OSM extract) and a synthetic grid of 448 x 448 = 200,704 nodes.
Targets: corridor >= 15x faster than networkx, <= 1.3x bare scipy; re-applying a new set of
hazards on the 200k-node graph (mask + penalties + a new CSR matrix) under 50 ms.

Run: ``.venv/bin/python benchmarks/routing.py`` (``--quick`` for a smaller grid and fewer
networkx sources, to try it out).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import shapely
from scipy.sparse.csgraph import dijkstra

from corridor.adapters.osm import load_road_graph
from corridor.routing.graph import RoadGraph, csr, grid_graph
from corridor.routing.hazards import HazardArea, apply_hazards
from corridor.routing.paths import cost_matrix

ROOT = Path(__file__).resolve().parents[1]
SEED = 20260514


def timed(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    """Best wall time of ``repeat`` runs (seconds) and the last result."""
    best = float("inf")
    out = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def to_networkx(g: RoadGraph) -> nx.DiGraph:
    G = nx.DiGraph()
    G.add_nodes_from(range(g.n_nodes))
    G.add_weighted_edges_from(zip(g.src.tolist(), g.dst.tolist(), g.time_min.tolist(), strict=True))
    return G


def matrix_bench(name: str, g: RoadGraph, n_sources: int, nx_sources: int) -> dict[str, float]:
    rng = np.random.default_rng(SEED)
    sources = rng.choice(g.n_nodes, size=n_sources, replace=False)
    keep = np.ones(g.n_edges, dtype=bool)
    built = csr(g, g.time_min)

    # Alternate the two, best of 5 each, so that a busy machine hurts both alike.
    t_ours = t_bare = float("inf")
    for _ in range(5):
        t, ours = timed(lambda: cost_matrix(csr(g, g.time_min, keep), sources), 1)
        t_ours = min(t_ours, t)
        t, bare = timed(lambda: dijkstra(built, directed=True, indices=sources), 1)
        t_bare = min(t_bare, t)
    assert np.array_equal(ours, bare), "corridor and bare scipy disagree"

    G = to_networkx(g)
    nx_src = sources[:nx_sources]
    t0 = time.perf_counter()
    ref = [nx.single_source_dijkstra_path_length(G, int(s), weight="weight") for s in nx_src]
    t_nx = (time.perf_counter() - t0) * (n_sources / nx_sources)
    for row, d in zip(ours, ref, strict=False):
        keys = np.fromiter(d.keys(), dtype=np.int64)
        vals = np.fromiter(d.values(), dtype=np.float64)
        assert np.allclose(row[keys], vals), "corridor and networkx disagree"
    scaled = "" if nx_sources == n_sources else f" (timed on {nx_sources}, scaled)"
    print(
        f"{name}: {g.n_nodes:,} nodes, {g.n_edges:,} edges, {n_sources} sources to all nodes\n"
        f"  corridor    {t_ours * 1000:9.1f} ms\n"
        f"  bare scipy  {t_bare * 1000:9.1f} ms   corridor / bare scipy = {t_ours / t_bare:.2f}x"
        f" (target <= 1.3x)\n"
        f"  networkx    {t_nx * 1000:9.1f} ms{scaled}   networkx / corridor = {t_nx / t_ours:.1f}x"
        f" (target >= 15x)"
    )
    return {"ours": t_ours, "bare": t_bare, "nx": t_nx}


def random_hazards(rng: np.random.Generator, span: float, k: int) -> list[HazardArea]:
    out = []
    for i in range(k):
        cx, cy = rng.uniform(0, span, 2)
        if i % 3 == 0:
            pts = np.column_stack(
                [
                    cx + np.cumsum(rng.uniform(-800, 800, 4)),
                    cy + np.cumsum(rng.uniform(-800, 800, 4)),
                ]
            )
            geom = shapely.LineString(pts)
        else:
            geom = shapely.Point(cx, cy).buffer(float(rng.uniform(100, 900)))
        out.append(HazardArea(f"H{i}", geom, closed=bool(i % 2), penalty=float(rng.uniform(0, 5))))
    return out


def hazard_bench(g: RoadGraph, span: float) -> float:
    rng = np.random.default_rng(SEED)
    t0 = time.perf_counter()
    g.segment_tree()
    t_index = time.perf_counter() - t0
    csr(g, g.time_min)  # the shared CSR index arrays, built once like the spatial index
    times, with_near, closed = [], [], []
    for _ in range(9):
        hz = random_hazards(rng, span, 12)
        t0 = time.perf_counter()
        effect = apply_hazards(g, hz, near_m=150)
        csr(g, effect.cost, effect.open_edges)
        t1 = time.perf_counter()
        effect.near_any  # noqa: B018 - exposure needs it; timed apart
        t2 = time.perf_counter()
        times.append(t1 - t0)
        with_near.append(t2 - t0)
        closed.append(int((~effect.open_edges).sum()))
    med = statistics.median(times)
    print(
        f"hazards on the {g.n_nodes:,}-node grid: spatial index built once in "
        f"{t_index * 1000:.0f} ms; re-applying a new set of 12 hazards (closed mask, risk "
        f"penalties, new CSR matrix) takes {med * 1000:.1f} ms median, "
        f"{max(times) * 1000:.1f} ms worst of 9 (target < 50 ms; "
        f"{statistics.median(closed):,.0f} edges closed per set); with the edges within 150 m "
        f"for exposure as well: {statistics.median(with_near) * 1000:.1f} ms median"
    )
    return med


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="smaller grid, 5 networkx sources")
    args = ap.parse_args(argv)
    side = 200 if args.quick else 448
    nx_sources = 5 if args.quick else 50

    import os

    print(f"load average before the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    andorra = load_road_graph(ROOT / "data" / "osm" / "andorra-2020.osm.pbf")
    a = matrix_bench("Andorra (OSM)", andorra, 50, nx_sources)
    t0 = time.perf_counter()
    grid = grid_graph(side, side, spacing_m=100.0, seed=SEED)
    print(f"(grid built in {time.perf_counter() - t0:.1f} s)")
    b = matrix_bench(f"Grid {side}x{side}", grid, 50, nx_sources)
    h = hazard_bench(grid, (side - 1) * 100.0)
    ok = all(r["nx"] / r["ours"] >= 15 and r["ours"] / r["bare"] <= 1.3 for r in (a, b))
    ok = ok and h < 0.050
    print("all targets met" if ok else "SOME TARGETS MISSED")
    print(f"load average after the run: {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
