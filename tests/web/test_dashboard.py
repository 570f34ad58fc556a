"""The dashboard in a real browser against the real service: what a coordinator or a liaison sees.

Each test signs in with a token made for one role, does what that person would do, and checks
what appears on the page. Screenshots of each view land in ``test-artifacts/web/``.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest

from .conftest import Server, report_position

pytestmark = pytest.mark.browser

VEHICLE = "D1/bus/0"
# Fictional people; the names must reach the humanitarian roles and never a party's liaison.
NAMES = ("Amira Haddad-Testname", "Josep Vilaró-Testname")


def marker(page: Any, vehicle: str) -> Any:
    return page.locator(f'.vehicle-marker[data-vehicle="{vehicle}"]')


def test_sign_in_refuses_a_wrong_token_and_names_the_role(server: Server, dashboard: Any) -> None:
    d = dashboard()
    d.page.goto(server.url + "/")
    d.page.fill("#token", "cor_not-a-real-token")
    d.page.press("#token", "Enter")
    error = d.page.locator("#signin-error")
    error.wait_for()
    assert "not accepted" in error.inner_text()
    assert d.page.locator("#tabs").is_hidden()
    d.shot("signin-refused")

    d.sign_in("coordinator")
    assert d.page.locator("#role").inner_text() == "Coordinator (neutral intermediary)"
    assert d.page.locator("#tabs").is_visible()
    # The attribution of the map data is on the page and on the map itself.
    assert (
        "© OpenStreetMap contributors"
        in d.page.locator(".leaflet-control-attribution").inner_text()
    )
    d.page.locator("#stream-status[data-state='live']").wait_for(timeout=10_000)

    d.page.click("text=Sign out")
    d.page.locator("#signin").wait_for()
    assert d.page.evaluate("sessionStorage.getItem('corridor.token')") is None


def test_a_vehicle_moves_on_the_map_as_positions_arrive(server: Server, dashboard: Any) -> None:
    report_position(server, VEHICLE, 42.5070, 1.5200)
    d = dashboard()
    d.sign_in("coordinator")
    d.page.locator("#stream-status[data-state='live']").wait_for(timeout=10_000)
    m = marker(d.page, VEHICLE)
    m.wait_for(state="attached")
    assert m.get_attribute("data-lat") == "42.507000"
    row = d.page.locator(f'#vehicle-table tr[data-vehicle="{VEHICLE}"]')
    # "Show on the map": the coordinator finds the vehicle from its row.
    row.locator("button.locate").click()
    m.wait_for()
    before = m.bounding_box()
    assert "42.5070° N, 1.5200° E" in row.inner_text()

    # The driver reports twice more; the page follows without a reload.
    report_position(server, VEHICLE, 42.5105, 1.5290)
    report_position(server, VEHICLE, 42.5122, 1.5341)
    d.page.wait_for_function(
        """v => document.querySelector(`.vehicle-marker[data-vehicle="${v}"]`)
                 ?.dataset.lat === "42.512200" """,
        arg=VEHICLE,
        timeout=10_000,
    )
    after = m.bounding_box()
    assert after["x"] > before["x"] + 20, "the marker did not move east on the screen"
    assert after["y"] < before["y"] - 10, "the marker did not move north on the screen"
    assert "42.5122° N, 1.5341° E" in row.inner_text()
    d.shot("operation-coordinator")


def test_an_incident_filed_appears_in_every_feed(server: Server, dashboard: Any) -> None:
    watcher = dashboard()
    watcher.sign_in("liaison_b")
    watcher.page.locator("#stream-status[data-state='live']").wait_for(timeout=10_000)

    d = dashboard()
    d.sign_in("coordinator")
    d.view("incidents")
    text = f"Checkpoint K1 inward lane blocked by a fallen tree ({uuid.uuid4().hex[:6]})"
    d.page.select_option("#incident-kind", "road-blocked")
    d.page.select_option("#incident-severity", "critical")
    d.page.fill("#incident-description", text)
    d.page.click("#incident-form button[type=submit]")
    d.page.locator("#incident-result", has_text="Reported at").wait_for()
    item = d.page.locator("#incident-feed li", has_text=text)
    item.wait_for()
    assert "critical" in item.inner_text().lower()
    assert "Road blocked" in item.inner_text()
    d.shot("incidents-coordinator")

    # The service stored it once, and the other side's liaison sees it live, without reloading.
    stored = [i for i in server.ok("GET", "/v1/incidents", "observer") if i["description"] == text]
    assert len(stored) == 1
    watcher.page.locator("#incident-feed li", has_text=text).wait_for(state="attached")
    watcher.page.locator("#latest-incidents li", has_text=text).wait_for(timeout=10_000)
    assert watcher.page.locator("#incident-count").inner_text() != ""

    # An empty description is not sent.
    before = len(server.ok("GET", "/v1/incidents", "observer"))
    d.page.fill("#incident-description", "   ")
    d.page.click("#incident-form button[type=submit]")
    d.page.locator("#incident-result", has_text="describe").wait_for()
    assert len(server.ok("GET", "/v1/incidents", "observer")) == before


def test_an_observer_cannot_report_an_incident(server: Server, dashboard: Any) -> None:
    d = dashboard()
    d.sign_in("observer")
    d.view("incidents")
    assert d.page.locator("#incident-form").is_hidden()
    assert "not available to your role" in d.page.locator("#report-title").inner_text()


def _register_and_board(server: Server) -> None:
    ids = []
    for i, name in enumerate(NAMES):
        created = server.ok(
            "POST",
            "/v1/registry/evacuees",
            "registrar",
            json={
                "client_id": f"reg-{uuid.uuid4().hex[:10]}",
                "household": f"H{i + 1}",
                "people_class": "general" if i else "vulnerable",
                "gathering": "G1",
                "name": name,
                "needs": "insulin, kept cool",
                "vehicle": VEHICLE,  # on its manifest: its driver boards them by name
            },
        )
        ids.append(created["id"])
    server.ok(
        "POST",
        "/v1/checkins",
        "driver",
        json={
            "client_id": f"board-{uuid.uuid4().hex[:10]}",
            "kind": "boarding",
            "vehicle": VEHICLE,
            "place": "G1",
            "at": server.now().isoformat(),
            "people": {"vulnerable": 1, "general": 1},
            "evacuees": ids,
        },
    )


def test_a_party_liaison_never_receives_a_name(server: Server, dashboard: Any) -> None:
    _register_and_board(server)
    report_position(server, VEHICLE, 42.5080, 1.5230)

    # Control: the names are in the system and the coordinator can open them.
    c = dashboard()
    c.sign_in("coordinator")
    c.page.click(f'.names-button[data-vehicle="{VEHICLE}"]')
    c.page.locator("#names-body td", has_text=NAMES[0]).wait_for()
    assert NAMES[1] in c.page.locator("#names-body").inner_text()
    c.shot("names-coordinator")
    c.page.click("#names-dialog button")

    for liaison in ("liaison_a", "liaison_b"):
        d = dashboard()
        d.sign_in(liaison)
        assert d.page.locator(".names-button").count() == 0
        # Counts, yes: the vehicle carries two people and G1 has them registered.
        row = d.page.locator(f'#vehicle-table tr[data-vehicle="{VEHICLE}"]')
        row.wait_for()
        assert "2 people" in row.inner_text()
        for view in ("operation", "agreement", "schedule", "incidents"):
            d.view(view)
            d.page.wait_for_timeout(300)
            html = d.page.content()
            for name in NAMES:
                assert name not in html, f"{liaison} sees {name!r} on the {view} view"
            assert "insulin" not in html
            if liaison == "liaison_a":
                d.shot(f"{view}-{liaison}")
        api_bodies = [b for b in d.bodies if b.startswith(("{", "["))]
        assert len(api_bodies) >= 4, "the check below would be empty"
        for body in d.bodies:
            for name in NAMES:
                assert name not in body, f"{liaison}'s browser received {name!r}"
        # Asking directly is refused by the service as well.
        r = server.call("GET", f"/v1/registry/evacuees?vehicle={VEHICLE}", liaison)
        assert r.status_code == 403


def test_tabs_work_from_the_keyboard(server: Server, dashboard: Any) -> None:
    d = dashboard(viewport=(820, 1180))  # a tablet in portrait
    d.sign_in("coordinator")
    d.page.focus("#tab-operation")
    d.page.keyboard.press("ArrowRight")
    assert d.page.evaluate("document.activeElement.id") == "tab-agreement"
    assert d.page.locator("#view-agreement").is_visible()
    d.page.keyboard.press("End")
    assert d.page.locator("#view-incidents").is_visible()
    d.page.keyboard.press("Home")
    assert d.page.locator("#view-operation").is_visible()
    # Nothing is wider than the tablet's screen.
    width = d.page.evaluate("document.documentElement.scrollWidth")
    assert width <= 820, f"the page is {width} px wide on an 820 px tablet"
    d.shot("operation-tablet")


def test_every_number_on_the_operation_view_has_a_unit(server: Server, dashboard: Any) -> None:
    _register_and_board(server)
    report_position(server, VEHICLE, 42.5090, 1.5250)
    d = dashboard()
    d.sign_in("coordinator")
    d.page.locator(f'#vehicle-table tr[data-vehicle="{VEHICLE}"]').wait_for()
    # Every piece of text in the header and the side panel that is a bare number.
    bare = d.page.evaluate(
        """() => [...document.querySelectorAll('header *, aside.side *')]
              .filter(el => el.children.length === 0 && el.offsetParent !== null)
              .map(el => el.textContent.trim())
              .filter(t => /^[-+]?[0-9][0-9.,\\s]*$/.test(t))"""
    )
    assert not bare, f"numbers without a unit: {bare}"
    side = d.page.locator("aside.side").inner_text()
    assert re.search(r"\d+ (people|person) out of \d+ (people|person)", side), side


def test_text_from_the_service_is_never_run_as_markup(server: Server, dashboard: Any) -> None:
    """A vehicle name or an incident holding HTML is shown as text, never executed."""
    evil = '<img src=x onerror="window.__pwned=1">'
    body = {
        "positions": [
            {
                "client_id": uuid.uuid4().hex,
                "vehicle": evil,
                "at": server.now().isoformat(),
                "lat": 42.5,
                "lon": 1.5,
            }
        ]
    }
    server.ok("POST", "/v1/positions", "coordinator", json=body)
    server.ok(
        "POST",
        "/v1/incidents",
        "coordinator",
        json={
            "client_id": uuid.uuid4().hex,
            "kind": "other",
            "severity": "info",
            "description": evil,
            "at": server.now().isoformat(),
            "vehicle": evil,
        },
    )
    d = dashboard()
    d.sign_in("coordinator")
    row = d.page.locator("#vehicle-table tbody tr").filter(has_text="<img")
    row.locator("button.locate").click()  # opens the vehicle's tooltip on the map
    d.page.locator(".leaflet-tooltip", has_text="<img").wait_for()
    d.view("incidents")
    d.page.locator("#incident-feed li", has_text="onerror").first.wait_for()
    assert d.page.evaluate("window.__pwned") is None
    assert d.page.locator("img[src=x]").count() == 0
