"""Roads per vehicle type (``travel.by_type``) and an agreed vehicle limit (``max_vehicles``):
the planner, its bound, the exact model and the plan check all honour them.

Instances come from :mod:`small_instances` (hypothesis) and from named fixtures. The referee
(``../shared/cep/validate.py``), imported in-process, judges every plan; the project's check
must give the same verdict and the same rule names.
"""

from __future__ import annotations

import copy
import importlib.util
import json
import random
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from conftest import ROOT
from hypothesis import HealthCheck, assume, given, settings
from small_instances import small_instances
from test_check import assert_agree, mutate

from corridor.errors import InputError
from corridor.planning.bound import upper_bound
from corridor.planning.check import check_plan
from corridor.planning.exact import solve_exact
from corridor.planning.instance import parse_instance
from corridor.planning.solver import SolveParams, SolveParamsError, solve

DATA = ROOT / "data" / "cep"
PROPERTY = settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture(scope="module")
def ref(referee: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location("cep_referee_fleet", referee)
    assert spec is not None
    assert spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def verdict(ref: ModuleType, raw: dict[str, Any], plan: dict[str, Any]) -> dict[str, Any]:
    """The referee's verdict, asserted equal to ours (feasibility, rule names, totals)."""
    mine = assert_agree(ref, raw, plan, "plan")
    assert mine is not None
    return mine


def quick(**kw: Any) -> SolveParams:
    return SolveParams(**({"time_limit": 4.0, "seed": 1, "iterations": 15} | kw))


@pytest.fixture
def bridge() -> dict[str, Any]:
    """tiny with two trucks whose direct road from the depot to the checkpoint crosses a
    bridge closed to heavy vehicles (null in the trucks' matrix): they must go round by the
    reception centre R1; buses still take the bridge."""
    raw = json.loads((DATA / "tiny.json").read_text())
    raw["name"] = "bridge"
    raw["vehicle_types"]["truck"] = {"seats": 2, "cargo_kg": 8000}
    raw["depots"][0]["fleet"]["truck"] = 2
    out = copy.deepcopy(raw["travel"]["outside"])
    ids = out["ids"]
    out["minutes"][ids.index("D1")][ids.index("K1")] = None
    raw["travel"]["by_type"] = {"truck": {"outside": out}}
    return raw


# ---------------------------------------------------------------- reading the instance


def _roads(r: dict[str, Any], **by_type: Any) -> None:
    r["travel"]["by_type"] = by_type


def _inside(r: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return dict(r["travel"]["inside"], **changes)


BAD_ROADS = [
    (lambda r: _roads(r, lorry={}), "travel.by_type.lorry", "not a vehicle type"),
    (
        lambda r: _roads(r, bus={"inside": {"ids": ["K1"], "minutes": [[0]]}}),
        "travel.by_type.bus.inside.ids",
        "must list each of",
    ),
    (
        lambda r: _roads(r, bus={"inside": _inside(r, minutes=[[0, 1, 2]])}),
        "travel.by_type.bus.inside.minutes",
        "3x3",
    ),
    (
        lambda r: _roads(r, bus={"inside": _inside(r, minutes=[[0, -1, 2], [1, 0, 1], [1, 1, 0]])}),
        "travel.by_type.bus.inside.minutes[0][1]",
        "-1",
    ),
    (lambda r: _roads(r, bus={"outside": 3}), "travel.by_type.bus.outside", "an object"),
    (lambda r: _roads(r, bus={"roads": {}}), "travel.by_type.bus.roads", "unknown key"),
    (lambda r: r.update(max_vehicles=-1), "max_vehicles", "-1"),
    (lambda r: r.update(max_vehicles=2.5), "max_vehicles", "2.5"),
]


@pytest.mark.parametrize(("change", "field", "words"), BAD_ROADS)
def test_bad_roads_and_limits_name_the_field_and_the_value(
    ref: ModuleType, change: Any, field: str, words: str
) -> None:
    raw = json.loads((DATA / "tiny.json").read_text())
    change(raw)
    with pytest.raises(InputError) as err:
        parse_instance(raw, "x.json")
    assert err.value.where == f"x.json: {field}"
    assert words in str(err.value)
    with pytest.raises(ref.Malformed):  # the referee refuses it too
        ref.Instance(raw)


def test_a_type_matrix_in_another_order_is_read_in_the_shared_order() -> None:
    raw = json.loads((DATA / "tiny.json").read_text())
    out = raw["travel"]["outside"]
    order = out["ids"][::-1]
    idx = [out["ids"].index(p) for p in order]
    doubled = [[2 * out["minutes"][i][j] for j in idx] for i in idx]
    raw["travel"]["by_type"] = {"bus": {"outside": {"ids": order, "minutes": doubled}}}
    inst = parse_instance(raw)
    assert inst.outside_minutes("D1", "K1", "bus") == 2 * inst.outside_minutes("D1", "K1")
    assert inst.inside_minutes("K1", "G1", "bus") == inst.inside_minutes("K1", "G1")


# ---------------------------------------------------------------- roads per type


def test_trucks_go_round_the_closed_bridge_and_the_checks_agree(
    ref: ModuleType, bridge: dict[str, Any]
) -> None:
    inst = parse_instance(bridge)
    others = [v.name for v in inst.vehicles if v.type != "truck"]
    res = solve(inst, quick(excluded_vehicles=others))  # only the trucks fetch anyone
    result = verdict(ref, bridge, res.plan)
    assert result["feasible"]
    trucks = [r for r in res.plan["routes"] if "/truck/" in r["vehicle"]]
    assert trucks, "the trucks have people to fetch"
    for r in trucks:
        legs = [(a["at"], b["at"]) for a, b in zip(r["stops"], r["stops"][1:], strict=False)]
        assert ("D1", "K1") not in legs  # the bridge
        assert ("D1", "R1") in legs  # the way round
    # A truck sent over the bridge is refused by both checks, by the same rule.
    bad = copy.deepcopy(res.plan)
    route = next(r for r in bad["routes"] if "/truck/" in r["vehicle"])
    i = next(i for i, s in enumerate(route["stops"]) if s["at"] == "R1")
    del route["stops"][i]
    result = verdict(ref, bridge, bad)
    assert not result["feasible"]
    assert {v["rule"] for v in result["violations"]} == {"travel"}
    assert any("no road from D1 to K1" in v["detail"] for v in result["violations"])


def test_the_same_route_is_fine_for_a_bus(ref: ModuleType, bridge: dict[str, Any]) -> None:
    res = solve(parse_instance(bridge), quick())
    bus = next(r for r in res.plan["routes"] if "/bus/" in r["vehicle"])
    assert bus["stops"][1]["at"] == "K1"  # buses cross the bridge
    assert verdict(ref, bridge, res.plan)["feasible"]


# ---------------------------------------------------------------- the vehicle limit


@pytest.fixture
def limited() -> dict[str, Any]:
    """small with at most 4 of its 12 vehicles (10 buses, 2 ambulances) in the corridor."""
    raw = json.loads((DATA / "small.json").read_text())
    raw["max_vehicles"] = 4
    return raw


def test_the_limit_is_kept_and_the_big_vehicles_chosen(
    ref: ModuleType, limited: dict[str, Any]
) -> None:
    res = solve(parse_instance(limited), quick())
    result = verdict(ref, limited, res.plan)
    assert result["feasible"]
    assert result["vehicles_used"] == 4
    kinds = [r["vehicle"].split("/")[1] for r in res.plan["routes"]]
    assert kinds.count("bus") >= 3  # 50 seats beat 2 seats and 2 stretchers
    # Any 4 vehicles the coordinator could pick by hand do no better than the planner.
    inst = parse_instance(limited)
    buses = [v.name for v in inst.vehicles if v.type == "bus"]
    ambulances = [v.name for v in inst.vehicles if v.type == "ambulance"]
    for pick in (buses[:4], buses[:3] + ambulances[:1], buses[:2] + ambulances):
        excluded = [v.name for v in inst.vehicles if v.name not in pick]
        hand = solve(inst, quick(excluded_vehicles=excluded))
        assert hand.score <= res.score + 1e-6, pick


def test_too_many_vehicles_break_fleet_cap_for_both_checks(
    ref: ModuleType, limited: dict[str, Any]
) -> None:
    plan = solve(parse_instance(limited), quick()).plan
    tighter = dict(limited, max_vehicles=3)
    result = verdict(ref, tighter, plan)
    assert not result["feasible"]
    assert {v["rule"] for v in result["violations"]} == {"fleet-cap"}
    assert "4 vehicles leave their depot, at most 3 may" in result["violations"][0]["detail"]


def test_the_bound_honours_the_limit(limited: dict[str, Any]) -> None:
    del limited["max_vehicles"]
    unlimited = upper_bound(parse_instance(limited), time_limit=20)
    capped = upper_bound(parse_instance(dict(limited, max_vehicles=4)), time_limit=20)
    assert capped.value < unlimited.value
    assert "vehicle limit" in dict(capped.binding)


# ---------------------------------------------------------------- pinned and excluded


def test_pinned_and_excluded_vehicles(ref: ModuleType, limited: dict[str, Any]) -> None:
    inst = parse_instance(limited)
    res = solve(inst, quick(pinned_vehicles={"D1/ambulance/0"}, excluded_vehicles=["D1/bus/0"]))
    used = {r["vehicle"] for r in res.plan["routes"]}
    assert "D1/ambulance/0" in used
    assert "D1/bus/0" not in used
    assert len(used) <= 4
    assert verdict(ref, limited, res.plan)["feasible"]


@pytest.mark.parametrize(
    ("kw", "field", "words"),
    [
        ({"pinned_vehicles": {"D9/bus/0"}}, "pinned_vehicles", "no vehicle 'D9/bus/0'"),
        ({"excluded_vehicles": ["D1/bus/99"]}, "excluded_vehicles", "no vehicle 'D1/bus/99'"),
        (
            {"pinned_vehicles": [f"D1/bus/{k}" for k in range(5)]},
            "pinned_vehicles",
            "5 vehicles pinned, max_vehicles is 4",
        ),
    ],
)
def test_a_bad_fleet_choice_names_the_field(
    limited: dict[str, Any], kw: dict[str, Any], field: str, words: str
) -> None:
    with pytest.raises(SolveParamsError) as err:
        solve(parse_instance(limited), quick(**kw))
    assert err.value.where == field
    assert words in str(err.value)


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"pinned_vehicles": "D1/bus/0"}, "pinned_vehicles"),
        ({"excluded_vehicles": [3]}, "excluded_vehicles"),
        ({"pinned_vehicles": ["a"], "excluded_vehicles": ["a"]}, "excluded_vehicles"),
    ],
)
def test_solve_params_check_the_fleet_choice(kw: dict[str, Any], field: str) -> None:
    with pytest.raises(SolveParamsError) as err:
        SolveParams(**kw)
    assert err.value.where == field


