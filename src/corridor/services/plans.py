"""Plans as background jobs: solve the scenario's instance within the agreed terms, then check.

The job narrows the instance to the corridor it is asked for, which both parties must have
agreed, never "the newest agreed one" (its window, its checkpoints; the agreed number of
vehicles as the instance's ``max_vehicles``, so the planner picks which; the agreed directions,
so a type agreed inbound only carries no evacuee), runs the planner with a progress callback
and the vehicles the coordinator pinned or excluded, and publishes the plan
only with two verdicts: the CEP check against the scenario's own instance, and the check
against the agreement (every crossing at an agreed checkpoint, inside the agreed window, no
more vehicles than agreed, each vehicle in its agreed direction). A plan that fails either is
stored as ``rejected``, with why.

While a plan is queued or runs, its process keeps its heartbeat fresh (:class:`Heartbeat`); a
plan whose heartbeat went stale is given up on by everyone (``failed``, "interrupted": see
``adapters.repositories.plans``), and its job, should it come back, stops without writing.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from corridor.domain.access import Principal, Role
from corridor.domain.operations import (
    AgreedTerms,
    Event,
    agreed_checkpoints,
    agreed_directions,
    plan_compliance,
    restrict_instance,
)
from corridor.errors import CorridorError, InputError
from corridor.services.accounts import require
from corridor.services.errors import Forbidden, NotFound

if TYPE_CHECKING:
    from corridor.services.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)

#: Wall seconds between two heartbeats of a process's queued and running jobs: well under the
#: minute of the service clock after which a job is given up on (docs/deployment.md).
BEAT_SECONDS = 5.0


class GivenUp(Exception):
    """The job's row was given up on (its heartbeat went stale) or ended meanwhile."""


class Heartbeat:
    """Writes the service clock's time as the heartbeat of a process's queued and running jobs
    (``jobs(uow)``: their repository), every ``every`` seconds, from a thread that runs while
    there is any."""

    def __init__(
        self,
        uow_factory: Callable[[], UnitOfWork],
        jobs: Callable[[UnitOfWork], Any],
        every: float = BEAT_SECONDS,
    ) -> None:
        self._uow, self._jobs, self._every = uow_factory, jobs, every
        self._ids: set[int] = set()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def add(self, ident: int) -> None:
        with self._lock:
            self._ids.add(ident)
            if self._thread is None and not self._stop.is_set():
                self._thread = threading.Thread(target=self._loop, name="heartbeat", daemon=True)
                self._thread.start()

    def discard(self, ident: int) -> None:
        with self._lock:
            self._ids.discard(ident)

    def beat(self) -> None:
        """One heartbeat of every job of this process that is still alive."""
        with self._lock:
            ids = sorted(self._ids)
        if ids:
            uow = self._uow()
            with uow:
                self._jobs(uow).beat(ids)
                uow.commit()

    def stop(self) -> None:
        self._stop.set()

    def _loop(self) -> None:
        while not self._stop.wait(self._every):
            with self._lock:
                if not self._ids:
                    self._thread = None
                    return
            try:
                self.beat()
            except Exception:  # the database away for a moment: the next beat may make it
                log.exception("heartbeat of jobs %s", sorted(self._ids))


def terms_for(
    document: dict[str, Any] | None,
    origin: str,
    places: dict[str, Any],
    kinds: dict[str, str] | None = None,
) -> AgreedTerms | None:
    """The agreed document's terms in the instance's minutes (None: nothing agreed).

    ``kinds`` maps the scenario's vehicle types to the agreement's kinds of user, for the
    agreed directions (none without it, or when the document lists no users).
    """
    if document is None:
        return None
    from corridor.domain.proposal import window_bounds

    bounds = window_bounds(document)
    if bounds is None:
        return None
    zero = dt.datetime.fromisoformat(origin)
    users = list(document.get("users") or [])
    return AgreedTerms(
        open_min=(bounds[0] - zero).total_seconds() / 60,
        close_min=(bounds[1] - zero).total_seconds() / 60,
        checkpoints=agreed_checkpoints(list(document.get("checkpoints") or []), places),
        max_vehicles=int(document.get("max_vehicles") or 0),
        directions=agreed_directions(users, kinds) if users and kinds else {},
        kinds=dict(kinds or {}),
    )


def vehicle_kinds(source: str | None) -> dict[str, str]:
    """Each vehicle type of a scenario's YAML source with its kind in the agreement's words."""
    import yaml

    from corridor.scenario.model import VehicleType

    try:
        raw = yaml.safe_load(source or "") or {}
        types = raw.get("vehicle_types") or {}
        return {t: VehicleType.model_validate(v).agreement_kind for t, v in types.items()}
    except (yaml.YAMLError, ValueError, AttributeError):
        return {}


