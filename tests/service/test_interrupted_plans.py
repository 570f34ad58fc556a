"""Only a job whose process is gone is given up on ("interrupted"), never a live server's.

Found by an operator on PostgreSQL: with a plan running, ``corridor admin users`` on the
server's shell (and so any other start of the service on the same database) marked it
``failed`` while its progress kept rising, and it turned ``done`` later. Now the process that
queues or runs a plan or a simulation keeps its heartbeat fresh (the service clock's time), and
a job is failed only once its heartbeat is older than ``STALE_AFTER`` (60 s); a start of the
service, an admin command included, marks nothing; a job given up on never turns ``done``.

The clock is a FixedClock that the tests move: a live server's runner beats when told
(``plans.beat()``, what its thread does every few seconds), a dead one never does.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import run_cli
from live.conftest import PUBLISH_AT, agree
from sqlalchemy import select

from corridor.adapters import orm
from corridor.adapters.clock import FixedClock
from corridor.adapters.repositories.plans import STALE_AFTER
from corridor.bootstrap import bootstrap

from .conftest import Api, make_api
from .test_planning_api import scenario_view, upload_andorra, wait_plan

#: A step of the clock well under the threshold: a job beaten before it stays fresh after it.
STEP = STALE_AFTER * 0.8


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(PUBLISH_AT)


@pytest.fixture
def jobs_api(tmp_path: Path, backend: str | None, clock: FixedClock) -> Iterator[Api]:
    """The app on SQLite and on PostgreSQL, on ``clock``."""
    yield from make_api(tmp_path, backend, clock=clock, live_sweep_seconds=0)


@pytest.fixture
def sqlite_jobs_api(tmp_path: Path, clock: FixedClock) -> Iterator[Api]:
    """The app on SQLite, on ``clock``."""
    yield from make_api(tmp_path, None, clock=clock, live_sweep_seconds=0)


def agreed(api: Api) -> tuple[int, str]:
    """Andorra uploaded and agreed (window 07:00-16:00, at most 8 vehicles)."""
    sid = upload_andorra(api)
    scenario = scenario_view(api, sid)
    window = scenario["instance"]["window"]
    corridor = agree(api, scenario, 8, (window["open"] + 60, window["close"] - 120))[0]
    return sid, corridor


def post_plan(api: Api, sid: int, corridor: str, seconds: float) -> int:
    """A plan that runs ``seconds`` (no iteration cap), queued."""
    body = {"scenario_id": sid, "corridor": corridor, "time_limit": seconds, "seed": 1}
    r = api.post("coordinator", "/v1/plans", body)
    assert r.status_code == 202, r.text
    return int(r.json()["id"])


def start_plan(api: Api, sid: int, corridor: str, seconds: float) -> int:
    """A plan that runs ``seconds`` (no iteration cap), once it is running."""
    plan_id = post_plan(api, sid, corridor, seconds)
    deadline = time.monotonic() + 60
    while (status := plan(api, plan_id)["status"]) == "queued" and time.monotonic() < deadline:
        time.sleep(0.1)
    assert status == "running"
    return plan_id


def plan(api: Api, plan_id: int) -> dict[str, Any]:
    return api.get("observer", f"/v1/plans/{plan_id}").json()  # type: ignore[no-any-return]


def stored(api: Api, table: Any, ident: int) -> tuple[str, dt.datetime | None]:
    """The status and heartbeat in the table itself (not as a read shows them)."""
    with api.service.engine.connect() as conn:
        row = conn.execute(
            select(table.c.status, table.c.heartbeat_at).where(table.c.id == ident)
        ).one()
    at = row.heartbeat_at
    return row.status, at if at is None or at.tzinfo else at.replace(tzinfo=dt.UTC)


def bounds_finished() -> None:
    """Wait for the planner's bound, solved in a thread beside its search: it runs on to the
    search's time limit even when the job stopped early, and a HiGHS call still running when
    the interpreter exits aborts the process (planning/bound_thread.py)."""
    from corridor.planning import bound_thread

    for bound in list(bound_thread._RUNNING):
        bound.wait(time.monotonic() + 60)


def dead_server_left(api: Api, sid: int) -> int:
    """A plan running when its server was killed, at the clock's now: it never beats again."""
    with api.service.uow() as uow:
        plan_id = uow.plans.add(sid, {"time_limit": 90, "seed": 1}, 1, heartbeat=True)
        uow.plans.set_fields(plan_id, status="running", progress=0.4)
        uow.commit()
    return plan_id


