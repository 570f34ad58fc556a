"""The Andorra example uploaded and planned through the API, then read off the map and the Gantt."""

from __future__ import annotations

import datetime as dt
import re
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import EXAMPLE_START, T0

from corridor.domain.agreement import Kind
from corridor.domain.proposal import ROLES, example_documents
from corridor.services import negotiation
from corridor.tlog.keys import SignerKey

from .conftest import (
    ROOT,
    Server,
    add_driver,
    log_head,
    open_corridor,
    post_envelope,
    running_server,
    with_accounts,
)

pytestmark = pytest.mark.browser

EXAMPLE = ROOT / "examples" / "andorra"
#: This module's service runs on the example operation's day: 10:00 in Andorra, four hours into
#: its 06:00-18:00 window (a rehearsal, as far as the service knows).
OPERATION_TIME = "2026-05-14T10:00:00+02:00"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, chromium: Path) -> Iterator[Server]:
    """A service of its own: a plan is checked against the corridor agreed on its server, and
    the other tests agree a corridor elsewhere in the world."""
    with running_server(tmp_path_factory.mktemp("andorra-data"), clock=OPERATION_TIME) as s:
        yield with_accounts(s)


def agree_on_the_example(server: Server) -> None:
    """Both parties accept and confirm a corridor over the example's checkpoints and window:
    the service publishes only a plan that keeps to an agreed corridor."""
    signers = {role: SignerKey.generate(role.replace("_", "-")) for role in ROLES}
    doc, _ = example_documents({r: s.verifier().text() for r, s in signers.items()}, EXAMPLE_START)
    doc.update(
        corridor="encamp-escaldes-1",
        title="Encamp to Escaldes evacuation corridor",
        route={"type": "LineString", "coordinates": [[1.5798, 42.5336], [1.5673, 42.5266]]},
        checkpoints=[
            {"name": "K-SUD", "at": [1.56728, 42.52658], "controlled_by": "party_a"},
            {"name": "K-NORD", "at": [1.59157, 42.54270], "controlled_by": "party_b"},
        ],
        window={"start": "2026-05-14T06:00", "duration_hours": 12, "time_zone": "Europe/Andorra"},
        ceasefire_area={
            "type": "Polygon",
            "coordinates": [[[1.55, 42.52], [1.60, 42.52], [1.60, 42.55], [1.55, 42.52]]],
        },
        goods_in=["food", "medicine"],
        max_vehicles=40,
    )
    doc["evacuee_rights"]["special_care"] = "the sick and wounded first, with a medic"
    open_corridor(server, doc["corridor"], signers)
    proposal = negotiation.proposal(doc, signers["intermediary"], T0, log_head(server))
    post_envelope(server, "coordinator", proposal)
    v1 = server.ok("GET", f"/v1/corridors/{doc['corridor']}", "observer")["versions"][0]
    for kind in (Kind.ACCEPTANCE, Kind.CEASEFIRE_START):
        for role, who in (("party_a", "liaison-a"), ("party_b", "liaison-b")):
            envelope = negotiation.on_version(
                kind, doc["corridor"], signers[role], 1, v1["hash"], T0, log_head(server)
            )
            post_envelope(server, who, envelope)
    assert server.ok("GET", f"/v1/corridors/{doc['corridor']}", "observer")["ready"]


@pytest.fixture(scope="module")
def planned(server: Server) -> dict[str, Any]:
    """The example scenario uploaded by the coordinator, a corridor agreed over it, and a plan
    computed for it (5 s)."""
    agree_on_the_example(server)
    source = (EXAMPLE / "scenario.yaml").read_text()
    files = {p.name: p.read_text() for p in Path(EXAMPLE).glob("*.geojson")}
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
        json={
            "scenario_id": scenario["id"],
            "corridor": "encamp-escaldes-1",
            "time_limit": 5,
            "seed": 1,
        },
    )
    deadline = time.monotonic() + 240
    while True:
        plan = server.ok("GET", f"/v1/plans/{job['id']}", "coordinator")
        if plan["status"] not in ("queued", "running"):
            break
        assert time.monotonic() < deadline, f"the plan is still {plan['status']}"
        time.sleep(1)
    assert plan["status"] == "done", plan
    return {"scenario": yaml.safe_load(source), "plan": plan}


def test_the_map_shows_the_scenario_with_counts(
    server: Server, planned: dict[str, Any], dashboard: Any
) -> None:
    s = planned["scenario"]
    d = dashboard()
    d.sign_in("coordinator")
    page = d.page
    for g in s["gathering"]:
        page.locator(".point-marker", has_text=g["id"]).first.wait_for(state="attached")
    for k in s["checkpoints"]:
        assert page.locator(".point-marker", has_text=k["id"]).count() >= 1
    # Roads, zone and hazards are vector layers drawn by the page, not pictures.
    assert page.locator(".leaflet-roadsPane-pane path, .leaflet-pane path").count() >= 4
    # Everyone is still waiting: the first gathering point's count is its population.
    first = s["gathering"][0]
    waiting = sum(first["people"].values())
    row = page.locator("#points tr", has_text=first["id"])
    assert f"{waiting:,} people waiting" in row.inner_text()
    # Zooming in shows the same count on the map itself.
    page.locator(".leaflet-control-zoom-in").click()
    page.locator(".leaflet-control-zoom-in").click()
    page.locator(".leaflet-control-zoom-in").click()
    label = page.locator(".point-marker", has_text=first["id"]).first.locator(".point-label")
    assert f"{waiting:,} people waiting" in label.text_content()
    # Planned figures are those of the plan in force: the plan made here is not published, so
    # the panel claims none of its figures (it counted a draft's before).
    planned_total = sum(planned["plan"]["report"]["check"]["evacuated"].values())
    assert planned_total > 0
    assert "0 people out of 0 people registered" in page.locator("#progress").inner_text()
    page.locator(".leaflet-control-zoom-out").click()
    page.wait_for_timeout(600)  # let the zoom animation end before the picture
    d.shot("operation-andorra")


