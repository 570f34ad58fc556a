"""The planner: ``solve(instance, params) -> SolveResult``.

1. A first plan by construction with lane reservations (:mod:`corridor.planning.construct`),
   in a second or so even on large instances.
2. The project's own upper bound (:func:`corridor.planning.bound.upper_bound`), and on small
   instances the exact MILP (:func:`corridor.planning.exact.solve_exact`), which may prove the
   plan optimal.
3. Improvement until the time limit (:mod:`corridor.planning.improve`).
4. Zone visits that would queue at the out-lanes with their loads aboard moved later, so that
   vehicles wait outside the zone (:mod:`corridor.planning.retime`).
5. The project's own check of the fourteen rules (:func:`corridor.planning.check.check_plan`):
   a plan that fails it is never returned.

With ``keep`` and ``now`` it replans: every stop of ``keep`` that has started by ``now`` stays
as it is and the rest is planned again (:mod:`corridor.planning.replan`).

Example
-------
>>> from corridor.adapters.cep_files import load_instance
>>> res = solve(load_instance("data/cep/tiny.json"), SolveParams(time_limit=2, seed=1))
>>> res.status in ("optimal", "feasible") and res.score <= res.upper_bound
True
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from time import monotonic, thread_time
from typing import Any

import numpy as np

from corridor.errors import CorridorError, InputError
from corridor.planning import MAX_TIME_LIMIT
from corridor.planning.bound_thread import (
    CLOSED_FORM,
    BoundInBackground,
    allowed,
    bound_of,
    trivial_bound,
)
from corridor.planning.check import check_plan, parse_plan
from corridor.planning.fleet import fleet_binds
from corridor.planning.improve import Candidate, first_plan, search
from corridor.planning.instance import Instance
from corridor.planning.partial import PartialPlan
from corridor.planning.problem import ProblemData
from corridor.planning.replan import kept_stops, partial_from_routes
from corridor.planning.retime import BUFFER, board_late

#: Instances at most this big (vehicles x gathering points) go to the exact MILP as well.
EXACT_SIZE = 12
#: How a bound is named when Ctrl-C stopped the search before the relaxation was solved.
STOPPED = "stopped by Ctrl-C before the LP"


class SolveParamsError(InputError, ValueError):
    """A solve parameter out of range; names the parameter and the value."""


class PlanRejected(CorridorError):
    """The plan the planner made failed the project's own check (a bug; nothing is written)."""

    def __init__(self, violations: list[str]) -> None:
        self.violations = violations
        shown = "; ".join(violations[:5])
        super().__init__(f"the plan failed the plan check and was not written: {shown}")


@dataclass(frozen=True)
class Progress:
    """What the planner has found so far (for a progress display)."""

    elapsed: float
    fraction: float  # of the time limit used
    score: float
    upper_bound: float | None
    iteration: int
    phase: str


