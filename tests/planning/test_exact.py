"""The exact MILP: its plans pass the referee, and it proves optimality only where it may.

``tiny`` is the instance made for it: one lane each way, so the order of crossings matters,
and only one bus fits a second trip; the hand-made plan scores 181.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import ROOT
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_bound import generate, referee_bound, referee_score

from corridor.adapters.cep_files import load_instance
from corridor.planning.bound import upper_bound
from corridor.planning.exact import ExactResult, max_trips, model_is_complete, solve_exact
from corridor.planning.instance import parse_instance

DATA = ROOT / "data" / "cep"


@pytest.fixture(scope="module")
def tiny_exact() -> ExactResult:
    """The exact solve of tiny, shared: it takes a few seconds."""
    return solve_exact(load_instance(DATA / "tiny.json"), 60)


def test_tiny_is_solved_to_a_proven_optimum(
    referee: Path, tmp_path: Path, tiny_exact: ExactResult
) -> None:
    res = tiny_exact
    assert res.plan is not None
    assert res.optimal
    assert res.complete
    assert res.score >= 181  # the hand-made plan
    assert res.score == res.bound
    assert res.gap == 0.0
    assert referee_score(referee, DATA / "tiny.json", res.plan, tmp_path) == res.score
    assert res.bound < referee_bound(referee, DATA / "tiny.json")


def test_plan_format_names_every_vehicle_once_and_starts_at_its_depot(
    tiny_exact: ExactResult,
) -> None:
    res = tiny_exact
    assert res.plan is not None
    assert res.plan["format"] == "cep-plan/1"
    assert res.plan["instance"] == "tiny"
    names = [r["vehicle"] for r in res.plan["routes"]]
    assert len(names) == len(set(names))
    for r in res.plan["routes"]:
        assert r["stops"][0]["at"] == "D1"
        assert r["stops"][-1]["at"] == "R1"


def test_an_incomplete_model_does_not_claim_optimality_from_its_own_bound(
    referee: Path, tmp_path: Path
) -> None:
    """small has two reception centres: the trip model (one centre per trip) may miss plans,
    so it claims no bound and no optimality; the relaxation's bound is still above its plan."""
    inst = load_instance(DATA / "small.json")
    assert not model_is_complete(inst)
    res = solve_exact(inst, 4, max_trips=1)
    assert not res.complete
    assert res.bound == float("inf")
    assert not res.optimal
    relax = upper_bound(inst, exact=False).value
    assert relax < 2697  # below everyone waiting (2697)
    if res.plan is not None:
        score = referee_score(referee, DATA / "small.json", res.plan, tmp_path)
        assert score == res.score
        assert score <= relax + 1e-6


def test_nobody_to_carry_gives_an_empty_plan() -> None:
    raw = json.loads((DATA / "tiny.json").read_text())
    for g in raw["gathering"]:
        g["people"] = {}
    res = solve_exact(parse_instance(raw), 5)
    assert res.plan is not None
    assert res.plan["routes"] == []
    assert res.score == 0
    assert res.optimal


def test_trip_limit_is_proven_from_the_shortest_cycle() -> None:
    inst = load_instance(DATA / "tiny.json")
    # fastest visit 4 + 12.8 + 5 + 12.8 + 17 = 51.6, turn 44.5 + 5 + 44.5 = 94,
    # so 1 + (240 - 51.6) // 145.6 loads
    assert max_trips(inst) == 2


@settings(
    max_examples=4, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(seed=st.integers(1, 10_000), ambulances=st.integers(0, 1))
def test_exact_plans_on_generated_instances_pass_the_referee(
    referee: Path, tmp_path: Path, seed: int, ambulances: int
) -> None:
    path = generate(referee, tmp_path / f"e{seed}.json", seed, ambulances=ambulances, buses=2)
    res = solve_exact(load_instance(path), 20)
    assert res.plan is not None
    assert referee_score(referee, path, res.plan, tmp_path) == pytest.approx(res.score)
    assert res.bound >= res.score - 1e-6
    assert res.bound <= referee_bound(referee, path) + 1e-6
