"""The project's own plan check agrees with the referee, plan by plan, rule by rule.

The referee ``../shared/cep/validate.py`` is the judge. It is imported once from its path (it is
a standard-library script), so that thousands of mutated plans are judged in-process: the
verdict, the set of broken rule names, the score and the totals must be the same, and a plan the
referee cannot read (exit 2) must be an ``InputError`` here.
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
from conftest import run_referee

from corridor.adapters.cep_files import check_files
from corridor.errors import InputError
from corridor.planning.check import RULES, check_plan
from corridor.planning.instance import Instance, parse_instance

DATA = Path(__file__).resolve().parents[2] / "data" / "cep"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(scope="module")
def ref(referee: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location("cep_referee", referee)
    assert spec is not None
    assert spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def load(path: Path) -> Any:
    return json.loads(path.read_text())


# Mutations change plans only: each instance is parsed once, by each side.
_PARSED: dict[int, tuple[Any, Any, Instance]] = {}


def _parsed(ref: ModuleType, inst_raw: Any) -> tuple[Any, Instance]:
    if id(inst_raw) not in _PARSED:
        _PARSED[id(inst_raw)] = (inst_raw, ref.Instance(inst_raw), parse_instance(inst_raw))
    _, theirs, mine = _PARSED[id(inst_raw)]
    return theirs, mine


def referee_verdict(ref: ModuleType, inst_raw: Any, plan_raw: Any) -> dict[str, Any] | None:
    """The referee's --json object for a plan, or None where it calls the input malformed."""
    inst = _parsed(ref, inst_raw)[0]
    try:
        result: dict[str, Any] = ref.Referee(inst, ref.parse_plan(plan_raw, inst)).run()
    except ref.Malformed:
        return None
    return result


def ours(ref: ModuleType, inst_raw: Any, plan_raw: Any) -> dict[str, Any] | None:
    try:
        return check_plan(_parsed(ref, inst_raw)[1], plan_raw).to_json()
    except InputError:
        return None


def assert_agree(ref: ModuleType, inst_raw: Any, plan_raw: Any, what: str) -> dict[str, Any] | None:
    theirs = referee_verdict(ref, inst_raw, plan_raw)
    mine = ours(ref, inst_raw, plan_raw)
    if theirs is None or mine is None:
        assert theirs is mine, f"{what}: malformed for only one: {theirs or mine}"
        return None
    rules_theirs = sorted({v["rule"] for v in theirs["violations"]})
    rules_mine = sorted({v["rule"] for v in mine["violations"]})
    assert (mine["feasible"], rules_mine) == (theirs["feasible"], rules_theirs), (
        f"{what}: referee {theirs['violations'][:3]}, ours {mine['violations'][:3]}"
    )
    # Each rule is reported as often, so a person sees every broken place.
    assert len(mine["violations"]) == len(theirs["violations"]), what
    for key in ("score", "evacuated", "cargo_kg", "vehicles_used", "last_out"):
        assert mine[key] == theirs[key], f"{what}: {key} {mine[key]} != {theirs[key]}"
    return mine


# ---------------------------------------------------------------- the fixtures

PLANS = [
    ("tiny", DATA / "tiny.plan.json"),
    ("tiny", FIXTURES / "tiny.peer.plan.json"),
    ("small", FIXTURES / "small.peer.plan.json"),
    ("medium", FIXTURES / "medium.peer.plan.json"),
]


def available_plans() -> list[tuple[str, Path]]:
    return [(name, path) for name, path in PLANS if path.exists()]


@pytest.mark.parametrize(("name", "plan"), available_plans(), ids=lambda p: str(p)[-30:])
def test_the_feasible_fixture_plans_pass_both_checks(
    ref: ModuleType, name: str, plan: Path
) -> None:
    inst = load(DATA / f"{name}.json")
    result = assert_agree(ref, inst, load(plan), plan.name)
    assert result is not None
    assert result["feasible"]
    assert result["score"] > 0


