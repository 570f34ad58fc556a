"""Replanning: the stops that started by ``now`` stay exactly as they were, the rest is new.

The scenario a coordinator meets: the window is cut short (or a checkpoint closes) while the
operation runs; they edit the instance and replan from the current time.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT, run_referee

from corridor.errors import InputError
from corridor.planning.instance import parse_instance
from corridor.planning.replan import ReplanError, kept_stops
from corridor.planning.solver import SolveParams, solve

DATA = ROOT / "data" / "cep"


@pytest.fixture(scope="module")
def small_plan() -> tuple[dict[str, Any], dict[str, Any]]:
    """small planned once: ten buses doing several trips each, two ambulances."""
    raw = json.loads((DATA / "small.json").read_text())
    res = solve(parse_instance(raw), SolveParams(time_limit=3, seed=2, iterations=3))
    return raw, res.plan


def started(plan: dict[str, Any], now: float) -> dict[str, list[dict[str, Any]]]:
    return kept_stops(plan, now)


def judge(referee: Path, tmp_path: Path, raw: dict[str, Any], plan: dict[str, Any]) -> Any:
    (tmp_path / "i.json").write_text(json.dumps(raw))
    (tmp_path / "p.json").write_text(json.dumps(plan))
    proc = run_referee(referee, tmp_path / "i.json", tmp_path / "p.json", "--json")
    return json.loads(proc.stdout)


@pytest.mark.parametrize("cut", [0, 120])
def test_window_cut_keeps_started_stops(
    small_plan: tuple[dict[str, Any], dict[str, Any]], cut: int, referee: Path, tmp_path: Path
) -> None:
    raw, plan = small_plan
    edited = copy.deepcopy(raw)
    edited["window"]["close"] -= cut
    now = raw["window"]["open"] + 150
    res = solve(
        parse_instance(edited),
        SolveParams(time_limit=3, seed=1, keep=plan, now=now, iterations=3),
    )
    verdict = judge(referee, tmp_path, edited, res.plan)
    assert verdict["feasible"], verdict["violations"][:3]
    new_routes = {r["vehicle"]: r["stops"] for r in res.plan["routes"]}
    kept = started(plan, now)
    assert kept, "the fixture should have vehicles under way at this time"
    for vehicle, stops in kept.items():
        assert new_routes[vehicle][: len(stops)] == stops
    # Nothing new starts before now: new stops come after the kept ones, at or after now.
    for vehicle, stops in new_routes.items():
        for s in stops[len(kept.get(vehicle, [])) :]:
            if "alight" in s or "board" in s or s.get("dir") == "in":
                assert s["arrive"] >= now - 1e-9 or vehicle in kept


def test_replan_with_a_closed_checkpoint(
    small_plan: tuple[dict[str, Any], dict[str, Any]], referee: Path, tmp_path: Path
) -> None:
    """After an incident the only checkpoint stops letting vehicles in: those inside still
    get out, nobody new goes in."""
    raw, plan = small_plan
    edited = copy.deepcopy(raw)
    edited["checkpoints"][0]["in"]["lanes"] = 0
    now = raw["window"]["open"] + 200
    kept = started(plan, now)
    if any(s.get("dir") == "in" for st in kept.values() for s in st):
        # Crossings that already happened cannot be undone: the edited instance says the
        # lanes are closed, so the kept plan breaks it and the replan says so.
        with pytest.raises(ReplanError, match="does not fit the lanes"):
            solve(
                parse_instance(edited),
                SolveParams(time_limit=2, seed=1, keep=plan, now=now, iterations=1),
            )
        return
    res = solve(
        parse_instance(edited), SolveParams(time_limit=2, seed=1, keep=plan, now=now, iterations=1)
    )
    assert judge(referee, tmp_path, edited, res.plan)["feasible"]


def test_keep_must_be_a_plan_of_this_instance(
    small_plan: tuple[dict[str, Any], dict[str, Any]],
) -> None:
    raw, plan = small_plan
    other = dict(plan, instance="another")
    with pytest.raises(InputError, match="another"):
        solve(parse_instance(raw), SolveParams(time_limit=1, keep=other, now=600.0))
    broken = copy.deepcopy(plan)
    broken["routes"][0]["stops"][0]["at"] = "NOWHERE"
    with pytest.raises(InputError, match="NOWHERE"):
        solve(parse_instance(raw), SolveParams(time_limit=1, keep=broken, now=600.0))


def test_a_vehicle_that_cannot_get_out_is_named(
    small_plan: tuple[dict[str, Any], dict[str, Any]],
) -> None:
    """The window is cut to end before a vehicle that is inside can leave."""
    raw, plan = small_plan
    now = raw["window"]["open"] + 30
    kept = started(plan, now)
    inside = [
        v for v, st in kept.items() if st[-1].get("dir") == "in" or st[-1]["at"].startswith("G")
    ]
    assert inside
    edited = copy.deepcopy(raw)
    edited["window"]["close"] = now + 1
    with pytest.raises(ReplanError) as err:
        solve(
            parse_instance(edited),
            SolveParams(time_limit=1, seed=1, keep=plan, now=now, iterations=0),
        )
    assert err.value.vehicle in kept
    assert err.value.exit_code == 2
