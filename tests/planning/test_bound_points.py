"""The bound charges a loaded visit the trip through its farthest boarding point (the bands of
corridor.planning.bound.points) and the boarding minutes of its size of load (the sizes of
corridor.planning.bound.network): tighter where the fleet binds, the people wait far from the
checkpoints and boarding takes time, and still at or above the exact optimum
(docs/planning-bound.md)."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from small_instances import CLASSES, small_instances
from test_bound import generate, referee_score

from corridor.adapters.cep_files import load_instance
from corridor.planning.bound import network, points, upper_bound
from corridor.planning.bound.upper import lp_people
from corridor.planning.exact import solve_exact
from corridor.planning.instance import Instance, parse_instance
from corridor.planning.solver import SolveParams, solve


def _unbanded(inst: Instance) -> float:
    """The bound as it was before the bands and sizes: every loaded visit as short as the
    nearest point's, its boarding minutes paid from waits alone."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(points, "MAX_COLUMNS", -1)
        mp.setattr(network, "load_sizes", lambda room, per_person: [(0.0, float(room))])
        return upper_bound(inst, exact=False).value


def _far_and_near() -> dict[str, Any]:
    """One bus, ten people 2 minutes from the checkpoint and 500 at 30 minutes."""
    return {
        "format": "cep/1",
        "name": "far-and-near",
        "window": {"open": 0, "close": 200},
        "classes": CLASSES,
        "stop_time": {"fixed": 2, "per_person": 0},
        "vehicle_types": {"bus": {"seats": 50}},
        "depots": [{"id": "D1", "fleet": {"bus": 1}}],
        "receptions": [{"id": "R1", "capacity": 10000}],
        "checkpoints": [
            {"id": "K1", "in": {"service": 1, "lanes": 5}, "out": {"service": 1, "lanes": 5}}
        ],
        "gathering": [
            {"id": "G1", "people": {"general": 10}},
            {"id": "G2", "people": {"general": 500}},
        ],
        "travel": {
            "outside": {
                "ids": ["D1", "R1", "K1"],
                "minutes": [[0, 15, 10], [15, 0, 5], [10, 5, 0]],
            },
            "inside": {
                "ids": ["K1", "G1", "G2"],
                "minutes": [[0, 2, 30], [2, 0, 29], [30, 29, 0]],
            },
        },
    }


def test_far_people_cost_the_drive_to_them() -> None:
    """With every visit as short as the nearest point's, one bus would bring out nearly
    everyone; a visit to the far point takes an hour, so the bound falls to what the bus
    can do, and stays at or above the exact optimum."""
    inst = parse_instance(_far_and_near())
    banded = upper_bound(inst, exact=False).value
    assert banded < 0.6 * _unbanded(inst)
    exact = solve_exact(inst, 30)
    assert exact.optimal
    assert exact.score <= banded + 1e-6


def test_where_the_fleet_binds_each_load_pays_its_boarding(referee: Path, tmp_path: Path) -> None:
    """gen-20 of docs/benchmarks.md (36 vehicles, near beds for 58 loads, the rest 150
    minutes away): with the bands and the sizes of load the bound falls by more than a
    hundred, and stays above the planner's plan (which the referee judges)."""
    path = generate(
        referee, tmp_path / "gen-20.json", 11, gathering=20, depots=2, receptions=3,
        checkpoints=2, buses=30, ambulances=6, people=8000, window=(480, 1020), cargo=True,
    )  # fmt: skip
    inst = load_instance(path)
    tighter = upper_bound(inst, exact=False).value
    assert tighter < _unbanded(inst) - 100
    planned = solve(inst, SolveParams(time_limit=10, seed=1, iterations=6))
    assert referee_score(referee, path, planned.plan, tmp_path) <= tighter + 1e-6


@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(raw=small_instances(complete=True))
def test_the_banded_bound_is_between_the_exact_optimum_and_the_old_bound(
    raw: dict[str, Any],
) -> None:
    """Per-type roads (null legs included), vehicle limits, boarding minutes per person or
    none: exact <= with bands and sizes <= without."""
    inst = parse_instance(raw)
    exact = solve_exact(inst, 20)
    assume(exact.optimal)
    banded = upper_bound(inst, exact=False).value
    assert banded >= exact.score - 1e-6
    assert banded <= _unbanded(inst) + 1e-6


def _spread(steps: list[int], mass: list[float], chosen: list[int]) -> float:
    """People-cells by which the bands ``chosen`` shorten the trips (what placement lowers)."""
    total = 0.0
    for t, (s, w) in enumerate(zip(steps, mass, strict=True)):
        band = max(i for i in chosen if i <= t)
        total += w * (s - steps[band])
    return total


@settings(max_examples=200, deadline=None)
@given(
    gaps=st.lists(st.integers(1, 6), min_size=1, max_size=9),
    weights=st.lists(st.floats(0, 50, allow_nan=False), min_size=10, max_size=10),
    most=st.integers(1, 5),
)
def test_bands_go_where_they_shorten_the_trips_least(
    gaps: list[int], weights: list[float], most: int
) -> None:
    """Against every choice of bands (the first always among them), by brute force."""
    steps = [int(x) for x in np.cumsum([3, *gaps])]
    mass = weights[: len(steps)]
    chosen = points.place_bands(steps, mass, most)
    assert chosen[0] == 0
    assert chosen == sorted(set(chosen))
    assert len(chosen) == min(most, len(steps))
    rest = range(1, len(steps))
    best = min(
        _spread(steps, mass, [0, *pick])
        for k in range(min(most, len(steps)))
        for pick in itertools.combinations(rest, k)
    )
    assert _spread(steps, mass, chosen) == pytest.approx(best, abs=1e-9)


def _direct_band_rows(
    lp: Any, band_arcs: list[tuple[float, Any, float]], u: list[tuple[int, float]],
    total: float, fam: str,
) -> None:  # fmt: skip
    """The band rows as first written: row ``j`` holds every loaded arc of the bands ``≥ j``."""
    for least in sorted({t for t, _, _ in band_arcs}):
        far = [c for c, trip in u if trip >= least]
        if far:
            row = lp.add_row(0.0, far, family=fam)
            for t, cols, cap in band_arcs:
                if t >= least:
                    lp.entries(np.full(len(cols), row), cols, -cap)


def test_the_compact_band_rows_make_the_same_lp(referee: Path, tmp_path: Path) -> None:
    """One column per band carrying the room of the bands above it (each loaded arc in one
    row) gives the LP the rows with every arc of the bands above gave: on gen-20 (20 points,
    up to 8 bands a pair, 8-minute cells) and the far-and-near bus."""
    path = generate(
        referee, tmp_path / "gen-20.json", 11, gathering=20, depots=2, receptions=3,
        checkpoints=2, buses=30, ambulances=6, people=8000, window=(480, 1020), cargo=True,
    )  # fmt: skip
    for inst, cell in ((load_instance(path), 8.0), (parse_instance(_far_and_near()), 2.0)):
        compact, _ = lp_people(inst, cell, None, None, points.REFINE_COLUMNS)
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(points, "_band_rows", _direct_band_rows)
            direct, _ = lp_people(inst, cell, None, None, points.REFINE_COLUMNS)
        unbanded, _ = lp_people(inst, cell, None, None, -1)
        assert compact == pytest.approx(direct, rel=1e-7)
        assert compact < unbanded - 1.0  # the bands bind here
