"""Ledger benchmark: appends per second, proof latency at 1,000,000 entries, verification rate.

Anchor (a named peer; it cannot run here, so its *reported* figures are the yardstick): Tessera,
the transparency-dev production log, reports about 1,500 to 2,900 writes/s on a 12-core machine.
Targets on this project's 2 cores: at least 2,000 appends/s on SQLite, proofs under 1 ms at
1,000,000 entries.

    .venv/bin/python benchmarks/log.py [--messages 20000] [--batch 256] [--big 1000000]

An append here is the whole path of a real message: build the statement, canonicalise it
(RFC 8785), sign it (Ed25519, DSSE), verify the signature and the author against the corridor's
participants (the service's check), append it and commit (group commit: each group is durable,
WAL + synchronous=FULL on SQLite, before any of its appends is acknowledged). Measured three
ways: groups of --batch through ``AgreementService.submit_each`` (what the service's
group-commit leader runs under load), the service's own ``LogService.submit`` called from 32
request threads at once (the groups form by themselves), and one message at a time.
"""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import datetime as dt
import functools
import json
import os
import random
import socket
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text

from corridor.adapters.log_store import LogStore
from corridor.domain.agreement import Kind, statement
from corridor.domain.proposal import ROLES, example_documents, example_window_start
from corridor.errors import CorridorError
from corridor.services.agreement import (
    AgreementService,
    BeforeCommit,
    SubmitResult,
    Submitter,
    check_entries,
    sign_statement,
)
from corridor.services.log import LogService
from corridor.services.signing import key_ceremony
from corridor.tlog import dsse, merkle
from corridor.tlog.keys import SignerKey
from corridor.tlog.verify import verify_log

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from _http import RawClient

from corridor.adapters.clock import FixedClock
from corridor.testing.live_server import LiveServer

TESSERA_LOW, TESSERA_HIGH, TESSERA_CORES = 1500.0, 2900.0, 12
PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
#: The benchmark's clock: a fixed day, so that the example window is ahead of it.
CLOCK = FixedClock(dt.datetime(2026, 5, 14, 3, 0, tzinfo=dt.UTC))
START = example_window_start(CLOCK())


def keys() -> dict[str, SignerKey]:
    return {
        r: SignerKey.from_seed(r.replace("_", "-"), bytes([i + 1]) * 32)
        for i, r in enumerate(ROLES)
    }


#: The organisation of every user of the HTTP run (and so of each role the opening names).
ORGANISATION = "ops"


def negotiate(service: AgreementService, signers: dict[str, SignerKey]) -> str:
    """The key ceremony, both versions, both acceptances and ceasefire confirmations."""
    first, second = example_documents({r: k.verifier().text() for r, k in signers.items()}, START)
    cid = str(first["corridor"])
    key_ceremony(service, cid, dict.fromkeys(ROLES, ORGANISATION), signers)
    service.propose(first, signers["intermediary"])
    service.counter(second, signers["party_b"])
    for role in ("party_a", "party_b"):
        service.accept(cid, signers[role])
    for role in ("party_a", "party_b"):
        service.confirm_start(cid, signers[role])
    return cid


@dataclass
class Appends:
    grouped: float
    """appends/s through submit_each in groups of ``batch`` (what a group-commit leader runs)"""
    threaded: float
    """appends/s through the service's LogService.submit from ``THREADS`` request threads"""
    mean_group: float
    single: float
    """appends/s one at a time, each committed alone"""


THREADS = 32


