"""The proven upper bound: never below the score of a feasible plan, and tighter than the referee's.

Feasible plans come from the hand-made ``tiny.plan.json``, the PyVRP peer plans kept as
fixtures, the exact MILP, and generated instances; each is scored by the referee itself.
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys
import threading
from pathlib import Path
from time import monotonic
from typing import Any

import pytest
from conftest import ROOT, run_referee
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from corridor.adapters.cep_files import load_instance
from corridor.planning.bound import cargo_bound, quickest_minutes, upper_bound
from corridor.planning.exact import solve_exact
from corridor.planning.instance import parse_instance

DATA = ROOT / "data" / "cep"
FIXTURES = Path(__file__).parent / "fixtures"


def referee_score(referee: Path, instance: Path, plan: Path | dict[str, Any], tmp: Path) -> float:
    if isinstance(plan, dict):
        path = tmp / "plan.json"
        path.write_text(json.dumps(plan))
        plan = path
    proc = run_referee(referee, instance, plan, "--json")
    out = json.loads(proc.stdout)
    assert out["feasible"], out["violations"][:3]
    return float(out["score"])


def referee_bound(referee: Path, instance: Path) -> float:
    proc = run_referee(referee, instance, "--bound")
    assert proc.returncode == 0, proc.stderr
    return float(proc.stdout)


def generate(referee: Path, out: Path, seed: int, **kw: Any) -> Path:
    """A generated instance (``generate.py`` beside the referee), small unless told."""
    args = {
        "gathering": 2,
        "depots": 1,
        "receptions": 1,
        "checkpoints": 1,
        "buses": 1,
        "ambulances": 1,
        "people": 80,
    } | kw
    window = args.pop("window", (480, 600))
    cargo = args.pop("cargo", False)
    cmd = [sys.executable, str(referee.parent / "generate.py"), "--seed", str(seed)]
    for k, v in args.items():
        cmd += [f"--{k}", str(v)]
    cmd += ["--window", str(window[0]), str(window[1]), "-o", str(out)]
    if cargo:
        cmd.append("--cargo")
    subprocess.run(cmd, check=True, capture_output=True)
    return out


def test_tiny_bound_is_the_proven_optimum_above_the_hand_plan(
    referee: Path, tmp_path: Path
) -> None:
    """tiny: the hand plan scores 181; the exact model proves 195, and the bound says so."""
    hand = referee_score(referee, DATA / "tiny.json", DATA / "tiny.plan.json", tmp_path)
    b = upper_bound(load_instance(DATA / "tiny.json"))
    assert hand == 181
    assert b.value == pytest.approx(195.0)
    assert b.value < referee_bound(referee, DATA / "tiny.json")  # the referee says 205
    assert b.method.startswith("milp")


def test_the_lp_alone_on_tiny_is_still_a_bound(referee: Path, tmp_path: Path) -> None:
    b = upper_bound(load_instance(DATA / "tiny.json"), exact=False)
    assert b.value >= 195.0
    assert b.value <= 205.0


@pytest.mark.parametrize("name", ["small", "medium"])
def test_bound_is_above_the_peer_plan_and_below_the_referees_bound(
    referee: Path, tmp_path: Path, name: str
) -> None:
    """The PyVRP peer's plans are feasible, so the bound must be above them; and the
    time-indexed LP is tighter than the referee's closed-form bound."""
    inst = DATA / f"{name}.json"
    peer = referee_score(referee, inst, FIXTURES / f"{name}.peer.plan.json", tmp_path)
    b = upper_bound(load_instance(inst), time_limit=20)
    assert b.value >= peer
    assert b.value <= referee_bound(referee, inst) + 1e-6
    assert b.method == "lp-time-indexed"


def test_medium_bound_is_tighter_and_names_the_lanes(referee: Path) -> None:
    b = upper_bound(load_instance(DATA / "medium.json"), time_limit=20)
    assert b.value < 0.95 * referee_bound(referee, DATA / "medium.json")
    binding = dict(b.binding)
    assert any(name.startswith("lanes K") and "out" in name for name in binding)
    assert b.cargo == pytest.approx(226.3, abs=1e-3)  # the depots hold less than is needed


