"""What lets the planner take a city-size operation: partial closures of big sides, lane
timelines kept as free gaps, the bound on the other core, and the generator copied beside the
benchmark. Each is checked against a plain oracle."""

from __future__ import annotations

import itertools
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import REFEREE, ROOT
from hypothesis import given, settings
from hypothesis import strategies as st

from corridor.adapters.cep_files import load_instance
from corridor.planning import travel
from corridor.planning.lanes import LaneTimeline
from corridor.planning.solver import SolveParams, solve

DATA = ROOT / "data" / "cep"


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(3, 25),
    seed=st.integers(0, 10_000),
    n_ends=st.integers(1, 4),
    holes=st.floats(0.0, 0.5),
)
def test_a_partial_closure_is_exact_from_and_to_the_checkpoints(
    n: int, seed: int, n_ends: int, holes: float
) -> None:
    """Oracle: the full Floyd-Warshall closure. From and to each place no drive passes through
    (a checkpoint), the partial closure gives the same minutes, and the path it spells out
    sums its direct legs to them and passes no checkpoint."""
    rng = np.random.default_rng(seed)
    direct = rng.uniform(1, 50, (n, n))
    direct[rng.random((n, n)) < holes] = np.nan
    np.fill_diagonal(direct, 0)
    ids = [f"p{i}" for i in range(n)]
    ends = set(rng.choice(n, size=min(n_ends, n), replace=False).tolist())
    via = {ids[i] for i in range(n) if i not in ends}
    full = travel.close_side(ids, direct, via)
    part = travel._partial_closure(
        ids, direct, np.where(np.isnan(direct), np.inf, direct), sorted(ends)
    )
    for e in ends:
        assert np.allclose(full.minutes[e, :], part.minutes[e, :])
        assert np.allclose(full.minutes[:, e], part.minutes[:, e])
        for j in range(n):
            for a, b in ((e, j), (j, e)):
                if a != b and np.isfinite(part.minutes[a, b]):
                    path = part.path(a, b)
                    legs = sum(direct[x, y] for x, y in itertools.pairwise(path))
                    assert legs == pytest.approx(part.minutes[a, b])
                    assert not ends & set(path[1:-1])


@settings(max_examples=200, deadline=None)
@given(
    lanes=st.integers(1, 3),
    service=st.floats(0.5, 20.0),
    asks=st.lists(st.floats(0.0, 300.0), min_size=1, max_size=30),
    query=st.floats(0.0, 400.0),
)
def test_the_earliest_slot_is_the_first_that_fits(
    lanes: int, service: float, asks: list[float], query: float
) -> None:
    """Oracle: a scan of every candidate start (the query and each booked end) on each lane."""
    t = LaneTimeline(lanes, service)
    booked: list[list[tuple[float, float]]] = [[] for _ in range(lanes)]
    for ask in asks:
        start, lane = t.earliest(ask)
        t.reserve(lane, start, start + service)
        booked[lane].append((start, start + service))
    best = float("inf")
    for busy in booked:
        for cand in sorted({query, *(e for _, e in busy if e >= query)}):
            if all(cand + service <= s or cand >= e for s, e in busy):
                best = min(best, cand)
                break
    assert t.earliest(query)[0] == pytest.approx(best)


def test_the_copied_generator_gives_the_same_bytes(tmp_path: Path) -> None:
    original = REFEREE.parent / "generate.py"
    if not original.exists():
        pytest.skip(f"the shared generator is not at {original}")
    args = ["--seed", "5", "--gathering", "30", "--depots", "2", "--receptions", "3",
            "--checkpoints", "3", "--buses", "20", "--ambulances", "4", "--people", "5000",
            "--window", "480", "960", "--cargo"]  # fmt: skip
    ours, theirs = tmp_path / "a.json", tmp_path / "b.json"
    copy = ROOT / "benchmarks" / "cep_generate.py"
    subprocess.run([sys.executable, str(copy), *args, "-o", str(ours)], check=True)
    subprocess.run([sys.executable, str(original), *args, "-o", str(theirs)], check=True)
    assert ours.read_bytes() == theirs.read_bytes()


def test_the_bound_beside_the_search_is_a_bound(referee: Path) -> None:
    """Without --iterations the bound is solved in a thread while the search runs; it comes
    in time on medium and is what the sequential bound gives."""
    inst = load_instance(DATA / "medium.json")
    res = solve(inst, SolveParams(time_limit=8, seed=3))
    assert res.bound_method == "lp-time-indexed"
    assert res.score <= res.upper_bound
    fixed = solve(inst, SolveParams(time_limit=30, seed=3, iterations=1))
    assert res.upper_bound == pytest.approx(fixed.upper_bound)
