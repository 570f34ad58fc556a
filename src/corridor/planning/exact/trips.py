"""The trip model of the exact MILP: when it covers every plan, how many trips a vehicle can
make, and the drives its legs may use.

A trip crosses in at one checkpoint, stops at gathering points in an order the model chooses
(each at most once), crosses out at one checkpoint, drives to one reception centre where
everyone alights, and drives back for the next trip. When may a plan assume that shape without
losing anything? With one checkpoint (leaving the zone and coming back in without alighting
then only costs lane time and minutes), one reception centre (a load is never worth splitting
between centres) and no cargo (no depot reloading): then the model's optimum is the optimum.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from corridor.planning.travel import quickest_minutes

if TYPE_CHECKING:
    from corridor.planning.instance import Instance

FloatArray = npt.NDArray[np.float64]
INF = math.inf


def model_is_complete(instance: Instance) -> bool:
    """Whether every plan can be turned into one of the model's shape without losing score."""
    no_cargo = instance.cargo_weight <= 0 or all(g.needs_kg <= 0 for g in instance.gathering)
    return len(instance.checkpoints) == 1 and len(instance.receptions) == 1 and no_cargo


def trips_limit(instance: Instance, d: FloatArray, oi: dict[str, int], ii: dict[str, int]) -> int:
    """At most this many loads per vehicle on the drives ``d`` (of
    :func:`~corridor.planning.travel.quickest_minutes`): the first ends no earlier than
    open + visit, each next one a full cycle later, and the last must be out by close."""
    cps, fixed = instance.checkpoints, instance.stop_fixed
    pts = [g.id for g in instance.gathering if sum(g.people.values()) > 0]
    visit = min(
        (
            k.inward.service + d[ii[k.id], ii[g]] + fixed + d[ii[g], ii[k2.id]] + k2.outward.service
            for k in cps
            for k2 in cps
            for g in pts
            if k.inward.lanes and k2.outward.lanes
        ),
        default=INF,
    )
    turn = min(
        (
            d[oi[k2.id], oi[r.id]] + fixed + d[oi[r.id], oi[k.id]]
            for k in cps
            for k2 in cps
            for r in instance.receptions
        ),
        default=INF,
    )
    span = instance.close - instance.open
    if visit == INF or visit > span + 1e-6:
        return 0
    if turn + visit <= 1e-6:
        return 50
    return 1 + math.floor((span - visit + 1e-6) / (turn + visit))


def max_trips(instance: Instance, vehicle_type: str | None = None) -> int:
    """A proven limit on the loads one vehicle (of ``vehicle_type``; default: of any type)
    can bring out inside the window."""
    types = [vehicle_type] if vehicle_type is not None else list(instance.vehicle_types)
    return max(
        (trips_limit(instance, *_reordered(quickest_minutes(instance, t))) for t in types),
        default=0,
    )


def _reordered(
    m: tuple[dict[str, int], dict[str, int], FloatArray],
) -> tuple[FloatArray, dict[str, int], dict[str, int]]:
    oi, ii, d = m
    return d, oi, ii


def same_side(instance: Instance, vehicle_type: str | None) -> FloatArray:
    """Quickest drives of ``vehicle_type`` that stay on one side and pass no checkpoint on the
    way, indexed like :func:`~corridor.planning.travel.quickest_minutes` (``inf`` between the
    sides): what a plan's legs can really use."""
    travel = instance.travel_of(vehicle_type)
    n_out = len(instance.outside_ids)
    n = n_out + len(instance.inside_ids)
    d = np.full((n, n), INF)
    cp = {k.id for k in instance.checkpoints}
    for ids, mat, first in (
        (instance.outside_ids, travel.outside, 0),
        (instance.inside_ids, travel.inside, n_out),
    ):
        m = np.where(np.isnan(mat), INF, mat)
        np.fill_diagonal(m, np.minimum(np.diag(m), 0.0))
        for via, p in enumerate(ids):
            if p in cp:
                continue
            np.minimum(m, m[:, via : via + 1] + m[via : via + 1, :], out=m)
        d[first : first + len(ids), first : first + len(ids)] = m
    return d
