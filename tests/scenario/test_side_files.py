"""The scenario layer parses the bytes it is given; the adapter reads the files and keeps the
side files inside the scenario's folder (tests/architecture/test_io_below_adapters.py holds that
corridor.scenario opens no file)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from corridor.adapters.scenario_files import FileScenarios, load_scenario
from corridor.errors import InputError
from corridor.scenario import read_scenario
from corridor.scenario.loader import SideFileRefused

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "andorra" / "scenario.yaml"
BASE: dict[str, Any] = yaml.safe_load(EXAMPLE.read_text("utf-8"))


def _doc() -> dict[str, Any]:
    doc = copy.deepcopy(BASE)
    doc["hazards"] = [doc["hazards"][2]]
    doc["zone"] = {"file": "zone.geojson"}
    return doc


def test_the_scenario_layer_reads_side_files_from_what_it_is_given() -> None:
    asked: list[str] = []

    def side(name: str) -> bytes:
        asked.append(name)
        return json.dumps(BASE["zone"]).encode()

    text = yaml.safe_dump(_doc(), sort_keys=False).encode()
    s = read_scenario(text, "memory.yaml", side)
    assert asked == ["zone.geojson"]
    assert s.zone.type == "Polygon"
    assert s.source is None
    assert s.file_label == "scenario"


def test_a_refused_side_file_names_the_field_and_the_file() -> None:
    def side(name: str) -> bytes:
        raise SideFileRefused(f"{name!r} is not here")

    text = yaml.safe_dump(_doc(), sort_keys=False).encode()
    with pytest.raises(InputError) as err:
        read_scenario(text, "memory.yaml", side)
    assert err.value.where == "memory.yaml: zone.file"
    assert err.value.problem == "'zone.geojson' is not here"


def test_missing_side_file_and_link_out_of_the_folder(tmp_path: Path) -> None:
    folder = tmp_path / "s"
    folder.mkdir()
    (folder / "s.yaml").write_text(yaml.safe_dump(_doc(), sort_keys=False), encoding="utf-8")
    with pytest.raises(InputError, match=r"s\.yaml: zone\.file: 'zone\.geojson' not found beside"):
        load_scenario(folder / "s.yaml")
    (tmp_path / "outside.geojson").write_text(json.dumps(BASE["zone"]), encoding="utf-8")
    (folder / "zone.geojson").symlink_to(tmp_path / "outside.geojson")
    with pytest.raises(InputError, match=r"'zone\.geojson' leads out of the scenario's folder"):
        load_scenario(folder / "s.yaml")


def test_a_kept_scenario_whose_folder_is_gone_is_none(tmp_path: Path) -> None:
    assert FileScenarios().kept(tmp_path / "gone") is None
    kept = FileScenarios().kept(EXAMPLE.parent)
    assert kept is not None
    assert kept.source == EXAMPLE.resolve()
