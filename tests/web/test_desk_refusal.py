"""Trust, but verify: the desk refuses to sign when the server shows this party a history that
does not extend the checkpoint it cosigned last. The test plays a dishonest server: it answers
the page's requests with a forked log (an entry this party has seen, taken out; the rest shifted
up) under a checkpoint signed with the log's own key and a consistency proof of that fork, or
with a checkpoint older than the one the party cosigned. The page says so in words a liaison
understands, and nothing is signed or sent. Party A's key is imported into the page from the
CLI's key file, once."""

from __future__ import annotations

import base64
import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from conftest import EXAMPLE_START, T0

from corridor.adapters.key_files import read_signer, write_key_pair
from corridor.domain.agreement import Kind
from corridor.domain.example import example_documents
from corridor.domain.proposal import ROLES
from corridor.services import negotiation
from corridor.tlog.keys import SignerKey
from corridor.tlog.merkle import MemoryTree
from corridor.tlog.note import Checkpoint, sign_note

from .conftest import Server, log_head, open_corridor, post_envelope
from .desk import Desk

pytestmark = pytest.mark.browser


def entries(server: Server) -> list[bytes]:
    page = server.ok("GET", "/v1/log/entries", "liaison_a")["entries"]
    return [base64.b64decode(e) for e in page]


def proposed(server: Server, tmp_path: Path) -> tuple[str, dict[str, SignerKey], Path]:
    """A corridor opened and proposed over HTTP, party A's key written as the CLI writes it."""
    signers = {role: SignerKey.generate(role.replace("_", "-")) for role in ROLES}
    corridor = f"desk-{uuid.uuid4().hex[:8]}"
    first, _ = example_documents({r: s.verifier_text for r, s in signers.items()}, EXAMPLE_START)
    first["corridor"] = corridor
    open_corridor(server, corridor, signers)
    envelope = negotiation.proposal(first, signers["intermediary"], T0, log_head(server))
    post_envelope(server, "coordinator", envelope)
    private, _ = write_key_pair(signers["party_a"], tmp_path)
    return corridor, signers, private


def import_key(
    desk: Desk, private: Path, corridor: str, confirmed: str = "Confirmed in this corridor"
) -> None:
    desk.page.set_input_files("#key-file", str(private))
    desk.page.evaluate("document.body.dataset.loaded = 'false'")
    desk.page.click("#import-key")
    desk.loaded()
    desk.choose(corridor)
    assert confirmed in desk.page.text_content("#key-state")


def check_and_cosign(desk: Desk) -> None:
    desk.page.evaluate("document.getElementById('log-result').replaceChildren()")
    desk.page.click("#check-log")
    desk.page.wait_for_selector("#log-result .checked")
    assert "cosigned the checkpoint" in desk.page.text_content("#log-result")


def more_entries(server: Server, corridor: str, signers: dict[str, SignerKey]) -> None:
    """Party B incidents, logged after A's cosignature, then a checkpoint of them."""
    v1 = server.ok("GET", f"/v1/corridors/{corridor}", "liaison_b")["versions"][0]["hash"]
    for n in range(3):
        envelope = negotiation.on_version(
            Kind.INCIDENT,
            corridor,
            signers["party_b"],
            1,
            v1,
            T0,
            log_head(server),
            description=f"incident {n}",
        )
        post_envelope(server, "liaison_b", envelope)
    signed = server.call("POST", "/v1/log/checkpoint", "coordinator")
    assert signed.status_code == 200, signed.text


def refuses(desk: Desk, server: Server) -> str:
    """Press Accept; the page must refuse before anything is signed or sent."""
    posted: list[str] = []
    desk.page.on(
        "request",
        lambda r: posted.append(r.url) if "/v1/agreement/envelopes" in r.url else None,
    )
    before = len(entries(server))
    said = desk.sign("#accept")
    assert desk.page.is_visible("#refusal"), said
    assert not desk.page.is_visible("#confirm-dialog[open]")
    assert posted == []
    assert len(entries(server)) == before
    desk.part("#status", "desk-refusal")
    return said


def test_a_forked_history_is_refused(desk: Desk, server: Server, tmp_path: Path) -> None:
    corridor, signers, private = proposed(server, tmp_path)
    desk.reload(corridor)
    import_key(desk, private, corridor)
    check_and_cosign(desk)
    seen = len(entries(server))
    more_entries(server, corridor, signers)

    # The dishonest server: one entry that A saw is taken out; the log's key signs the fork.
    log_key = read_signer(server.data_dir / "keys" / "corridor-log.key")
    forked = entries(server)
    del forked[seen // 2]
    tree = MemoryTree()
    for e in forked:
        tree.append(e)
    note = sign_note(Checkpoint(log_key.name, len(forked), tree.root()).text(), log_key)

    def fake(route: Any) -> None:
        url = route.request.url
        if route.request.method == "POST" and url.endswith("/v1/log/checkpoint"):
            route.fulfill(status=200, body=note.to_bytes().decode())
        elif url.endswith("/v1/log/checkpoint"):
            route.fulfill(status=200, body=note.to_bytes().decode(), content_type="text/plain")
        elif "/v1/log/entries" in url:
            start = int(url.split("start=")[1].split("&")[0]) if "start=" in url else 0
            body = {
                "start": start,
                "entries": [base64.b64encode(e).decode() for e in forked[start:]],
            }
            route.fulfill(status=200, body=json.dumps(body), content_type="application/json")
        elif "/v1/log/proof/consistency" in url:
            first = int(url.split("first=")[1].split("&")[0])
            proof = tree.consistency_proof(first, len(forked))
            body = {
                "first": first,
                "second": len(forked),
                "proof": [base64.b64encode(p).decode() for p in proof],
            }
            route.fulfill(status=200, body=json.dumps(body), content_type="application/json")
        else:
            route.continue_()

    desk.page.route("**/v1/log/**", fake)
    said = refuses(desk, server)
    assert "does not extend" in said
    assert "Not signed" in said


def test_a_checkpoint_older_than_the_cosigned_one_is_refused(
    desk: Desk, server: Server, tmp_path: Path
) -> None:
    corridor, signers, private = proposed(server, tmp_path)
    desk.reload(corridor)
    import_key(desk, private, corridor)
    check_and_cosign(desk)
    old = server.call("GET", "/v1/log/checkpoint", "liaison_a").text
    more_entries(server, corridor, signers)
    check_and_cosign(desk)  # A has now cosigned the newer checkpoint

    desk.page.route(
        "**/v1/log/checkpoint",
        lambda route: route.fulfill(status=200, body=old, content_type="text/plain"),
    )
    said = refuses(desk, server)
    assert "fewer than" in said
