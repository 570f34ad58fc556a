"""Snap places to the nearest road node."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.spatial import cKDTree

from corridor.routing.graph import BoolArray, FloatArray, IntArray, RoadGraph


@dataclass(frozen=True)
class Snapped:
    """Nearest allowed node of each point and the distance to it in metres."""

    node: IntArray
    distance_m: FloatArray


def snap(
    graph: RoadGraph,
    lon: npt.ArrayLike,
    lat: npt.ArrayLike,
    allowed: BoolArray | None = None,
) -> Snapped:
    """Nearest node (among ``allowed`` nodes, if given) to each (lon, lat) point."""
    x, y = graph.xy
    ids = np.arange(graph.n_nodes) if allowed is None else np.flatnonzero(allowed)
    if len(ids) == 0:
        raise ValueError("no node to snap to")
    tree = cKDTree(np.stack([x[ids], y[ids]], 1))
    px, py = graph.projection.forward(lon, lat)
    dist, idx = tree.query(np.stack([np.atleast_1d(px), np.atleast_1d(py)], 1))
    return Snapped(ids[np.asarray(idx, dtype=np.int64)], np.asarray(dist, dtype=np.float64))
