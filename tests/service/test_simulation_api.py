"""A simulation of a stored plan as a background job: progress, summary, plots, access."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from .conftest import Api

DATA = Path(__file__).resolve().parents[2] / "data" / "cep"


def stored_plan(api: Api) -> int:
    """The tiny example and its plan, stored as the planner stores a finished plan."""
    instance = json.loads((DATA / "tiny.json").read_text())
    plan = json.loads((DATA / "tiny.plan.json").read_text())
    uow = api.service.uow()
    with uow:
        sid = uow.scenarios.add("tiny", "name: tiny", ".", api.user_ids["coordinator"])
        uow.scenarios.set_fields(sid, instance=instance, origin="2026-05-14T00:00:00+00:00")
        pid = uow.plans.add(sid, {"time_limit": 1, "seed": 0}, api.user_ids["coordinator"])
        uow.plans.set_fields(pid, status="done", plan=plan, progress=1.0)
        uow.commit()
    return int(pid)


def wait(api: Api, sim_id: int, timeout: float = 120) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        s = api.get("observer", f"/v1/simulations/{sim_id}").json()
        if s["status"] in ("done", "failed"):
            return dict(s)
        time.sleep(0.2)
    raise AssertionError(f"simulation {sim_id} still {s['status']}")


def test_simulate_a_stored_plan_and_read_it_back(api: Api) -> None:
    pid = stored_plan(api)
    body = {"plan_id": pid, "runs": 300, "seed": 4, "noise": {"suspension_per_hour": 0.3}}
    r = api.post("coordinator", "/v1/simulations", body)
    assert r.status_code == 202, r.text
    sim = wait(api, r.json()["id"])
    assert sim["status"] == "done", sim["error"]
    s = sim["summary"]
    assert s["runs"] == 300
    assert s["seed"] == 4
    assert s["params"]["suspension_per_hour"] == 0.3
    assert s["planned"]["people_out"] == 126
    assert 0 < s["p_inside_after_close"] < 1
    assert s["people_out"]["quantiles"]["5"] <= s["people_out"]["mean"] <= 126
    listed = api.get("liaison-a", "/v1/simulations", params={"plan": pid}).json()
    assert [x["id"] for x in listed] == [sim["id"]]
    assert "summary" not in listed[0]
    png = api.get("liaison-b", f"/v1/simulations/{sim['id']}/plots/people_out.png")
    assert png.status_code == 200
    assert png.headers["content-type"] == "image/png"
    assert png.content[:8] == b"\x89PNG\r\n\x1a\n"
    # the same seed in the service and through the library: the same summary
    again = wait(api, api.post("coordinator", "/v1/simulations", body).json()["id"])
    assert again["summary"] == s


def test_who_may_start_and_what_is_refused(sqlite_api: Api) -> None:
    api = sqlite_api
    pid = stored_plan(api)
    assert api.post("liaison-a", "/v1/simulations", {"plan_id": pid}).status_code == 403
    assert api.get("driver", "/v1/simulations").status_code == 403
    r = api.post("coordinator", "/v1/simulations", {"plan_id": pid, "noise": {"rain": 1.0}})
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "noise: rain"
    r = api.post("coordinator", "/v1/simulations", {"plan_id": pid, "noise": {"travel_sigma": -1}})
    assert r.status_code == 422
    assert "travel_sigma" in r.json()["detail"]
    r = api.post("coordinator", "/v1/simulations", {"plan_id": 999})
    assert r.status_code == 404
    assert api.get("observer", "/v1/simulations/12345").status_code == 404
    assert api.get("observer", "/v1/simulations").json() == []
    r = api.get("observer", "/v1/simulations/1/plots/evil.png")
    assert r.status_code in (404, 422)


def test_a_simulation_counts_inside_after_the_agreed_close(api: Api) -> None:
    """The agreed terms close 5 minutes before the scenario's window: a vehicle inside after the
    agreed close is inside after the close (the service measured against the scenario's)."""
    pid = stored_plan(api)
    uow = api.service.uow()
    with uow:
        terms = {"open": 480.0, "close": 715.0, "checkpoints": [], "max_vehicles": 0}
        uow.plans.set_fields(pid, report={"agreement": {"complies": True, "terms": terms}})
        uow.commit()
    body = {"plan_id": pid, "runs": 50, "seed": 1}
    sim = wait(api, api.post("coordinator", "/v1/simulations", body).json()["id"])
    assert sim["status"] == "done", sim["error"]
    assert sim["summary"]["window"] == {"open": 480.0, "close": 715.0}