@dataclass(frozen=True)
class SolveParams:
    """How to plan: time limit (seconds), seed, and optionally a plan to keep from ``now``.

    ``iterations`` caps the improvement iterations: with a cap that fits in the time limit,
    the same seed gives the same plan on any machine. ``pinned_vehicles`` are always part of
    the fleet the plan may use (under the instance's ``max_vehicles`` they take their places
    first); ``excluded_vehicles`` get no trips (in a replan, no new ones). Both are vehicle
    names (``depot/type/k``), given as any collection of strings. ``plan_roads`` (a replan
    after a hazard): the same instance with the roads the hazard closed closed for good; new
    stops are planned on its roads, while the plan is checked against the instance, whose
    roads still hold the legs driven before the hazard.
    """

    time_limit: float = 30.0
    seed: int = 0
    keep: dict[str, Any] | None = None
    now: float | None = None
    on_progress: Callable[[Progress], None] | None = field(default=None, compare=False)
    iterations: int | None = None
    pinned_vehicles: frozenset[str] = frozenset()
    excluded_vehicles: frozenset[str] = frozenset()
    plan_roads: Instance | None = field(default=None, compare=False)
    enter_from: float | None = None  # a replan: no new inbound crossing starts before this
    ahead: float = BUFFER  # at most, minutes a loaded vehicle waits at its out-lane (retime)
    # Ctrl-C stops the search and the best plan so far is returned (``corridor plan``); other
    # callers (a robust plan's runs, the service) let it through, as before.
    interruptible: bool = field(default=False, compare=False)

    def __post_init__(self) -> None:
        for name in ("pinned_vehicles", "excluded_vehicles"):
            value = getattr(self, name)
            if isinstance(value, str) or not isinstance(value, Iterable):
                raise SolveParamsError(
                    name, f"must be a collection of vehicle names, got {value!r}"
                )
            names = list(value)
            bad = next((v for v in names if not isinstance(v, str) or not v), None)
            if bad is not None or len(names) != len(set(names)):
                problem = f"{bad!r} is not a vehicle name" if bad is not None else "names repeat"
                raise SolveParamsError(name, problem)
            object.__setattr__(self, name, frozenset(names))
        both = sorted(self.pinned_vehicles & self.excluded_vehicles)
        if both:
            raise SolveParamsError(
                "excluded_vehicles", f"{both[0]!r} is pinned too: a vehicle is one or the other"
            )
        if not isinstance(self.time_limit, int | float) or not (
            math.isfinite(self.time_limit) and 0 < self.time_limit <= MAX_TIME_LIMIT
        ):
            raise SolveParamsError(
                "time_limit",
                f"must be a number of seconds > 0 and at most {MAX_TIME_LIMIT:,} (a week), "
                f"got {self.time_limit!r}",
            )
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or self.seed < 0:
            raise SolveParamsError("seed", f"must be a whole number >= 0, got {self.seed!r}")
        if (self.keep is None) != (self.now is None):
            raise SolveParamsError("keep", "keep and now go together (replan from time now)")
        if self.now is not None and not (
            isinstance(self.now, int | float) and math.isfinite(self.now)
        ):
            raise SolveParamsError("now", f"must be a time in minutes, got {self.now!r}")
        if self.keep is not None and not isinstance(self.keep, dict):
            raise SolveParamsError("keep", "must be a decoded CEP plan (a JSON object)")
        if isinstance(self.ahead, bool) or not (
            isinstance(self.ahead, int | float) and math.isfinite(self.ahead) and self.ahead >= 0
        ):
            raise SolveParamsError("ahead", f"must be a number of minutes >= 0, got {self.ahead!r}")
        if self.iterations is not None and (
            isinstance(self.iterations, bool)
            or not isinstance(self.iterations, int)
            or self.iterations < 0
        ):
            raise SolveParamsError(
                "iterations", f"must be a whole number >= 0, got {self.iterations!r}"
            )


@dataclass(frozen=True)
class SolveResult:
    plan: dict[str, Any]  # cep-plan/1, with claimed.score and claimed.upper_bound
    score: float
    upper_bound: float
    status: str  # "optimal" or "feasible"
    gap: float  # (upper_bound - score) / upper_bound, 0 when optimal
    bound_method: str
    seconds: float
    first_plan_seconds: float
    iterations: int
    check: Any = field(repr=False, default=None)
    interrupted: bool = False  # Ctrl-C stopped the search: the best plan found by then


def solve(instance: Instance, params: SolveParams) -> SolveResult:
    """Plan ``instance`` (see the module docstring)."""
    run = _Run(params)
    _check_fleet_choice(instance, params)
    data = ProblemData(
        params.plan_roads or instance,
        pinned=params.pinned_vehicles,
        excluded=params.excluded_vehicles,
    )
    data.enter_from = params.enter_from
    base, base_routes = _starting_point(data, params)
    cpu, wall = thread_time(), monotonic()
    run.best = first_plan(base)
    run.first_seconds = monotonic() - run.t0
    run.keep_for_the_end(thread_time() - cpu, monotonic() - wall)
    run.report("first plan")
    try:  # Ctrl-C stops the search: the best plan so far is checked and returned
        _prove(run, instance, params, base_routes is None, fleet_binds(data))
        if not run.proven and run.best.score < run.current_bound() - 1e-6:
            rng = np.random.Generator(np.random.PCG64(params.seed))
            run.best, run.iterations = search(
                data,
                base_routes,
                run.best,
                rng,
                run.deadline,
                params.iterations,
                params.now,
                target=run.current_bound,
                on_step=run.step,
            )
    except KeyboardInterrupt:
        if not params.interruptible:
            raise
        run.interrupted = True
    if run.background is not None:
        run.take_background_bound(instance)
    if run.interrupted and not math.isfinite(run.bound):  # stopped before any bound was solved
        run.bound, run.method = trivial_bound(instance), f"everyone and all cargo ({STOPPED})"
    return _checked_result(run, instance, base.held_vehicles(),
                           -math.inf if params.now is None else params.now)  # fmt: skip


