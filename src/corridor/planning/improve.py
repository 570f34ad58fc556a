"""The anytime search: construct, then keep the front of the best plan and rebuild the rest.

Each iteration picks a cut time, keeps every trip of the best plan that entered the zone by
then (:func:`~corridor.planning.replan.whole_trips`), and rebuilds the rest with construction
parameters drawn from the seeded generator; the result replaces the best plan when it scores
at least as high. Under a vehicle limit a rebuild may also swap vehicles of one kind for
another (:mod:`corridor.planning.fleet`). Every draw comes from ``np.random.Generator(seed)``,
so the same seed and the same number of iterations give the same plan.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from time import monotonic
from typing import Any

import numpy as np

from corridor.planning.construct import ConstructionParams, OutOfTime, construct, release
from corridor.planning.fleet import choose, fleet_binds, rank_vehicles, swap_one
from corridor.planning.partial import PartialPlan
from corridor.planning.problem import ProblemData
from corridor.planning.replan import ReplanError, partial_from_routes, whole_trips


@dataclass
class Candidate:
    routes: list[dict[str, Any]]
    score: float


def draw_params(rng: np.random.Generator, fleet_bound: bool = False) -> ConstructionParams:
    """Construction parameters for one rebuild: mostly near the defaults, now and then wild;
    a fifth of the time the first loads go to the far centres (``far``), another fifth a
    share of the fleet runs far once (``runners``). Where the fleet binds
    (:func:`fleet_binds`) the runners may also come after the vehicles that stay near
    (``late``, ``margin``) and the ambulances may go first (``medics``)."""
    params = _draw(rng)
    u = rng.random()
    if u < 0.2:
        params = replace(params, far=float(rng.uniform(0.05, 0.3)))
    elif u < 0.4:
        params = replace(params, runners=float(rng.uniform(0.1, 0.5)), salt=float(rng.random()))
        if fleet_bound and rng.random() < 0.5:
            late = float(rng.uniform(10.0, 60.0))
            params = replace(params, runners=float(rng.uniform(0.3, 0.9)), late=late,
                             margin=float(rng.uniform(0.0, 90.0)))  # fmt: skip
    if fleet_bound and rng.random() < 0.4:
        params = replace(params, medics=True)
    return params


def _draw(rng: np.random.Generator) -> ConstructionParams:
    if rng.random() < 0.25:
        return ConstructionParams(
            lam=float(rng.uniform(0.0, 0.6)),
            mu=float(rng.uniform(0.0, 1.0)),
            rho=float(rng.uniform(0.0, 3.5)),
            candidates=int(rng.integers(3, 10)),
            max_stops=int(rng.integers(2, 5)),
            noise=float(rng.uniform(0.0, 0.3)),
            slack=float(rng.choice([1e6, 2.0])),
            spread=float(rng.choice([0.0, 15.0, 40.0])),
            ration=float(rng.uniform(0.5, 1.0)) if rng.random() < 0.8 else 0.0,
            back=float(rng.uniform(0.0, 1.0)),
        )
    return ConstructionParams(
        lam=float(rng.uniform(0.05, 0.35)),
        mu=float(rng.uniform(0.0, 0.6)),
        rho=float(rng.uniform(2.0, 3.0)),
        candidates=int(rng.integers(4, 9)),
        max_stops=int(rng.integers(2, 4)),
        noise=float(rng.choice([0.0, 0.03, 0.1])),
        ration=float(rng.uniform(0.6, 0.9)),
        back=float(rng.choice([0.0, 0.0, 0.2])),
        flat=float(rng.uniform(0.0, 0.95)) if rng.random() < 0.5 else 0.0,
    )


#: Share of the rebuilds that take out a few vehicles' trips instead of everyone's after a cut.
RUIN_SHARE = 0.2

#: Every other rebuild at the start of a search (below MANY_POINTS gathering points: on a
#: city each rebuild takes seconds) is a whole plan of another shape: out-lanes kept for
#: fuller loads (large and gen-250 gain 0.2-0.4% over the defaults), and where the fleet
#: binds a share of the vehicles that take the first lane slots to a far centre and come
#: back for more, or the first hour's loads sent far, so that the near beds serve short
#: round trips (gen-20: 7,217 -> 7,450 before any search). Where one does not pay, the
#: search goes on from the best.
PORTFOLIO = (
    ConstructionParams(rho=3.0),
    ConstructionParams(runners=0.3),
    ConstructionParams(rho=3.0, candidates=4),
    ConstructionParams(far=0.15),
    ConstructionParams(runners=0.2, salt=0.5),
)
#: Where the fleet binds, two more: the ambulances first (their two trips a day bring the
#: stretcher cases), with the near vehicles next and a share of runners after them that go
#: far only while they can still come back (gen-20: 7,450 -> 7,592 before any search).
FLEET_PORTFOLIO = (
    *PORTFOLIO,
    ConstructionParams(runners=0.7, late=30.0, margin=60.0, medics=True),
    ConstructionParams(runners=0.2, salt=0.5, medics=True),
)

#: With more gathering points than this, the first plan tries fewer first stops per trip, so
#: that it comes in seconds on a city-size operation (the search tries more later).
MANY_POINTS = 300


def first_plan(base: PartialPlan) -> Candidate:
    """The construction with default parameters and no randomness (under a vehicle cap, with
    the vehicles :func:`~corridor.planning.fleet.rank_vehicles` puts first)."""
    plan = base.clone()
    params = ConstructionParams()
    if len(plan.data.g_ids) > MANY_POINTS:
        params = ConstructionParams(candidates=3)
    if plan.data.cap is None:
        construct(plan, params, None)
    else:
        build_with_fleet(plan, rank_vehicles(plan.data, plan), None, params, None)
    return Candidate(plan.routes(), plan.score())


def build_with_fleet(
    plan: PartialPlan,
    order: list[int],
    chosen: set[int] | None,
    params: ConstructionParams,
    rng: np.random.Generator | None,
    deadline: float | None = None,
) -> None:
    """Construct with the ``chosen`` vehicles (default: the first of ``order`` that fill the
    cap), then let the others of ``order`` use what the cap still allows."""
    plan.bench(choose(plan.data, plan, order) if chosen is None else chosen)
    construct(plan, params, rng, deadline)
    release(plan, order, params, rng, deadline)


def _fleet_move(
    plan: PartialPlan, best: Candidate, rng: np.random.Generator
) -> tuple[list[int], set[int] | None]:
    """The fleet for a rebuild under a vehicle cap: mostly the best plan's vehicles, one of
    them swapped for another kind half of the time, now and then a fresh noisy ranking."""
    data = plan.data
    order = rank_vehicles(data, plan, rng, noise=0.3 if rng.random() < 0.3 else 0.0)
    if rng.random() < 0.2:
        return order, None
    used = {data.v_index[r["vehicle"]] for r in best.routes} - {
        vi for vi, v in enumerate(plan.fleet) if not v.fresh
    }
    if rng.random() < 0.5:
        free = [vi for vi in order if vi not in used]
        move = swap_one(data, used, free, rng)
        if move is not None:
            used = (used - {move[0]}) | {move[1]}
    return order, used


def _ruined(
    best: Candidate, cut: float, rng: np.random.Generator
) -> dict[str, list[dict[str, Any]]]:
    """The best plan with a few vehicles' trips after ``cut`` taken out (the others keep every
    trip): the rebuild gives those vehicles, and the lanes, people and beds they leave, to
    whoever uses them best, while every other vehicle keeps its day."""
    whole = whole_trips(best.routes, np.inf)
    names = sorted(whole)
    if not names:
        return whole
    share = float(rng.uniform(0.05, 0.35))
    picked = rng.choice(len(names), size=max(1, round(share * len(names))), replace=False)
    cut_trips = whole_trips([r for r in best.routes if r["vehicle"] in
                             {names[int(i)] for i in picked}], cut)  # fmt: skip
    for i in picked:
        name = names[int(i)]
        if name in cut_trips:
            whole[name] = cut_trips[name]
        else:
            del whole[name]
    return whole


def _rebuild_from(
    data: ProblemData,
    best: Candidate,
    cut: float,
    base_routes: dict[str, list[dict[str, Any]]] | None,
    now: float | None,
    ruin: np.random.Generator | None = None,
) -> PartialPlan:
    """The partial plan a rebuild starts from: the best plan's trips that entered the zone by
    ``cut`` (none: -inf; with ``ruin``, every trip but those of a few vehicles after ``cut``)
    and, in a replan, the stops that must be kept."""
    if cut == -np.inf and ruin is None:
        # A replan keeps its lead-time block and its start even when nothing was kept (no
        # vehicle had started): only a first plan starts from nothing.
        if base_routes is None:
            return PartialPlan(data)
        return partial_from_routes(data, base_routes, now)
    keep = _ruined(best, cut, ruin) if ruin is not None else whole_trips(best.routes, cut)
    for name, stops in (base_routes or {}).items():
        if len(keep.get(name, [])) < len(stops):
            keep[name] = stops
    return partial_from_routes(data, keep, now)


def search(
    data: ProblemData,
    base_routes: dict[str, list[dict[str, Any]]] | None,
    best: Candidate,
    rng: np.random.Generator,
    deadline: float,
    iterations: int | None,
    now: float | None = None,
    on_step: Callable[[int, Candidate], None] | None = None,
    target: Callable[[], float] = lambda: np.inf,
) -> tuple[Candidate, int]:
    """Improve ``best`` until ``deadline`` (monotonic seconds) or ``iterations``; returns the
    best candidate and the number of iterations run. ``base_routes`` are stops that every
    plan must keep (a replan, from ``now``); the search never cuts into them. ``target``
    gives the best bound known (it may improve while the search runs): at it, it stops."""
    inst = data.inst
    kept_until = -np.inf
    if base_routes:
        kept_until = max(
            float(s.get("end", s.get("depart", -np.inf))) for st in base_routes.values() for s in st
        )
    done = 0
    bound_by_fleet = fleet_binds(data)
    portfolio = FLEET_PORTFOLIO if bound_by_fleet else PORTFOLIO
    while (
        (iterations is None or done < iterations)
        and monotonic() < deadline
        and best.score < target() - 1e-6  # nothing better can exist
    ):
        params = draw_params(rng, bound_by_fleet)
        lo = max(inst.open, kept_until)
        ruin = rng if rng.random() < RUIN_SHARE else None
        cut = float(rng.uniform(lo, max(lo, inst.close))) if rng.random() < 0.7 else -np.inf
        if ruin is not None:
            cut = max(cut, lo)
        order_rng: np.random.Generator | None = rng
        if done % 2 == 0 and done // 2 < len(portfolio) and len(data.g_ids) <= MANY_POINTS:
            # every other, at first: a whole plan, vehicles in the first plan's order
            params, ruin, cut, order_rng = portfolio[done // 2], None, -np.inf, None
        try:
            plan = _rebuild_from(data, best, cut, base_routes, now, ruin)
        except ReplanError:  # kept trips that cannot be continued: try another cut
            done += 1
            continue
        try:
            if data.cap is None:
                construct(plan, params, order_rng, deadline)
            else:
                order, chosen = _fleet_move(plan, best, rng)
                build_with_fleet(plan, order, chosen, params, rng, deadline)
        except OutOfTime:
            break
        done += 1
        cand = Candidate(plan.routes(), plan.score())
        # Equal scores are accepted too: moving along a plateau changes the next cuts.
        if cand.score >= best.score - 1e-9:
            best = cand
        if on_step is not None:
            on_step(done, best)
    return best, done
