"""Issue 17, routing side: the Andorra example with the CG-1 bridge at Sant Julià damaged, so
that it carries nothing over 15 t. The bus (a 12 t midibus here) still crosses it; the 18 t
aid truck does not: it gets its own matrices in ``travel.by_type`` with no road where the bus
has one, and no corridor a truck may use crosses the bridge."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import shapely
from conftest import run_cli

from corridor.scenario import Scenario, load_scenario
from corridor.services.compile_scenario import compile_instance
from corridor.services.network import Network, prepare_network
from corridor.services.routes import corridor_candidates

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "andorra" / "scenario.yaml"
BRIDGE = (1.49090, 42.48370)  # CG-1 over the Valira at Sant Julià de Lòria


def bridge_scenario() -> Scenario:
    base = load_scenario(EXAMPLE)
    raw = base.model_dump(by_alias=True, exclude_none=True)
    raw["vehicle_types"]["bus"]["weight_t"] = 12.0
    raw["hazards"].append(
        {
            "id": "H-CG1-BRIDGE",
            "name": "Shelled bridge on the CG-1",
            "kind": "damaged_bridge",
            "closed": True,
            "max_weight_t": 15.0,
            "bridges_only": True,
            "buffer_m": 20.0,
            "geometry": {"type": "Point", "coordinates": list(BRIDGE)},
        }
    )
    out = Scenario.model_validate(raw)
    out._source = base.source
    return out


@pytest.fixture(scope="module")
def net(cache_dir: Path) -> Network:
    return prepare_network(bridge_scenario(), cache_dir)


@pytest.fixture(scope="module")
def instance(net: Network) -> dict[str, Any]:
    return compile_instance(net.scenario, net)


def bridge_edges(net: Network) -> np.ndarray:
    i = [h.id for h in net.hazards].index("H-CG1-BRIDGE")
    return net.effect.edges_of(i)


def test_the_hazard_closes_only_the_bridge_and_only_for_heavy_vehicles(net: Network) -> None:
    edges = bridge_edges(net)
    assert len(edges) > 0
    assert net.graph.tags.bridge[edges].all()
    assert net.effect.open_edges[edges].all()  # not closed to everyone
    assert not net.roads_of("truck").allowed[edges].any()
    assert net.roads_of("bus").allowed[edges].all()


def test_the_truck_has_no_road_where_the_bus_has_one(instance: dict[str, Any]) -> None:
    travel = instance["travel"]
    # A type not in by_type drives on the shared matrix (data/cep/FORMAT.md).
    truck = travel["by_type"].get("truck", travel)["outside"]
    bus = travel["by_type"]["bus"]["outside"]
    assert truck["ids"] == bus["ids"] == travel["outside"]["ids"]
    cut = [
        (truck["ids"][a], truck["ids"][b])
        for a, row in enumerate(truck["minutes"])
        for b, v in enumerate(row)
        if v is None and bus["minutes"][a][b] is not None
    ]
    assert ("D-SJL", "K-SUD") in cut
    # The shared matrix is safe for every type: no road where any type has none.
    shared = travel["outside"]["minutes"]
    ids = travel["outside"]["ids"]
    assert all(shared[ids.index(a)][ids.index(b)] is None for a, b in cut)


def test_no_corridor_a_truck_may_use_crosses_the_bridge(net: Network) -> None:
    cands = corridor_candidates(net)
    bridge = set(bridge_edges(net).tolist())
    for_truck = [c for c in cands if "truck" in c.types]
    assert for_truck
    for c in for_truck:
        assert not bridge & set(c.route.edges.tolist())
        assert c.minutes["truck"] > 0
    # K-SUD to the clinic in Sant Julià: the bus drives over the bridge, the truck around.
    to_sjl = [c for c in cands if (c.checkpoint, c.reception) == ("K-SUD", "R-SJL")]
    assert any("truck" not in c.types and bridge & set(c.route.edges.tolist()) for c in to_sjl)


def test_the_routes_command_shows_which_corridors_each_type_may_use(
    tmp_path: Path,
    cache_dir: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CORRIDOR_CACHE_DIR", str(cache_dir))
    monkeypatch.setenv("COLUMNS", "200")
    raw = bridge_scenario().model_dump(by_alias=True, exclude_none=True, mode="json")
    raw["osm"] = str(EXAMPLE.parent / raw["osm"])
    path = tmp_path / "bridge.yaml"
    path.write_text(json.dumps(raw), "utf-8")  # JSON is YAML
    out = tmp_path / "routes.geojson"
    code, stdout, stderr = run_cli(["routes", str(path), "-o", str(out)], capsys)
    assert code == 0, stderr
    assert "Which corridors each vehicle type may use (minutes)" in stdout
    fc = json.loads(out.read_text("utf-8"))
    segs = shapely.buffer(shapely.Point(*BRIDGE), 0.0002)
    for f in fc["features"]:
        line = shapely.LineString(f["geometry"]["coordinates"])
        if "truck" in f["properties"]["vehicle_types"]:
            assert not line.intersects(segs), f["id"]
    types = [f["properties"]["vehicle_types"] for f in fc["features"]]
    assert any("truck" not in t for t in types)
    assert any("truck" in t for t in types)
