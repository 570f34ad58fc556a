"""A refused noise parameter carries the value that was sent: over HTTP, the problem's
``errors[].value`` (it was ``null``), and in the error the CLI prints."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from corridor.simulation.params import NoiseParams, NoiseParamsError, parse_settings


@pytest.mark.parametrize(
    ("values", "where", "value"),
    [
        ({"travel_sigma": -1}, "noise: travel_sigma", -1),
        ({"service_sigma": 4.5}, "noise: service_sigma", 4.5),
        ({"rain": 1.0}, "noise: rain", 1.0),
        ({"repair_median": "long"}, "noise: repair_median", "long"),
        ([0.1], "noise", [0.1]),
    ],
)
def test_the_error_carries_the_value_sent(values: Any, where: str, value: object) -> None:
    with pytest.raises(NoiseParamsError) as got:
        NoiseParams().with_overrides(values, "noise")
    assert got.value.where == where
    assert got.value.value == value


def test_a_setting_that_is_not_a_number_carries_it() -> None:
    with pytest.raises(NoiseParamsError) as got:
        parse_settings(["travel_sigma=fast"])
    assert got.value.value == "fast"


@pytest.fixture
def started(tmp_path: Path) -> Iterator[tuple[Any, int]]:
    """The service's app, and a finished plan of the tiny example to simulate."""
    from service.conftest import make_api
    from service.test_simulation_api import stored_plan

    for api in make_api(tmp_path, None):
        yield api, stored_plan(api)


@pytest.mark.parametrize(
    ("noise", "field", "value"),
    [
        ({"travel_sigma": -1}, "noise: travel_sigma", -1),
        ({"rain": 1.0}, "noise: rain", 1.0),
        ({"suspension_sigma": 7}, "noise: suspension_sigma", 7),
    ],
)
def test_over_http_the_problem_names_the_value(
    started: tuple[Any, int], noise: dict[str, float], field: str, value: float
) -> None:
    api, plan_id = started
    r = api.post("coordinator", "/v1/simulations", {"plan_id": plan_id, "noise": noise})
    assert r.status_code == 422, r.text
    error = r.json()["errors"][0]
    assert error["field"] == field
    assert error["value"] == value  # was null
    assert field.split(": ")[1] in r.json()["detail"]
