"""Where the fleet binds: far runners, far first loads and the search's first rebuilds.

The fixture is gen-20 of the benchmark (docs/benchmarks.md): 30 buses and 6 ambulances, one
near reception centre (R2, 2,900 beds, 14 minutes from K1) and two far ones (about 150
minutes), so a bus's day, not the lanes, limits who gets out.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import REFEREE, run_referee

from corridor.planning.construct import ConstructionParams, construct
from corridor.planning.fleet import fleet_binds
from corridor.planning.improve import FLEET_PORTFOLIO, first_plan, search
from corridor.planning.instance import parse_instance
from corridor.planning.partial import PartialPlan
from corridor.planning.problem import ProblemData

GENERATOR = REFEREE.parent / "generate.py"


@pytest.fixture(scope="module")
def gen20(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """gen-20 of benchmarks/planner.py (fleet-bound: one near centre, two far ones)."""
    if not GENERATOR.exists():
        pytest.skip(f"the CEP generator is not at {GENERATOR} (it lives in ../shared)")
    out = tmp_path_factory.mktemp("gen20") / "gen-20.json"
    subprocess.run(
        [sys.executable, str(GENERATOR), "--seed", "11", "--gathering", "20", "--depots", "2",
         "--receptions", "3", "--checkpoints", "2", "--buses", "30", "--ambulances", "6",
         "--people", "8000", "--window", "480", "1020", "--cargo", "-o", str(out)],
        check=True, capture_output=True,
    )  # fmt: skip
    return dict(json.loads(out.read_text()))


def referee_verdict(raw: dict[str, Any], plan: PartialPlan, tmp: Path) -> Any:
    inst_path, plan_path = tmp / "instance.json", tmp / "plan.json"
    inst_path.write_text(json.dumps(raw))
    doc = {"format": "cep-plan/1", "instance": raw["name"], "routes": plan.routes()}
    plan_path.write_text(json.dumps(doc))
    proc = run_referee(REFEREE, inst_path, plan_path, "--json")
    assert proc.returncode in (0, 1), proc.stderr
    return json.loads(proc.stdout)


def test_far_runners_take_the_first_out_slots_to_a_far_centre(
    gen20: dict[str, Any], tmp_path: Path
) -> None:
    """A third of the buses cross out first and take their first load to a far centre (back
    in time for more); the plan passes the referee and beats the default construction."""
    data = ProblemData(parse_instance(gen20))
    params = ConstructionParams(runners=0.3)
    plan = PartialPlan(data)
    construct(plan, params, None)
    verdict = referee_verdict(gen20, plan, tmp_path)
    assert verdict["feasible"], verdict["violations"][:3]
    assert verdict["score"] == pytest.approx(plan.score())
    default = PartialPlan(data)
    construct(default, ConstructionParams(), None)
    assert plan.score() > default.score()
    firsts = []  # (first out-crossing start, vehicle index, its first centre's round trip)
    for vi, v in enumerate(plan.fleet):
        outs = [s for s in v.stops if s.get("dir") == "out"]
        centre = next((s["at"] for s in v.stops if "alight" in s), None)
        if outs and centre is not None:
            k, r = data.k_ids.index(outs[0]["at"]), data.r_ids.index(centre)
            trip = data.roads[vi].k_to_r_l[k][r] + data.roads[vi].r_back_l[r]
            mean = float(np.mean(data.roads[vi].k_to_r[k] + data.roads[vi].r_back))
            firsts.append((outs[0]["start"], vi, trip > mean))
    runners = [f for f in firsts if params.runner(f[1])]
    assert runners
    assert all(far for _, _, far in runners)
    firsts.sort()
    assert all(params.runner(vi) for _, vi, _ in firsts[: len(runners) // 2])


def test_the_searchs_first_rebuilds_lift_a_fleet_bound_plan(gen20: dict[str, Any]) -> None:
    """The portfolio the search starts with is worth more than the first plan on gen-20 (the
    same on every machine: a fixed number of iterations)."""
    data = ProblemData(parse_instance(gen20))
    first = first_plan(PartialPlan(data))
    rng = np.random.Generator(np.random.PCG64(1))
    assert fleet_binds(data)
    steps = 2 * len(FLEET_PORTFOLIO)  # every other rebuild is one of the portfolio's
    best, done = search(data, None, first, rng, deadline=np.inf, iterations=steps)
    assert done == steps
    assert best.score > first.score + 100  # two bus loads at least


def _days(plan: PartialPlan) -> dict[int, list[tuple[float, str]]]:
    """Per vehicle, its out-crossings (start) with the centre the load then goes to."""
    days: dict[int, list[tuple[float, str]]] = {}
    for vi, v in enumerate(plan.fleet):
        start = None
        for s in v.stops:
            if s.get("dir") == "out":
                start = float(s["start"])
            if "alight" in s and start is not None:
                days.setdefault(vi, []).append((start, str(s["at"])))
    return days


def test_medics_take_the_first_slots_and_bring_the_stretcher_cases(
    gen20: dict[str, Any], tmp_path: Path
) -> None:
    """With ``medics`` the ambulances cross out before every bus and each makes two trips to
    the medical centre (four stretcher cases), where by default they come after the buses'
    first pass and most make one; the plan passes the referee and scores higher."""
    data = ProblemData(parse_instance(gen20))
    plans = {}
    for medics in (False, True):
        plan = PartialPlan(data)
        construct(plan, ConstructionParams(medics=medics), None)
        plans[medics] = plan
    days = _days(plans[True])
    ambulances = [vi for vi in days if data.stretchers[vi] > 0]
    buses = [vi for vi in days if data.stretchers[vi] == 0]
    assert len(ambulances) == 6
    assert max(days[vi][0][0] for vi in ambulances) < min(days[vi][0][0] for vi in buses)
    assert all(len(days[vi]) == 2 for vi in ambulances)
    verdicts = {m: referee_verdict(gen20, p, tmp_path) for m, p in plans.items()}
    assert all(v["feasible"] for v in verdicts.values())
    assert verdicts[True]["evacuated"]["critical"] == 24
    assert verdicts[False]["evacuated"]["critical"] < 24
    assert verdicts[True]["score"] > verdicts[False]["score"]


def test_late_runners_go_far_only_while_they_can_come_back(
    gen20: dict[str, Any], tmp_path: Path
) -> None:
    """Late runners cross after the buses that stay near; a runner whose far trip would not
    leave the margin for another zone visit goes near instead, so every far trip but a
    vehicle's last is followed by another trip; the plan beats the first-slot runners."""
    data = ProblemData(parse_instance(gen20))
    params = ConstructionParams(runners=0.7, late=30.0, margin=60.0, medics=True)
    plan = PartialPlan(data)
    construct(plan, params, None)
    days = _days(plan)
    near = {"R2"}
    buses = [vi for vi in days if data.stretchers[vi] == 0]
    stay = [days[vi][0][0] for vi in buses if not params.runner(vi)]
    runners = [days[vi][0][0] for vi in buses if params.runner(vi)]
    assert stay
    assert runners
    assert min(stay) < min(runners)
    # every runner whose first load went far came back for another
    far_first = [vi for vi in buses if params.runner(vi) and days[vi][0][1] not in near]
    assert len(far_first) >= 8
    assert all(len(days[vi]) >= 2 for vi in far_first)
    verdict = referee_verdict(gen20, plan, tmp_path)
    assert verdict["feasible"]
    first_slot = PartialPlan(data)
    construct(first_slot, ConstructionParams(runners=0.3), None)
    assert plan.score() > first_slot.score() + 100
