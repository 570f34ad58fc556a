"""Replanning: the stops that started by ``now`` stay exactly as they were, the rest is new.

The scenario a coordinator meets: the window is cut short (or a checkpoint closes) while the
operation runs; they edit the instance and replan from the current time.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT, run_referee

from corridor.errors import InputError
from corridor.planning.instance import parse_instance
from corridor.planning.replan import ReplanError, kept_stops
from corridor.planning.solver import SolveParams, solve

DATA = ROOT / "data" / "cep"


@pytest.fixture(scope="module")
def small_plan() -> tuple[dict[str, Any], dict[str, Any]]:
    """small planned once: ten buses doing several trips each, two ambulances."""
    raw = json.loads((DATA / "small.json").read_text())
    res = solve(parse_instance(raw), SolveParams(time_limit=3, seed=2, iterations=3))
    return raw, res.plan


def started(plan: dict[str, Any], now: float) -> dict[str, list[dict[str, Any]]]:
    return kept_stops(plan, now)


def judge(referee: Path, tmp_path: Path, raw: dict[str, Any], plan: dict[str, Any]) -> Any:
    (tmp_path / "i.json").write_text(json.dumps(raw))
    (tmp_path / "p.json").write_text(json.dumps(plan))
    proc = run_referee(referee, tmp_path / "i.json", tmp_path / "p.json", "--json")
    return json.loads(proc.stdout)


@pytest.mark.parametrize("cut", [0, 120])
def test_window_cut_keeps_started_stops(
    small_plan: tuple[dict[str, Any], dict[str, Any]], cut: int, referee: Path, tmp_path: Path
) -> None:
    raw, plan = small_plan
    edited = copy.deepcopy(raw)
    edited["window"]["close"] -= cut
    now = raw["window"]["open"] + 150
    res = solve(
        parse_instance(edited),
        SolveParams(time_limit=3, seed=1, keep=plan, now=now, iterations=3),
    )
    verdict = judge(referee, tmp_path, edited, res.plan)
    assert verdict["feasible"], verdict["violations"][:3]
    new_routes = {r["vehicle"]: r["stops"] for r in res.plan["routes"]}
    kept = started(plan, now)
    assert kept, "the fixture should have vehicles under way at this time"
    for vehicle, stops in kept.items():
        assert new_routes[vehicle][: len(stops)] == stops
    # Nothing new starts before now: new stops come after the kept ones, at or after now.
    for vehicle, stops in new_routes.items():
        for s in stops[len(kept.get(vehicle, [])) :]:
            if "alight" in s or "board" in s or s.get("dir") == "in":
                assert s["arrive"] >= now - 1e-9 or vehicle in kept


def test_replan_with_a_closed_checkpoint(
    small_plan: tuple[dict[str, Any], dict[str, Any]], referee: Path, tmp_path: Path
) -> None:
    """After an incident the only checkpoint stops letting vehicles in: those inside still
    get out, nobody new goes in."""
    raw, plan = small_plan
    edited = copy.deepcopy(raw)
    edited["checkpoints"][0]["in"]["lanes"] = 0
    now = raw["window"]["open"] + 200
    kept = started(plan, now)
    if any(s.get("dir") == "in" for st in kept.values() for s in st):
        # Crossings that already happened cannot be undone: the edited instance says the
        # lanes are closed, so the kept plan breaks it and the replan says so.
        with pytest.raises(ReplanError, match="does not fit the lanes"):
            solve(
                parse_instance(edited),
                SolveParams(time_limit=2, seed=1, keep=plan, now=now, iterations=1),
            )
        return
    res = solve(
        parse_instance(edited), SolveParams(time_limit=2, seed=1, keep=plan, now=now, iterations=1)
    )
    assert judge(referee, tmp_path, edited, res.plan)["feasible"]


def test_keep_must_be_a_plan_of_this_instance(
    small_plan: tuple[dict[str, Any], dict[str, Any]],
) -> None:
    raw, plan = small_plan
    other = dict(plan, instance="another")
    with pytest.raises(InputError, match="another"):
        solve(parse_instance(raw), SolveParams(time_limit=1, keep=other, now=600.0))
    broken = copy.deepcopy(plan)
    broken["routes"][0]["stops"][0]["at"] = "NOWHERE"
    with pytest.raises(InputError, match="NOWHERE"):
        solve(parse_instance(raw), SolveParams(time_limit=1, keep=broken, now=600.0))


def test_a_vehicle_with_a_road_out_but_no_time_left_is_held_saying_so(
    small_plan: tuple[dict[str, Any], dict[str, Any]],
) -> None:
    """The window is cut to end before a vehicle that is inside can leave: the replan does not
    refuse; it holds each such vehicle where it is with its people (as a stranded one), the
    reason saying no time is left, not that no road leads out."""
    raw, plan = small_plan
    now = raw["window"]["open"] + 30
    kept = started(plan, now)
    inside = [
        v for v, st in kept.items() if st[-1].get("dir") == "in" or st[-1]["at"].startswith("G")
    ]
    assert inside
    edited = copy.deepcopy(raw)
    edited["window"]["close"] = now + 1
    res = solve(
        parse_instance(edited),
        SolveParams(time_limit=1, seed=1, keep=plan, now=now, iterations=0),
    )
    held = {h["vehicle"]: h for h in res.plan["held"]}
    assert set(inside) <= set(held), (inside, sorted(held))
    for v in inside:
        assert held[v]["stops"] == kept[v]
        assert held[v]["reason"].startswith("no time left"), held[v]["reason"]
        assert "no road" not in held[v]["reason"]
    assert not set(held) & {r["vehicle"] for r in res.plan["routes"]}


def test_a_vehicle_with_no_road_out_is_held_and_the_rest_replanned(
    small_plan: tuple[dict[str, Any], dict[str, Any]], referee: Path, tmp_path: Path
) -> None:
    """A hazard closes every road out of a gathering point while a vehicle is there with
    people aboard: the replan holds that vehicle where it is (its people stay aboard, nothing
    new for it, listed under ``held`` apart from the routes) and plans everything else; the
    plan passes the referee and every other started stop is kept."""
    raw, plan = small_plan
    inside_ids = raw["travel"]["inside"]["ids"]

    def candidates() -> Any:
        """(now, vehicle, its kept stops) with the vehicle boarding at a gathering point that
        no kept stop leaves (the referee checks the history's legs too)."""
        for delta in range(20, 400, 5):
            now = raw["window"]["open"] + delta
            kept = started(plan, now)
            for v, st in kept.items():
                place = st[-1]["at"]
                boarding = place in inside_ids and "dir" not in st[-1] and st[-1].get("board")
                left = any(a["at"] == place for other in kept.values() for a in other[:-1])
                if boarding and not left:
                    yield now, v, st, kept

    found = next(candidates(), None)
    assert found, "the fixture should have a vehicle boarding inside the zone at some time"
    now, vehicle, stops, kept = found
    place = stops[-1]["at"]
    edited = copy.deepcopy(raw)
    row = inside_ids.index(place)
    edited["travel"]["inside"]["minutes"][row] = [
        0 if j == row else None for j in range(len(inside_ids))
    ]
    res = solve(
        parse_instance(edited), SolveParams(time_limit=3, seed=1, keep=plan, now=now, iterations=2)
    )
    assert [h["vehicle"] for h in res.plan["held"]] == [vehicle]
    held = res.plan["held"][0]
    aboard: dict[str, int] = {}
    for s in stops:
        for c, n in s.get("board", {}).items():
            aboard[c] = aboard.get(c, 0) + n
    assert held["at"] == place
    assert held["aboard"] == aboard
    assert sum(aboard.values()) > 0
    assert held["stops"] == stops
    assert "no road" in held["reason"]
    routes = {r["vehicle"]: r["stops"] for r in res.plan["routes"]}
    assert vehicle not in routes
    for other, st in kept.items():
        if other != vehicle:
            assert routes[other][: len(st)] == st, other
    verdict = judge(referee, tmp_path, edited, res.plan)
    assert verdict["feasible"], verdict["violations"][:3]
    # The other vehicles still work: people are evacuated after now.
    assert any(s.get("alight") and s["arrive"] > now for st in routes.values() for s in st)


def test_before_any_vehicle_started_no_new_trip_enters_before_the_lead_time(
    small_plan: tuple[dict[str, Any], dict[str, Any]],
) -> None:
    """A replan before the first departure keeps nothing; the improvement search still keeps
    every inbound crossing after ``enter_from`` (the notification lead time), as when some
    vehicle has started, and no vehicle starts before ``now``."""
    raw, plan = small_plan
    first = min(float(r["stops"][0]["depart"]) for r in plan["routes"])
    now = first - 5
    assert started(plan, now) == {}
    enter_from = now + 130
    res = solve(
        parse_instance(raw),
        SolveParams(time_limit=3, seed=1, keep=plan, now=now, iterations=6,
                    enter_from=enter_from),
    )  # fmt: skip
    early = [
        (r["vehicle"], s["at"], s["start"])
        for r in res.plan["routes"]
        for s in r["stops"]
        if s.get("dir") == "in" and float(s["start"]) < enter_from
    ]
    assert early == [], (now, early)
    assert all(float(r["stops"][0]["depart"]) >= now for r in res.plan["routes"])
    assert res.plan["routes"], now