def appends(store: LogStore, n: int, batch: int, tmp: Path) -> Appends:
    """Incident reports by the three participants in turn."""
    service = AgreementService(store, CLOCK, parallel=True)
    signers = keys()
    cid = negotiate(service, signers)
    digest = service.state().corridors[cid].latest.hash  # type: ignore[union-attr]
    roles = list(signers)
    now = CLOCK().strftime("%Y-%m-%dT%H:%M:%SZ")
    head = service.state().head()  # every report follows the agreement's last entry

    def message(i: int) -> bytes:
        key = signers[roles[i % 3]]
        body = {"version": 2, "description": f"report {i}: convoy passed checkpoint Bridge 7"}
        stmt = statement(Kind.INCIDENT, cid, key.name, now, digest, body, follows=head)
        return sign_statement(stmt, key)

    service.submit_each([message(-1 - j) for j in range(batch)])  # start the signature workers
    start = time.perf_counter()
    done = 0
    while done < n:
        size = min(batch, n - done)
        outcomes = service.submit_each([message(done + j) for j in range(size)])
        assert all(isinstance(o, SubmitResult) and not o.duplicate for o in outcomes)
        done += size
    grouped = n / (time.perf_counter() - start)

    # The service's path: request threads each sign and submit; LogService group-commits.
    log = LogService(store, keys()["intermediary"], tmp / "tiles", CLOCK)
    log.agreement.state()
    groups: list[int] = []
    submit_each = log.agreement.submit_each

    def counted(
        envelopes: Sequence[bytes],
        before_commit: BeforeCommit | None = None,
        submitters: Sequence[Submitter | None] | None = None,
    ) -> list[SubmitResult | CorridorError]:
        groups.append(len(envelopes))
        return submit_each(envelopes, before_commit, submitters)

    log.agreement.submit_each = counted  # type: ignore[method-assign]
    base = 10 * n

    def client(worker: int) -> None:
        for i in range(worker, n, THREADS):
            log.submit(message(base + i))

    start = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(THREADS) as pool:
        list(pool.map(client, range(THREADS)))
    threaded = n / (time.perf_counter() - start)
    assert sum(groups) == n

    service.state()  # read what the service threads appended before timing single appends
    single_n = 100
    start = time.perf_counter()
    for i in range(single_n):
        service.submit(message(20 * n + i))
    single = single_n / (time.perf_counter() - start)
    return Appends(grouped, threaded, n / len(groups), single)


def http_appends(n: int, connections: int, tmp: Path) -> None:
    """Signed envelopes through the real interface: a ``corridor serve`` on SQLite, parties'
    messages signed beforehand (on their own machines, so not counted here), posted from
    ``connections`` keep-alive connections at once to ``POST /v1/agreement/envelopes``."""
    os.environ["CORRIDOR_CLOCK"] = CLOCK().isoformat()  # the server's clock is the benchmark's
    server = LiveServer(tmp / "http" / "data")
    admin = {"Authorization": f"Bearer {server.admin_token(server.start())}"}
    try:
        tokens: dict[str, str] = {}
        with httpx.Client(base_url=server.url, timeout=30) as c:
            org = c.post("/v1/organisations", json={"name": ORGANISATION}, headers=admin)
            org = org.json()["id"]
            for author, role in (
                ("intermediary", "coordinator"),
                ("party-a", "liaison-a"),
                ("party-b", "liaison-b"),
            ):
                body = {"organisation_id": org, "name": author, "role": role}
                tokens[author] = c.post("/v1/users", json=body, headers=admin).json()["token"]
            # the negotiation, signed in a scratch log, then sent entry by entry
            scratch = LogStore.open(str(tmp / "scratch.db"))
            signers = keys()
            cid = negotiate(AgreementService(scratch, CLOCK), signers)
            for envelope in scratch.entries():
                author = json.loads(dsse.parse(envelope).payload)["predicate"]["author"]
                auth = {"Authorization": f"Bearer {tokens[author]}"}
                r = c.post("/v1/agreement/envelopes", content=envelope, headers=auth)
                assert r.status_code == 200, r.text
            agreed = AgreementService(scratch, CLOCK).state()
            digest = agreed.corridors[cid].latest.hash  # type: ignore[union-attr]
            head = agreed.head()
            scratch.close()
        roles = list(signers)
        now = CLOCK().strftime("%Y-%m-%dT%H:%M:%SZ")
        messages = []
        for i in range(n):
            key = signers[roles[i % 3]]
            body = {"version": 2, "description": f"report {i}: convoy passed checkpoint Bridge 7"}
            stmt = statement(Kind.INCIDENT, cid, key.name, now, digest, body, follows=head)
            messages.append((key.name, sign_statement(stmt, key)))
        latencies: list[float] = []

        async def client(share: list[tuple[str, bytes]]) -> None:
            host, port = server.url.split("//")[1].split(":")
            by_author: dict[str, RawClient] = {}
            for author, envelope in share:
                conn = by_author.setdefault(
                    author, RawClient(host, int(port), tokens[author], "/v1/agreement/envelopes")
                )
                t0 = time.perf_counter()
                status, payload = await conn.post(envelope)
                latencies.append(time.perf_counter() - t0)
                if status != 200:
                    raise RuntimeError(f"{status} {payload[:300]!r}")
            for conn in by_author.values():
                await conn.close()

        async def all_clients() -> float:
            start = time.perf_counter()
            await asyncio.gather(*(client(messages[k::connections]) for k in range(connections)))
            return time.perf_counter() - start

        took = asyncio.run(all_clients())
    finally:
        server.stop()
    lat = sorted(x * 1e3 for x in latencies)
    print(
        f"HTTP (corridor serve, SQLite, 1 worker): {n / took:,.0f} appends/s from {connections} "
        f"connections (messages signed beforehand); latency p50 {statistics.median(lat):.1f} ms, "
        f"p99 {lat[int(len(lat) * 0.99)]:.1f} ms"
    )


