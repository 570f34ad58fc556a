"""Incident → suspension → replan from the live state → the new version in force.

Half-way through a replayed operation a critical shelling is reported beside a route that is
still to be driven: the alert proposes suspension; party A suspends (a signed log message);
the coordinator replans from where the vehicles are and who is aboard, with the roads around
the shelling closed. The new plan passes the referee, keeps every stop already made and every
boarded person's trip, and is published as version 2 with its differences and new
notifications (each new entry at least the lead time ahead); both parties resume.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from conftest import run_referee
from service.conftest import Api, log_head
from service.test_agreement_api import post_envelope

from corridor.adapters.clock import FixedClock
from corridor.domain.agreement import Kind
from corridor.services import negotiation

from .conftest import planned
from .replay import Faults, replay
from .test_replay import register


def sign(api: Api, plan: dict[str, Any], who: str, role: str, kind: Kind, clock: FixedClock,
         **extra: Any) -> None:  # fmt: skip
    envelope = negotiation.on_version(
        kind, plan["corridor"], plan["signers"][role], 1, plan["digest"], clock(),
        log_head(api.get), **extra,
    )  # fmt: skip
    post_envelope(api, who, envelope)


def metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    k = 111_320.0
    return math.hypot((a[0] - b[0]) * k * math.cos(math.radians(a[1])), (a[1] - b[1]) * k)


def spot_ahead(
    sheets: list[dict[str, Any]], places: list[tuple[float, float]], now: float
) -> tuple[str, float, float, float]:
    """A point of a leg still to be driven, 300 m from every place, as far as can be from the
    roads driven so far (the stops made keep their times): vehicle, lon, lat, and a radius
    that closes no road driven."""
    driven = []
    for s in sheets:
        coords = s["route"]["coordinates"]
        starts = [*s["leg_starts"], len(coords)]
        for leg, stop in enumerate(s["stops"][:-1]):
            if stop["leave_min"] <= now:
                driven += coords[starts[leg] : starts[leg + 1] : 2]
    best = ("", 0.0, 0.0, 0.0)
    for s in sheets:
        coords = s["route"]["coordinates"]
        starts = [*s["leg_starts"], len(coords)]
        for leg, stop in enumerate(s["stops"][:-1]):
            if stop["leave_min"] < now + 150:
                continue
            for mid in coords[starts[leg] : starts[leg + 1] : 7]:
                if any(metres(tuple(mid), p) < 300 for p in places):
                    continue
                away = min(metres(tuple(mid), tuple(d)) for d in driven)
                if away > best[3]:
                    best = (s["vehicle"], mid[0], mid[1], away)
    assert best[3] > 120, "no leg ahead away from the places and the roads driven"
    return best[0], best[1], best[2], min(200.0, best[3] / 2 - 10)


def test_incident_suspension_replan_from_the_live_state(
    live_api: Api, clock: FixedClock, referee: Path, tmp_path: Path
) -> None:
    api = live_api
    plan = planned(api)
    assert api.post("coordinator", f"/v1/plans/{plan['id']}/publish", {}).status_code == 201
    sheets = api.get("coordinator", "/v1/trip-sheets").json()
    people = register(api, sheets)
    first = min(s["stops"][0]["leave_min"] for s in sheets)
    run = replay(api, clock, Faults(), people, until=first + 90)
    # The ceasefire started: both parties confirmed it.
    for role, who in (("party_a", "liaison-a"), ("party_b", "liaison-b")):
        sign(api, plan, who, role, Kind.CEASEFIRE_START, clock)
    now = first + 90
    features = plan["scenario"]["map"]["features"]
    places = [
        tuple(f["geometry"]["coordinates"]) for f in features if f["geometry"]["type"] == "Point"
    ]
    vehicle, lon, lat, radius = spot_ahead(sheets, places, now)
    incident = {
        "client_id": "shelling-1", "kind": "shelling", "severity": "critical",
        "description": "shelling reported beside the road", "at": clock().isoformat(),
        "lat": lat, "lon": lon,
    }  # fmt: skip
    r = api.post("liaison-b", "/v1/incidents", incident)
    assert r.status_code == 201, r.text
    incident_id = r.json()["id"]
    near = [
        a for a in api.get("coordinator", "/v1/alerts").json() if a["kind"] == "incident_near_route"
    ]
    assert len(near) == 1
    assert vehicle in near[0]["data"]["vehicles"]
    assert near[0]["data"]["proposes"] == "suspension"
    # Party A suspends the corridor: its own signed word, in the log.
    sign(api, plan, "liaison-a", "party_a", Kind.SUSPENSION, clock, reason="shelling")
    state = api.get("coordinator", f"/v1/corridors/{plan['corridor']}").json()
    assert state["suspension"] is not None
    # The coordinator replans from the live state.
    checkins = api.get("coordinator", "/v1/checkins").json()
    body = {"incident": incident_id, "radius_m": radius, "time_limit": 120, "seed": 3,
            "iterations": 10}  # fmt: skip
    r = api.post("coordinator", "/v1/replan", body)
    assert r.status_code == 201, r.text
    new = r.json()
    assert new["status"] == "done", new["error"]
    row = api.get("coordinator", f"/v1/plans/{new['id']}").json()
    instance = api.get("coordinator", f"/v1/plans/{new['id']}/instance").json()
    (tmp_path / "i.json").write_text(json.dumps(instance))
    (tmp_path / "p.json").write_text(json.dumps(row["plan"]))
    verdict = run_referee(referee, tmp_path / "i.json", tmp_path / "p.json", "--json")
    assert verdict.returncode == 0, verdict.stdout
    # Every stop already made is kept, with the people the check-ins counted aboard; every
    # one of them is set down at a reception centre in the new plan.
    routes = {route["vehicle"]: route["stops"] for route in row["plan"]["routes"]}
    assert set(new["kept"]) <= set(new["reached"])
    # Only a crossing not yet begun (a vehicle queueing) may be planned again.
    assert all(new["kept"].get(v, 0) >= n - 1 for v, n in new["reached"].items())
    for v, n in new["kept"].items():
        old = [s["place"] for s in next(s for s in sheets if s["vehicle"] == v)["stops"][:n]]
        assert [s["at"] for s in routes[v][:n]] == old, v
    for c in (c for c in checkins if c["kind"] == "boarding"):
        stops = routes[c["vehicle"]]
        boarded = sum(sum(s.get("board", {}).values()) for s in stops)
        alighted = sum(sum(s.get("alight", {}).values()) for s in stops)
        assert any(s["at"] == c["place"] and s.get("board") == c["people"] for s in stops)
        assert alighted == boarded
    # Published as version 2: differences listed, new entries notified the lead time ahead.
    r = api.post("coordinator", f"/v1/plans/{new['id']}/publish", {"reason": "shelling"})
    assert r.status_code == 201, r.text
    assert r.json()["plan_version"] == 2
    assert r.json()["differences"]
    notes = {n["id"]: n for n in api.get("liaison-a", "/v1/notifications").json()}
    for nid in r.json()["notifications"]:
        body = notes[nid]["body"]
        if body["enters_min"] > now:
            assert body["enters_min"] - now >= 120 - 1e-6, notes[nid]["subject"]
    # The replan answered the incident: its alert is cleared.
    near = [
        a for a in api.get("coordinator", "/v1/alerts").json() if a["kind"] == "incident_near_route"
    ]
    assert [a["state"] for a in near] == ["cleared"]
    for role, who in (("party_a", "liaison-a"), ("party_b", "liaison-b")):
        sign(api, plan, who, role, Kind.RESUMPTION, clock)
    assert api.get("coordinator", f"/v1/corridors/{plan['corridor']}").json()["suspension"] is None
    assert run["end"] == now
