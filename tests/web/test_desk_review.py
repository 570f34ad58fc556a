"""What a liaison reads and does during the operation: the difference from the version this
party last accepted (beside the difference from the previous one), an incident reported with a
point picked on the map, and a suspension and its resumption signed in the browser."""

from __future__ import annotations

import copy
import uuid
from pathlib import Path
from typing import Any

import pytest
from conftest import EXAMPLE_START, T0

from corridor.adapters.key_files import write_key_pair
from corridor.domain.agreement import Kind
from corridor.domain.example import example_documents
from corridor.domain.proposal import ROLES
from corridor.services import negotiation
from corridor.tlog.keys import SignerKey

from .conftest import Server, log_head, open_corridor, post_envelope
from .desk import Desk
from .test_desk_refusal import import_key

pytestmark = pytest.mark.browser


def counter(server: Server, corridor: str, doc: dict[str, Any], signer: SignerKey) -> None:
    versions = server.ok("GET", f"/v1/corridors/{corridor}", "liaison_b")["versions"]
    latest = versions[-1]
    envelope = negotiation.counter(
        doc, signer, latest["number"], latest["hash"], T0, log_head(server)
    )
    post_envelope(server, "liaison_b", envelope)


def test_the_difference_since_this_party_accepted_and_an_incident_on_the_map(
    desk: Desk, server: Server, tmp_path: Path
) -> None:
    signers = {role: SignerKey.generate(role.replace("_", "-")) for role in ROLES}
    corridor = f"desk-{uuid.uuid4().hex[:8]}"
    _, complete = example_documents({r: s.verifier_text for r, s in signers.items()}, EXAMPLE_START)
    first = {k: v for k, v in complete.items() if k not in ("version", "supersedes")}
    first["corridor"] = corridor
    open_corridor(server, corridor, signers)
    envelope = negotiation.proposal(first, signers["intermediary"], T0, log_head(server))
    post_envelope(server, "coordinator", envelope)
    private, _ = write_key_pair(signers["party_a"], tmp_path)
    desk.reload(corridor)
    # A proposal exists but this device has no key yet: the panel says what is missing (it
    # said that incidents come once a proposal exists).
    assert "Make or import your key first" in desk.page.text_content("#incident-panel")
    import_key(desk, private, corridor)
    assert desk.page.is_visible("#report-incident")
    desk.signed("#accept")
    assert desk.page.is_visible("#accepted-note")

    # Party B changes two terms, one version at a time.
    second = copy.deepcopy(first)
    second["max_vehicles"] = 7
    counter(server, corridor, second, signers["party_b"])
    third = copy.deepcopy(second)
    third["vehicle_markings"] = "orange flag on the roof"
    counter(server, corridor, third, signers["party_b"])

    desk.reload(corridor)
    previous = desk.page.text_content("#diff-previous")
    since = desk.page.text_content("#diff-accepted")
    assert "What changed since you accepted version 1" in desk.page.text_content("#review-panel")
    assert "markings" in previous
    assert "largest number of vehicles" not in previous
    assert "markings" in since
    assert "largest number of vehicles" in since

    # An incident, its place picked on the map.
    desk.page.fill("#incident-what", "shelling 300 m east of the bridge")
    desk.page.locator("#desk-map").scroll_into_view_if_needed()  # filling scrolled to the form
    box = desk.page.locator("#desk-map").bounding_box()
    desk.page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    lon = float(desk.page.input_value("#incident-lon"))
    lat = float(desk.page.input_value("#incident-lat"))
    route = first["route"]["coordinates"]
    assert min(p[0] for p in route) < lon < max(p[0] for p in route)
    assert min(p[1] for p in route) - 0.1 < lat < max(p[1] for p in route) + 0.1
    desk.signed("#report-incident")
    view = server.ok("GET", f"/v1/corridors/{corridor}", "coordinator")
    assert view["incidents"][-1]["location"] == [lon, lat]
    assert view["incidents"][-1]["author"] == "party-a"

    # Both parties agree version 3 and confirm the start (B from its own machine, A here);
    # then a suspension and its resumption, signed here.
    v3 = server.ok("GET", f"/v1/corridors/{corridor}", "liaison_b")["versions"][-1]
    for kind, button in ((Kind.ACCEPTANCE, "#accept"), (Kind.CEASEFIRE_START, "#confirm-start")):
        desk.reload(corridor)
        desk.signed(button)
        envelope = negotiation.on_version(
            kind, corridor, signers["party_b"], 3, v3["hash"], T0, log_head(server)
        )
        post_envelope(server, "liaison_b", envelope)
    desk.reload(corridor)
    desk.page.fill("#suspend-reason", "shots fired near checkpoint Bridge 7")
    desk.signed("#suspend")
    view = server.ok("GET", f"/v1/corridors/{corridor}", "coordinator")
    assert view["suspension"] is not None
    desk.page.fill("#suspend-reason", "the checkpoint is calm again")
    desk.signed("#resume")
    history = server.ok("GET", f"/v1/corridors/{corridor}", "coordinator")["history"]
    assert any("party-a" in line and "resum" in line for line in history), history
