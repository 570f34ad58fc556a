"""A proven upper bound on the score of every feasible plan of a CEP instance.

The people term is the optimum of the time-indexed relaxation (:mod:`.network`, :mod:`.lanes`,
:mod:`.people`), certified from HiGHS's duals by weak duality (:mod:`corridor.planning.highs`),
capped by the closed-form bounds (:mod:`.closed_form`), and on small instances where the exact
trip model covers every plan, by that model's MILP bound. The cargo term is bounded apart.
docs/planning-bound.md has the derivation.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from corridor.planning.bound.closed_form import cargo_bound, closed_form_people
from corridor.planning.bound.counting import counting_cargo, counting_people
from corridor.planning.bound.geometry import (
    evacuable,
    fleet_by_type,
    minutes_by_type,
    type_geometry,
)
from corridor.planning.bound.lanes import add_lane_rows
from corridor.planning.bound.network import Grid, LaneUse, add_type_arcs
from corridor.planning.bound.people import TypeFleet, add_people_rows
from corridor.planning.bound.points import use_bands
from corridor.planning.highs import NoBound, SparseLP, solve_certified

if TYPE_CHECKING:
    from corridor.planning.instance import Instance

INF = math.inf
#: The method of a bound that the time-indexed LP gave (on the grid in ``cell_minutes``).
LP_METHOD = "lp-time-indexed"


@dataclass(frozen=True)
class BoundResult:
    """An upper bound on the score of any feasible plan, and where it comes from.

    ``value`` = ``people`` + ``cargo``. ``method`` names the relaxation that gave the people
    term (``"lp-time-indexed"`` or a closed-form fallback); ``binding`` lists the resources whose
    dual prices carry the LP bound, largest share first, as ``(resource, share of the bound)``.
    """

    value: float
    method: str
    people: float
    cargo: float
    cell_minutes: float | None = None
    seconds: float = 0.0
    binding: list[tuple[str, float]] = field(default_factory=list)
    closed_form: float = INF


def choose_cell(instance: Instance) -> float:
    """A grid fine enough to be tight and coarse enough to solve in a few seconds.

    On the public examples the lanes bind, and the bound is the same from 2- to 8-minute
    cells; the network grows with checkpoints squared times receptions, so big instances get
    coarser cells.
    """
    span = max(instance.close - instance.open, 1e-9)
    k = len(instance.checkpoints)
    r = len(instance.receptions)
    types = {v.type for v in instance.vehicles}
    per_cell = len(types) * (4 * k * k + 4 * k + 2 * k * r + 3 * r)
    cells = max(40, min(400, 16000 // max(per_cell, 1)))
    cell = span / cells
    for step in (0.5, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0, 12.0, 15.0, 20.0, 30.0):
        if step >= cell:
            return step
    return cell


def upper_bound(
    instance: Instance,
    time_limit: float | None = None,
    cell_minutes: float | None = None,
    exact: bool | None = None,
    vehicles: list[tuple[str, str]] | None = None,
    points: int | None = None,
) -> BoundResult:
    """A proven upper bound on the score of every feasible plan of ``instance``.

    ``time_limit`` caps the LP solve (seconds); if HiGHS stops early the weak-duality bound of
    the duals it has is still valid, and the closed-form bound is used where it is lower.
    ``cell_minutes`` fixes the time grid (chosen from the instance size when None).
    ``exact`` also runs the exact trip MILP of :mod:`corridor.planning.exact` where its model
    covers every plan (one checkpoint, one reception centre, no cargo) and takes its bound if
    lower; None does so only where that model is small (a few vehicles and trips).
    ``vehicles`` ((depot, type) pairs) bounds plans that use only those (default: the fleet).
    ``points``: the most point columns for which the loaded arcs come in bands of where people
    board (:mod:`.points`; a tighter bound on fleet-bound instances, a bigger LP; None:
    ``points.MAX_COLUMNS``).

    >>> from corridor.adapters.cep_files import load_instance
    >>> b = upper_bound(load_instance("data/cep/tiny.json"))
    >>> 181 <= b.value <= 205
    True
    """
    t0 = time.perf_counter()
    cargo = cargo_bound(instance)
    closed = closed_form_people(instance, vehicles)
    delta = cell_minutes if cell_minutes is not None else choose_cell(instance)
    people, method = INF, "closed-form"
    binding: list[tuple[str, float]] = []
    # Cut short, HiGHS leaves no certified duals: try again on coarser cells (a smaller LP, a
    # looser but still valid bound) while the time lasts, unless the grid was imposed.
    grids = [delta] if cell_minutes is not None else [delta, 2.5 * delta, 6 * delta]
    for i, cell in enumerate(grids):
        left = None if time_limit is None else time_limit - (time.perf_counter() - t0)
        if left is not None and left < 0.05:
            break
        if left is not None and i < len(grids) - 1:
            left *= 0.6  # keep some for a coarser try
        try:
            people, binding = lp_people(instance, cell, left, vehicles, points)
            method, delta = LP_METHOD, cell
            break
        except NoBound as exc:
            method = f"closed-form ({exc})"
    # Never looser than the referee's counting relaxations (any valid bound may be taken).
    whole = all(float(p.weight).is_integer() for p in instance.classes.values())
    counted = counting_people(instance)
    if _rounded(counted, whole) < _rounded(people, whole):
        people, method, binding = counted, "counting (lanes, fleet round trips, beds)", []
    cargo = min(cargo, counting_cargo(instance))
    if math.isfinite(people) and all(
        float(p.weight).is_integer() for p in instance.classes.values()
    ):
        people = float(math.floor(people + 1e-6))  # whole people times whole weights
    if people >= closed:
        people, method = closed, method if method != LP_METHOD else "closed-form (lower)"
    if exact is None:
        exact = _small_and_complete(instance)
    if exact:
        milp = _exact_people(instance, time_limit, t0, vehicles)
        if milp - cargo < people:
            people, method = milp - cargo, "milp (trip model, complete)"
            binding = [("exact trip model", 1.0)]
    return BoundResult(
        value=people + cargo,
        method=method,
        people=people,
        cargo=cargo,
        cell_minutes=delta,
        seconds=time.perf_counter() - t0,
        binding=binding,
        closed_form=closed + cargo,
    )


def _rounded(people: float, whole: bool) -> float:
    """The people term as it will be claimed: whole people times whole weights are whole."""
    return float(math.floor(people + 1e-6)) if whole and math.isfinite(people) else people


def _exact_people(
    instance: Instance, time_limit: float | None, t0: float,
    vehicles: list[tuple[str, str]] | None,
) -> float:  # fmt: skip
    """The exact trip model's bound where that model covers every plan; inf otherwise."""
    from corridor.planning.exact import model_is_complete, solve_exact

    if not model_is_complete(instance):
        return INF
    limit = 10.0 if time_limit is None else max(1.0, time_limit - (time.perf_counter() - t0))
    allowed = None if vehicles is None else _names(instance, vehicles)
    return solve_exact(instance, limit, vehicles=allowed).bound


