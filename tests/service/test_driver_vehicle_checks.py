"""A driver's vehicle against the plan in force, through the HTTP API (the Andorra example
agreed, planned and published, SQLite).

Creating a driver account (``POST /v1/users``) follows the rule of binding a device: while a
plan is in force the vehicle must be one of the plan's, else 422 naming ``vehicle`` and the value
sent, and nothing is stored (no user, no token, no audit record). Before any plan any vehicle
is taken, and a device or a driver bound then (or under an earlier version) may name a vehicle
the plan published afterwards does not have: every report of it would be refused, so
``GET /v1/devices`` and ``GET /v1/users`` say so per entry (``vehicle_in_plan``: true, false, or
null while no plan is in force or for an account with no vehicle).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from live.conftest import PUBLISH_AT, planned

from corridor.adapters.clock import FixedClock

from .conftest import Api, make_api
from .test_checkin_checks import BUS

STRAY = "D-XXX/bus/99"


@dataclass
class Published:
    """The app after the plan was published, and what the lists said just before it."""

    api: Api
    devices_before: list[dict[str, Any]]
    users_before: list[dict[str, Any]]


def bind(api: Api, device_id: str, vehicle: str) -> Any:
    return api.client.put(
        f"/v1/devices/{device_id}", json={"vehicle": vehicle}, headers=api.h("coordinator")
    )


def new_driver(api: Api, name: str, vehicle: str) -> Any:
    admin = api.h("admin")
    org = api.client.get("/v1/organisations", headers=admin).json()[0]["id"]
    body = {"organisation_id": org, "name": name, "role": "driver", "vehicle": vehicle}
    return api.client.post("/v1/users", json=body, headers=admin)


def in_plan(listed: list[dict[str, Any]], key: str) -> dict[str, Any]:
    """``key`` of each entry → its ``vehicle_in_plan`` (a KeyError if the list lacks it)."""
    return {e[key]: e["vehicle_in_plan"] for e in listed}


def devices(api: Api) -> list[dict[str, Any]]:
    return api.get("coordinator", "/v1/devices").json()  # type: ignore[no-any-return]


def users(api: Api) -> list[dict[str, Any]]:
    return api.get("admin", "/v1/users").json()  # type: ignore[no-any-return]


def account_audit(api: Api) -> list[dict[str, Any]]:
    rows = api.get("admin", "/v1/audit", params={"limit": 1000}).json()
    return [r for r in rows if str(r["action"]).startswith("accounts.")]


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Published]:
    """A device and a driver bound to a vehicle the plan will not have, and one of each to a
    vehicle it will have, all before the first plan; then the plan published."""
    app = make_api(
        tmp_path_factory.mktemp("drivers"), None, clock=FixedClock(PUBLISH_AT),
        live_sweep_seconds=0,
    )  # fmt: skip
    api = next(app)
    for device, vehicle in (("phone-stray", STRAY), ("phone-bus", BUS)):
        assert bind(api, device, vehicle).status_code == 201
    for name, vehicle in (("stray-driver", STRAY), ("bus-driver", BUS)):
        r = new_driver(api, name, vehicle)
        assert r.status_code == 201, r.text
    devices_before, users_before = devices(api), users(api)
    plan = planned(api)
    r = api.post("coordinator", f"/v1/plans/{plan['id']}/publish", {})
    assert r.status_code == 201, r.text
    yield Published(api, devices_before, users_before)
    with contextlib.suppress(StopIteration):
        next(app)


def test_a_driver_of_a_vehicle_not_of_the_plan_in_force_is_refused_and_nothing_stored(
    published: Published,
) -> None:
    api = published.api
    before = users(api), account_audit(api)
    r = new_driver(api, "driver-99", STRAY)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == "application/problem+json"
    error = r.json()["errors"][0]
    assert (error["field"], error["value"]) == ("vehicle", STRAY), error
    assert STRAY in error["problem"]
    assert (users(api), account_audit(api)) == before


def test_a_driver_of_a_vehicle_of_the_plan_in_force_is_created(published: Published) -> None:
    api = published.api
    r = new_driver(api, "driver-bus-1", "D-AND/bus/1")
    assert r.status_code == 201, r.text
    assert in_plan(users(api), "name")["driver-bus-1"] is True


def test_before_any_plan_nothing_is_said_of_any_vehicle(published: Published) -> None:
    """Before the plan, a stray vehicle was bound and given a driver; nothing to check it
    against: null for every entry."""
    before = in_plan(published.devices_before, "device_id")
    assert before == {"phone-stray": None, "phone-bus": None}
    assert set(in_plan(published.users_before, "name").values()) == {None}


def test_a_device_bound_before_the_plan_to_a_vehicle_it_lacks_is_shown_so(
    published: Published,
) -> None:
    listed = in_plan(devices(published.api), "device_id")
    assert listed == {"phone-stray": False, "phone-bus": True}


def test_a_driver_created_before_the_plan_for_a_vehicle_it_lacks_is_shown_so(
    published: Published,
) -> None:
    listed = in_plan(users(published.api), "name")
    assert (listed["stray-driver"], listed["bus-driver"]) == (False, True)
    # make_api's drivers drive D1/bus/k, which the Andorra plan does not have.
    assert (listed["driver"], listed["driver2"]) == (False, False)
    # An account with no vehicle has nothing to be in the plan.
    assert (listed["coordinator"], listed["admin"]) == (None, None)
