"""An arrival checked in by both the driver and the reception centre counts once, as reception
has it: the driver's count gives way whichever is stored first, a disagreement between the two
is shown in the reconciliation, and a vehicle short of people is not hidden by adding them up.
On SQLite and on PostgreSQL."""

from __future__ import annotations

import datetime as dt
from typing import Any

from service.conftest import Api

from corridor.adapters.clock import FixedClock


def checkin(
    api: Api, who: str, clock: FixedClock, cid: str, kind: str, vehicle: str, place: str, n: int
) -> None:
    body = {"client_id": cid, "kind": kind, "vehicle": vehicle, "place": place,
            "at": clock().isoformat(), "people": {"general": n}, "evacuees": []}  # fmt: skip
    r = api.post(who, "/v1/checkins", body)
    assert r.status_code in (200, 201), r.text


def later(clock: FixedClock, minutes: float) -> None:
    clock.set(clock() + dt.timedelta(minutes=minutes))


def vehicles(api: Api) -> dict[str, Any]:
    assert api.post("coordinator", "/v1/tracking/sweep").status_code == 200
    rec = api.get("coordinator", "/v1/reconciliation").json()
    return {v["vehicle"]: v for v in rec["vehicles"]}


def test_an_arrival_checked_in_twice_counts_once_as_reception_has_it(
    live_api: Api, clock: FixedClock
) -> None:
    api = live_api
    # D1/bus/0: 5 aboard; the driver says 5 set down, reception counts 4 a few minutes later.
    checkin(api, "coordinator", clock, "b0", "boarding", "D1/bus/0", "G1", 5)
    # D1/bus/1: 3 aboard; reception counts 3, the driver's count of 3 comes after it.
    checkin(api, "coordinator", clock, "b1", "boarding", "D1/bus/1", "G1", 3)
    later(clock, 20)
    checkin(api, "driver", clock, "a0-driver", "arrival", "D1/bus/0", "R1", 5)
    checkin(api, "reception", clock, "a1-reception", "arrival", "D1/bus/1", "R1", 3)
    later(clock, 4)
    checkin(api, "reception", clock, "a0-reception", "arrival", "D1/bus/0", "R1", 4)
    checkin(api, "driver2", clock, "a1-driver", "arrival", "D1/bus/1", "R1", 3)
    seen = vehicles(api)
    assert seen["D1/bus/0"]["arrived"] == {"general": 4}
    assert seen["D1/bus/0"]["unaccounted"] == {"general": 1}
    assert seen["D1/bus/1"]["arrived"] == {"general": 3}
    assert seen["D1/bus/1"]["unaccounted"] == {}
    (said,) = seen["D1/bus/0"]["arrival_disagreements"]
    assert (said["place"], said["reception"], said["driver"]) == ("R1", {"general": 4},
                                                                  {"general": 5})  # fmt: skip
    assert seen["D1/bus/1"]["arrival_disagreements"] == []
    short = [a for a in api.get("coordinator", "/v1/alerts").json() if a["kind"] == "short_arrival"]
    assert [(a["vehicle"], a["data"]["missing"]) for a in short] == [("D1/bus/0", 1)]
    assert short[0]["detail"] == "D1/bus/0 set down 4 people; 5 boarded"
    # One person set down of two boarded reads as one person, not "1 people".
    checkin(api, "coordinator", clock, "b2", "boarding", "D1/bus/2", "G1", 2)
    later(clock, 20)
    checkin(api, "reception", clock, "a2-reception", "arrival", "D1/bus/2", "R1", 1)
    short = [a for a in api.get("coordinator", "/v1/alerts").json() if a["kind"] == "short_arrival"]
    assert "D1/bus/2 set down 1 person; 2 boarded" in [a["detail"] for a in short]
    # A later visit to the same centre (a round trip later) is another stop: the driver's count
    # there counts where reception has none.
    checkin(api, "coordinator", clock, "b0-2", "boarding", "D1/bus/0", "G1", 2)
    later(clock, 60)
    checkin(api, "driver", clock, "a0-driver-2", "arrival", "D1/bus/0", "R1", 2)
    assert vehicles(api)["D1/bus/0"]["arrived"] == {"general": 6}
