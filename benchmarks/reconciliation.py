"""Reconciliation per report: check-ins taken in as they come against the whole history replayed.

Every check-in the service stores is followed, in its transaction, by the reconciliation's
evaluation (who boarded, who arrived, who is missing: its alerts). It once read and replayed
every check-in stored so far on each evaluation, so its cost grew with the whole history. It now
keeps the replay in the process and takes in only the check-ins stored since (two indexed
queries check that what it kept is still what is stored). The peer is the full replay
(``reconciliation.INCREMENTAL = False``), measured in the same run on the same database.

An operation of ``--people`` registered people on 100 vehicles, boarded then arrived by name
(two check-ins a vehicle trip of 20 people, plus a walk-in count); after the history is stored,
each mode records the same ``--reports`` new check-ins one at a time through the service's own
path (``operations.record_checkin``, which evaluates) and the time per check-in is printed at
history sizes growing by a factor of 4.

    .venv/bin/python benchmarks/reconciliation.py [--people 4000] [--reports 50]
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from sqlalchemy import text  # noqa: E402

from corridor.adapters.crypto_fields import FieldCipher  # noqa: E402
from corridor.adapters.events import LocalBus  # noqa: E402
from corridor.adapters.sql_engine import make_engine, upgrade  # noqa: E402
from corridor.adapters.sql_unit_of_work import SqlUnitOfWork  # noqa: E402
from corridor.domain.access import Principal, Role  # noqa: E402
from corridor.domain.operations import CheckIn  # noqa: E402
from corridor.domain.tracking import LiveParams  # noqa: E402
from corridor.services import operations, reconciliation  # noqa: E402

T0 = dt.datetime(2026, 5, 14, 8, tzinfo=dt.UTC)
COORDINATOR = Principal(1, "bench", Role.COORDINATOR, 1)
VEHICLES = 100
TRIP = 20


def clock() -> dt.datetime:
    return T0 + dt.timedelta(hours=2)


def database(folder: Path, people: int) -> Any:
    """A database with ``people`` registered, every one boarded and arrived by name."""
    engine = make_engine(f"sqlite:///{folder / 'bench.sqlite'}", sqlite_synchronous="FULL")
    upgrade(engine)
    with engine.begin() as conn:
        conn.execute(
            text("INSERT INTO organisations (name, created_at) VALUES ('b', :t)"), {"t": T0}
        )
        conn.execute(
            text(
                "INSERT INTO evacuees (client_id, household, people_class, gathering, status, "
                "registered_at, registered_by) VALUES (:c, :h, 'general', 'G1', 'registered', "
                ":t, 1)"
            ),
            [{"c": f"e{i}", "h": f"h{i // 4}", "t": T0} for i in range(people)],
        )
    bus, cipher = LocalBus(), FieldCipher(b"0" * 32)

    def uow() -> SqlUnitOfWork:
        return SqlUnitOfWork(engine, bus, cipher, "x" * 32, clock, LiveParams())

    return engine, uow


def history(uow: Any, first: int, last: int) -> None:
    """People ``first`` to ``last - 1`` boarded and arrived, a trip of 20 at a time."""
    with uow() as u:
        for start in range(first, last, TRIP):
            ids = tuple(range(start + 1, min(start + TRIP, last) + 1))
            vehicle = f"V{(start // TRIP) % VEHICLES}"
            at = T0 + dt.timedelta(seconds=start)
            for kind, place in (("boarding", "G1"), ("arrival", "R1")):
                u.checkins.add(
                    CheckIn(f"{kind}-{start}", kind, vehicle, place, at,
                            {"general": len(ids) + 1}, ids),
                    1,
                )  # fmt: skip
        u.commit()


def per_report(uow: Any, reports: int, tag: str) -> float:
    """Seconds per walk-in check-in recorded (and evaluated), the median of ``reports``."""
    times = []
    for i in range(reports):
        c = CheckIn(f"walk-{tag}-{i}", "boarding", f"V{i % VEHICLES}", "G2", T0, {"general": 1})
        t = time.perf_counter()
        operations.record_checkin(uow(), COORDINATOR, c)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--people", type=int, default=4000)
    ap.add_argument("--reports", type=int, default=50)
    args = ap.parse_args()
    sizes = [args.people // 16, args.people // 4, args.people]
    print(f"{'check-ins stored':>17} {'full replay ms':>15} {'incremental ms':>15} {'ratio':>7}")
    with tempfile.TemporaryDirectory() as tmp:
        engine, uow = database(Path(tmp), args.people)
        done = 0
        for size in sizes:
            history(uow, done, size)
            done = size
            with uow() as u:
                stored = len(u.checkins.list(None))
            reconciliation.INCREMENTAL = False
            full = per_report(uow, args.reports, f"full{size}")
            reconciliation.INCREMENTAL = True
            per_report(uow, 1, f"warm{size}")  # the first evaluation replays once
            inc = per_report(uow, args.reports, f"inc{size}")
            print(f"{stored:>17} {full * 1e3:>15.2f} {inc * 1e3:>15.2f} {full / inc:>6.1f}x")
        engine.dispose()


if __name__ == "__main__":
    main()
