"""An exact MILP for small CEP instances: trips with continuous times, lanes as disjunctions.

Each vehicle makes up to ``J`` trips (a proven limit, from the shortest possible cycle). A trip
crosses in at one checkpoint, stops at gathering points in an order the model chooses (each at
most once), crosses out at one checkpoint, drives to one reception centre where everyone alights,
and drives back for the next trip. Times are continuous minutes; two crossings that share a
checkpoint, a direction and a lane are ordered one after the other (big-M disjunctions), so no
time grid rounds anything. HiGHS solves it; :func:`solve_exact` returns the best plan found, in
the ``cep-plan/1`` format, and a bound that holds for every feasible plan.

When is the model's own optimum the optimum of every plan? When a plan may assume, without
losing anything, the trip shape above: one checkpoint (leaving the zone and coming back in
without alighting then only costs lane time and minutes), one reception centre (a load is never
worth splitting between centres) and no cargo (no depot reloading). Then ``bound`` is the MILP's
dual bound. Otherwise ``bound`` is the relaxation bound of :mod:`corridor.planning.bound`, and
``optimal`` is claimed only when the plan's score reaches it.
"""

from __future__ import annotations

import itertools
import math
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from corridor.planning.bound import new_highs, quickest_minutes, upper_bound

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
    ``bound`` an upper bound on the score of every feasible plan, ``optimal`` whether
    ``score`` has been proven to equal the best possible, ``complete`` whether the trip model
    covers every plan worth making (see the module docstring), ``status`` HiGHS's word.
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
        if self.bound <= 0:
            return 0.0
        return max(0.0, (self.bound - self.score) / self.bound)


def model_is_complete(instance: Instance) -> bool:
    """Whether every plan can be turned into one of the model's shape without losing score."""
    no_cargo = instance.cargo_weight <= 0 or all(g.needs_kg <= 0 for g in instance.gathering)
    return len(instance.checkpoints) == 1 and len(instance.receptions) == 1 and no_cargo


def _max_trips(instance: Instance, d: Any, oi: dict[str, int], ii: dict[str, int]) -> int:
    """At most this many loads per vehicle: the first ends no earlier than open + visit, each
    next one a full cycle later, and the last must be out by close."""
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


def max_trips(instance: Instance) -> int:
    """A proven limit on the loads one vehicle can bring out inside the window."""
    oi, ii, d = quickest_minutes(instance)
    return _max_trips(instance, d, oi, ii)