class PlanJobs:
    """Runs one plan at a time per process (the planner uses a whole core)."""

    def __init__(
        self,
        uow_factory: Callable[[], UnitOfWork],
        agreed_document: Callable[[str], dict[str, Any] | None],
    ) -> None:
        self._uow = uow_factory
        self._agreed = agreed_document
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="planner")
        self._heartbeat = Heartbeat(uow_factory, lambda uow: uow.plans)

    def start(
        self,
        who: Principal,
        scenario_id: int,
        corridor: str,
        time_limit: float,
        seed: int,
        pinned: tuple[str, ...] = (),
        excluded: tuple[str, ...] = (),
        iterations: int | None = None,
        ahead: float | None = None,
    ) -> int:
        """Queue a plan of ``scenario_id`` within the terms of ``corridor`` (NotFound if the
        log has no such corridor; InputError unless both parties accepted its latest version);
        ``pinned`` vehicles always belong to the fleet used, ``excluded`` ones never (vehicle
        names ``DEPOT/TYPE/k``); ``ahead``: at most, minutes a loaded vehicle waits at its
        out-lane (``corridor plan --ahead``; the planner's default if None)."""
        require(who, "plans.write")
        if self._agreed(corridor) is None:
            raise InputError(
                "corridor", f"{corridor!r} is not agreed by both parties: nothing to plan within"
            )
        uow = self._uow()
        params: dict[str, Any] = {"time_limit": time_limit, "seed": seed, "corridor": corridor}
        if iterations is not None:
            params["iterations"] = iterations
        if ahead is not None:
            params["ahead"] = ahead
        if pinned or excluded:
            params.update(pinned=sorted(pinned), excluded=sorted(excluded))
        give_up(self._uow, "plans")  # those whose processes are gone: write it down
        with uow:
            row = uow.scenarios.get(scenario_id)
            if row is None or row["instance"] is None:
                raise NotFound("compiled scenario", scenario_id)
            plan_id = int(uow.plans.add(scenario_id, params, who.user_id, heartbeat=True))
            uow.emit(Event("plans", {"id": plan_id, "status": "queued", "progress": 0.0}))
            uow.commit()
        self._heartbeat.add(plan_id)
        self._pool.submit(self._run, plan_id)
        return plan_id

    def beat(self) -> None:
        """One heartbeat of this process's queued and running plans (its thread's, now)."""
        self._heartbeat.beat()

    def shutdown(self) -> None:
        self._heartbeat.stop()
        self._pool.shutdown(wait=False, cancel_futures=True)

    def _set(
        self,
        plan_id: int,
        event: dict[str, Any] | None = None,
        finished: bool = False,
        **values: Any,
    ) -> None:
        """Write to the plan while it is alive (with a heartbeat); GivenUp once it is not."""
        uow = self._uow()
        with uow:
            if finished:
                values["finished_at"] = uow.clock()
            if not uow.plans.set_alive(plan_id, **values):
                raise GivenUp(plan_id)
            if event is not None:
                uow.emit(Event("plans", {"id": plan_id, **event}))
            uow.commit()

    def _run(self, plan_id: int) -> None:
        try:
            self._solve(plan_id)
        except GivenUp:
            self._given_up(plan_id)
        except CorridorError as exc:
            self._fail(plan_id, str(exc))
        except Exception as exc:  # a bug in a job must not kill the worker thread
            log.exception("plan %s failed", plan_id)
            self._fail(plan_id, f"internal error: {type(exc).__name__}")
        finally:
            self._heartbeat.discard(plan_id)

    def _fail(self, plan_id: int, error: str) -> None:
        try:
            self._set(
                plan_id,
                {"status": "failed", "error": error},
                status="failed",
                error=error,
                finished=True,
            )
        except GivenUp:
            self._given_up(plan_id)

    def _given_up(self, plan_id: int) -> None:
        """The plan was given up on while this process still had it (it hung, or could not
        reach the database, for too long): it stays failed, and what the job found is lost."""
        log.warning("plan %s was given up on (no heartbeat): it stays failed", plan_id)
        give_up(self._uow, "plans")

    def _solve(self, plan_id: int) -> None:
        from corridor.planning.check import check_plan
        from corridor.planning.instance import parse_instance
        from corridor.planning.solver import solve

        uow = self._uow()
        with uow:
            plan = uow.plans.get(plan_id)
            scenario = uow.scenarios.get(plan["scenario_id"])
        instance = scenario["instance"]
        kinds = vehicle_kinds(scenario.get("source"))
        agreed = self._agreed(plan["params"]["corridor"])
        terms = terms_for(agreed, scenario["origin"], scenario["places"] or {}, kinds)
        narrowed = restrict_instance(instance, terms) if terms is not None else instance
        self._set(plan_id, {"status": "running", "progress": 0.0}, status="running", progress=0.0)
        result = solve(parse_instance(narrowed), self._params(plan_id, plan["params"]))
        check = check_plan(instance, result.plan)
        problems = (
            plan_compliance(result.plan, terms)
            if terms is not None
            else [
                f"corridor {plan['params']['corridor']!r} is not agreed by both parties (any "
                "more): this plan cannot be published"
            ]
        )
        status = "done" if check.feasible and not problems else "rejected"
        self._set(
            plan_id,
            {"status": status, "progress": 1.0, "score": result.score},
            status=status,
            progress=1.0,
            plan=result.plan,
            report=_report(check, problems, terms, result),
            score=result.score,
            upper_bound=result.upper_bound,
            finished=True,
            error=None
            if status == "done"
            else "; ".join((problems or [str(v) for v in check.violations])[:3]),
        )

    def _params(self, plan_id: int, params: dict[str, Any]) -> Any:
        """The planner's parameters: time, seed, pinned and excluded vehicles, how long loads
        wait at their out-lane at most, progress."""
        from corridor.planning.retime import BUFFER
        from corridor.planning.solver import Progress, SolveParams

        last = [0.0]

        def on_progress(p: Progress) -> None:
            now = time.monotonic()
            if now - last[0] >= 0.5:
                last[0] = now
                self._set(
                    plan_id,
                    {"status": "running", "progress": round(p.fraction, 3), "score": p.score},
                    progress=min(p.fraction, 1.0),
                )

        fleet: dict[str, Any] = {}
        if params.get("pinned") or params.get("excluded"):
            fleet = {
                "pinned_vehicles": frozenset(params.get("pinned", ())),
                "excluded_vehicles": frozenset(params.get("excluded", ())),
            }
        return SolveParams(
            time_limit=float(params["time_limit"]),
            seed=int(params["seed"]),
            iterations=params.get("iterations"),
            on_progress=on_progress,
            ahead=float(params.get("ahead", BUFFER)),
            **fleet,
        )


