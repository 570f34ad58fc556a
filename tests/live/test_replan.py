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


def in_force(api: Api) -> tuple[dict[str, Any], list[dict[str, Any]], Any, float]:
    """The plan published, its trip sheets, the people registered, the first departure."""
    plan = planned(api)
    assert api.post("coordinator", f"/v1/plans/{plan['id']}/publish", {}).status_code == 201
    sheets = api.get("coordinator", "/v1/trip-sheets").json()
    return plan, sheets, register(api, sheets), min(s["stops"][0]["leave_min"] for s in sheets)


def shelling(api: Api, clock: FixedClock, cid: str, text: str, lon: float, lat: float) -> int:
    """A critical shelling reported by party B's liaison now at (lon, lat); its id."""
    incident = {"client_id": cid, "kind": "shelling", "severity": "critical",
                "description": text, "at": clock().isoformat(), "lat": lat, "lon": lon}  # fmt: skip
    r = api.post("liaison-b", "/v1/incidents", incident)
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


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
    plan, sheets, people, first = in_force(api)
    run = replay(api, clock, Faults(), people, until=first + 90)
    # The ceasefire started: both parties confirmed it.
    for role, who in (("party_a", "liaison-a"), ("party_b", "liaison-b")):
        sign(api, plan, who, role, Kind.CEASEFIRE_START, clock)
    now = first + 90
    places = map_points(plan)
    vehicle, lon, lat, radius = spot_ahead(sheets, places, now)
    incident_id = shelling(api, clock, "shelling-1", "shelling reported beside the road", lon, lat)
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
    ahead = 12.0
    body = {"incident": incident_id, "radius_m": radius, "time_limit": 120, "seed": 3,
            "iterations": 10, "ahead": ahead}  # fmt: skip
    r = api.post("coordinator", "/v1/replan", body)
    assert r.status_code == 201, r.text
    new = r.json()
    assert new["status"] == "done", new["error"]
    row = api.get("coordinator", f"/v1/plans/{new['id']}").json()
    assert row["params"]["ahead"] == ahead
    # The new stops' loads reach their out-lane at most about that long ahead of their slot
    # (a visit moves only into free in-lane time: 15 minutes of margin, as for corridor plan).
    new_waits = [
        s["start"] - s["arrive"]
        for route in row["plan"]["routes"]
        for s in route["stops"][new["kept"].get(route["vehicle"], 0) :]
        if s.get("dir") == "out"
    ]
    assert max(new_waits) <= ahead + 15.0
    assert any(abs(w - ahead) < 1.0 for w in new_waits)  # a longer wait now ends there
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
    # Publishing a version starts tracking afresh, yet a vehicle heard from a minute ago is not
    # silent: it is judged on its newest report, not on the new version's start.
    assert api.post("coordinator", "/v1/tracking/sweep").status_code == 200
    silent = [a for a in api.get("coordinator", "/v1/alerts").json() if a["kind"] == "silent"]
    assert silent == []
    status = {s["vehicle"]: s for s in api.get("coordinator", "/v1/tracking").json()}
    assert all(s["status"] != "silent" for s in status.values()), status
    # The replan answered the incident: its alert is cleared.
    near = [
        a for a in api.get("coordinator", "/v1/alerts").json() if a["kind"] == "incident_near_route"
    ]
    assert [a["state"] for a in near] == ["cleared"]
    for role, who in (("party_a", "liaison-a"), ("party_b", "liaison-b")):
        sign(api, plan, who, role, Kind.RESUMPTION, clock)
    assert api.get("coordinator", f"/v1/corridors/{plan['corridor']}").json()["suspension"] is None
    assert run["end"] == now
    # The first reports on the new version, each where the new plan has its vehicle: none is
    # late (early is waiting at a stop), none taken for an earlier pass of a road it drives out
    # and back.
    replay(api, clock, Faults(), people, since=now, until=now + 2, tag="v2-")
    status = {s["vehicle"]: s for s in api.get("coordinator", "/v1/tracking").json()}
    assert status
    late = {v: s["late_min"] for v, s in status.items() if s["late_min"] > 5}
    assert late == {}, late
    assert all(s["plan_version"] == 2 for s in status.values())
    # Every vehicle then follows the new version to the end, on legs that hold the wait for
    # the lead time inside them: none is ever taken for late or off its route.
    before = {a["id"] for a in api.get("coordinator", "/v1/alerts").json()}
    replay(api, clock, Faults(), people, since=now + 2, tag="v2b-")
    raised = [a for a in api.get("coordinator", "/v1/alerts").json() if a["id"] not in before]
    wrong = [(a["kind"], a["vehicle"], a["detail"]) for a in raised
             if a["kind"] in ("late", "off_route")]  # fmt: skip
    assert wrong == []


