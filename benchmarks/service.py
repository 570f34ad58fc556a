"""Position reports per second and latency of the coordination service, 50 simulated vehicles.

Starts a real ``corridor serve`` (SQLite, then PostgreSQL with two workers when the server at
127.0.0.1:5432 answers), makes one driver per vehicle, and has 50 vehicles send batches of
position reports concurrently for a fixed time. Prints reports/s, p50/p99 request latency, and
the ratio to the named peer measured in the same run: the same batches inserted straight into
the same database through the repository (no HTTP, no auth, no JSON), which is the ceiling the
service's own work sits under.

    .venv/bin/python benchmarks/service.py [--seconds 20] [--batch 20] [--vehicles 50]
"""

from __future__ import annotations

import argparse
import asyncio
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

from corridor.adapters.db import make_engine  # noqa: E402
from corridor.domain.operations import PositionReport  # noqa: E402
from corridor.services.unit_of_work import SqlUnitOfWork  # noqa: E402
from tests.service.live import LiveServer  # noqa: E402

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
    client: httpx.AsyncClient,
    token: str,
    vehicle: str,
    size: int,
    until: float,
    latencies: list[float],
    counts: list[int],
) -> None:
    seq = 0
    headers = {"Authorization": f"Bearer {token}"}
    while time.perf_counter() < until:
        body = {"positions": batch(vehicle, size, seq)}
        t0 = time.perf_counter()
        r = await client.post("/v1/positions", json=body, headers=headers)
        latencies.append(time.perf_counter() - t0)
        if r.status_code != 200:
            raise RuntimeError(f"{vehicle}: {r.status_code} {r.text}")
        counts.append(r.json()["accepted"])
        seq += 1


async def drive(
    url: str, tokens: dict[str, str], size: int, seconds: float
) -> tuple[float, list[float]]:
    latencies: list[float] = []
    counts: list[int] = []
    limits = httpx.Limits(
        max_connections=len(tokens) + 5, max_keepalive_connections=len(tokens) + 5
    )
    async with httpx.AsyncClient(base_url=url, timeout=30, limits=limits) as client:
        # Warm up: one batch per vehicle, not counted.
        await asyncio.gather(
            *(
                client.post(
                    "/v1/positions",
                    json={"positions": batch(v, size, -1)},
                    headers={"Authorization": f"Bearer {t}"},
                )
                for v, t in tokens.items()
            )
        )
        start = time.perf_counter()
        until = start + seconds
        await asyncio.gather(
            *(vehicle_loop(client, t, v, size, until, latencies, counts) for v, t in tokens.items())
        )
        elapsed = time.perf_counter() - start
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


def peer_direct(db_url: str, vehicles: list[str], size: int, seconds: float) -> float:
    """The same batches, 50 threads, straight through the repository into the database."""
    engine = make_engine(db_url, pool_size=20)
    from corridor.adapters.crypto_fields import FieldCipher
    from corridor.adapters.events import LocalBus

    uow_factory = lambda: SqlUnitOfWork(engine, LocalBus(), FieldCipher(b"0" * 32), "x")  # noqa: E731
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


def run(
    name: str, data_dir: Path, db: str | None, workers: int, args: argparse.Namespace
) -> dict[str, float]:
    server = LiveServer(data_dir, db=db, workers=workers)
    admin = server.admin_token(server.start())
    try:
        tokens = setup_drivers(server.url, admin, args.vehicles)
        rate, lat = asyncio.run(drive(server.url, tokens, args.batch, args.seconds))
    finally:
        server.stop()
    lat_ms = sorted(x * 1000 for x in lat)
    p50 = statistics.median(lat_ms)
    p99 = lat_ms[min(len(lat_ms) - 1, int(len(lat_ms) * 0.99))]
    url = db or f"sqlite:///{(data_dir / 'corridor.sqlite').resolve()}"
    peer = peer_direct(url, list(tokens), args.batch, min(args.seconds, 10))
    print(
        f"{name:28s} {rate:9.0f} reports/s  p50 {p50:6.1f} ms  p99 {p99:6.1f} ms  "
        f"requests {len(lat):6d}  | peer (direct insert, no HTTP) {peer:9.0f} reports/s  "
        f"ratio {rate / peer:5.2f}"
    )
    return {"rate": rate, "p50": p50, "p99": p99, "peer": peer}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--batch", type=int, default=20)
    ap.add_argument("--vehicles", type=int, default=50)
    ap.add_argument("--no-postgres", action="store_true")
    args = ap.parse_args()
    print(
        f"{args.vehicles} vehicles, batches of {args.batch} reports, {args.seconds:.0f} s per run"
    )
    with tempfile.TemporaryDirectory() as tmp:
        run("SQLite, 1 worker", Path(tmp) / "sqlite" / "data", None, 1, args)
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
