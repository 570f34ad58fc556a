"""Simulations as background jobs of the service: will a stored plan hold?

A coordinator starts one on a finished plan (``POST /v1/simulations``); the job runs in a
thread of this process (the compiled engine releases the GIL), or on the Dask cluster named by
``CORRIDOR_DASK_SCHEDULER``, reports its progress as ``simulations`` events and stores the
summary (``summary.json``'s content). Whoever may read plans may read simulations. Like a
plan, a queued or running simulation has a heartbeat that its process keeps fresh; one whose
heartbeat went stale is given up on (``services.plans``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Collection
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from corridor.domain.operations import Event
from corridor.errors import CorridorError, InputError
from corridor.services.accounts import require
from corridor.services.errors import NotFound
from corridor.services.plans import GivenUp, Heartbeat, give_up

if TYPE_CHECKING:
    from corridor.domain.access import Principal
    from corridor.services.ports import Executor
    from corridor.services.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)
TOPIC = "simulations"


class SimulationJobs:
    """One simulation at a time per process, after the ones already queued."""

    def __init__(
        self,
        uow_factory: Callable[[], UnitOfWork],
        executor: Executor,
        scheduler: str | None = None,
    ) -> None:
        self._uow = uow_factory
        self._executor = executor
        self._scheduler = scheduler
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="simulation")
        self._heartbeat = Heartbeat(uow_factory, lambda uow: uow.simulations)

    def start(
        self, who: Principal, plan_id: int, runs: int, seed: int, noise: dict[str, Any]
    ) -> int:
        from corridor.services.simulations import check_runs
        from corridor.simulation.params import NoiseParams

        require(who, "plans.write")
        check_runs(runs, seed)
        NoiseParams().with_overrides(noise, "noise")  # refuse a bad parameter before queueing
        give_up(self._uow, TOPIC)  # those whose processes are gone: write it down
        uow = self._uow()
        with uow:
            plan = uow.plans.get(plan_id)
            if plan is None or plan["plan"] is None:
                raise NotFound("finished plan", plan_id)
            params = {"runs": runs, "seed": seed, "noise": noise}
            sim_id = int(uow.simulations.add(plan_id, params, who.user_id, heartbeat=True))
            uow.emit(Event(TOPIC, {"id": sim_id, "plan_id": plan_id, "status": "queued"}))
            uow.commit()
        self._heartbeat.add(sim_id)
        self._pool.submit(self._run, sim_id)
        return sim_id

    def beat(self) -> None:
        """One heartbeat of this process's queued and running simulations (as its thread's)."""
        self._heartbeat.beat()

    def shutdown(self) -> None:
        self._heartbeat.stop()
        self._pool.shutdown(wait=False, cancel_futures=True)

    def _set(
        self,
        sim_id: int,
        event: dict[str, Any] | None = None,
        finished: bool = False,
        **values: Any,
    ) -> None:
        """Write to the simulation while it is alive (with a heartbeat); GivenUp once not."""
        uow = self._uow()
        with uow:
            if finished:
                values["finished_at"] = uow.clock()  # the service's one clock
            if not uow.simulations.set_alive(sim_id, **values):
                raise GivenUp(sim_id)
            if event is not None:
                uow.emit(Event(TOPIC, {"id": sim_id, **event}))
            uow.commit()

    def _run(self, sim_id: int) -> None:
        try:
            self._simulate(sim_id)
        except GivenUp:
            self._given_up(sim_id)
        except CorridorError as exc:
            self._fail(sim_id, str(exc))
        except Exception as exc:  # a bug in a job must not kill the worker thread
            log.exception("simulation %s failed", sim_id)
            self._fail(sim_id, f"internal error: {type(exc).__name__}")
        finally:
            self._heartbeat.discard(sim_id)

    def _fail(self, sim_id: int, error: str) -> None:
        try:
            self._set(
                sim_id,
                {"status": "failed", "error": error},
                status="failed",
                error=error,
                finished=True,
            )
        except GivenUp:
            self._given_up(sim_id)

    def _given_up(self, sim_id: int) -> None:
        """Given up on while this process still had it: it stays failed, its runs are lost."""
        log.warning("simulation %s was given up on (no heartbeat): it stays failed", sim_id)
        give_up(self._uow, TOPIC)

    def _simulate(self, sim_id: int) -> None:
        from corridor.planning.instance import parse_instance
        from corridor.services.simulations import noise_params, prepare, simulate_plan

        uow = self._uow()
        with uow:
            row = uow.simulations.get(sim_id)
            plan = uow.plans.get(row["plan_id"])
            scenario = uow.scenarios.get(plan["scenario_id"])
        p = row["params"]
        raw = agreed_instance(plan, scenario)
        inst = parse_instance(raw, "plan instance")
        noise = noise_params(raw, "plan instance", (p["noise"], "noise"))
        model = prepare(inst, plan["plan"], f"plan {plan['id']}")
        self._set(sim_id, {"status": "running", "progress": 0.0}, status="running")
        last = [0.0]

        def on_progress(done: int, runs: int) -> None:
            now = time.monotonic()
            if now - last[0] >= 0.5 and done < runs:
                last[0] = now
                share = round(done / runs, 3)
                self._set(sim_id, {"status": "running", "progress": share}, progress=share)

        here = self._scheduler is None
        with self._executor(self._scheduler, None, here=here) as (mapper, workers, where):
            summary = simulate_plan(
                model, noise, int(p["seed"]), int(p["runs"]), mapper, workers, on_progress
            )
        summary["execution"] = {"where": where}
        event = {
            "status": "done",
            "progress": 1.0,
            "p_inside_after_close": summary["p_inside_after_close"],
        }
        self._set(
            sim_id,
            event,
            status="done",
            progress=1.0,
            summary=summary,
            error=None,
            finished=True,
        )


def get(uow: UnitOfWork, who: Principal, sim_id: int) -> dict[str, Any]:
    require(who, "plans.read")
    with uow:
        row = uow.simulations.get(sim_id)
    if row is None:
        raise NotFound("simulation", sim_id)
    return dict(row)


def list_all(uow: UnitOfWork, who: Principal, plan_id: int | None) -> list[dict[str, Any]]:
    require(who, "plans.read")
    with uow:
        return list(uow.simulations.list(plan_id))


def plot(
    uow: UnitOfWork,
    who: Principal,
    sim_id: int,
    name: str,
    *,
    render: Callable[[dict[str, Any], str], bytes],
    names: Collection[str],
) -> bytes:
    """One of the plots of a finished simulation, as PNG bytes: ``render(summary, name)``
    (``adapters.simulation_plots.render``), ``name`` one of ``names``."""
    if name not in names:
        raise InputError("plot", f"{name!r} is not one of {', '.join(names)}")
    row = get(uow, who, sim_id)
    if row["summary"] is None:
        raise NotFound("finished simulation", sim_id)
    return render(row["summary"], name)


def agreed_instance(plan: dict[str, Any], scenario: dict[str, Any]) -> dict[str, Any]:
    """The instance a plan was made for (a replan's own, with its roads closed, else its
    scenario's), its window narrowed to the agreed terms the plan was checked against: a
    vehicle inside after the agreed close is inside after the close, whatever the scenario's."""
    raw = dict(plan.get("instance") or scenario["instance"])
    terms = ((plan.get("report") or {}).get("agreement") or {}).get("terms") or {}
    window = dict(raw["window"])
    if terms.get("open") is not None:
        window["open"] = max(float(window["open"]), float(terms["open"]))
    if terms.get("close") is not None:
        window["close"] = min(float(window["close"]), float(terms["close"]))
    raw["window"] = window
    return raw
