"""Place checks on a real extract (Campo Grande, ``divided-road.yaml``): a checkpoint on a dual
carriageway given as an inward and an outward gate is checked direction by direction; a place
far outside the extract is an error that asks whether latitude and longitude were swapped; a
closed hazard that closes no road is a warning, and the closures to heavy vehicles are counted.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import run_cli

from corridor.adapters.scenario_files import load_scenario
from corridor.errors import InputError
from corridor.services.compile_scenario import compile_instance
from corridor.services.hazard_check import hazard_closures
from corridor.services.network import Network, prepare_network
from corridor.services.scenario_check import ScenarioCheck, check_scenario

FIXTURE = Path(__file__).resolve().parent / "divided-road.yaml"
OSM = (FIXTURE.parent / "../../data/osm/campo-grande-part-2013.osm.pbf").resolve()
PLACES = ["G-DAMHA", "G-NORTE", "G-SUL", "G-LESTE", "K-DAMHA-IN", "K-DAMHA-OUT", "D-POMBAL"]


def _raw() -> dict[str, Any]:
    raw = yaml.safe_load(FIXTURE.read_text("utf-8"))
    raw["osm"] = str(OSM)
    return dict(raw)


def _write(tmp_path: Path, raw: dict[str, Any], name: str = "s.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(raw, sort_keys=False), "utf-8")
    return path


def _check(path: Path, cache_dir: Path) -> tuple[Network, ScenarioCheck]:
    net = prepare_network(load_scenario(path), cache_dir)
    return net, check_scenario(net, compile_instance(net.scenario, net))


def _swap(loc: list[float]) -> list[float]:
    return [loc[1], loc[0]]


@pytest.fixture(scope="module")
def divided(cache_dir: Path) -> tuple[Network, ScenarioCheck]:
    return _check(FIXTURE, cache_dir)


def test_an_inward_and_an_outward_gate_on_a_divided_road_connect_every_place(
    divided: tuple[Network, ScenarioCheck],
) -> None:
    _, check = divided
    assert {p.id: p.status for p in check.places} == dict.fromkeys(
        [*PLACES, "R-HOSP", "R-ESCOLA"], "ok"
    )
    assert check.all_warnings() == []
    # legs no vehicle drives (on from the inward gate outside, into it inside) are not listed
    assert check.no_road == []


def test_the_gate_pair_compiles_with_strict(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "inst.json"
    code, text, err = run_cli(["compile", str(FIXTURE), "-o", str(out), "--strict"], capsys)
    assert code == 0, err
    assert out.exists()
    assert "NO" not in text.replace("NORTE", "")
    assert "Warnings" not in text


def test_gates_given_the_wrong_way_round_are_still_cut_off(tmp_path: Path, cache_dir: Path) -> None:
    """The inward carriageway's gate marked outward, and the outward one inward: nobody gets
    in or out, and the table says so, naming the lanes that count."""
    raw = _raw()
    k_in, k_out = raw["checkpoints"]
    k_in["in"]["lanes"], k_in["out"]["lanes"] = 0, 1
    k_out["in"]["lanes"], k_out["out"]["lanes"] = 2, 0
    _, check = _check(_write(tmp_path, raw), cache_dir)
    status = {p.id: p for p in check.places}
    assert all(status[g].status == "cut" for g in ("G-DAMHA", "G-NORTE", "G-SUL", "G-LESTE"))
    why = " | ".join(status["G-DAMHA"].reasons)
    assert "cannot get to any checkpoint with an outward lane inside the zone" in why
    assert "reaches no reception centre: one-way only" in " | ".join(status["K-DAMHA-IN"].reasons)


def test_a_depot_with_latitude_and_longitude_swapped_is_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    raw = _raw()
    raw["depots"][0]["location"] = _swap(raw["depots"][0]["location"])
    out = tmp_path / "inst.json"
    code, _, err = run_cli(["compile", str(_write(tmp_path, raw)), "-o", str(out)], capsys)
    assert code == 2
    assert not out.exists()
    assert "s.yaml: depots[0].location: [-20.477, -54.564] is 5," in err
    assert "km outside the OSM extract" in err
    assert "latitude and longitude swapped? [-54.564, -20.477] is inside it" in err


def test_a_place_far_off_but_not_swapped_names_no_swap(tmp_path: Path, cache_dir: Path) -> None:
    raw = _raw()
    raw["receptions"][1]["location"] = [-54.5645, -21.4866]  # 111 km south
    scenario = load_scenario(_write(tmp_path, raw))
    net = prepare_network(scenario, cache_dir)
    with pytest.raises(InputError) as err:
        check_scenario(net)
    assert str(err.value).startswith("s.yaml: receptions[1].location: [-54.5645, -21.4866] is ")
    assert "swapped" not in str(err.value)


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("gathering", "gathering[0].location: [-20.4855, -54.55] is outside the zone"),
        ("checkpoints", "checkpoints[0].location: [-20.48552, -54.55293] is 5189708 m from"),
    ],
)
def test_a_swapped_gathering_point_or_checkpoint_says_so(
    tmp_path: Path, key: str, expected: str
) -> None:
    raw = _raw()
    raw[key][0]["location"] = _swap(raw[key][0]["location"])
    with pytest.raises(InputError) as err:
        load_scenario(_write(tmp_path, raw))
    assert expected in str(err.value)
    assert "latitude and longitude swapped?" in str(err.value)


def test_a_gathering_point_just_outside_the_zone_is_not_called_swapped(tmp_path: Path) -> None:
    raw = _raw()
    raw["gathering"][0]["location"] = [-54.5540, -20.4855]
    with pytest.raises(InputError) as err:
        load_scenario(_write(tmp_path, raw))
    assert "is outside the zone" in str(err.value)
    assert "swapped" not in str(err.value)


def test_the_viaduct_closure_to_heavy_vehicles_is_counted(
    divided: tuple[Network, ScenarioCheck],
) -> None:
    net, _ = divided
    closures = hazard_closures(net)
    assert closures.to_all == int((~net.effect.open_edges).sum())
    assert closures.to_some > 0
    assert closures.types == ("bus", "truck")
    assert closures.text() == (
        f"3 hazards close {closures.to_all} segments to all, {closures.to_some} more to bus, truck"
    )


@pytest.mark.parametrize(
    ("point", "swapped"), [([-54.5600, -20.4790], False), ([-20.4803, -54.5592], True)]
)
def test_a_damaged_bridge_hazard_off_the_bridge_is_a_warning(
    tmp_path: Path,
    cache_dir: Path,
    capsys: pytest.CaptureFixture[str],
    point: list[float],
    swapped: bool,
) -> None:
    raw = _raw()
    raw["hazards"][0]["geometry"]["coordinates"] = point
    path = _write(tmp_path, raw)
    net, check = _check(path, cache_dir)
    warned = [w for w in check.all_warnings() if w.ids == ("H-VIADUTO",)]
    assert len(warned) == 1
    assert warned[0].text.startswith(
        "H-VIADUTO closes no road: bridges_only, and no bridge (OSM bridge=*) is within its "
        "geometry and buffer_m = 30 m"
    )
    assert ("latitude and longitude swapped?" in warned[0].text) is swapped
    assert hazard_closures(net).to_some == 0
    code, _, err = run_cli(
        ["compile", str(path), "-o", str(tmp_path / "i.json"), "--strict"], capsys
    )
    assert code == 2
    assert "H-VIADUTO: H-VIADUTO closes no road" in err
