"""Position ingest with route matching and alert evaluation, against ingest without them.

Both runs go through the service's own path, in the same run, each on a fresh database:
the group-committing :class:`PositionWriter`, one transaction per group, the reports stored,
then (with a plan in force) matched to each vehicle's planned route, the vehicles' states
stored and the alerts raised or cleared in that same transaction. The peer is the same ingest
with no plan in force (nothing to match), measured in the same run.

The fleet is 300 vehicles, each with a planned route of about 2,000 road vertices (40 km)
over a 30 km square, the size of the large example's city (Helsinki): a vehicle's report may
be matched anywhere along its whole route (it is looked for just ahead of its progress
first). Reports follow each vehicle along its route, on time, so the alerts evaluated are
the real ones and none fires.

Two loads: *saturated*, 50 clients each sending its next batch of 20 reports as soon as the
last is stored (reports/s, the most the service takes); *paced*, 50 clients each sending a
batch of 20 every second (1,000 reports/s), their sends spread evenly over the second (client
k sends at k/50 s past each second: vehicles do not all report in the same millisecond), with
the latency of each batch (p50, p99). The clients are threads of another process (the load
generator), each batch sent through a pipe to a thread of this one that hands it to the
writer and answers once it is stored. The cost of ingest is also measured without them: the
writer thread's own CPU time per report stored (``thread_time``), and this process's. The two
ingests take turns (``--rounds``) and the medians are compared.

    .venv/bin/python benchmarks/tracking.py [--seconds 10] [--rounds 3] [--db sqlite|postgres]
"""

from __future__ import annotations

import argparse
import datetime as dt
import multiprocessing as mp
import os
import statistics
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from sqlalchemy import create_engine, text  # noqa: E402

from corridor.adapters.crypto_fields import FieldCipher  # noqa: E402
from corridor.adapters.events import LocalBus  # noqa: E402
from corridor.adapters.sql_engine import make_engine, upgrade  # noqa: E402
from corridor.adapters.sql_unit_of_work import SqlUnitOfWork  # noqa: E402
from corridor.domain.access import Principal, Role  # noqa: E402
from corridor.domain.operations import PositionReport  # noqa: E402
from corridor.domain.tracking import LiveParams  # noqa: E402
from corridor.services import tracking  # noqa: E402
from corridor.services.position_writer import PositionWriter  # noqa: E402

VEHICLES = 300
VERTICES = 2000
ORIGIN = dt.datetime(2026, 5, 14, tzinfo=dt.UTC)
PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
COORDINATOR = Principal(1, "bench", Role.COORDINATOR, 1)


class Clock:
    """Starts at 08:00 of the operation's day and runs at real speed (from ``t0`` of
    ``time.monotonic``, the same in every process of the machine)."""

    def __init__(self, t0: float | None = None) -> None:
        self.t0 = time.monotonic() if t0 is None else t0

    def __call__(self) -> dt.datetime:
        return ORIGIN + dt.timedelta(hours=8, seconds=time.monotonic() - self.t0)


def routes(seed: int = 7) -> dict[str, np.ndarray]:
    """A random-walk road route per vehicle, 20 m a vertex, inside a 30 km square."""
    rng = np.random.default_rng(seed)
    out = {}
    lon0, lat0 = 24.94, 60.17
    for v in range(VEHICLES):
        heading = np.cumsum(rng.normal(0, 0.15, VERTICES))
        steps = np.stack([np.cos(heading), np.sin(heading)], axis=1) * 20.0
        xy = np.cumsum(steps, axis=0) + rng.uniform(-10_000, 10_000, 2)
        xy = np.clip(xy, -15_000, 15_000)
        lon = lon0 + xy[:, 0] / (111_320 * np.cos(np.radians(lat0)))
        lat = lat0 + xy[:, 1] / 111_320
        out[f"D{v % 10}/bus/{v}"] = np.stack([lon, lat], axis=1)
    return out


def sheet(vehicle: str, coords: np.ndarray) -> dict[str, Any]:
    """Depot at 07:00, one stop half-way, the end at 18:00: 40 km over 11 hours of window."""
    half = len(coords) // 2

    def stop(seq: int, i: int, arrive: float, leave: float) -> dict[str, Any]:
        lon, lat = coords[i]
        return {"seq": seq, "place": f"P{seq}", "kind": "gathering", "lat": float(lat),
                "lon": float(lon), "arrive_min": arrive, "leave_min": leave, "board": {},
                "deliver": {}}  # fmt: skip

    return {
        "vehicle": vehicle,
        "type": "bus",
        "stops": [stop(1, 0, 420, 420), stop(2, half, 750, 750), stop(3, -1, 1080, 1080)],
        "route": {"type": "LineString", "coordinates": coords.round(6).tolist()},
        "leg_starts": [0, half],
        "on_roads": True,
    }


