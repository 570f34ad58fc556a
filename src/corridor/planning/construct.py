"""Greedy construction of a CEP plan with checkpoint lane reservations.

Vehicles are taken in the order they become free (an event queue). For the vehicle at hand
:func:`best_trip` evaluates trips (a zone visit: in through a checkpoint, one or more
gathering points, out through a checkpoint, to a reception centre) against the lane
timelines *without* changing anything, and :meth:`Builder.commit` applies the chosen one:
it reserves the lane time, takes the people and cargo off the books and writes the stops.
A trip's score is its value (weighted people, plus cargo toward needs) minus a price on the
vehicle's time and on the out-lane time it takes, so that the scarce out-crossings carry the
fullest and most valuable loads.
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass, field
from itertools import pairwise
from time import monotonic
from typing import Any

import numpy as np
import numpy.typing as npt

from corridor.planning.instance import FloatArray, Instance
from corridor.planning.lanes import LaneTimeline
from corridor.planning.travel import Drives, Side, quickest_drives

IntArray = npt.NDArray[np.int64]
INF = math.inf


class OutOfTime(Exception):
    """A construction passed its deadline (only the improvement loop sets one)."""


@dataclass(frozen=True)
class Knobs:
    """Parameters of one construction (the improvement loop varies them).

    ``lam``: value per minute of vehicle time; ``mu``: value per minute of out-lane service;
    ``rho``: least value per minute of out-lane service a trip must bring in the first pass
    (the second pass fills what is left with any trip of positive value);
    ``candidates``: first gathering points tried per trip; ``max_stops``: gathering points per
    trip; ``noise``: relative noise on the preliminary score (diversifies restarts).
    """

    lam: float = 0.1
    mu: float = 0.3
    rho: float = 2.5
    candidates: int = 6
    max_stops: int = 3
    noise: float = 0.0
    slack: float = 1e6
    spread: float = 0.0
    ration: float = 0.7
    back: float = 0.0
    flat: float = 0.0

    def __post_init__(self) -> None:
        if min(self.lam, self.mu, self.rho, self.noise, self.slack, self.spread, self.ration,
               self.back, self.flat) < 0:  # fmt: skip
            raise ValueError("every knob must be >= 0")
        if self.candidates < 1 or self.max_stops < 1:
            raise ValueError("candidates and max_stops must be >= 1")


class Roads:
    """The quickest drives of one vehicle type, in the arrays the construction reads."""

    def __init__(self, world: World, drives: Drives) -> None:
        inst = world.inst
        self.drives = drives
        dout, din = drives.outside.minutes, drives.inside.minutes
        self.to_k = dout[:, world.k_out]  # any outside place -> checkpoint (outer side)
        self.k_to_r = dout[np.ix_(world.k_out, world.r_out)]
        self.k_to_g = din[np.ix_(world.k_in, world.g_in)]
        self.g_to_k = din[np.ix_(world.g_in, world.k_in)]
        self.g_to_g = din[np.ix_(world.g_in, world.g_in)]
        # Quickest way out of the zone from each gathering point (drive + service).
        with np.errstate(invalid="ignore"):
            self.exit_min = np.min(self.g_to_k + world.svc_out[None, :], axis=1, initial=INF)
        # From a reception centre back to the nearest checkpoint: the cost of the next trip.
        self.r_back = np.min(self.to_k[world.r_out], axis=1, initial=INF)
        self.r_back_l: list[float] = self.r_back.tolist()
        self.k_to_r_l: list[list[float]] = self.k_to_r.tolist()
        self.g_to_k_l: list[list[float]] = self.g_to_k.tolist()
        # The shortest zone visit: in, to a gathering point, a stop, and out again.
        with np.errstate(invalid="ignore"):
            into = np.min(world.svc_in[:, None] + self.k_to_g, axis=0, initial=INF)
        self.min_visit = float(np.min(into + inst.stop_fixed + self.exit_min, initial=INF))


class World:
    """Everything about an instance that the construction reads and never changes."""

    def __init__(
        self,
        inst: Instance,
        drives: Drives | None = None,
        pinned: frozenset[str] = frozenset(),
        excluded: frozenset[str] = frozenset(),
    ) -> None:
        self.inst = inst
        out_ix, in_ix = inst.outside_index, inst.inside_index
        self.classes = list(inst.classes)
        self.weight = np.array([inst.classes[c].weight for c in self.classes])
        self.stretcher = np.array([inst.classes[c].stretcher for c in self.classes])
        self.medical = np.array([inst.classes[c].medical for c in self.classes])
        # Classes in the order a vehicle should take them: heaviest first, worthless never.
        self.order = [int(c) for c in np.argsort(-self.weight, kind="stable") if self.weight[c] > 0]
        # The lightest weight that counts: a head at that weight is what a full slot is sure of.
        self.floor = float(min((self.weight[c] for c in self.order), default=0.0))
        self.g_ids = [g.id for g in inst.gathering]
        self.k_ids = [k.id for k in inst.checkpoints]
        self.r_ids = [r.id for r in inst.receptions]
        self.d_ids = [d.id for d in inst.depots]
        self.g_in = np.array([in_ix[g] for g in self.g_ids], dtype=np.int64)
        self.k_in = np.array([in_ix[k] for k in self.k_ids], dtype=np.int64)
        self.k_out = np.array([out_ix[k] for k in self.k_ids], dtype=np.int64)
        self.r_out = np.array([out_ix[r] for r in self.r_ids], dtype=np.int64)
        self.d_out = {d: out_ix[d] for d in self.d_ids}
        self.svc_in = np.array([k.inward.service for k in inst.checkpoints])
        self.svc_out = np.array([k.outward.service for k in inst.checkpoints])
        self.lanes_in = [k.inward.lanes for k in inst.checkpoints]
        self.lanes_out = [k.outward.lanes for k in inst.checkpoints]
        self.r_medical = np.array([r.medical for r in inst.receptions])
        self.r_medical_l: list[bool] = self.r_medical.tolist()
        self.svc_out_l: list[float] = self.svc_out.tolist()
        # The roads of each vehicle type: its own where the instance gives them, else shared.
        shared = Roads(self, drives or quickest_drives(inst))
        by_type = {t: Roads(self, quickest_drives(inst, t)) for t in inst.by_type}
        self.vehicles = inst.vehicles
        self.roads = [by_type.get(v.type, shared) for v in self.vehicles]
        self.seats = np.array([inst.vehicle_types[v.type].seats for v in self.vehicles])
        self.stretchers = np.array([inst.vehicle_types[v.type].stretchers for v in self.vehicles])
        self.cargo_cap = np.array([inst.vehicle_types[v.type].cargo_kg for v in self.vehicles])
        self.depot_of = [self.d_ids.index(v.depot) for v in self.vehicles]
        # The fleet the plan may use: at most ``cap`` vehicles leave their depot; the pinned
        # ones take their places first, the excluded ones get no trips.
        self.cap = inst.max_vehicles
        self.v_index = {v.name: i for i, v in enumerate(self.vehicles)}
        self.pinned = frozenset(i for i, v in enumerate(self.vehicles) if v.name in pinned)
        self.excluded = frozenset(i for i, v in enumerate(self.vehicles) if v.name in excluded)


@dataclass
class Vehicle:
    """Where a vehicle is (outside, nobody aboard) and from when it may move on."""

    place: int  # outside index
    ready: float  # -inf: not yet started, may leave its depot whenever it likes
    cargo: float = 0.0
    stops: list[dict[str, Any]] = field(default_factory=list)
    fresh: bool = True  # nothing emitted yet: its first stop (the depot) is still to be written
    done: bool = False


@dataclass
class Trip:
    score: float
    value: float
    load_kg: float
    k_in: int
    arrive_in: float
    start_in: float
    lane_in: int
    visits: list[tuple[int, IntArray, float, float, float]]  # (g, take, unload, arrive, depart)
    k_out: int
    arrive_out: float
    start_out: float
    lane_out: int
    reception: int
    arrive_r: float
    depart_r: float
    people: int
    leave: float  # when it leaves its place (the depot for a vehicle's first trip)


class Builder:
    """The mutable state of one construction: what is left, the lanes and the vehicles."""

    def __init__(self, world: World) -> None:
        inst = world.inst
        self.w = world
        self.people = np.array(
            [[g.people.get(c, 0) for c in world.classes] for g in inst.gathering], dtype=np.int64
        ).reshape(len(inst.gathering), len(world.classes))
        self.needs = np.array([g.needs_kg for g in inst.gathering], dtype=float)
        self.supplies = np.array([d.supplies_kg for d in inst.depots], dtype=float)
        self.capacity = np.array([r.capacity for r in inst.receptions], dtype=float)
        self.capacity0 = self.capacity.copy()
        self.lanes_in = [LaneTimeline(k.inward.lanes, k.inward.service) for k in inst.checkpoints]
        self.lanes_out = [
            LaneTimeline(k.outward.lanes, k.outward.service) for k in inst.checkpoints
        ]
        self.fleet = [
            Vehicle(world.d_out[v.depot], -INF) for v in world.vehicles
        ]  # parallel to world.vehicles
        for vi in world.excluded:
            self.fleet[vi].done = True
        self.n_used = 0  # vehicles that have left their depot
        self.benched: set[int] = set()  # held back by the fleet choice (see bench)

    # ------------------------------------------------------------------ evaluation

    def fill(
        self, people: IntArray, seats: int, stretchers: int, total: float, medical_ok: bool
    ) -> IntArray:
        """What a vehicle with this room takes at each gathering point (rows of ``people``):
        heaviest classes first, within seats, stretcher places and ``total``."""
        w = self.w
        n = people.shape[0]
        take = np.zeros_like(people)
        room_seat = np.full(n, seats, dtype=np.int64)
        room_str = np.full(n, stretchers, dtype=np.int64)
        room_all = np.full(n, int(min(total, seats + stretchers)), dtype=np.int64)
        for c in w.order:
            if w.medical[c] and not medical_ok:
                continue
            room = room_str if w.stretcher[c] else room_seat
            t = np.minimum(np.minimum(people[:, c], room), room_all)
            take[:, c] = t
            room -= t
            room_all -= t
        return take

    def best_trip(self, vi: int, knobs: Knobs, rng: np.random.Generator | None) -> Trip | None:
        """The best trip for vehicle ``vi`` from where it is, or None if none is feasible."""
        w, inst, v, rd = self.w, self.w.inst, self.fleet[vi], self.w.roads[vi]
        fixed, pp, cw = inst.stop_fixed, inst.stop_per_person, inst.cargo_weight
        seats, strs = int(w.seats[vi]), int(w.stretchers[vi])
        # Cargo: loaded when the vehicle stands at a depot that still has supplies.
        load = 0.0
        depot = next((i for i, d in enumerate(w.d_ids) if w.d_out[d] == v.place), None)
        if (
            v.fresh
            and depot is not None
            and cw > 0
            and w.cargo_cap[vi] > v.cargo
            and self.supplies[depot] > 0
            and self.needs.sum() > 0
        ):
            load = float(min(w.cargo_cap[vi] - v.cargo, self.supplies[depot]))
        aboard_kg = v.cargo + load
        load_time = fixed if load > 0 else 0.0
        leave = v.ready + load_time
        # In: the earliest lane slot at each checkpoint.
        nk = len(w.k_ids)
        end_in = np.full(nk, INF)
        slot_in: list[tuple[float, float, int]] = [(INF, INF, -1)] * nk
        for k in range(nk):
            d = rd.to_k[v.place, k]
            if not math.isfinite(d) or w.lanes_in[k] == 0:
                continue
            arrive = max(leave + d, inst.open)
            start, lane = self.lanes_in[k].earliest(arrive)
            if math.isfinite(start):
                end_in[k] = start + w.svc_in[k]
                slot_in[k] = (leave + d, start, lane)
        if not np.isfinite(end_in).any():
            return None
        reach = end_in[:, None] + rd.k_to_g
        k_for_g = np.argmin(reach, axis=0)
        arrive_g = reach[k_for_g, np.arange(len(w.g_ids))]
        # Room: total limited by the reception centres that can still take people.
        cap_any = float(self.capacity.max(initial=0.0))
        cap_med = float(self.capacity[w.r_medical].max(initial=0.0))
        medical_ok = cap_med >= seats + strs or cap_med >= cap_any
        total = cap_med if medical_ok and w.medical.any() else cap_any
        if total <= 0 and aboard_kg <= 0:
            return None
        take = self.fill(self.people, seats, strs, total, medical_ok)
        n = take.sum(axis=1)
        unload = np.minimum(aboard_kg, self.needs)
        value = take @ w.weight + cw * unload
        busy = (n > 0) | (unload > 0)
        stop = np.where(busy, fixed + pp * n, 0.0)
        t_ref = v.ready if math.isfinite(v.ready) else inst.open - float(rd.to_k[v.place].min())
        exit_est = arrive_g + stop + rd.exit_min
        pre = value - knobs.flat * (value - n * w.floor) - knobs.lam * (exit_est - t_ref)
        if knobs.noise > 0 and rng is not None:
            pre = pre + knobs.noise * np.abs(value) * rng.standard_normal(len(pre))
        ok = (value > 0) & np.isfinite(exit_est) & (exit_est <= inst.close)
        if not ok.any():
            return None
        cand = np.flatnonzero(ok)
        cand = cand[np.argsort(-pre[cand], kind="stable")[: knobs.candidates]]
        best: Trip | None = None
        for g1 in cand:
            trip = self._complete(vi, knobs, int(g1), take[g1], float(unload[g1]), arrive_g,
                                  k_for_g, slot_in, load, aboard_kg, leave, t_ref, total,
                                  medical_ok)  # fmt: skip
            if trip is not None and (best is None or trip.score > best.score):
                best = trip
        return best

    def _complete(
        self,
        vi: int,
        knobs: Knobs,
        g1: int,
        take1: IntArray,
        unload1: float,
        arrive_g: FloatArray,
        k_for_g: IntArray,
        slot_in: list[tuple[float, float, int]],
        load: float,
        aboard_kg: float,
        leave: float,
        t_ref: float,
        total: float,
        medical_ok: bool,
    ) -> Trip | None:
        """Extend a trip that starts at gathering point ``g1`` and choose its way out."""
        w, inst, rd = self.w, self.w.inst, self.w.roads[vi]
        fixed, pp, cw = inst.stop_fixed, inst.stop_per_person, inst.cargo_weight
        n1 = int(take1.sum())
        t = float(arrive_g[g1])
        dep = t + (fixed + pp * n1 if n1 > 0 or unload1 > 0 else 0.0)
        visits = [(g1, take1, unload1, t, dep)]
        seat_used = int(take1[~w.stretcher].sum())
        str_used = n1 - seat_used
        seats, strs = int(w.seats[vi]), int(w.stretchers[vi])
        kg_left = aboard_kg - unload1
        value = float(take1 @ w.weight + cw * unload1)
        people_n = n1
        medical_on = bool(take1[w.medical].sum() > 0)
        used = {g1}
        while len(visits) < knobs.max_stops and (
            seat_used < seats or str_used < strs or (kg_left > 0 and cw > 0)
        ):
            g_last = visits[-1][0]
            take = self.fill(self.people, seats - seat_used, strs - str_used,
                             total - people_n, medical_ok)  # fmt: skip
            n = take.sum(axis=1)
            unload = np.minimum(kg_left, self.needs)
            gain = take @ w.weight + cw * unload
            busy = (n > 0) | (unload > 0)
            extra = (
                rd.g_to_g[g_last]
                + np.where(busy, fixed + pp * n, 0.0)
                + rd.exit_min
                - rd.exit_min[g_last]
            )
            score = gain - knobs.lam * extra
            score[list(used)] = -INF
            score[gain <= 0] = -INF
            # Only stops after which the vehicle can still get out before the close.
            score[dep + extra + rd.exit_min[g_last] > inst.close] = -INF
            g = int(np.argmax(score))
            if not score[g] > 0 or not math.isfinite(extra[g]):
                break
            arr = dep + float(rd.g_to_g[g_last, g])
            dep = arr + (fixed + pp * float(n[g]) if busy[g] else 0.0)
            visits.append((g, take[g], float(unload[g]), arr, dep))
            used.add(g)
            seat_used += int(take[g][~w.stretcher].sum())
            str_used += int(take[g][w.stretcher].sum())
            people_n += int(n[g])
            kg_left -= float(unload[g])
            value += float(gain[g])
            medical_on = medical_on or bool(take[g][w.medical].sum() > 0)
        trip, excess = self._exit(vi, knobs, visits, dep, people_n, value, medical_on,
                                  k_for_g, slot_in, load, leave, t_ref)  # fmt: skip
        g, take, unload, arr, _ = visits[-1]
        n_last = int(take.sum())
        if trip is None and pp > 0 and 0 < excess < INF:
            # Too late with everyone: take fewer at the last stop, lightest classes first.
            drop = math.ceil(excess / pp - 1e-9)
            if drop < n_last:
                fewer = take.copy()
                for c in reversed(w.order):
                    cut = min(int(fewer[c]), drop)
                    fewer[c] -= cut
                    drop -= cut
                lost = float((take - fewer) @ w.weight)
                n_new = int(fewer.sum())
                dep = arr + (fixed + pp * n_new if n_new > 0 or unload > 0 else 0.0)
                visits[-1] = (g, fewer, unload, arr, dep)
                trip, _ = self._exit(vi, knobs, visits, dep, people_n - (n_last - n_new),
                                     value - lost, medical_on, k_for_g, slot_in, load, leave,
                                     t_ref)  # fmt: skip
        return trip

    def _exit(
        self,
        vi: int,
        knobs: Knobs,
        visits: list[tuple[int, IntArray, float, float, float]],
        dep: float,
        people_n: int,
        value: float,
        medical_on: bool,
        k_for_g: IntArray,
        slot_in: list[tuple[float, float, int]],
        load: float,
        leave: float,
        t_ref: float,
    ) -> tuple[Trip | None, float]:
        """The best way out (checkpoint, then centre) for a trip whose last stop ends at
        ``dep``; with None, by how many minutes the quickest way out without a queue misses
        the close of the window (inf if waiting in a queue is what makes it late)."""
        w, inst, rd = self.w, self.w.inst, self.w.roads[vi]
        fixed, pp = inst.stop_fixed, inst.stop_per_person
        close, g_last = inst.close, visits[-1][0]
        # Small loops in plain Python: a handful of centres and checkpoints per trip.
        cap, cap0 = self.capacity.tolist(), self.capacity0.tolist()
        elig = [
            r for r, c in enumerate(cap) if c >= people_n and (w.r_medical_l[r] or not medical_on)
        ]
        if people_n > 0 and not elig:
            return None, INF
        best: Trip | None = None
        excess = INF
        stop_r = fixed + pp * people_n if people_n > 0 else 0.0
        horizon = -INF
        if knobs.spread > 0:
            # When the first out-lane comes free of every crossing booked so far.
            horizon = min(
                (
                    min((e[-1] if e else -INF) for e in t.ends)
                    for t in self.lanes_out
                    if not t.closed
                ),
                default=-INF,
            )
        span = inst.close - inst.open
        for k, d in enumerate(rd.g_to_k_l[g_last]):
            if not math.isfinite(d) or w.lanes_out[k] == 0:
                continue
            arrive = dep + d
            start, lane = self.lanes_out[k].earliest(arrive)
            end = start + w.svc_out_l[k]
            if not end <= close:
                if start == arrive:
                    excess = min(excess, end - close)
                continue
            row = rd.k_to_r_l[k]
            costs = [(row[r] + rd.r_back_l[r], r) for r in elig if math.isfinite(row[r])]
            costs = [(c, r) for c, r in costs if math.isfinite(c)]
            if not costs:
                continue
            allowed = costs
            if knobs.ration > 0:
                # Beds of the nearer centres are released over the window, so that they keep
                # serving short round trips all day instead of filling up in the first hours.
                share = min(1.0, (end - inst.open) / (knobs.ration * span))
                mean = sum(c for c, _ in costs) / len(costs)
                allowed = [
                    (c, r)
                    for c, r in costs
                    if not (c < mean and cap[r] - people_n < cap0[r] * (1.0 - share))
                ] or costs
            c, r = min(allowed)
            if end + c + stop_r + rd.min_visit > close:
                # The last trip: the drive after the window costs nothing, so leave the
                # centres near the checkpoints to vehicles that come back for more.
                c, r = max(costs)
            elif knobs.spread > 0:
                # While the out-lanes are booked beyond the vehicle's return, a farther centre
                # costs it little or nothing, and the near ones stay free for when it matters.
                due = max(end + c + stop_r + rd.min_visit, horizon)
                c, r = max(
                    (cc, rr)
                    for cc, rr in allowed
                    if max(end + cc + stop_r + rd.min_visit, horizon) <= due + knobs.spread
                )
            arrive_r = end + row[r]
            ready = arrive_r + stop_r
            score = (
                value
                - knobs.flat * (value - people_n * w.floor)
                - knobs.lam * (end - t_ref)
                - knobs.lam * knobs.back * (ready - end)
                - knobs.mu * w.svc_out_l[k]
            )
            if best is None or score > best.score:
                k_in = int(k_for_g[visits[0][0]])
                a_in, s_in, l_in = slot_in[k_in]
                best = Trip(score, value, load, k_in, a_in, s_in, l_in, list(visits), k,
                            arrive, start, lane, r, arrive_r, ready, people_n, leave)  # fmt: skip
        return best, excess

    # ------------------------------------------------------------------ commitment

    def commit(self, vi: int, trip: Trip) -> None:
        """Apply ``trip``: reserve its lane time, take people and cargo, write its stops."""
        w, inst, v, rd = self.w, self.w.inst, self.fleet[vi], self.w.roads[vi]
        drives = rd.drives
        fixed = inst.stop_fixed
        k_in_id, k_out_id = w.k_ids[trip.k_in], w.k_ids[trip.k_out]
        to_k = float(rd.to_k[v.place, trip.k_in])
        stops = v.stops
        if v.fresh:
            self.n_used += 1
            # The vehicle leaves its depot just in time for its in-crossing.
            depart = trip.start_in - to_k
            if trip.load_kg > 0:
                depot = w.d_out
                d_ix = next(i for i, d in enumerate(w.d_ids) if depot[d] == v.place)
                self.supplies[d_ix] -= trip.load_kg
                stops.append({"at": w.inst.outside_ids[v.place], "arrive": depart - fixed,
                              "depart": depart, "load_kg": trip.load_kg})  # fmt: skip
            else:
                stops.append(
                    {"at": w.inst.outside_ids[v.place], "arrive": depart, "depart": depart}
                )
            arrive_in = trip.start_in
            v.fresh = False
        else:
            depart = trip.leave
            arrive_in = depart + to_k
        v.cargo += trip.load_kg
        _drive(drives.outside, v.place, int(w.k_out[trip.k_in]), depart, stops)
        self.lanes_in[trip.k_in].reserve(
            trip.lane_in, trip.start_in, trip.start_in + w.svc_in[trip.k_in]
        )
        end_in = trip.start_in + float(w.svc_in[trip.k_in])
        stops.append({"at": k_in_id, "dir": "in", "arrive": arrive_in, "start": trip.start_in,
                      "end": end_in})  # fmt: skip
        here, leave = int(w.k_in[trip.k_in]), end_in
        aboard = np.zeros(len(w.classes), dtype=np.int64)
        for g, take, unload, arrive, dep in trip.visits:
            _drive(drives.inside, here, int(w.g_in[g]), leave, stops)
            stop: dict[str, Any] = {"at": w.g_ids[g], "arrive": arrive, "depart": dep}
            board = {w.classes[c]: int(n) for c, n in enumerate(take) if n > 0}
            if board:
                stop["board"] = board
            if unload > 0:
                stop["unload_kg"] = unload
                self.needs[g] -= unload
                v.cargo -= unload
            stops.append(stop)
            self.people[g] -= take
            aboard += take
            here, leave = int(w.g_in[g]), dep
        _drive(drives.inside, here, int(w.k_in[trip.k_out]), leave, stops)
        end_out = trip.start_out + float(w.svc_out[trip.k_out])
        self.lanes_out[trip.k_out].reserve(trip.lane_out, trip.start_out, end_out)
        stops.append({"at": k_out_id, "dir": "out", "arrive": trip.arrive_out,
                      "start": trip.start_out, "end": end_out})  # fmt: skip
        r_place = int(w.r_out[trip.reception])
        _drive(drives.outside, int(w.k_out[trip.k_out]), r_place, end_out, stops)
        stop = {
            "at": w.r_ids[trip.reception],
            "arrive": float(trip.arrive_r),
            "depart": float(trip.depart_r),
        }
        alight = {w.classes[c]: int(n) for c, n in enumerate(aboard) if n > 0}
        if alight:
            stop["alight"] = alight
        stops.append(stop)
        self.capacity[trip.reception] -= int(aboard.sum())
        v.place, v.ready = r_place, trip.depart_r

    # ------------------------------------------------------------------ the loop

    def run(
        self,
        knobs: Knobs,
        rng: np.random.Generator | None,
        rho: float = 0.0,
        only: set[int] | None = None,
        deadline: float | None = None,
    ) -> None:
        """Give vehicles trips while a trip brings at least ``rho`` per minute of out-lane
        service; a vehicle without one retires.

        Trips are committed in the order of their out-crossings (earliest first), so the
        out-lanes fill from the front without leaving gaps: a queue holds each vehicle under
        a lower bound of its next out-crossing, the front vehicle's trip is evaluated, and it
        is committed only if it still crosses no later than the next bound in the queue."""
        w = self.w
        order = rng.permutation(len(self.fleet)) if rng is not None else range(len(self.fleet))
        heap: list[tuple[float, int, int]] = []
        for rank, vi in enumerate(order):
            v = self.fleet[vi]
            if not v.done and (only is None or int(vi) in only):
                key = v.ready if math.isfinite(v.ready) else -float(w.roads[vi].to_k[v.place].min())
                heap.append((key, rank, int(vi)))
        heapq.heapify(heap)
        # How far out of order trips may be committed: a trade of speed against lane gaps.
        slack = knobs.slack * float(np.min(w.svc_out, initial=INF)) if len(w.svc_out) else 0.0
        while heap:
            if deadline is not None and monotonic() > deadline:
                raise OutOfTime
            _, rank, vi = heapq.heappop(heap)
            if self.fleet[vi].fresh and not self.may_start(vi):
                self.fleet[vi].done = True  # the vehicle cap is reached: it stays at its depot
                continue
            trip = self.best_trip(vi, knobs, rng)
            if trip is None:
                # Nothing fits now, and lanes, people and beds only get scarcer: retire it.
                self.fleet[vi].done = True
                continue
            if trip.value <= max(rho * float(w.svc_out[trip.k_out]), 0.0):
                continue
            if heap and trip.start_out > heap[0][0] + slack:
                heapq.heappush(heap, (trip.start_out, rank, vi))
                continue
            self.commit(vi, trip)
            heapq.heappush(heap, (self.fleet[vi].ready, rank, vi))

    def construct(
        self, knobs: Knobs, rng: np.random.Generator | None, deadline: float | None = None
    ) -> None:
        """Valuable trips first, then anything that still fits, biggest vehicles first."""
        self.run(knobs, rng, knobs.rho, deadline=deadline)
        # What is left goes to the biggest vehicles first: a slot an ambulance takes is a
        # slot a bus cannot.
        room = self.w.seats + self.w.stretchers
        for size in sorted(set(room.tolist()), reverse=True):
            self.run(knobs, rng, 0.0, {i for i in range(len(room)) if room[i] == size}, deadline)

    def clone(self) -> Builder:
        other = Builder.__new__(Builder)
        other.w = self.w
        other.people = self.people.copy()
        other.needs = self.needs.copy()
        other.supplies = self.supplies.copy()
        other.capacity = self.capacity.copy()
        other.capacity0 = self.capacity0
        other.lanes_in = [t.copy() for t in self.lanes_in]
        other.lanes_out = [t.copy() for t in self.lanes_out]
        other.fleet = [
            Vehicle(v.place, v.ready, v.cargo, list(v.stops), v.fresh, v.done) for v in self.fleet
        ]
        other.n_used = self.n_used
        other.benched = set(self.benched)
        return other

    # ------------------------------------------------------------------ the fleet choice

    def may_start(self, vi: int) -> bool:
        """Whether vehicle ``vi``, still at its depot, may leave it under the vehicle cap: the
        pinned vehicles that have not started keep their places."""
        cap = self.w.cap
        if cap is None:
            return True
        if vi in self.w.pinned:
            return self.n_used < cap
        waiting = sum(1 for p in self.w.pinned if self.fleet[p].fresh and not self.fleet[p].done)
        return self.n_used + waiting < cap

    def bench(self, chosen: set[int]) -> None:
        """Hold back every vehicle at its depot that is not ``chosen`` (nor pinned)."""
        for vi, v in enumerate(self.fleet):
            if v.fresh and not v.done and vi not in chosen and vi not in self.w.pinned:
                v.done = True
                self.benched.add(vi)

    def release(self, order: list[int], knobs: Knobs, rng: np.random.Generator | None,
                deadline: float | None = None) -> None:  # fmt: skip
        """While the cap leaves room, let benched vehicles (in ``order``) take what is left."""
        for vi in order:
            if self.w.cap is not None and self.n_used >= self.w.cap:
                return
            if vi in self.benched:
                self.benched.discard(vi)
                self.fleet[vi].done = False
                self.run(knobs, rng, 0.0, {vi}, deadline)

    def routes(self) -> list[dict[str, Any]]:
        """The routes as plan JSON (plain floats), vehicles that never moved left out."""
        for v in self.fleet:
            for stop in v.stops:
                for key, val in stop.items():
                    if isinstance(val, np.floating):
                        stop[key] = float(val)
        return [
            {"vehicle": v.name, "stops": s.stops}
            for v, s in zip(self.w.vehicles, self.fleet, strict=True)
            if len(s.stops) > 1
        ]


def _drive(side: Side, i: int, j: int, leave: float, stops: list[dict[str, Any]]) -> None:
    """Append the pass-through stops of the quickest drive from ``i`` to ``j``."""
    if i == j:
        return
    path = side.path(i, j)
    t = leave
    for a, b in pairwise(path[:-1]):
        t += float(side.direct[a, b])
        stops.append({"at": side.ids[b], "arrive": t, "depart": t})
