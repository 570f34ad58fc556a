"""The Andorra example end to end: compile (the referee accepts it), routes, map, layers."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import shapely
from conftest import run_cli, run_referee

from corridor.adapters.scenario_files import load_scenario
from corridor.routing.paths import route_matrix
from corridor.scenario import Scenario
from corridor.services.compile_scenario import compile_instance
from corridor.services.network import Network, prepare_network
from corridor.services.routes import corridor_candidates, corridor_routes, scenario_layers

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "andorra" / "scenario.yaml"


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    return load_scenario(EXAMPLE)


@pytest.fixture(scope="module")
def net(scenario: Scenario, cache_dir: Path) -> Network:
    return prepare_network(scenario, cache_dir)


@pytest.fixture(scope="module")
def instance(scenario: Scenario, net: Network) -> dict[str, object]:
    return compile_instance(scenario, net)


def test_compiled_instance_gets_a_bound_from_the_referee(
    instance: dict[str, object], tmp_path: Path, referee: Path
) -> None:
    path = tmp_path / "a.json"
    path.write_text(json.dumps(instance), encoding="utf-8")
    proc = run_referee(referee, path, "--bound")
    assert proc.returncode == 0, proc.stderr
    assert float(proc.stdout.strip()) > 0


def test_instance_times_and_matrices(instance: dict[str, object], net: Network) -> None:
    inst = instance
    assert inst["format"] == "cep/1"
    # 06:00 to 18:00 local time: minutes from local midnight.
    assert inst["window"] == {"open": 360, "close": 1080}
    travel = inst["travel"]
    assert isinstance(travel, dict)
    assert travel["outside"]["ids"] == [
        "D-AND",
        "D-SJL",
        "D-CAN",
        "R-HOSP",
        "R-AND",
        "R-MAS",
        "R-SJL",
        "R-CAN",
        "R-ORD",
        "K-SUD",
        "K-NORD",
    ]
    assert travel["inside"]["ids"][:2] == ["K-SUD", "K-NORD"]
    inside = np.array(travel["inside"]["minutes"], dtype=float)
    outside = np.array(travel["outside"]["minutes"], dtype=float)
    assert np.isfinite(inside).all()
    assert np.isfinite(outside).all()
    assert (np.diag(inside) == 0).all()
    # A small town: every inside leg is short; the valleys outside are longer.
    assert inside.max() < 15
    assert outside.max() > 20
    # Each type drives at its own speeds; the shared matrices are the slowest type's (the
    # bus's and the truck's here: heavy vehicles, capped alike), so every vehicle keeps them.
    by_type = travel["by_type"]
    assert set(by_type) == {"minibus", "ambulance"}
    for side in ("outside", "inside"):
        shared = np.array(travel[side]["minutes"], dtype=float)
        for t, sides in by_type.items():
            own = np.array(sides[side]["minutes"], dtype=float)
            assert (own <= shared + 1e-9).all(), t
        ambulance = np.array(by_type["ambulance"][side]["minutes"], dtype=float)
        assert ambulance.sum() < 0.95 * shared.sum()  # quicker on the whole


def test_inside_legs_never_leave_the_zone_and_outside_legs_never_enter(net: Network) -> None:
    g = net.graph
    x, y = g.xy
    node_in = shapely.contains_xy(net.zone, x, y)
    cps = {p.node for p in net.of_kind("checkpoint")}
    inside_pts = [p.node for p in net.places.values() if p.kind in ("checkpoint", "gathering")]
    res = route_matrix(g, net.effect.cost, net.inside_edges, inside_pts)
    assert len(res.routes) == len(inside_pts) ** 2
    for r in res.routes.values():
        others = np.array([n for n in r.nodes if n not in cps], dtype=np.int64)
        assert node_in[others].all()
    outside_pts = [p.node for p in net.places.values() if p.kind != "gathering"]
    res = route_matrix(g, net.effect.cost, net.outside_edges, outside_pts)
    for r in res.routes.values():
        others = np.array([n for n in r.nodes if n not in cps], dtype=np.int64)
        assert not node_in[others].any()
        away = r.edges[~np.isin(g.src[r.edges], list(cps)) & ~np.isin(g.dst[r.edges], list(cps))]
        assert not shapely.intersects(g.segments()[away], net.zone).any()


def test_corridors_avoid_closed_hazards_and_report_exposure(
    scenario: Scenario, net: Network
) -> None:
    cands = corridor_candidates(net)
    closed = shapely.union_all([h.geometry for h in net.hazards if h.closed])
    pairs = {(c.checkpoint, c.reception) for c in cands}
    assert len(pairs) == len(scenario.checkpoints) * len(scenario.receptions)
    for c in cands:
        assert not shapely.intersects(net.graph.segments()[c.route.edges], closed).any()
        assert 0 <= c.route.exposure_min <= c.route.time_min
        if c.route.exposure_min > 0:
            assert c.hazards_near
    # The shelled approach to Escaldes: some candidates pass it, and the best route to the
    # hospital from the south checkpoint goes around it.
    assert any("H-SHELL-ESC" in c.hazards_near for c in cands)
    best = next(c for c in cands if (c.checkpoint, c.reception, c.rank) == ("K-SUD", "R-HOSP", 1))
    assert "H-SHELL-ESC" not in best.hazards_near


def test_closing_the_south_road_cuts_the_south_checkpoint_off(scenario: Scenario) -> None:
    raw = scenario.model_dump(by_alias=True)
    raw["hazards"].append(
        {
            "id": "H-CUT",
            "kind": "destroyed_bridge",
            "closed": True,
            "buffer_m": 400,
            "geometry": {"type": "Point", "coordinates": [1.5640, 42.5235]},
        }
    )
    cut = Scenario.model_validate(raw)
    cut._source = scenario.source
    inst = compile_instance(cut)
    out = inst["travel"]["outside"]
    k = out["ids"].index("K-SUD")
    row = out["minutes"][k]
    assert all(v is None for i, v in enumerate(row) if i != k)
    # The north checkpoint still reaches every reception centre.
    n = out["ids"].index("K-NORD")
    assert all(v is not None for i, v in enumerate(out["minutes"][n]) if i != k)


def test_routes_command_writes_geojson_and_a_map(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    cache_dir: Path,
) -> None:
    monkeypatch.setenv("CORRIDOR_CACHE_DIR", str(cache_dir))
    out, png = tmp_path / "routes.geojson", tmp_path / "map.png"
    code, stdout, stderr = run_cli(
        ["routes", str(EXAMPLE), "-o", str(out), "--png", str(png)], capsys
    )
    assert code == 0, stderr
    fc = json.loads(out.read_text("utf-8"))
    assert fc["type"] == "FeatureCollection"
    assert "OpenStreetMap" in fc["attribution"]
    props = fc["features"][0]["properties"]
    assert set(props) >= {
        "time_min",
        "length_km",
        "exposure_min",
        "hazards_near",
        "checkpoint",
        "reception",
    }
    assert fc["features"][0]["geometry"]["type"] == "LineString"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert png.stat().st_size > 50_000
    assert "Corridor candidates" in stdout


@pytest.mark.parametrize(
    ("png", "said"),
    [
        ("map.txt", "--png: {path} must end in .png"),
        ("folder", "--png: {path} is a folder, not a file to write"),
        ("nowhere/map.png", "--png: {path}: folder {parent} does not exist"),
    ],
)
def test_a_map_name_that_cannot_be_written_is_refused_before_anything_is(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], png: str, said: str
) -> None:
    """Replays `--png m.txt` (a traceback after the GeoJSON was overwritten) and `--png FOLDER`
    (said it wrote the folder; wrote FOLDER.png beside it)."""
    (tmp_path / "folder").mkdir()
    out = tmp_path / "routes.geojson"
    out.write_text("the good file of an earlier run")
    path = tmp_path / png
    code, _, stderr = run_cli(["routes", str(EXAMPLE), "-o", str(out), "--png", str(path)], capsys)
    assert code == 2, stderr
    assert said.format(path=path, parent=path.parent) in stderr
    assert "Traceback" not in stderr
    assert out.read_text() == "the good file of an earlier run"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["folder", "routes.geojson"]
    assert not list((tmp_path / "folder").iterdir())


def test_compile_refuses_an_output_folder_before_it_works(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The output is checked first: no table of places, then an error after it."""
    code, stdout, stderr = run_cli(["compile", str(EXAMPLE), "-o", str(tmp_path)], capsys)
    assert code == 2, stderr
    assert f"--output: {tmp_path} is a folder, not a file to write" in stderr
    assert "connects" not in stdout


