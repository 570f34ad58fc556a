"""End to end through the HTTP API: a published plan replayed, clean and with faults.

A clean replay of the plan raises no alert and leaves nobody unaccounted; the faulty one (a
vehicle held 25 min at its checkpoint, another 800 m off its route for part of one leg, a
person who boarded and is left out of the arrival) raises exactly the injected alerts, each
once. A device clock a century ahead and a boarding check-in delivered after the arrival
change neither the latest positions nor anyone's status.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from service.conftest import Api

from corridor.adapters.clock import FixedClock

from .conftest import PUBLISH_AT, planned
from .replay import Faults, replay


def publish(api: Api) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    plan = planned(api)
    r = api.post("coordinator", f"/v1/plans/{plan['id']}/publish", {})
    assert r.status_code == 201, r.text
    return plan, api.get("coordinator", "/v1/trip-sheets").json()


def register(api: Api, sheets: list[dict[str, Any]]) -> dict[str, list[int]]:
    """Three registered people of one household for each vehicle's first boarding stop."""
    out = {}
    for sheet in sheets:
        stop = next((s for s in sheet["stops"] if s["board"]), None)
        if stop is None:
            continue
        klass = next(iter(stop["board"]))
        ids = []
        for k in range(min(3, stop["board"][klass])):
            body = {
                "client_id": f"{sheet['vehicle']}-{k}".replace("/", "-"),
                "household": f"H-{sheet['vehicle']}".replace("/", "-"),
                "people_class": klass,
                "gathering": stop["place"],
                "name": f"Person {k} of {sheet['vehicle']}",
            }
            r = api.post("registrar", "/v1/registry/evacuees", body)
            assert r.status_code in (200, 201), r.text
            ids.append(int(r.json()["id"]))
        out[f"{sheet['vehicle']}@{stop['place']}"] = ids
    return out


def alerts(api: Api) -> list[tuple[str, str | None, int | None]]:
    return sorted(
        (a["kind"], a["vehicle"], a["person"]) for a in api.get("coordinator", "/v1/alerts").json()
    )


def told(api: Api) -> str:
    """Every alert in words, for a failing assertion's message."""
    rows = api.get("coordinator", "/v1/alerts").json()
    return "\n".join(f"{a['kind']} {a['raised_at']} {a['detail']} {a['data']}" for a in rows)


def test_a_clean_replay_raises_no_alert_and_loses_nobody(live_api: Api, clock: FixedClock) -> None:
    api = live_api
    _, sheets = publish(api)
    people = register(api, sheets)
    replay(api, clock, Faults(), people)
    assert alerts(api) == [], told(api)
    rec = api.get("coordinator", "/v1/reconciliation").json()
    assert rec["unaccounted"] == []
    named = {i for ids in people.values() for i in ids}
    assert {p["id"] for p in rec["persons"] if p["status"] == "arrived"} == named
    assert all(not v["unaccounted"] for v in rec["vehicles"])
    status = api.get("coordinator", "/v1/tracking").json()
    assert {s["status"] for s in status} == {"arrived"}


