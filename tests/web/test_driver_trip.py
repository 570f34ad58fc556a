"""The driver's page with a published trip sheet: the next stop and its time, the route on its
roads, stops done one after the other, a boarding count made offline that reaches the
service once when the connection returns, and the count of the people getting off at the
reception centre, by class like boarding. (The service and the published Andorra plan are those
of the alert panel's tests, in a service of this module's own.)"""

from __future__ import annotations

import time
from typing import Any

import pytest

from .conftest import Server
from .test_alert_panel import published, server  # noqa: F401  (this module's fixtures too)
from .test_driver_page import Phone

pytestmark = pytest.mark.browser


def test_the_trip_sheet_leads_to_boarding_and_arrival_counts_stored_once(
    browser: Any,
    server: Server,  # noqa: F811
    published: dict[str, Any],  # noqa: F811
) -> None:
    sheet = published
    vehicle = sheet["vehicle"]
    first = sheet["stops"][0]
    phone = Phone(browser, server)
    try:
        phone.move_to(first["lat"], first["lon"])
        phone.open("bus_driver")
        page = phone.page
        assert page.locator("#vehicle").inner_text() == vehicle
        assert page.locator("#next-place").inner_text() == first["place"]
        # in the operation's own time, whatever the phone's zone (the sheet writes its offset)
        assert page.locator("#next-time").inner_text() == (
            f"Arrive {first['planned_arrival'][11:16]}, leave {first['planned_departure'][11:16]}"
        )
        # The route on its roads, and every stop in the trip sheet.
        page.locator("#map path.route-line").wait_for(state="attached")
        assert page.locator("#sheet tbody tr").count() == len(sheet["stops"])
        phone.shot("driver-trip-sheet")

        # Stop after stop ("Arrived") to the first gathering point.
        gathering = next(s for s in sheet["stops"] if s["kind"] == "gathering" and s["board"])
        while page.locator("#next-place").inner_text() != gathering["place"]:
            page.click("#btn-arrive")
        done = page.locator("#sheet tbody tr.done").count()
        assert done == [s["seq"] for s in sheet["stops"]].index(gathering["seq"])

        phone.context.set_offline(True)
        page.wait_for_selector("#link[data-online='false']")
        page.click("#btn-board")
        planned = gathering["board"]
        for cls, n in planned.items():
            assert page.input_value(f"#board-{cls}") == str(n)
        cls = max(planned, key=lambda c: planned[c])
        page.fill(f"#board-{cls}", str(planned[cls] - 2))  # two did not come
        phone.shot("driver-boarding-form")
        page.click("#boarding-form button[type='submit']")
        # (A selector, not a string predicate: polling one needs eval, which the page's CSP
        # forbids, and fails whenever the first look does not already see the report.)
        page.wait_for_selector("#outbox[data-waiting]:not([data-waiting='0'])")
        phone.shot("driver-boarding-offline")
        mine = [
            c
            for c in server.ok("GET", "/v1/checkins", "coordinator", params={"vehicle": vehicle})
            if c["kind"] == "boarding"
        ]
        assert mine == []

        phone.context.set_offline(False)
        phone.waiting(0)
        mine = [
            c
            for c in server.ok("GET", "/v1/checkins", "coordinator", params={"vehicle": vehicle})
            if c["kind"] == "boarding"
        ]
        assert len(mine) == 1
        assert mine[0]["place"] == gathering["place"]
        counted = {**planned, cls: planned[cls] - 2}
        assert mine[0]["people"] == {c: n for c, n in counted.items() if n}
        # The gathering point is done; the next stop comes after it.
        assert page.locator("#next-place").inner_text() != gathering["place"]

        # Arrived at the reception centre: the people getting off are counted by class, as
        # at boarding, and the count is stored (once).
        seqs = [s["seq"] for s in sheet["stops"]]
        reception = next(
            s
            for s in sheet["stops"][seqs.index(gathering["seq"]) + 1 :]
            if s["kind"] == "reception" and s["deliver"]
        )
        while page.locator("#next-place").inner_text() != reception["place"]:
            page.click("#btn-arrive")
            assert page.locator("#arrival-form").count() == 0  # nobody gets off there
        page.click("#btn-arrive")
        delivered = reception["deliver"]
        for c, n in delivered.items():
            assert page.input_value(f"#arrive-{c}") == str(n)
        most = max(delivered, key=lambda c: delivered[c])
        page.fill(f"#arrive-{most}", str(delivered[most] - 1))  # one got off on the way
        phone.shot("driver-arrival-form")
        page.click("#arrival-form button[type='submit']")

        def stored() -> list[dict[str, Any]]:
            got = server.ok("GET", "/v1/checkins", "coordinator", params={"vehicle": vehicle})
            return [c for c in got if c["kind"] == "arrival"]

        # The outbox reads 0 until the page has kept the report, so wait for the service to
        # have it rather than for the outbox alone (which raced the click).
        deadline = time.monotonic() + 20
        while not stored() and time.monotonic() < deadline:
            page.wait_for_timeout(100)
        phone.waiting(0)
        assert page.get_attribute("#outbox", "data-refused") == "0"
        arrivals = stored()
        assert len(arrivals) == 1
        assert arrivals[0]["place"] == reception["place"]
        got_off = {**delivered, most: delivered[most] - 1}
        assert arrivals[0]["people"] == {c: n for c, n in got_off.items() if n}
        assert page.locator("#next-place").inner_text() != reception["place"]
        assert not phone.errors, phone.errors
        assert not phone.outside, phone.outside
    finally:
        phone.context.close()