def test_a_running_plan_survives_an_admin_command_and_another_start(
    jobs_api: Api, clock: FixedClock, capsys: pytest.CaptureFixture[str]
) -> None:
    api = jobs_api
    sid, corridor = agreed(api)
    plan_id = start_plan(api, sid, corridor, seconds=15)
    clock.advance(seconds=STEP.total_seconds())
    # `corridor admin users` on the server's shell, then a second server on the database.
    settings = api.service.settings
    db = ["--db", settings.database_url] if settings.database_url else []
    code, out, err = run_cli(["admin", "users", "--data-dir", str(settings.data_dir), *db], capsys)
    assert code == 0, err
    assert "coordinator" in out
    bootstrap(settings, clock=clock).close()
    shown = plan(api, plan_id)
    assert (shown["status"], shown["error"]) == ("running", None)
    assert stored(api, orm.plans, plan_id)[0] == "running"
    # The live server keeps its plan's heartbeat fresh while the clock runs on, past the
    # threshold (its thread beats every few seconds; here, once, when told).
    api.service.plans.beat()
    assert stored(api, orm.plans, plan_id) == ("running", clock())
    clock.advance(seconds=STEP.total_seconds())
    bootstrap(settings, clock=clock).close()
    assert plan(api, plan_id)["status"] == "running"
    done = wait_plan(api, plan_id)
    assert (done["status"], done["error"]) == ("done", None)


def test_a_plan_whose_server_is_gone_is_failed_once_its_heartbeat_is_stale(
    jobs_api: Api, clock: FixedClock
) -> None:
    api = jobs_api
    sid, corridor = agreed(api)
    plan_id = dead_server_left(api, sid)
    clock.advance(seconds=STEP.total_seconds())
    bootstrap(api.service.settings, clock=clock).close()  # a start marks nothing
    assert plan(api, plan_id)["status"] == "running"  # not stale yet: maybe a slow server
    beat_at = clock() - STEP
    clock.advance(seconds=STEP.total_seconds())
    shown = plan(api, plan_id)
    assert shown["status"] == "failed"
    assert shown["error"] == (
        "interrupted: the server stopped during planning "
        f"(no heartbeat since {beat_at.isoformat(timespec='seconds')})"
    )
    assert dt.datetime.fromisoformat(shown["finished_at"]) == beat_at
    listed = {p["id"]: p for p in api.get("observer", "/v1/plans").json()}
    assert listed[plan_id]["status"] == "failed"
    # Shown failed to everyone at once; written down by the next plan started.
    assert stored(api, orm.plans, plan_id)[0] == "running"
    new = post_plan(api, sid, corridor, seconds=1)
    assert stored(api, orm.plans, plan_id)[0] == "failed"
    assert plan(api, plan_id)["error"] == shown["error"]
    assert wait_plan(api, new)["status"] == "done"


def test_a_plan_given_up_on_stays_failed_when_its_job_comes_back(
    sqlite_jobs_api: Api, clock: FixedClock
) -> None:
    """Its server hung (no heartbeat) past the threshold: everyone was told it failed, and so
    it stays: the job stops at its next write and writes nothing."""
    api = sqlite_jobs_api
    sid, corridor = agreed(api)
    plan_id = start_plan(api, sid, corridor, seconds=30)
    clock.advance(seconds=(STALE_AFTER + dt.timedelta(seconds=1)).total_seconds())
    assert plan(api, plan_id)["status"] == "failed"
    api.service.plans._pool.submit(lambda: None).result(timeout=60)  # the job has ended
    bounds_finished()
    assert stored(api, orm.plans, plan_id)[0] == "failed"
    shown = plan(api, plan_id)
    assert (shown["status"], shown["plan"]) == ("failed", None)
    assert shown["error"].startswith("interrupted: the server stopped during planning")


def test_a_simulation_whose_server_is_gone_is_failed_once_its_heartbeat_is_stale(
    sqlite_jobs_api: Api, clock: FixedClock
) -> None:
    api = sqlite_jobs_api
    sid = upload_andorra(api)
    with api.service.uow() as uow:
        plan_id = uow.plans.add(sid, {}, 1)
        uow.plans.set_fields(plan_id, status="done")
        sim_id = uow.simulations.add(
            plan_id, {"runs": 10, "seed": 0, "noise": {}}, 1, heartbeat=True
        )
        uow.simulations.set_fields(sim_id, status="running")
        uow.commit()
    clock.advance(seconds=STEP.total_seconds())
    assert api.get("observer", f"/v1/simulations/{sim_id}").json()["status"] == "running"
    clock.advance(seconds=STEP.total_seconds())
    shown = api.get("observer", f"/v1/simulations/{sim_id}").json()
    assert shown["status"] == "failed"
    assert shown["error"].startswith("interrupted: the server stopped during the simulation")
    listed = api.get("observer", "/v1/simulations", params={"plan": plan_id}).json()
    assert [s["status"] for s in listed] == ["failed"]
