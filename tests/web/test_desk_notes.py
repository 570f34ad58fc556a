"""The coordination service's notifications in a liaison's desk: the movements of each published
plan reach both parties (GET /v1/notifications), and each party acknowledges them there, for
itself only. The desk showed only the signed movements of the log, so the service's were seen by
no page."""

from __future__ import annotations

import uuid

import pytest

from .conftest import Server
from .desk import Desk

pytestmark = pytest.mark.browser


def ours(server: Server, who: str, party: str, subjects: set[str]) -> dict[str, bool]:
    """For each of ``subjects``: whether ``party`` has acknowledged it (as ``who`` reads it)."""
    notes = server.ok("GET", "/v1/notifications", who)
    return {
        n["subject"]: any(a["party"] == party for a in n["acknowledgements"])
        for n in notes
        if n["subject"] in subjects
    }


def test_a_liaison_sees_and_acknowledges_the_services_notifications(
    desk: Desk, server: Server
) -> None:
    tag = uuid.uuid4().hex[:6]
    subjects = [f"D1/bus/{i} trip 1: enters at K1 09:{10 + i} ({tag})" for i in range(3)]
    ids = [
        server.ok("POST", "/v1/notifications", "coordinator",
                  json={"kind": "movement", "parties": "AB", "subject": s})["id"]
        for s in subjects
    ]  # fmt: skip
    only_b = f"site notice for party B only ({tag})"
    server.ok("POST", "/v1/notifications", "coordinator",
              json={"kind": "site", "parties": "B", "subject": only_b})  # fmt: skip
    desk.page.reload()
    desk.loaded()
    panel = desk.page.locator("#service-notes-panel")
    assert panel.is_visible()
    text = str(panel.text_content())
    assert all(s in text for s in subjects)
    assert only_b not in text  # addressed to the other party alone
    assert "not yet acknowledged by your party" in text
    desk.shot("desk-service-notifications")

    # One by its own button: acknowledged for party A only, and the list says when.
    desk.page.click(f'#service-notes li[data-note="{ids[0]}"] button')
    desk.page.wait_for_selector(f'#service-notes li[data-note="{ids[0]}"].acknowledged')
    assert "1 notification acknowledged" in str(desk.page.text_content("#status"))
    assert ours(server, "liaison_a", "A", set(subjects)) == {
        subjects[0]: True, subjects[1]: False, subjects[2]: False
    }  # fmt: skip
    assert not any(ours(server, "liaison_b", "B", set(subjects)).values())

    # The rest at once.
    desk.page.click("#acknowledge-service-all")
    desk.page.wait_for_selector("#service-notes-panel:not(:has(#acknowledge-service-all))")
    assert all(ours(server, "liaison_a", "A", set(subjects)).values())
    assert "0 notifications not yet acknowledged" in str(
        desk.page.text_content("#service-notes-count")
    )
    assert not any(ours(server, "liaison_b", "B", set(subjects)).values())
