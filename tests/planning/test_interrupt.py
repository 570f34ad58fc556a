"""Ctrl-C during `corridor plan`: the search stops, the best plan found by then is checked,
claimed with a bound that holds, and written; the command says so and exits 0. Other callers
of the planner (``interruptible`` not set) are stopped whole, as before.

Ctrl-C is replayed as the KeyboardInterrupt Python raises for it, from the progress callback
(which runs inside the search, where a real Ctrl-C lands) or from the bound's step.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import ROOT, run_referee
from typer.testing import CliRunner

from corridor.adapters.cep_files import load_instance
from corridor.entrypoints.cli.main import app
from corridor.planning import solver
from corridor.planning.bound_thread import trivial_bound
from corridor.planning.check import check_plan
from corridor.planning.solver import Progress, SolveParams, solve

DATA = ROOT / "data" / "cep"


def test_ctrl_c_in_the_search_keeps_the_best_plan_so_far(tmp_path: Path, referee: Path) -> None:
    inst = load_instance(DATA / "medium.json")
    scores: list[float] = []

    def press_ctrl_c(p: Progress) -> None:
        if p.phase == "improve":
            scores.append(p.score)
            if p.iteration == 3:
                raise KeyboardInterrupt

    params = SolveParams(time_limit=20.0, seed=1, on_progress=press_ctrl_c, interruptible=True)
    result = solve(inst, params)
    assert result.interrupted
    assert result.iterations == 3
    assert result.seconds < 15.0, "the search went on after Ctrl-C"
    assert result.score >= scores[-1] - 1e-6  # the best of the three iterations, not the first
    assert result.upper_bound >= result.score
    assert check_plan(inst, result.plan).feasible
    (tmp_path / "plan.json").write_text(json.dumps(result.plan))
    proc = run_referee(referee, DATA / "medium.json", tmp_path / "plan.json", "--json")
    verdict = json.loads(proc.stdout)
    assert verdict["feasible"], verdict
    assert verdict["score"] == pytest.approx(result.score)


def test_ctrl_c_before_any_bound_claims_the_bound_of_everyone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    inst = load_instance(DATA / "small.json")

    def lp_interrupted(*_: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(solver, "_prove", lp_interrupted)
    result = solve(inst, SolveParams(time_limit=5.0, seed=0, interruptible=True))
    assert result.interrupted
    assert "Ctrl-C" in result.bound_method
    assert result.upper_bound == pytest.approx(max(trivial_bound(inst), result.score))
    assert check_plan(inst, result.plan).feasible


def test_the_command_says_it_was_stopped_and_writes_the_plan(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def lp_interrupted(*_: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(solver, "_prove", lp_interrupted)
    out = tmp_path / "plan.json"
    result = CliRunner().invoke(
        app, ["plan", str(DATA / "small.json"), "-o", str(out), "-q", "--time-limit", "5"]
    )
    assert result.exit_code == 0, result.output
    assert "stopped by Ctrl-C after" in result.output
    plan = json.loads(out.read_text())
    assert plan["claimed"]["score"] > 0
    assert check_plan(load_instance(DATA / "small.json"), plan).feasible


def test_other_callers_of_the_planner_are_interrupted_as_before(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A robust plan's runs (and the service) call the planner too: Ctrl-C stops them whole,
    not with a cut-short plan they would go on with."""

    def lp_interrupted(*_: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(solver, "_prove", lp_interrupted)
    with pytest.raises(KeyboardInterrupt):
        solve(load_instance(DATA / "small.json"), SolveParams(time_limit=5.0, seed=0))
