"""The dashboard in the people's languages: switched to Ukrainian from the header, opened in
Russian by a Russian browser, and no English label left in the header, the tabs, or any view's
headings, forms, legends and table heads (values from the service, marked translate="no", and
the service's own English sentences, marked lang="en", aside). Screenshots of every view land
in ``test-artifacts/web/`` and are looked at."""

from __future__ import annotations

import re
import time
import uuid
from typing import Any

import pytest

from .conftest import Server, add_driver, report_position
from .test_map_and_schedule import planned, server  # noqa: F401  (fixtures of this module too)

pytestmark = pytest.mark.browser

#: Where the labels are: the header, the tabs, and in each view its headings, table heads, form
#: labels and choices, buttons, legends, notes and empty states.
LABELS = ", ".join(
    [
        "header .brand-sub",
        "#corridor-summary",
        "#window-clock",
        "#who",
        "#tabs [role=tab]",
        "#signin h1, #signin p, #signin label, #signin button",
        "main h1, main h2, main h3, main caption, main th, main label, main legend",
        "main button, main dt, main option, main .hint, main .empty, main .muted",
        "#map-legend li, .gantt-legend li, .incident-head, .schedule-summary",
    ]
)

#: Text of every visible label, without what the service wrote (ids, names: translate="no";
#: its English sentences: lang="en").
READ_LABELS = """(selector) => [...document.querySelectorAll(selector)]
  .filter((el) => !el.closest('[translate="no"], [lang="en"]'))
  .map((el) => {
    const copy = el.cloneNode(true);
    copy.querySelectorAll('[translate="no"], [lang="en"]').forEach((x) => x.remove());
    return copy.textContent.replace(/\\s+/g, " ").trim();
  })
  .filter((text) => text)"""


def english_left(page: Any) -> list[str]:
    """Labels that still hold a word of three Latin letters or more."""
    texts = page.evaluate(READ_LABELS, LABELS)
    assert len(texts) > 20, texts
    return [t for t in texts if re.search(r"[A-Za-z]{3,}", t)]


def simulated(service: Server, plan_id: int) -> None:
    """A small simulation of the plan, so that the "Will it hold?" view shows its figures."""
    sim = service.ok(
        "POST", "/v1/simulations", "coordinator", json={"plan_id": plan_id, "runs": 200}
    )
    deadline = time.monotonic() + 180
    while service.ok("GET", f"/v1/simulations/{sim['id']}", "coordinator")["status"] != "done":
        assert time.monotonic() < deadline, "the simulation did not finish"
        time.sleep(1)


def incident_filed(service: Server) -> None:
    service.ok(
        "POST",
        "/v1/incidents",
        "coordinator",
        json={
            "client_id": uuid.uuid4().hex,
            "kind": "checkpoint-delay",
            "severity": "warning",
            "description": "K-SUD: one inward lane only",
            "at": service.now().isoformat(),
        },
    )


def look_at_every_view(d: Any, who: str, shots: bool = True) -> None:
    """Each view in turn: no English label left on it, and its picture taken."""
    for view in ("operation", "agreement", "schedule", "simulation", "incidents"):
        d.view(view)
        if view == "simulation" and shots:
            d.page.locator("[data-testid=p-inside]").wait_for(timeout=30_000)
        if view == "agreement":
            d.page.locator("#diff-out, #terms").first.wait_for()
        d.page.wait_for_timeout(400)
        left = english_left(d.page)
        assert not left, f"{who}, {view}: English labels left: {left}"
        if shots:
            d.shot(f"{view}-{who}")


@pytest.fixture(scope="module")
def under_way(server: Server, planned: dict[str, Any]) -> dict[str, Any]:  # noqa: F811
    """The plan simulated, a bus reporting at K-SUD and an incident filed: every panel has
    something to say."""
    simulated(server, planned["plan"]["id"])
    report_position(server, "D1/bus/0", 42.5266, 1.5673)
    incident_filed(server)
    return planned


def test_the_dashboard_switches_to_ukrainian(
    server: Server,  # noqa: F811
    under_way: dict[str, Any],
    dashboard: Any,
) -> None:
    d = dashboard(locale="en-GB")
    d.page.goto(server.url + "/")
    d.page.locator("#signin-title", has_text="Sign in").wait_for()
    # The reader picks Ukrainian in the header; the page starts again in it, and remembers it.
    d.page.select_option("#language", "uk")
    d.page.locator("html[lang='uk']").wait_for(state="attached")
    d.page.locator("#signin-title", has_text="Увійти").wait_for()
    assert not english_left(d.page)
    d.shot("signin-uk")
    d.sign_in("coordinator")
    assert d.page.evaluate("localStorage.getItem('corridor.language')") == "uk"
    assert d.page.locator("#role").inner_text() == "Координатор (нейтральний посередник)"
    assert "До закриття вікна" in d.page.locator("#window-clock").inner_text()
    assert "Europe/Andorra" in d.page.locator("#window-clock").inner_text()  # the zone, always
    d.page.locator("#tab-operation", has_text="Операція").wait_for()
    # The progress counts against the plan in force: the plan made here is not published, so
    # the panel counts against the registered (none yet), in Ukrainian; dates the Ukrainian way.
    progress = d.page.locator("#progress").inner_text()
    assert "0 людей із 0 людей, які зареєструвалися" in progress, progress
    look_at_every_view(d, "uk")
    assert "14 трав." in d.page.locator("#incident-feed time").first.inner_text()


def test_a_russian_browser_opens_it_in_russian_and_the_driver_sees_no_english(
    server: Server,  # noqa: F811
    under_way: dict[str, Any],
    dashboard: Any,
) -> None:
    d = dashboard(locale="ru-RU")
    d.sign_in("coordinator")
    assert d.page.evaluate("document.documentElement.lang") == "ru"
    assert d.page.locator("#language").input_value() == "ru"
    assert d.page.locator("#tab-schedule").inner_text() == "Расписание"
    look_at_every_view(d, "ru")

    # The driver of the first bus of the plan, on a Ukrainian tablet: its own trip sheet.
    routes = [r for r in under_way["plan"]["plan"]["routes"] if len(r["stops"]) > 1]
    add_driver(server, "driver_uk", routes[0]["vehicle"])
    driver = dashboard(viewport=(820, 1180), locale="uk-UA")
    driver.sign_in("driver_uk")
    # No trip sheet of a plan not published (tests/web/test_driver_trip.py has a published one):
    # every view still speaks Ukrainian.
    look_at_every_view(driver, "driver-uk", shots=False)
    driver.view("schedule")
    driver.shot("schedule-driver-uk")
