"""Values a hand-edited instance or scenario may hold that the planner cannot plan with: each is
refused naming the field and the value, before any search (they gave a traceback, a plan file
with ``Infinity`` in it, or a plan far below what the operation allows)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT, run_cli
from pydantic import ValidationError

from corridor.errors import InputError
from corridor.planning.instance import parse_instance, unknown_fields
from corridor.scenario.model import Crossing

TINY = json.loads((ROOT / "data" / "cep" / "tiny.json").read_text())


def edited(path: list[Any], value: Any) -> dict[str, Any]:
    raw = copy.deepcopy(TINY)
    obj = raw
    for key in path[:-1]:
        obj = obj[key]
    obj[path[-1]] = value
    return raw


@pytest.mark.parametrize(
    ("path", "value", "named"),
    [
        (["gathering", 0, "people", "general"], 10**19, "gathering[0].people.general"),
        (["gathering", 0, "people", "general"], 1e300, "gathering[0].people.general"),
        (["classes", "general", "weight"], 1e308, "classes.general.weight"),
        (["vehicle_types", "bus", "seats"], 10**19, "vehicle_types.bus.seats"),
        (["checkpoints", 0, "out", "service"], 0, "checkpoints[0].out.service"),
    ],
)
def test_a_value_the_planner_cannot_take_is_refused_by_name(
    path: list[Any], value: Any, named: str
) -> None:
    with pytest.raises(InputError) as caught:
        parse_instance(edited(path, value), "x.json")
    assert f"x.json: {named}" in str(caught.value)


def test_a_direction_without_lanes_may_have_no_service() -> None:
    raw = edited(["checkpoints", 0, "in"], {"service": 0, "lanes": 0})
    assert parse_instance(raw).checkpoints[0].inward.lanes == 0


def test_the_scenario_refuses_a_crossing_of_no_time() -> None:
    with pytest.raises(ValidationError, match="service must be > 0 minutes"):
        Crossing(service=0, lanes=2)
    assert Crossing(service=0, lanes=0).lanes == 0
    assert Crossing(service=0.5, lanes=1).service == 0.5


def test_a_field_cep_does_not_have_is_named_with_the_one_meant(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``max_vehicle`` for ``max_vehicles`` dropped the agreed limit on vehicles silently."""

    assert unknown_fields(TINY) == []
    raw = edited(["max_vehicle"], 1)
    raw["gathering"][0]["needs"] = 5
    raw["classes"]["general"]["wieght"] = 1
    assert unknown_fields(raw) == [
        "max_vehicle: not a field of cep/1, ignored; did you mean 'max_vehicles'?",
        "classes.general.wieght: not a field of cep/1, ignored; did you mean 'weight'?",
        "gathering[0].needs: not a field of cep/1, ignored; did you mean 'needs_kg'?",
    ]
    path = tmp_path / "typo.json"
    path.write_text(json.dumps(raw))
    code, _, err = run_cli(["plan", str(path), "-o", str(tmp_path / "p.json"), "-q",
                            "--time-limit", "2"], capsys)  # fmt: skip
    assert code == 0
    assert "did you mean 'max_vehicles'?" in " ".join(err.split())


def test_a_fleet_past_fifty_thousand_is_refused_before_naming_a_vehicle() -> None:
    raw = edited(["depots", 0, "fleet", "bus"], 10**9)
    with pytest.raises(InputError, match=r"depots: 1,000,000,\d+ vehicles in all; the planner"):
        parse_instance(raw, "x.json")


def test_five_thousand_buses_alike_are_offered_a_trip_once_per_change(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A fleet typed with zeros too many: the first plan asked each idle bus for its best trip
    (small.json with 5,000 buses at its first depot: 5,047 asks; 20,000 buses on the Andorra
    example: a first plan after 13.8 s); a refused trip now stands for its like until the plan
    changes."""
    from corridor.planning import construct
    from corridor.planning.improve import first_plan
    from corridor.planning.partial import PartialPlan
    from corridor.planning.problem import ProblemData

    calls = 0
    real = construct.best_trip

    def counted(*args: Any) -> Any:
        nonlocal calls
        calls += 1
        return real(*args)

    monkeypatch.setattr(construct, "best_trip", counted)
    raw = json.loads((ROOT / "data" / "cep" / "small.json").read_text())
    raw["depots"][0]["fleet"]["bus"] = 5_000
    plan = first_plan(PartialPlan(ProblemData(parse_instance(raw))))
    assert plan.score == 2547.0  # the plan of asking each one
    assert calls < 200, calls
