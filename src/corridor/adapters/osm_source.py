"""The road-graph source the services are wired with (``services.ports.RoadGraphSource``):
``adapters.osm.load_road_graph``, imported when a graph is first read (osmium is heavy, and a
CLI command that reads no extract should not pay for it)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from corridor.routing.graph import RoadGraph


def osm_road_graph(path: Path, cache_dir: Path | None) -> RoadGraph:
    from corridor.adapters.osm import load_road_graph

    return load_road_graph(path, cache_dir)