def test_compile_command_and_referee(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    cache_dir: Path,
    referee: Path,
) -> None:
    monkeypatch.setenv("CORRIDOR_CACHE_DIR", str(cache_dir))
    out = tmp_path / "a.json"
    code, stdout, stderr = run_cli(["compile", str(EXAMPLE), "-o", str(out)], capsys)
    assert code == 0, stderr
    assert "4,177 people" in " ".join(stdout.split())
    proc = run_referee(referee, out, "--bound")
    assert proc.returncode == 0
    assert float(proc.stdout) > 0


def test_scenario_layers_for_the_dashboard(scenario: Scenario, net: Network) -> None:
    fc = scenario_layers(scenario, net)
    layers = [f["properties"]["layer"] for f in fc["features"]]
    assert layers.count("zone") == 1
    assert layers.count("hazard") == len(scenario.hazards)
    assert layers.count("gathering") == 12
    assert layers.count("checkpoint") == 2
    roads = [f for f in fc["features"] if f["properties"]["layer"] == "roads"]
    assert sum(len(f["geometry"]["coordinates"]) for f in roads) > 1000
    json.dumps(fc)  # JSON-ready


def test_corridor_routes_contract(scenario: Scenario, net: Network) -> None:
    fc = corridor_routes(scenario, net)
    assert fc["features"]
    for f in fc["features"]:
        p = f["properties"]
        assert p["time_min"] > 0
        assert p["length_km"] > 0
