"""Position reports that cannot be true, through the HTTP API against the Andorra example
published (SQLite): a vehicle that is not the operation's is refused naming
``positions[i].vehicle``, nothing stored; a report far outside the operation's area (latitude and
longitude swapped, or no fix) is stored flagged ``suspect`` and never becomes the vehicle's latest
position, so it raises no "off route by thousands of kilometres" alert."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from .test_checkin_checks import BUS, Operation, at, published


@pytest.fixture(scope="module")
def operation(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Operation]:
    yield from published(tmp_path_factory.mktemp("positions"))


def report(client_id: str, lat: float, lon: float, vehicle: str = BUS) -> dict[str, Any]:
    return {"client_id": client_id, "vehicle": vehicle, "at": at(7, 30).isoformat(),
            "lat": lat, "lon": lon, "speed_kmh": 20}  # fmt: skip


def stored(op: Operation) -> list[dict[str, Any]]:
    return op.api.get("coordinator", "/v1/positions").json()  # type: ignore[no-any-return]


def test_a_vehicle_not_of_the_operation_is_refused(operation: Operation) -> None:
    api = operation.api
    good = report("ok-1", 42.505, 1.515)
    bad = report("xxx-1", 42.53, 1.58, "D-XXX/bus/9")
    r = api.post("coordinator", "/v1/positions", {"positions": [good, bad]})
    assert r.status_code == 422, r.text
    error = r.json()["errors"][0]
    assert (error["field"], error["value"]) == ("positions[1].vehicle", "D-XXX/bus/9")
    assert stored(operation) == []  # nothing of the batch
    latest = api.get("coordinator", "/v1/positions/latest").json()
    assert "D-XXX/bus/9" not in {p["vehicle"] for p in latest}
    # a driver reporting for another vehicle: the 403 names the vehicle, not the role
    r = api.post(
        "bus-driver", "/v1/positions", {"positions": [report("o-1", 42.5, 1.5, "D-AND/bus/1")]}
    )
    assert r.status_code == 403, r.text
    error = r.json()["errors"][0]
    assert (error["field"], error["value"]) == ("positions[0].vehicle", "D-AND/bus/1")


def test_a_report_far_outside_the_area_is_kept_flagged_not_trusted(operation: Operation) -> None:
    api = operation.api
    depot = report("depot", 42.505, 1.515)  # D-AND, where the bus starts
    assert api.post("bus-driver", "/v1/positions", {"positions": [depot]}).status_code == 200
    operation.clock.set(at(7, 31))
    swapped = {**report("swapped", 1.567, 42.527), "at": at(7, 31).isoformat()}
    nowhere = {**report("null-island", 0.0, 0.0), "at": at(7, 31).isoformat()}
    r = api.post("bus-driver", "/v1/positions", {"positions": [swapped, nowhere]})
    assert (r.status_code, r.json()) == (200, {"accepted": 2, "duplicates": 0})
    flags = {p["client_id"]: p["suspect"] for p in stored(operation)}
    assert flags == {
        "depot": None,
        "swapped": "lat/lon outside area: swapped?",
        "null-island": "lat/lon outside the area",
    }
    (latest,) = api.get("coordinator", "/v1/positions/latest", params={"vehicle": BUS}).json()
    assert latest["client_id"] == "depot"
    off = [a for a in api.get("coordinator", "/v1/alerts").json() if a["kind"] == "off_route"]
    assert off == []
    (track,) = [t for t in api.get("coordinator", "/v1/tracking").json() if t["vehicle"] == BUS]
    assert (track["last_position"] or {}).get("lat") != 1.567
    operation.clock.set(at(7, 30))