def solve_exact(instance: Instance, time_limit: float, max_trips: int | None = None) -> ExactResult:
    """Solve the trip MILP for at most ``time_limit`` seconds.

    >>> from corridor.planning.instance import load_instance
    >>> r = solve_exact(load_instance("data/cep/tiny.json"), 60)
    >>> r.optimal and r.score >= 181
    True
    """

    t0 = time.perf_counter()
    oi, ii, mixed = quickest_minutes(instance)
    d = _same_side(instance, oi, ii)
    complete = model_is_complete(instance)
    cps, recs, fixed, pp = (
        instance.checkpoints,
        instance.receptions,
        instance.stop_fixed,
        instance.stop_per_person,
    )
    classes = instance.classes
    gpts = [g for g in instance.gathering if sum(g.people.values()) > 0]
    n_pos = len(gpts)
    trips = _max_trips(instance, mixed, oi, ii)
    if max_trips is not None:
        trips = min(trips, max_trips)
    span = instance.close - instance.open
    finite = d[d < INF]
    big = 2 * span + 4 * (float(finite.max()) if finite.size else 0.0) + 100.0
    t_lo, t_hi = instance.open - big, instance.close + big

    def build(eps: float, limit: float) -> tuple[Any, list[Any], Any, Any, Any]:
        """The model with every time rule kept by eps minutes (negative: relaxed)."""
        h = new_highs()
        h.setOptionValue("time_limit", float(max(limit, 0.5)))
        h.setOptionValue("mip_rel_gap", 0.0)
        h.setOptionValue("threads", 1)
        h.setOptionValue("random_seed", 0)

        vehicles = [
            v
            for v in instance.vehicles
            if instance.vehicle_types[v.type].seats + instance.vehicle_types[v.type].stretchers > 0
        ]
        obj: list[Any] = []
        supply: dict[tuple[str, str], list[Any]] = {}
        beds: dict[str, list[Any]] = {r.id: [] for r in recs}
        crossings: dict[
            tuple[str, str], list[tuple[Any, Any, Any]]
        ] = {}  # (k, dir) -> (start, use_k, trip id)
        trips_of: dict[str, list[dict[str, Any]]] = {}
        used_count: dict[str, Any] = {}

        def bin_() -> Any:
            return h.addBinary()

        for v in vehicles:
            vt = instance.vehicle_types[v.type]
            plan_trips: list[dict[str, Any]] = []
            for j in range(trips):
                tr: dict[str, Any] = {"j": j}
                u = tr["u"] = bin_()
                if j > 0:
                    h.addConstr(u <= plan_trips[-1]["u"])
                ia = {k.id: bin_() for k in cps if k.inward.lanes > 0}
                ob = {k.id: bin_() for k in cps if k.outward.lanes > 0}
                rr = {r.id: bin_() for r in recs}
                h.addConstr(sum(ia.values()) == u)
                h.addConstr(sum(ob.values()) == u)
                h.addConstr(sum(rr.values()) == u)
                x = [{g.id: bin_() for g in gpts} for _ in range(n_pos)]
                h.addConstr(sum(x[0].values()) == u)
                for p in range(1, n_pos):
                    h.addConstr(sum(x[p].values()) <= sum(x[p - 1].values()))
                for g in gpts:
                    h.addConstr(sum(x[p][g.id] for p in range(n_pos)) <= 1)
                # people boarding at position p from point g, by class
                n: dict[tuple[int, str, str], Any] = {}
                for p in range(n_pos):
                    for g in gpts:
                        for c, cnt in g.people.items():
                            room = vt.stretchers if classes[c].stretcher else vt.seats
                            if cnt <= 0 or room <= 0:
                                continue
                            var = h.addIntegral(lb=0, ub=min(cnt, room))
                            h.addConstr(var <= min(cnt, room) * x[p][g.id])
                            n[p, g.id, c] = var
                            supply.setdefault((g.id, c), []).append(var)
                            obj.append(classes[c].weight * var)
                at_pos = [
                    sum(var for (pp_, _, _), var in n.items() if pp_ == p) for p in range(n_pos)
                ]
                load = sum(n.values())
                seated = sum(var for (_, _, c), var in n.items() if not classes[c].stretcher)
                stretch = sum(var for (_, _, c), var in n.items() if classes[c].stretcher)
                h.addConstr(seated <= vt.seats * u)
                h.addConstr(stretch <= vt.stretchers * u)
                medical = sum(var for (_, _, c), var in n.items() if classes[c].medical)
                med_room = vt.seats + vt.stretchers
                h.addConstr(medical <= med_room * sum(rr[r.id] for r in recs if r.medical))
                cap = vt.seats + vt.stretchers
                for r in recs:
                    a_r = h.addVariable(lb=0, ub=cap)
                    h.addConstr(a_r <= cap * rr[r.id])
                    beds[r.id].append(a_r)
                    tr.setdefault("a", {})[r.id] = a_r
                h.addConstr(sum(tr["a"].values()) == load)
                # times
                s_in = h.addVariable(lb=t_lo, ub=t_hi)
                t_arr = [h.addVariable(lb=t_lo, ub=t_hi) for _ in range(n_pos)]
                t_dep = [h.addVariable(lb=t_lo, ub=t_hi) for _ in range(n_pos)]
                s_out = h.addVariable(lb=t_lo, ub=t_hi)
                t_rec = h.addVariable(lb=t_lo, ub=t_hi)
                t_left = h.addVariable(lb=t_lo, ub=t_hi)
                h.addConstr(s_in >= instance.open + eps - big * (1 - u))
                e_in = s_in + sum(k.inward.service * ia[k.id] for k in cps if k.id in ia)
                for p in range(n_pos):
                    used_p = sum(x[p].values())
                    h.addConstr(
                        t_dep[p] >= t_arr[p] + fixed * used_p + pp * at_pos[p] + eps * used_p
                    )
                    for g in gpts:
                        if p == 0:
                            for k in cps:
                                if k.id in ia:
                                    dist = d[ii[k.id], ii[g.id]]
                                    if dist == INF:
                                        h.addConstr(ia[k.id] + x[0][g.id] <= 1)
                                    else:
                                        h.addConstr(
                                            t_arr[0]
                                            >= e_in + dist + eps - big * (2 - ia[k.id] - x[0][g.id])
                                        )
                        else:
                            for g0 in gpts:
                                if g0.id == g.id:
                                    continue
                                dist = d[ii[g0.id], ii[g.id]]
                                if dist == INF:
                                    h.addConstr(x[p - 1][g0.id] + x[p][g.id] <= 1)
                                else:
                                    h.addConstr(
                                        t_arr[p]
                                        >= t_dep[p - 1]
                                        + dist
                                        + eps
                                        - big * (2 - x[p - 1][g0.id] - x[p][g.id])
                                    )
                        for k in cps:
                            if k.id in ob:
                                dist = d[ii[g.id], ii[k.id]]
                                if dist == INF:
                                    h.addConstr(x[p][g.id] + ob[k.id] <= 1)
                                else:
                                    h.addConstr(
                                        s_out
                                        >= t_dep[p] + dist + eps - big * (2 - x[p][g.id] - ob[k.id])
                                    )
                e_out = s_out + sum(k.outward.service * ob[k.id] for k in cps if k.id in ob)
                h.addConstr(e_out <= instance.close - eps + big * (1 - u))
                for k in cps:
                    if k.id not in ob:
                        continue
                    for r in recs:
                        dist = d[oi[k.id], oi[r.id]]
                        if dist == INF:
                            h.addConstr(ob[k.id] + rr[r.id] <= 1)
                        else:
                            h.addConstr(
                                t_rec >= e_out + dist + eps - big * (2 - ob[k.id] - rr[r.id])
                            )
                h.addConstr(t_left >= t_rec + fixed * u + pp * load + eps)
                if j == 0:
                    for k in cps:  # the vehicle's depot must reach the first checkpoint
                        if k.id in ia and d[oi[v.depot], oi[k.id]] == INF:
                            h.addConstr(ia[k.id] == 0)
                else:
                    prev = plan_trips[-1]
                    for r in recs:
                        for k in cps:
                            if k.id not in ia:
                                continue
                            dist = d[oi[r.id], oi[k.id]]
                            if dist == INF:
                                h.addConstr(prev["rr"][r.id] + ia[k.id] <= 1)
                            else:
                                h.addConstr(
                                    s_in
                                    >= prev["t_left"]
                                    + dist
                                    + eps
                                    - big * (2 - prev["rr"][r.id] - ia[k.id])
                                )
                tr.update(
                    u=u, ia=ia, ob=ob, rr=rr, x=x, n=n, s_in=s_in, t_arr=t_arr, t_dep=t_dep,
                    s_out=s_out, t_rec=t_rec, t_left=t_left,
                )  # fmt: skip
                for k in cps:
                    if k.id in ia:
                        crossings.setdefault((k.id, "in"), []).append((s_in, ia[k.id], (v.name, j)))
                    if k.id in ob:
                        crossings.setdefault((k.id, "out"), []).append(
                            (s_out, ob[k.id], (v.name, j))
                        )
                plan_trips.append(tr)
            trips_of[v.name] = plan_trips
            used_count[v.name] = sum(t["u"] for t in plan_trips) if plan_trips else 0

        # Symmetry: of two vehicles of one depot and type, the first makes at least as many trips.
        for a, b in itertools.pairwise(vehicles):
            if a.depot == b.depot and a.type == b.type and trips:
                h.addConstr(used_count[a.name] >= used_count[b.name])
        for (g_id, c), vars_ in supply.items():
            g = next(g for g in gpts if g.id == g_id)
            h.addConstr(sum(vars_) <= g.people[c])
        for r in recs:
            if beds[r.id]:
                h.addConstr(sum(beds[r.id]) <= math.floor(r.capacity + 1e-9))
        # Lanes: crossings that share a checkpoint, a direction and a lane do not overlap.
        lane_of: dict[tuple[str, str], list[list[Any]]] = {}
        for (k_id, direction), items in crossings.items():
            k = next(k for k in cps if k.id == k_id)
            spec = k.inward if direction == "in" else k.outward
            if spec.service <= 0:
                continue
            n_lanes = min(spec.lanes, len(items))
            lanes = []
            for _s, use, _who in items:
                row = [bin_() for _ in range(n_lanes)]
                h.addConstr(sum(row) == use)
                lanes.append(row)
            lane_of[k_id, direction] = lanes
            for i in range(len(items)):
                for i2 in range(i + 1, len(items)):
                    s1, _, who1 = items[i]
                    s2, _, who2 = items[i2]
                    if who1[0] == who2[0]:
                        continue  # one vehicle's trips are in order already
                    first = bin_()  # 1: crossing i goes first
                    for ln in range(n_lanes):
                        both = 2 - lanes[i][ln] - lanes[i2][ln]
                        h.addConstr(s2 >= s1 + spec.service + eps - big * (1 - first) - big * both)
                        h.addConstr(s1 >= s2 + spec.service + eps - big * first - big * both)
        return h, obj, trips_of, lane_of, crossings

    plan: dict[str, Any] | None = None
    score = 0.0
    mip_bound = INF
    status = "not run"
    if complete:
        # Where the model covers every plan, its dual bound is the bound; it comes from the
        # model with every rule relaxed by RELAX minutes, so that the referee's tolerances
        # cannot let a plan beat it. Its best solution, re-timed from the rules, is the plan
        # if it still fits the window exactly (it nearly always does).
        hb, obj_b, trips_b, lanes_b, cross_b = build(-RELAX, 0.8 * time_limit)
        if not obj_b:
            return _empty(instance, complete, t0)
        hb.maximize(sum(obj_b))
        status = hb.modelStatusToString(hb.getModelStatus())
        mip_bound = float(hb.getInfo().mip_dual_bound)
        if hb.getInfo().primal_solution_status == 2:  # a feasible solution
            p, sc = _plan_from(hb, instance, trips_b, lanes_b, cross_b, d, oi, ii)
            if _fits_window(instance, p):
                plan, score = p, sc
    if plan is None:
        left = max(0.5, time_limit - (time.perf_counter() - t0))
        h, obj, trips_of, lane_of, crossings = build(EPS, left)
        if not obj:
            return _empty(instance, complete, t0)
        h.maximize(sum(obj))
        status = h.modelStatusToString(h.getModelStatus())
        if h.getInfo().primal_solution_status == 2:
            plan, score = _plan_from(h, instance, trips_of, lane_of, crossings, d, oi, ii)
    if not math.isfinite(mip_bound) or abs(mip_bound) >= 1e30:
        mip_bound = INF
    else:
        mip_bound += 1e-6 * max(1.0, abs(mip_bound))
        if all(float(p.weight).is_integer() for p in classes.values()):
            mip_bound = float(math.floor(mip_bound))
    relaxation = upper_bound(instance, time_limit=max(5.0, time_limit / 4), exact=False).value
    bound = min(relaxation, mip_bound) if complete else relaxation
    bound = max(bound, score)  # never below a feasible score (it cannot be, up to rounding)
    optimal = plan is not None and score >= bound - 1e-6
    return ExactResult(
        plan=plan,
        score=score,
        bound=bound,
        optimal=optimal,
        complete=complete,
        status=status,
        seconds=time.perf_counter() - t0,
    )


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