def test_injected_faults_raise_exactly_their_alerts_once(live_api: Api, clock: FixedClock) -> None:
    api = live_api
    plan, sheets = publish(api)
    people = register(api, sheets)
    close = plan["report"]["agreement"]["terms"]["close"]

    # The delayed vehicle has room before the window closes; the others are different ones.
    def last_exit(sheet: dict[str, Any]) -> float:
        return max(s["leave_min"] for s in sheet["stops"] if s.get("dir") == "out")

    ordered = sorted(sheets, key=last_exit)
    late_one = ordered[0]["vehicle"]
    assert last_exit(ordered[0]) + 25 < close
    detoured = ordered[1]
    leg = max(
        range(len(detoured["leg_starts"])),
        key=lambda k: ([*detoured["leg_starts"], len(detoured["route"]["coordinates"])][k + 1]
                       - detoured["leg_starts"][k]),
    )  # fmt: skip
    missing_from = next(
        s["vehicle"]
        for s in ordered[2:]
        if any(k.startswith(s["vehicle"] + "@") and v for k, v in people.items())
    )
    missing_person = next(v for k, v in people.items() if k.startswith(missing_from + "@"))[0]
    faults = Faults(delay=(late_one, 25.0), detour=(detoured["vehicle"], leg), missing=missing_from)
    run = replay(api, clock, faults, people)
    assert alerts(api) == sorted(
        [
            ("late", late_one, None),
            ("off_route", detoured["vehicle"], None),
            ("short_arrival", missing_from, None),
            ("missing_person", missing_from, missing_person),
        ]
    ), told(api)
    rows = {a["kind"]: a for a in api.get("coordinator", "/v1/alerts").json()}
    # The delay and the detour ended: their alerts cleared by themselves.
    assert rows["late"]["state"] == "cleared"
    assert rows["off_route"]["state"] == "cleared"
    assert rows["missing_person"]["state"] == "raised"
    # The coordinator acknowledges; the alert keeps its life (raised, acknowledged).
    ack = api.post("coordinator", f"/v1/alerts/{rows['missing_person']['id']}/acknowledge")
    assert ack.status_code == 200
    assert ack.json()["state"] == "acknowledged"
    assert (
        api.post("liaison-a", f"/v1/alerts/{rows['missing_person']['id']}/acknowledge").status_code
        == 403
    )
    # Liaisons see the alert, never who.
    seen = {a["kind"]: a for a in api.get("liaison-a", "/v1/alerts").json()}
    assert seen["missing_person"]["person"] is None
    assert "person" not in seen["missing_person"]["data"]
    rec = api.get("coordinator", "/v1/reconciliation").json()
    assert rec["unaccounted"] == [missing_person]
    counts = api.get("liaison-b", "/v1/reconciliation").json()
    assert "persons" not in counts
    assert "unaccounted" not in counts
    # A device a century ahead, and a boarding check-in delivered after the arrival: nothing
    # changes, neither the latest positions nor anyone's status nor any count; both are kept.
    latest = api.get("coordinator", "/v1/positions/latest").json()
    tracking = api.get("coordinator", "/v1/tracking").json()
    before = alerts(api)
    ahead = clock() + dt.timedelta(days=36525)
    body = {"client_id": "century", "vehicle": late_one, "at": ahead.isoformat(),
            "lat": 42.5, "lon": 1.5}  # fmt: skip
    assert api.post("coordinator", "/v1/positions", {"positions": [body]}).status_code == 200
    assert api.get("coordinator", "/v1/positions/latest").json() == latest
    assert api.get("coordinator", "/v1/tracking").json() == tracking
    stored = api.get("coordinator", "/v1/positions", params={"vehicle": late_one, "limit": 5000})
    assert [p["suspect"] for p in stored.json() if p["client_id"] == "century"] == ["clock_ahead"]
    arrived = next(p for p in rec["persons"] if p["status"] == "arrived")
    retry = {
        "client_id": "late-retry",
        "kind": "boarding",
        "vehicle": arrived["vehicle"],
        "place": arrived["history"][0]["place"],
        "at": arrived["history"][0]["at"],
        "people": {arrived["class"]: 1},
        "evacuees": [arrived["id"]],
    }
    counts = {
        path: api.get("coordinator", path)
        for path in ("/v1/manifests", "/v1/progress", "/v1/after-action.html")
    }
    assert api.post("coordinator", "/v1/checkins", retry).status_code == 201
    # Nor is it counted anywhere: manifests, progress, the after-action report.
    for path, was in counts.items():
        now_says = api.get("coordinator", path)
        assert now_says.status_code == was.status_code == 200, (path, now_says.text[:300])
        assert now_says.content == was.content, path
    after = api.get("coordinator", "/v1/reconciliation").json()
    again = next(p for p in after["persons"] if p["id"] == arrived["id"])
    assert again["status"] == "arrived"
    assert again["conflicts"] == 1
    assert again["history"][-1]["applied"] is False
    assert {p["id"]: p["status"] for p in after["persons"]} == {
        p["id"]: p["status"] for p in rec["persons"]
    }
    assert after["vehicles"] == rec["vehicles"]
    assert api.post("coordinator", "/v1/tracking/sweep").status_code == 200
    assert alerts(api) == before, told(api)
    assert run["end"] > 0
    assert clock() > PUBLISH_AT