# ---------------------------------------------------------------- properties


@PROPERTY
@given(raw=small_instances(complete=True))
def test_bound_is_above_the_exact_optimum_which_is_above_every_plan(
    ref: ModuleType, raw: dict[str, Any]
) -> None:
    """On instances the trip model covers: LP bound >= exact optimum >= the planner's plan,
    with per-type roads (null legs included) and a vehicle limit."""
    inst = parse_instance(raw)
    exact = solve_exact(inst, 20)
    assume(exact.optimal)
    assert exact.plan is not None
    assert verdict(ref, raw, exact.plan)["score"] == pytest.approx(exact.score)
    lp = upper_bound(inst, exact=False)
    assert lp.value >= exact.score - 1e-6
    planned = solve(inst, quick(time_limit=3))
    assert verdict(ref, raw, planned.plan)["score"] == pytest.approx(planned.score)
    assert planned.score <= exact.score + 1e-6
    assert planned.upper_bound >= exact.score - 1e-6


@PROPERTY
@given(raw=small_instances(complete=False))
def test_bound_is_above_every_plan_with_several_checkpoints_and_cargo(
    ref: ModuleType, raw: dict[str, Any]
) -> None:
    inst = parse_instance(raw)
    bound = upper_bound(inst, exact=False).value
    planned = solve(inst, quick(time_limit=3))
    assert verdict(ref, raw, planned.plan)["score"] <= bound + 1e-6
    exact = solve_exact(inst, 3, max_trips=1)
    if exact.plan is not None:
        assert verdict(ref, raw, exact.plan)["score"] <= bound + 1e-6


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(raw=small_instances(complete=False))
def test_the_checks_agree_on_planned_and_mutated_plans(
    ref: ModuleType, raw: dict[str, Any]
) -> None:
    plan = solve(parse_instance(raw), quick(time_limit=2, iterations=3)).plan
    assert verdict(ref, raw, plan)["feasible"]
    rng = random.Random(len(json.dumps(plan)))
    for k in range(40):
        mutated = copy.deepcopy(plan)
        if not mutated["routes"]:
            break
        steps = [mutate(mutated, raw, rng)]
        assert_agree(ref, raw, mutated, f"mutation {k}: {steps}")


