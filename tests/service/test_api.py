"""The API end to end through HTTP, on SQLite and again on PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json

from conftest import T0 as CLOCK_START
from sqlalchemy import select

from corridor.adapters import orm

from .conftest import Api

T0 = "2026-11-29T08:00:00Z"


def positions(vehicle: str, n: int, prefix: str = "p") -> dict[str, object]:
    return {
        "positions": [
            {
                "client_id": f"{prefix}{i}",
                "vehicle": vehicle,
                "at": f"2026-05-14T02:{i % 60:02d}:00Z",  # within the skew of the clock
                "lat": 42.5 + i * 1e-4,
                "lon": 1.52,
                "speed_kmh": 30.0,
            }
            for i in range(n)
        ]
    }


def sse(api: Api, who: str, **params: str) -> list[tuple[str, dict[str, object]]]:
    """Events of a stream that replays from ``after`` and closes when idle."""
    r = api.client.get("/v1/events", headers=api.h(who), params={"idle_close": "0.2", **params})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/event-stream")
    out = []
    for block in r.text.split("\n\n"):
        lines = dict(
            line.split(": ", 1)
            for line in block.splitlines()
            if ": " in line and not line.startswith(":")
        )
        if "event" in lines:
            out.append((lines["event"], json.loads(lines["data"])))
    return out


def test_a_retried_batch_is_stored_once(api: Api) -> None:
    first = api.post("driver", "/v1/positions", positions("D1/bus/0", 20))
    assert first.json() == {"accepted": 20, "duplicates": 0}
    # The client lost the answer and sends the batch again, with 5 new reports.
    again = api.post("driver", "/v1/positions", positions("D1/bus/0", 25))
    assert again.json() == {"accepted": 5, "duplicates": 20}
    stored = api.get("coordinator", "/v1/positions", params={"vehicle": "D1/bus/0"}).json()
    assert sorted(p["client_id"] for p in stored) == sorted(f"p{i}" for i in range(25))
    # Another vehicle may use the same client ids: the identity is (vehicle, client id).
    assert api.post("driver2", "/v1/positions", positions("D1/bus/1", 3)).json()["accepted"] == 3


def test_a_batch_repeating_a_client_id_is_refused_whole(api: Api) -> None:
    body = positions("D1/bus/0", 3)
    body["positions"][2]["client_id"] = "p0"  # type: ignore[index]
    r = api.post("driver", "/v1/positions", body)
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "positions[2].client_id"
    assert api.get("coordinator", "/v1/positions").json() == []


def test_latest_position_per_vehicle(api: Api) -> None:
    api.post("driver", "/v1/positions", positions("D1/bus/0", 4))
    api.post("driver2", "/v1/positions", positions("D1/bus/1", 2))
    latest = api.get("observer", "/v1/positions", params={"latest": "true"}).json()
    assert {p["vehicle"]: p["client_id"] for p in latest} == {"D1/bus/0": "p3", "D1/bus/1": "p1"}
    assert api.get("observer", "/v1/positions/latest").json() == latest


def test_a_driver_sees_and_reports_only_its_own_vehicle(api: Api) -> None:
    api.post("driver", "/v1/positions", positions("D1/bus/0", 2))
    api.post("driver2", "/v1/positions", positions("D1/bus/1", 2))
    mine = api.get("driver", "/v1/positions").json()
    assert {p["vehicle"] for p in mine} == {"D1/bus/0"}
    assert api.get("driver", "/v1/positions", params={"vehicle": "D1/bus/1"}).status_code == 403
    r = api.post("driver", "/v1/positions", positions("D1/bus/1", 1, "x"))
    assert r.status_code == 403
    assert "D1/bus/1" in r.json()["detail"]
    # And its live stream carries only its own vehicle's positions.
    streamed = {d["vehicle"] for t, d in sse(api, "driver", after="0") if t == "positions"}
    assert streamed == {"D1/bus/0"}
    assert {d["vehicle"] for t, d in sse(api, "observer", after="0") if t == "positions"} == {
        "D1/bus/0",
        "D1/bus/1",
    }


def register(
    api: Api, client_id: str, name: str, cls: str = "general", gathering: str = "G1"
) -> int:
    r = api.post(
        "registrar",
        "/v1/registry/evacuees",
        {
            "client_id": client_id,
            "household": "H-" + client_id,
            "people_class": cls,
            "gathering": gathering,
            "name": name,
            "needs": "insulin",
            "contact": "+376 555 0100",
        },
    )
    assert r.status_code in (200, 201), r.text
    return int(r.json()["id"])


def test_boarding_and_arrival_reconcile_into_manifests(api: Api) -> None:
    a = register(api, "e1", "Aina Puig")
    b = register(api, "e2", "Biel Vidal", cls="vulnerable")
    board = {
        "client_id": "b1",
        "kind": "boarding",
        "vehicle": "D1/bus/0",
        "place": "G1",
        "at": T0,
        "people": {"general": 1, "vulnerable": 1},
        "evacuees": [a, b],
    }
    assert api.post("driver", "/v1/checkins", board).status_code == 201
    assert api.post("driver", "/v1/checkins", board).json()["created"] is False  # a retry
    arrive = {
        "client_id": "a1",
        "kind": "arrival",
        "vehicle": "D1/bus/0",
        "place": "R1",
        "at": T0,
        "people": {"general": 1},
        "evacuees": [a],
    }
    assert api.post("reception", "/v1/checkins", arrive).status_code == 201
    m = api.get("liaison-a", "/v1/manifests").json()
    assert m["D1/bus/0"]["boarded"] == {"general": 1, "vulnerable": 1}
    assert m["D1/bus/0"]["unaccounted"] == {"vulnerable": 1}
    # The driver may not record arrivals, reception may not record boarding.
    assert api.post("driver", "/v1/checkins", {**arrive, "client_id": "a2"}).status_code == 403
    assert api.post("reception", "/v1/checkins", {**board, "client_id": "b2"}).status_code == 403
    statuses = {p["id"]: p["status"] for p in api.get("registrar", "/v1/registry/evacuees").json()}
    assert statuses == {a: "arrived", b: "boarded"}
    # A check-in naming somebody not registered is refused and stores nothing.
    r = api.post("driver", "/v1/checkins", {**board, "client_id": "b3", "evacuees": [a, 999]})
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "evacuees[1]"


def test_parties_never_see_names(api: Api) -> None:
    register(api, "e1", "Aina Puig")
    register(api, "e2", "Biel Vidal", gathering="G2")
    for party in ("liaison-a", "liaison-b", "observer"):
        summary = api.get(party, "/v1/registry/summary")
        assert summary.status_code == 200
        assert summary.json()["by_gathering"] == {"G1": 1, "G2": 1}
        for url in (
            "/v1/registry/evacuees",
            "/v1/registry/evacuees/1",
            "/v1/registry/export",
            "/v1/audit",
            "/v1/manifests/people?vehicle=D1/bus/0",
        ):
            assert api.get(party, url, params={"purpose": "curiosity"}).status_code == 403, url
        stream = json.dumps(sse(api, party, after="0"))
        assert "Aina" not in stream
        assert "insulin" not in stream


def test_personal_fields_are_encrypted_at_rest_and_every_read_is_audited(api: Api) -> None:
    ident = register(api, "e1", "Aina Puig")
    with api.service.engine.connect() as conn:
        row = conn.execute(select(orm.evacuees)).one()
    assert b"Aina" not in row.name_enc
    assert b"insulin" not in row.needs_enc
    got = api.get(
        "reception", f"/v1/registry/evacuees/{ident}", params={"purpose": "arrival check"}
    )
    assert got.json()["name"] == "Aina Puig"
    assert got.json()["needs"] == "insulin"
    api.get("coordinator", "/v1/registry/export", params={"purpose": "handover to reception"})
    log = api.get("coordinator", "/v1/audit").json()
    reads = [
        (e["role"], e["action"], e["detail"].get("purpose"))
        for e in log
        if e["action"] != "registry.write"
    ]
    assert ("reception", "registry.read", "arrival check") in reads
    assert ("coordinator", "registry.export", "handover to reception") in reads
    assert api.get("admin", "/v1/audit").status_code == 200


def test_purge_erases_expired_fields_but_keeps_the_counts(api: Api) -> None:
    ident = register(api, "e1", "Aina Puig")
    before = api.get("observer", "/v1/registry/summary").json()
    # 20 days on: contact (14 days) is gone, name and needs (30 days) remain.
    r = api.post("coordinator", "/v1/registry/purge", {"as_of": "2099-01-01T00:00:00Z"})
    assert r.json()["records_anonymised"] == 1
    person = api.get("registrar", f"/v1/registry/evacuees/{ident}").json()
    assert (person["name"], person["needs"], person["contact"]) == (None, None, None)
    assert person["anonymised_at"] is not None
    assert api.get("observer", "/v1/registry/summary").json() == before
    assert api.post("coordinator", "/v1/registry/purge", {}).json() == {
        "fields_erased": 0,
        "records_anonymised": 0,
    }


def test_a_party_cannot_read_the_other_partys_unsent_drafts(api: Api) -> None:
    d = api.post("liaison-b", "/v1/drafts", {"title": "B counter", "body": {"window": [480, 900]}})
    assert d.status_code == 201
    draft = d.json()["id"]
    assert api.get("liaison-a", f"/v1/drafts/{draft}").status_code == 404
    assert api.get("liaison-a", "/v1/drafts").json() == []
    assert api.get("coordinator", f"/v1/drafts/{draft}").status_code == 404
    assert (
        api.client.put(
            f"/v1/drafts/{draft}", json={"title": "x", "body": {}}, headers=api.h("liaison-a")
        ).status_code
        == 404
    )
    assert api.get("liaison-b", f"/v1/drafts/{draft}").json()["body"] == {"window": [480, 900]}
    assert (
        api.client.post(f"/v1/drafts/{draft}/send", headers=api.h("liaison-b")).status_code == 204
    )
    assert api.get("liaison-a", f"/v1/drafts/{draft}").json()["title"] == "B counter"
    r = api.client.put(
        f"/v1/drafts/{draft}", json={"title": "late", "body": {}}, headers=api.h("liaison-b")
    )
    assert r.status_code == 409


def test_incidents_are_idempotent_and_streamed(api: Api) -> None:
    inc = {
        "client_id": "i1",
        "kind": "roadblock",
        "severity": "warning",
        "description": "debris on the CG-2 at km 12",
        "at": T0,
        "lat": 42.5,
        "lon": 1.55,
    }
    assert api.post("driver", "/v1/incidents", inc).status_code == 201
    assert api.post("driver", "/v1/incidents", inc).json()["created"] is False
    feed = api.get("liaison-b", "/v1/incidents").json()
    assert [i["description"] for i in feed] == ["debris on the CG-2 at km 12"]
    assert [d["kind"] for t, d in sse(api, "liaison-a", after="0", topics="incidents")] == [
        "roadblock"
    ]


def test_notifications_are_acknowledged_by_the_addressed_party_only(api: Api) -> None:
    n = api.post(
        "coordinator",
        "/v1/notifications",
        {"kind": "movement", "parties": "A", "subject": "3 buses via K1 at 08:00"},
    )
    ident = n.json()["id"]
    assert api.get("liaison-b", "/v1/notifications").json() == []
    assert api.post("liaison-b", f"/v1/notifications/{ident}/ack", {}).status_code == 404
    assert api.post("liaison-a", f"/v1/notifications/{ident}/ack", {"note": "seen"}).json() == {
        "created": True
    }
    assert api.post("liaison-a", f"/v1/notifications/{ident}/ack", {}).json() == {"created": False}
    acks = api.get("coordinator", "/v1/notifications").json()[0]["acknowledgements"]
    assert [(a["party"], a["note"]) for a in acks] == [("A", "seen")]


def test_the_service_tells_its_clock_to_anyone(sqlite_api: Api) -> None:
    """The dashboard shows every time by the service's clock (here the tests' T0, running)."""
    r = sqlite_api.client.get("/v1/clock")
    assert r.status_code == 200
    now = dt.datetime.fromisoformat(r.json()["now"])
    assert CLOCK_START <= now < CLOCK_START + dt.timedelta(minutes=10)
    assert r.json()["rate"] == 1.0


def test_a_time_with_an_offset_is_stored_as_the_same_instant(api: Api) -> None:
    """A device 2 hours east of UTC reports 05:02+02:00: that is 03:02 UTC on every database
    (SQLite keeps no offset; a time stored as written would come back two hours late)."""
    body = {
        "positions": [
            {
                "client_id": "tz-1",
                "vehicle": "D1/bus/0",
                "at": "2026-05-14T05:02:00+02:00",
                "lat": 42.5,
                "lon": 1.5,
            }
        ]
    }
    assert api.post("driver", "/v1/positions", body).status_code == 200
    latest = {p["vehicle"]: p for p in api.get("coordinator", "/v1/positions/latest").json()}
    at = dt.datetime.fromisoformat(latest["D1/bus/0"]["at"].replace("Z", "+00:00"))
    assert at == dt.datetime(2026, 5, 14, 3, 2, tzinfo=dt.UTC)
