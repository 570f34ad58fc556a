"""Malformed scenarios, each through the real ``corridor`` command: exit code 2 and a message
naming the file, the field path and the value; never a traceback, never an output file."""

from __future__ import annotations

import copy
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import run_cli

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE_DIR = ROOT / "examples" / "andorra"
BASE: dict[str, Any] = yaml.safe_load((EXAMPLE_DIR / "scenario.yaml").read_text("utf-8"))
BASE["osm"] = str(ROOT / "data" / "osm" / "andorra-2020.osm.pbf")
BASE_TEXT = (EXAMPLE_DIR / "scenario.yaml").read_text("utf-8")

Mutation = Callable[[dict[str, Any]], None]


def _set(path: str, value: Any) -> Mutation:
    def apply(doc: dict[str, Any]) -> None:
        parts = path.split(".")
        cur: Any = doc
        for p in parts[:-1]:
            cur = cur[int(p)] if p.isdigit() else cur[p]
        last = parts[-1]
        if value is _DELETE:
            del cur[last]
        else:
            cur[int(last) if last.isdigit() else last] = value

    return apply


_DELETE = object()

# (name, file content or mutation, the message the user must see)
CASES: list[tuple[str, str | Mutation | None, str]] = [
    ("missing file", None, "scenario file not found"),
    ("empty file", "", "scenario.yaml: is empty"),
    ("only a comment", "# nothing here\n", "scenario.yaml: is empty"),
    ("truncated", BASE_TEXT[: BASE_TEXT.index("gathering:") + 300], "is not valid YAML (line"),
    ("not YAML", "name: [unclosed\n  zone: {\n", "is not valid YAML (line"),
    ("binary", "\x00\x01\x02PK\x03\x04", "is not valid YAML"),
    ("a list", "- a\n- b\n", "scenario.yaml: must be a mapping of fields, not a list"),
    ("duplicate key", "name: a\nname: b\n", "the key 'name' appears twice"),
    (
        "negative people",
        _set("gathering.3.people.general", -5),
        "scenario.yaml: gathering[3].people.general: -5 is negative",
    ),
    (
        "unknown class",
        _set("gathering.0.people.kids", 4),
        "gathering[0].people.kids: 'kids' is not a class in classes",
    ),
    (
        "unknown vehicle type",
        _set("depots.1.fleet.tank", 1),
        "depots[1].fleet.tank: 'tank' is not a vehicle type",
    ),
    (
        "no time zone",
        _set("window.open", "2026-05-14T06:00:00"),
        "window.open: '2026-05-14T06:00:00' has no time zone",
    ),
    (
        "close before open",
        _set("window.close", "2026-05-14T05:00:00+02:00"),
        "window: close 2026-05-14T05:00:00+02:00 is not after open",
    ),
    ("missing window", _set("window", _DELETE), "scenario.yaml: window: is missing"),
    (
        "closed and penalty",
        _set("hazards.2.closed", True),
        "hazards[2]: give either closed: true or a penalty, not both",
    ),
    (
        "point hazard without radius",
        _set("hazards.2.buffer_m", 0),
        "hazards[2]: a Point hazard needs buffer_m > 0 (its radius in metres)",
    ),
    (
        "bad hazard kind",
        _set("hazards.0.kind", "artillery"),
        "hazards[0].kind: 'artillery' is not one of",
    ),
    (
        "seats not a number",
        _set("vehicle_types.bus.seats", "fifty"),
        "vehicle_types.bus.seats: 'fifty' is not a whole number",
    ),
    (
        "duplicate id",
        _set("receptions.1.id", "R-HOSP"),
        "receptions[1].id: 'R-HOSP' is already the id of receptions[0]",
    ),
    (
        "gathering outside the zone",
        _set("gathering.0.location", [1.5212, 42.5069]),
        "gathering[0].location: [1.5212, 42.5069] is outside the zone",
    ),
    (
        "checkpoint far from the boundary",
        _set("checkpoints.0.location", [1.5800, 42.5340]),
        "checkpoints[0].location: [1.58, 42.534] is 7",
    ),
    (
        "latitude out of range",
        _set("depots.0.location", [1.5, 142.5]),
        "depots[0].location: [1.5, 142.5]: latitude 142.5 is outside -90..90",
    ),
    (
        "unknown field",
        _set("checkpoints.1.colour", "red"),
        "checkpoints[1].colour: is not a field here (value 'red')",
    ),
    (
        "missing extract",
        _set("osm", "nowhere.osm.pbf"),
        "scenario.yaml: osm: 'nowhere.osm.pbf': OSM extract not found",
    ),
    (
        "extract is a folder",
        _set("osm", "."),
        "scenario.yaml: osm: '.' is a folder: name the .osm.pbf file in it",
    ),
    (
        "extract is another file",
        _set("osm", "hazards.geojson"),
        "scenario.yaml: osm: 'hazards.geojson': is not a readable OSM extract",
    ),
    (
        "unknown noise parameter",
        _set("simulation", {"shelling_per_hour": 0.2}),
        "simulation: shelling_per_hour: unknown parameter",
    ),
    (
        "negative noise",
        _set("simulation", {"suspension_per_hour": -1}),
        "simulation: suspension_per_hour: must be >= 0, got -1",
    ),
    (
        "side file missing",
        _set("hazards.0.geometry", {"file": "gone.geojson", "id": "H-FRONT"}),
        "hazards[0].geometry.file: 'gone.geojson' not found",
    ),
]


