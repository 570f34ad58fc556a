"""Issue 13's attacks on the agreement log, replayed through the HTTP API (SQLite and PostgreSQL):
each is refused with the right status, and the log stays as it was.

1. one party opens and agrees a corridor alone, and the planner follows it;
3. a signed message replays with extra signatures;
4. a cosignature by a self-made key of a party's name replaces the party's;
8. (the log's half) a fault of the log answered as a refusal; a checkpoint served before its
   tiles are written.
"""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from agreement.other_signature import resign
from conftest import CEREMONY, T0

from corridor.adapters.log_store import LogStore
from corridor.adapters.log_tables import LogBusy
from corridor.adapters.tile_files import read_exported_entries, verify_directory
from corridor.adapters.witness_state import WitnessStateFile
from corridor.domain.agreement import Kind
from corridor.domain.keyring import fingerprint
from corridor.services import negotiation
from corridor.tlog import dsse
from corridor.tlog.keys import SignerKey, VerifierKey
from corridor.tlog.note import Checkpoint, parse_note, verify_cosignature
from corridor.tlog.witness import Witness

from .conftest import ORGANISATION, Api
from .test_agreement_api import head, negotiate


def post(api: Api, who: str, envelope: bytes) -> object:
    return api.client.post(
        "/v1/agreement/envelopes",
        content=envelope,
        headers={**api.h(who), "content-type": "application/json"},
    )


def size(api: Api) -> int:
    return len(api.get("observer", "/v1/log/entries").json()["entries"])


def refused(api: Api, who: str, envelope: bytes, says: str) -> None:
    before = size(api)
    r = post(api, who, envelope)
    assert r.status_code == 409, r.text  # type: ignore[attr-defined]
    body = r.json()  # type: ignore[attr-defined]
    assert body["type"].endswith("/refused")
    assert says in body["detail"], body["detail"]
    assert size(api) == before  # nothing was added


def test_finding_1_one_party_cannot_open_agree_or_plan_a_corridor_alone(api: Api) -> None:
    """Party A's liaison makes keys for party B and the intermediary and tries to open, key and
    agree a corridor of its own; every step is refused. Plans name their corridor."""
    made_up = {r: SignerKey.generate(r.replace("_", "-")) for r in ("party_a", "party_b")}
    made_up["intermediary"] = SignerKey.generate("intermediary")
    orgs = dict.fromkeys(("party_a", "party_b", "intermediary"), ORGANISATION)
    forged = negotiation.opening("forged-1", orgs, made_up["intermediary"], T0, head(api))
    refused(api, "liaison-a", forged, "speaks for intermediary, but liaison-a")
    signers, corridor = negotiate(api)  # the genuine corridor, through the key ceremony
    # a key for party B, registered by party A's liaison: refused, whoever made the key
    for key in (made_up["party_b"], signers["party_b"]):
        envelope = negotiation.key_registration(corridor, "party_b", key, T0, head(api))
        refused(api, "liaison-a", envelope, "speaks for party_b, but liaison-a")
    # party B's acceptance (a new statement, by B's real key), sent with party A's token
    v2 = api.get("observer", f"/v1/corridors/{corridor}").json()["versions"][1]
    accept = negotiation.on_version(
        Kind.ACCEPTANCE, corridor, signers["party_b"], 2, v2["hash"], T0, head(api)
    )
    refused(api, "liaison-a", accept, "speaks for party_b, but liaison-a")
    refused(api, "coordinator", accept, "speaks for party_b, but coordinator")
    # a made-up party B key signs party B's confirmation: not the key the log confirmed
    late = negotiation.on_version(
        Kind.WITHDRAWAL, corridor, made_up["party_b"], 2, v2["hash"], T0, head(api), reason="x"
    )
    refused(api, "liaison-b", late, "not by the key registered for party_b")
    # a liaison of another organisation cannot register the party's key either
    org = api.post("admin", "/v1/organisations", {"name": "someone else"}).json()["id"]
    body = {"organisation_id": org, "name": "outsider", "role": "liaison-b"}
    api.tokens["outsider"] = api.post("admin", "/v1/users", body).json()["token"]
    opened = negotiation.opening("second-1", orgs, signers["intermediary"], T0, head(api))
    assert post(api, "coordinator", opened).status_code == 200  # type: ignore[attr-defined]
    outsider = negotiation.key_registration(
        "second-1", "party_b", made_up["party_b"], T0, head(api)
    )
    refused(api, "outsider", outsider, "a party registers its key through its own liaison")
    # the planner takes the corridor it is told, never "the newest agreed one"
    r = api.post("coordinator", "/v1/plans", {"scenario_id": 1, "corridor": "second-1"})
    assert r.status_code == 422, r.text
    assert "not agreed by both parties" in r.json()["detail"]
    assert api.post("coordinator", "/v1/plans", {"scenario_id": 1}).status_code == 422
    state = api.get("observer", "/v1/corridors/second-1").json()
    assert state["keys"]["confirmed"] == {"intermediary": signers["intermediary"].verifier_text}


