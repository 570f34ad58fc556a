"""``solve_exact``: the exact MILP of the trip model, solved by HiGHS, read back as a plan."""

from __future__ import annotations

import math
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from corridor.planning.exact.decode import plan_from
from corridor.planning.exact.milp import TripMILP
from corridor.planning.exact.trips import model_is_complete, same_side, trips_limit
from corridor.planning.travel import quickest_minutes

if TYPE_CHECKING:
    from corridor.planning.instance import Instance

INF = math.inf
# Minutes of margin the plan model keeps on every time rule, so solver tolerances are harmless;
# the model that proves the bound relaxes every rule by RELAX instead.
EPS = 1e-4
RELAX = 1e-5


@dataclass(frozen=True)
class ExactResult:
    """The outcome of :func:`solve_exact`.

    ``plan`` is a ``cep-plan/1`` dict (None if no plan was found in time), ``score`` its score,
    ``complete`` whether the trip model covers every plan worth making, and then ``bound`` is
    an upper bound on the score of every feasible plan (of the vehicles the model was given);
    otherwise ``bound`` is inf (the model may miss better plans) and ``optimal`` is False.
    ``status`` is HiGHS's word.
    """

    plan: dict[str, Any] | None
    score: float
    bound: float
    optimal: bool
    complete: bool
    status: str
    seconds: float

    @property
    def gap(self) -> float:
        """Relative gap between the score and the bound (0 when proven optimal)."""
        if self.bound <= 0 or not math.isfinite(self.bound):
            return 0.0 if self.optimal else 1.0
        return max(0.0, (self.bound - self.score) / self.bound)


def solve_exact(
    instance: Instance,
    time_limit: float,
    max_trips: int | None = None,
    vehicles: Iterable[str] | None = None,
    pinned: Iterable[str] = (),
) -> ExactResult:
    """Solve the trip MILP for at most ``time_limit`` seconds, with the ``vehicles`` named
    (default: the whole fleet; ``pinned`` ones take their places under ``max_vehicles``
    first) and at most ``max_trips`` trips per vehicle (default: the proven limit).

    >>> from corridor.adapters.cep_files import load_instance
    >>> r = solve_exact(load_instance("data/cep/tiny.json"), 60)
    >>> r.optimal and r.score >= 181
    True
    """
    t0 = time.perf_counter()
    allowed = None if vehicles is None else set(vehicles)
    fleet = [
        v
        for v in instance.vehicles
        if (allowed is None or v.name in allowed)
        and instance.vehicle_types[v.type].seats + instance.vehicle_types[v.type].stretchers > 0
    ]
    complete = model_is_complete(instance)
    roads = _Roads.of(instance, sorted({v.type for v in fleet}), max_trips)

    def model(eps: float, limit: float) -> TripMILP:
        return TripMILP(instance, fleet, roads.trips, roads.dist, roads.oi, roads.ii, eps,
                        roads.big, frozenset(pinned)).build(limit)  # fmt: skip

    plan: dict[str, Any] | None = None
    score, mip_bound, status = 0.0, INF, "not run"
    if complete:
        # Where the model covers every plan, its dual bound is the bound; it comes from the
        # model with every rule relaxed by RELAX minutes, so that the referee's tolerances
        # cannot let a plan beat it. Its best solution, re-timed from the rules, is the plan
        # if it still fits the window exactly (it nearly always does).
        relaxed = model(-RELAX, 0.8 * time_limit)
        if not relaxed.obj:
            return _empty(instance, complete, t0)
        relaxed.h.maximize(sum(relaxed.obj))
        status = relaxed.h.modelStatusToString(relaxed.h.getModelStatus())
        mip_bound = float(relaxed.h.getInfo().mip_dual_bound)
        if relaxed.h.getInfo().primal_solution_status == 2:  # a feasible solution
            p, sc = plan_from(relaxed)
            if _fits_window(instance, p):
                plan, score = p, sc
    if plan is None:
        strict = model(EPS, max(0.5, time_limit - (time.perf_counter() - t0)))
        if not strict.obj:
            return _empty(instance, complete, t0)
        strict.h.maximize(sum(strict.obj))
        status = strict.h.modelStatusToString(strict.h.getModelStatus())
        if strict.h.getInfo().primal_solution_status == 2:
            plan, score = plan_from(strict)
    bound = INF
    if complete and math.isfinite(mip_bound) and abs(mip_bound) < 1e30:
        bound = mip_bound + 1e-6 * max(1.0, abs(mip_bound))
        if all(float(p.weight).is_integer() for p in instance.classes.values()):
            bound = float(math.floor(bound))
        bound = max(bound, score)  # never below a feasible score (it cannot be, up to rounding)
    return ExactResult(
        plan=plan,
        score=score,
        bound=bound,
        optimal=plan is not None and score >= bound - 1e-6,
        complete=complete,
        status=status,
        seconds=time.perf_counter() - t0,
    )


@dataclass(frozen=True)
class _Roads:
    """Per vehicle type: same-side drives, trip limit; and the big-M of every time rule."""

    dist: dict[str, Any]
    trips: dict[str, int]
    oi: dict[str, int]
    ii: dict[str, int]
    big: float

    @staticmethod
    def of(instance: Instance, types: list[str], max_trips: int | None) -> _Roads:
        dist, trips = {}, {}
        oi: dict[str, int] = {}
        ii: dict[str, int] = {}
        for t in types:
            oi, ii, mixed = quickest_minutes(instance, t)
            dist[t] = same_side(instance, t)
            trips[t] = trips_limit(instance, mixed, oi, ii)
            if max_trips is not None:
                trips[t] = min(trips[t], max_trips)
        finite = [float(d[d < INF].max()) for d in dist.values() if (d < INF).any()]
        span = instance.close - instance.open
        return _Roads(dist, trips, oi, ii, 2 * span + 4 * max(finite, default=0.0) + 100.0)


def _fits_window(instance: Instance, plan: dict[str, Any]) -> bool:
    """Whether every crossing of the re-timed plan is inside the window, with no tolerance."""
    for r in plan["routes"]:
        for st in r["stops"]:
            if st.get("dir") == "in" and st["start"] < instance.open:
                return False
            if st.get("dir") == "out" and st["end"] > instance.close:
                return False
    return True


def _empty(instance: Instance, complete: bool, t0: float) -> ExactResult:
    plan = {"format": "cep-plan/1", "instance": instance.name, "routes": []}
    return ExactResult(plan, 0.0, 0.0, True, complete, "nothing to carry", time.perf_counter() - t0)