def test_the_hand_made_tiny_plan_scores_181_with_every_total() -> None:
    r = check_files(DATA / "tiny.json", DATA / "tiny.plan.json")
    assert r.feasible
    assert r.violations == []
    assert r.score == 181.0
    assert r.evacuated == {"critical": 1, "vulnerable": 23, "general": 102}
    assert r.vehicles_used == 3
    assert r.last_out == pytest.approx(707.95)


def test_the_referee_cli_and_ours_agree_on_the_public_example(referee: Path) -> None:
    out = run_referee(referee, DATA / "tiny.json", DATA / "tiny.plan.json", "--json")
    assert out.returncode == 0, out.stderr
    assert (
        json.loads(out.stdout) == check_files(DATA / "tiny.json", DATA / "tiny.plan.json").to_json()
    )


# ---------------------------------------------------------------- the mutations


def _stops(plan: dict[str, Any], rng: random.Random) -> tuple[list[dict[str, Any]], int] | None:
    routes = [r for r in plan["routes"] if r["stops"]]
    if not routes:
        return None
    stops = rng.choice(routes)["stops"]
    return stops, rng.randrange(len(stops))


DELTAS = (1e-7, -1e-7, 5e-7, -5e-7, 2e-6, -2e-6, 0.01, -0.01, 0.5, -0.5, 3.0, -3.0, 20.0, -20.0)


