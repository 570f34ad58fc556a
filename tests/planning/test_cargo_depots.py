"""Cargo leaves a depot only aboard that depot's vehicles: where the out-lanes, not the fleet,
bind, the vehicles that take the few slots come from the depots that still hold supplies.

Replays the million-person instance's loss (a quarter of the cargo that could go in left in
the depots, because the vehicles of the depots without supplies were first in the queue) on
an instance small enough to read.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import REFEREE, run_referee

import corridor.planning.construct as construct_module
from corridor.planning.construct import ConstructionParams, construct
from corridor.planning.fleet import lane_trips
from corridor.planning.instance import parse_instance
from corridor.planning.partial import PartialPlan
from corridor.planning.problem import ProblemData


def lane_bound_two_depots() -> dict[str, Any]:
    """One out-lane (20 min) for two hours: four loads for 16 buses. D1 (no supplies) stands farther
    from the checkpoint than D2 (supplies for every slot), so its buses come first in the
    construction's queue."""
    return {
        "format": "cep/1",
        "name": "two-depots",
        "window": {"open": 480, "close": 600},
        "classes": {"vulnerable": {"weight": 3}, "general": {"weight": 1}},
        "cargo_weight": 0.01,
        "stop_time": {"fixed": 5, "per_person": 0.25},
        "vehicle_types": {"bus": {"seats": 50, "stretchers": 0, "cargo_kg": 1000}},
        "depots": [
            {"id": "D1", "fleet": {"bus": 8}, "supplies_kg": 0},
            {"id": "D2", "fleet": {"bus": 8}, "supplies_kg": 8000},
        ],
        "receptions": [{"id": "R1", "capacity": 2000, "medical": False}],
        "checkpoints": [
            {"id": "K1", "in": {"service": 4.0, "lanes": 2}, "out": {"service": 20.0, "lanes": 1}}
        ],
        "gathering": [
            {"id": "G1", "people": {"vulnerable": 300, "general": 300}, "needs_kg": 5000},
            {"id": "G2", "people": {"vulnerable": 300, "general": 300}, "needs_kg": 5000},
        ],
        "travel": {
            "outside": {
                "ids": ["D1", "D2", "R1", "K1"],
                "minutes": [[0, 50, 60, 60], [50, 0, 20, 10], [60, 20, 0, 15], [60, 10, 15, 0]],
            },
            "inside": {"ids": ["K1", "G1", "G2"], "minutes": [[0, 8, 9], [8, 0, 6], [9, 6, 0]]},
        },
    }


def _build(raw: dict[str, Any]) -> PartialPlan:
    data = ProblemData(parse_instance(raw))
    plan = PartialPlan(data)
    construct(plan, ConstructionParams(), None)
    return plan


def _cargo_in(plan: PartialPlan) -> float:
    return sum(float(s.get("unload_kg", 0.0)) for r in plan.routes() for s in r["stops"])


def test_the_slots_go_to_the_buses_that_carry_supplies(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    raw = lane_bound_two_depots()
    data = ProblemData(parse_instance(raw))
    assert len(data.vehicles) > lane_trips(data)  # some buses stay home whatever the plan
    plan = _build(raw)
    used = {r["vehicle"].split("/")[0] for r in plan.routes()}
    trips = sum(1 for r in plan.routes() for s in r["stops"] if s.get("dir") == "out")
    assert trips >= 4
    assert used == {"D2"}
    assert _cargo_in(plan) == pytest.approx(1000.0 * trips)
    # The same construction without the rule: D1's buses, first in the queue, take the slots
    # and no cargo goes in at all.
    monkeypatch.setattr(construct_module._Stocked, "defer", lambda self, vi: False)
    before = _build(raw)
    assert {r["vehicle"].split("/")[0] for r in before.routes()} == {"D1"}
    assert _cargo_in(before) == 0.0
    assert plan.score() > before.score() + 0.01 * 1000 * (trips - 1)
    if not REFEREE.exists():
        pytest.skip(f"the CEP referee is not at {REFEREE} (it lives in ../shared)")
    (tmp_path / "i.json").write_text(json.dumps(raw))
    doc = {"format": "cep-plan/1", "instance": raw["name"], "routes": plan.routes()}
    (tmp_path / "p.json").write_text(json.dumps(doc))
    proc = run_referee(REFEREE, tmp_path / "i.json", tmp_path / "p.json", "--json")
    verdict = json.loads(proc.stdout)
    assert verdict["feasible"], verdict
    assert verdict["score"] == pytest.approx(plan.score())
