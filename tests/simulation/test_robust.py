"""Plans that keep their margin: the search's moves are plans of the real instance, and the
search keeps the plan with the most people out that meets the target."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import run_cli, run_referee

from corridor.planning.check import check_plan
from corridor.simulation.robust import (
    RobustParams,
    robust_plan,
    tightened,
    without_last_trip,
)
from simulation.conftest import PLANS, ROOT, example

#: benchmarks/planner.py's gen-20 operation (30 buses, 6 ambulances, 8,000 people).
GEN_20 = [
    "--seed", "11", "--gathering", "20", "--depots", "2", "--receptions", "3", "--checkpoints",
    "2", "--buses", "30", "--ambulances", "6", "--people", "8000", "--window", "480", "1020",
    "--cargo",
]  # fmt: skip


def test_a_vehicles_last_trip_dropped_leaves_a_feasible_plan(tmp_path: Path, referee: Path) -> None:
    inst, plan, inst_path, _ = example("medium")
    cut = plan
    for route in plan["routes"][:10]:  # type: ignore[index]
        cut = without_last_trip(cut, route["vehicle"])
    (tmp_path / "cut.json").write_text(json.dumps(cut))
    assert run_referee(referee, inst_path, tmp_path / "cut.json").returncode == 0
    before = check_plan(inst, plan).evacuated  # type: ignore[arg-type]
    after = check_plan(inst, cut).evacuated
    assert sum(after.values()) < sum(before.values())


def test_tightened_moves_the_close_and_lengthens_out_inspections() -> None:
    raw = json.loads((ROOT / "data" / "cep" / "medium.json").read_text())
    t = tightened(raw, 45, 1.2)
    assert t["window"]["close"] == raw["window"]["close"] - 45
    for a, b in zip(raw["checkpoints"], t["checkpoints"], strict=True):
        assert b["out"]["service"] == pytest.approx(a["out"]["service"] * 1.2)
        assert b["in"] == a["in"]
    assert t["name"] == raw["name"]
    assert raw["window"]["close"] == 1020  # the original is untouched


def fake_search(p_late: Any) -> tuple[Any, Any, list[tuple[float, float]]]:
    """A planner whose plans take out fewer people the more margin they keep, and a
    simulation whose lateness is ``p_late(margin, factor)``."""
    asked: list[tuple[float, float]] = []

    def solve(raw: dict[str, Any]) -> dict[str, Any]:
        margin = 1020 - raw["window"]["close"]
        factor = raw["checkpoints"][0]["out"]["service"] / 12.5
        asked.append((margin, round(factor, 2)))
        return {"margin": margin, "factor": round(factor, 2), "routes": []}

    def simulate(plan: dict[str, Any]) -> dict[str, Any]:
        m, f = plan["margin"], plan["factor"]
        mean = 1000 - 2 * m - 400 * (f - 1)
        return {
            "planned": {"people_out": int(mean)},
            "trips": [],
            "people_out": {"mean": mean, "quantiles": {"5": mean - 50}},
            "p_inside_after_close": p_late(m, f),
        }

    return solve, simulate, asked


def test_the_search_keeps_the_cheapest_plan_that_meets_the_target() -> None:
    raw = json.loads((ROOT / "data" / "cep" / "medium.json").read_text())
    solve, simulate, asked = fake_search(lambda m, f: max(0.0, 0.5 - m / 200 - (f - 1)))
    found = robust_plan(raw, solve, simulate, lambda plan: [], RobustParams(target=0.05))
    assert found.nominal.margin == 0
    assert found.nominal.p_late == 0.5
    assert found.best is not None
    assert found.best.p_late <= 0.05
    meeting = [c for c in found.tried if c.p_late <= 0.05]
    assert found.best.mean == max(c.mean for c in meeting)
    assert len(asked) <= RobustParams().plans
    assert asked[0] == (0, 1.0)


def test_no_plan_meets_an_impossible_target_and_a_bad_plan_is_never_offered() -> None:
    raw = json.loads((ROOT / "data" / "cep" / "medium.json").read_text())
    solve, simulate, _ = fake_search(lambda m, f: 0.9)
    found = robust_plan(raw, solve, simulate, lambda plan: [], RobustParams())
    assert found.best is None
    assert [(c.margin, c.factor) for c in found.tried] == [(0, 1), (120, 1.3), (240, 1.6)]
    capped = robust_plan(raw, solve, simulate, lambda plan: [], RobustParams(plans=2))
    assert len(capped.tried) == 2
    with pytest.raises(RuntimeError, match="broke the instance's rules"):
        robust_plan(raw, solve, simulate, lambda plan: ["[window] late"], RobustParams(plans=2))


@pytest.mark.slow
def test_plan_robust_end_to_end_on_tiny(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], referee: Path
) -> None:
    tiny = ROOT / "data" / "cep" / "tiny.json"
    out = tmp_path / "robust.json"
    code, printed, err = run_cli(
        [
            "plan",
            str(tiny),
            "-o",
            str(out),
            "--robust",
            "--time-limit",
            "2",
            "--runs",
            "400",
            "--plans",
            "6",
            "--workers",
            "1",
            "-q",
        ],
        capsys,
    )
    assert code == 0, err
    assert "Plans tried" in printed
    assert "chosen" in printed
    assert run_referee(referee, tiny, out).returncode == 0
    # the robust plan keeps its margin: simulated again, it meets the target
    code, _, err = run_cli(
        [
            "simulate",
            str(tiny),
            str(out),
            "--runs",
            "400",
            "--seed",
            "0",
            "--out",
            str(tmp_path / "sim"),
            "--in-process",
            "-q",
        ],
        capsys,
    )
    assert code == 0, err
    s = json.loads((tmp_path / "sim" / "summary.json").read_text())
    assert s["p_inside_after_close"] <= 0.05
    nominal = json.loads(PLANS["tiny"].read_text())
    assert s["planned"]["people_out"] <= sum(
        n for r in nominal["routes"] for st in r["stops"] for n in st.get("board", {}).values()
    )


@pytest.mark.slow
def test_the_portfolio_keeps_the_best_seed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], referee: Path
) -> None:
    # A fleet-bound generated operation, where seeds still end apart after 20 iterations (on
    # the checkpoint-bound medium example every seed now reaches the same plan).
    small = tmp_path / "gen-20.json"
    made = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "cep_generate.py"), *GEN_20, "-o", str(small)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    # 20 iterations end each run; the time limit is only a backstop, so that a busy machine
    # gives the same plans as a quiet one. Seeds s and s + 1 where the second does better: the
    # portfolio of two from s must not keep the first.
    args = ["plan", str(small), "--time-limit", "300", "--iterations", "20", "-q"]
    scores: dict[int, float] = {}
    for seed in range(6):
        out = tmp_path / f"s{seed}.json"
        assert run_cli([*args, "-o", str(out), "--seed", str(seed)], capsys)[0] == 0
        scores[seed] = json.loads(out.read_text())["claimed"]["score"]
    pairs = [s for s in range(5) if scores[s + 1] > scores[s]]
    assert pairs, f"no seed did better than the one before it, so nothing to tell: {scores}"
    first = pairs[0]
    out = tmp_path / "best.json"
    code, _, err = run_cli(
        [*args, "-o", str(out), "--seed", str(first), "--portfolio", "2", "--workers", "2"],
        capsys,
    )
    assert code == 0, err
    assert json.loads(out.read_text())["claimed"]["score"] == scores[first + 1]
    assert run_referee(referee, small, out).returncode == 0


@pytest.mark.slow
def test_the_portfolio_keeps_to_excluded_vehicles_and_names_a_bad_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tiny = ROOT / "data" / "cep" / "tiny.json"
    out = tmp_path / "p.json"
    args = ["plan", str(tiny), "-o", str(out), "--time-limit", "2", "--portfolio", "2"]
    code, _, err = run_cli([*args, "--workers", "1", "--exclude", "D1/bus/1", "-q"], capsys)
    assert code == 0, err
    used = {r["vehicle"] for r in json.loads(out.read_text())["routes"] if len(r["stops"]) > 1}
    assert "D1/bus/1" not in used
    assert used
    code, _, err = run_cli([*args, "--pin", "D9/bus/0", "-q"], capsys)
    assert code == 2
    assert "--pin" in err
    assert "D9/bus/0" in err