def test_finding_3_a_signed_message_replays_with_no_extra_signature(api: Api) -> None:
    signers, corridor = negotiate(api)
    acceptance = api.get("liaison-a", f"/v1/log/entries/{CEREMONY + 2}").content
    env = dsse.parse(acceptance)
    junk = dsse.Signature(signers["party_b"].verifier_text, bytes(64))
    for signatures in ((*env.signatures, junk), (junk, *env.signatures)):
        again = dsse.Envelope(env.payload_type, env.payload, signatures).to_bytes()
        refused(api, "liaison-a", again, "does not verify")
    pae = dsse.pae(env.payload_type.encode(), env.payload)
    valid = dsse.Signature(signers["party_b"].verifier_text, signers["party_b"].sign(pae))
    doubled = dsse.Envelope(env.payload_type, env.payload, (valid, *env.signatures)).to_bytes()
    refused(api, "liaison-a", doubled, f"in the log already (entry {CEREMONY + 2})")
    # exactly the right key, a valid signature made with another nonce: the same statement
    party_a = signers["party_a"]
    again = dsse.Signature(party_a.verifier_text, resign(party_a.seed, pae, 7))
    resent = dsse.Envelope(env.payload_type, env.payload, (again,)).to_bytes()
    assert resent != acceptance
    refused(api, "liaison-a", resent, f"in the log already (entry {CEREMONY + 2})")
    # the identical retry answers with the entry stored the first time
    r = post(api, "liaison-a", acceptance)
    assert r.json()["duplicate"] is True  # type: ignore[attr-defined]
    # incidents the same way
    v2 = api.get("observer", f"/v1/corridors/{corridor}").json()["versions"][1]
    incident = negotiation.on_version(
        Kind.INCIDENT, corridor, signers["party_b"], 2, v2["hash"], T0, head(api), description="x"
    )
    assert post(api, "liaison-b", incident).status_code == 200  # type: ignore[attr-defined]
    env = dsse.parse(incident)
    bumped = dsse.Envelope(env.payload_type, env.payload, (*env.signatures, junk)).to_bytes()
    refused(api, "liaison-b", bumped, "does not verify")
    assert len(api.get("observer", f"/v1/corridors/{corridor}").json()["incidents"]) == 1


def _cosign(api: Api, who: str, key: SignerKey, tmp_path: Path, note: str) -> object:
    log_key = VerifierKey.parse(api.get("observer", "/v1/log/key").text.strip())

    def proof(a: int, b: int) -> list[bytes]:
        got = api.get(who, "/v1/log/proof/consistency", params={"first": a, "second": b}).json()
        return [base64.b64decode(h) for h in got["proof"]]

    state = WitnessStateFile(tmp_path / f"{key.name}-{fingerprint(key.verifier_text)[:4]}.json")
    witness = Witness(key, state)
    cosigned = witness.cosign(note.encode(), log_key, proof, int(T0.timestamp()))
    body = {"note": cosigned.to_bytes().decode(), "witness_key": key.verifier_text}
    return api.post(who, "/v1/log/cosignatures", body)


def test_finding_4_witnesses_are_their_keys_never_their_names(api: Api, tmp_path: Path) -> None:
    signers, _ = negotiate(api)
    note = api.client.post("/v1/log/checkpoint", headers=api.h("coordinator")).text
    for role, who in (("party_a", "liaison-a"), ("party_b", "liaison-b")):
        assert _cosign(api, who, signers[role], tmp_path, note).status_code == 204  # type: ignore[attr-defined]
    # a self-made key named party-b: not a registered witness, refused; B's cosignature stays
    impostor = SignerKey.generate("party-b")
    for who in ("liaison-b", "liaison-a"):
        r = _cosign(api, who, impostor, tmp_path, note)
        assert r.status_code == 422, r.text  # type: ignore[attr-defined]
        assert "only registered witnesses cosign" in r.json()["detail"]  # type: ignore[attr-defined]
    served = parse_note(api.get("observer", "/v1/log/checkpoint").content)
    verify_cosignature(served, signers["party_b"].verifier())
    # the registered witnesses, published in the C2SP tlog-cosignature key form
    listed = {w["role"]: w for w in api.get("observer", "/v1/log/witnesses").json()}
    b = signers["party_b"].verifier()
    assert listed["party_b"]["cosigner_key"] == b.cosigner_text()
    assert listed["party_b"]["key_id"] == b.cosigner_key_id().hex()
    assert listed["party_b"]["cosigned_size"] == CEREMONY + 6
    assert VerifierKey.parse_any(listed["party_b"]["cosigner_key"]).public == b.public
    # the log grows; a new checkpoint nobody cosigned yet: each witness's own cosigned
    # checkpoint is served by key ID, and an offline verifier finds the log grew from it
    v2 = api.get("observer", "/v1/corridors/eastbrook-westford-1").json()["versions"][1]
    incident = negotiation.on_version(
        Kind.INCIDENT,
        "eastbrook-westford-1",
        signers["party_a"],
        2,
        v2["hash"],
        T0,
        head(api),
        description="queue at the bridge",
    )
    assert post(api, "liaison-a", incident).status_code == 200  # type: ignore[attr-defined]
    assert api.client.post("/v1/log/checkpoint", headers=api.h("coordinator")).status_code == 200
    mirror = _mirror(api, tmp_path / "mirror")
    log_key = VerifierKey.parse(api.get("observer", "/v1/log/key").text.strip())
    result = verify_directory(mirror, log_key, [signers["party_a"].verifier(), b])
    assert {n: s.size for n, s in result.witnesses.items()} == {
        "party-a": CEREMONY + 6,
        "party-b": CEREMONY + 6,
    }
    from corridor.tlog.errors import VerificationError

    with pytest.raises(VerificationError, match="has cosigned no checkpoint of this log"):
        verify_directory(mirror, log_key, [impostor.verifier()])


