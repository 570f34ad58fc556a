"""Position reports per second and latency of the coordination service, 50 simulated vehicles.

Starts a real ``corridor serve`` (SQLite, then PostgreSQL with two workers when the server at
127.0.0.1:5432 answers), makes one driver per vehicle, and has 50 vehicles send batches of
position reports concurrently for a fixed time. Prints reports/s, p50/p99 request latency, and
the ratio to the named peer measured in the same run: the same batches inserted straight into
the same database through the repository (no HTTP, no auth, no JSON), which is the ceiling the
service's own work sits under.

    .venv/bin/python benchmarks/service.py [--seconds 20] [--batch 20] [--vehicles 50]
                                           [--interval 1]

Two loads per database: *paced*, each vehicle sends a batch every ``--interval`` seconds (50
vehicles x 20 reports per second = the 1,000 reports/s target; latency is then the service's own),
and *saturated*, each vehicle sends its next batch as soon as the last is answered (the most the
service takes; latency is then mostly waiting in line, 50 / requests per second).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from _http import RawClient  # noqa: E402

from corridor.adapters.sql_engine import make_engine  # noqa: E402
from corridor.adapters.sql_unit_of_work import SqlUnitOfWork  # noqa: E402
from corridor.domain.operations import PositionReport  # noqa: E402
from corridor.testing.live_server import LiveServer  # noqa: E402

PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def batch(vehicle: str, size: int, seq: int) -> list[dict[str, object]]:
    now = datetime.now(UTC).isoformat()
    return [
        {
            "client_id": f"{seq}-{i}-{uuid.uuid4().hex[:8]}",
            "vehicle": vehicle,
            "at": now,
            "lat": 42.5 + (seq % 100) * 1e-4,
            "lon": 1.52,
            "speed_kmh": 35.0,
        }
        for i in range(size)
    ]


async def vehicle_loop(
    client: RawClient,
    vehicle: str,
    size: int,
    until: float,
    latencies: list[float],
    counts: list[int],
    interval: float = 0.0,
    offset: float = 0.0,
) -> None:
    """Send a batch every ``interval`` seconds (0: the next as soon as one is answered)."""
    seq = 0
    next_at = time.perf_counter() + offset
    while time.perf_counter() < until:
        if interval:
            await asyncio.sleep(max(0.0, next_at - time.perf_counter()))
            next_at += interval
        body = json.dumps({"positions": batch(vehicle, size, seq)}).encode()
        t0 = time.perf_counter()
        status, payload = await client.post(body)
        latencies.append(time.perf_counter() - t0)
        if status != 200:
            raise RuntimeError(f"{vehicle}: {status} {payload[:300]!r}")
        counts.append(json.loads(payload)["accepted"])
        seq += 1


async def drive(
    url: str, tokens: dict[str, str], size: int, seconds: float, interval: float = 0.0
) -> tuple[float, list[float]]:
    latencies: list[float] = []
    counts: list[int] = []
    host, port = url.split("//")[1].split(":")
    clients = {v: RawClient(host, int(port), t, "/v1/positions") for v, t in tokens.items()}
    # Warm up: one batch per vehicle, not counted.
    await asyncio.gather(
        *(
            c.post(json.dumps({"positions": batch(v, size, -1)}).encode())
            for v, c in clients.items()
        )
    )
    start = time.perf_counter()
    until = start + seconds
    n = len(clients)
    await asyncio.gather(
        *(
            vehicle_loop(c, v, size, until, latencies, counts, interval, interval * i / n)
            for i, (v, c) in enumerate(clients.items())
        )
    )
    elapsed = time.perf_counter() - start
    for c in clients.values():
        await c.close()
    return sum(counts) / elapsed, latencies


def setup_drivers(url: str, admin: str, n: int) -> dict[str, str]:
    h = {"Authorization": f"Bearer {admin}"}
    with httpx.Client(base_url=url, headers=h, timeout=30) as c:
        org = c.post("/v1/organisations", json={"name": f"fleet-{uuid.uuid4().hex[:6]}"}).json()[
            "id"
        ]
        out = {}
        for i in range(n):
            v = f"D{i // 10 + 1}/bus/{i % 10}"
            r = c.post(
                "/v1/users",
                json={"organisation_id": org, "name": v, "role": "driver", "vehicle": v},
            )
            out[v] = r.json()["token"]
        return out


def peer_direct(
    db_url: str, vehicles: list[str], size: int, seconds: float, synchronous: str = "FULL"
) -> float:
    """The same batches, 50 threads, straight through the repository into the database."""
    engine = make_engine(db_url, pool_size=20, sqlite_synchronous=synchronous)
    from corridor.adapters.clock import system_clock
    from corridor.adapters.crypto_fields import FieldCipher
    from corridor.adapters.events import LocalBus

    uow_factory = lambda: SqlUnitOfWork(  # noqa: E731
        engine, LocalBus(), FieldCipher(b"0" * 32), "x", system_clock
    )
    stored = [0]
    lock = threading.Lock()
    until = time.perf_counter() + seconds

    def work(vehicle: str) -> None:
        seq = 0
        while time.perf_counter() < until:
            reports = [
                PositionReport(str(p["client_id"]), vehicle, datetime.now(UTC), 42.5, 1.52, 35.0)
                for p in batch(vehicle, size, seq)
            ]
            with uow_factory() as uow:
                n = len(uow.positions.add_batch(reports, 1))
                uow.commit()
            with lock:
                stored[0] += n
            seq += 1

    start = time.perf_counter()
    threads = [threading.Thread(target=work, args=(v,)) for v in vehicles]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    rate = stored[0] / (time.perf_counter() - start)
    engine.dispose()
    return rate


def _summary(lat: list[float]) -> tuple[float, float]:
    lat_ms = sorted(x * 1000 for x in lat)
    return statistics.median(lat_ms), lat_ms[min(len(lat_ms) - 1, int(len(lat_ms) * 0.99))]


def run(
    name: str,
    data_dir: Path,
    db: str | None,
    workers: int,
    args: argparse.Namespace,
    synchronous: str = "FULL",
) -> None:
    os.environ["CORRIDOR_SQLITE_SYNCHRONOUS"] = synchronous
    server = LiveServer(data_dir, db=db, workers=workers)
    admin = server.admin_token(server.start())
    results = []
    try:
        tokens = setup_drivers(server.url, admin, args.vehicles)
        for label, interval in (
            (f"paced (a batch per vehicle every {args.interval:g} s)", args.interval),
            ("saturated (next batch as soon as answered)", 0.0),
        ):
            rate, lat = asyncio.run(drive(server.url, tokens, args.batch, args.seconds, interval))
            results.append((label, rate, *_summary(lat), len(lat)))
    finally:
        server.stop()
    url = db or f"sqlite:///{(data_dir / 'corridor.sqlite').resolve()}"
    peer = peer_direct(url, list(tokens), args.batch, min(args.seconds, 10), synchronous)
    print(
        f"{name}: peer (same batches, 50 threads, straight into the database, no HTTP): "
        f"{peer:.0f} reports/s"
    )
    for label, rate, p50, p99, n in results:
        print(
            f"  {label:48s} {rate:6.0f} reports/s  p50 {p50:7.1f} ms  p99 {p99:7.1f} ms  "
            f"requests {n:5d}  ratio to peer {rate / peer:4.2f}"
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--batch", type=int, default=20)
    ap.add_argument("--vehicles", type=int, default=50)
    ap.add_argument(
        "--interval", type=float, default=1.0, help="seconds between a vehicle's batches"
    )
    ap.add_argument("--no-postgres", action="store_true")
    args = ap.parse_args()
    print(
        f"{args.vehicles} vehicles, batches of {args.batch} reports, {args.seconds:.0f} s per run"
    )
    with tempfile.TemporaryDirectory() as tmp:
        run(
            "SQLite (synchronous=FULL, the default), 1 worker",
            Path(tmp) / "full" / "data",
            None,
            1,
            args,
            "FULL",
        )
        run(
            "SQLite (synchronous=NORMAL), 1 worker",
            Path(tmp) / "normal" / "data",
            None,
            1,
            args,
            "NORMAL",
        )
        if not args.no_postgres:
            name = f"corridor_bench_{uuid.uuid4().hex[:8]}"
            admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
            with admin.connect() as c:
                c.execute(text(f'CREATE DATABASE "{name}"'))
            try:
                url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
                run("PostgreSQL, 2 workers", Path(tmp) / "pg" / "data", url, 2, args)
            finally:
                with admin.connect() as c:
                    c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                admin.dispose()


if __name__ == "__main__":
    main()
