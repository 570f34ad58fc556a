"""``corridor simulate`` end to end (in this process: the Dask paths are in test_dask.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import run_cli

from simulation.conftest import PLANS, ROOT

TINY = ROOT / "data" / "cep" / "tiny.json"
PNG = b"\x89PNG\r\n\x1a\n"


def simulate(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code, out, err = run_cli(["simulate", *args, "--in-process", "-q"], capsys)
    return code, out, " ".join(err.split())


def test_it_writes_the_summary_trips_and_plots(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = simulate(
        capsys,
        str(TINY),
        str(PLANS["tiny"]),
        "--runs",
        "500",
        "--seed",
        "9",
        "--out",
        str(tmp_path / "o"),
    )
    assert code == 0, err
    s = json.loads((tmp_path / "o" / "summary.json").read_text())
    assert s["runs"] == 500
    assert set(s["people_out"]) >= {"mean", "quantiles", "by_class"}
    assert set(s["people_out"]["quantiles"]) == {"5", "25", "50", "75", "95"}
    assert 0 < s["p_inside_after_close"] < 1
    assert s["planned"]["people_out"] == 126
    for name in ("people_out.png", "people_out_over_time.png", "checkpoint_queues.png"):
        assert (tmp_path / "o" / name).read_bytes()[:8] == PNG
    rows = (tmp_path / "o" / "trips.csv").read_text().splitlines()
    assert len(rows) == 1 + len(s["trips"]) == 5
    assert "Inside after the close" in out
    assert f"{100 * s['p_inside_after_close']:.1f}% of runs" in out


def test_more_suspensions_cost_more(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = [str(TINY), str(PLANS["tiny"]), "--runs", "400", "--seed", "2"]
    assert simulate(capsys, *base, "--out", str(tmp_path / "a"))[0] == 0
    (tmp_path / "noise.yaml").write_text("suspension_per_hour: 1.0\nsuspension_median: 60\n")
    assert (
        simulate(
            capsys, *base, "--noise", str(tmp_path / "noise.yaml"), "--out", str(tmp_path / "b")
        )[0]
        == 0
    )
    a, b = (json.loads((tmp_path / x / "summary.json").read_text()) for x in "ab")
    assert b["params"]["suspension_per_hour"] == 1.0
    assert b["p_inside_after_close"] > a["p_inside_after_close"]
    assert b["people_out"]["mean"] < a["people_out"]["mean"]


def test_no_noise_replays_the_plan(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = simulate(
        capsys, str(TINY), str(PLANS["tiny"]), "--runs", "3", "--no-noise", "--out", str(tmp_path)
    )
    assert code == 0, err
    s = json.loads((tmp_path / "summary.json").read_text())
    assert s["p_inside_after_close"] == 0
    assert s["people_out"]["quantiles"]["5"] == 126


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--runs", "0"], "--runs: must be a whole number from 1"),
        (["--set", "travel_sigma=fast"], "--set travel_sigma: not a number: 'fast'"),
        (["--set", "rain=2"], "--set: rain: unknown parameter"),
        (["--set", "travel_sigma=-0.1"], "--set: travel_sigma: must be >= 0, got -0.1"),
        (["--noise", "nowhere.yaml"], "nowhere.yaml: no such file"),
        (["--no-noise", "--set", "travel_sigma=1"], "--no-noise: goes alone"),
        (["--workers", "0"], "--workers: must be at least 1"),
    ],
)
def test_bad_options_are_named(
    extra: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = [str(TINY), str(PLANS["tiny"]), "--out", str(tmp_path / "o"), *extra]
    code, _, err = run_cli(["simulate", *args, "-q"], capsys)
    assert code == 2
    assert message in " ".join(err.split())
    assert not (tmp_path / "o").exists()


def test_an_infeasible_or_foreign_plan_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plan = json.loads(PLANS["tiny"].read_text())
    late = next(s for s in plan["routes"][0]["stops"] if s.get("dir") == "out")
    late["end"] = 800.0  # after the close (720)
    (tmp_path / "late.json").write_text(json.dumps(plan))
    code, _, err = simulate(
        capsys, str(TINY), str(tmp_path / "late.json"), "--out", str(tmp_path / "o")
    )
    assert code == 2
    assert "late.json: is not a feasible plan, so it cannot be simulated (it breaks" in err
    assert "window" in err.split("(it breaks")[1].split(")")[0]
    medium = ROOT / "data" / "cep" / "medium.json"
    code, _, err = simulate(capsys, str(medium), str(PLANS["tiny"]), "--out", str(tmp_path / "o"))
    assert code == 2
    assert "instance: 'tiny' is not the instance 'medium'" in err


def test_a_scenarios_noise_reaches_the_simulation_through_the_instance(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A coordinator who knows the place writes its noise once, in the scenario: compile puts
    it in the instance, and the simulation starts from it (later overrides still win)."""
    import yaml

    from corridor.services.simulations import noise_params

    example = Path(__file__).resolve().parents[2] / "examples" / "andorra"
    doc = yaml.safe_load((example / "scenario.yaml").read_text())
    doc["osm"] = str(example / doc["osm"])
    doc["simulation"] = {"suspension_per_hour": 0.5, "service_sigma": 0.6}
    (tmp_path / "hazards.geojson").write_text((example / "hazards.geojson").read_text())
    (tmp_path / "s.yaml").write_text(yaml.safe_dump(doc))
    code, _, err = run_cli(
        ["compile", str(tmp_path / "s.yaml"), "-o", str(tmp_path / "i.json")], capsys
    )
    assert code == 0, err
    instance = json.loads((tmp_path / "i.json").read_text())
    assert instance["simulation"] == {"suspension_per_hour": 0.5, "service_sigma": 0.6}
    params = noise_params(instance, "i.json", ({"service_sigma": 0.2}, "--set"))
    assert (params.suspension_per_hour, params.service_sigma) == (0.5, 0.2)
    assert params.travel_sigma == 0.10  # a default the scenario did not set
