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
from simulation.conftest import example


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
