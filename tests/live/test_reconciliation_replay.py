"""The reconciliation keeps its replay of the check-ins and takes in only those stored since
(benchmarks/reconciliation.py): whatever happens to the stored check-ins, what it says is what a
replay of the whole history says, rolled-back transactions and late registrations included."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from corridor.adapters.crypto_fields import FieldCipher
from corridor.adapters.events import LocalBus
from corridor.adapters.sql_engine import make_engine, upgrade
from corridor.adapters.sql_unit_of_work import SqlUnitOfWork
from corridor.domain.access import Principal, Role
from corridor.domain.operations import CheckIn
from corridor.domain.tracking import LiveParams
from corridor.services import operations, reconciliation

T0 = dt.datetime(2026, 5, 14, 8, tzinfo=dt.UTC)
COORDINATOR = Principal(1, "c", Role.COORDINATOR, 1)


@pytest.fixture
def uow(tmp_path: Path) -> Any:
    engine = make_engine(f"sqlite:///{tmp_path / 'r.sqlite'}")
    upgrade(engine)
    with engine.begin() as conn:
        conn.execute(
            text("INSERT INTO organisations (name, created_at) VALUES ('o', :t)"), {"t": T0}
        )
    bus, cipher = LocalBus(), FieldCipher(b"0" * 32)
    yield lambda: SqlUnitOfWork(engine, bus, cipher, "x" * 32, lambda: T0, LiveParams())
    engine.dispose()


def register(uow: Any, first: int, n: int) -> None:
    with uow() as u:
        for i in range(first, first + n):
            u.evacuees.add(
                {"client_id": f"e{i}", "household": f"h{i // 2}", "people_class": "general",
                 "gathering": "G1", "status": "registered", "registered_at": T0,
                 "registered_by": 1}
            )  # fmt: skip
        u.commit()


def record(
    uow: Any, cid: str, kind: str, vehicle: str, ids: tuple[int, ...], walk_ins: int = 1
) -> None:
    place = "G1" if kind == "boarding" else "R1"
    c = CheckIn(cid, kind, vehicle, place, T0, {"general": len(ids) + walk_ins}, ids)
    operations.record_checkin(uow(), COORDINATOR, c)


def said(people: dict[int, Any], vehicles: dict[str, Any]) -> Any:
    return (
        {
            i: (p.status, p.vehicle, p.boarded_at, p.arrived_at, p.history)
            for i, p in people.items()
        },
        {
            k: (dict(v.boarded), dict(v.arrived), v.arrival_times, v.boarded_when)
            for k, v in vehicles.items()
        },
    )


def same_as_a_full_replay(uow: Any) -> None:
    with uow() as u:
        kept = said(*reconciliation.replayed(u))
        full = said(*reconciliation.replay(list(u.checkins.list()), list(u.evacuees.list())))
    assert kept == full


def test_the_kept_replay_is_the_full_replay(uow: Any) -> None:
    register(uow, 0, 6)
    record(uow, "b1", "boarding", "V1", (1, 2))
    same_as_a_full_replay(uow)
    record(uow, "a1", "arrival", "V1", (1,))
    record(uow, "late", "boarding", "V1", (1,), 0)  # a retry after the arrival: kept, not applied
    same_as_a_full_replay(uow)
    # A transaction stores a check-in, evaluates (the replay takes it in) and is rolled back;
    # the next check-in may get its id.
    with uow() as u:
        u.checkins.add(CheckIn("gone", "arrival", "V1", "R1", T0, {"general": 1}, (2,)), 1)
        reconciliation.evaluate(u)  # and no commit: rolled back
    record(uow, "b2", "boarding", "V2", (3, 4))
    same_as_a_full_replay(uow)
    with uow() as u:
        people, _ = reconciliation.replayed(u)
    assert people[2].status == "boarded"  # the rolled-back arrival never happened
    # People registered later, boarded and arrived.
    register(uow, 6, 3)
    record(uow, "b3", "boarding", "V3", (7, 8))
    record(uow, "a3", "arrival", "V3", (7, 8))
    same_as_a_full_replay(uow)
    with uow() as u:
        people, vehicles = reconciliation.replayed(u)
    assert people[8].status == "arrived"
    assert dict(vehicles["V1"].boarded) == {"general": 3}  # the retry counts nobody
