"""Loading scenarios: the example, side files, time windows, geometry checks."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from corridor.adapters.scenario_files import load_scenario
from corridor.errors import InputError
from corridor.scenario import parse_scenario

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "andorra" / "scenario.yaml"
BASE: dict[str, Any] = yaml.safe_load(EXAMPLE.read_text("utf-8"))


def write(tmp: Path, doc: dict[str, Any], side: dict[str, Any] | None = None) -> Path:
    if side is not None:
        (tmp / "side.geojson").write_text(json.dumps(side), encoding="utf-8")
    p = tmp / "s.yaml"
    p.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return p


def test_example_loads_whole() -> None:
    s = load_scenario(EXAMPLE)
    assert s.name == "encamp-valley-2026"
    assert len(s.gathering) == 12
    assert sum(sum(g.people.values()) for g in s.gathering) == 4177
    assert [c.id for c in s.checkpoints] == ["K-SUD", "K-NORD"]
    assert s.checkpoints[0].inward.service == 5
    assert s.checkpoints[1].outward.lanes == 1
    assert s.window.minutes() == (360.0, 1080.0)
    assert s.osm_path() == (EXAMPLE.parent / "../../data/osm/andorra-2020.osm.pbf")
    assert s.osm_path().is_file()
    # The hazards from the side file came in as geometries.
    front = next(h for h in s.hazards if h.id == "H-FRONT")
    assert front.geometry.type == "LineString"
    assert front.closed


def test_window_across_midnight_counts_from_the_opening_day() -> None:
    doc = copy.deepcopy(BASE)
    doc["window"] = {"open": "2026-01-10T22:00:00+03:00", "close": "2026-01-11T04:30:00+03:00"}
    doc["hazards"] = []
    s = parse_scenario(doc)
    assert s.window.minutes() == (1320.0, 1710.0)


def test_side_file_feature_by_id_and_single_feature(tmp_path: Path) -> None:
    zone = BASE["zone"]
    doc = copy.deepcopy(BASE)
    doc["osm"] = str(ROOT / "data" / "osm" / "andorra-2020.osm.pbf")
    doc["hazards"] = [doc["hazards"][2]]
    doc["zone"] = {"file": "side.geojson", "id": "Z"}
    side = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": {"id": "other"}, "geometry": zone},
            {"type": "Feature", "properties": {"id": "Z"}, "geometry": zone},
        ],
    }
    s = load_scenario(write(tmp_path, doc, side))
    assert s.zone.type == "Polygon"
    doc["zone"] = {"file": "side.geojson"}
    with pytest.raises(InputError, match=r"zone\.id: missing: 'side.geojson' has 2 features"):
        load_scenario(write(tmp_path, doc, side))
    doc["zone"] = {"file": "side.geojson", "id": "nope"}
    with pytest.raises(InputError, match=r"'nope' is not a feature of 'side\.geojson'"):
        load_scenario(write(tmp_path, doc, side))


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (
            "zone",
            {
                "type": "Polygon",
                "coordinates": [
                    [[1.56, 42.52], [1.6, 42.55], [1.6, 42.52], [1.56, 42.55], [1.56, 42.52]]
                ],
            },
            "zone: the Polygon is not a valid shape (Self-intersection",
        ),
        (
            "zone",
            {"type": "LineString", "coordinates": [[1.5, 42.5], [1.6, 42.6]]},
            "zone: must be a Polygon or MultiPolygon, not a LineString",
        ),
        ("name", "has spaces", "name: 'has spaces' is not an id"),
        ("name", "Г01", "name: 'Г01' is not an id: Latin letters A-Z"),
        ("cargo_weight", float("nan"), "cargo_weight: nan is not a finite number"),
        ("cargo_weight", 1e300, "cargo_weight: 1e+300 is more than 1000000000000.0"),
        ("routing", {"alternatives": 0}, "routing.alternatives: 0 is less than 1"),
        ("gathering", [], "gathering: [] is empty"),
    ],
)
def test_field_errors(path: str, value: Any, message: str) -> None:
    doc = copy.deepcopy(BASE)
    doc["hazards"] = []
    doc[path] = value
    with pytest.raises(InputError) as err:
        parse_scenario(doc, "s.yaml")
    assert message in str(err.value)
    assert str(err.value).startswith("s.yaml: ")


def test_error_carries_where_and_problem() -> None:
    doc = copy.deepcopy(BASE)
    doc["hazards"] = []
    doc["gathering"][3]["people"]["general"] = -5
    with pytest.raises(InputError) as err:
        parse_scenario(doc, "scenario.yaml")
    assert err.value.where == "scenario.yaml: gathering[3].people.general"
    assert err.value.problem == "-5 is negative"
    assert err.value.exit_code == 2