def _report(
    check: Any, problems: list[str], terms: AgreedTerms | None, result: Any
) -> dict[str, Any]:
    """What a plan is published with: its CEP check and its check against the agreement."""
    return {
        "check": {
            "feasible": check.feasible,
            "score": check.score,
            "evacuated": check.evacuated,
            "cargo_kg": check.cargo_kg,
            "vehicles_used": check.vehicles_used,
            "violations": [
                asdict(v) if hasattr(v, "__dataclass_fields__") else str(v)
                for v in check.violations
            ],
        },
        "agreement": {
            "complies": not problems,
            "problems": problems,
            "terms": None
            if terms is None
            else {
                "open": terms.open_min,
                "close": terms.close_min,
                "checkpoints": sorted(terms.checkpoints),
                "max_vehicles": terms.max_vehicles,
                "directions": terms.directions,
            },
        },
        "status": result.status,
        "gap": result.gap,
        "seconds": result.seconds,
    }


def give_up(uow_factory: Callable[[], UnitOfWork], topic: str) -> None:
    """Write ``failed`` into every job of ``topic`` (plans, simulations) given up on, with an
    event each."""
    uow = uow_factory()
    with uow:
        for ident in getattr(uow, topic).give_up():
            uow.emit(Event(topic, {"id": ident, "status": "failed"}))
        uow.commit()


def get(uow: UnitOfWork, who: Principal, plan_id: int) -> dict[str, Any]:
    require(who, "plans.read")
    with uow:
        row = uow.plans.get(plan_id)
        if row is None:
            raise NotFound("plan", plan_id)
        scenario = uow.scenarios.get(row["scenario_id"])
    out = dict(row)
    own = out.pop("instance", None)
    out["origin"] = scenario["origin"] if scenario else None
    if own or (scenario and scenario["instance"]):
        out["window"] = (own or scenario["instance"])["window"]
    return out


def instance(uow: UnitOfWork, who: Principal, plan_id: int) -> dict[str, Any]:
    """The CEP instance the plan was made for: a replan's own (the incident's roads closed),
    else its scenario's."""
    require(who, "plans.read")
    with uow:
        row = uow.plans.get(plan_id)
        if row is None:
            raise NotFound("plan", plan_id)
        if row.get("instance"):
            return dict(row["instance"])
        scenario = uow.scenarios.get(row["scenario_id"])
    return dict(scenario["instance"])


def trips(uow: UnitOfWork, who: Principal, plan_id: int) -> list[dict[str, Any]]:
    """Trip sheets: each vehicle's stops. A driver gets only its own vehicle's."""
    require(who, "trips.read")
    with uow:
        row = uow.plans.get(plan_id)
    if row is None or row["plan"] is None:
        raise NotFound("finished plan", plan_id)
    routes = row["plan"]["routes"]
    if who.role is Role.DRIVER:
        routes = [r for r in routes if r["vehicle"] == who.vehicle]
    return list(routes)


def progress(uow: UnitOfWork, who: Principal) -> dict[str, Any]:
    """Evacuated so far against the plan in force: :func:`corridor.services.exports.progress`."""
    from corridor.services.exports import progress as counts

    return counts(uow, who)


__all__ = ["Forbidden", "PlanJobs", "get", "progress", "terms_for", "trips"]