def test_the_schedule_draws_every_vehicle_and_lane_of_the_plan(
    server: Server, planned: dict[str, Any], dashboard: Any
) -> None:
    routes = [r for r in planned["plan"]["plan"]["routes"] if len(r["stops"]) > 1]
    d = dashboard()
    d.sign_in("liaison_a")  # a party may read the plan: vehicles and times, never names
    d.view("schedule")
    charts = d.page.locator("svg.gantt")
    charts.first.wait_for()
    vehicles = charts.nth(0).locator("text.row-label").all_text_contents()
    assert vehicles == [r["vehicle"] for r in routes]
    lanes = charts.nth(1).locator("text.row-label").all_text_contents()
    assert any(x.startswith("K-SUD inward · lane") for x in lanes)
    # Lanes never hold two crossings at once: as many rows as the busiest instant needs, and
    # no more than the checkpoint has.
    s = planned["scenario"]
    for k in s["checkpoints"]:
        for direction, word in (("in", "inward"), ("out", "outward")):
            used = [x for x in lanes if x.startswith(f"{k['id']} {word}")]
            assert len(used) <= k[direction]["lanes"], (k["id"], direction, used)
    # The window's opening and end are marked, with their clock times.
    labels = charts.nth(0).locator("text.window-label").all_text_contents()
    opens = re.fullmatch(r"window opens (\d\d):(\d\d)", labels[0])
    ends = re.fullmatch(r"window ends (\d\d):(\d\d)", labels[1])
    assert opens, labels
    assert ends, labels
    assert (int(ends[1]) - int(opens[1])) % 24 == 12  # the example's 12-hour window
    assert ends[2] == opens[2]
    d.shot("schedule-liaison_a")


def test_the_window_clock_and_the_schedule_read_the_services_clock(
    server: Server, planned: dict[str, Any], dashboard: Any
) -> None:
    """The page counts the window on the service's clock, in the corridor's time zone, and
    says which zone; the Gantt's "now" line is drawn at the same time."""
    d = dashboard()
    d.sign_in("observer")
    body = {
        "positions": [
            {
                "client_id": f"live-{uuid.uuid4().hex[:8]}",
                "vehicle": "D1/bus/0",
                "at": server.now().isoformat(),
                "lat": 42.5266,
                "lon": 1.5673,
            }
        ]
    }
    assert server.ok("POST", "/v1/positions", "driver", json=body)["accepted"] == 1
    clock = d.page.locator("#window-clock")
    clock.locator(".clock-main", has_text="left in the window").wait_for(timeout=10_000)
    text = clock.inner_text()
    # 10:00 in Andorra on the example's day: 8 h left in its 06:00-18:00 window.
    assert re.search(r"(7 h 5\d min|8 h 00 min) left in the window", text), text
    assert "Europe/Andorra" in text
    assert "replay" not in text  # this device's clock agrees with the service's
    row = d.page.locator('#vehicle-table tr[data-vehicle="D1/bus/0"]')
    row.filter(has_text="at K-SUD").wait_for(timeout=10_000)
    d.view("schedule")
    d.page.locator("svg.gantt .now-line").first.wait_for(state="attached")
    assert "Now 10:0" in d.page.locator(".schedule-summary").inner_text()
    d.shot("schedule-now")


def test_a_device_with_a_wrong_clock_still_shows_the_operations_time(
    server: Server, planned: dict[str, Any], dashboard: Any
) -> None:
    """A tablet whose clock is half a year off counts the window on the service's clock and
    says that the operation's time is not its own (a rehearsal, or a replay)."""
    d = dashboard()
    d.context.clock.set_system_time(server.now() + dt.timedelta(days=200))
    d.sign_in("observer")
    clock = d.page.locator("#window-clock.replay")
    clock.wait_for(timeout=10_000)
    text = clock.inner_text()
    assert re.search(r"(7 h 5\d min|8 h 00 min) left in the window", text), text
    assert "operation time 14 May, 10:0" in text


def test_a_driver_sees_no_trips_of_a_plan_not_published(
    server: Server, planned: dict[str, Any], dashboard: Any
) -> None:
    """A driver gets the trips of the plan in force only: the plan made here is a draft (not
    published), so its trip sheets are nobody's orders yet (tests/live cover a driver's trips
    of a published plan)."""
    routes = [r for r in planned["plan"]["plan"]["routes"] if len(r["stops"]) > 1]
    mine = routes[0]["vehicle"]
    add_driver(server, "driver_first", mine)
    d = dashboard(viewport=(820, 1180))
    d.sign_in("driver_first")
    d.view("schedule")
    d.page.wait_for_timeout(1500)
    assert d.page.locator("svg.gantt").count() == 0
    assert d.page.locator("#trip-sheet tbody tr").count() == 0