def test_check_plan_reads_a_parsed_instance_with_roads_per_type(bridge: dict[str, Any]) -> None:
    plan = solve(parse_instance(bridge), quick()).plan
    assert check_plan(parse_instance(bridge), plan).feasible


@pytest.mark.parametrize("which", ["limited", "bridge"])
def test_replanning_keeps_the_limit_and_the_roads(
    ref: ModuleType, request: pytest.FixtureRequest, which: str
) -> None:
    """The window is cut by an hour while the operation runs: the replan keeps the started
    stops, stays within the vehicle limit and on each type's own roads."""
    raw = request.getfixturevalue(which)
    first = solve(parse_instance(raw), quick()).plan
    cut = copy.deepcopy(raw)
    cut["window"]["close"] -= 60
    now = raw["window"]["open"] + 60
    res = solve(parse_instance(cut), quick(keep=first, now=now))
    result = verdict(ref, cut, res.plan)
    assert result["feasible"]
    if "max_vehicles" in raw:
        assert result["vehicles_used"] <= raw["max_vehicles"]


def test_replanning_refuses_kept_routes_beyond_the_limit(limited: dict[str, Any]) -> None:
    from corridor.planning.replan import ReplanError

    plan = solve(parse_instance(limited), quick()).plan
    tighter = dict(limited, max_vehicles=2)
    with pytest.raises(ReplanError, match="max_vehicles is 2"):
        solve(parse_instance(tighter), quick(keep=plan, now=limited["window"]["open"] + 300))
