"""Counting bounds: the relaxations the referee's ``--bound`` uses, so that the planner's bound
is never looser than the referee's.

People and cargo are bounded apart, each by the least of several relaxations (any one alone is
a valid bound): everyone waiting; beds; what the checkpoints' lanes can pass in the window
(each load goes in and out through its own pair of crossings); and the fleet's round trips
(a vehicle's loads are separated by a stop outside, so its k-th load leaves the zone no earlier
than open + visit + (k - 1)(turn + visit)), with the boarding minutes of a vehicle's people
counted against the window. Every drive is the quickest of any vehicle type, every duration is
shortened by SLACK, so the referee's tolerances cannot make it wrong.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from corridor.planning.bound.geometry import SLACK, TOL, greedy
from corridor.planning.travel import close_side

if TYPE_CHECKING:
    from corridor.planning.instance import FloatArray, Instance

INF = math.inf


def _fits(length: float, service: float) -> float:
    """How many intervals of ``service`` minutes fit one after another into ``length``."""
    if length < -SLACK:
        return 0
    return INF if service <= SLACK else math.floor((length + SLACK) / (service - SLACK))


def _times(n: float, x: float) -> float:
    return 0 if n == 0 or x == 0 else n * x


class _Roads:
    """The quickest drives of any vehicle type, from and to each checkpoint, on each side."""

    def __init__(self, inst: Instance) -> None:
        sides = []
        outer = {d.id for d in inst.depots} | {r.id for r in inst.receptions}
        for key, ids, via in (
            ("outside", inst.outside_ids, outer),
            ("inside", inst.inside_ids, {g.id for g in inst.gathering}),
        ):
            mats = [getattr(inst, key)] + [getattr(t, key) for t in inst.by_type.values()]
            with np.errstate(invalid="ignore"):
                least: FloatArray = np.fmin.reduce(mats) if len(mats) > 1 else mats[0]
            sides.append(close_side(ids, least, via).minutes)
        self.out, self.ins = sides
        self.oi, self.ii = inst.outside_index, inst.inside_index


def _zone_visit(
    inst: Instance, r: _Roads, points: list[str], stop: float
) -> tuple[dict[str, float], dict[str, float], float]:
    ks = inst.checkpoints
    to = {g: min((k.inward.service + r.ins[r.ii[k.id], r.ii[g]] for k in ks), default=INF)
          for g in points}  # fmt: skip
    back = {g: min((r.ins[r.ii[g], r.ii[k.id]] + k.outward.service for k in ks), default=INF)
            for g in points}  # fmt: skip
    return to, back, min((to[g] + stop + back[g] for g in points), default=INF)


def _gate_visits(inst: Instance, r: _Roads, points: list[str], stop: float) -> float:
    to, back, _ = _zone_visit(inst, r, points, stop)
    span = inst.close - inst.open
    n_in = n_out = 0.0
    for k in inst.checkpoints:
        a = r.ii[k.id]
        tail = min((r.ins[a, r.ii[g]] + stop + back[g] for g in points), default=INF)
        head = min((to[g] + stop + r.ins[r.ii[g], a] for g in points), default=INF)
        n_in += _times(k.inward.lanes, _fits(span - tail, k.inward.service))
        n_out += _times(k.outward.lanes, _fits(span - head, k.outward.service))
    return min(n_in, n_out)


def _loads_per_vehicle(inst: Instance, visit: float, turn: float) -> float:
    span = inst.close - inst.open
    if visit - SLACK > span + SLACK:
        return 0
    return 1 + _fits(span - visit, turn + visit)


def _people_per_vehicle(
    inst: Instance, loads: float, visit: float, turn: float, room: int
) -> float:
    pp, span = inst.stop_per_person, inst.close - inst.open
    if pp <= 0 or loads == INF:
        return _times(loads, room)
    if loads < 1:
        return 0

    def most(m: float) -> float:
        left = span + SLACK - m * (visit - pp - SLACK) - _times(m - 1, turn - SLACK)
        return min(m * room, left / pp)

    ms = {1.0, float(loads)}
    closing = room * pp + visit - pp + turn - 2 * SLACK
    if closing > 0 and math.isfinite((span + turn) / closing):
        meet = (span + turn) / closing
        ms |= {min(max(float(f(meet)), 1.0), float(loads)) for f in (math.floor, math.ceil)}
    return max([0.0] + [most(m) for m in ms])


def _turnaround(inst: Instance, r: _Roads, places: list[str], stop: float) -> float:
    ks = [r.oi[k.id] for k in inst.checkpoints]
    return min(
        (min((r.out[k, r.oi[p]] for k in ks), default=INF) + stop
         + min((r.out[r.oi[p], k] for k in ks), default=INF) for p in places),
        default=INF,
    )  # fmt: skip


def counting_people(inst: Instance) -> float:
    """The least of the counting bounds on the people term."""
    r = _Roads(inst)
    avail: dict[str, float] = dict.fromkeys(inst.classes, 0.0)
    for g in inst.gathering:
        for c, n in g.people.items():
            avail[c] += n
    weights = {c: p.weight for c, p in inst.classes.items()}
    everyone = set(inst.classes)
    stretcher = {c for c in everyone if inst.classes[c].stretcher}
    seated, medical = everyone - stretcher, {c for c in everyone if inst.classes[c].medical}
    stop = inst.stop_fixed + inst.stop_per_person
    points = [g.id for g in inst.gathering if sum(g.people.values())]
    _, _, visit = _zone_visit(inst, r, points, stop)
    turn = _turnaround(inst, r, [x.id for x in inst.receptions], stop)
    n_visits = _gate_visits(inst, r, points, stop)
    types = list(inst.vehicle_types.values())
    room = [
        max((v.seats for v in types), default=0),
        max((v.stretchers for v in types), default=0),
        max((v.seats + v.stretchers for v in types), default=0),
    ]
    gates = [_times(n_visits, x) for x in room]
    loads = _loads_per_vehicle(inst, visit, turn)
    fleet = [0.0, 0.0, 0.0]
    for v in inst.vehicles:
        t = inst.vehicle_types[v.type]
        fleet[0] += _times(loads, t.seats)
        fleet[1] += _times(loads, t.stretchers)
        fleet[2] += _people_per_vehicle(inst, loads, visit, turn, t.seats + t.stretchers)
    beds = sum(x.capacity for x in inst.receptions)
    medical_beds = sum(x.capacity for x in inst.receptions if x.medical)

    def limits(caps: list[float]) -> list[tuple[set[str], float]]:
        return [(seated, caps[0]), (stretcher, caps[1]), (everyone, caps[2])]

    return min(
        greedy(weights, avail, []),
        greedy(weights, avail, [(everyone, beds), (medical, medical_beds)]),
        greedy(weights, avail, limits(gates)),
        greedy(weights, avail, limits(fleet)),
        greedy(
            weights,
            avail,
            limits(
                [min(gates[0], fleet[0]), min(gates[1], fleet[1]), min(gates[2], fleet[2], beds)]
            ),
        ),
    )


def counting_cargo(inst: Instance) -> float:
    """The least of the counting bounds on the cargo term."""
    w = inst.cargo_weight
    if w <= 0:
        return 0.0
    r = _Roads(inst)
    extra = TOL * (len(inst.depots) + len(inst.vehicles))
    points = [g.id for g in inst.gathering if g.needs_kg > 0]
    depots = [d.id for d in inst.depots if d.supplies_kg > 0]
    _, _, visit = _zone_visit(inst, r, points, inst.stop_fixed)
    loads = _loads_per_vehicle(inst, visit, _turnaround(inst, r, depots, inst.stop_fixed))
    room = max((v.cargo_kg for v in inst.vehicle_types.values()), default=0) + 2 * TOL
    return min(
        w * min(sum(g.needs_kg for g in inst.gathering),
                sum(d.supplies_kg for d in inst.depots) + extra),
        w * _times(_gate_visits(inst, r, points, inst.stop_fixed), room),
        w * (sum(_times(loads, inst.vehicle_types[v.type].cargo_kg + 2 * TOL)
                 for v in inst.vehicles) + extra),
    )  # fmt: skip
