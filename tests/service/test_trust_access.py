"""Issue 13, findings 2 and 5, replayed through the HTTP API on SQLite and on PostgreSQL.

2. A driver boarded any registry id, read the names through ``GET /v1/manifests/people`` and
   moved people off other vehicles: now it boards by name only the people on its own
   vehicle's manifest (walk-ins are counted by class), sees only its own vehicle, and every
   personal-data read is limited to the roles that need it and audited by the service's clock.
5. The live stream ignored read rights: now each role receives, topic by topic, exactly what
   its REST reads show it (the oracle below asks the REST routes).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from conftest import T0

from .conftest import PEOPLE, Api

BUS0, BUS1 = "D1/bus/0", "D1/bus/1"
AT = T0.isoformat()


def register(api: Api, client_id: str, name: str, vehicle: str | None) -> int:
    body = {
        "client_id": client_id,
        "household": f"H-{client_id}",
        "people_class": "general",
        "gathering": "G1",
        "name": name,
        "needs": "insulin",
        "vehicle": vehicle,
    }
    r = api.post("registrar", "/v1/registry/evacuees", body)
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


def boarding(client_id: str, vehicle: str, evacuees: list[int], people: int = 1) -> dict[str, Any]:
    return {
        "client_id": client_id,
        "kind": "boarding",
        "vehicle": vehicle,
        "place": "G1",
        "at": AT,
        "people": {"general": people},
        "evacuees": evacuees,
    }


def vehicle_of(api: Api, ident: int) -> str | None:
    person = api.get("coordinator", f"/v1/registry/evacuees/{ident}", params={"purpose": "test"})
    return person.json()["vehicle"]  # type: ignore[no-any-return]


def test_finding_2_a_driver_boards_only_its_own_manifest(api: Api) -> None:
    mine = register(api, "e-mine", "Aina Puig", BUS0)
    theirs = register(api, "e-theirs", "Biel Vidal", BUS1)
    nobodys = register(api, "e-free", "Carla Soler", None)
    # the attack: board somebody on another vehicle's manifest, or on none, by registry id
    for n, ident in enumerate((theirs, nobodys)):
        r = api.post("driver", "/v1/checkins", boarding(f"b-x{n}", BUS0, [ident]))
        assert r.status_code == 403, r.text
        assert "not on the manifest of 'D1/bus/0'" in r.json()["detail"]
    assert vehicle_of(api, theirs) == BUS1  # nobody was moved off their vehicle
    assert vehicle_of(api, nobodys) is None
    # ...and so cannot read their names either
    r = api.get("driver", "/v1/manifests/people", params={"vehicle": BUS1})
    assert r.status_code == 403
    names = api.get("driver", "/v1/manifests/people", params={"vehicle": BUS0}).json()
    assert [p["name"] for p in names] == ["Aina Puig"]
    # what a driver may do: board its own manifest by name, count walk-ins by class
    assert api.post("driver", "/v1/checkins", boarding("b-1", BUS0, [mine])).status_code == 201
    walk_ins = boarding("b-2", BUS0, [], people=3)
    assert api.post("driver", "/v1/checkins", walk_ins).status_code == 201
    counts = api.get("driver", "/v1/manifests").json()
    assert counts == {
        BUS0: {
            "boarded": {"general": 4},
            "arrived": {},
            "unaccounted": {"general": 4},
            "over_arrived": {},
        }
    }
    # another vehicle's check-ins, positions, counts: refused when asked, filtered otherwise
    for path in ("/v1/checkins", "/v1/positions", "/v1/manifests"):
        assert api.get("driver", path, params={"vehicle": BUS1}).status_code == 403, path
    assert api.post("driver2", "/v1/checkins", boarding("b-3", BUS0, [])).status_code == 403
    # a coordinator (or registrar) assigns people; only then may the other driver board them
    r = api.client.put(
        f"/v1/registry/evacuees/{nobodys}/vehicle",
        json={"vehicle": BUS1},
        headers=api.h("registrar"),
    )
    assert r.status_code == 200, r.text
    assert api.post("driver2", "/v1/checkins", boarding("b-4", BUS1, [nobodys])).status_code == 201
    for who in ("driver", "driver2", "liaison-a", "observer"):
        r = api.client.put(
            f"/v1/registry/evacuees/{mine}/vehicle", json={"vehicle": BUS1}, headers=api.h(who)
        )
        assert r.status_code == 403, who
    assert vehicle_of(api, mine) == BUS0


def test_finding_2_personal_data_reads_are_limited_and_audited(api: Api) -> None:
    ident = register(api, "e1", "Aina Puig", BUS0)
    reads = {
        "/v1/registry/evacuees": {"purpose": "test"},
        f"/v1/registry/evacuees/{ident}": {"purpose": "test"},
        "/v1/registry/export": {"purpose": "test"},
        "/v1/manifests/people": {"vehicle": BUS0, "purpose": "test"},
    }
    may = {
        "/v1/registry/evacuees": {"coordinator", "registrar", "reception"},
        f"/v1/registry/evacuees/{ident}": {"coordinator", "registrar", "reception"},
        "/v1/registry/export": {"coordinator"},
        "/v1/manifests/people": {"coordinator", "registrar", "reception", "driver"},
    }
    at = T0 + dt.timedelta(days=3, hours=5)  # the service's clock, far from the machine's
    api.service.clock.set(at)  # type: ignore[attr-defined]
    expected = []
    for path, params in reads.items():
        for who in PEOPLE:
            r = api.get(who, path, params=params)
            if who in may[path]:
                assert r.status_code == 200, (who, path, r.text)
                assert "Aina Puig" in r.text
                expected.append((api.user_ids[who], path))
            else:
                assert r.status_code == 403, (who, path, r.status_code)
                assert "Aina Puig" not in r.text
    audit = api.get("coordinator", "/v1/audit", params={"limit": 1000}).json()
    personal = [
        a
        for a in audit
        if a["action"] in {"registry.read", "registry.list"} | {"registry.export", "manifests.read"}
    ]
    assert len(personal) == len(expected)  # one record per read, none for a refusal
    assert sorted(a["user_id"] for a in personal) == sorted(u for u, _ in expected)
    for a in personal:
        when = dt.datetime.fromisoformat(str(a["at"]).replace("Z", "+00:00"))
        if when.tzinfo is None:
            when = when.replace(tzinfo=dt.UTC)
        assert at <= when < at + dt.timedelta(hours=1), a  # the injected clock, not the machine's
        assert a["detail"]["purpose"] == "test"
    assert {a["subject"] for a in personal} == {f"evacuee:{ident}", "registry", f"vehicle:{BUS0}"}


# -- finding 5: the live stream ------------------------------------------------------------


def stream(api: Api, who: str) -> list[tuple[str, dict[str, Any]]]:
    """Every event ``who`` receives, replayed from the start (the stream ends when idle)."""
    r = api.get(who, "/v1/events", params={"after": 0, "idle_close": 0.3})
    if r.status_code == 403:
        return []
    assert r.status_code == 200, r.text
    out = []
    for frame in r.text.split("\n\n"):
        lines = dict(line.split(": ", 1) for line in frame.splitlines() if ": " in line)
        if "event" in lines:
            out.append((lines["event"], json.loads(lines["data"])))
    return out


def rest(api: Api, who: str, path: str) -> Any:
    r = api.get(who, path)
    return r.json() if r.status_code == 200 else None


def test_finding_5_each_role_streams_exactly_what_it_may_read(api: Api) -> None:
    register(api, "e1", "Aina Puig", BUS0)
    for n, (who, vehicle) in enumerate((("driver", BUS0), ("driver2", BUS1))):
        report = {"client_id": f"p{n}", "vehicle": vehicle, "at": AT, "lat": 42.5, "lon": 1.5}
        assert api.post(who, "/v1/positions", {"positions": [report]}).status_code == 200
        assert api.post(who, "/v1/checkins", boarding(f"c{n}", vehicle, [])).status_code == 201
    for parties in ("A", "B", "AB"):
        body = {"kind": "movement", "parties": parties, "subject": f"to {parties}", "body": {}}
        assert api.post("coordinator", "/v1/notifications", body).status_code == 201
    ack = api.post("liaison-b", "/v1/notifications/2/ack", {"note": "seen"})
    assert ack.status_code == 200, ack.text
    incident = {
        "client_id": "i1",
        "kind": "delay",
        "severity": "info",
        "description": "x",
        "at": AT,
    }
    assert api.post("driver", "/v1/incidents", incident).status_code == 201

    for who in ("admin", *PEOPLE):
        events = stream(api, who)
        got: dict[str, list[dict[str, Any]]] = {}
        for topic, data in events:
            got.setdefault(topic, []).append(data)
        # positions and check-ins: the vehicles the REST reads show, nothing else
        for topic, path in (("positions", "/v1/positions"), ("checkins", "/v1/checkins")):
            shown = rest(api, who, path)
            want = sorted({row["vehicle"] for row in shown}) if shown is not None else []
            assert sorted({e["vehicle"] for e in got.get(topic, [])}) == want, (who, topic)
        # notifications: the ids the REST read lists (the other party's are never streamed)
        listed = rest(api, who, "/v1/notifications")
        want_ids = sorted(n["id"] for n in listed) if listed is not None else []
        assert sorted({e["id"] for e in got.get("notifications", [])}) == want_ids, who
        # the acknowledgement of notification 2 (to B only) reaches only who may read it
        acks = [e for e in got.get("notifications", []) if "acknowledged_by" in e]
        assert bool(acks) == (2 in want_ids), who
        # incidents and counts: whoever reads them
        assert bool(got.get("incidents")) == (rest(api, who, "/v1/incidents") is not None), who
        summary = rest(api, who, "/v1/registry/summary")
        assert bool(got.get("registry")) == (summary is not None), who
        assert "Aina Puig" not in json.dumps(events)  # nobody streams a name
    # the findings' own cases, said plainly
    assert not any(t == "positions" for t, _ in stream(api, "registrar"))
    for who in ("driver", "registrar", "reception"):
        assert not any(t == "notifications" for t, _ in stream(api, who)), who
    a_ids = {d["id"] for t, d in stream(api, "liaison-a") if t == "notifications"}
    assert a_ids == {1, 3}