def setup(url: str, with_plan: bool, lines: dict[str, np.ndarray], clock: Clock) -> Any:
    engine = make_engine(url, sqlite_synchronous="FULL")
    upgrade(engine)
    with engine.begin() as conn:
        conn.execute(
            text("INSERT INTO organisations (name, created_at) VALUES ('b', :t)"), {"t": clock()}
        )
        conn.execute(
            text("INSERT INTO scenarios (name, source, base_dir, created_at, user_id) "
                 "VALUES ('bench', '', '', :t, 1)"),
            {"t": clock()},
        )  # fmt: skip
        conn.execute(
            text("INSERT INTO plans (scenario_id, status, progress, params, created_at, user_id) "
                 "VALUES (1, 'done', 1, '{}', :t, 1)"),
            {"t": clock()},
        )  # fmt: skip
    bus, cipher = LocalBus(), FieldCipher(b"0" * 32)

    def uow() -> SqlUnitOfWork:
        return SqlUnitOfWork(engine, bus, cipher, "x" * 32, clock, LiveParams())

    if with_plan:
        u = uow()
        with u:
            u.publications.add(
                {"plan_id": 1, "scenario_id": 1, "corridor": "bench", "origin": ORIGIN.isoformat(),
                 "window_open": 420.0, "window_close": 1080.0, "lead_minutes": 0.0,
                 "replaces": None, "reason": "", "differences": [], "user_id": 1},
                {v: sheet(v, c) for v, c in lines.items()},
            )  # fmt: skip
            u.commit()
        with uow() as u:
            assert tracking.plan_in_force(u) is not None  # routes built before timing
    return engine, uow


def where(coords: np.ndarray, now: dt.datetime) -> tuple[float, float]:
    """The vehicle's planned position at ``now`` (07:00 to 18:00 along its route)."""
    m = (now - ORIGIN).total_seconds() / 60
    f = min(max((m - 420) / 660, 0.0), 1.0)
    i = min(int(f * (len(coords) - 1)), len(coords) - 2)
    lon, lat = coords[i]
    return float(lon), float(lat)


def run(writer: PositionWriter, lines: dict[str, np.ndarray], clock: Clock, seconds: float,
        paced: bool, clients: int = 50, batch: int = 20) -> dict[str, float]:  # fmt: skip
    """One load on the writer, from clients in another process: each client's batches go
    through a pipe to a thread of this one that stores them and answers."""
    ctx = mp.get_context("spawn")
    pipes = [ctx.Pipe() for _ in range(clients)]
    results = ctx.Queue()

    def serve(conn: Any) -> None:
        while (reports := conn.recv()) is not None:
            writer.write(COORDINATOR, reports)
            conn.send(True)

    servers = [threading.Thread(target=serve, args=(ours,)) for ours, _ in pipes]
    for th in servers:
        th.start()
    cpu0, batches0, commits0 = writer.cpu_s, writer.batches, writer.commits
    proc0 = time.process_time()
    args = ([theirs for _, theirs in pipes], lines, clock.t0, seconds, paced, batch, results)
    gen = ctx.Process(target=load, args=args)
    gen.start()
    done, latencies, elapsed = results.get()
    gen.join()
    for th in servers:
        th.join()
    lat = sorted(latencies)
    return {
        "reports_per_s": done / elapsed,
        "cpu_us": 1e6 * (writer.cpu_s - cpu0) / max(1, done),
        "proc_us": 1e6 * (time.process_time() - proc0) / max(1, done),
        "groups_of": (writer.batches - batches0) / max(1, writer.commits - commits0),
        "p50_ms": 1000 * statistics.median(lat),
        "p99_ms": 1000 * lat[min(len(lat) - 1, int(0.99 * len(lat)))],
    }


