"""What every bound of the planner shares: tolerances, the time grid, and lower bounds on how
long each kind of move takes a vehicle of one type (on its own roads, ``travel.by_type``).

Every duration here is a lower bound on what any route can do (see docs/planning-bound.md), so
that each plan maps onto the relaxations with its times only ever rounded down.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from corridor.planning.travel import quickest_minutes

if TYPE_CHECKING:
    from corridor.planning.instance import Instance

FloatArray = npt.NDArray[np.float64]
INF = math.inf
TOL = 1e-6  # the referee's tolerance on minutes and kilograms
SLACK = 1e-5  # every duration is shortened by this much, so TOL can never make a bound wrong


def cells(d: float, delta: float) -> int:
    """A duration of d minutes as whole cells, rounded down (after SLACK) so it never grows."""
    if d == INF:
        return -1
    return max(0, math.floor((d - SLACK) / delta + 1e-12))


def lane_chain_count(length: float, service: float) -> float:
    """Most crossing starts one lane can fit into a closed interval of ``length`` minutes."""
    if length < -SLACK:
        return 0.0
    return math.floor(max(length, 0.0) / (service - SLACK)) + 1.0


def loads_per_vehicle(
    span: float, visit: float, turn: float, pp: float, room: int
) -> tuple[int, float]:
    """(most boarding segments, most people) one vehicle can bring out in the window.

    Segment j's zone part (first in-crossing start to last out-crossing end) lasts at least
    ``visit``; between two boarding segments lies at least one ``turn`` (out, alight, back).
    So m segments need m visits + (m - 1) turns <= span. Everyone boards (pp each) before the
    last boarding segment ends, and all but its last load (<= room) also alight before it:
    A people need pp A and pp (2A - room) minutes besides, and A <= m room.
    """
    v, tn = visit - SLACK, max(turn - SLACK, 0.0)
    if not math.isfinite(v) or v > span + SLACK:
        return 0, 0.0
    if v + tn <= 0:
        return 10**9, INF
    m_max = 1 + math.floor((span + SLACK - v) / (v + tn))
    if pp <= 0:
        return m_max, float(m_max * room)
    best = 0.0
    for m in range(1, m_max + 1):
        left = span + SLACK - m * v - (m - 1) * tn
        best = max(best, min(m * room, left / pp, (left / pp + room) / 2))
    return m_max, best


def greedy(
    weights: dict[str, float], avail: dict[str, float], caps: list[tuple[set[str], float]]
) -> float:
    """max sum(w x) with x[c] <= avail[c] and sum over S of x <= cap for a laminar family."""
    sets = [s for s, _ in caps]
    left = [float(cap) for _, cap in caps]
    total = 0.0
    for c in sorted(avail, key=lambda c: -weights[c]):
        if weights[c] <= 0:
            continue
        x = max(0.0, min([avail[c]] + [left[i] for i, s in enumerate(sets) if c in s]))
        for i, s in enumerate(sets):
            if c in s:
                left[i] -= x
        total += weights[c] * x
    return total


@dataclass(frozen=True)
class TypeGeometry:
    """Lower bounds on the minutes of one vehicle type's moves; checkpoints by position.

    ``loaded[a, b]``: in-service at ``a``, to the nearest gathering point with people, one
    stop, on to checkpoint ``b`` (its out-service not included); ``alight[b, r]``: out of
    ``b`` to centre ``r`` and one stop there; ``back[r, a]``: from centre ``r`` to checkpoint
    ``a``; ``from_depot[d][a]``: from depot ``d`` to checkpoint ``a``. ``reach[g]``: whether a
    vehicle of this type can fetch anyone from gathering point ``g`` (from one of its depots,
    in and out, and to a centre)."""

    loaded: FloatArray
    alight: FloatArray
    back: FloatArray
    from_depot: dict[str, list[float]]
    reach: list[bool]
    visit_min: float
    turn_min: float
    by_point: FloatArray  # loaded[a, b] through one point: (checkpoints, checkpoints, points)
    points: list[int]  # the gathering points (indices) of by_point's last axis


Minutes = tuple[dict[str, int], dict[str, int], FloatArray]


def minutes_by_type(instance: Instance, types: list[str]) -> dict[str, Minutes]:
    """:func:`~corridor.planning.travel.quickest_minutes` of each type, computed once for all
    the types that drive on the shared roads."""
    shared: Minutes | None = None
    out: dict[str, Minutes] = {}
    for t in types:
        if t in instance.by_type:
            out[t] = quickest_minutes(instance, t)
        else:
            shared = shared or quickest_minutes(instance)
            out[t] = shared
    return out


def type_geometry(instance: Instance, minutes: Minutes, depots: list[str]) -> TypeGeometry:
    """The :class:`TypeGeometry` of the vehicles that drive on ``minutes`` (see
    :func:`minutes_by_type`) and start at ``depots``."""
    oi, ii, d = minutes
    cps, recs = instance.checkpoints, instance.receptions
    kk, fixed = len(cps), instance.stop_fixed
    svc_in = [k.inward.service for k in cps]
    svc_out = [k.outward.service for k in cps]
    people_points = [g.id for g in instance.gathering if sum(g.people.values()) > 0]
    loaded = np.full((kk, kk), INF)
    for a, ka in enumerate(cps):
        if ka.inward.lanes == 0:
            continue
        for b, kb in enumerate(cps):
            if kb.outward.lanes == 0:
                continue
            best = min(
                (d[ii[ka.id], ii[g]] + d[ii[g], ii[kb.id]] for g in people_points), default=INF
            )
            loaded[a, b] = svc_in[a] + best + fixed
    alight = np.array([[d[oi[k.id], oi[r.id]] + fixed for r in recs] for k in cps])
    back = np.array([[d[oi[r.id], oi[k.id]] for k in cps] for r in recs])
    reach = [
        any(d[oi[dp], ii[g.id]] < INF for dp in depots)
        and any(d[ii[g.id], oi[r.id]] < INF for r in recs)
        for g in instance.gathering
    ]
    points = [
        i for i, g in enumerate(instance.gathering) if reach[i] and sum(g.people.values()) > 0
    ]
    by_point = _through_points(instance, minutes, [instance.gathering[i].id for i in points])
    visit_min = min((loaded[a, b] + svc_out[b] for a in range(kk) for b in range(kk)), default=INF)
    turn_min = min(
        (alight[b, r] + back[r, a] for b in range(kk) for r in range(len(recs)) for a in range(kk)),
        default=INF,
    )
    return TypeGeometry(
        loaded=loaded,
        alight=alight.reshape(kk, len(recs)),
        back=back.reshape(len(recs), kk),
        from_depot={dp: [float(d[oi[dp], oi[k.id]]) for k in cps] for dp in depots},
        reach=reach,
        visit_min=float(visit_min),
        turn_min=float(turn_min),
        by_point=by_point,
        points=points,
    )


def _through_points(instance: Instance, minutes: Minutes, points: list[str]) -> FloatArray:
    """[a, b, p]: in-service at checkpoint ``a``, to point ``p``, one stop, on to checkpoint
    ``b``; infinite where ``a`` is closed inward or ``b`` outward."""
    _, ii, d = minutes
    cps = instance.checkpoints
    ks = [ii[k.id] for k in cps]
    ps = [ii[g] for g in points]
    to = d[np.ix_(ks, ps)]  # (checkpoints, points)
    back = d[np.ix_(ps, ks)].T  # (checkpoints, points)
    svc = np.array([k.inward.service for k in cps], dtype=float)
    out: FloatArray = svc[:, None, None] + to[:, None, :] + back[None, :, :] + instance.stop_fixed
    closed_in = np.array([k.inward.lanes == 0 for k in cps])
    closed_out = np.array([k.outward.lanes == 0 for k in cps])
    out[closed_in, :, :] = INF
    out[:, closed_out, :] = INF
    return out


def evacuable(instance: Instance, reach: list[bool]) -> dict[str, float]:
    """People by class at the gathering points ``reach`` marks."""
    avail: dict[str, float] = dict.fromkeys(instance.classes, 0.0)
    for g, ok in zip(instance.gathering, reach, strict=True):
        if ok:
            for c, n in g.people.items():
                avail[c] += n
    return avail


def fleet_by_type(
    instance: Instance, vehicles: list[tuple[str, str]] | None = None
) -> dict[str, dict[str, int]]:
    """{type: {depot: vehicles}} of the types that can carry anyone, from ``vehicles``
    ((depot, type) pairs; the whole fleet by default)."""
    pairs = [(v.depot, v.type) for v in instance.vehicles] if vehicles is None else list(vehicles)
    out: dict[str, dict[str, int]] = {}
    for depot, t in pairs:
        vt = instance.vehicle_types[t]
        if vt.seats + vt.stretchers > 0:
            out.setdefault(t, {})
            out[t][depot] = out[t].get(depot, 0) + 1
    depot_order = {d.id: i for i, d in enumerate(instance.depots)}
    return {
        t: dict(sorted(out[t].items(), key=lambda kv: depot_order[kv[0]]))
        for t in instance.vehicle_types
        if t in out
    }
