"""Crash test: SIGKILL the real server under a steady load of position reports, restart it.

Every report the server acknowledged must be stored exactly once, retrying the batches whose
answer was lost must not duplicate anything, and the agreement log must still verify.
"""

from __future__ import annotations

import base64
import threading
import time
import uuid
from pathlib import Path

import httpx
import pytest
from conftest import CEREMONY, EXAMPLE_START, T0

from corridor.domain.agreement import Kind
from corridor.domain.proposal import ROLES, example_documents
from corridor.services import negotiation
from corridor.services.agreement import check_entries
from corridor.tlog.keys import SignerKey, VerifierKey
from corridor.tlog.verify import verify_log

from .conftest import log_head, open_over_http
from .live import LiveServer

VEHICLES = [f"D{d}/bus/{k}" for d in (1, 2) for k in range(4)]


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _load(
    url: str,
    token: str,
    vehicle: str,
    stop: threading.Event,
    acked: dict[str, int],
    unsure: list[list[dict[str, object]]],
    lock: threading.Lock,
) -> None:
    with httpx.Client(base_url=url, headers=_auth(token), timeout=5) as client:
        while not stop.is_set():
            batch = [
                {
                    "client_id": uuid.uuid4().hex,
                    "vehicle": vehicle,
                    "at": "2026-11-29T08:00:00Z",
                    "lat": 42.5,
                    "lon": 1.5,
                }
                for _ in range(10)
            ]
            try:
                r = client.post("/v1/positions", json={"positions": batch})
            except httpx.HTTPError:
                with lock:
                    unsure.append(batch)  # sent; the answer was lost: stored or not, we cannot tell
                time.sleep(0.05)
                continue
            assert r.status_code == 200, r.text
            assert r.json() == {"accepted": 10, "duplicates": 0}
            with lock:
                for p in batch:
                    acked[f"{vehicle}|{p['client_id']}"] = 0


def _all_positions(client: httpx.Client) -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    after = 0
    while True:
        page = client.get("/v1/positions", params={"after": after, "limit": 5000}).json()
        if not page:
            return out
        out += page
        after = int(page[-1]["id"])


@pytest.mark.slow
@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def test_sigkill_under_load_loses_and_duplicates_nothing(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    db = request.getfixturevalue("pg_url") if backend == "postgres" else None
    server = LiveServer(tmp_path / "data", db=db, workers=2 if db else 1)
    token = server.admin_token(server.start())
    try:
        with httpx.Client(base_url=server.url, timeout=10) as c:
            admin = _auth(token)
            org = c.post("/v1/organisations", json={"name": "ops"}, headers=admin).json()["id"]
            tokens = {
                who: c.post(
                    "/v1/users",
                    headers=admin,
                    json={"organisation_id": org, "name": who, "role": who},
                ).json()["token"]
                for who in ("coordinator", "liaison-a", "liaison-b")
            }
            coord = tokens["coordinator"]

            def get(who: str, path: str, **kw: object) -> httpx.Response:
                return c.get(path, headers=_auth(tokens[who]), **kw)  # type: ignore[arg-type]

            def post(who: str, envelope: bytes) -> None:
                r = c.post("/v1/agreement/envelopes", content=envelope, headers=_auth(tokens[who]))
                assert r.status_code == 200, r.text

            # The log gets a few signed entries before the load starts.
            signers = {r: SignerKey.generate(r.replace("_", "-")) for r in ROLES}
            _, first = example_documents(
                {r: s.verifier().text() for r, s in signers.items()}, EXAMPLE_START
            )
            first = {**first, "version": 1, "supersedes": None}  # the complete terms, as v1
            cid = first["corridor"]
            open_over_http(get, post, cid, signers, T0, organisation="ops")
            post(
                "coordinator",
                negotiation.proposal(
                    first, signers["intermediary"], T0, log_head(get, "coordinator")
                ),
            )
            v1 = get("coordinator", f"/v1/corridors/{cid}").json()["versions"][0]
            accept = negotiation.on_version(
                Kind.ACCEPTANCE,
                cid,
                signers["party_a"],
                1,
                v1["hash"],
                T0,
                log_head(get, "coordinator"),
            )
            post("liaison-a", accept)

        acked: dict[str, int] = {}
        unsure: list[list[dict[str, object]]] = []
        lock = threading.Lock()
        stop = threading.Event()
        threads = [
            threading.Thread(target=_load, args=(server.url, coord, v, stop, acked, unsure, lock))
            for v in VEHICLES
        ]
        for t in threads:
            t.start()
        while len(acked) < 2000:  # steady load first
            time.sleep(0.05)
        server.kill()
        time.sleep(0.3)
        stop.set()
        for t in threads:
            t.join(timeout=30)
        assert len(acked) >= 2000

        server.start()
        with httpx.Client(base_url=server.url, timeout=30, headers=_auth(coord)) as c:
            stored = _all_positions(c)
            keys = [f"{p['vehicle']}|{p['client_id']}" for p in stored]
            assert len(keys) == len(set(keys)), "a report is stored twice"
            missing = set(acked) - set(keys)
            assert not missing, f"{len(missing)} acknowledged reports were lost"
            # The batches whose answer was lost: a retry stores each report at most once.
            for batch in unsure:
                r = c.post("/v1/positions", json={"positions": batch})
                assert r.status_code == 200
                assert r.json()["accepted"] + r.json()["duplicates"] == len(batch)
            after = _all_positions(c)
            assert len(after) == len({f"{p['vehicle']}|{p['client_id']}" for p in after})
            assert {f"{p['vehicle']}|{p['client_id']}" for p in after} >= set(acked)
            # The log still verifies: sign a checkpoint and check every entry and the tree.
            note = c.post("/v1/log/checkpoint").content
            log_key = VerifierKey.parse(c.get("/v1/log/key").text.strip())
            entries = [base64.b64decode(e) for e in c.get("/v1/log/entries").json()["entries"]]
            result = verify_log(note, entries, log_key, check_entries=check_entries)
            assert result.checkpoint.size == CEREMONY + 2
            print(
                f"\n{backend}: {len(acked)} acknowledged before SIGKILL, all stored once; "
                f"{len(unsure)} batches in flight retried; {len(after)} stored in all"
            )
    finally:
        server.stop()
