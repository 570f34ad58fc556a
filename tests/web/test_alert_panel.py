"""The alert panel of the dashboard, live across two signed-in roles, in a real browser.

The Andorra example is agreed, planned and published on a service whose clock stands before
the window opens (so that every movement can be notified its lead time ahead). A driver's
phone then reports its vehicle two kilometres off its agreed route: the coordinator and an
observer, each on their own screen, see the alert raised; the coordinator acknowledges it and
the observer's screen follows; the vehicle returns to its route and both see it cleared. The
observer is never offered the acknowledgement (its /v1/me `may` has no alerts.ack).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .conftest import Server, add_driver, running_server, with_accounts
from .test_map_and_schedule import EXAMPLE, agree_on_the_example

pytestmark = pytest.mark.browser

#: Two hours before the statements of the agreement (T0, 05:00 in Andorra) and four before
#: the window opens (06:00): the plan's movements are more than their lead time away.
BEFORE_THE_WINDOW = "2026-05-14T01:00:00+00:00"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, chromium: Path) -> Iterator[Server]:
    with running_server(tmp_path_factory.mktemp("alerts-data"), clock=BEFORE_THE_WINDOW) as s:
        yield with_accounts(s)


@pytest.fixture(scope="module")
def published(server: Server) -> dict[str, Any]:
    """The example agreed, planned (5 s) and published; one vehicle's trip sheet."""
    agree_on_the_example(server)
    files = {p.name: p.read_text() for p in Path(EXAMPLE).glob("*.geojson")}
    source = (EXAMPLE / "scenario.yaml").read_text()
    scenario = server.ok(
        "POST",
        "/v1/scenarios",
        "coordinator",
        json={"name": "andorra", "source": source, "files": files},
    )
    job = server.ok(
        "POST",
        "/v1/plans",
        "coordinator",
        json={"scenario_id": scenario["id"], "corridor": "encamp-escaldes-1", "time_limit": 5,
              "seed": 1},
    )  # fmt: skip
    deadline = time.monotonic() + 240
    while (plan := server.ok("GET", f"/v1/plans/{job['id']}", "coordinator"))["status"] in (
        "queued",
        "running",
    ):
        assert time.monotonic() < deadline, f"the plan is still {plan['status']}"
        time.sleep(1)
    assert plan["status"] == "done", plan
    server.ok("POST", f"/v1/plans/{plan['id']}/publish", "coordinator", json={})
    sheets = server.ok("GET", "/v1/trip-sheets", "coordinator")
    sheet = sheets[0]
    add_driver(server, "bus_driver", sheet["vehicle"])
    return sheet


def report(server: Server, vehicle: str, lon: float, lat: float) -> None:
    body = {
        "positions": [
            {"client_id": uuid.uuid4().hex, "vehicle": vehicle, "at": server.now().isoformat(),
             "lat": lat, "lon": lon, "speed_kmh": 30.0}
        ]
    }  # fmt: skip
    out = server.ok("POST", "/v1/positions", "bus_driver", json=body)
    assert out["accepted"] == 1, out


def alert_item(page: Any, kind: str) -> Any:
    return page.locator(f"#alerts li.alert[data-kind='{kind}']").first


def test_an_alert_is_raised_acknowledged_and_cleared_on_both_screens(
    server: Server, published: dict[str, Any], dashboard: Any
) -> None:
    vehicle = published["vehicle"]
    lon, lat = published["route"]["coordinates"][0]
    coordinator = dashboard()
    coordinator.sign_in("coordinator")
    observer = dashboard()
    observer.sign_in("observer")
    for d in (coordinator, observer):
        d.page.locator("#stream-status[data-state='live']").wait_for(timeout=10_000)
        assert d.page.locator("#alerts").inner_text().strip() == "No alert active."

    report(server, vehicle, lon, lat)  # at the start of its route: nothing wrong
    report(server, vehicle, lon + 0.025, lat + 0.012)  # two kilometres away from it
    for d in (coordinator, observer):
        item = alert_item(d.page, "off_route")
        item.wait_for(timeout=15_000)
        assert item.get_attribute("data-state") == "raised"
        assert "Off the agreed route" in item.inner_text()
        assert vehicle in item.inner_text()
    assert observer.page.locator("#alerts button.ack").count() == 0
    coordinator.shot("alerts-raised")

    alert_item(coordinator.page, "off_route").locator("button.ack").click()
    for d in (coordinator, observer):
        acked = "#alerts li.alert[data-kind='off_route'][data-state='acknowledged']"
        d.page.locator(acked).wait_for(timeout=10_000)
    acknowledged = [
        a for a in server.ok("GET", "/v1/alerts", "coordinator") if a["kind"] == "off_route"
    ]
    assert [a["state"] for a in acknowledged] == ["acknowledged"]
    observer.shot("alerts-acknowledged-observer")

    report(server, vehicle, lon, lat)  # back on its route
    for d in (coordinator, observer):
        d.page.locator("#alerts li.alert[data-kind='off_route'][data-state='cleared']").wait_for(
            state="attached", timeout=10_000
        )
        assert d.page.locator("#alerts .alert-summary").inner_text() == "No alert active."
    coordinator.page.locator("#alerts details.alerts-cleared summary").click()
    coordinator.shot("alerts-cleared")
    (cleared,) = [
        a for a in server.ok("GET", "/v1/alerts", "coordinator") if a["kind"] == "off_route"
    ]
    assert cleared["state"] == "cleared"
    assert cleared["raised_at"] <= cleared["acknowledged_at"] <= cleared["cleared_at"]
