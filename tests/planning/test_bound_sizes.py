"""Each load pays its own boarding and alighting in the bound's arcs, and no more
(docs/planning-bound.md, "Each load pays its own boarding").

One bus of 3 seats, 5 minutes a person to board or alight, a window that closes as the last
out-crossing of the plan ends: one more person would need 5 minutes more. The relaxation
must keep the plan (at or above its score): sizes of load that paid for one person too many
(every size paying ``per_person × (q_i + 2)``) lose every one of these plans. And since its
arcs and waits together pay every person's minutes but for a cell of rounding, it cannot fit
one more (below the score + 1).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from test_bound import referee_score

from corridor.planning.bound import upper_bound
from corridor.planning.bound.upper import lp_people
from corridor.planning.check import check_plan
from corridor.planning.instance import parse_instance

PER_PERSON = 5.0


def _instance(close: float) -> dict[str, Any]:
    return {
        "format": "cep/1",
        "name": "sizes",
        "window": {"open": 0, "close": close},
        "classes": {"general": {"weight": 1}},
        "stop_time": {"fixed": 1, "per_person": PER_PERSON},
        "vehicle_types": {"bus": {"seats": 3, "stretchers": 0}},
        "depots": [{"id": "D1", "fleet": {"bus": 1}}],
        "receptions": [{"id": "R1", "capacity": 10}],
        "checkpoints": [
            {"id": "K1", "in": {"service": 1, "lanes": 1}, "out": {"service": 1, "lanes": 1}}
        ],
        "gathering": [{"id": "G1", "people": {"general": 5}}],
        "travel": {
            "outside": {
                "ids": ["D1", "R1", "K1"],
                "minutes": [[0, 5, 5], [5, 0, 2], [5, 2, 0]],
            },
            "inside": {"ids": ["K1", "G1"], "minutes": [[0, 2], [2, 0]]},
        },
    }


def _trip(t: float, board: int, stops: list[dict[str, Any]]) -> float:
    """In at ``t``, board ``board`` at G1, out, alight at R1; returns when it leaves R1."""
    stay = 1 + PER_PERSON * board
    stops += [
        {"at": "K1", "dir": "in", "arrive": t, "start": t, "end": t + 1},
        {"at": "G1", "arrive": t + 3, "depart": t + 3 + stay, "board": {"general": board}},
        {"at": "K1", "dir": "out", "arrive": t + 5 + stay, "start": t + 5 + stay,
         "end": t + 6 + stay},
        {"at": "R1", "arrive": t + 8 + stay, "depart": t + 8 + 2 * stay,
         "alight": {"general": board}},
    ]  # fmt: skip
    return t + 8 + 2 * stay


def _plan(loads: list[int]) -> tuple[dict[str, Any], float]:
    """The plan of these loads, back to back, and when its last out-crossing ends."""
    stops: list[dict[str, Any]] = [{"at": "D1", "arrive": -5, "depart": -5}]
    t = 0.0
    for load in loads:
        t = _trip(t, load, stops) + 2  # the drive back to K1
    last_out = next(s["end"] for s in reversed(stops) if s.get("dir") == "out")
    plan = {"format": "cep-plan/1", "instance": "sizes",
            "routes": [{"vehicle": "D1/bus/0", "stops": stops}]}  # fmt: skip
    return plan, float(last_out)


#: One trip of 1, 2 or 3 (each size of the bus's loads); two trips, 1 then 3, where the first
#: one's alighting lies inside the window (the legs' sizes) and 2 then 2 would not fit.
CASES = [[1], [2], [3], [1, 3]]


@pytest.mark.parametrize("loads", CASES, ids=lambda c: "+".join(map(str, c)))
def test_the_sizes_of_load_keep_the_plan_and_fit_no_one_more(loads: list[int]) -> None:
    plan, close = _plan(loads)
    raw = _instance(close)
    result = check_plan(raw, plan)
    assert result.feasible, result.violations
    best = sum(loads)
    assert result.score == best
    inst = parse_instance(raw)
    for cell in (0.5, 1.0):
        people, _ = lp_people(inst, cell, None)
        assert best - 1e-6 <= people < best + 1, (cell, people)
    assert upper_bound(inst, exact=False).value >= best - 1e-6


def test_the_referee_scores_the_plans(referee: Path, tmp_path: Path) -> None:
    for loads in CASES:
        plan, close = _plan(loads)
        path = tmp_path / "sizes.json"
        path.write_text(json.dumps(_instance(close)))
        assert referee_score(referee, path, plan, tmp_path) == sum(loads)
