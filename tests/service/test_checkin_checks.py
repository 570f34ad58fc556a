"""Check-ins that cannot be true, replayed through the HTTP API against the Andorra example
agreed, planned and published (SQLite): each is refused with a problem naming the field and the
value sent, and nothing is stored (the counts of /v1/progress do not move). A retry of a stored
check-in still answers as the first time; a boarding outside the window is kept, with an alert.

The published plan (window 07:00-16:00 Andorra) has the bus D-AND/bus/0 (50 seats, no
stretchers) board at G08 and set down at R-SJL; G07 is a gathering point, R-HOSP a reception
centre; the classes are critical (on stretchers), medical, vulnerable and general.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from live.conftest import PUBLISH_AT, planned

from corridor.adapters.clock import FixedClock

from .conftest import Api, make_api

ORIGIN = dt.datetime.fromisoformat("2026-05-14T00:00:00+02:00")
BUS = "D-AND/bus/0"


def at(hh: int, mm: int = 0) -> dt.datetime:
    return ORIGIN + dt.timedelta(hours=hh, minutes=mm)


@dataclass
class Operation:
    """The app with the Andorra plan published, its clock, and drivers of two planned buses
    (``bus-driver`` drives D-AND/bus/0, ``bus1-driver`` D-AND/bus/1)."""

    api: Api
    clock: FixedClock
    sheets: dict[str, dict[str, Any]]


def add_driver(api: Api, who: str, vehicle: str) -> None:
    admin = api.h("admin")
    org = api.client.get("/v1/organisations", headers=admin).json()[0]["id"]
    body = {"organisation_id": org, "name": who, "role": "driver", "vehicle": vehicle}
    r = api.client.post("/v1/users", json=body, headers=admin)
    assert r.status_code == 201, r.text
    api.tokens[who] = r.json()["token"]


def published(tmp: Path) -> Iterator[Operation]:
    clock = FixedClock(PUBLISH_AT)
    app = make_api(tmp, None, clock=clock, live_sweep_seconds=0)
    api = next(app)
    plan = planned(api)
    r = api.post("coordinator", f"/v1/plans/{plan['id']}/publish", {})
    assert r.status_code == 201, r.text
    sheets = {s["vehicle"]: s for s in api.get("coordinator", "/v1/trip-sheets").json()}
    add_driver(api, "bus-driver", BUS)
    add_driver(api, "bus1-driver", "D-AND/bus/1")
    clock.set(at(7, 30))
    yield Operation(api, clock, sheets)
    with contextlib.suppress(StopIteration):
        next(app)


@pytest.fixture(scope="module")
def operation(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Operation]:
    yield from published(tmp_path_factory.mktemp("operation"))


def checkin(
    client_id: str, kind: str, place: str, people: dict[str, int], vehicle: str = BUS,
    when: dt.datetime | None = None, evacuees: list[int] | None = None,
) -> dict[str, Any]:  # fmt: skip
    return {
        "client_id": client_id,
        "kind": kind,
        "vehicle": vehicle,
        "place": place,
        "at": (when or at(7, 30)).isoformat(),
        "people": people,
        "evacuees": evacuees or [],
    }


def counts(api: Api) -> dict[str, Any]:
    p = api.get("coordinator", "/v1/progress").json()
    return {k: p[k] for k in ("boarded", "evacuated", "aboard", "arrived_at")}


def refused(
    op: Operation, who: str, body: dict[str, Any], field: str, value: Any, status: int = 422
) -> dict[str, Any]:
    """Post ``body`` as ``who``: refused naming ``field`` and ``value``, nothing stored."""
    before = counts(op.api), len(op.api.get("coordinator", "/v1/checkins").json())
    r = op.api.post(who, "/v1/checkins", body)
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/problem+json"
    error = r.json()["errors"][0]
    assert (error["field"], error["value"]) == (field, value), error
    after = counts(op.api), len(op.api.get("coordinator", "/v1/checkins").json())
    assert after == before
    return error  # type: ignore[no-any-return]


def register(op: Operation, client_id: str, vehicle: str = BUS) -> int:
    body = {"client_id": client_id, "household": f"H-{client_id}", "people_class": "vulnerable",
            "gathering": "G08", "name": f"Person {client_id}", "vehicle": vehicle}  # fmt: skip
    r = op.api.post("registrar", "/v1/registry/evacuees", body)
    assert r.status_code in (200, 201), r.text
    return int(r.json()["id"])


def test_an_unknown_place_or_vehicle_is_refused(operation: Operation) -> None:
    refused(operation, "reception", checkin("nope", "arrival", "R-NOPE", {}), "place", "R-NOPE")
    body = checkin("xxx", "boarding", "G08", {"general": 1}, vehicle="D-XXX/bus/9")
    refused(operation, "coordinator", body, "vehicle", "D-XXX/bus/9")


def test_a_check_in_at_the_wrong_kind_of_place_is_refused(operation: Operation) -> None:
    body = checkin("g07", "arrival", "G07", {"general": 1})
    assert "reception centre" in refused(operation, "reception", body, "place", "G07")["problem"]
    body = checkin("hosp", "boarding", "R-HOSP", {"general": 1})
    assert "gathering point" in refused(operation, "bus-driver", body, "place", "R-HOSP")["problem"]


@pytest.mark.parametrize("name", ["martian", "gen\u202eeral", "<b>x</b>"])
def test_a_class_that_is_not_the_operations_is_refused(operation: Operation, name: str) -> None:
    body = checkin(f"cls-{len(name)}", "boarding", "G08", {"general": 1, name: 1})
    refused(operation, "bus-driver", body, f"people.{name}", name)


def test_a_named_arrival_before_its_boarding_is_kept(operation: Operation) -> None:
    """The driver's boarding may still be on a phone out of reach: reception's check-in of the
    person is stored, and the reconciliation shows the boarding missing."""
    person = register(operation, "not-boarded-yet")
    body = checkin(
        "named", "arrival", "R-SJL", {"vulnerable": 1}, vehicle="D-AND/bus/4", evacuees=[person]
    )
    assert operation.api.post("reception", "/v1/checkins", body).status_code == 201
    rec = operation.api.get("coordinator", "/v1/reconciliation").json()
    (row,) = [p for p in rec["persons"] if p["id"] == person]
    assert (row["status"], row["boarded_at"]) == ("arrived", None)


def test_arrivals_of_more_people_than_the_vehicle_holds_are_refused(operation: Operation) -> None:
    body = checkin("hosp-5000", "arrival", "R-HOSP", {"vulnerable": 5000})
    refused(operation, "reception", body, "people", {"vulnerable": 5000})
    # the driver's count of 100000 at no place: the place first, then the count
    body = checkin("nowhere", "arrival", "NOWHERE", {"general": 100000})
    refused(operation, "bus-driver", body, "place", "NOWHERE")
    body = checkin("sjl-100000", "arrival", "R-SJL", {"general": 100000})
    error = refused(operation, "bus-driver", body, "people", {"general": 100000})
    assert "holds 50" in error["problem"]
    # Within one trip's room of what the counted boardings have aboard: kept (a boarding may be
    # on its way from a phone); beyond it, refused.
    bus = "D-AND/bus/3"  # nothing counted for it yet
    assert bus not in operation.api.get("coordinator", "/v1/progress").json()["aboard"]
    early = checkin("early-30", "arrival", "R-SJL", {"general": 30}, vehicle=bus)
    assert operation.api.post("reception", "/v1/checkins", early).status_code == 201
    more = checkin("early-21", "arrival", "R-SJL", {"general": 21}, vehicle=bus)
    error = refused(operation, "reception", more, "people", {"general": 21})
    assert "-30 aboard" in error["problem"]


def test_a_trip_over_the_seats_is_kept_with_an_alert_and_a_retry_still_answers(
    operation: Operation,
) -> None:
    """One check-in of more than twice the seats cannot be true; a trip over them is kept (an
    arrival of the trip before may still be on a phone, or people stand) and the coordinator
    is told."""
    api = operation.api
    first = checkin("seats-45", "boarding", "G08", {"vulnerable": 40, "medical": 5})
    assert api.post("bus-driver", "/v1/checkins", first).status_code == 201
    body = checkin("seats-101", "boarding", "G08", {"general": 101})
    error = refused(operation, "bus-driver", body, "people", {"general": 101})
    assert "would board D-AND/bus/0 at once, which has 50 seats" in error["problem"]
    # nobody on a stretcher: a bus has none
    body = checkin("stretcher", "boarding", "G08", {"critical": 1})
    error = refused(operation, "bus-driver", body, "people", {"critical": 1})
    assert "which has 0 stretchers" in error["problem"]
    # the driver's phone sends the first check-in again: answered as before
    again = api.post("bus-driver", "/v1/checkins", first)
    assert (again.status_code, again.json()["created"]) == (200, False)
    six = checkin("seats-6", "boarding", "G08", {"general": 6})
    assert api.post("bus-driver", "/v1/checkins", six).status_code == 201
    over = [
        a for a in api.get("coordinator", "/v1/alerts").json()
        if a["kind"] == "boarding_over_capacity" and a["vehicle"] == BUS
    ]  # fmt: skip
    assert [(a["data"]["aboard"], a["data"]["seats"]) for a in over] == [(51, 50)]
    assert api.post("bus-driver", "/v1/checkins", six).json()["created"] is False
    # 51 aboard: an arrival of 102 is refused, of 51 stored; reception's count of the same
    # stop then replaces the driver's (it counts once)
    operation.clock.set(at(8, 15))
    down = checkin("down-102", "arrival", "R-SJL", {"general": 102}, when=at(8, 15))
    refused(operation, "bus-driver", down, "people", {"general": 102})
    driver = {**down, "client_id": "down-51", "people": {"vulnerable": 40, "general": 11}}
    assert api.post("bus-driver", "/v1/checkins", driver).status_code == 201
    reception = {**driver, "client_id": "down-r", "people": {"vulnerable": 40, "general": 10}}
    assert api.post("reception", "/v1/checkins", reception).status_code == 201
    assert api.get("coordinator", "/v1/progress").json()["aboard"][BUS] == 1
    # The one reception did not count is the reconciliation's matter: the next trip boards a
    # full load with no alert.
    operation.clock.set(at(9))
    again = checkin("trip-2", "boarding", "G08", {"general": 50}, when=at(9))
    assert api.post("bus-driver", "/v1/checkins", again).status_code == 201
    alerts = api.get("coordinator", "/v1/alerts").json()
    assert len([a for a in alerts if a["kind"] == "boarding_over_capacity"]) == 1
    operation.clock.set(at(7, 30))


def test_a_boarding_outside_the_window_is_kept_with_an_alert(operation: Operation) -> None:
    api = operation.api
    operation.clock.set(at(16, 30))
    vehicle = "D-SJL/bus/0"
    body = checkin("late-board", "boarding", "G04", {"general": 3}, vehicle, at(16, 30))
    r = api.post("coordinator", "/v1/checkins", body)
    assert r.status_code == 201, r.text
    assert api.get("coordinator", "/v1/progress").json()["aboard"][vehicle] == 3
    late = [a for a in api.get("coordinator", "/v1/alerts").json()
            if a["kind"] == "boarding_outside_window"]  # fmt: skip
    assert [(a["vehicle"], a["data"]["place"]) for a in late] == [(vehicle, "G04")]
    operation.clock.set(at(7, 30))


def test_a_time_off_the_servers_clock_names_the_value_sent(operation: Operation) -> None:
    ahead = at(12)
    body = checkin("ahead", "boarding", "G08", {"general": 1}, when=ahead)
    error = refused(operation, "bus-driver", body, "at", ahead.isoformat())
    assert "ahead of the server's clock" in error["problem"]


def test_a_drivers_refusal_names_the_field_and_value_not_the_role(operation: Operation) -> None:
    other = register(operation, "on-bus-1", vehicle="D-AND/bus/1")
    body = checkin("not-mine", "boarding", "G08", {"vulnerable": 1}, evacuees=[other])
    error = refused(operation, "bus-driver", body, "evacuees[0]", other, 403)
    assert "not on the manifest" in error["problem"]
    body = checkin("other-bus", "boarding", "G02", {"general": 1}, vehicle="D-AND/bus/1")
    error = refused(operation, "bus-driver", body, "vehicle", "D-AND/bus/1", 403)
    assert "own vehicle" in error["problem"]
