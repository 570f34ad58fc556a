"""The map layers the dashboard draws, from the Andorra example and its road graph."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
import shapely.geometry

from corridor.adapters.osm import load_road_graph
from corridor.entrypoints.web.layers import buffered, road_layer, scenario_layers
from corridor.scenario.loader import load_scenario
from corridor.scenario.model import Scenario

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "andorra" / "scenario.yaml"


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    return load_scenario(EXAMPLE)


def test_every_place_and_hazard_is_a_layer_the_page_knows(scenario: Scenario) -> None:
    fc = scenario_layers(scenario)
    by_layer: dict[str, list[dict[str, Any]]] = {}
    for f in fc["features"]:
        by_layer.setdefault(f["properties"]["layer"], []).append(f)
    assert len(by_layer["zone"]) == 1
    assert len(by_layer["gathering"]) == len(scenario.gathering)
    assert len(by_layer["checkpoint"]) == len(scenario.checkpoints)
    assert len(by_layer["depot"]) == len(scenario.depots)
    assert len(by_layer["reception"]) == len(scenario.receptions)
    assert {f["properties"]["id"] for f in by_layer["hazard"]} == {h.id for h in scenario.hazards}
    g = by_layer["gathering"][0]["properties"]
    assert g["people"] == dict(scenario.gathering[0].people)
    # Valid JSON, with no NaN a browser would refuse.
    json.loads(json.dumps(fc, allow_nan=False))


def test_a_buffered_point_hazard_is_drawn_as_the_area_it_covers(scenario: Scenario) -> None:
    fc = scenario_layers(scenario)
    shelling = next(f for f in fc["features"] if f["properties"]["id"] == "H-SHELL-ESC")
    area = shapely.geometry.shape(shelling["geometry"])
    assert area.geom_type == "Polygon"
    # 450 m around the point: about 0.0040° north-south and 0.0055° east-west at 42.5° N.
    lon0, lat0, lon1, lat1 = area.bounds
    assert (lat1 - lat0) / 2 * 111_320 == pytest.approx(450, rel=0.02)
    assert (lon1 - lon0) / 2 * 111_320 * math.cos(math.radians(42.5125)) == pytest.approx(
        450, rel=0.02
    )


def test_no_buffer_leaves_the_geometry_alone() -> None:
    line = shapely.geometry.LineString([(1.5, 42.5), (1.6, 42.6)])
    assert buffered(line, 0).equals(line)


def test_the_road_network_draws_each_street_once(scenario: Scenario) -> None:
    graph = load_road_graph(scenario.osm_path())
    fc = road_layer(graph)
    lines = fc["features"][0]["geometry"]["coordinates"]
    undirected = {
        tuple(sorted(e)) for e in zip(graph.src.tolist(), graph.dst.tolist(), strict=True)
    }
    assert len(lines) == len(undirected)
    assert fc["features"][0]["properties"]["streets"] == len(lines)
    # Every drawn point is a node of the graph, to the drawing precision.
    lon0, lat0 = lines[0][0]
    assert min(abs(graph.lon - lon0) + abs(graph.lat - lat0)) < 2e-5