def _write_case(tmp: Path, content: str | Mutation | None) -> Path:
    shutil.copy(EXAMPLE_DIR / "hazards.geojson", tmp / "hazards.geojson")
    path = tmp / "scenario.yaml"
    if content is None:
        return path
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
        return path
    doc = copy.deepcopy(BASE)
    content(doc)
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


@pytest.mark.parametrize(("content", "message"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_malformed_scenario_exits_2_with_a_clear_message(
    tmp_path: Path,
    content: str | Mutation | None,
    message: str,
    cache_dir: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CORRIDOR_CACHE_DIR", str(cache_dir))
    scenario = _write_case(tmp_path, content)
    out = tmp_path / "instance.json"
    code, stdout, stderr = run_cli(["compile", str(scenario), "-o", str(out)], capsys)
    assert code == 2, stdout + stderr
    assert "Traceback" not in stderr + stdout
    assert message in " ".join(stderr.split()), stderr
    assert not out.exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [(None, "scenario file not found"), (CASES[8][1], CASES[8][2])],
    ids=["missing file", "negative people"],
)
def test_malformed_scenario_in_a_separate_process(
    tmp_path: Path, content: str | Mutation | None, message: str, cache_dir: Path
) -> None:
    """The installed console script, as a user runs it: exit status 2, no traceback."""
    scenario = _write_case(tmp_path, content)
    out = tmp_path / "routes.geojson"
    env = {**os.environ, "CORRIDOR_CACHE_DIR": str(cache_dir), "COLUMNS": "250"}
    proc = subprocess.run(
        [sys.executable, "-m", "corridor", "routes", str(scenario), "-o", str(out)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=300,
    )
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    assert message in " ".join(proc.stderr.split()), proc.stderr
    assert not out.exists()


def test_the_base_case_of_these_tests_is_valid(
    tmp_path: Path,
    cache_dir: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Guards the cases above: unmutated, the same scenario compiles."""
    monkeypatch.setenv("CORRIDOR_CACHE_DIR", str(cache_dir))
    scenario = _write_case(tmp_path, lambda doc: None)
    out = tmp_path / "instance.json"
    code, _, stderr = run_cli(["compile", str(scenario), "-o", str(out)], capsys)
    assert code == 0, stderr
    assert out.exists()


@pytest.mark.parametrize(
    "target", ["no-such-folder/instance.json", "."], ids=["no folder", "a folder"]
)
def test_bad_output_path_is_an_input_error_and_leaves_nothing(
    tmp_path: Path,
    target: str,
    cache_dir: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CORRIDOR_CACHE_DIR", str(cache_dir))
    scenario = _write_case(tmp_path, lambda doc: None)
    before = sorted(p.name for p in tmp_path.iterdir())
    out = tmp_path / target
    code, _, stderr = run_cli(["compile", str(scenario), "-o", str(out)], capsys)
    assert code == 2
    assert str(out) in " ".join(stderr.split())
    assert sorted(p.name for p in tmp_path.iterdir()) == before
