"""Traccar Client's OsmAnd protocol: a device bound to one vehicle by the coordinator."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import T0
from service.conftest import Api, make_api


@pytest.fixture
def api(tmp_path: Path) -> Iterator[Api]:
    yield from make_api(tmp_path, None)


def test_a_bound_device_reports_for_its_vehicle_only(api: Api) -> None:
    r = api.client.put(
        "/v1/devices/phone-7", json={"vehicle": "D1/bus/0"}, headers=api.h("coordinator")
    )
    assert r.status_code == 201, r.text
    key = r.json()["key"]
    assert (
        api.client.put(
            "/v1/devices/phone-8", json={"vehicle": "x"}, headers=api.h("driver")
        ).status_code
        == 403
    )
    stamp = int(T0.timestamp())
    params = {
        "id": "phone-7",
        "lat": "42.51",
        "lon": "1.54",
        "timestamp": str(stamp),
        "speed": "10",
        "bearing": "90",
    }
    r = api.client.get(f"/v1/osmand/{key}", params=params)
    assert r.status_code == 200, r.text
    assert r.json() == {"accepted": 1, "duplicates": 0}
    # The app retries when it had no network: stored once.
    assert api.client.post(f"/v1/osmand/{key}", params=params).json() == {
        "accepted": 0,
        "duplicates": 1,
    }
    latest = api.get("coordinator", "/v1/positions/latest").json()
    assert [(p["vehicle"], p["lat"], p["lon"], round(p["speed_kmh"], 2)) for p in latest] == [
        ("D1/bus/0", 42.51, 1.54, 18.52)
    ]
    # Another device id with this key, a key nobody issued, a bad number: refused.
    assert (
        api.client.get(f"/v1/osmand/{key}", params={**params, "id": "phone-9"}).status_code == 422
    )
    assert api.client.get("/v1/osmand/dev_not-a-key", params=params).status_code == 401
    bad = api.client.get(f"/v1/osmand/{key}", params={**params, "lat": "north"})
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "lat"
    # The coordinator revokes the device: its key stops working at once.
    assert api.client.delete("/v1/devices/phone-7", headers=api.h("coordinator")).status_code == 204
    assert api.client.get(f"/v1/osmand/{key}", params=params).status_code == 401
    listed = api.get("coordinator", "/v1/devices").json()
    assert [d["device_id"] for d in listed] == ["phone-7"]
    assert "key" not in listed[0]
    assert "key_hash" not in listed[0]
