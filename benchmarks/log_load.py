"""Load test of the agreement log (issue 13, finding 8): no validly signed envelope is refused.

Starts ``corridor serve --db postgresql://... --workers 2`` on a fresh database, plays the key
ceremony and an agreement, then has ``--clients`` concurrent clients (each a party's device,
with its party's liaison token) post ``--per-client`` validly signed incident reports each, all
at once. Each answer is counted: 200 (stored), 409/422 (refused: must be none), 503 (the log was
busy: retried after a second, as the CLI does), anything else. The final log is downloaded and
verified offline. Before the fix the issue measured 15 of 360 such envelopes refused with 409
("the log kept changing while it was checked") with 12 clients.

    .venv/bin/python benchmarks/log_load.py [--clients 12] [--per-client 30] [--workers 2]

Exits 1 if any validly signed envelope was refused or lost.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import datetime as dt
import json
import os
import socket
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text

from corridor.adapters.log_store import LogStore
from corridor.domain.agreement import Kind, statement
from corridor.domain.proposal import ROLES, example_documents, example_window_start
from corridor.services.agreement import AgreementService, check_entries, sign_statement
from corridor.services.signing import key_ceremony
from corridor.tlog import dsse
from corridor.tlog.keys import SignerKey

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from _http import RawClient

from corridor.adapters.clock import FixedClock
from corridor.testing.live_server import LiveServer

PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
CLOCK = FixedClock(dt.datetime(2026, 5, 14, 3, 0, tzinfo=dt.UTC))
SENDERS = {"intermediary": "coordinator", "party-a": "liaison-a", "party-b": "liaison-b"}


def keys() -> dict[str, SignerKey]:
    return {
        r: SignerKey.from_seed(r.replace("_", "-"), bytes([i + 21]) * 32)
        for i, r in enumerate(ROLES)
    }


def agreement_entries(tmp: Path) -> tuple[list[bytes], str, str]:
    """The ceremony and an agreement, signed in a scratch log: (entries, corridor, version)."""
    scratch = LogStore.open(str(tmp / "scratch.db"))
    service = AgreementService(scratch, CLOCK)
    signers = keys()
    first, second = example_documents(
        {r: k.verifier_text for r, k in signers.items()}, example_window_start(CLOCK())
    )
    cid = str(first["corridor"])
    key_ceremony(service, cid, dict.fromkeys(ROLES, "ops"), signers)
    service.propose(first, signers["intermediary"])
    service.counter(second, signers["party_b"])
    for role in ("party_a", "party_b"):
        service.accept(cid, signers[role])
    digest = service.state().corridors[cid].latest.hash  # type: ignore[union-attr]
    entries = list(scratch.entries())
    scratch.close()
    return entries, cid, digest


def fresh_database() -> str:
    name = f"corridor_load_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return name


def drop_database(name: str) -> None:
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


async def load(
    url: str, tokens: dict[str, str], messages: list[list[tuple[str, bytes]]]
) -> tuple[dict[str, int], list[float], float]:
    """Every client posts its messages in turn, all clients at once; a 503 is retried."""
    counts = {"stored": 0, "duplicate": 0, "refused": 0, "busy (retried)": 0, "other": 0}
    latencies: list[float] = []
    host, port = url.split("//")[1].split(":")

    async def client(share: list[tuple[str, bytes]]) -> None:
        conns: dict[str, RawClient] = {}
        for sender, envelope in share:
            conn = conns.setdefault(
                sender, RawClient(host, int(port), tokens[sender], "/v1/agreement/envelopes")
            )
            t0 = time.perf_counter()
            while True:
                status, body = await conn.post(envelope)
                if status != 503:
                    break
                counts["busy (retried)"] += 1
                await asyncio.sleep(1)
            latencies.append(time.perf_counter() - t0)
            if status == 200:
                counts["duplicate" if json.loads(body)["duplicate"] else "stored"] += 1
            elif status in (409, 422):
                counts["refused"] += 1
                print(f"  refused: {body[:300]!r}", file=sys.stderr)
            else:
                counts["other"] += 1
                print(f"  {status}: {body[:300]!r}", file=sys.stderr)
        for conn in conns.values():
            await conn.close()

    start = time.perf_counter()
    await asyncio.gather(*(client(share) for share in messages))
    return counts, latencies, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--clients", type=int, default=12)
    parser.add_argument("--per-client", type=int, default=30)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    try:
        socket.create_connection(("127.0.0.1", 5432), timeout=1).close()
    except OSError:
        sys.exit("PostgreSQL is not reachable at 127.0.0.1:5432")
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}")
    os.environ["CORRIDOR_CLOCK"] = CLOCK().isoformat()
    database = fresh_database()
    with tempfile.TemporaryDirectory() as tmp:
        server = LiveServer(
            Path(tmp) / "data",
            db=f"postgresql+psycopg://postgres@127.0.0.1:5432/{database}",
            workers=args.workers,
        )
        try:
            admin = {"Authorization": f"Bearer {server.admin_token(server.start())}"}
            tokens: dict[str, str] = {}
            with httpx.Client(base_url=server.url, timeout=60) as c:
                org = c.post("/v1/organisations", json={"name": "ops"}, headers=admin).json()
                for sender in SENDERS.values():
                    body = {"organisation_id": org["id"], "name": sender, "role": sender}
                    tokens[sender] = c.post("/v1/users", json=body, headers=admin).json()["token"]
                entries, cid, digest = agreement_entries(Path(tmp))
                for envelope in entries:
                    author = json.loads(dsse.parse(envelope).payload)["predicate"]["author"]
                    auth = {"Authorization": f"Bearer {tokens[SENDERS[author]]}"}
                    r = c.post("/v1/agreement/envelopes", content=envelope, headers=auth)
                    assert r.status_code == 200, r.text
                signers = keys()
                head = AgreementService(LogStore.open(str(Path(tmp) / "scratch.db")), CLOCK)
                follows = head.state().head()
                messages: list[list[tuple[str, bytes]]] = []
                for k in range(args.clients):
                    role = ("party_a", "party_b")[k % 2]
                    key = signers[role]
                    share = []
                    for i in range(args.per_client):
                        what = {"version": 2, "description": f"client {k}, report {i}"}
                        stmt = statement(
                            Kind.INCIDENT, cid, key.name, CLOCK().strftime("%Y-%m-%dT%H:%M:%SZ"),
                            digest, what, follows=follows,
                        )  # fmt: skip
                        share.append((SENDERS[key.name], sign_statement(stmt, key)))
                    messages.append(share)
            counts, latencies, took = asyncio.run(load(server.url, tokens, messages))
            with httpx.Client(base_url=server.url, timeout=60) as c:
                auth = {"Authorization": f"Bearer {tokens['coordinator']}"}
                stored: list[bytes] = []
                while True:
                    page = c.get(
                        "/v1/log/entries", params={"start": len(stored)}, headers=auth
                    ).json()["entries"]
                    stored += [base64.b64decode(e) for e in page]
                    if len(page) < 1000:
                        break
        finally:
            server.stop()
            drop_database(database)
    check_entries(stored)
    sent = args.clients * args.per_client
    lat = sorted(x * 1e3 for x in latencies)
    print(
        f"PostgreSQL, {args.workers} workers: {sent} validly signed envelopes from "
        f"{args.clients} concurrent clients in {took:.1f} s ({sent / took:,.0f}/s); "
        + ", ".join(f"{k}: {v}" for k, v in counts.items())
    )
    print(
        f"  latency p50 {statistics.median(lat):.0f} ms, p99 {lat[int(len(lat) * 0.99)]:.0f} ms; "
        f"the log holds {len(stored)} entries ({len(entries)} of the agreement), every one "
        "verified offline"
    )
    lost = sent - counts["stored"] - counts["duplicate"]
    if counts["refused"] or lost or len(stored) != len(entries) + sent:
        print(f"FAILED: {counts['refused']} refused, {lost} not stored", file=sys.stderr)
        sys.exit(1)
    print("  no validly signed envelope was refused or lost")


if __name__ == "__main__":
    main()
