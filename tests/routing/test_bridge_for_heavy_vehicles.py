"""Issue 17, routing side: the Andorra example with the CG-1 bridge at Sant Julià damaged, so
that it carries nothing over 15 t. The bus (a 12 t midibus here) still crosses it; the 18 t
aid truck does not: it gets its own matrices in ``travel.by_type`` with no road where the bus
has one, and no corridor a truck may use crosses the bridge."""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import shapely
from conftest import run_cli, run_referee

from corridor.adapters.scenario_files import load_scenario
from corridor.scenario import Scenario
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


@pytest.fixture(scope="module")
def planned(net: Network, instance: dict[str, Any]) -> dict[str, Any]:
    from corridor.planning.instance import parse_instance
    from corridor.planning.solver import SolveParams, solve

    params = SolveParams(time_limit=120, seed=1, iterations=30)
    return dict(solve(parse_instance(instance), params).plan)


def _legs(route: dict[str, Any]) -> list[tuple[str, str, str]]:
    out, inside = [], False
    stops = route["stops"]
    for a, b in itertools.pairwise(stops):
        out.append((a["at"], b["at"], "inside" if inside else "outside"))
        if "dir" in b:
            inside = b["dir"] == "in"
    return out


def test_the_plan_passes_the_referee_and_no_truck_crosses_the_bridge(
    net: Network, instance: dict[str, Any], planned: dict[str, Any], tmp_path: Path, referee: Path
) -> None:
    from corridor.services.trip_directions import leg_route

    (tmp_path / "i.json").write_text(json.dumps(instance))
    (tmp_path / "p.json").write_text(json.dumps(planned))
    verdict = run_referee(referee, tmp_path / "i.json", tmp_path / "p.json", "--json")
    assert verdict.returncode == 0, verdict.stdout
    bridge = set(bridge_edges(net).tolist())
    trucks = [r for r in planned["routes"] if r["vehicle"].split("/")[1] == "truck"]
    assert any(len(r["stops"]) > 1 for r in trucks), "no truck in the plan: nothing to check"
    crossings = 0
    for r in planned["routes"]:
        vtype = r["vehicle"].split("/")[1]
        for a, b, side in _legs(r):
            if a == b:
                continue
            road = leg_route(net, a, b, side, vtype)
            assert road is not None, (r["vehicle"], a, b)
            over = bool(bridge & set(road.edges.tolist()))
            assert not (over and vtype == "truck"), f"{r['vehicle']} crosses the bridge {a}->{b}"
            crossings += over
    assert crossings, "no vehicle crosses the bridge at all: the test shows nothing"


def test_the_referee_rejects_a_truck_sent_over_the_bridge(
    instance: dict[str, Any], tmp_path: Path, referee: Path
) -> None:
    """A trip the bus can make from Sant Julià (over the bridge) is no road for a truck."""
    bus = {**instance["travel"], **instance["travel"]["by_type"]["bus"]}  # a side not given: shared
    out, inside = bus["outside"], bus["inside"]

    def leg(m: dict[str, Any], a: str, b: str) -> float:
        return float(m["minutes"][m["ids"].index(a)][m["ids"].index(b)])

    t = 600.0
    stops: list[dict[str, Any]] = [{"at": "D-SJL", "arrive": t, "depart": t}]
    t += leg(out, "D-SJL", "K-SUD")
    stops.append({"at": "K-SUD", "dir": "in", "arrive": t, "start": t, "end": t + 5})
    t += 5 + leg(inside, "K-SUD", "G10")
    stops.append({"at": "G10", "arrive": t, "depart": t + 5.2, "board": {"general": 1}})
    t += 5.2 + leg(inside, "G10", "K-SUD")
    stops.append({"at": "K-SUD", "dir": "out", "arrive": t, "start": t, "end": t + 12})
    t += 12 + leg(out, "K-SUD", "R-AND")
    stops.append({"at": "R-AND", "arrive": t, "depart": t + 5.2, "alight": {"general": 1}})
    for vehicle, feasible in (("D-SJL/bus/0", True), ("D-SJL/truck/0", False)):
        plan = {"format": "cep-plan/1", "instance": instance["name"],
                "routes": [{"vehicle": vehicle, "stops": stops}]}  # fmt: skip
        (tmp_path / "p.json").write_text(json.dumps(plan))
        (tmp_path / "i.json").write_text(json.dumps(instance))
        verdict = run_referee(referee, tmp_path / "i.json", tmp_path / "p.json", "--json")
        result = json.loads(verdict.stdout)
        assert result["feasible"] is feasible, result["violations"]
        if not feasible:
            assert {v["rule"] for v in result["violations"]} == {"travel"}
