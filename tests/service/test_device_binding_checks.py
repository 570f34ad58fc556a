"""Binding a Traccar Client device (a driver's phone) to a vehicle, through the HTTP API: while
a plan is in force the vehicle must be one of the plan's (the Andorra example published,
SQLite), else 422 naming ``vehicle`` and the value sent, and nothing is stored (no binding, no
new key, no audit record; an earlier binding of the same device keeps working). Before any plan
is published there is nothing to check against: any vehicle is bound, as before."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from .conftest import Api
from .test_checkin_checks import BUS, Operation, at, published


@pytest.fixture(scope="module")
def operation(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Operation]:
    yield from published(tmp_path_factory.mktemp("devices"))


def bind(api: Api, device_id: str, vehicle: str) -> Any:
    return api.client.put(
        f"/v1/devices/{device_id}", json={"vehicle": vehicle}, headers=api.h("coordinator")
    )


def devices(api: Api) -> list[tuple[str, str, Any]]:
    listed = api.get("coordinator", "/v1/devices").json()
    return [(d["device_id"], d["vehicle"], d["revoked_at"]) for d in listed]


def device_audit(api: Api) -> list[dict[str, Any]]:
    rows = api.get("coordinator", "/v1/audit", params={"limit": 1000}).json()
    return [r for r in rows if "device:" in str(r)]


def test_a_vehicle_not_of_the_plan_in_force_is_refused_and_nothing_stored(
    operation: Operation,
) -> None:
    api = operation.api
    before = devices(api), device_audit(api)
    r = bind(api, "phone-99", "D-XXX/bus/99")
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == "application/problem+json"
    error = r.json()["errors"][0]
    assert (error["field"], error["value"]) == ("vehicle", "D-XXX/bus/99"), error
    assert "D-XXX/bus/99" in error["problem"]
    assert (devices(api), device_audit(api)) == before


def test_rebinding_to_a_vehicle_not_of_the_plan_keeps_the_binding_before(
    operation: Operation,
) -> None:
    api = operation.api
    r = bind(api, "phone-1", BUS)
    assert r.status_code == 201, r.text
    key = r.json()["key"]
    before = devices(api), device_audit(api)
    assert ("phone-1", BUS, None) in before[0]
    r = bind(api, "phone-1", "D-XXX/bus/99")
    assert r.status_code == 422, r.text
    assert (devices(api), device_audit(api)) == before
    # The key issued before still reports for the planned vehicle.
    stamp = int(at(7, 30).timestamp())
    params = {"id": "phone-1", "lat": "42.505", "lon": "1.515", "timestamp": str(stamp)}
    r = api.client.get(f"/v1/osmand/{key}", params=params)
    assert (r.status_code, r.json()) == (200, {"accepted": 1, "duplicates": 0})
    latest = api.get("coordinator", "/v1/positions/latest", params={"vehicle": BUS}).json()
    assert [p["client_id"].startswith("osmand-phone-1-") for p in latest] == [True]


def test_before_any_plan_any_vehicle_is_bound(sqlite_api: Api) -> None:
    """Nothing to check against yet: the coordinator may bind phones ahead of the plan."""
    r = bind(sqlite_api, "phone-early", "D-XXX/bus/99")
    assert r.status_code == 201, r.text
    assert devices(sqlite_api) == [("phone-early", "D-XXX/bus/99", None)]
