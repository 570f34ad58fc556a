"""The scripted negotiation over HTTP: parties sign, the server verifies and logs it."""

from __future__ import annotations

import base64
import datetime as dt
import json
from pathlib import Path

from conftest import CEREMONY, EXAMPLE_START, T0

from corridor.adapters.tile_files import verify_directory
from corridor.adapters.witness_state import WitnessStateFile
from corridor.domain.agreement import Follows, Kind
from corridor.domain.proposal import ROLES, example_documents
from corridor.services import negotiation
from corridor.services.agreement import check_entries
from corridor.tlog.keys import SignerKey
from corridor.tlog.note import Checkpoint, parse_note
from corridor.tlog.witness import Witness

from .conftest import Api, log_head, open_over_http


def post_envelope(api: Api, who: str, envelope: bytes) -> dict[str, object]:
    r = api.client.post(
        "/v1/agreement/envelopes",
        content=envelope,
        headers={**api.h(who), "content-type": "application/json"},
    )
    assert r.status_code == 200, r.text
    return dict(r.json())


def head(api: Api) -> Follows | None:
    return log_head(api.get)


def open_corridor(api: Api, signers: dict[str, SignerKey], corridor: str) -> None:
    open_over_http(api.get, lambda who, e: post_envelope(api, who, e), corridor, signers, T0)


def negotiate(api: Api) -> tuple[dict[str, SignerKey], str]:
    signers = {role: SignerKey.generate(role.replace("_", "-")) for role in ROLES}
    first, second = example_documents(
        {r: s.verifier().text() for r, s in signers.items()}, EXAMPLE_START
    )
    corridor = first["corridor"]
    open_corridor(api, signers, corridor)
    post_envelope(
        api, "coordinator", negotiation.proposal(first, signers["intermediary"], T0, head(api))
    )
    v1 = api.get("liaison-b", f"/v1/corridors/{corridor}").json()["versions"][0]
    post_envelope(
        api,
        "liaison-b",
        negotiation.counter(second, signers["party_b"], 1, v1["hash"], T0, head(api)),
    )
    v2 = api.get("liaison-a", f"/v1/corridors/{corridor}").json()["versions"][1]
    for kind in (Kind.ACCEPTANCE, Kind.CEASEFIRE_START):
        for role, who in (("party_a", "liaison-a"), ("party_b", "liaison-b")):
            envelope = negotiation.on_version(
                kind, corridor, signers[role], 2, v2["hash"], T0, head(api)
            )
            post_envelope(api, who, envelope)
    return signers, corridor


def test_negotiation_over_http_reaches_readiness(api: Api) -> None:
    _, corridor = negotiate(api)
    c = api.get("observer", f"/v1/corridors/{corridor}").json()
    assert c["ready"] is True
    assert c["status"] == "confirmed"
    assert [v["number"] for v in c["versions"]] == [1, 2]
    assert sorted(c["versions"][1]["accepted_by"]) == ["party_a", "party_b"]
    # The window as the service works it out, in the agreement's own time zone: the dashboard
    # counts on it and never recomputes it.
    doc = c["versions"][1]["document"]["window"]
    assert c["window"]["time_zone"] == doc["time_zone"]
    assert c["window"]["opens"].startswith(doc["start"])
    hours = (
        dt.datetime.fromisoformat(c["window"]["closes"])
        - dt.datetime.fromisoformat(c["window"]["opens"])
    ) / dt.timedelta(hours=1)
    assert hours == doc["duration_hours"]
    changes = api.get(
        "liaison-a", f"/v1/corridors/{corridor}/diff", params={"from": 1, "to": 2}
    ).json()
    assert any("max_vehicles" in line or "vehicles" in line for line in changes["changes"])
    listed = api.get("driver", "/v1/corridors").json()
    assert [(x["id"], x["ready"]) for x in listed] == [(corridor, True)]
    # The same bytes again (a retry) are a duplicate, not a second entry.
    entry = api.get("liaison-a", f"/v1/log/entries/{CEREMONY + 2}").content
    again = post_envelope(api, "liaison-a", entry)
    assert (again["duplicate"], again["index"], again["kind"]) == (True, CEREMONY + 2, "acceptance")
    assert len(api.get("observer", "/v1/log/entries").json()["entries"]) == CEREMONY + 6
    # each stored message is audited once, as whoever sent it (the retry is not)
    audit = api.get("coordinator", "/v1/audit").json()
    sent = [(e["role"], e["subject"]) for e in audit if e["action"] == "agreement.submit"]
    senders = ["coordinator", "liaison-a", "liaison-b", "coordinator", "coordinator"]
    senders += ["coordinator", "liaison-b", "liaison-a", "liaison-b", "liaison-a", "liaison-b"]
    assert sent == [(who, f"log:{i}") for i, who in enumerate(senders)]


