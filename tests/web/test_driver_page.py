"""The driver's page on a phone, in a real browser against the real service.

The phone signs in with its driver's token, installs its offline copy (the service worker and
its kept files), reports its position from the (emulated) device location, loses the
connection, keeps reporting (positions, an incident, a boarding count where a trip sheet is
published), gets the connection back, and every report reaches the service exactly once, even
when the answer to a request that the service did store is lost on the way back. Screenshots
land in ``test-artifacts/web/`` and are looked at.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .conftest import ARTIFACTS, Server

pytestmark = pytest.mark.browser

VEHICLE = "D1/bus/0"  # the driver account of the session's server (conftest.ROLES)
#: A drive north-east through Andorra la Vella, each point ~300 m from the last.
ROAD = [(42.5063, 1.5218), (42.5090, 1.5245), (42.5117, 1.5272), (42.5144, 1.5299)]


class Phone:
    """A phone-sized browser context on the driver's page, service workers allowed."""

    def __init__(self, browser: Any, server: Server) -> None:
        self.server = server
        self.context = browser.new_context(
            viewport={"width": 390, "height": 844},
            device_scale_factor=2,
            is_mobile=True,
            has_touch=True,
            locale="en-GB",
            geolocation={"latitude": ROAD[0][0], "longitude": ROAD[0][1]},
            permissions=["geolocation"],
        )
        self.outside: list[str] = []
        self.context.route("**/*", self._only_the_service)
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))

    def _only_the_service(self, route: Any) -> None:
        if route.request.url.startswith(self.server.url):
            route.continue_()
        else:
            self.outside.append(route.request.url)
            route.abort()

    def open(self, who: str = "driver") -> None:
        self.page.goto(self.server.url + "/driver.html")
        self.page.fill("#token", self.server.tokens[who])
        self.page.press("#token", "Enter")
        self.page.wait_for_selector("body[data-loaded='true']", timeout=20_000)

    def move_to(self, lat: float, lon: float) -> None:
        self.context.set_geolocation({"latitude": lat, "longitude": lon})

    def waiting(self, n: int) -> None:
        self.page.wait_for_selector(f"#outbox[data-waiting='{n}']", timeout=20_000)

    def shot(self, name: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path


@pytest.fixture
def phone(browser: Any, server: Server) -> Iterator[Phone]:
    p = Phone(browser, server)
    yield p
    assert not p.errors, f"JavaScript errors on the page: {p.errors}"
    assert not p.outside, f"the page reached outside the service: {p.outside}"
    with contextlib.suppress(Exception):
        p.context.close()


def positions_of(server: Server, vehicle: str) -> list[dict[str, Any]]:
    rows = server.ok("GET", "/v1/positions", "coordinator", params={"vehicle": vehicle})
    return list(rows)


def test_the_page_installs_as_an_offline_app(phone: Phone, server: Server) -> None:
    phone.open()
    manifest = server.ok("GET", "/driver.webmanifest")
    assert manifest["start_url"] == "/driver.html"
    assert manifest["display"] == "standalone"
    assert {i["sizes"] for i in manifest["icons"]} >= {"192x192", "512x512"}
    for icon in manifest["icons"]:
        assert server.call("GET", icon["src"]).status_code == 200, icon["src"]
    # The service worker controls the page and keeps every file the page needs.
    kept = phone.page.evaluate(
        """async () => {
             await navigator.serviceWorker.ready;
             const cache = await caches.open('corridor-driver-v1');
             return (await cache.keys()).map((r) => new URL(r.url).pathname);
           }"""
    )
    for path in ("/driver.html", "/js/driver/app.js", "/js/driver/outbox.js",
                 "/vendor/leaflet/leaflet.js", "/css/driver.css"):  # fmt: skip
        assert path in kept, (path, kept)
    # The worker installed (it would not with a missing file) and is active.
    assert phone.page.evaluate("navigator.serviceWorker.ready.then((r) => r.active !== null)")
    assert phone.page.locator("#vehicle").inner_text() == VEHICLE
    phone.shot("driver-page")


def test_reports_made_offline_reach_the_service_once(phone: Phone, server: Server) -> None:
    before = len(positions_of(server, VEHICLE))
    phone.open()
    # The first fix is reported at once.
    phone.waiting(0)
    assert len(positions_of(server, VEHICLE)) == before + 1
    assert "reached the service" in phone.page.locator("#outbox").inner_text()

    phone.context.set_offline(True)
    phone.page.wait_for_selector("#link[data-online='false']")
    # Each point is more than 200 m on: one report each. The browser delivers only the latest
    # fix to the page, so the next move waits until the last one is queued.
    for queued, (lat, lon) in enumerate(ROAD[1:], start=1):
        phone.move_to(lat, lon)
        phone.waiting(queued)
    phone.waiting(3)
    text = f"Crater across the road {uuid.uuid4().hex[:6]}"
    phone.page.click("#btn-incident")
    phone.page.select_option("#incident-kind", "road-blocked")
    phone.page.check("input[name='severity'][value='critical']")
    phone.page.fill("#incident-text", text)
    phone.page.click("#incident-form button[type='submit']")
    phone.waiting(4)
    assert "4 reports wait for the connection" in phone.page.locator("#outbox").inner_text()
    assert phone.page.locator("#link").inner_text() == "Offline: reports are kept"
    phone.shot("driver-page-offline")
    # Nothing reached the service while the phone was offline.
    assert len(positions_of(server, VEHICLE)) == before + 1
    incidents = server.ok("GET", "/v1/incidents", "coordinator", params={"limit": 1000})
    assert not [i for i in incidents if i["description"] == text]

    # The connection returns, but the answer to the first batch of positions is lost on its
    # way back (the service stored it): the page sends it again, and the service keeps one.
    lost: list[str] = []

    def answer_lost(route: Any) -> None:
        if route.request.method == "POST" and not lost:
            route.fetch()  # it reaches the service ...
            lost.append(route.request.post_data or "")
            route.abort()  # ... and the phone never hears back
        else:
            route.continue_()

    phone.page.route("**/v1/positions", answer_lost)
    phone.context.set_offline(False)
    phone.waiting(0)
    assert lost, "the lost answer was never exercised"
    stored = positions_of(server, VEHICLE)
    assert len(stored) == before + 4
    assert len({(p["lat"], p["lon"]) for p in stored[-4:]}) == 4
    assert [(p["lat"], p["lon"]) for p in stored[-3:]] == ROAD[1:]
    incidents = server.ok("GET", "/v1/incidents", "coordinator", params={"limit": 1000})
    mine = [i for i in incidents if i["description"] == text]
    assert len(mine) == 1
    assert (mine[0]["kind"], mine[0]["severity"], mine[0]["vehicle"]) == (
        "road-blocked",
        "critical",
        VEHICLE,
    )
    assert (mine[0]["lat"], mine[0]["lon"]) == ROAD[-1]
    assert "Every report has reached the service" in phone.page.locator("#outbox").inner_text()
    phone.shot("driver-page-back-online")