def mutate(plan: dict[str, Any], inst: dict[str, Any], rng: random.Random) -> str:
    """Change one thing in `plan` in place; return what, for the failure message."""
    ids = {
        "depot": [d["id"] for d in inst["depots"]],
        "reception": [r["id"] for r in inst["receptions"]],
        "checkpoint": [k["id"] for k in inst["checkpoints"]],
        "gathering": [g["id"] for g in inst["gathering"]],
    }
    every_id = [i for v in ids.values() for i in v]
    classes = list(inst["classes"])
    vehicles = [
        f"{d['id']}/{t}/{k}"
        for d in inst["depots"]
        for t, n in d["fleet"].items()
        for k in range(n)
    ]
    kind = rng.randrange(17)
    picked = _stops(plan, rng)
    if picked is None:
        return "nothing"
    stops, i = picked
    s = stops[i]
    if kind <= 3:  # one time moves
        key = rng.choice([k for k in ("arrive", "depart", "start", "end") if k in s])
        d = rng.choice(DELTAS)
        s[key] += d
        return f"{s['at']}.{key} {d:+g}"
    if kind == 4:  # a whole route moves (lanes, window)
        d = rng.choice(DELTAS)
        for t in stops:
            for key in ("arrive", "depart", "start", "end"):
                if key in t:
                    t[key] += d
        return f"route shifted {d:+g}"
    if kind == 5:  # people counts change
        key = rng.choice(["board", "alight"])
        c = rng.choice(classes)
        s.setdefault(key, {})
        s[key][c] = max(0, s[key].get(c, 0) + rng.choice([-3, -1, 1, 2, 40]))
        return f"{s['at']}.{key}.{c} -> {s[key][c]}"
    if kind == 6:  # people of one class become another
        for key in ("board", "alight"):
            if s.get(key):
                a = rng.choice(list(s[key]))
                b = rng.choice(classes)
                s[key][b] = s[key].get(b, 0) + s[key].pop(a)
                return f"{s['at']}.{key} {a} -> {b}"
        return "no people to reclass"
    if kind == 7:  # two stops swap
        j = rng.randrange(len(stops))
        stops[i], stops[j] = stops[j], stops[i]
        return f"swap {i} {j}"
    if kind == 8:  # a stop goes
        del stops[i]
        return f"drop stop {i}"
    if kind == 9:  # a stop is repeated
        stops.insert(i, copy.deepcopy(s))
        return f"repeat stop {i}"
    if kind == 10:  # a stop happens somewhere else (same kind or any)
        same = [x for x in ids[next(k for k, v in ids.items() if s["at"] in v)] if x != s["at"]]
        new = rng.choice(same) if same and rng.random() < 0.6 else rng.choice(every_id)
        s["at"] = new
        if new in ids["checkpoint"]:
            s.setdefault("dir", rng.choice(["in", "out"]))
            s.setdefault("start", s["arrive"])
            s.setdefault("end", s.get("depart", s["arrive"]) + 5)
            s.pop("depart", None)
        else:
            s.pop("dir", None)
            s.setdefault("depart", s.get("end", s["arrive"]))
        return f"stop {i} at {new}"
    if kind == 11 and "dir" in s:  # direction flips
        s["dir"] = "out" if s["dir"] == "in" else "in"
        return f"stop {i} dir flipped"
    if kind == 12:  # another vehicle name
        route = next(r for r in plan["routes"] if r["stops"] is stops)
        route["vehicle"] = rng.choice([*vehicles, "X/bus/0", vehicles[0] + "x"])
        return f"vehicle -> {route['vehicle']}"
    if kind == 13:  # cargo loaded or unloaded somewhere
        key = rng.choice(["load_kg", "unload_kg"])
        s[key] = rng.choice([0, 1e-7, 5e-7, 3e-6, 1, 100, 2000])
        return f"{s['at']}.{key} = {s[key]}"
    if kind == 14:  # a route goes or is duplicated
        r = rng.randrange(len(plan["routes"]))
        if rng.random() < 0.5:
            del plan["routes"][r]
            return f"drop route {r}"
        plan["routes"].append(copy.deepcopy(plan["routes"][r]))
        return f"duplicate route {r}"
    if kind == 15:  # a stop is pulled to the previous one's leaving time (stop-time, travel)
        if i > 0:
            prev = stops[i - 1]
            leave = prev.get("end", prev.get("depart", 0))
            for key in ("arrive", "start"):
                if key in s:
                    s[key] = leave
            return f"stop {i} pulled to {leave}"
        return "nothing to pull"
    # kind 16: the input becomes malformed in one field
    choice = rng.randrange(8)
    if choice == 0:
        s["arrive"] = "soon"
    elif choice == 1:
        s["board"] = {"nobody": 1}
    elif choice == 2:
        s["alight"] = {classes[0]: -1}
    elif choice == 3:
        s["at"] = "nowhere"
    elif choice == 4:
        s.pop("arrive")
    elif choice == 5:
        s["dir"] = "sideways" if "dir" in s else "in"
    elif choice == 6:
        plan["instance"] = "another"
    else:
        s["load_kg"] = -1
    return f"malformed {choice}"


def capped_with_roads(inst: dict[str, Any]) -> dict[str, Any]:
    """The instance with a vehicle limit of 3 (the tiny plans use 3: one more breaks rule 14)
    and buses on roads of their own where G2 -> K1 is closed (the plans use it: rule 4)."""
    inst = copy.deepcopy(inst)
    inst["max_vehicles"] = 3
    inside = copy.deepcopy(inst["travel"]["inside"])
    ids = inside["ids"]
    inside["minutes"][ids.index("G2")][ids.index("K1")] = None
    inst["travel"]["by_type"] = {"bus": {"inside": inside}}
    return inst


def test_thousands_of_mutated_plans_get_the_referees_verdict(ref: ModuleType) -> None:
    rng = random.Random(20261129)
    plans = [(load(DATA / f"{n}.json"), load(p)) for n, p in available_plans() if n != "medium"]
    plans += [(capped_with_roads(inst), plan) for inst, plan in plans[:2]]
    counts = {"feasible": 0, "infeasible": 0, "malformed": 0}
    rules_seen: set[str] = set()
    for k in range(4000):
        inst, base = plans[k % len(plans)]
        plan = copy.deepcopy(base)
        steps: list[str] = []
        for _ in range(rng.choice([1, 1, 1, 2, 3])):
            steps.append(mutate(plan, inst, rng))
            if steps[-1].startswith("malformed"):
                break
        mine = assert_agree(ref, inst, plan, f"mutation {k}: {steps}")
        if mine is None:
            counts["malformed"] += 1
        else:
            counts["feasible" if mine["feasible"] else "infeasible"] += 1
            rules_seen |= {v["rule"] for v in mine["violations"]}
    # The mutations exercise both verdicts, malformed input, and every rule.
    assert min(counts.values()) > 50, counts
    assert rules_seen == set(RULES), set(RULES) - rules_seen


