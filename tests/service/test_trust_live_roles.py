"""Hostile holders of the live operation's tokens, replayed through the HTTP API against the
Andorra example agreed, planned and published (SQLite; the plan and fixtures of
``test_checkin_checks``):

1. A driver checked in 100 boarded at one point four times on a 50-seat bus: each was within
   twice the seats, so all were stored, and a replan took the point for emptied. Now a trip's
   boardings may not add up to more than three times the room (the trip before's arrival
   still on a phone, and this trip packed twice over).
2. Reception's arrival naming a registered person put them on that vehicle's manifest,
   unaudited, and the vehicle's driver could then read their name. An arrival now leaves the
   manifests as they were (the check-in keeps the vehicle; the registrar assigns, audited).
3. A driver's live stream carried alerts about no one vehicle (``household_split``) that its
   REST read of the alerts never shows.
4. Counts of people took ``true``, ``"3"`` and ``2.0`` for whole numbers.
5. A refusal of a driver's read of another vehicle named the role, not the vehicle sent.
6. The purpose of a personal-data read was stored blank or with NUL characters.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from corridor.domain.access import Principal, Role, sees_event

from .test_checkin_checks import BUS, Operation, checkin, counts, published, refused, register


@pytest.fixture(scope="module")
def operation(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Operation]:
    yield from published(tmp_path_factory.mktemp("hostile"))


def waiting(op: Operation, point: str) -> int:
    progress = op.api.get("coordinator", "/v1/progress").json()
    return int(progress["waiting"][point])


def test_1_boardings_that_add_up_beyond_twice_the_room_are_refused(operation: Operation) -> None:
    before = waiting(operation, "G04")
    assert before > 200
    first = checkin("g04-1", "boarding", "G04", {"general": 100}, vehicle="D-AND/bus/1")
    assert operation.api.post("bus1-driver", "/v1/checkins", first).status_code == 201
    for n in (2, 3, 4):  # the same again: the trip would have 200, 300, 400 aboard 50 seats
        again = checkin(f"g04-{n}", "boarding", "G04", {"general": 100}, vehicle="D-AND/bus/1")
        error = refused(operation, "bus1-driver", again, "people", {"general": 100})
        assert "would make 200 aboard D-AND/bus/1 on this trip" in error["problem"]
    fifty = checkin("g04-5", "boarding", "G04", {"general": 50}, vehicle="D-AND/bus/1")
    assert operation.api.post("bus1-driver", "/v1/checkins", fifty).status_code == 201
    one = checkin("g04-6", "boarding", "G04", {"general": 1}, vehicle="D-AND/bus/1")
    error = refused(operation, "bus1-driver", one, "people", {"general": 1})
    assert "more than 3 times that cannot be true" in error["problem"]
    assert waiting(operation, "G04") == before - 150


def test_2_an_arrival_puts_nobody_on_a_manifest(operation: Operation) -> None:
    body = {"client_id": "walk-in", "household": "H-walk-in", "people_class": "vulnerable",
            "gathering": "G08", "name": "Walk In"}  # fmt: skip
    r = operation.api.post("registrar", "/v1/registry/evacuees", body)
    assert r.status_code == 201, r.text
    person = int(r.json()["id"])
    arrival = checkin("r7", "arrival", "R-SJL", {"vulnerable": 1}, evacuees=[person])
    assert operation.api.post("reception", "/v1/checkins", arrival).status_code == 201
    named = operation.api.get(
        "bus-driver", "/v1/manifests/people", params={"vehicle": BUS, "purpose": "driving"}
    )
    assert named.status_code == 200, named.text
    assert person not in [p["id"] for p in named.json()]
    row = operation.api.get(
        "coordinator", f"/v1/registry/evacuees/{person}", params={"purpose": "test"}
    ).json()
    assert (row["status"], row["vehicle"]) == ("arrived", None)
    # one already on the manifest stays on it when it arrives
    on_bus = register(operation, "on-bus-0")
    arrival = checkin("r8", "arrival", "R-SJL", {"vulnerable": 1}, evacuees=[on_bus])
    assert operation.api.post("reception", "/v1/checkins", arrival).status_code == 201
    named = operation.api.get(
        "bus-driver", "/v1/manifests/people", params={"vehicle": BUS, "purpose": "driving"}
    )
    assert on_bus in [p["id"] for p in named.json()]


def test_3_a_drivers_stream_carries_only_its_own_vehicles_alerts() -> None:
    driver = Principal(1, "driver", Role.DRIVER, 1, "D-AND/bus/0")
    coordinator = Principal(2, "coordinator", Role.COORDINATOR, 1)
    for topic in ("alert", "positions", "checkins"):
        assert not sees_event(driver, topic, None, None), topic  # household_split: no vehicle
        assert not sees_event(driver, topic, "D-AND/bus/1", None), topic
        assert sees_event(driver, topic, "D-AND/bus/0", None), topic
        assert sees_event(coordinator, topic, None, None), topic
    assert sees_event(driver, "incidents", None, None)  # not narrowed to a vehicle


@pytest.mark.parametrize("count", [True, "3", 2.0, 2.5])
def test_4_a_count_must_be_a_whole_number(operation: Operation, count: Any) -> None:
    body = checkin(f"odd-{type(count).__name__}", "boarding", "G08", {"general": count})
    before = counts(operation.api)
    r = operation.api.post("bus-driver", "/v1/checkins", body)
    assert r.status_code == 422, r.text
    error = r.json()["errors"][0]
    assert error["field"].endswith("people.general"), error
    assert counts(operation.api) == before


@pytest.mark.parametrize(
    "path",
    ["/v1/positions", "/v1/checkins", "/v1/manifests/people", "/v1/trip-sheets"],
)
def test_5_a_drivers_read_of_another_vehicle_names_the_vehicle(
    operation: Operation, path: str
) -> None:
    r = operation.api.get(
        "bus-driver", path, params={"vehicle": "D-AND/bus/1", "purpose": "driving"}
    )
    assert r.status_code == 403, r.text
    error = r.json()["errors"][0]
    assert (error["field"], error["value"]) == ("vehicle", "D-AND/bus/1"), error


@pytest.mark.parametrize("purpose", ["\x00\x00\x00", "   ", "why\x00not", "tab\there"])
def test_6_a_purpose_is_words(operation: Operation, purpose: str) -> None:
    audit = len(operation.api.get("coordinator", "/v1/audit").json())
    r = operation.api.get("coordinator", "/v1/registry/evacuees/1", params={"purpose": purpose})
    assert r.status_code == 422, r.text
    assert r.json()["errors"][0]["field"].endswith("purpose")
    assert len(operation.api.get("coordinator", "/v1/audit").json()) == audit
