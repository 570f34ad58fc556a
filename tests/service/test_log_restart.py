"""A restarted ``corridor serve`` replays a long log with its signature workers (spawned from
inside the server) and serves the same state."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
from conftest import EXAMPLE_START, fixed_clock

from corridor.adapters.log_store import LogStore
from corridor.domain.agreement import Kind, statement
from corridor.domain.proposal import ROLES, example_documents
from corridor.services.agreement import AgreementService, sign_statement
from corridor.services.signing import key_ceremony
from corridor.tlog import dsse
from corridor.tlog.keys import SignerKey
from corridor.tlog.parallel import MIN_BATCH

from .live import LiveServer

#: Who sends each author's messages: the party's liaison, the coordinator for the intermediary.
SENDERS = {"intermediary": "coordinator", "party-a": "liaison-a", "party-b": "liaison-b"}
KEYS = {
    r: SignerKey.from_seed(r.replace("_", "-"), bytes([i + 7]) * 32) for i, r in enumerate(ROLES)
}


def spawned_workers(pid: int) -> list[int]:
    """Children of ``pid`` (from any of its threads) started by multiprocessing's spawn."""
    children = [
        child
        for task in Path(f"/proc/{pid}/task").iterdir()
        for child in (task / "children").read_text().split()
    ]
    return [
        int(child)
        for child in children
        if b"spawn_main" in Path(f"/proc/{child}/cmdline").read_bytes()
    ]


def test_a_long_log_is_replayed_on_restart(tmp_path: Path) -> None:
    # the messages, signed in a scratch log by the three participants
    scratch = AgreementService(LogStore.open(str(tmp_path / "scratch.db")), fixed_clock())
    first, second = example_documents(
        {r: k.verifier().text() for r, k in KEYS.items()}, EXAMPLE_START
    )
    cid = str(first["corridor"])
    key_ceremony(scratch, cid, dict.fromkeys(ROLES, "ops"), KEYS)
    scratch.propose(first, KEYS["intermediary"])
    scratch.counter(second, KEYS["party_b"])
    for role in ("party_a", "party_b"):
        scratch.accept(cid, KEYS[role])
    digest = scratch.state().corridors[cid].latest.hash  # type: ignore[union-attr]
    for i in range(2 * MIN_BATCH):
        key = KEYS[ROLES[i % 3]]
        body = {"version": 2, "description": f"report {i}"}
        at, head = "2026-12-01T08:00:00Z", scratch.state().head()
        stmt = statement(Kind.INCIDENT, cid, key.name, at, digest, body, follows=head)
        scratch.submit(sign_statement(stmt, key))
    envelopes = list(scratch.store.entries())

    server = LiveServer(tmp_path / "data")
    admin = {"Authorization": f"Bearer {server.admin_token(server.start())}"}
    try:
        with httpx.Client(base_url=server.url, timeout=30) as c:
            org = c.post("/v1/organisations", json={"name": "ops"}, headers=admin).json()["id"]
            tokens = {}
            for author, role in SENDERS.items():
                body = {"organisation_id": org, "name": role, "role": role}
                token = c.post("/v1/users", json=body, headers=admin).json()["token"]
                tokens[author] = {"Authorization": f"Bearer {token}"}
            coord = tokens["intermediary"]
            for envelope in envelopes:
                # each message is sent by whoever speaks for its author (per-party submission)
                author = json.loads(dsse.parse(envelope).payload)["predicate"]["author"]
                r = c.post("/v1/agreement/envelopes", content=envelope, headers=tokens[author])
                assert r.status_code == 200, r.text
            before = c.get(f"/v1/corridors/{cid}", headers=coord).json()
        server.stop()
        server.start()
        with httpx.Client(base_url=server.url, timeout=60, headers=coord) as c:
            after = c.get(f"/v1/corridors/{cid}").json()
            after.pop("as_of"), before.pop("as_of")  # when each answer was given
            assert after == before
            assert len(after["incidents"]) == 2 * MIN_BATCH
            assert len(c.get("/v1/log/entries").json()["entries"]) == len(envelopes)
        assert server.proc is not None
        assert len(spawned_workers(server.proc.pid)) >= 1  # the replay used the workers
    finally:
        server.stop()
    assert "Traceback" not in server.log_path.read_text()
