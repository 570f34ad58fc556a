"""Event ids become visible in commit order, so resuming after id N never misses a smaller id."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
from conftest import fixed_clock
from sqlalchemy import Engine, text

from corridor.adapters.repositories.events import SqlEvents
from corridor.adapters.sql_engine import make_engine, upgrade
from corridor.domain.operations import Event


@pytest.fixture
def engine(pg_url: str) -> Iterator[Engine]:
    engine = make_engine(pg_url)
    upgrade(engine)
    yield engine
    engine.dispose()


def waiting_for_advisory_lock(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(
            conn.execute(
                text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
            ).scalar_one()
        )


@pytest.mark.postgres
def test_a_later_transaction_takes_its_event_ids_only_after_the_earlier_one_commits(
    engine: Engine,
) -> None:
    first = engine.connect()
    first.begin()
    (early,) = SqlEvents(first, fixed_clock()).add([Event("incidents", {"n": 1})])
    got: list[int] = []

    def second() -> None:
        with engine.connect() as conn, conn.begin():
            got.extend(
                e.id for e in SqlEvents(conn, fixed_clock()).add([Event("incidents", {"n": 2})])
            )

    thread = threading.Thread(target=second)
    thread.start()
    deadline = time.monotonic() + 30
    while waiting_for_advisory_lock(engine) == 0:  # the second one queues behind the first
        assert thread.is_alive()
        assert time.monotonic() < deadline, "the second transaction never waited"
        time.sleep(0.01)
    assert not got
    with engine.connect() as reader:
        assert (
            SqlEvents(reader, fixed_clock()).since(0) == []
        )  # nothing is visible, not even a later id
    first.commit()
    first.close()
    thread.join(30)
    assert not thread.is_alive()
    assert got[0] > early.id
    with engine.connect() as reader:
        assert [e.id for e in SqlEvents(reader, fixed_clock()).since(0)] == [early.id, got[0]]