def _plan_from(
    h: Any,
    instance: Instance,
    trips_of: dict[str, list[dict[str, Any]]],
    lane_of: dict[tuple[str, str], list[list[Any]]],
    crossings: dict[tuple[str, str], list[tuple[Any, Any, Any]]],
    d: Any,
    oi: dict[str, int],
    ii: dict[str, int],
) -> tuple[dict[str, Any], float]:
    """Turn the MILP's solution into a plan, re-timing it exactly from the rules.

    The MILP fixes who goes where, which lane each crossing uses and in which order; the times
    are then recomputed as the earliest the rules allow (a lane is free when its previous
    crossing ends), so the plan does not depend on the solver's rounding of continuous times.
    """
    val = h.val
    classes = instance.classes
    cps = {k.id: k for k in instance.checkpoints}
    routes: list[dict[str, Any]] = []
    # choices per used trip
    chosen: dict[str, list[dict[str, Any]]] = {}
    for vname, trs in trips_of.items():
        out = []
        for tr in trs:
            if val(tr["u"]) < 0.5:
                break
            k_in = max(tr["ia"], key=lambda k: val(tr["ia"][k]))
            k_out = max(tr["ob"], key=lambda k: val(tr["ob"][k]))
            rec = max(tr["rr"], key=lambda r: val(tr["rr"][r]))
            visits: list[tuple[str, dict[str, int]]] = []
            for p, row in enumerate(tr["x"]):
                g = [g for g, b in row.items() if val(b) > 0.5]
                if not g:
                    break
                board = {
                    c: round(val(var))
                    for (pp_, gid, c), var in tr["n"].items()
                    if pp_ == p and gid == g[0] and round(val(var)) > 0
                }
                visits.append((g[0], board))
            out.append(
                {"in": k_in, "out": k_out, "rec": rec, "stops": visits,
                 "s_in": val(tr["s_in"]), "s_out": val(tr["s_out"])}
            )  # fmt: skip
        if out:
            chosen[vname] = out
    # lane and order of each crossing, from the solution
    lane_key: dict[tuple[str, int, str], tuple[str, str, int]] = {}
    for (k_id, direction), items in crossings.items():
        lanes = lane_of.get((k_id, direction))
        for idx, (_s, use, who) in enumerate(items):
            if val(use) > 0.5:
                ln = 0
                if lanes:
                    ln = max(range(len(lanes[idx])), key=lambda i: val(lanes[idx][i]))
                lane_key[who[0], who[1], direction] = (k_id, direction, ln)
    fixed, pp = instance.stop_fixed, instance.stop_per_person
    # Re-time: repeat until stable; each pass is the earliest schedule given the lane orders.
    lane_free: dict[tuple[str, str, int], list[tuple[float, str, int]]] = {}
    for vname, trs in chosen.items():
        for j, tr in enumerate(trs):
            for direction, key in (("in", "s_in"), ("out", "s_out")):
                lk = lane_key.get((vname, j, direction))
                if lk is not None:
                    lane_free.setdefault(lk, []).append((tr[key], vname, j))
    order = {lk: sorted(v) for lk, v in lane_free.items()}
    prev_on_lane: dict[tuple[str, int, str], tuple[str, int, str] | None] = {}
    for (_k, direction, _ln), seq in order.items():
        for i, (_t, vname, j) in enumerate(seq):
            prev_on_lane[vname, j, direction] = (
                (seq[i - 1][1], seq[i - 1][2], direction) if i else None
            )
    ends: dict[tuple[str, int, str], float] = {}
    timed: dict[str, list[dict[str, Any]]] = {}
    for _ in range(4 * sum(len(t) for t in chosen.values()) + 4):
        changed = False
        for vname, trs in chosen.items():
            stops_out: list[dict[str, Any]] = []
            clock = -INF
            depot = next(v.depot for v in instance.vehicles if v.name == vname)
            for j, tr in enumerate(trs):
                k_in, k_out, rec = cps[tr["in"]], cps[tr["out"]], tr["rec"]
                if j == 0:
                    reach = instance.open
                    lane_prev = prev_on_lane.get((vname, j, "in"))
                    if lane_prev is not None:
                        reach = max(reach, ends.get(lane_prev, -INF))
                    start = reach
                    leave = start - d[oi[depot], oi[k_in.id]]
                    stops_out.append({"at": depot, "arrive": leave, "depart": leave})
                    arrive = start
                else:
                    arrive = clock + d[oi[trs[j - 1]["rec"]], oi[k_in.id]]
                    start = max(arrive, instance.open)
                    lane_prev = prev_on_lane.get((vname, j, "in"))
                    if lane_prev is not None:
                        start = max(start, ends.get(lane_prev, -INF))
                end = start + k_in.inward.service
                if ends.get((vname, j, "in")) != end:
                    changed = True
                    ends[vname, j, "in"] = end
                stops_out.append(
                    {"at": k_in.id, "dir": "in", "arrive": arrive, "start": start, "end": end}
                )
                here, clock = ii[k_in.id], end
                load = 0
                for g, board in tr["stops"]:
                    arrive = clock + d[here, ii[g]]
                    people = sum(board.values())
                    depart = arrive + (fixed + pp * people if people else 0.0)
                    stop: dict[str, Any] = {"at": g, "arrive": arrive, "depart": depart}
                    if board:
                        stop["board"] = dict(board)
                    stops_out.append(stop)
                    here, clock, load = ii[g], depart, load + people
                arrive = clock + d[here, ii[k_out.id]]
                start = arrive
                lane_prev = prev_on_lane.get((vname, j, "out"))
                if lane_prev is not None:
                    start = max(start, ends.get(lane_prev, -INF))
                end = start + k_out.outward.service
                if ends.get((vname, j, "out")) != end:
                    changed = True
                    ends[vname, j, "out"] = end
                stops_out.append(
                    {"at": k_out.id, "dir": "out", "arrive": arrive, "start": start, "end": end}
                )
                arrive = end + d[oi[k_out.id], oi[rec]]
                alight: dict[str, int] = {}
                for _g, board in tr["stops"]:
                    for c, m in board.items():
                        alight[c] = alight.get(c, 0) + m
                people = sum(alight.values())
                depart = arrive + (fixed + pp * people if people else 0.0)
                stop = {"at": rec, "arrive": arrive, "depart": depart}
                if alight:
                    stop["alight"] = alight
                stops_out.append(stop)
                clock = depart
            timed[vname] = stops_out
        if not changed:
            break
    score = 0.0
    for vname, stops in timed.items():
        # the direct legs of the matrices are what the referee reads: where the quickest way
        # passes other places, the plan states them as stops where nothing happens
        routes.append({"vehicle": vname, "stops": _with_waypoints(instance, stops)})
        for s in stops:
            for c, m in s.get("alight", {}).items():
                score += classes[c].weight * m
    plan: dict[str, Any] = {"format": "cep-plan/1", "instance": instance.name, "routes": routes}
    for r in routes:
        for s in r["stops"]:
            for key in ("arrive", "depart", "start", "end"):
                if key in s:
                    s[key] = float(s[key])
    return plan, score