class _Run:
    """One call of :func:`solve`: its clock, its progress reports and what it has found."""

    def __init__(self, params: SolveParams) -> None:
        self.params = params
        self.t0 = monotonic()
        # The last tenth is kept for the final plan check, so the whole call fits the limit.
        self.reserve = 0.1 * params.time_limit
        self.deadline = self.t0 + params.time_limit - self.reserve
        self.best = Candidate([], 0.0)
        self.first_seconds = 0.0
        self.bound, self.method, self.proven = math.inf, "", False
        self.iterations = 0
        self.background: BoundInBackground | None = None
        self.interrupted = False  # by Ctrl-C

    def keep_for_the_end(self, first_cpu: float, first_wall: float) -> None:
        """Keep enough of the time limit for the check and the caller's writing and summary:
        at least a tenth, more on a machine so busy that the first plan's wall time ran well
        beyond its processor time (the work after the search, summary included, takes about
        a first plan's processor time: gen-250 under a load of 15 on 2 cores, 0.3 s of
        check and writing and 2.8 s of summary)."""
        slowdown = max(1.0, first_wall / max(first_cpu, 1e-3))
        need = slowdown * (first_cpu + 0.2)
        self.reserve = min(max(0.1 * self.params.time_limit, need), 0.5 * self.params.time_limit)
        self.deadline = self.t0 + self.params.time_limit - self.reserve

    def current_bound(self) -> float:
        """The best bound known now (the background one counts once it is there)."""
        if self.background is not None:
            value, method = self.background.known
            if value < self.bound:
                self.bound, self.method = value, method
        return self.bound

    def take_background_bound(self, instance: Instance) -> None:
        """Wait for the background bound until just before the time limit; without it, the
        bound of everyone waiting and all cargo stands. A refinement on finer cells is waited
        for only while it may still lower the bound below the plan's score."""
        assert self.background is not None
        until = self.t0 + self.params.time_limit - 0.5 * self.reserve
        if self.interrupted:  # Ctrl-C: what is known now
            until = monotonic()
        self.background.stop.set()  # no finer grid starts now
        late = not self.background.wait_first(until)
        if late:
            trivial = trivial_bound(instance)  # unless the closed form came in time
            if trivial < min(self.bound, self.background.known[0]):
                why = STOPPED if self.interrupted else "the LP had no time"
                self.bound, self.method = trivial, f"everyone and all cargo ({why})"
        elif self.best.score < self.background.known[0] - 1e-6:
            self.background.wait(until)
        self.current_bound()
        if late and self.method == CLOSED_FORM:  # not when the LP came and was no lower
            self.method += f" ({STOPPED})" if self.interrupted else " (the LP had no time)"

    def step(self, iteration: int, best: Candidate) -> None:
        """One iteration of the search done: its best so far is kept (for Ctrl-C) and shown."""
        self.best, self.iterations = best, iteration
        self.report("improve", best.score, iteration)

    def report(self, phase: str, score: float | None = None, iteration: int = 0) -> None:
        if self.params.on_progress is None:
            return
        el = monotonic() - self.t0
        known = self.current_bound()
        bound = known if math.isfinite(known) else None
        self.params.on_progress(
            Progress(el, min(el / self.params.time_limit, 1.0),
                     self.best.score if score is None else score, bound, iteration, phase)
        )  # fmt: skip


def _starting_point(
    data: ProblemData, params: SolveParams
) -> tuple[PartialPlan, dict[str, list[dict[str, Any]]] | None]:
    """The partial plan every plan starts from, and the stops it must keep (a replan)."""
    if params.keep is None:
        return PartialPlan(data), None
    assert params.now is not None
    _check_keep(data.inst, params.keep)
    base = partial_from_routes(data, kept_stops(params.keep, params.now), params.now)
    # The kept stops, completed where a vehicle is caught mid-trip.
    routes = {data.vehicles[i].name: list(v.stops) for i, v in enumerate(base.fleet) if v.stops}
    return base, routes


