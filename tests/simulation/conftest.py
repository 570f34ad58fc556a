"""Fixtures of the simulation tests: the tiny and medium examples with a feasible plan each."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from corridor.adapters.cep_files import load_instance
from corridor.planning.instance import Instance
from corridor.simulation.model import SimModel, build_model

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).parent
PLANS = {
    # two buses and an ambulance sharing one lane each way; the last trip ends 12 min early
    "tiny": ROOT / "data" / "cep" / "tiny.plan.json",
    # 143 trips through two busy checkpoints, the last ones ending at the close (README)
    "medium": HERE / "fixtures" / "medium.plan.json",
}


def example(name: str) -> tuple[Instance, dict[str, object], Path, Path]:
    inst_path = ROOT / "data" / "cep" / f"{name}.json"
    return load_instance(inst_path), json.loads(PLANS[name].read_text()), inst_path, PLANS[name]


@pytest.fixture(scope="session", params=["tiny", "medium"])
def named_model(request: pytest.FixtureRequest) -> tuple[str, SimModel]:
    inst, plan, _, _ = example(request.param)
    return request.param, build_model(inst, plan)