def report_appends(name: str, result: Appends, batch: int) -> None:
    print(
        f"{name}: {result.grouped:,.0f} appends/s in groups of {batch}; "
        f"{result.threaded:,.0f}/s through the service's group commit from {THREADS} threads "
        f"(mean group {result.mean_group:.1f}); {result.single:,.0f}/s committing each"
    )
    for what, rate in (("groups", result.grouped), ("service threads", result.threaded)):
        print(
            f"  {what} vs Tessera's reported {TESSERA_LOW:,.0f}-{TESSERA_HIGH:,.0f} writes/s on "
            f"{TESSERA_CORES} cores: ratio {rate / TESSERA_HIGH:.2f}-{rate / TESSERA_LOW:.2f}; "
            f"per core {rate / 2 / (TESSERA_HIGH / TESSERA_CORES):.1f}-"
            f"{rate / 2 / (TESSERA_LOW / TESSERA_CORES):.1f}x"
        )


def postgres(n: int, batch: int) -> None:
    try:
        socket.create_connection(("127.0.0.1", 5432), timeout=1).close()
    except OSError:
        print("postgres: skipped (127.0.0.1:5432 is not reachable)")
        return
    schema = f"log_bench_{uuid.uuid4().hex[:10]}"
    engine = create_engine(PG_URL)
    with engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        store = LogStore.open(PG_URL, schema=schema)
        with tempfile.TemporaryDirectory() as tmp:
            result = appends(store, n, batch, Path(tmp))
        store.close()
        report_appends("PostgreSQL", result, batch)
    finally:
        with engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()


def verification(store: LogStore) -> None:
    entries = list(store.entries())
    log_key = keys()["intermediary"]
    note = store.sign_checkpoint(log_key)
    start = time.perf_counter()
    check = functools.partial(check_entries, parallel=True)
    verify_log(note, entries, log_key.verifier(), check_entries=check)
    took = time.perf_counter() - start
    print(
        f"full verification (tree, checkpoint, every signature and author, replay): "
        f"{len(entries) / took:,.0f} entries/s over {len(entries):,} entries"
    )


