"""With no noise at all the simulation replays the plan: the referee's figures, every run."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from conftest import run_referee

from corridor.simulation.model import build_model
from corridor.simulation.params import NoiseParams
from corridor.simulation.runner import simulate
from corridor.simulation.summary import summarize
from simulation.conftest import ROOT, example


@pytest.mark.parametrize("name", ["tiny", "medium"])
def test_zero_noise_gives_the_referees_figures(name: str, referee: Path) -> None:
    inst, plan, inst_path, plan_path = example(name)
    done = run_referee(referee, inst_path, plan_path, "--json")
    assert done.returncode == 0, done.stdout
    judged = json.loads(done.stdout)
    model = build_model(inst, plan)
    s = summarize(model, simulate(model, NoiseParams.zero(), 3, 20), NoiseParams.zero(), 3)
    assert s["p_inside_after_close"] == 0
    assert s["trips_not_started"]["mean"] == 0
    people = s["people_out"]
    everyone = sum(judged["evacuated"].values())
    assert people["quantiles"]["5"] == people["quantiles"]["95"] == everyone
    for c, n in judged["evacuated"].items():
        assert people["by_class"][c]["quantiles"]["5"] == n
        assert people["by_class"][c]["quantiles"]["95"] == n
    assert s["last_out"]["5"] == pytest.approx(judged["last_out"], abs=1e-9)
    assert s["last_out"]["95"] == pytest.approx(judged["last_out"], abs=1e-9)
    assert all(t["lateness"]["99"] == 0.0 for t in s["trips"])
    # people out over time: to the histogram's bin (it keeps the merge exact for any runs)
    median = np.asarray(s["series"]["people_out"]["50"])
    planned = np.asarray(s["series"]["people_out_planned"])
    assert np.all((median <= planned) & (planned < median + s["series"]["people_out_bin"]))


def test_a_vehicle_type_on_its_own_roads(tmp_path: Path, referee: Path) -> None:
    """Ambulances drive the zone half as fast again (``travel.by_type``): the simulation
    follows each vehicle on its type's matrix, so with no noise it still replays the plan."""
    from corridor.planning.instance import parse_instance
    from corridor.planning.solver import SolveParams, solve

    raw = json.loads((ROOT / "data" / "cep" / "tiny.json").read_text())
    inside = raw["travel"]["inside"]
    slow = [[None if v is None else 1.5 * v for v in row] for row in inside["minutes"]]
    raw["travel"]["by_type"] = {"ambulance": {"inside": {"ids": inside["ids"], "minutes": slow}}}
    inst = parse_instance(raw)
    plan = solve(inst, SolveParams(time_limit=5, seed=1, iterations=5)).plan
    (tmp_path / "i.json").write_text(json.dumps(raw))
    (tmp_path / "p.json").write_text(json.dumps(plan))
    done = run_referee(referee, tmp_path / "i.json", tmp_path / "p.json", "--json")
    assert done.returncode == 0, done.stdout
    judged = json.loads(done.stdout)
    model = build_model(inst, plan)
    idx = {p: i for i, p in enumerate(inside["ids"])}
    checked = 0
    for v, route in enumerate(r for r in plan["routes"] if len(r["stops"]) > 1):
        assert model.vehicles[v] == route["vehicle"]
        stops, first = route["stops"], int(model.first[v])
        for i in range(1, len(stops)):
            if model.inside_leg[first + i]:
                shared = inside["minutes"][idx[stops[i - 1]["at"]]][idx[stops[i]["at"]]]
                factor = 1.5 if "/ambulance/" in route["vehicle"] else 1.0
                assert model.travel[first + i] == pytest.approx(factor * shared)
                checked += "/ambulance/" in route["vehicle"]
    assert checked, "the plan sends the ambulance into the zone"
    s = summarize(model, simulate(model, NoiseParams.zero(), 1, 5), NoiseParams.zero(), 1)
    assert s["people_out"]["quantiles"]["50"] == sum(judged["evacuated"].values())
    assert s["last_out"]["50"] == pytest.approx(judged["last_out"], abs=1e-9)
    assert s["p_inside_after_close"] == 0
