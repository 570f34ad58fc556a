"""A whole negotiation done only in the browser, in three browser contexts (the coordinator,
party A's liaison, party B's liaison), each with a key made on its own device: the opening and
the key ceremony (fingerprints read off one screen and typed into another), the proposal, a
counter-proposal written in the form, its difference, both acceptances, both ceasefire
confirmations and a movement notification acknowledged. Then the log the server holds is
exported and verified by the project's offline verifier, with both liaisons' browser keys as
the witnesses that cosigned it."""

from __future__ import annotations

import os
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .conftest import CORRIDOR, Server
from .desk import Desk, drafted_proposal

pytestmark = pytest.mark.browser


@pytest.fixture
def desks(browser: Any, server: Server) -> Iterator[dict[str, Desk]]:
    opened = {who: Desk(browser, server, who) for who in ("coordinator", "liaison_a", "liaison_b")}
    for desk in opened.values():
        desk.sign_in()
    yield opened
    for desk in opened.values():
        desk.close()


def run_cli(server: Server, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CORRIDOR_TOKEN": server.tokens["liaison_a"]}
    return subprocess.run(
        [*CORRIDOR, *args], capture_output=True, text=True, env=env, timeout=120, check=False
    )


def test_a_whole_negotiation_in_the_browser(
    desks: dict[str, Desk], server: Server, tmp_path: Path
) -> None:
    coord, a, b = desks["coordinator"], desks["liaison_a"], desks["liaison_b"]
    corridor = f"desk-{uuid.uuid4().hex[:8]}"

    # The key ceremony: each makes its key on its own device and reads out its fingerprint.
    coord.make_key()
    coord.open_corridor(corridor)
    fingerprints = {}
    for side, desk in (("party_a", a), ("party_b", b)):
        desk.reload(corridor)
        fingerprints[side] = desk.make_key()
        desk.signed("#register-key")
        assert "waiting for the coordinator" in desk.page.text_content("#key-state")
    coord.reload(corridor)
    coord.page.fill("#confirm-fp-party_a", "0000 " + fingerprints["party_a"][5:])
    coord.page.click("#confirm-key-party_a")
    assert "is not the fingerprint" in coord.page.text_content("#status")
    for side in ("party_a", "party_b"):
        coord.page.fill(f"#confirm-fp-{side}", fingerprints[side].upper())
        coord.signed(f"#confirm-key-{side}")
    coord.shot("desk-1-ceremony")

    # The coordinator proposes version 1 from the drafted file.
    coord.page.click("#open-draft")
    coord.page.set_input_files("#draft-file", str(drafted_proposal(tmp_path, corridor)))
    coord.page.click("#draft-load")
    coord.page.click("#draft-preview")
    coord.page.wait_for_selector("#draft-changes")
    coord.signed("#draft-sign")

    # Party B reads it, counter-proposes in the form: a bad value is named, then the real one.
    b.reload(corridor)
    assert "version 1" in b.page.text_content("#review-title")
    b.page.click("#open-draft")
    b.page.fill("#draft-window_zone", "Mars/Olympus")
    b.page.click("#draft-preview")
    b.page.wait_for_selector("#draft-problems")
    problem = b.page.text_content("#draft-problems")
    assert "document.window" in problem
    assert "Mars/Olympus" in problem
    b.page.fill("#draft-window_zone", "Europe/Kyiv")
    b.page.fill("#draft-max_vehicles", "12")
    b.page.fill("#draft-goods", "food, medicine")
    b.page.fill("#draft-care", "wheelchairs and two ambulances with each convoy")
    b.page.click("#draft-preview")
    b.page.wait_for_selector("#draft-changes")
    preview = b.page.text_content("#draft-changes")
    assert "largest number of vehicles" in preview
    assert "12" in preview
    b.shot("desk-2-counter-preview")
    b.signed("#draft-sign")

    # Party A sees version 2 and what changed from version 1, and accepts it; so does B.
    a.reload(corridor)
    assert "version 2" in a.page.text_content("#review-title")
    changed = a.page.text_content("#diff-previous")
    assert "largest number of vehicles" in changed
    a.shot("desk-3-review")
    a.signed("#accept")
    b.reload(corridor)
    b.signed("#accept")
    for desk in (a, b):
        desk.reload(corridor)
        desk.signed("#confirm-start")
    view = server.ok("GET", f"/v1/corridors/{corridor}", "coordinator")
    assert set(view["confirmations"]) == {"party_a", "party_b"}
    assert view["acceptances"]["party_a"] == view["acceptances"]["party_b"]

    # The coordinator notifies a movement; party A acknowledges it in one action.
    coord.reload(corridor)
    coord.page.fill("#move-id", "convoy-1")
    coord.page.fill("#move-what", "4 buses, 2 ambulances, outbound")
    departs = server.now().replace(microsecond=0).isoformat()
    coord.page.fill("#move-departs", departs)
    coord.signed("#notify")
    a.reload(corridor)
    a.signed("#acknowledge-all")
    assert "acknowledged by party-a" in a.page.text_content("#movements")
    a.shot("desk-4-acknowledged")
    view = server.ok("GET", f"/v1/corridors/{corridor}", "coordinator")
    assert view["movements"]["convoy-1"]["acknowledged_by"] == ["party-a"]

    # Each liaison checks the log and cosigns its checkpoint from the page.
    for desk in (a, b):
        desk.page.click("#check-log")
        desk.page.wait_for_selector("#log-result .checked")
        assert "cosigned the checkpoint" in desk.page.text_content("#log-result")

    # The offline verifier accepts the log, with both browser keys as its witnesses.
    keys = tmp_path / "keys"
    keys.mkdir()
    for side, desk in (("party-a", a), ("party-b", b)):
        (keys / f"{side}.pub").write_text(desk.verifier_key() + "\n")
    log_key = server.call("GET", "/v1/log/key", "liaison_a").text
    (keys / "log.pub").write_text(log_key)
    exported = tmp_path / "exported"
    out = run_cli(server, "log", "export", str(exported), "--log", server.url)
    assert out.returncode == 0, out.stdout + out.stderr
    out = run_cli(
        server,
        "log",
        "verify",
        str(exported),
        "--log-key",
        str(keys / "log.pub"),
        "--witness",
        str(keys / "party-a.pub"),
        "--witness",
        str(keys / "party-b.pub"),
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert "ok: witness party-a cosigned" in out.stdout
    assert "ok: witness party-b cosigned" in out.stdout
