"""Fixtures of the live-operation tests: the service on a clock the test moves, with the
Andorra example uploaded, agreed by both parties and planned."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
import service.conftest as service_fixtures
from conftest import T0
from service.conftest import Api, make_api
from service.test_planning_api import agree, scenario_view, upload_andorra, wait_plan

from corridor.adapters.clock import FixedClock

# The service tests' backends: SQLite, and PostgreSQL when it answers.
backend = service_fixtures.backend
pg_url = service_fixtures.pg_url

#: Publishing happens an hour before T0 (04:00 in Andorra): three hours before the agreed
#: window opens, so that every movement can be notified its lead time (120 min) ahead.
PUBLISH_AT = T0 - dt.timedelta(hours=1)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(PUBLISH_AT)


@pytest.fixture
def live_api(tmp_path: Path, backend: str | None, clock: FixedClock) -> Iterator[Api]:
    """The app on SQLite and on PostgreSQL, on ``clock``; no background sweep (the tests
    sweep when they move the clock)."""
    yield from make_api(tmp_path, backend, clock=clock, live_sweep_seconds=0)


def planned(api: Api, time_limit: float = 3, seed: int = 7) -> dict[str, object]:
    """Andorra uploaded, agreed (window 07:00-16:00, at most 8 vehicles) and planned."""
    sid = upload_andorra(api)
    scenario = scenario_view(api, sid)
    window = scenario["instance"]["window"]
    corridor = agree(api, scenario, 8, (window["open"] + 60, window["close"] - 120))
    r = api.post(
        "coordinator",
        "/v1/plans",
        {"scenario_id": sid, "corridor": corridor, "time_limit": time_limit, "seed": seed},
    )
    assert r.status_code == 202, r.text
    plan = wait_plan(api, r.json()["id"])
    assert plan["status"] == "done", plan["error"]
    plan["scenario"] = scenario
    return plan