def with_cargo(inst: dict[str, Any], plan: dict[str, Any]) -> dict[str, Any]:
    """The plan with cargo: each vehicle loads what it can carry at its depot (while supplies
    last) and unloads it at its first gathering point, where it stops anyway to board people."""
    plan = copy.deepcopy(plan)
    supplies = {d["id"]: d.get("supplies_kg", 0) for d in inst["depots"]}
    fixed = inst["stop_time"]["fixed"]
    for r in plan["routes"]:
        depot, vtype = r["vehicle"].split("/")[:2]
        kg = min(inst["vehicle_types"][vtype].get("cargo_kg", 0), supplies[depot])
        first = next((s for s in r["stops"] if "board" in s and "dir" not in s), None)
        if kg <= 0 or first is None or r["stops"][0]["at"] != depot:
            continue
        supplies[depot] -= kg
        r["stops"][0]["arrive"] -= fixed
        r["stops"][0]["load_kg"] = kg
        first["unload_kg"] = kg
    return plan


def test_mutations_of_a_plan_that_carries_cargo_agree(ref: ModuleType) -> None:
    path = FIXTURES / "medium.peer.plan.json"
    if not path.exists():
        pytest.skip("no medium fixture plan")
    inst = load(DATA / "medium.json")
    base = with_cargo(inst, load(path))
    result = assert_agree(ref, inst, base, "medium with cargo")
    assert result is not None
    assert result["feasible"]
    assert result["cargo_kg"] > 0
    rng = random.Random(7)
    for k in range(200):
        plan = copy.deepcopy(base)
        steps = [mutate(plan, inst, rng)]
        if not steps[0].startswith("malformed"):
            steps.append(mutate(plan, inst, rng))
        assert_agree(ref, inst, plan, f"medium mutation {k}: {steps}")


# ---------------------------------------------------------------- malformed input


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda p: p.update(format="cep-plan/2"), "format"),
        (lambda p: p.update(instance="other"), "instance"),
        (lambda p: p["routes"][0]["stops"][1].update(dir="up"), "routes[0].stops[1].dir"),
        (lambda p: p["routes"][0]["stops"][2].update(arrive=None), "routes[0].stops[2].arrive"),
        (lambda p: p["routes"][1]["stops"][0].update(at="Z9"), "routes[1].stops[0].at"),
        (
            lambda p: p["routes"][0]["stops"][2]["board"].update(general=2.5),
            "routes[0].stops[2].board.general",
        ),
        (lambda p: p["routes"][0].pop("vehicle"), "routes[0].vehicle"),
    ],
)
def test_a_malformed_plan_is_an_input_error_naming_the_field(change: Any, field: str) -> None:
    plan = load(DATA / "tiny.plan.json")
    change(plan)
    with pytest.raises(InputError) as err:
        check_plan(load(DATA / "tiny.json"), plan)
    assert field in str(err.value)


def test_a_repeated_key_is_malformed(tmp_path: Path) -> None:
    text = (
        (DATA / "tiny.plan.json")
        .read_text()
        .replace('"instance": "tiny"', '"instance": "tiny", "instance": "tiny"')
    )
    bad = tmp_path / "plan.json"
    bad.write_text(text)
    with pytest.raises(InputError, match="appears twice"):
        check_files(DATA / "tiny.json", bad)
