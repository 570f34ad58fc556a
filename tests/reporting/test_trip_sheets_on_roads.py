"""Trip sheets a driver who does not know the town can follow: every stop by name and address,
the streets of each drive in order with their lengths (OSM names), each crossing with its
direction and inspection time; in HTML and a printable PDF."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import run_cli
from pypdf import PdfReader

from corridor.adapters.scenario_files import load_scenario
from corridor.planning.instance import parse_instance
from corridor.planning.solver import SolveParams, solve
from corridor.reporting.trip_sheets import trip_sheets
from corridor.services.compile_scenario import compile_instance
from corridor.services.network import prepare_network
from corridor.services.trip_directions import different_roads, place_infos, plan_directions

HELSINKI = Path(__file__).resolve().parents[2] / "examples" / "helsinki" / "scenario.yaml"
ANDORRA = Path(__file__).resolve().parents[2] / "examples" / "andorra" / "scenario.yaml"


@pytest.fixture(scope="module")
def planned(cache_dir: Path) -> dict[str, Any]:
    net = prepare_network(load_scenario(HELSINKI), cache_dir)
    instance = compile_instance(net.scenario, net)
    plan = solve(parse_instance(instance), SolveParams(time_limit=3, seed=1)).plan
    return {"net": net, "instance": instance, "plan": plan}


def test_every_stop_has_its_name_and_address_and_every_drive_its_streets(
    planned: dict[str, Any],
) -> None:
    net, instance, plan = planned["net"], planned["instance"], planned["plan"]
    sheets = trip_sheets(instance, plan, place_infos(net), plan_directions(net, instance, plan))
    assert sheets
    names = {p.id: p.name for p in net.places.values()}
    for sh in sheets:
        assert sh.depot_name == "Rautatientori bus stands (D-RAUTA)"
        for i, r in enumerate(sh.rows):
            assert r.place_name.startswith(names[r.place]), r
            assert r.address, r  # the scenario's address, or the OSM road it is on
            if i:
                assert r.drive, f"{sh.vehicle} step {r.step}: no streets to drive"
                assert sum(s.metres for s in r.drive) > 0
            if r.kind == "checkpoint":
                assert "inbound" in r.action or "outbound" in r.action
                assert "inspection" in r.action
            assert r.action != "Pass"
    rows = [r for sh in sheets for r in sh.rows]
    into = next(r for r in rows if r.kind == "checkpoint" and "Enter" in r.action)
    assert into.action.startswith("Enter the zone (inbound) at Unioninkatu south (K-SOUTH)") or (
        into.action.startswith("Enter the zone (inbound) at Liisankatu gate (K-EAST)")
    )
    streets = {s.name for r in rows for s in r.drive}
    assert {"Unioninkatu", "Kirkkokatu"} <= streets
    rauha = next(r for r in rows if r.place == "G-RAUHA")
    assert rauha.address == "Unioninkatu at Rauhankatu"  # written in the scenario
    kirkko = next(r for r in rows if r.place == "G-KIRKKO")
    assert kirkko.address == "on Kirkkokatu"  # from OSM


def test_report_with_the_scenario_writes_html_and_pdf_a_driver_can_follow(
    planned: dict[str, Any],
    tmp_path: Path,
    cache_dir: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CORRIDOR_CACHE_DIR", str(cache_dir))
    inst, plan = tmp_path / "i.json", tmp_path / "p.json"
    inst.write_text(json.dumps(planned["instance"]), "utf-8")
    plan.write_text(json.dumps(planned["plan"]), "utf-8")
    out = tmp_path / "report"
    args = ["report", str(inst), str(plan), "--out", str(out), "--scenario", str(HELSINKI)]
    code, stdout, stderr = run_cli(args, capsys)
    assert code == 0, stderr
    assert "trip-sheets.pdf" in stdout
    page = (out / "trip-sheets.html").read_text("utf-8")
    assert '<tr class="drive">' in page
    assert "Kirkkokatu school (G-KIRKKO), gathering point, on Kirkkokatu" in page
    assert "↓ Drive " in page
    assert ", then Unioninkatu" in page
    reader = PdfReader(out / "trip-sheets.pdf")
    text = " ".join(p.extract_text() for p in reader.pages)
    assert "Trip sheet D-RAUTA/" in text
    assert "Rautatientori bus stands" in text
    assert "Unioninkatu" in text
    assert "inspection" in text
    assert "OpenStreetMap" in text  # the attribution of the street names
    used = sum(1 for r in planned["plan"]["routes"] if len(r["stops"]) > 1)
    assert len(reader.pages) >= used


def test_an_instance_from_other_roads_is_named_as_such(planned: dict[str, Any]) -> None:
    """The roads of the scenario given are those the instance was timed on, or the sheets
    would name streets the plan never drove (a reviewer's bus over a bridge closed to it)."""
    net, instance = planned["net"], planned["instance"]
    assert different_roads(net, instance) is None
    edited = json.loads(json.dumps(instance))
    outside = edited["travel"]["outside"]
    outside["minutes"][0][1] += 3.0  # as if a hazard had closed a road on this leg
    a, b = outside["ids"][0], outside["ids"][1]
    said = different_roads(net, edited)
    assert said is not None
    assert said.startswith(f"travel.outside: {a} → {b} takes"), said
    outside["minutes"][0][1] = None  # no road in the instance: said in words, not 'None min'
    said = str(different_roads(net, edited))
    assert said.endswith("min on the scenario's roads, no road in the instance"), said
    edited["travel"]["outside"]["ids"][0] = "G-ELSEWHERE"
    assert "other places (" in str(different_roads(net, edited))


def test_report_refuses_a_scenario_the_instance_was_not_compiled_from(
    planned: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch, cache_dir: Path,
) -> None:  # fmt: skip
    monkeypatch.setenv("CORRIDOR_CACHE_DIR", str(cache_dir))
    inst, plan = tmp_path / "h.json", tmp_path / "h.plan.json"
    inst.write_text(json.dumps(planned["instance"]))
    plan.write_text(json.dumps(planned["plan"]))
    out = tmp_path / "report"
    args = ["report", str(inst), str(plan), "--out", str(out), "--scenario", str(ANDORRA)]
    code, _, stderr = run_cli(args, capsys)
    assert code == 2, stderr
    assert f"--scenario: {ANDORRA} is not the scenario this instance was compiled from" in (
        " ".join(stderr.split())
    )
    assert not out.exists()