def load(conns: list[Any], lines: dict[str, np.ndarray], t0: float, seconds: float,
         paced: bool, batch: int, results: Any) -> None:  # fmt: skip
    """The load generator (its own process): one thread a client, each sending its batches
    and timing each until it is stored."""
    clock, clients = Clock(t0), len(conns)
    names = sorted(lines)
    stop = threading.Event()
    done: list[int] = []
    latencies: list[float] = []
    lock = threading.Lock()

    def client(k: int) -> None:
        own, conn = names[k::clients], conns[k]
        seq = 0
        next_at = start + (k / clients if paced else 0.0)
        time.sleep(max(0.0, next_at - time.monotonic()))
        while not stop.is_set():
            now = clock()
            reports = []
            for j in range(batch):
                v = own[(seq + j) % len(own)]
                lon, lat = where(lines[v], now)
                reports.append(PositionReport(uuid.uuid4().hex, v, now, lat, lon, 30.0))
            seq += batch
            t = time.perf_counter()
            conn.send(reports)
            conn.recv()
            with lock:
                done.append(len(reports))
                latencies.append(time.perf_counter() - t)
            if paced:
                next_at += 1.0
                time.sleep(max(0.0, next_at - time.monotonic()))
        conn.send(None)

    threads = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
    start = time.monotonic()
    t1 = time.perf_counter()
    for th in threads:
        th.start()
    time.sleep(seconds)
    stop.set()
    for th in threads:
        th.join()
    results.put((sum(done), latencies, time.perf_counter() - t1))


CREATED: list[str] = []


def database(kind: str, folder: Path, name: str) -> str:
    if kind == "sqlite":
        return f"sqlite:///{folder / (name + '.sqlite')}"
    db = f"corridor_bench_{name}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{db}"'))
    admin.dispose()
    CREATED.append(db)
    return f"postgresql+psycopg://postgres@127.0.0.1:5432/{db}"


def drop_created() -> None:
    """Drop the PostgreSQL databases this run made."""
    if not CREATED:
        return
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        for db in CREATED:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)'))
    admin.dispose()


NAMES = {"without matching": False, "with matching + alerts": True}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--rounds", type=int, default=3, help="runs of each, interleaved")
    ap.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    args = ap.parse_args()
    lines = routes()
    print(
        f"{VEHICLES} vehicles, {VERTICES} route vertices each, {args.db}, {args.seconds:g} s a "
        f"run, {args.rounds} rounds, load average {os.getloadavg()[0]:.1f}"
    )
    runs: dict[str, list[dict[str, float]]] = {f"{n}|{p}": [] for n in NAMES for p in "sp"}
    with tempfile.TemporaryDirectory() as tmp:
        envs = {}
        for name, with_plan in NAMES.items():
            clock = Clock()
            engine, uow = setup(
                database(args.db, Path(tmp), name.split()[0]), with_plan, lines, clock
            )
            envs[name] = (clock, engine, PositionWriter(uow))
        try:
            # The two ingests take turns, so that the machine's other work weighs on both.
            for _ in range(args.rounds):
                for pace in "sp":
                    for name, (clock, _, writer) in envs.items():
                        r = run(writer, lines, clock, args.seconds, paced=pace == "p")
                        runs[f"{name}|{pace}"].append({**r, "load": os.getloadavg()[0]})
        finally:
            for _, engine, writer in envs.values():
                writer.stop()
                engine.dispose()
    results = {k: {f: statistics.median(r[f] for r in v) for f in v[0]} for k, v in runs.items()}
    for name in NAMES:
        sat, paced = results[f"{name}|s"], results[f"{name}|p"]
        print(f"{name:24} saturated {sat['reports_per_s']:6.0f} reports/s, writer "
              f"{sat['cpu_us']:5.1f} us CPU a report (service process {sat['proc_us']:5.1f} us, "
              f"{sat['groups_of']:4.1f} batches a commit)"
              f"   paced {paced['reports_per_s']:5.0f}/s p50 {paced['p50_ms']:5.1f} ms "
              f"p99 {paced['p99_ms']:6.1f} ms   load {sat['load']:.1f}")  # fmt: skip
    base, matched = results["without matching|s"], results["with matching + alerts|s"]
    rate = matched["reports_per_s"] / base["reports_per_s"]
    cpu = matched["cpu_us"] / base["cpu_us"]
    print(
        f"medians of {args.rounds}: reports/s with matching {rate:.2f} of those without "
        f"({100 * (1 / rate - 1):.0f}% more time a report); writer CPU a report with "
        f"matching {cpu:.2f} of that without (matching adds {100 * (cpu - 1):.0f}%)"
    )


if __name__ == "__main__":
    try:
        main()
    finally:
        drop_created()
