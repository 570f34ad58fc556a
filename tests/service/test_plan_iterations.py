"""The iteration cap of POST /v1/plans and /v1/replan: a whole number from 0 to 100,000, or
absent; anything else is refused naming the field (a true/false is not a count). The same for
``ahead``, the minutes a loaded vehicle waits at its out-lane at most."""

from __future__ import annotations

from typing import Any

import pydantic
import pytest

from corridor.entrypoints.http.routers.live import ReplanIn
from corridor.entrypoints.http.schemas import PlanIn


def _plan(**extra: Any) -> PlanIn:
    return PlanIn(scenario_id=1, corridor="c", **extra)


@pytest.mark.parametrize("make", [_plan, ReplanIn], ids=["plan", "replan"])
@pytest.mark.parametrize("value", [-1, 100_001, "20", True, 2.5])
def test_a_bad_cap_is_refused_naming_the_field(make: Any, value: object) -> None:
    with pytest.raises(pydantic.ValidationError) as refused:
        make(iterations=value)
    assert refused.value.errors()[0]["loc"] == ("iterations",)


@pytest.mark.parametrize("make", [_plan, ReplanIn], ids=["plan", "replan"])
def test_no_cap_or_a_whole_number(make: Any) -> None:
    assert make().iterations is None
    assert make(iterations=0).iterations == 0
    assert make(iterations=20).iterations == 20


@pytest.mark.parametrize("make", [_plan, ReplanIn], ids=["plan", "replan"])
@pytest.mark.parametrize("value", [-1, 600.5, float("nan"), float("inf"), "20", True])
def test_a_bad_ahead_is_refused_naming_the_field(make: Any, value: object) -> None:
    """``ahead`` (corridor plan --ahead): minutes from 0 to 600; a true/false, a text or a
    non-number is not a number of minutes."""
    with pytest.raises(pydantic.ValidationError) as refused:
        make(ahead=value)
    assert refused.value.errors()[0]["loc"] == ("ahead",)


@pytest.mark.parametrize("make", [_plan, ReplanIn], ids=["plan", "replan"])
def test_ahead_is_the_planner_s_default_or_minutes(make: Any) -> None:
    from corridor.planning.retime import BUFFER

    assert make().ahead == BUFFER
    assert make(ahead=0).ahead == 0.0
    assert make(ahead=12.5).ahead == 12.5
