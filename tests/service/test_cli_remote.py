"""Liaison officers sign on their own machines and send to a real ``corridor serve``.

The ``corridor agreement`` commands take the server's URL as ``--log``: they download the log,
check every entry, sign locally and post the envelope; the server checks it again.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from conftest import EXAMPLE_START, fixed_clock, run_cli

from corridor.adapters.key_files import read_signer
from corridor.adapters.remote_log import RemoteLog
from corridor.domain.agreement import Follows, Kind, statement
from corridor.domain.proposal import example_documents
from corridor.errors import MessageRefused
from corridor.services import negotiation
from corridor.services.agreement import AgreementService, sign_statement

from .live import LiveServer


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, dict[str, str]]]:
    tmp = tmp_path_factory.mktemp("remote")
    live = LiveServer(tmp / "data")
    admin = {"Authorization": f"Bearer {live.admin_token(live.start())}"}
    tokens: dict[str, str] = {}
    try:
        with httpx.Client(base_url=live.url, timeout=10) as c:
            org = c.post("/v1/organisations", json={"name": "ops"}, headers=admin).json()["id"]
            for name, role in (
                ("coord", "coordinator"),
                ("la", "liaison-a"),
                ("lb", "liaison-b"),
                ("observer", "observer"),
            ):
                r = c.post(
                    "/v1/users",
                    headers=admin,
                    json={"organisation_id": org, "name": name, "role": role},
                )
                assert r.status_code == 201, r.text
                tokens[name] = r.json()["token"]
        yield live, tokens
    finally:
        live.stop()


def entries(live: LiveServer, token: str) -> list[str]:
    r = httpx.get(
        live.url + "/v1/log/entries", headers={"Authorization": f"Bearer {token}"}, timeout=10
    )
    return list(r.json()["entries"])


def test_a_whole_negotiation_and_operation_through_the_server(
    server: tuple[LiveServer, dict[str, str]],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    live, tokens = server
    monkeypatch.chdir(tmp_path)

    def cli(*args: str, token: str) -> tuple[int, str, str]:
        return run_cli([*args, "--log", live.url, "--token", token], capsys)

    def ok(*args: str, token: str) -> str:
        code, out, err = cli(*args, token=token)
        assert code == 0, f"{args}: {out}\n{err}"
        return out

    for name in ("party-a", "party-b", "intermediary"):
        assert run_cli(["keys", "new", "--name", name, "-o", "keys"], capsys)[0] == 0
    pubs = {
        role: Path(f"keys/{role.replace('_', '-')}.pub").read_text().strip()
        for role in ("party_a", "party_b", "intermediary")
    }
    first, second = example_documents(pubs, EXAMPLE_START)
    cid = str(first["corridor"])
    Path("v1.json").write_text(json.dumps(first))
    Path("v2.json").write_text(json.dumps(second))
    orgs = ("--party-a", "ops", "--party-b", "ops", "--intermediary", "ops")
    # Issue 13, finding 1, from a liaison's machine: party A's liaison cannot open a corridor,
    # nor register a key for party B; the server refuses (409), the CLI says so (exit 5).
    code, _, err = cli("agreement", "open", cid, *orgs, "--key", "keys/party-a.key",
                       token=tokens["la"])  # fmt: skip
    assert code == 5, err
    assert "speaks for intermediary, but liaison-a 'la' sent it" in err
    ok("agreement", "open", cid, *orgs, "--key", "keys/intermediary.key", token=tokens["coord"])
    code, _, err = cli("keys", "register", cid, "--role", "party_b", "--key", "keys/party-a.key",
                       token=tokens["la"])  # fmt: skip
    assert code == 5, err
    assert "speaks for party_b, but liaison-a 'la' sent it" in err
    spoken = {}
    for role, party, token in (("party_a", "party-a", "la"), ("party_b", "party-b", "lb")):
        said = ok("keys", "register", cid, "--role", role, "--key", f"keys/{party}.key",
                  token=tokens[token])  # fmt: skip
        spoken[role] = said.split("fingerprint: ")[1].split(":")[0]
    for role in ("party_a", "party_b"):
        ok("keys", "confirm", cid, "--role", role, "--fingerprint", spoken[role],
           "--key", "keys/intermediary.key", token=tokens["coord"])  # fmt: skip
    ok("agreement", "propose", "v1.json", "--key", "keys/intermediary.key", token=tokens["coord"])
    ok("agreement", "counter", "v2.json", "--key", "keys/party-b.key", token=tokens["lb"])
    assert "vehicles" in ok("agreement", "diff", cid, "1", "2", token=tokens["la"])

    # An impostor's acceptance is refused on the signer's own machine; nothing is sent.
    assert run_cli(["keys", "new", "--name", "party-a", "-o", "impostor"], capsys)[0] == 0
    before = entries(live, tokens["observer"])
    code, _, err = cli(
        "agreement", "accept", cid, "--key", "impostor/party-a.key", token=tokens["la"]
    )
    assert code == 5
    assert "not by the key registered for party_a" in err
    assert entries(live, tokens["observer"]) == before
    # A token whose role may not sign messages: the server says so, named as --token.
    code, _, err = cli(
        "agreement", "accept", cid, "--key", "keys/party-a.key", token=tokens["observer"]
    )
    assert code == 2
    assert "--token" in err
    assert entries(live, tokens["observer"]) == before

    for party, token in (("party-a", "la"), ("party-b", "lb")):
        ok("agreement", "accept", cid, "--key", f"keys/{party}.key", token=tokens[token])
    for party, token in (("party-a", "la"), ("party-b", "lb")):
        ok("agreement", "confirm", cid, "--key", f"keys/{party}.key", token=tokens[token])
    assert "ready: yes" in ok("agreement", "status", cid, "--check", token=tokens["observer"])
    # The API and the CLI say the same of the corridor at the same instant.
    http = httpx.get(
        f"{live.url}/v1/corridors/{cid}", headers={"Authorization": f"Bearer {tokens['observer']}"}
    ).json()
    said = ok("agreement", "status", cid, "--now", http["as_of"], token=tokens["observer"])
    assert f"corridor {cid}: {http['description']}\n" in said
    assert f"ready: {'yes' if http['ready'] else 'no'}" in said
    assert [f"[{'x' if i['ok'] else ' '}] {i['text'].strip()}" for i in http["checklist"]] == [
        line.strip() for line in said.splitlines() if line.strip().startswith("[")
    ]
    first_checkpoint = witnessed(live, tokens, ok, capsys)
    code, _, err = cli("agreement", "status", cid, token=tokens["observer"])
    assert "without --log-key (or a checkpoint you cosigned" in err
    code, _, err = cli(
        "agreement", "status", cid, "--log-key", "keys/intermediary.pub", token=tokens["observer"]
    )
    assert code == 3  # not the log's key: its checkpoint signature does not verify
    assert "note: has no signature by intermediary+" in err, err

    # No --log-key: party A has cosigned with its key, so its client checks the server's log
    # against the log key and the checkpoint it cosigned, by default, before it signs.
    out = ok(
        "agreement", "notify", cid, "--movement", "convoy-1", "--description", "4 buses out",
        "--departs", "2026-12-01T07:30+01:00", "--key", "keys/party-a.key", token=tokens["la"],
    )  # fmt: skip
    covered = len(before) + 4
    assert (
        f"checked: the server's {covered} checkpointed entries are complete, and extend the "
        f"{covered} you cosigned" in out
    )
    index = int(out.split("log entry ")[1].split(",")[0])
    assert index == len(entries(live, tokens["observer"])) - 1
    ok("agreement", "acknowledge", cid, "--movement", "convoy-1", "--key", "keys/party-b.key",
       token=tokens["lb"])  # fmt: skip
    ok("agreement", "incident", cid, "--description", "shelling near the bridge", "--at",
       "1.5721,42.5378", "--key", "keys/party-b.key", token=tokens["lb"])  # fmt: skip

    # Tired-hand input: each names its option and changes nothing on the server.
    size = len(entries(live, tokens["observer"]))
    for args, where in (
        (("incident", cid, "--description", "x", "--at", "42.5378"), "--at"),
        (("incident", cid, "--description", "x", "--at", "200,1"), "--at"),
        (
            ("notify", cid, "--movement", "m", "--description", "d", "--departs", "07:30"),
            "--departs",
        ),
        (
            (
                "notify",
                cid,
                "--movement",
                "m",
                "--description",
                "d",
                "--departs",
                "2026-12-01T07:30",
            ),
            "--departs",
        ),
    ):
        code, _, err = cli("agreement", *args, "--key", "keys/party-a.key", token=tokens["la"])
        assert code == 2, err
        assert where in err
    code, _, err = cli("agreement", "acknowledge", cid, "--movement", "convoy-1",
                       "--key", "keys/party-a.key", token=tokens["la"])  # fmt: skip
    assert code == 5
    assert "does not acknowledge its own" in err
    assert len(entries(live, tokens["observer"])) == size

    with httpx.Client(base_url=live.url, headers={"Authorization": f"Bearer {tokens['la']}"}) as c:
        state = c.get(f"/v1/corridors/{cid}").json()
    assert state["ready"] is True
    assert state["movements"]["convoy-1"]["acknowledged_by"] == ["party-b"]
    assert state["incidents"][0]["location"] == [1.5721, 42.5378]

    # Someone else appends between this machine's read and its send: the server places the
    # message after it, and the index reported is the server's.
    party_b = read_signer(Path("keys/party-b.key"))
    digest = state["versions"][-1]["hash"]

    def head() -> Follows | None:
        return negotiation.head_of([base64.b64decode(e) for e in entries(live, tokens["lb"])])

    theirs = sign_statement(
        statement(Kind.INCIDENT, cid, "party-b", "2026-12-01T08:00:00Z", digest,
                  {"version": 2, "description": "queue at checkpoint"}, follows=head()),
        party_b,
    )  # fmt: skip

    class Interleaved(RemoteLog):
        def append_many(self, envelopes, expect_size=None, new_only=False, before_commit=None):  # type: ignore[no-untyped-def]
            other = RemoteLog(live.url, tokens["lb"])
            other.append_many([theirs])  # lands first
            other.close()
            return super().append_many(envelopes, expect_size, new_only, before_commit)

    remote = Interleaved(live.url, tokens["la"])
    mine = AgreementService(remote, fixed_clock())
    result = mine.report_incident(cid, read_signer(Path("keys/party-a.key")), "all clear")
    served = entries(live, tokens["observer"])
    assert base64.b64decode(served[-2]) == theirs
    assert result.index == len(served) - 1
    assert [i["description"] for i in mine.state().corridors[cid].incidents[-2:]] == [
        "queue at checkpoint",
        "all clear",
    ]
    remote.close()

    # The same race when what lands first closes the corridor: this machine's check passed, the
    # server refuses, and says why; nothing of it is added.
    theirs = sign_statement(
        statement(Kind.WITHDRAWAL, cid, "party-b", "2026-12-01T08:05:00Z", digest,
                  {"version": 2, "reason": "shelling"}, follows=head()),
        party_b,
    )  # fmt: skip
    remote = Interleaved(live.url, tokens["la"])
    with pytest.raises(MessageRefused, match=r"closed \(withdrawn\).*said the server"):
        AgreementService(remote, fixed_clock()).report_incident(
            cid, read_signer(Path("keys/party-a.key")), "x"
        )
    remote.close()
    assert base64.b64decode(entries(live, tokens["observer"])[-1]) == theirs

    # Party B reads the state with its own cosigned history as the reference (nothing signed)
    out = ok("agreement", "status", cid, "--log-key", "log.pub", "--key", "keys/party-b.key",
             token=tokens["lb"])  # fmt: skip
    assert "checkpointed entries are complete" in out
    remembered = Path("keys/party-b.key.witness.json")
    honest = remembered.read_text()
    remembered.write_text(honest.replace('"size": ', '"size": 1'))  # a history not the server's
    code, _, err = cli("agreement", "diff", cid, "1", "2", "--log-key", "log.pub", "--key",
                       "keys/party-b.key", token=tokens["lb"])  # fmt: skip
    assert code == 3
    assert "fork" in err
    remembered.write_text(honest)

    # The log grew: both parties cosign the new checkpoint (each checks the server's consistency
    # proof against the checkpoint it cosigned before), export it and verify it offline,
    # including that it extends the first checkpoint.
    witnessed(live, tokens, ok, capsys)
    Path("first-checkpoint").write_bytes(first_checkpoint)
    ok("log", "export", "exported", token=tokens["observer"])
    code, out, err = run_cli(
        ["log", "verify", "exported", "--log-key", "log.pub", "--witness", "keys/party-a.pub",
         "--witness", "keys/party-b.pub", "--previous", "first-checkpoint"],
        capsys,
    )  # fmt: skip
    assert code == 0, err
    assert "ok: witness party-a cosigned the checkpoint of" in out
    assert "ok: witness party-b cosigned the checkpoint of" in out


def witnessed(
    live: LiveServer, tokens: dict[str, str], ok: Any, capsys: pytest.CaptureFixture[str]
) -> bytes:
    """The coordinator has the server sign a checkpoint (``corridor log checkpoint --log
    URL``); both parties cosign it from their machines (``corridor log cosign --log URL``).
    Returns the checkpoint as served."""
    coord = {"Authorization": f"Bearer {tokens['coord']}"}
    code, _, err = run_cli(
        ["log", "checkpoint", "--key", "keys/intermediary.key", "--log", live.url, "--token",
         tokens["coord"]],
        capsys,
    )  # fmt: skip
    assert code == 2
    assert "--key: a server signs its checkpoints with its own key" in err
    signed = ok("log", "checkpoint", token=tokens["coord"])
    with httpx.Client(base_url=live.url, headers=coord, timeout=10) as c:
        Path("log.pub").write_text(c.get("/v1/log/key").text)
    assert signed.startswith("corridor-log\n")
    for party, token in (("party-a", "la"), ("party-b", "lb")):
        out = ok("log", "cosign", "--key", f"keys/{party}.key", "--log-key", "log.pub",
                 token=tokens[token])  # fmt: skip
        assert f"{party} cosigned the checkpoint" in out
    served = httpx.get(live.url + "/v1/log/checkpoint", headers=coord, timeout=10).content
    assert served.count("\n\u2014 party-".encode()) == 2
    return served


def test_an_unreachable_server_and_a_missing_token_are_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CORRIDOR_TOKEN", raising=False)
    code, _, err = run_cli(["agreement", "status", "--log", "http://127.0.0.1:9"], capsys)
    assert code == 2
    assert "--token" in err
    code, _, err = run_cli(
        ["agreement", "status", "--log", "http://127.0.0.1:9", "--token", "t"], capsys
    )
    assert code == 1
    assert "cannot reach the server at http://127.0.0.1:9" in err
    code, _, err = run_cli(["log", "checkpoint", "--log", "local.db"], capsys)
    assert code == 2
    assert "--key: a local log needs the log's private key" in err