def big_log(path: Path, size: int) -> None:
    store = LogStore.open(str(path))
    start = time.perf_counter()
    chunk = 20_000
    for at in range(0, size, chunk):
        store.append_many(
            [os.urandom(8) + b"entry %d" % i for i in range(at, min(size, at + chunk))]
        )
    print(f"built a {size:,}-entry log in {time.perf_counter() - start:.0f} s (raw appends)")
    root = store.root(size)
    rng = random.Random(7)
    timings = []
    for _ in range(2000):
        index = rng.randrange(size)
        t0 = time.perf_counter()
        proof = store.inclusion_proof(index, size)
        timings.append(time.perf_counter() - t0)
    merkle.verify_inclusion(index, size, merkle.leaf_hash(store.entry(index)), proof, root)
    timings.sort()
    median, p99 = statistics.median(timings) * 1e3, timings[int(len(timings) * 0.99)] * 1e3
    print(
        f"inclusion proof at {size:,} entries (SQLite, one query): median {median:.3f} ms, "
        f"p99 {p99:.3f} ms; target < 1 ms (median): {'met' if median < 1 else 'NOT met'}"
    )
    timings = []
    for _ in range(500):
        old = rng.randrange(1, size)
        t0 = time.perf_counter()
        store.consistency_proof(old, size)
        timings.append(time.perf_counter() - t0)
    print(
        f"consistency proof at {size:,} entries: median {statistics.median(timings) * 1e3:.3f} ms"
    )
    start = time.perf_counter()
    tree = merkle.MemoryTree()
    for entry in store.entries(batch=50_000):
        tree.append(entry)
    took = time.perf_counter() - start
    assert tree.root() == root
    print(
        f"tree verification of the {size:,}-entry log (read + hash): {size / took:,.0f} entries/s"
    )
    timings = []
    for _ in range(2000):
        index = rng.randrange(size)
        t0 = time.perf_counter()
        tree.inclusion_proof(index, size)
        timings.append(time.perf_counter() - t0)
    print(
        f"  same proofs from the tree in memory: median "
        f"{statistics.median(timings) * 1e3:.3f} ms (the database's share is the difference)"
    )
    store.close()


def calibrate() -> None:
    """The cost of the two Ed25519 operations every append needs, on this machine, now."""
    key = SignerKey.from_seed("calibration", bytes(32))
    verifier, message = key.verifier(), b"x" * 400
    start = time.perf_counter()
    for _ in range(1000):
        sig = key.sign(message)
    signed = time.perf_counter()
    for _ in range(1000):
        verifier.verify(sig, message)
    done = time.perf_counter()
    sign_us, verify_us = (signed - start) * 1e3, (done - signed) * 1e3
    print(
        f"this machine now: Ed25519 sign {sign_us:.0f} us, verify {verify_us:.0f} us; "
        f"sign + verify alone cap appends at {1e6 / (sign_us + verify_us):,.0f}/s per core"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--big", type=int, default=1_000_000)
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument(
        "--http", type=int, default=5000, help="envelopes sent to a real corridor serve (0: none)"
    )
    args = parser.parse_args()
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}")
    calibrate()
    with tempfile.TemporaryDirectory() as tmp:
        store = LogStore.open(str(Path(tmp) / "log.db"))
        result = appends(store, args.messages, args.batch, Path(tmp))
        report_appends("SQLite", result, args.batch)
        # The measure: one thread does every step, groups as the service's leader
        # takes them under load. The 32-thread figure is context: its signing threads share
        # the interpreter with the leader, which real clients (other machines) do not.
        rate = result.grouped
        print(
            f"  target >= 2,000 appends/s on SQLite (groups of {args.batch}): "
            f"{'met' if rate >= 2000 else 'NOT met'}"
        )
        verification(store)
        store.close()
        if args.http:
            http_appends(args.http, 32, Path(tmp))
        if not args.no_postgres:
            postgres(args.messages, args.batch)
        if args.big:
            big_log(Path(tmp) / "big.db", args.big)


if __name__ == "__main__":
    main()
