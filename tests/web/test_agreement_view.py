"""The agreement as a coordinator watches it: versions, differences, signatures, readiness.

The parties sign on their own machines (here: fresh keys in the test) and post the envelopes;
the dashboard must follow each step live, and call the corridor ready only at the very end.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from conftest import EXAMPLE_START, T0

from corridor.domain.agreement import Kind
from corridor.domain.proposal import ROLES, example_documents
from corridor.services import negotiation
from corridor.tlog.keys import SignerKey

from .conftest import Server, log_head, open_corridor, post_envelope

pytestmark = pytest.mark.browser

ZONE = "Europe/Kyiv"


def window_ending_in(server: Server, minutes: int) -> dict[str, Any]:
    """An 8-hour window, in the corridor's own time zone, that ends ``minutes`` after the
    service's now."""
    end = server.now().astimezone(ZoneInfo(ZONE)) + dt.timedelta(minutes=minutes)
    start = end - dt.timedelta(hours=8)
    return {"start": start.strftime("%Y-%m-%dT%H:%M"), "duration_hours": 8, "time_zone": ZONE}


def badge(page: Any) -> str:
    return str(page.locator("#corridor-summary .state").get_attribute("data-ready"))


def test_the_coordinator_follows_a_negotiation_to_readiness(server: Server, dashboard: Any) -> None:
    signers = {role: SignerKey.generate(role.replace("_", "-")) for role in ROLES}
    first, second = example_documents(
        {r: s.verifier().text() for r, s in signers.items()}, EXAMPLE_START
    )
    # The window is open now, so that the clock has something to count: 15 minutes are left.
    first["window"] = window_ending_in(server, 15)
    second["window"] = window_ending_in(server, 15)
    corridor = first["corridor"]
    open_corridor(server, corridor, signers)
    proposal = negotiation.proposal(first, signers["intermediary"], T0, log_head(server))
    post_envelope(server, "coordinator", proposal)

    d = dashboard()
    d.sign_in("coordinator")
    d.page.locator("#stream-status[data-state='live']").wait_for(timeout=10_000)
    assert badge(d.page) == "false"
    d.view("agreement")
    checklist = d.page.locator("#checklist")
    # Version 1 leaves out what may go in: the checklist says so, in words.
    assert "what may go in (goods_in) is missing" in checklist.inner_text()
    # The agreed route and checkpoint are drawn on the map.
    d.view("operation")
    d.page.locator(".point-marker", has_text="Bridge 7").wait_for()
    d.view("agreement")

    # Party B counters; the page shows version 2 and what changed, without a reload.
    v1 = server.ok("GET", f"/v1/corridors/{corridor}", "liaison_b")["versions"][0]
    counter = negotiation.counter(second, signers["party_b"], 1, v1["hash"], T0, log_head(server))
    post_envelope(server, "liaison-b", counter)
    d.page.locator("#versions tbody tr", has_text="v2").wait_for(timeout=10_000)
    diff = d.page.locator("#diff-out")
    diff.locator("li").first.wait_for()
    assert "vehicles" in diff.inner_text()
    assert "goods_in" not in checklist.inner_text()

    v2 = server.ok("GET", f"/v1/corridors/{corridor}", "liaison_a")["versions"][1]
    for kind in (Kind.ACCEPTANCE, Kind.CEASEFIRE_START):
        for role, who in (("party_a", "liaison-a"), ("party_b", "liaison-b")):
            if (kind, role) == (Kind.CEASEFIRE_START, "party_b"):
                # One confirmation is still missing: not ready, and the page says what.
                d.page.locator("#confirmations tbody tr", has_text="Party A").wait_for()
                assert badge(d.page) == "false"
                todo = d.page.locator("#checklist li.todo")
                assert todo.count() == 1
                assert "party_b" in todo.inner_text()
                assert "ceasefire" in todo.inner_text()
                d.shot("agreement-one-confirmation-missing")
            post_envelope(
                server,
                who,
                negotiation.on_version(
                    kind, corridor, signers[role], 2, v2["hash"], T0, log_head(server)
                ),
            )

    d.page.locator("#corridor-summary .state[data-ready='true']").wait_for(timeout=10_000)
    assert d.page.locator("#checklist li.todo").count() == 0
    assert d.page.locator("#acceptances tbody tr").count() == 2
    d.shot("agreement-ready")

    # 15 minutes left: the clock is loud (an alert, in red), and says how long in minutes.
    clock = d.page.locator("#window-clock")
    assert "critical" in str(clock.get_attribute("class"))
    assert clock.get_attribute("role") == "alert"
    assert "min left in the window" in clock.inner_text()

    # A party's liaison sees the same agreement state (the parties are symmetric).
    a = dashboard()
    a.sign_in("liaison_a")
    assert badge(a.page) == "true"
    a.view("agreement")
    assert "Westford gate" in a.page.locator("#terms").inner_text()
    a.shot("agreement-liaison_a")

    # Shelling near the route: party B suspends the corridor; every screen says so at once.
    post_envelope(
        server,
        "liaison-b",
        negotiation.on_version(
            Kind.SUSPENSION,
            corridor,
            signers["party_b"],
            2,
            v2["hash"],
            T0,
            log_head(server),
            reason="shelling",
        ),
    )
    for page in (d.page, a.page):
        page.locator("#corridor-summary .state", has_text="SUSPENDED").wait_for(timeout=10_000)
    assert "Suspended" in d.page.locator(".agreement-state").inner_text()
    d.shot("agreement-suspended")