def _mirror(api: Api, folder: Path) -> Path:
    """What a client following tlog-tiles fetches: checkpoint, tiles, witnesses' checkpoints."""
    note = api.get("observer", "/v1/log/checkpoint").content
    folder.mkdir(parents=True)
    (folder / "checkpoint").write_bytes(note)
    n = Checkpoint.parse(parse_note(note).text).size
    for path in (f"tile/0/000.p/{n}", f"tile/entries/000.p/{n}"):
        got = api.get("observer", f"/v1/log/{path}")
        assert got.status_code == 200, path
        (folder / path).parent.mkdir(parents=True, exist_ok=True)
        (folder / path).write_bytes(got.content)
    (folder / "cosigned").mkdir()
    for witness in api.get("observer", "/v1/log/witnesses").json():
        key_id = witness["key_id"]
        got = api.get("observer", f"/v1/log/witnesses/{key_id}/checkpoint")
        assert got.status_code == 200
        (folder / "cosigned" / key_id).write_bytes(got.content)
    return folder


def test_finding_8_faults_of_the_log_are_503_never_refusals(
    api: Api, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    signers, corridor = negotiate(api)
    v2 = api.get("observer", f"/v1/corridors/{corridor}").json()["versions"][1]
    incident = negotiation.on_version(
        Kind.INCIDENT, corridor, signers["party_a"], 2, v2["hash"], T0, head(api), description="x"
    )
    # the log's write lock cannot be had in time: 503, its own problem type, Retry-After
    real = LogStore.writing

    def busy(self: LogStore):  # type: ignore[no-untyped-def]
        raise LogBusy("nothing was stored: the log is busy, another writer holds it")

    monkeypatch.setattr(LogStore, "writing", busy)
    r = post(api, "liaison-a", incident)
    assert r.status_code == 503, r.text  # type: ignore[attr-defined]
    assert r.headers["retry-after"] == "1"  # type: ignore[attr-defined]
    assert r.json()["type"].endswith("/log-busy")  # type: ignore[attr-defined]
    monkeypatch.setattr(LogStore, "writing", real)
    assert post(api, "liaison-a", incident).status_code == 200  # type: ignore[attr-defined]
    # a checkpoint whose tiles cannot be written is not published: the one served stays the
    # previous one, and it always matches its tiles
    first = api.client.post("/v1/log/checkpoint", headers=api.h("coordinator"))
    assert first.status_code == 200
    export = api.service.settings.data_dir / "log"
    blocked = export / "tile" / "entries" / f"000.p/{CEREMONY + 8}"
    incident2 = negotiation.on_version(
        Kind.INCIDENT, corridor, signers["party_b"], 2, v2["hash"], T0, head(api), description="y"
    )
    assert post(api, "liaison-b", incident2).status_code == 200  # type: ignore[attr-defined]
    blocked.mkdir(parents=True)  # a folder where the new bundle must go: the write fails
    r = api.client.post("/v1/log/checkpoint", headers=api.h("coordinator"))
    assert r.status_code == 503, r.text
    assert r.json()["type"].endswith("/log-unavailable")
    assert "nothing was published" in r.json()["detail"]
    served = api.get("observer", "/v1/log/checkpoint").content
    assert served == first.content
    n = Checkpoint.parse(parse_note(served).text).size
    assert n == CEREMONY + 7
    assert len(list(read_exported_entries(export, n))) == n  # the served checkpoint has its tiles
    blocked.rmdir()
    again = api.client.post("/v1/log/checkpoint", headers=api.h("coordinator"))
    assert again.status_code == 200
    assert Checkpoint.parse(parse_note(again.content).text).size == CEREMONY + 8