def _prove(
    run: _Run, instance: Instance, params: SolveParams, exact_allowed: bool, fleet_bound: bool
) -> None:
    """The exact model on small instances (it goes first: it may prove optimality), then the
    relaxation's bound where nothing is proven yet (``fleet_bound``: see
    :class:`BoundInBackground`)."""
    if exact_allowed and len(instance.vehicles) * len(instance.gathering) <= EXACT_SIZE:
        exact = _exact(instance, max(0.5, (run.deadline - monotonic()) * 0.7), params)
        if exact is not None:
            if exact.plan is not None and exact.score > run.best.score + 1e-9:
                run.best = Candidate(list(exact.plan["routes"]), float(exact.score))
            # Its bound holds for every plan only where its trip model is complete.
            if exact.complete and math.isfinite(exact.bound):
                run.bound, run.method = float(exact.bound), "exact MILP"
            run.proven = exact.optimal and exact.complete
            run.report("exact")
    if not run.proven and params.iterations is None:
        # Solved on the other core while the search runs (HiGHS lets go of the GIL), with all
        # the time there is; the search stops early if its plan reaches it.
        seconds = run.deadline - monotonic()
        run.background = BoundInBackground(instance, params.excluded_vehicles, seconds, fleet_bound)
    elif not run.proven:
        # With a fixed number of iterations the search must not depend on when the bound
        # comes (it stops at the bound): the bound comes first.
        value, method, _ = bound_of(
            instance, max(1.0, 0.3 * (run.deadline - monotonic())), params.excluded_vehicles
        )
        if value < run.bound:
            run.bound, run.method = value, method
        run.report("bound")


def _checked_result(
    run: _Run, instance: Instance, held: list[dict[str, Any]], now: float
) -> SolveResult:
    """The best plan, its zone visits moved so that loads wait outside the zone rather than
    in the out-lane queue (:func:`~corridor.planning.retime.board_late`; visits started by
    ``now`` stay), checked by the project's own check of the rules, with its claims (and the
    vehicles a replan holds where they are, outside the routes). Should the check refuse the
    moved visits, the plan as the search left it is checked instead."""
    plan: dict[str, Any] = {
        "format": "cep-plan/1",
        "instance": instance.name,
        "routes": board_late(instance, run.best.routes, after=now, ahead=run.params.ahead),
    }
    if held:
        plan["held"] = held
    checked = check_plan(instance, plan)
    if not checked.feasible:
        plan["routes"] = run.best.routes
        checked = check_plan(instance, plan)
    if not checked.feasible:
        raise PlanRejected([f"[{v.rule}] {v.detail}" for v in checked.violations])
    score = float(checked.score)
    upper = max(run.bound, score)
    optimal = run.proven or score >= upper - 1e-6
    gap = 0.0 if optimal or upper <= 0 else (upper - score) / upper
    plan["claimed"] = {"score": score, "upper_bound": upper}
    run.bound = upper
    run.report("done", score, run.iterations)
    return SolveResult(
        plan=plan,
        score=score,
        upper_bound=upper,
        status="optimal" if optimal else "feasible",
        gap=gap,
        bound_method=run.method,
        seconds=monotonic() - run.t0,
        first_plan_seconds=run.first_seconds,
        iterations=run.iterations,
        check=checked,
        interrupted=run.interrupted,
    )


def _check_fleet_choice(instance: Instance, params: SolveParams) -> None:
    """Pinned and excluded vehicles must be of the fleet, and the pinned must fit the cap."""
    names = {v.name for v in instance.vehicles}
    for field_name in ("pinned_vehicles", "excluded_vehicles"):
        unknown = sorted(getattr(params, field_name) - names)
        if unknown:
            raise SolveParamsError(
                field_name, f"no vehicle {unknown[0]!r} in the fleet of {instance.name!r}"
            )
    cap = instance.max_vehicles
    if cap is not None and len(params.pinned_vehicles) > cap:
        raise SolveParamsError(
            "pinned_vehicles",
            f"{len(params.pinned_vehicles)} vehicles pinned, max_vehicles is {cap}",
        )


def _check_keep(instance: Instance, keep: dict[str, Any]) -> None:
    """The kept plan must be a well-formed plan of this instance (errors name the field)."""
    if keep.get("instance") != instance.name:
        raise InputError(
            "keep: instance",
            f"the plan is for {keep.get('instance')!r}, not the instance {instance.name!r}",
        )
    parse_plan(keep, instance)


def _exact(instance: Instance, time_limit: float, params: SolveParams) -> Any:
    from corridor.planning.exact import solve_exact

    chosen = allowed(instance, params.excluded_vehicles)
    names = None if chosen is None else [v.name for v in chosen]
    try:
        return solve_exact(instance, time_limit, vehicles=names, pinned=params.pinned_vehicles)
    except Exception:  # the exact model only ever adds a proof; the heuristic plan stands
        return None
