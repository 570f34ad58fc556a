"""The bound charges a loaded visit the trip through its farthest boarding point (the bands of
corridor.planning.bound.points): tighter where the fleet binds and the people wait far from
the checkpoints, and still at or above the exact optimum (docs/planning-bound.md)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from small_instances import CLASSES, small_instances

from corridor.planning.bound import points, upper_bound
from corridor.planning.exact import solve_exact
from corridor.planning.instance import Instance, parse_instance


def _unbanded(inst: Instance) -> float:
    """The bound as it was before the bands: every loaded visit as short as the nearest."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(points, "MAX_COLUMNS", -1)
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


@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(raw=small_instances(complete=True))
def test_the_banded_bound_is_between_the_exact_optimum_and_the_old_bound(
    raw: dict[str, Any],
) -> None:
    """Per-type roads (null legs included), vehicle limits: exact <= banded <= unbanded."""
    inst = parse_instance(raw)
    exact = solve_exact(inst, 20)
    assume(exact.optimal)
    banded = upper_bound(inst, exact=False).value
    assert banded >= exact.score - 1e-6
    assert banded <= _unbanded(inst) + 1e-6