def map_points(plan: dict[str, Any]) -> list[tuple[float, ...]]:
    """The places of the plan's scenario map, as (lon, lat)."""
    features = plan["scenario"]["map"]["features"]
    return [
        tuple(f["geometry"]["coordinates"]) for f in features if f["geometry"]["type"] == "Point"
    ]


def boarding_an_hour_in(sheets: list[dict[str, Any]], first: float) -> tuple[dict[str, Any], int]:
    """The first vehicle (by name) with a boarding stop at least an hour after ``first`` that
    lasts 6 minutes or more: its trip sheet and the stop's index."""
    return next(
        (s, i)
        for s in sorted(sheets, key=lambda s: s["vehicle"])
        for i, st in enumerate(s["stops"])
        if st.get("board")
        and st["arrive_min"] >= first + 60
        and st["leave_min"] - st["arrive_min"] >= 6
        and not st.get("dir")
    )


def lonlat_of(sheet: dict[str, Any], index: int) -> tuple[float, float]:
    """Where stop ``index`` of a trip sheet is: the start of its leg on the road."""
    coords = sheet["route"]["coordinates"]
    at = sheet["leg_starts"][index] if index < len(sheet["leg_starts"]) else len(coords) - 1
    return float(coords[at][0]), float(coords[at][1])


def test_a_vehicle_trapped_by_the_hazard_is_held_and_the_rest_replanned(
    live_api: Api, clock: FixedClock, referee: Path, tmp_path: Path
) -> None:
    """A shelling closes every road around a gathering point while a vehicle is boarding
    there: the replan succeeds, holds that vehicle where it is with its people (listed apart
    from the routes, nothing new for it), raises one ``stranded`` alert with the number on
    board, plans everything else, passes the referee, and the new version says so."""
    api = live_api
    _, sheets, people, first = in_force(api)
    sheet, index = boarding_an_hour_in(sheets, first)
    vehicle, stop = sheet["vehicle"], sheet["stops"][index]
    now = float(stop["arrive_min"]) + 4.0  # boarding there
    replay(api, clock, Faults(), people, until=now)
    lon, lat = lonlat_of(sheet, index)
    incident_id = shelling(api, clock, "shelling-trap", "shelling at the gathering point", lon, lat)
    body = {"incident": incident_id, "radius_m": 400, "time_limit": 120, "seed": 3,
            "iterations": 10}  # fmt: skip
    r = api.post("coordinator", "/v1/replan", body)
    assert r.status_code == 201, r.text
    new = r.json()
    assert new["status"] == "done", new["error"]
    stranded = {h["vehicle"]: h for h in new["stranded"]}
    assert vehicle in stranded, (new["stranded"], new["reached"], new["kept"], index)
    assert stranded[vehicle]["at"] == stop["place"]
    assert stranded[vehicle]["on_board"] == sum(stop["board"].values())
    row = api.get("coordinator", f"/v1/plans/{new['id']}").json()
    held = {h["vehicle"]: h for h in row["plan"]["held"]}
    assert set(held) == set(stranded)
    routes = {route["vehicle"]: route["stops"] for route in row["plan"]["routes"]}
    assert not set(held) & set(routes)
    assert held[vehicle]["stops"][-1]["board"] == stop["board"]
    instance = api.get("coordinator", f"/v1/plans/{new['id']}/instance").json()
    (tmp_path / "i.json").write_text(json.dumps(instance))
    (tmp_path / "p.json").write_text(json.dumps(row["plan"]))
    verdict = run_referee(referee, tmp_path / "i.json", tmp_path / "p.json", "--json")
    assert verdict.returncode == 0, verdict.stdout
    # Every boarded person of a vehicle that can move is set down at a reception centre.
    for v, stops in routes.items():
        boarded = sum(sum(s.get("board", {}).values()) for s in stops)
        assert sum(sum(s.get("alight", {}).values()) for s in stops) == boarded, v
    # The others keep moving people after now.
    assert any(s.get("alight") and s["arrive"] > now for st in routes.values() for s in st)
    alerts = [a for a in api.get("coordinator", "/v1/alerts").json() if a["kind"] == "stranded"]
    assert [(a["vehicle"], a["state"]) for a in alerts if a["vehicle"] == vehicle] == [
        (vehicle, "raised")
    ]
    mine = next(a for a in alerts if a["vehicle"] == vehicle)
    assert mine["data"]["on_board"] == stranded[vehicle]["on_board"]
    assert mine["data"]["at"] == stop["place"]
    r = api.post("coordinator", f"/v1/plans/{new['id']}/publish", {"reason": "shelling"})
    assert r.status_code == 201, r.text
    said = [d for d in r.json()["differences"] if d.startswith(f"{vehicle}: ")]
    assert len(said) == 1, said
    assert "held at" in said[0], said
    assert "stranded" in said[0], said
