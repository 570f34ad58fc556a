"""Evaluating trips against a partial plan, without changing it.

A trip is a zone visit: in through a checkpoint (the earliest free lane slot), one to a few
gathering points (heaviest classes first at each, while seats are free and the vehicle can
still get out in time), out through a checkpoint, to a reception centre. Its score is its value
(weighted people, plus cargo toward needs) less a price on the vehicle's time and on the
out-lane time it takes, so that the scarce out-crossings carry the fullest and most valuable
loads. :func:`best_trip` returns the best one for a vehicle; the caller commits it
(:meth:`corridor.planning.partial.PartialPlan.commit`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from corridor.planning.construct import ConstructionParams
    from corridor.planning.instance import FloatArray
    from corridor.planning.partial import PartialPlan
    from corridor.planning.problem import ProblemData

IntArray = npt.NDArray[np.int64]
INF = math.inf
Visit = tuple[
    int, IntArray, float, float, float
]  # (point, who boards, kg unloaded, arrive, depart)


@dataclass
class Trip:
    score: float
    value: float
    load_kg: float
    k_in: int
    arrive_in: float
    start_in: float
    lane_in: int
    visits: list[Visit]
    k_out: int
    arrive_out: float
    start_out: float
    lane_out: int
    reception: int
    arrive_r: float
    depart_r: float
    people: int
    leave: float  # when it leaves its place (the depot for a vehicle's first trip)


@dataclass
class TripStart:
    """What every trip a vehicle may make next has in common: its cargo, when it leaves, the
    earliest in-crossing slots, and how many people the centres can still take."""

    vi: int
    load: float  # kg loaded at the depot before this trip
    aboard_kg: float
    leave: float
    t_ref: float  # the time its vehicle time is priced from
    total: float  # people the centres can still take (medical ones, if it carries medical)
    medical_ok: bool
    arrive_g: FloatArray  # earliest arrival at each gathering point
    k_for_g: IntArray  # through which checkpoint
    slot_in: list[tuple[float, float, int]]  # per checkpoint: (arrive, start, lane)


def fill(
    data: ProblemData, people: IntArray, seats: int, stretchers: int, total: float,
    medical_ok: bool,
) -> IntArray:  # fmt: skip
    """What a vehicle with this room takes at each gathering point (rows of ``people``):
    heaviest classes first, within seats, stretcher places and ``total``."""
    n = people.shape[0]
    take = np.zeros_like(people)
    room_seat = np.full(n, seats, dtype=np.int64)
    room_str = np.full(n, stretchers, dtype=np.int64)
    room_all = np.full(n, int(min(total, seats + stretchers)), dtype=np.int64)
    for c in data.order:
        if data.medical[c] and not medical_ok:
            continue
        room = room_str if data.stretcher[c] else room_seat
        t = np.minimum(np.minimum(people[:, c], room), room_all)
        take[:, c] = t
        room -= t
        room_all -= t
    return take


def best_trip(
    plan: PartialPlan, vi: int, params: ConstructionParams, rng: np.random.Generator | None
) -> Trip | None:
    """The best trip for vehicle ``vi`` from where it is, or None if none is feasible."""
    d, inst, rd = plan.data, plan.data.inst, plan.data.roads[vi]
    start = _start(plan, vi)
    if start is None:
        return None
    fixed, pp, cw = inst.stop_fixed, inst.stop_per_person, inst.cargo_weight
    take = fill(d, plan.people, int(d.seats[vi]), int(d.stretchers[vi]), start.total,
                start.medical_ok)  # fmt: skip
    n = take.sum(axis=1)
    unload = np.minimum(start.aboard_kg, plan.needs)
    value = take @ d.weight + cw * unload
    busy = (n > 0) | (unload > 0)
    stop = np.where(busy, fixed + pp * n, 0.0)
    exit_est = start.arrive_g + stop + rd.exit_min
    pre = value - params.flat * (value - n * d.floor) - params.lam * (exit_est - start.t_ref)
    if params.noise > 0 and rng is not None:
        pre = pre + params.noise * np.abs(value) * rng.standard_normal(len(pre))
    ok = (value > 0) & np.isfinite(exit_est) & (exit_est <= inst.close)
    if not ok.any():
        return None
    cand = np.flatnonzero(ok)
    cand = cand[np.argsort(-pre[cand], kind="stable")[: params.candidates]]
    best: Trip | None = None
    for g1 in cand:
        trip = _trip_from(plan, start, params, int(g1), take[g1], float(unload[g1]))
        if trip is not None and (best is None or trip.score > best.score):
            best = trip
    return best


def _start(plan: PartialPlan, vi: int) -> TripStart | None:
    """The :class:`TripStart` of vehicle ``vi``; None when it cannot get in or has no room."""
    d, inst, v, rd = plan.data, plan.data.inst, plan.fleet[vi], plan.data.roads[vi]
    # Cargo: loaded when the vehicle stands at a depot that still has supplies.
    load = 0.0
    depot = next((i for i, dep in enumerate(d.d_ids) if d.d_out[dep] == v.place), None)
    if (
        v.fresh
        and depot is not None
        and inst.cargo_weight > 0
        and d.cargo_cap[vi] > v.cargo
        and plan.supplies[depot] > 0
        and plan.needs.sum() > 0
    ):
        load = float(min(d.cargo_cap[vi] - v.cargo, plan.supplies[depot]))
    aboard_kg = v.cargo + load
    leave = v.ready + (inst.stop_fixed if load > 0 else 0.0)
    # In: the earliest lane slot at each checkpoint.
    nk = len(d.k_ids)
    end_in = np.full(nk, INF)
    slot_in: list[tuple[float, float, int]] = [(INF, INF, -1)] * nk
    for k in range(nk):
        to_k = rd.to_k[v.place, k]
        if not math.isfinite(to_k) or d.lanes_in[k] == 0:
            continue
        begin, lane = plan.lanes_in[k].earliest(max(leave + to_k, inst.open))
        if math.isfinite(begin):
            end_in[k] = begin + d.svc_in[k]
            slot_in[k] = (leave + to_k, begin, lane)
    if not np.isfinite(end_in).any():
        return None
    reach = end_in[:, None] + rd.k_to_g
    k_for_g = np.argmin(reach, axis=0)
    arrive_g = reach[k_for_g, np.arange(len(d.g_ids))]
    # Room: total limited by the reception centres that can still take people.
    room = int(d.seats[vi]) + int(d.stretchers[vi])
    cap_any = float(plan.capacity.max(initial=0.0))
    cap_med = float(plan.capacity[d.r_medical].max(initial=0.0))
    medical_ok = cap_med >= room or cap_med >= cap_any
    total = cap_med if medical_ok and d.medical.any() else cap_any
    if total <= 0 and aboard_kg <= 0:
        return None
    t_ref = v.ready if math.isfinite(v.ready) else inst.open - float(rd.to_k[v.place].min())
    return TripStart(vi, load, aboard_kg, leave, t_ref, total, medical_ok, arrive_g, k_for_g,
                     slot_in)  # fmt: skip


@dataclass
class _Load:
    """What a trip has taken so far: its stops, who and what is aboard, its value."""

    visits: list[Visit]
    dep: float
    seats_used: int
    stretchers_used: int
    kg_left: float
    value: float
    people: int
    medical: bool


def _trip_from(
    plan: PartialPlan, start: TripStart, params: ConstructionParams, g1: int, take1: IntArray,
    unload1: float,
) -> Trip | None:  # fmt: skip
    """Extend a trip that starts at gathering point ``g1`` and choose its way out."""
    d, inst = plan.data, plan.data.inst
    fixed, pp, cw = inst.stop_fixed, inst.stop_per_person, inst.cargo_weight
    n1 = int(take1.sum())
    t = float(start.arrive_g[g1])
    dep = t + (fixed + pp * n1 if n1 > 0 or unload1 > 0 else 0.0)
    seats_used = int(take1[~d.stretcher].sum())
    load = _Load([(g1, take1, unload1, t, dep)], dep, seats_used, n1 - seats_used,
                 start.aboard_kg - unload1, float(take1 @ d.weight + cw * unload1), n1,
                 bool(take1[d.medical].sum() > 0))  # fmt: skip
    _more_stops(plan, start, params, load)
    trip, excess = _way_out(plan, start, params, load)
    g, take, unload, arr, _ = load.visits[-1]
    n_last = int(take.sum())
    if trip is None and pp > 0 and 0 < excess < INF:
        # Too late with everyone: take fewer at the last stop, lightest classes first.
        drop = math.ceil(excess / pp - 1e-9)
        if drop < n_last:
            fewer = take.copy()
            for c in reversed(d.order):
                cut = min(int(fewer[c]), drop)
                fewer[c] -= cut
                drop -= cut
            lost = float((take - fewer) @ d.weight)
            n_new = int(fewer.sum())
            load.dep = arr + (fixed + pp * n_new if n_new > 0 or unload > 0 else 0.0)
            load.visits[-1] = (g, fewer, unload, arr, load.dep)
            load.people -= n_last - n_new
            load.value -= lost
            trip, _ = _way_out(plan, start, params, load)
    return trip


def _more_stops(
    plan: PartialPlan, start: TripStart, params: ConstructionParams, load: _Load
) -> None:
    """Add gathering points while seats (or cargo) are left and a stop pays for its time and
    still lets the vehicle out before the close."""
    d, inst, rd, vi = plan.data, plan.data.inst, plan.data.roads[start.vi], start.vi
    fixed, pp, cw = inst.stop_fixed, inst.stop_per_person, inst.cargo_weight
    seats, strs = int(d.seats[vi]), int(d.stretchers[vi])
    used = {load.visits[0][0]}
    while len(load.visits) < params.max_stops and (
        load.seats_used < seats or load.stretchers_used < strs or (load.kg_left > 0 and cw > 0)
    ):
        g_last = load.visits[-1][0]
        take = fill(d, plan.people, seats - load.seats_used, strs - load.stretchers_used,
                    start.total - load.people, start.medical_ok)  # fmt: skip
        n = take.sum(axis=1)
        unload = np.minimum(load.kg_left, plan.needs)
        gain = take @ d.weight + cw * unload
        busy = (n > 0) | (unload > 0)
        extra = (
            rd.g_to_g[g_last] + np.where(busy, fixed + pp * n, 0.0) + rd.exit_min
            - rd.exit_min[g_last]
        )  # fmt: skip
        score = gain - params.lam * extra
        score[list(used)] = -INF
        score[gain <= 0] = -INF
        # Only stops after which the vehicle can still get out before the close.
        score[load.dep + extra + rd.exit_min[g_last] > inst.close] = -INF
        g = int(np.argmax(score))
        if not score[g] > 0 or not math.isfinite(extra[g]):
            break
        arr = load.dep + float(rd.g_to_g[g_last, g])
        load.dep = arr + (fixed + pp * float(n[g]) if busy[g] else 0.0)
        load.visits.append((g, take[g], float(unload[g]), arr, load.dep))
        used.add(g)
        load.seats_used += int(take[g][~d.stretcher].sum())
        load.stretchers_used += int(take[g][d.stretcher].sum())
        load.people += int(n[g])
        load.kg_left -= float(unload[g])
        load.value += float(gain[g])
        load.medical = load.medical or bool(take[g][d.medical].sum() > 0)


def _way_out(
    plan: PartialPlan, start: TripStart, params: ConstructionParams, load: _Load
) -> tuple[Trip | None, float]:
    """The best way out (checkpoint, then centre) for the trip so far; with None, by how many
    minutes the quickest way out without a queue misses the close of the window (inf if
    waiting in a queue is what makes it late)."""
    d, inst, rd = plan.data, plan.data.inst, plan.data.roads[start.vi]
    fixed, pp, close = inst.stop_fixed, inst.stop_per_person, inst.close
    # Small loops in plain Python: a handful of centres and checkpoints per trip.
    cap = plan.capacity.tolist()
    elig = [
        r for r, c in enumerate(cap) if c >= load.people and (d.r_medical_l[r] or not load.medical)
    ]
    if load.people > 0 and not elig:
        return None, INF
    excess = INF
    stop_r = fixed + pp * load.people if load.people > 0 else 0.0
    horizon = _lanes_free_from(plan) if params.spread > 0 else -INF
    elig_set = set(elig)
    # (score, k, arrive at the checkpoint, start, lane, end, centre); without a price on the
    # drive back the score does not depend on the centre, which is then chosen only once.
    best: tuple[float, int, float, float, int, float, int | None] | None = None
    for k, drive in enumerate(rd.g_to_k_l[load.visits[-1][0]]):
        if not math.isfinite(drive) or d.lanes_out[k] == 0:
            continue
        arrive = load.dep + drive
        begin, lane = plan.lanes_out[k].earliest(arrive)
        end = begin + d.svc_out_l[k]
        if not end <= close:
            if begin == arrive:
                excess = min(excess, end - close)
            continue
        if params.back == 0:
            if rd.centres_from[k].isdisjoint(elig_set):
                continue
            r: int | None = None
            ready = 0.0
        else:
            r = _centre(plan, start, params, load, k, end, stop_r, horizon, elig)
            if r is None:
                continue
            ready = end + rd.k_to_r_l[k][r] + stop_r
        score = (
            load.value
            - params.flat * (load.value - load.people * d.floor)
            - params.lam * (end - start.t_ref)
            - params.lam * params.back * (ready - end)
            - params.mu * d.svc_out_l[k]
        )
        if best is None or score > best[0]:
            best = (score, k, arrive, begin, lane, end, r)
    if best is None:
        return None, excess
    score, k, arrive, begin, lane, end, r = best
    if r is None:
        r = _centre(plan, start, params, load, k, end, stop_r, horizon, elig)
        assert r is not None
    arrive_r = end + rd.k_to_r_l[k][r]
    ready = arrive_r + stop_r
    k_in = int(start.k_for_g[load.visits[0][0]])
    a_in, s_in, l_in = start.slot_in[k_in]
    trip = Trip(
        score, load.value, start.load, k_in, a_in, s_in, l_in, list(load.visits), k, arrive,
        begin, lane, r, arrive_r, ready, load.people, start.leave,
    )  # fmt: skip
    return trip, excess


def _runs_far(
    plan: PartialPlan, vi: int, params: ConstructionParams, row: list[float], mean: float
) -> bool:
    """Whether vehicle ``vi`` is one of the ``runners`` share of the fleet that make one trip
    to a centre farther than the mean, and has not made it yet."""
    if not params.runner(vi):
        return False
    d, rd = plan.data, plan.data.roads[vi]
    far = {d.r_ids[r] for r, c in enumerate(row) if c + rd.r_back_l[r] > mean}
    return not any("alight" in s and s["at"] in far for s in plan.fleet[vi].stops)


def _lanes_free_from(plan: PartialPlan) -> float:
    """When the first out-lane comes free of every crossing booked so far."""
    return min((min(t.last_end) for t in plan.lanes_out if not t.closed), default=-INF)


def _centre(
    plan: PartialPlan, start: TripStart, params: ConstructionParams, load: _Load, k: int,
    end: float, stop_r: float, horizon: float, elig: list[int],
) -> int | None:  # fmt: skip
    """The reception centre a load that leaves checkpoint ``k`` at ``end`` goes to."""
    inst, rd = plan.data.inst, plan.data.roads[start.vi]
    row = rd.k_to_r_l[k]
    costs = [(row[r] + rd.r_back_l[r], r) for r in elig if math.isfinite(row[r])]
    costs = [(c, r) for c, r in costs if math.isfinite(c)]
    if not costs:
        return None
    allowed = costs
    mean = sum(c for c, _ in costs) / len(costs)
    runs = _runs_far(plan, start.vi, params, row, mean)
    if runs or end - inst.open < params.far * (inst.close - inst.open):
        allowed = [
            (c, r) for c, r in costs
            if c > mean
            and (not runs or end + c + stop_r + rd.min_visit + params.margin <= inst.close)
        ] or costs  # fmt: skip
    elif params.ration > 0:
        # Beds of the nearer centres are released over the window, so that they keep serving
        # short round trips all day instead of filling up in the first hours.
        cap, cap0 = plan.capacity.tolist(), plan.capacity0.tolist()
        share = min(1.0, (end - inst.open) / (params.ration * (inst.close - inst.open)))
        allowed = [
            (c, r)
            for c, r in costs
            if not (c < mean and cap[r] - load.people < cap0[r] * (1.0 - share))
        ] or costs
    c, r = min(allowed)
    if end + c + stop_r + rd.min_visit > inst.close:
        # The last trip: the drive after the window costs nothing, so leave the centres near
        # the checkpoints to vehicles that come back for more, and the medical beds to loads
        # that need them.
        d = plan.data
        plain = [(c, r) for c, r in costs if c > mean and not d.r_medical_l[r]]
        c, r = max(plain if plain and not load.medical else costs)
    elif params.spread > 0:
        # While the out-lanes are booked beyond the vehicle's return, a farther centre costs
        # it little or nothing, and the near ones stay free for when it matters.
        due = max(end + c + stop_r + rd.min_visit, horizon)
        c, r = max(
            (cc, rr)
            for cc, rr in allowed
            if max(end + cc + stop_r + rd.min_visit, horizon) <= due + params.spread
        )
    return r