def _with_waypoints(instance: Instance, stops: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Insert stops where nothing happens wherever the quickest way is not the direct leg.

    The quickest drives come from a graph that may pass other places of the same side (that
    is allowed: a stop where nothing is done takes no time) but not through the zone, which
    the model never uses for a leg; a leg with no direct road gets the intermediate places.
    """
    out: list[dict[str, Any]] = [stops[0]]
    inside = False
    for s in stops[1:]:
        prev = out[-1]
        side_inside = inside
        leave = prev["end"] if "end" in prev else prev["depart"]
        path = _path(instance, prev["at"], s["at"], side_inside)
        t = float(leave)
        for a, b in itertools.pairwise(path[:-1]):
            t += _direct(instance, a, b, side_inside)
            out.append({"at": b, "arrive": t, "depart": t})
        out.append(s)
        if s.get("dir") == "in":
            inside = True
        elif s.get("dir") == "out":
            inside = False
    return out


def _same_side(instance: Instance, oi: dict[str, int], ii: dict[str, int]) -> Any:
    """Quickest drives that stay on one side and pass no checkpoint on the way, indexed like
    :func:`quickest_minutes` (``inf`` between the sides): what a plan's legs can really use."""
    import numpy as np

    n = len(oi) + len(ii)
    d = np.full((n, n), INF)
    cp = {k.id for k in instance.checkpoints}
    for ids, mat, idx in (
        (instance.outside_ids, instance.outside, oi),
        (instance.inside_ids, instance.inside, ii),
    ):
        m = np.where(np.isnan(mat), INF, mat)
        np.fill_diagonal(m, np.minimum(np.diag(m), 0.0))
        for via, p in enumerate(ids):
            if p in cp:
                continue
            np.minimum(m, m[:, via : via + 1] + m[via : via + 1, :], out=m)
        rows = [idx[p] for p in ids]
        d[np.ix_(rows, rows)] = m
    return d


def _direct(instance: Instance, a: str, b: str, inside: bool) -> float:
    m = instance.inside_minutes(a, b) if inside else instance.outside_minutes(a, b)
    return INF if m is None else m


def _path(instance: Instance, a: str, b: str, inside: bool) -> list[str]:
    """Quickest path a -> b on one side, passing only non-checkpoint places (Dijkstra)."""
    ids = instance.inside_ids if inside else instance.outside_ids
    cp = {k.id for k in instance.checkpoints}
    dist = {a: 0.0}
    prev: dict[str, str] = {}
    done: set[str] = set()
    while True:
        here = min((p for p in dist if p not in done), key=lambda p: dist[p], default=None)
        if here is None or here == b:
            break
        done.add(here)
        if here != a and here in cp:
            continue
        for there in ids:
            w = _direct(instance, here, there, inside)
            if w < INF and dist[here] + w < dist.get(there, INF):
                dist[there] = dist[here] + w
                prev[there] = here
    if b not in dist:
        return [a, b]
    path = [b]
    while path[-1] != a:
        path.append(prev[path[-1]])
    return path[::-1]