def test_a_forged_signature_is_refused_and_not_logged(api: Api) -> None:
    _, corridor = negotiate(api)
    v2 = api.get("observer", f"/v1/corridors/{corridor}").json()["versions"][1]
    # The intermediary tries to withdraw in party A's name with its own key.
    forged = negotiation.on_version(
        Kind.WITHDRAWAL,
        corridor,
        SignerKey.generate("party-a"),
        2,
        v2["hash"],
        T0,
        head(api),
        reason="x",
    )
    r = api.client.post(
        "/v1/agreement/envelopes",
        content=forged,
        headers={**api.h("coordinator"), "content-type": "application/json"},
    )
    assert r.status_code == 409
    assert r.headers["content-type"] == "application/problem+json"
    assert "party_a" in r.json()["detail"]
    assert len(api.get("observer", "/v1/log/entries").json()["entries"]) == CEREMONY + 6
    r = api.client.post(
        "/v1/agreement/envelopes",
        content=b"{not json",
        headers={**api.h("coordinator"), "content-type": "application/json"},
    )
    assert r.status_code in (409, 422)


def test_checkpoint_cosignatures_proofs_and_tiles_verify_offline(api: Api, tmp_path: Path) -> None:
    signers, _ = negotiate(api)
    note = api.client.post("/v1/log/checkpoint", headers=api.h("coordinator")).text
    log_key = api.get("observer", "/v1/log/key").text.strip()
    from corridor.tlog.keys import VerifierKey

    for role, who in (("party_a", "liaison-a"), ("party_b", "liaison-b")):
        witness = Witness(signers[role], WitnessStateFile(tmp_path / f"{role}.state"))

        def proof(a: int, b: int, who: str = who) -> list[bytes]:
            got = api.get(who, "/v1/log/proof/consistency", params={"first": a, "second": b}).json()
            return [base64.b64decode(h) for h in got["proof"]]

        cosigned = witness.cosign(
            note.encode(), VerifierKey.parse(log_key), proof, int(T0.timestamp())
        )
        r = api.post(
            who,
            "/v1/log/cosignatures",
            {"note": cosigned.to_bytes().decode(), "witness_key": signers[role].verifier().text()},
        )
        assert r.status_code == 204, r.text
    # A liaison cannot cosign with the other party's key.
    r = api.post(
        "liaison-a",
        "/v1/log/cosignatures",
        {"note": note, "witness_key": signers["party_b"].verifier().text()},
    )
    assert r.status_code == 422
    latest = api.get("observer", "/v1/log/checkpoint").text
    size = Checkpoint.parse(parse_note(latest.encode()).text).size
    assert size == CEREMONY + 6
    inc = api.get("observer", "/v1/log/proof/inclusion", params={"index": 3}).json()
    assert inc["size"] == CEREMONY + 6
    # A size or second beyond the log is named as such, with its value (it named the index).
    for path, params, field, value in (
        ("inclusion", {"index": 0, "size": 999}, "size", 999),
        ("inclusion", {"index": 5, "size": 5}, "index", 5),
        ("consistency", {"first": 1, "second": 99_999}, "second", 99_999),
        ("consistency", {"first": 9, "second": 4}, "first", 9),
    ):
        r = api.get("observer", f"/v1/log/proof/{path}", params=params)
        assert r.status_code == 422, (path, params)
        assert r.json()["errors"][0]["field"] == field, r.json()
        assert r.json()["errors"][0]["value"] == value, r.json()
    # Mirror the tiles over HTTP into a folder and verify it with the keys alone.
    mirror = tmp_path / "mirror"
    (mirror / "checkpoint").parent.mkdir(parents=True)
    (mirror / "checkpoint").write_text(latest)
    export = api.service.settings.data_dir / "log"
    for f in export.rglob("*"):
        if f.is_file() and f.relative_to(export).parts[0] == "tile":
            rel = f.relative_to(export)
            got = api.get("observer", "/v1/log/" + str(rel))
            assert got.status_code == 200
            (mirror / rel).parent.mkdir(parents=True, exist_ok=True)
            (mirror / rel).write_bytes(got.content)
    result = verify_directory(
        mirror,
        VerifierKey.parse(log_key),
        [signers["party_a"].verifier(), signers["party_b"].verifier()],
        None,
        check_entries,
    )
    assert result.checkpoint.size == CEREMONY + 6
    assert sorted(result.witnesses) == ["party-a", "party-b"]
    assert api.get("observer", "/v1/log/tile/../../etc/passwd").status_code == 404
    events = api.get(
        "observer", "/v1/events", params={"after": "0", "idle_close": "0.2", "topics": "agreement"}
    )
    assert events.text.count("event: agreement") == CEREMONY + 6
    assert json.loads(events.text.split("data: ")[-1].split("\n")[0])["ready"] is True
