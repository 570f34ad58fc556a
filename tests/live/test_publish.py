"""Publishing a plan: trip sheets on real roads, movement notifications with their lead time."""

from __future__ import annotations

import datetime as dt

from service.conftest import Api

from corridor.adapters.clock import FixedClock

from .conftest import PUBLISH_AT, planned


def test_publish_refuses_a_late_notification_then_sends_trip_sheets_and_notices(
    live_api: Api, clock: FixedClock
) -> None:
    api = live_api
    plan = planned(api)
    # 90 minutes later the first movement (07:00 in Andorra) is less than 120 min away.
    clock.set(PUBLISH_AT + dt.timedelta(minutes=90))
    late = api.post("coordinator", f"/v1/plans/{plan['id']}/publish", {})
    assert late.status_code == 422, late.text
    assert "trip 1" in late.json()["detail"]
    assert "lead time is 120 min" in late.json()["detail"]
    assert api.get("coordinator", "/v1/trip-sheets").json() == []
    assert api.get("liaison-a", "/v1/notifications").json() == []
    clock.set(PUBLISH_AT)
    assert api.post("liaison-a", f"/v1/plans/{plan['id']}/publish", {}).status_code == 403
    r = api.post("coordinator", f"/v1/plans/{plan['id']}/publish", {})
    assert r.status_code == 201, r.text
    version = r.json()["plan_version"]
    sheets = api.get("coordinator", "/v1/trip-sheets").json()
    used = [route for route in plan["plan"]["routes"] if len(route["stops"]) > 1]
    assert sorted(s["vehicle"] for s in sheets) == sorted(route["vehicle"] for route in used)
    for sheet, route in zip(
        sorted(sheets, key=lambda s: s["vehicle"]),
        sorted(used, key=lambda r: r["vehicle"]),
        strict=False,
    ):
        assert sheet["plan_version"] == version
        assert [s["place"] for s in sheet["stops"]] == [s["at"] for s in route["stops"]]
        assert sheet["on_roads"], sheet["vehicle"]
        line = sheet["route"]
        assert line["type"] == "LineString"
        # Road geometry: many more vertices than stops, and it passes by every stop.
        assert len(line["coordinates"]) > 3 * len(sheet["stops"])
        boarded = sum(sum(s["board"].values()) for s in sheet["stops"])
        assert boarded == sum(sum(s.get("board", {}).values()) for s in route["stops"])
    # Both parties get every movement, each at least 120 min before it starts.
    for who in ("liaison-a", "liaison-b"):
        notes = [n for n in api.get(who, "/v1/notifications").json() if n["kind"] == "movement"]
        crossings = sum(1 for route in used for s in route["stops"] if s.get("dir") == "in")
        assert len(notes) == crossings
        for n in notes:
            sent = dt.datetime.fromisoformat(n["created_at"])
            starts = dt.datetime.fromisoformat(n["body"]["enters"])
            assert starts - sent >= dt.timedelta(minutes=120), n["subject"]
    # An acknowledgement is recorded with its delay (never an approval: nothing waits on it).
    first = api.get("liaison-b", "/v1/notifications").json()[0]
    clock.set(PUBLISH_AT + dt.timedelta(minutes=7))
    assert api.post("liaison-b", f"/v1/notifications/{first['id']}/ack", {"note": ""}).json()
    acks = api.get("coordinator", "/v1/notifications").json()[0]["acknowledgements"]
    assert [(a["party"], a["delay_s"]) for a in acks] == [("B", 420.0)]
    # The tracking view lists every vehicle of the plan in force, none started yet.
    status = api.get("observer", "/v1/tracking").json()
    assert {s["vehicle"] for s in status} == {s["vehicle"] for s in sheets}
    assert {s["status"] for s in status} == {"not started"}
