"""A coordinator's first scenario on a place nobody prepared (central Helsinki, real OSM data):
`corridor compile` names every place that does not connect, with the reason, and the warnings
a coordinator wants before planning; the fixed scenario compiles clean."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from conftest import run_cli

from corridor.adapters.scenario_files import load_scenario
from corridor.errors import InputError
from corridor.services.compile_scenario import compile_instance
from corridor.services.network import prepare_network
from corridor.services.scenario_check import ScenarioCheck, check_scenario

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "helsinki"
FIRST = EXAMPLES / "first-try.yaml"
FIXED = EXAMPLES / "scenario.yaml"


def _first_try(tmp_path: Path, **changes: object) -> Path:
    """first-try.yaml beside a copy that reads its extract, with the typo mended so that the
    roads can be checked (the typo itself is the subject of its own test)."""
    raw = yaml.safe_load(FIRST.read_text("utf-8"))
    raw["osm"] = str((EXAMPLES / raw["osm"]).resolve())
    raw["receptions"][1]["capacity"] = raw["receptions"][1].pop("capcity")
    raw.update(changes)
    path = tmp_path / "first-try.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False, allow_unicode=True), "utf-8")
    return path


@pytest.fixture(scope="module")
def first(tmp_path_factory: pytest.TempPathFactory, cache_dir: Path) -> ScenarioCheck:
    scenario = load_scenario(_first_try(tmp_path_factory.mktemp("first")))
    net = prepare_network(scenario, cache_dir)
    return check_scenario(net, compile_instance(scenario, net))


def _reasons(check: ScenarioCheck, pid: str) -> str:
    place = next(p for p in check.places if p.id == pid)
    return " | ".join(place.reasons)


def test_the_misspelt_key_is_named_with_the_one_meant() -> None:
    with pytest.raises(InputError) as err:
        load_scenario(FIRST)
    assert str(err.value) == (
        "first-try.yaml: receptions[1].capcity: is not a field here; did you mean "
        "'capacity'? (value 300)"
    )


@pytest.mark.parametrize(
    ("path", "value", "expected"),
    [
        (("hazards", 0, "knd"), "other", "hazards[0].knd: is not a field here; did you mean 'k"),
        (("hazards", 0, "kind"), "shellling", "'shellling' is not one of 'front_line', 'shelling'"),
        (("gathering", 0, "peple"), {}, "gathering[0].peple: is not a field here; did you mean 'p"),
        (("window", "clos"), "x", "window.clos: is not a field here; did you mean 'close'?"),
    ],
)  # fmt: skip
def test_more_typos_say_what_was_meant(
    tmp_path: Path, path: tuple[object, ...], value: object, expected: str
) -> None:
    raw = yaml.safe_load(_first_try(tmp_path).read_text("utf-8"))
    node = raw
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    value_hint = "did you mean 'shelling'?" if path[-1] == "kind" else ""
    (tmp_path / "t.yaml").write_text(yaml.safe_dump(raw), "utf-8")
    with pytest.raises(InputError) as err:
        load_scenario(tmp_path / "t.yaml")
    assert expected in str(err.value)
    assert value_hint in str(err.value)


def test_values_are_echoed_as_written(tmp_path: Path) -> None:
    text = _first_try(tmp_path).read_text("utf-8").replace("capacity: 400", "capacity: 1,200")
    (tmp_path / "t.yaml").write_text(text, "utf-8")
    with pytest.raises(InputError, match=r"receptions\[0\]\.capacity: '1,200' is not a whole"):
        load_scenario(tmp_path / "t.yaml")
    text = text.replace("capacity: 1,200", "capacity: 4.50")
    (tmp_path / "t.yaml").write_text(text, "utf-8")
    with pytest.raises(InputError, match=r"receptions\[0\]\.capacity: 4\.50 is not a whole"):
        load_scenario(tmp_path / "t.yaml")


def test_a_gathering_point_with_no_road_near_it(first: ScenarioCheck) -> None:
    assert _reasons(first, "G-PARK") == (
        "no road within routing.snap_max_m = 80 m: the nearest road it may use inside the "
        "zone (service road off Vuorikatu) is 98 m away"
    )


def test_a_checkpoint_on_a_dead_end(first: ScenarioCheck) -> None:
    why = _reasons(first, "K-YARD")
    assert "no depot or reception centre reaches it: dead end" in why
    assert "reaches no reception centre: dead end" in why
    assert "service road" in why


def test_a_gathering_point_that_leaves_only_by_a_one_way_street(first: ScenarioCheck) -> None:
    why = _reasons(first, "G-VILHO")
    assert why.startswith("cannot get to any checkpoint inside the zone: one-way only")
    assert "Vilhonkatu (one-way)" in why
    assert "cross the zone boundary where there is no checkpoint" in why


def test_a_checkpoint_where_no_road_crosses_the_boundary(first: ScenarioCheck) -> None:
    assert _reasons(first, "K-PARK") == (
        "not on a road that crosses the zone boundary: the nearest one is 207 m away "
        "(at most routing.snap_max_m = 80 m)"
    )


def test_a_gathering_point_behind_a_barricade(first: ScenarioCheck) -> None:
    assert "closed by hazard H-RAUHA" in _reasons(first, "G-RAUHA")


def test_a_reception_centre_reached_only_across_the_boundary(first: ScenarioCheck) -> None:
    why = _reasons(first, "R-SNELL")
    assert why.startswith("no checkpoint reaches it: one-way only: it can be left but not reached")


def test_places_that_connect_are_not_flagged(first: ScenarioCheck) -> None:
    ok = {p.id for p in first.places if p.status == "ok"}
    assert {"G-KIRKKO", "G-VUORI", "K-SOUTH", "D-RAUTA", "R-ESPA", "R-ALEKS"} <= ok
    roads = {p.id: p.road for p in first.places}
    assert roads["G-KIRKKO"] == "Kirkkokatu"
    assert roads["K-SOUTH"] == "Unioninkatu"


def test_zero_and_short_reception_capacity_and_other_warnings(first: ScenarioCheck) -> None:
    texts = {w.code: w.text for w in first.warnings}
    assert texts["zero_capacity"] == "R-ALEKS has capacity 0: nobody can be taken there"
    assert texts["capacity"] == (
        "reception centres take 700 people (R-ESPA 400, R-SNELL 300, R-ALEKS 0) but 1,064 "
        "are waiting: 364 cannot be taken anywhere"
    )
    assert texts["medical_capacity"] == (
        "4 people need a medical centre but medical centres take 0 (none)"
    )
    assert texts["no_carrier"] == (
        "4 critical people wait, but no vehicle in the fleet has a stretcher place "
        "(stretchers: bus 0, van 0, truck 0)"
    )


def test_compile_names_each_place_and_strict_makes_it_an_error(
    tmp_path: Path,
    cache_dir: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CORRIDOR_CACHE_DIR", str(cache_dir))
    monkeypatch.setenv("COLUMNS", "250")
    scenario, out = _first_try(tmp_path), tmp_path / "i.json"
    code, stdout, stderr = run_cli(["compile", str(scenario), "-o", str(out)], capsys)
    assert code == 0, stderr
    text = " ".join(stdout.split())
    for needle in ("G-PARK", "K-YARD", "G-VILHO", "K-PARK", "R-ALEKS", "dead end", "one-way only",
                   "not on a road that crosses the zone boundary", "Warnings (12)"):  # fmt: skip
        assert needle in text, needle
    # The legs with no road are named by pair.
    assert "legs have no road (null in the matrices)" in text
    assert "inside G-VILHO → K-SOUTH, K-YARD, K-PARK, G-KIRKKO" in text
    assert json.loads(out.read_text("utf-8"))["name"] == "kluuvi-first-try"
    out.unlink()
    code, stdout, stderr = run_cli(["compile", str(scenario), "-o", str(out), "--strict"], capsys)
    assert code == 2
    err = " ".join(stderr.split())
    assert "first-try.yaml: 12 warning(s) with --strict:" in err
    assert "K-YARD: no depot or reception centre reaches it: dead end" in err
    assert not out.exists()


def test_the_fixed_scenario_compiles_without_a_warning(
    tmp_path: Path,
    cache_dir: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CORRIDOR_CACHE_DIR", str(cache_dir))
    out = tmp_path / "i.json"
    code, stdout, stderr = run_cli(["compile", str(FIXED), "-o", str(out), "--strict"], capsys)
    assert code == 0, stdout + stderr
    assert "Warnings" not in stdout
    assert out.exists()
