"""The exact MILP of the trip model (:mod:`.trips`), built in HiGHS.

Each vehicle makes up to ``J`` trips. Times are continuous minutes; two crossings that share a
checkpoint, a direction and a lane are ordered one after the other (big-M disjunctions), with a
lane-assignment binary where there are several lanes, so no time grid rounds anything. Every
time rule is kept with ``eps`` minutes of margin (negative: relaxed by that much).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from corridor.planning.highs import new_highs

if TYPE_CHECKING:
    from corridor.planning.exact.trips import FloatArray
    from corridor.planning.instance import Gathering, Instance, Vehicle

INF = math.inf


@dataclass
class TripVars:
    """The variables of one trip (``u``: the trip is made)."""

    u: Any
    ia: dict[str, Any]  # in at checkpoint
    ob: dict[str, Any]  # out at checkpoint
    rr: dict[str, Any]  # to reception centre
    x: list[dict[str, Any]]  # [position][gathering point]: stops there at that position
    n: dict[tuple[int, str, str], Any]  # (position, point, class): people who board
    s_in: Any = None
    t_arr: list[Any] = field(default_factory=list)
    t_dep: list[Any] = field(default_factory=list)
    s_out: Any = None
    t_rec: Any = None
    t_left: Any = None


@dataclass
class TripMILP:
    """The model of one instance (see the module docstring); :meth:`build` fills it."""

    instance: Instance
    vehicles: list[Vehicle]
    trips: dict[str, int]  # per vehicle type
    dist: dict[str, FloatArray]  # per vehicle type, same-side drives (trips.same_side)
    oi: dict[str, int]
    ii: dict[str, int]
    eps: float
    big: float
    pinned: frozenset[str] = frozenset()
    h: Any = None
    obj: list[Any] = field(default_factory=list)
    trips_of: dict[str, list[TripVars]] = field(default_factory=dict)
    lane_of: dict[tuple[str, str], list[list[Any]]] = field(default_factory=dict)
    crossings: dict[tuple[str, str], list[tuple[Any, Any, tuple[str, int]]]] = field(
        default_factory=dict
    )
    supply: dict[tuple[str, str], list[Any]] = field(default_factory=dict)
    beds: dict[str, list[Any]] = field(default_factory=dict)

    @property
    def gpts(self) -> list[Gathering]:
        return [g for g in self.instance.gathering if sum(g.people.values()) > 0]

    def build(self, time_limit: float) -> TripMILP:
        h = self.h = new_highs()
        h.setOptionValue("time_limit", float(max(time_limit, 0.5)))
        h.setOptionValue("mip_rel_gap", 0.0)
        h.setOptionValue("threads", 1)
        h.setOptionValue("random_seed", 0)
        self.beds = {r.id: [] for r in self.instance.receptions}
        for v in self.vehicles:
            trips: list[TripVars] = []
            for j in range(self.trips[v.type]):
                trips.append(self._trip(v, j, trips[-1] if trips else None))
            self.trips_of[v.name] = trips
        self._fleet_rows()
        for (g_id, c), vars_ in self.supply.items():
            g = next(g for g in self.gpts if g.id == g_id)
            h.addConstr(sum(vars_) <= g.people[c])
        for r in self.instance.receptions:
            if self.beds[r.id]:
                h.addConstr(sum(self.beds[r.id]) <= math.floor(r.capacity + 1e-9))
        self._lanes()
        return self

    def _fleet_rows(self) -> None:
        """Symmetry: of two vehicles of one depot and type (both pinned or neither), the first
        makes at least as many trips. Under ``max_vehicles``: at most that many vehicles make
        a trip, the pinned ones counted first."""
        h, used = self.h, {v: sum(t.u for t in ts) if ts else 0 for v, ts in self.trips_of.items()}
        for a, b in itertools.pairwise(self.vehicles):
            same = a.depot == b.depot and a.type == b.type
            if same and (a.name in self.pinned) == (b.name in self.pinned) and self.trips[a.type]:
                h.addConstr(used[a.name] >= used[b.name])
        cap = self.instance.max_vehicles
        if cap is None:
            return
        free = [ts[0].u for v, ts in self.trips_of.items() if ts and v not in self.pinned]
        room = cap - sum(1 for v in self.vehicles if v.name in self.pinned)
        if free and len(free) > room:
            h.addConstr(sum(free) <= max(room, 0))

    def _trip(self, v: Vehicle, j: int, prev: TripVars | None) -> TripVars:
        """The variables and rules of vehicle ``v``'s trip ``j`` (after ``prev``)."""
        h, inst = self.h, self.instance
        cps, recs = inst.checkpoints, inst.receptions
        u = h.addBinary()
        if prev is not None:
            h.addConstr(u <= prev.u)
        ia = {k.id: h.addBinary() for k in cps if k.inward.lanes > 0}
        ob = {k.id: h.addBinary() for k in cps if k.outward.lanes > 0}
        rr = {r.id: h.addBinary() for r in recs}
        h.addConstr(sum(ia.values()) == u)
        h.addConstr(sum(ob.values()) == u)
        h.addConstr(sum(rr.values()) == u)
        n_pos = len(self.gpts)
        x = [{g.id: h.addBinary() for g in self.gpts} for _ in range(n_pos)]
        h.addConstr(sum(x[0].values()) == u)
        for p in range(1, n_pos):
            h.addConstr(sum(x[p].values()) <= sum(x[p - 1].values()))
        for g in self.gpts:
            h.addConstr(sum(x[p][g.id] for p in range(n_pos)) <= 1)
        tr = TripVars(u, ia, ob, rr, x, {})
        self._people(v, tr)
        self._times(v, j, tr, prev)
        for k in cps:
            if k.id in ia:
                self.crossings.setdefault((k.id, "in"), []).append((tr.s_in, ia[k.id], (v.name, j)))
            if k.id in ob:
                self.crossings.setdefault((k.id, "out"), []).append(
                    (tr.s_out, ob[k.id], (v.name, j))
                )
        return tr

    def _people(self, v: Vehicle, tr: TripVars) -> None:
        """Who boards where (within room and who waits), and where they alight."""
        h, inst = self.h, self.instance
        classes, recs, vt = inst.classes, inst.receptions, inst.vehicle_types[v.type]
        n_pos = len(self.gpts)
        for p in range(n_pos):
            for g in self.gpts:
                for c, cnt in g.people.items():
                    room = vt.stretchers if classes[c].stretcher else vt.seats
                    if cnt <= 0 or room <= 0:
                        continue
                    var = h.addIntegral(lb=0, ub=min(cnt, room))
                    h.addConstr(var <= min(cnt, room) * tr.x[p][g.id])
                    tr.n[p, g.id, c] = var
                    self.supply.setdefault((g.id, c), []).append(var)
                    self.obj.append(classes[c].weight * var)
        load = sum(tr.n.values())
        seated = sum(var for (_, _, c), var in tr.n.items() if not classes[c].stretcher)
        stretch = sum(var for (_, _, c), var in tr.n.items() if classes[c].stretcher)
        h.addConstr(seated <= vt.seats * tr.u)
        h.addConstr(stretch <= vt.stretchers * tr.u)
        medical = [var for (_, _, c), var in tr.n.items() if classes[c].medical]
        if medical:  # (nobody of a medical class waiting: no row, not a constant "0 <= 0")
            med_room = vt.seats + vt.stretchers
            h.addConstr(sum(medical) <= med_room * sum(tr.rr[r.id] for r in recs if r.medical))
        cap = vt.seats + vt.stretchers
        alight = {}
        for r in recs:
            a_r = h.addVariable(lb=0, ub=cap)
            h.addConstr(a_r <= cap * tr.rr[r.id])
            self.beds[r.id].append(a_r)
            alight[r.id] = a_r
        h.addConstr(sum(alight.values()) == load)

    def _times(self, v: Vehicle, j: int, tr: TripVars, prev: TripVars | None) -> None:
        """The trip's times, each no earlier than the rules allow (big-M on the choices)."""
        h, inst, eps, big = self.h, self.instance, self.eps, self.big
        cps, recs, fixed, pp = (
            inst.checkpoints, inst.receptions, inst.stop_fixed, inst.stop_per_person,
        )  # fmt: skip
        t_lo, t_hi = inst.open - big, inst.close + big
        n_pos = len(self.gpts)
        tr.s_in = h.addVariable(lb=t_lo, ub=t_hi)
        tr.t_arr = [h.addVariable(lb=t_lo, ub=t_hi) for _ in range(n_pos)]
        tr.t_dep = [h.addVariable(lb=t_lo, ub=t_hi) for _ in range(n_pos)]
        tr.s_out = h.addVariable(lb=t_lo, ub=t_hi)
        tr.t_rec = h.addVariable(lb=t_lo, ub=t_hi)
        tr.t_left = h.addVariable(lb=t_lo, ub=t_hi)
        h.addConstr(tr.s_in >= inst.open + eps - big * (1 - tr.u))
        e_in = tr.s_in + sum(k.inward.service * tr.ia[k.id] for k in cps if k.id in tr.ia)
        at_pos = [sum(var for (q, _, _), var in tr.n.items() if q == p) for p in range(n_pos)]
        for p in range(n_pos):
            used_p = sum(tr.x[p].values())
            h.addConstr(tr.t_dep[p] >= tr.t_arr[p] + fixed * used_p + pp * at_pos[p] + eps * used_p)
            for g in self.gpts:
                self._stop_times(v, tr, p, g, e_in)
        e_out = tr.s_out + sum(k.outward.service * tr.ob[k.id] for k in cps if k.id in tr.ob)
        h.addConstr(e_out <= inst.close - eps + big * (1 - tr.u))
        d, oi = self.dist[v.type], self.oi
        for k in cps:
            if k.id not in tr.ob:
                continue
            for r in recs:
                self._after(tr.t_rec, e_out, d[oi[k.id], oi[r.id]], tr.ob[k.id], tr.rr[r.id])
        h.addConstr(tr.t_left >= tr.t_rec + fixed * tr.u + pp * sum(tr.n.values()) + eps)
        for k in cps:
            if k.id not in tr.ia:
                continue
            if prev is None:  # the vehicle's depot must reach the first checkpoint
                if d[oi[v.depot], oi[k.id]] == INF:
                    h.addConstr(tr.ia[k.id] == 0)
                continue
            for r in recs:
                self._after(tr.s_in, prev.t_left, d[oi[r.id], oi[k.id]], prev.rr[r.id], tr.ia[k.id])

    def _stop_times(self, v: Vehicle, tr: TripVars, p: int, g: Gathering, e_in: Any) -> None:
        """Arrival at ``g`` in position ``p`` after the previous stop (or the crossing), and
        the out-crossing after leaving it."""
        d, ii, cps = self.dist[v.type], self.ii, self.instance.checkpoints
        if p == 0:
            for k in cps:
                if k.id in tr.ia:
                    self._after(
                        tr.t_arr[0], e_in, d[ii[k.id], ii[g.id]], tr.ia[k.id], tr.x[0][g.id]
                    )
        else:
            for g0 in self.gpts:
                if g0.id != g.id:
                    self._after(tr.t_arr[p], tr.t_dep[p - 1], d[ii[g0.id], ii[g.id]],
                                tr.x[p - 1][g0.id], tr.x[p][g.id])  # fmt: skip
        for k in cps:
            if k.id in tr.ob:
                self._after(
                    tr.s_out, tr.t_dep[p], d[ii[g.id], ii[k.id]], tr.x[p][g.id], tr.ob[k.id]
                )

    def _after(self, later: Any, earlier: Any, minutes: float, first: Any, second: Any) -> None:
        """``later >= earlier + minutes`` when both choices are made; no road: not both."""
        h = self.h
        if minutes == INF:
            h.addConstr(first + second <= 1)
        else:
            h.addConstr(later >= earlier + minutes + self.eps - self.big * (2 - first - second))

    def _lanes(self) -> None:
        """Crossings that share a checkpoint, a direction and a lane do not overlap."""
        h, eps, big = self.h, self.eps, self.big
        cps = {k.id: k for k in self.instance.checkpoints}
        for (k_id, direction), items in self.crossings.items():
            spec = cps[k_id].inward if direction == "in" else cps[k_id].outward
            if spec.service <= 0:
                continue
            n_lanes = min(spec.lanes, len(items))
            lanes = []
            for _s, use, _who in items:
                row = [h.addBinary() for _ in range(n_lanes)]
                h.addConstr(sum(row) == use)
                lanes.append(row)
            self.lane_of[k_id, direction] = lanes
            for i, i2 in itertools.combinations(range(len(items)), 2):
                s1, _, who1 = items[i]
                s2, _, who2 = items[i2]
                if who1[0] == who2[0]:
                    continue  # one vehicle's trips are in order already
                first = h.addBinary()  # 1: crossing i goes first
                for ln in range(n_lanes):
                    both = 2 - lanes[i][ln] - lanes[i2][ln]
                    h.addConstr(s2 >= s1 + spec.service + eps - big * (1 - first) - big * both)
                    h.addConstr(s1 >= s2 + spec.service + eps - big * first - big * both)