def _names(instance: Instance, pairs: list[tuple[str, str]]) -> list[str]:
    """Vehicle names for (depot, type) pairs: the first of each depot and type."""
    left: dict[tuple[str, str], int] = {}
    for p in pairs:
        left[p] = left.get(p, 0) + 1
    out = []
    for v in instance.vehicles:
        if left.get((v.depot, v.type), 0) > 0:
            left[v.depot, v.type] -= 1
            out.append(v.name)
    return out


def _small_and_complete(instance: Instance) -> bool:
    from corridor.planning.exact import max_trips, model_is_complete

    return model_is_complete(instance) and len(instance.vehicles) * max_trips(instance) <= 12


def lp_people(
    instance: Instance,
    delta: float,
    time_limit: float | None,
    vehicles: list[tuple[str, str]] | None = None,
    points: int | None = None,
) -> tuple[float, list[tuple[str, float]]]:
    """The people term of the time-indexed relaxation with cells of ``delta`` minutes,
    certified; raises :class:`~corridor.planning.highs.NoBound` where HiGHS gives nothing."""
    lp = build_relaxation(instance, delta, vehicles, points)
    if lp is None:
        return 0.0, [("no vehicle can carry anyone out", 1.0)]
    return solve_certified(lp, time_limit)


def build_relaxation(
    instance: Instance,
    delta: float,
    vehicles: list[tuple[str, str]] | None = None,
    points: int | None = None,
) -> SparseLP | None:
    """The whole time-indexed LP, or None when nobody can be carried at all."""
    fleet = fleet_by_type(instance, vehicles)
    minutes = minutes_by_type(instance, list(fleet))
    geos = {t: type_geometry(instance, minutes[t], list(deps)) for t, deps in fleet.items()}
    avail_by_type = {t: evacuable(instance, g.reach) for t, g in geos.items()}
    reach_any = [any(g.reach[i] for g in geos.values()) for i in range(len(instance.gathering))]
    avail = evacuable(instance, reach_any)
    grid = Grid.of(instance, delta)
    last_in = {t: grid.last_in(grid.latest_in(instance, g)) for t, g in geos.items()}
    if (
        sum(avail.values()) <= 0
        or not instance.receptions
        or not instance.checkpoints
        or max((max(x) for x in last_in.values()), default=-1) < 0
        or max(grid.last_out) < 0
    ):
        return None
    lp = SparseLP()
    use = LaneUse()
    banded = use_bands(list(geos.values()), points)
    types = [
        TypeFleet(
            instance.vehicle_types[t],
            sum(deps.values()),
            geos[t],
            add_type_arcs(lp, instance, grid, t, geos[t], deps, use, banded),
            avail_by_type[t],
        )
        for t, deps in fleet.items()
    ]
    add_lane_rows(lp, instance, grid, list(geos.values()), use)
    add_people_rows(lp, instance, grid, types, avail, instance.max_vehicles)
    return lp
