"""Warnings before planning, read off a CEP instance: each names the ids and the numbers."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from corridor.scenario.preflight import preflight

TINY = Path(__file__).resolve().parents[2] / "data" / "cep" / "tiny.json"


@pytest.fixture
def tiny() -> dict[str, Any]:
    return json.loads(TINY.read_text("utf-8"))


def texts(inst: dict[str, Any]) -> dict[str, str]:
    return {w.code: w.text for w in preflight(inst)}


def test_the_public_example_has_no_warning(tiny: dict[str, Any]) -> None:
    assert preflight(tiny) == []


def test_a_window_shorter_than_the_quickest_trip_through_the_zone(tiny: dict[str, Any]) -> None:
    tiny["window"]["close"] = 510  # 30 min; K1 in 4 + 12.8 to G2 + 5 + 12.8 back + out 17
    assert texts(tiny)["window"] == (
        "the window is 30 min but the quickest trip through the zone takes 52 min "
        "(in at K1 4 + 12.8 to G2 + stop 5 + 12.8 to K1 + out 17)"
    )
    tiny["window"]["close"] = 540
    assert "window" not in texts(tiny)


def test_supplies_lanes_and_carriers(tiny: dict[str, Any]) -> None:
    inst = copy.deepcopy(tiny)
    inst["gathering"][0]["needs_kg"] = 900
    inst["depots"][0]["supplies_kg"] = 400
    inst["checkpoints"][0]["out"]["lanes"] = 0
    inst["depots"][0]["fleet"] = {"bus": 2}
    got = texts(inst)
    assert got["supplies"] == (
        "depots hold 400 kg of supplies (D1 400) but gathering points need 900 kg: 500 kg short"
    )
    assert got["no_lane"] == "K1 has no lane outward (out.lanes 0)"
    assert got["no_carrier"] == (
        "1 critical people wait, but no vehicle in the fleet has a stretcher place "
        "(stretchers: bus 0)"
    )


def test_medical_capacity_counts_only_medical_centres(tiny: dict[str, Any]) -> None:
    tiny["receptions"][0]["medical"] = False
    tiny["receptions"].append({"id": "R2", "capacity": 0, "medical": True})
    got = texts(tiny)
    assert got["medical_capacity"] == (
        "1 people need a medical centre but medical centres take 0 (R2 0)"
    )
    assert got["zero_capacity"] == "R2 has capacity 0: nobody can be taken there"
