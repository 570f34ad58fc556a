"""How far outside the operation's area a position may lie and still be trusted is the setting
``CORRIDOR_LIVE_AREA_MARGIN_KM`` (50 km by default): through the HTTP API against the Andorra
example published (SQLite), a report 30 km south of the box around the scenario's places is
trusted with a margin of 50 km, and kept flagged ``suspect``, never the vehicle's latest, with
a margin of 20 km. A margin that is not a finite number above 0 stops the start with an error
naming the setting and the value."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from live.conftest import PUBLISH_AT, planned

from corridor.adapters.clock import FixedClock
from corridor.domain.tracking import LiveParams
from corridor.errors import InputError
from corridor.services.operation_scope import M_PER_DEGREE, scope_of
from corridor.settings import load_settings

from .conftest import Api, make_api
from .test_checkin_checks import BUS, at

#: How far (km) south of the operation's area the report lies.
OUTSIDE_KM = 30.0


def published_with(tmp: Path, margin_km: float) -> Iterator[Api]:
    """The Andorra plan published on a service whose area margin is ``margin_km``, at 07:30."""
    clock = FixedClock(PUBLISH_AT)
    app = make_api(tmp, None, clock=clock, live_sweep_seconds=0, live_area_margin_km=margin_km)
    api = next(app)
    plan = planned(api)
    r = api.post("coordinator", f"/v1/plans/{plan['id']}/publish", {})
    assert r.status_code == 201, r.text
    clock.set(at(7, 30))
    yield api
    with contextlib.suppress(StopIteration):
        next(app)


@pytest.fixture(scope="module", params=[20.0, 50.0], ids=["margin-20km", "margin-50km"])
def margin_api(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[float, Api]]:
    margin = float(request.param)
    for api in published_with(tmp_path_factory.mktemp(f"margin{margin:g}"), margin):
        yield margin, api


def south_of_area(api: Api, km: float) -> tuple[float, float]:
    """A point ``km`` due south of the box around the operation's places (lat, lon)."""
    uow = api.service.uow()
    with uow:
        scope = scope_of(uow)
    assert scope is not None
    assert scope.box is not None
    west, south, east, _ = scope.box
    point = (south - km * 1000 / M_PER_DEGREE, (west + east) / 2)
    assert scope.metres_outside(*point) == pytest.approx(km * 1000)
    return point


def report(client_id: str, lat: float, lon: float) -> dict[str, Any]:
    return {"client_id": client_id, "vehicle": BUS, "at": at(7, 30).isoformat(),
            "lat": lat, "lon": lon, "speed_kmh": 20}  # fmt: skip


def test_a_report_30_km_outside_is_trusted_by_the_margin_setting(
    margin_api: tuple[float, Api],
) -> None:
    margin, api = margin_api
    trusted = margin > OUTSIDE_KM
    lat, lon = south_of_area(api, OUTSIDE_KM)
    r = api.post("coordinator", "/v1/positions", {"positions": [report("south", lat, lon)]})
    assert (r.status_code, r.json()) == (200, {"accepted": 1, "duplicates": 0})
    (stored,) = api.get("coordinator", "/v1/positions").json()
    assert stored["suspect"] == (None if trusted else "lat/lon outside the area")
    latest = api.get("coordinator", "/v1/positions/latest", params={"vehicle": BUS}).json()
    assert [p["client_id"] for p in latest] == (["south"] if trusted else [])


@pytest.mark.parametrize("value", [0.0, -5.0, float("inf"), float("nan")])
def test_a_margin_that_is_not_a_finite_number_above_0_is_refused(
    tmp_path: Path, value: float
) -> None:
    with pytest.raises(InputError) as exc:
        load_settings(data_dir=tmp_path, live_area_margin_km=value)
    assert exc.value.where == "CORRIDOR_LIVE_AREA_MARGIN_KM"
    assert repr(value) in exc.value.problem
    with pytest.raises(ValueError, match=f"area_margin_km must be a number > 0, got {value!r}"):
        LiveParams(area_margin_km=value)


@pytest.mark.parametrize("raw", ["0", "inf", "nan", "fifty"])
def test_a_bad_margin_in_the_environment_names_the_setting_and_the_value(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, raw: str
) -> None:
    monkeypatch.setenv("CORRIDOR_LIVE_AREA_MARGIN_KM", raw)
    with pytest.raises(InputError) as exc:
        load_settings(data_dir=tmp_path)
    assert exc.value.where == "CORRIDOR_LIVE_AREA_MARGIN_KM"
    assert repr(raw) in exc.value.problem


def test_the_margin_setting_reaches_the_live_thresholds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert load_settings(data_dir=tmp_path).live_params.area_margin_km == 50.0
    monkeypatch.setenv("CORRIDOR_LIVE_AREA_MARGIN_KM", "12.5")
    assert load_settings(data_dir=tmp_path).live_params.area_margin_km == 12.5
