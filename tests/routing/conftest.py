"""Fixtures for routing tests: the real extracts' road graphs, loaded once per session."""

from __future__ import annotations

from pathlib import Path

import pytest

from corridor.adapters.osm import load_road_graph
from corridor.routing.graph import RoadGraph

ROOT = Path(__file__).resolve().parents[2]
EXTRACTS = ["andorra-2020", "helsinki-centre", "campo-grande-part-2013"]
EXAMPLE = ROOT / "examples" / "andorra" / "scenario.yaml"


@pytest.fixture(scope="session", params=EXTRACTS)
def extract_graph(request: pytest.FixtureRequest, cache_dir: Path) -> RoadGraph:
    """The drivable graph of each real extract (a different shape of town each)."""
    return load_road_graph(ROOT / "data" / "osm" / f"{request.param}.osm.pbf", cache_dir)


@pytest.fixture(scope="session")
def andorra(cache_dir: Path) -> RoadGraph:
    return load_road_graph(ROOT / "data" / "osm" / "andorra-2020.osm.pbf", cache_dir)