def test_cargo_is_bounded_by_needs_and_supplies() -> None:
    raw = json.loads((DATA / "medium.json").read_text())
    assert cargo_bound(parse_instance(raw)) == pytest.approx(226.3, abs=1e-3)
    for d in raw["depots"]:
        d["supplies_kg"] = 10**6
    needs = sum(g.get("needs_kg", 0) for g in raw["gathering"])
    assert cargo_bound(parse_instance(raw)) == pytest.approx(0.01 * needs, abs=1e-3)


def test_an_unreachable_gathering_point_adds_nothing() -> None:
    raw = json.loads((DATA / "tiny.json").read_text())
    g = raw["gathering"][0]
    g["people"]["critical"] = 50
    base = upper_bound(parse_instance(raw), exact=False).value
    m = raw["travel"]["inside"]["minutes"]
    i = raw["travel"]["inside"]["ids"].index(g["id"])
    for j in range(len(m)):
        if j != i:
            m[i][j] = m[j][i] = None
    cut = upper_bound(parse_instance(raw), exact=False).value
    assert cut < base  # G1's 126 people can no longer be reached
    assert cut <= 129  # G2: 1 critical, 9 vulnerable, 64 general + nothing from G1


def test_quickest_minutes_cross_the_zone_only_through_a_checkpoint() -> None:
    inst = load_instance(DATA / "tiny.json")
    oi, ii, d = quickest_minutes(inst)
    # K1 outside -> G2: in-service 4 + 12.8 inside
    assert d[oi["K1"], ii["G2"]] == pytest.approx(16.8)
    # D1 -> G2 must cross K1: 69.7 + 4 + 12.8
    assert d[oi["D1"], ii["G2"]] == pytest.approx(86.5)
    # R1 -> D1 is direct (112.2), not faster through the zone (44.5 + 4 + 17 + 69.7)
    assert d[oi["R1"], oi["D1"]] == pytest.approx(112.2)


def test_no_lanes_out_means_nobody_leaves() -> None:
    raw = json.loads((DATA / "tiny.json").read_text())
    raw["checkpoints"][0]["out"]["lanes"] = 0
    assert upper_bound(parse_instance(raw)).value == 0.0


def test_a_closed_window_bounds_to_zero() -> None:
    raw = json.loads((DATA / "tiny.json").read_text())
    raw["window"] = {"open": 480, "close": 500}  # too short for any round trip
    assert upper_bound(parse_instance(raw)).value == 0.0


