"""A plan from the MILP's solution, re-timed exactly from the rules.

The MILP fixes who goes where, which lane each crossing uses and in which order; the times are
then recomputed as the earliest the rules allow (a lane is free when its previous crossing
ends), so the plan does not depend on how the solver rounds continuous times. Where a quickest
drive passes other places, the plan states them as stops where nothing happens (the referee
reads the direct legs).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from corridor.planning.exact.milp import TripMILP
    from corridor.planning.instance import Instance

INF = math.inf
Key = tuple[str, int, str]  # (vehicle, trip, direction)


@dataclass(frozen=True)
class ChosenTrip:
    k_in: str
    k_out: str
    rec: str
    stops: list[tuple[str, dict[str, int]]]  # (gathering point, who boards)
    s_in: float
    s_out: float


def plan_from(model: TripMILP) -> tuple[dict[str, Any], float]:
    """The plan of the solution held by ``model.h`` and its score."""
    chosen = _choices(model)
    prev_on_lane = _lane_order(model, chosen)
    timed = _retime(model, chosen, prev_on_lane)
    inst = model.instance
    types = {v.name: v.type for v in inst.vehicles}
    routes: list[dict[str, Any]] = []
    score = 0.0
    for vname, stops in timed.items():
        routes.append({"vehicle": vname, "stops": with_waypoints(inst, stops, types[vname])})
        for s in stops:
            for c, m in s.get("alight", {}).items():
                score += inst.classes[c].weight * m
    for r in routes:
        for s in r["stops"]:
            for key in ("arrive", "depart", "start", "end"):
                if key in s:
                    s[key] = float(s[key])
    return {"format": "cep-plan/1", "instance": inst.name, "routes": routes}, score


def _choices(model: TripMILP) -> dict[str, list[ChosenTrip]]:
    """Per vehicle, its trips as chosen: checkpoints, centre, stops and who boards."""
    val = model.h.val
    chosen: dict[str, list[ChosenTrip]] = {}
    for vname, trs in model.trips_of.items():
        out = []
        for tr in trs:
            if val(tr.u) < 0.5:
                break
            visits: list[tuple[str, dict[str, int]]] = []
            for p, row in enumerate(tr.x):
                g = [g for g, b in row.items() if val(b) > 0.5]
                if not g:
                    break
                board = {
                    c: round(val(var))
                    for (q, gid, c), var in tr.n.items()
                    if q == p and gid == g[0] and round(val(var)) > 0
                }
                visits.append((g[0], board))
            out.append(
                ChosenTrip(
                    max(tr.ia, key=lambda k: val(tr.ia[k])),
                    max(tr.ob, key=lambda k: val(tr.ob[k])),
                    max(tr.rr, key=lambda r: val(tr.rr[r])),
                    visits,
                    val(tr.s_in),
                    val(tr.s_out),
                )
            )
        if out:
            chosen[vname] = out
    return chosen


def _lane_order(model: TripMILP, chosen: dict[str, list[ChosenTrip]]) -> dict[Key, Key | None]:
    """For each crossing, the crossing before it on its lane (in the solution's order)."""
    val = model.h.val
    lane_key: dict[Key, tuple[str, str, int]] = {}
    for (k_id, direction), items in model.crossings.items():
        lanes = model.lane_of.get((k_id, direction))
        for idx, (_s, use, who) in enumerate(items):
            if val(use) > 0.5:
                ln = 0
                if lanes:
                    ln = max(range(len(lanes[idx])), key=lambda i: val(lanes[idx][i]))
                lane_key[who[0], who[1], direction] = (k_id, direction, ln)
    on_lane: dict[tuple[str, str, int], list[tuple[float, str, int]]] = {}
    for vname, trs in chosen.items():
        for j, tr in enumerate(trs):
            for direction, start in (("in", tr.s_in), ("out", tr.s_out)):
                lk = lane_key.get((vname, j, direction))
                if lk is not None:
                    on_lane.setdefault(lk, []).append((start, vname, j))
    prev: dict[Key, Key | None] = {}
    for (_k, direction, _ln), seq in on_lane.items():
        seq.sort()
        for i, (_t, vname, j) in enumerate(seq):
            prev[vname, j, direction] = (seq[i - 1][1], seq[i - 1][2], direction) if i else None
    return prev


def _retime(
    model: TripMILP, chosen: dict[str, list[ChosenTrip]], prev_on_lane: dict[Key, Key | None]
) -> dict[str, list[dict[str, Any]]]:
    """Every time as the earliest the rules allow; repeated until the lanes' ends settle."""
    ends: dict[Key, float] = {}
    timed: dict[str, list[dict[str, Any]]] = {}
    for _ in range(4 * sum(len(t) for t in chosen.values()) + 4):
        changed = False
        for vname, trs in chosen.items():
            stops: list[dict[str, Any]] = []
            clock = -INF
            for j, tr in enumerate(trs):
                clock, moved = _timed_trip(model, vname, j, trs, tr, clock, stops, ends,
                                           prev_on_lane)  # fmt: skip
                changed = changed or moved
            timed[vname] = stops
        if not changed:
            break
    return timed


def _timed_trip(
    model: TripMILP, vname: str, j: int, trs: list[ChosenTrip], tr: ChosenTrip, clock: float,
    stops: list[dict[str, Any]], ends: dict[Key, float], prev_on_lane: dict[Key, Key | None],
) -> tuple[float, bool]:  # fmt: skip
    """Append trip ``j``'s stops from ``clock``; returns when it leaves the centre and whether
    a crossing's end moved."""
    inst = model.instance
    vehicle = next(v for v in inst.vehicles if v.name == vname)
    d, oi, ii = model.dist[vehicle.type], model.oi, model.ii
    cps = {k.id: k for k in inst.checkpoints}
    fixed, pp = inst.stop_fixed, inst.stop_per_person
    k_in, k_out = cps[tr.k_in], cps[tr.k_out]

    def lane_free(direction: str, t: float) -> float:
        before = prev_on_lane.get((vname, j, direction))
        return t if before is None else max(t, ends.get(before, -INF))

    if j == 0:
        start = lane_free("in", inst.open)
        leave = start - d[oi[vehicle.depot], oi[k_in.id]]
        stops.append({"at": vehicle.depot, "arrive": leave, "depart": leave})
        arrive = start
    else:
        arrive = clock + d[oi[trs[j - 1].rec], oi[k_in.id]]
        start = lane_free("in", max(arrive, inst.open))
    moved = False
    end = start + k_in.inward.service
    moved |= ends.get((vname, j, "in")) != end
    ends[vname, j, "in"] = end
    stops.append({"at": k_in.id, "dir": "in", "arrive": arrive, "start": start, "end": end})
    here, clock = ii[k_in.id], end
    alight: dict[str, int] = {}
    for g, board in tr.stops:
        arrive = clock + d[here, ii[g]]
        people = sum(board.values())
        depart = arrive + (fixed + pp * people if people else 0.0)
        stop: dict[str, Any] = {"at": g, "arrive": arrive, "depart": depart}
        if board:
            stop["board"] = dict(board)
        stops.append(stop)
        here, clock = ii[g], depart
        for c, m in board.items():
            alight[c] = alight.get(c, 0) + m
    arrive = clock + d[here, ii[k_out.id]]
    start = lane_free("out", arrive)
    end = start + k_out.outward.service
    moved |= ends.get((vname, j, "out")) != end
    ends[vname, j, "out"] = end
    stops.append({"at": k_out.id, "dir": "out", "arrive": arrive, "start": start, "end": end})
    arrive = end + d[oi[k_out.id], oi[tr.rec]]
    people = sum(alight.values())
    depart = arrive + (fixed + pp * people if people else 0.0)
    stop = {"at": tr.rec, "arrive": arrive, "depart": depart}
    if alight:
        stop["alight"] = alight
    stops.append(stop)
    return depart, moved


def with_waypoints(
    instance: Instance, stops: list[dict[str, Any]], vehicle_type: str
) -> list[dict[str, Any]]:
    """Insert stops where nothing happens wherever the quickest way is not the direct leg.

    The quickest drives may pass other places of the same side (that is allowed: a stop where
    nothing is done takes no time) but not through the zone, which the model never uses for a
    leg; a leg with no direct road gets the intermediate places."""
    out: list[dict[str, Any]] = [stops[0]]
    inside = False
    for s in stops[1:]:
        prev = out[-1]
        leave = prev["end"] if "end" in prev else prev["depart"]
        path = _path(instance, prev["at"], s["at"], inside, vehicle_type)
        t = float(leave)
        for a, b in itertools.pairwise(path[:-1]):
            t += _direct(instance, a, b, inside, vehicle_type)
            out.append({"at": b, "arrive": t, "depart": t})
        out.append(s)
        if s.get("dir") == "in":
            inside = True
        elif s.get("dir") == "out":
            inside = False
    return out


def _direct(instance: Instance, a: str, b: str, inside: bool, vehicle_type: str) -> float:
    if inside:
        m = instance.inside_minutes(a, b, vehicle_type)
    else:
        m = instance.outside_minutes(a, b, vehicle_type)
    return INF if m is None else m


def _path(instance: Instance, a: str, b: str, inside: bool, vehicle_type: str) -> list[str]:
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
            w = _direct(instance, here, there, inside, vehicle_type)
            if w < INF and dist[here] + w < dist.get(there, INF):
                dist[there] = dist[here] + w
                prev[there] = here
    if b not in dist:
        return [a, b]
    path = [b]
    while path[-1] != a:
        path.append(prev[path[-1]])
    return path[::-1]