SMALL = settings(
    max_examples=4, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@SMALL
@given(seed=st.integers(1, 10_000))
def test_bound_is_above_the_exact_optimum_on_generated_instances(
    referee: Path, tmp_path: Path, seed: int
) -> None:
    path = generate(referee, tmp_path / f"g{seed}.json", seed)
    inst = load_instance(path)
    res = solve_exact(inst, 20)
    assert res.plan is not None
    score = referee_score(referee, path, res.plan, tmp_path)
    assert score == pytest.approx(res.score)
    lp = upper_bound(inst, exact=False)
    assert lp.value >= score - 1e-6
    assert referee_bound(referee, path) >= score - 1e-6


@SMALL
@given(seed=st.integers(1, 10_000), more=st.sampled_from([10, 30, 60]))
def test_bound_grows_with_the_window_and_with_a_lane(
    referee: Path, tmp_path: Path, seed: int, more: int
) -> None:
    path = generate(referee, tmp_path / f"m{seed}.json", seed, checkpoints=2, receptions=2, buses=3)
    raw = json.loads(path.read_text())
    base = upper_bound(parse_instance(raw), cell_minutes=2.0, exact=False).value
    wider = copy.deepcopy(raw)
    wider["window"]["close"] += more
    assert upper_bound(parse_instance(wider), cell_minutes=2.0, exact=False).value >= base - 1e-6
    laned = copy.deepcopy(raw)
    laned["checkpoints"][0]["out"]["lanes"] += 1
    assert upper_bound(parse_instance(laned), cell_minutes=2.0, exact=False).value >= base - 1e-6


@settings(
    max_examples=3, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(seed=st.integers(1, 10_000))
@example(seed=7062)  # our LP was looser than the referee's fleet round trips here
def test_bound_is_above_other_feasible_plans_with_several_checkpoints_and_cargo(
    referee: Path, tmp_path: Path, seed: int
) -> None:
    """Two checkpoints, two centres, two depots and cargo: the exact trip model does not cover
    every plan here, but its plans and the planner's are feasible, so the bound is above both."""
    from corridor.planning.solver import SolveParams, solve

    path = generate(
        referee,
        tmp_path / f"c{seed}.json",
        seed,
        gathering=4,
        depots=2,
        receptions=2,
        checkpoints=2,
        buses=4,
        people=400,
        cargo=True,
        window=(480, 720),
    )
    inst = load_instance(path)
    b = upper_bound(inst, exact=False)
    planned = solve(inst, SolveParams(time_limit=4, seed=seed, iterations=30))
    assert referee_score(referee, path, planned.plan, tmp_path) <= b.value + 1e-6
    exact = solve_exact(inst, 4, max_trips=2)
    if exact.plan is not None:
        assert referee_score(referee, path, exact.plan, tmp_path) <= b.value + 1e-6
    assert b.value <= referee_bound(referee, path) + 1e-6


def test_a_solver_cut_short_still_gives_a_valid_bound() -> None:
    """With almost no time the duals HiGHS has are certified as they are, or the closed-form
    bound is used: looser, never below the LP optimum."""
    inst = load_instance(DATA / "medium.json")
    full = upper_bound(inst, time_limit=30)
    short = upper_bound(inst, time_limit=0.01)
    assert short.value >= full.value - 1e-6
    assert short.value <= short.closed_form + 1e-6


@settings(
    max_examples=3, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(seed=st.integers(1, 10_000))
def test_the_bound_on_the_planner_s_finer_cells_is_above_every_plan_found(
    referee: Path, tmp_path: Path, seed: int
) -> None:
    """The planner refines the bound on halved cells while it searches (1-minute cells here,
    then 0.5): every grid must give a bound at or above every feasible plan, the planner's
    and the exact model's, scored by the referee."""
    from corridor.planning.bound import choose_cell
    from corridor.planning.bound_thread import FINEST_CELL
    from corridor.planning.solver import SolveParams, solve

    path = generate(referee, tmp_path / f"f{seed}.json", seed, gathering=4, depots=2,
                    receptions=2, checkpoints=2, buses=4, people=400, cargo=True,
                    window=(480, 600))  # fmt: skip
    inst = load_instance(path)
    assert choose_cell(inst) == 1.0
    planned = solve(inst, SolveParams(time_limit=4, seed=seed, iterations=30))
    scores = [referee_score(referee, path, planned.plan, tmp_path)]
    exact = solve_exact(inst, 4, max_trips=2)
    if exact.plan is not None:
        scores.append(referee_score(referee, path, exact.plan, tmp_path))
    cell = choose_cell(inst) / 2
    while cell >= FINEST_CELL:
        assert upper_bound(inst, cell_minutes=cell, exact=False).value >= max(scores) - 1e-6
        cell /= 2


class _Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


Cell = float | tuple[float, str]  # a grid, or ``(grid, "bands")``: with the point bands


def _scripted(
    monkeypatch: pytest.MonkeyPatch, values: dict[Cell, float], took: dict[Cell, float],
    cut: frozenset[Cell] = frozenset(), bands: bool = False, fleet_bound: bool = False,
) -> tuple[Any, list[Cell]]:  # fmt: skip
    """A background bound whose LP on each grid gives ``values[grid]`` after ``took[grid]``
    seconds of a fake clock (cut short on the grids in ``cut``); the grids tried. ``bands``:
    the instance is one where the point bands may help (``bands_may_help``); ``fleet_bound``:
    one where the fleet, not the lanes, binds."""
    from corridor.planning import bound_thread
    from corridor.planning.bound import points

    clock, tried = _Clock(), []

    def fake_bound(
        instance: Any, time_limit: float, params: Any, cell: float | None = None,
        limit: int | None = None,
    ) -> tuple[float, str, float]:  # fmt: skip
        assert cell is not None
        assert limit in (None, points.REFINE_COLUMNS)
        key: Cell = cell if limit is None else (cell, "bands")
        tried.append(key)
        clock.now += took[key]
        if key in cut:
            return 1e9, "closed-form (HiGHS stopped)", cell
        return values[key], "lp-time-indexed", cell

    monkeypatch.setattr(bound_thread, "monotonic", clock)
    monkeypatch.setattr(bound_thread, "bound_of", fake_bound)
    monkeypatch.setattr(points, "bands_may_help", lambda instance: bands)
    background = object.__new__(bound_thread.BoundInBackground)
    background.known = (100.0, "lp-time-indexed")
    background.fleet_bound = fleet_bound
    background.stop = threading.Event()
    background.first = threading.Event()
    return background, tried


VALUES = {2.0: 90.0, 1.0: 85.0, 0.5: 84.0, 0.25: 80.0}
TOOK = {2.0: 5.0, 1.0: 12.0, 0.5: 30.0, 0.25: 80.0}


@pytest.mark.parametrize(
    ("end", "cut", "stop", "cells", "known"),
    [
        (1000.0, frozenset(), False, [2.0, 1.0, 0.5], 84.0),  # down to FINEST_CELL, no finer
        (40.0, frozenset(), False, [2.0, 1.0], 85.0),  # 3 x 12 s after 17 s: past the end
        (5.0, frozenset(), False, [], 100.0),  # 3 x 2 s does not fit in 5
        (1000.0, frozenset({1.0}), False, [2.0, 1.0], 90.0),  # cut short: not taken, no more
        (1000.0, frozenset(), True, [], 100.0),  # the search is over
    ],
)
def test_the_background_bound_refines_while_it_fits(
    monkeypatch: pytest.MonkeyPatch, end: float, cut: frozenset[float], stop: bool,
    cells: list[float], known: float,
) -> None:  # fmt: skip
    """Refinement on a fake clock: halved cells from the first grid (4 minutes, solved in 2 s)
    while REFINE_COST times the last solve fits before the end, never below FINEST_CELL,
    never after the search has ended, and the least bound stands."""
    from corridor.planning import bound_thread

    assert (bound_thread.FINEST_CELL, bound_thread.REFINE_COST) == (0.5, 3.0)
    background, tried = _scripted(monkeypatch, VALUES, TOOK, cut)
    if stop:
        background.stop.set()
    background._refine(None, None, end, 4.0, 2.0)
    assert tried == cells
    assert background.known == (known, "lp-time-indexed")


def test_a_halving_that_does_not_lower_the_bound_is_the_last(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Where the lanes bind (medium, large) the grid does not change the bound: one halving
    shows it, and no finer LP is built beside the search."""
    background, tried = _scripted(monkeypatch, {2.0: 100.0, 1.0: 50.0}, TOOK)
    background._refine(None, None, 1000.0, 4.0, 2.0)
    assert tried == [2.0]
    assert background.known == (100.0, "lp-time-indexed")


def _generated(path: Path, args: str) -> Path:
    """An instance made by benchmarks/cep_generate.py (the benchmark's generator)."""
    generator = ROOT / "benchmarks" / "cep_generate.py"
    subprocess.run([sys.executable, str(generator), *args.split(), "-o", str(path)], check=True)
    return path


BANDED: dict[Cell, float] = {2.0: 90.0, (2.0, "bands"): 87.0, (1.0, "bands"): 83.0,
                             (0.5, "bands"): 82.0}  # fmt: skip
BANDED_STEPS: list[Cell] = [(2.0, "bands"), (1.0, "bands"), (0.5, "bands")]
BANDED_TOOK: dict[Cell, float] = {2.0: 5.0, (2.0, "bands"): 15.0, (1.0, "bands"): 40.0,
                                  (0.5, "bands"): 90.0}  # fmt: skip


@pytest.mark.parametrize(
    ("values", "end", "cells", "known"),
    [
        # after the first halving the bands, then halvings with them, down to FINEST_CELL
        (BANDED, 1000.0, [2.0, *BANDED_STEPS], 82.0),
        # 3 x 15 s after 22 s: past the end
        (BANDED, 60.0, [2.0, (2.0, "bands")], 87.0),
        # the halving did not lower the bound (the lanes bind): no bands either
        ({**BANDED, 2.0: 100.0}, 1000.0, [2.0], 100.0),
        # bands that do not lower the bound are the last step
        ({**BANDED, (2.0, "bands"): 95.0}, 1000.0, [2.0, (2.0, "bands")], 90.0),
    ],
)
def test_the_refined_bound_takes_the_point_bands_after_a_halving(
    monkeypatch: pytest.MonkeyPatch, values: dict[Cell, float], end: float,
    cells: list[Cell], known: float,
) -> None:  # fmt: skip
    """Where the point bands are too big for the first bound but may help
    (``bands_may_help``: gen-20), the refinement adds them after a first halving that lowered
    the bound, while REFINE_COST times the last solve fits, and keeps them on the finer
    grids (where the lanes bind: the fleet's case is below)."""
    background, tried = _scripted(monkeypatch, values, BANDED_TOOK, bands=True)
    background._refine(None, None, end, 4.0, 2.0)
    assert tried == cells
    assert background.known == (known, "lp-time-indexed")


@pytest.mark.parametrize(
    ("first", "end", "bands", "cells", "known"),
    [
        # the bands fit with the first halving: they come with it, then halvings with them
        (2.0, 1000.0, 96.0, [(2.0, "bands"), (1.0, "bands"), (0.5, "bands")], 82.0),
        # bands that do not lower the bound are the last step
        (2.0, 1000.0, 100.0, [(2.0, "bands")], 100.0),
        # BANDED_COST x 3 s does not fit in 22: the plain halving first (it does not lower
        # the bound), then the bands on its grid while REFINE_COST x its 5 s fits
        (3.0, 22.0, 96.0, [2.0, (2.0, "bands")], 96.0),
    ],
)
def test_where_the_fleet_binds_the_bands_come_with_the_first_halving(
    monkeypatch: pytest.MonkeyPatch, first: float, end: float, bands: float,
    cells: list[Cell], known: float,
) -> None:  # fmt: skip
    """A generated operation whose near centre is an hour from the checkpoints (seed 12 of
    gen-20's arguments): its buses' round trips bind on every grid (7,143.1 on 4-, 2- and
    1-minute cells), but the bands lower it (7,081.1 on 2-minute cells); and gen-20's bands
    fit in a 30-s search only without the plain halving before them. Where the fleet binds,
    the first halving brings the bands when BANDED_COST times the first bound's time fits;
    else the plain halving comes first, and the bands follow it even where it did not lower
    the bound (where the lanes bind, the case above, it is the last step)."""
    from corridor.planning import bound_thread

    assert bound_thread.BANDED_COST == 8.0
    values = {**BANDED, 2.0: 100.0, (2.0, "bands"): bands}
    background, tried = _scripted(monkeypatch, values, BANDED_TOOK, bands=True,
                                  fleet_bound=True)  # fmt: skip
    background._refine(None, None, end, 4.0, first)
    assert tried == cells
    assert background.known == (known, "lp-time-indexed")


def test_the_point_bands_on_a_fleet_bound_instance_stay_above_the_plans(
    referee: Path, tmp_path: Path
) -> None:
    """gen-20 of docs/benchmarks.md (160 point columns: no bands in the first bound, bands in
    the refined one): on 4-minute cells the bands lower the bound (8,036.3 to 8,012.3 on
    2026-12-06), and it stays above the planner's plan, scored by the referee."""
    from corridor.planning.bound.points import REFINE_COLUMNS, bands_may_help
    from corridor.planning.solver import SolveParams, solve

    path = _generated(tmp_path / "gen-20.json", "--seed 11 --gathering 20 --depots 2 "
                      "--receptions 3 --checkpoints 2 --buses 30 --ambulances 6 --people 8000 "
                      "--window 480 1020 --cargo")  # fmt: skip
    inst = load_instance(path)
    assert bands_may_help(inst)
    plain = upper_bound(inst, cell_minutes=4.0, exact=False).value
    banded = upper_bound(inst, cell_minutes=4.0, exact=False, points=REFINE_COLUMNS).value
    assert banded < plain - 15
    planned = solve(inst, SolveParams(time_limit=20, seed=1, iterations=60))
    assert referee_score(referee, path, planned.plan, tmp_path) <= banded + 1e-6


def test_the_planner_refines_its_bound_on_halved_cells_while_it_searches(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A generated instance whose bound is 2.4% tighter on 1-minute cells than on the
    2-minute cells chosen for its size: on the real LP, with the time to do it, the background
    bound is the finer one. (When a refinement is started is the fake-clock test's; here
    REFINE_COST is 0 and the wait long, so that the outcome does not depend on this
    machine's speed short of a first LP that needs over a minute.)"""
    from corridor.planning import bound_thread
    from corridor.planning.bound import choose_cell

    path = _generated(tmp_path / "fleet-bound.json", "--seed 18 --gathering 6 --depots 1 "
                      "--receptions 2 --checkpoints 2 --buses 8 --ambulances 2 --people 1500 "
                      "--window 480 720 --cargo")  # fmt: skip
    inst = load_instance(path)
    cell = choose_cell(inst)
    coarse = upper_bound(inst, cell_minutes=cell, exact=False).value
    fine = upper_bound(inst, cell_minutes=cell / 2, exact=False).value
    assert fine < coarse - 1e-6  # the instance is one where the finer grid pays
    monkeypatch.setattr(bound_thread, "FINEST_CELL", cell / 2)
    monkeypatch.setattr(bound_thread, "REFINE_COST", 0.0)
    background = bound_thread.BoundInBackground(inst, frozenset(), 120.0)
    background.wait(monotonic() + 120.0)
    assert background.first.is_set()
    assert background.known[0] == pytest.approx(fine)
    assert background.known[1] == "lp-time-indexed"


def test_the_quick_handover_is_restored_after_the_last_bound() -> None:
    """Bounds solved at once (the service may plan several operations together) share the
    short switch interval; the interpreter's own comes back when the last one ends, even if
    one ends with an error."""
    from corridor.planning import bound_thread

    before = sys.getswitchinterval()
    first, second = bound_thread._quick_handover(), bound_thread._quick_handover()
    first.__enter__()
    assert sys.getswitchinterval() == pytest.approx(bound_thread.SWITCH_SECONDS)
    second.__enter__()
    first.__exit__(None, None, None)
    assert sys.getswitchinterval() == pytest.approx(bound_thread.SWITCH_SECONDS)
    with pytest.raises(RuntimeError), bound_thread._quick_handover():
        raise RuntimeError("a bound that failed")
    assert sys.getswitchinterval() == pytest.approx(bound_thread.SWITCH_SECONDS)
    second.__exit__(None, None, None)
    assert sys.getswitchinterval() == pytest.approx(before)


EXITS_AT_ONCE = """
import atexit, sys
threads = []
# Registered first, so it runs last: after the bound module's own handler.
atexit.register(lambda: print("alive at shutdown:", [t.is_alive() for t in threads]))
from corridor.adapters.cep_files import load_instance
from corridor.planning.bound_thread import BoundInBackground
bound = BoundInBackground(load_instance(sys.argv[1]), frozenset(), 2.0)
threads.append(bound._thread)
"""


def test_a_process_that_ends_while_the_bound_is_solved_waits_for_it() -> None:
    """A HiGHS solve that returned while Python was shutting down aborted the command after
    its plan was written (exit code 134, "terminate called without an active exception"):
    a bound still solving at exit is now waited for, its LP ending at its own time limit."""
    run = subprocess.run(
        [sys.executable, "-c", EXITS_AT_ONCE, str(ROOT / "data" / "cep" / "large.json")],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-2000:]
    assert "alive at shutdown: [False]" in run.stdout, run.stdout
    assert "terminate called" not in run.stderr
