"""Replanning: keep what has started, plan the rest.

:func:`partial_from_routes` turns stops that are already decided into the state a construction
continues from: people who boarded are gone from their gathering point, cargo loaded or
unloaded is off the books, beds are taken and the crossings hold their lanes. A vehicle caught
in the middle of a trip (inside the zone, or outside with people aboard) is first brought out
and to a reception centre, taking more people on the way if it has room and time. A vehicle
inside with no road out at all (a new hazard closed every road to the checkpoints) is held
where it is, its people aboard, and nothing new is planned for it: the plan lists it under
``held``, apart from the routes, and everything that can still move is planned.

The improvement search uses the same function to keep the first part of a good plan and rebuild
the rest (``now=None``: vehicles that had not started may still start whenever they like).
"""

from __future__ import annotations

import math
from typing import Any, NoReturn

import numpy as np

from corridor.errors import CorridorError, InputError
from corridor.planning.partial import IntArray, PartialPlan, drive_stops
from corridor.planning.problem import ProblemData
from corridor.planning.travel import Side
from corridor.planning.trips import fill
from corridor.planning.verdict import TOL

INF = math.inf


class ReplanError(CorridorError):
    """The kept stops cannot be continued into a feasible plan (names vehicle and reason)."""

    exit_code = 2

    def __init__(self, vehicle: str, problem: str) -> None:
        self.vehicle = vehicle
        self.problem = problem
        super().__init__(f"{vehicle}: {problem}")


def kept_stops(plan: dict[str, Any], now: float) -> dict[str, list[dict[str, Any]]]:
    """For each route of ``plan``, its stops that have started by ``now``: an ordinary stop
    once the vehicle has arrived, a crossing once its service has started. A vehicle still
    queueing at a checkpoint is planned again from its previous stop (it may wait, or be sent
    to another checkpoint)."""
    out: dict[str, list[dict[str, Any]]] = {}
    for route in plan.get("routes", []):
        # A stop counts only with everything before it: a route is followed in order.
        n = 0
        for s in route["stops"]:
            began = s["start"] if "dir" in s else s["arrive"]
            if float(began) > now:
                break
            n += 1
        if n:
            out[route["vehicle"]] = [dict(s) for s in route["stops"][:n]]
    return out


def whole_trips(routes: list[dict[str, Any]], cut: float) -> dict[str, list[dict[str, Any]]]:
    """For each route, the trips whose in-crossing starts by ``cut``, each kept whole (up to
    the outside stop after its out-crossing where people alight)."""
    out: dict[str, list[dict[str, Any]]] = {}
    for route in routes:
        stops = route["stops"]
        keep = 0
        i = 0
        while i < len(stops):
            s = stops[i]
            if s.get("dir") == "in":
                if s["start"] > cut:
                    break
                j = i
                while j < len(stops) and "alight" not in stops[j]:
                    j += 1
                if j == len(stops):
                    break
                keep = j + 1
                i = j + 1
                continue
            i += 1
        if keep:
            out[route["vehicle"]] = stops[:keep]
    return out


def partial_from_routes(
    data: ProblemData, routes: dict[str, list[dict[str, Any]]], now: float | None
) -> PartialPlan:
    """A partial plan in which every vehicle of ``routes`` has done those stops (and, if
    caught mid-trip, is brought out and to a centre); from ``now`` on, if given."""
    plan = PartialPlan(data)
    pending: list[tuple[int, IntArray, bool, float]] = []
    crossings: list[tuple[float, float, str, str, str]] = []
    for name, stops in routes.items():
        if name not in data.v_index:
            raise InputError(f"keep: routes[{name}]", f"no vehicle {name!r} in the fleet")
        vi = data.v_index[name]
        if now is not None:  # a replan's kept stops may hold what the check-ins counted
            stops = _lengthened(data, stops)
        aboard, inside = _replay(plan, vi, stops, crossings)
        last = stops[-1]
        leave = float(last["end"] if "dir" in last else last["depart"])
        if now is not None:
            leave = max(leave, now)
        broken = [] if now is None else _broken_rules(data, vi, stops)
        if broken:
            _hold(plan, vi, aboard, leave, _odd_reason(broken), sorted({r for r, _ in broken}))
        elif inside or aboard.any() or "dir" in last:
            pending.append((vi, aboard, inside, leave))
        else:
            plan.fleet[vi].place, plan.fleet[vi].ready = data.inst.outside_index[last["at"]], leave
    _hold_lanes(plan, crossings)
    if now is not None and data.enter_from is not None:
        _no_entry(plan, now, data.enter_from)
    if data.cap is not None and plan.n_used > data.cap:
        raise ReplanError(
            "keep",
            f"{plan.n_used} vehicles have already left their depot; max_vehicles is {data.cap}",
        )
    for v in plan.fleet:
        if v.fresh and now is not None:
            v.ready = now
    if (plan.people < 0).any():
        _over_boarded(plan)
    for vi, aboard, inside, leave in pending:
        _finish(plan, vi, aboard, inside, leave)
    return plan


def _over_boarded(plan: PartialPlan) -> NoReturn:
    """Refuse kept stops that board more at a gathering point than the instance says wait
    there, naming the point, the class and both numbers. The service's replan never gets
    here: it first sets each such point to what the check-ins counted
    (:func:`corridor.services.replan_carry.counted_over`)."""
    d = plan.data
    g, c = (int(x) for x in np.argwhere(plan.people < 0)[0])
    have = int(d.inst.gathering[g].people.get(d.classes[c], 0))
    boarded = have - int(plan.people[g, c])
    raise ReplanError(
        f"keep: {d.g_ids[g]}",
        f"the kept stops board {boarded} {d.classes[c]} there, the instance has {have} "
        f"waiting (people who came after the count?): set its {d.classes[c]} to at least "
        f"{boarded} in the instance and replan",
    )


def _replay(
    plan: PartialPlan,
    vi: int,
    stops: list[dict[str, Any]],
    crossings: list[tuple[float, float, str, str, str]],
) -> tuple[IntArray, bool]:
    """Take what ``stops`` did off the books and give them to vehicle ``vi``; its crossings go
    to ``crossings``. Returns who is aboard at the end and whether it is inside the zone."""
    d = plan.data
    g_ix, r_ix, d_ix, c_ix = d.g_index, d.r_index, d.d_index, d.c_index
    v = plan.fleet[vi]
    aboard = np.zeros(len(d.classes), dtype=np.int64)
    kg = 0.0
    inside = False
    for s in stops:
        at = s["at"]
        for c, n in s.get("board", {}).items():
            plan.people[g_ix[at], c_ix[c]] -= int(n)
            aboard[c_ix[c]] += int(n)
        for c, n in s.get("alight", {}).items():
            plan.capacity[r_ix[at]] -= int(n)
            aboard[c_ix[c]] -= int(n)
        if s.get("load_kg"):
            plan.supplies[d_ix[at]] -= float(s["load_kg"])
            kg += float(s["load_kg"])
        if s.get("unload_kg"):
            plan.needs[g_ix[at]] -= float(s["unload_kg"])
            kg -= float(s["unload_kg"])
        if "dir" in s:
            crossings.append(
                (float(s["start"]), float(s["end"]), at, s["dir"], d.vehicles[vi].name)
            )
            inside = s["dir"] == "in"
    v.stops = stops
    v.fresh = False
    plan.n_used += 1
    v.cargo = max(kg, 0.0)
    return aboard, inside


def _hold_lanes(plan: PartialPlan, crossings: list[tuple[float, float, str, str, str]]) -> None:
    """The kept crossings hold their lanes; in order of start, first fit is an optimal lane
    assignment (interval colouring)."""
    k_ix = {k: i for i, k in enumerate(plan.data.k_ids)}
    for start, end, at, d, name in sorted(crossings):
        k = k_ix[at]
        lanes = plan.lanes_in[k] if d == "in" else plan.lanes_out[k]
        if not lanes.add_fixed(start, end):
            raise ReplanError(
                name,
                f"its {d!r} crossing at {at} from {start:g} does not fit the lanes of the instance",
            )


def _no_entry(plan: PartialPlan, now: float, until: float) -> None:
    """Take ``[now, until)`` off every inbound lane: no new trip enters the zone before
    ``until`` (the parties are told of a movement the notification lead time ahead)."""
    for timeline in plan.lanes_in:
        for lane, (starts, ends) in enumerate(
            zip(timeline.gap_starts, timeline.gap_ends, strict=True)
        ):
            taken = [(max(a, now), min(b, until)) for a, b in zip(starts, ends, strict=True)]
            for lo, hi in taken:
                if lo < hi:
                    timeline.reserve(lane, lo, hi)


def _finish(plan: PartialPlan, vi: int, aboard: IntArray, inside: bool, leave: float) -> None:
    """Bring a vehicle caught mid-trip out of the zone (if inside) and to a reception centre."""
    b = plan
    w, inst, rd = b.data, b.data.inst, b.data.roads[vi]
    in_ix = inst.inside_index
    v = b.fleet[vi]
    name = w.vehicles[vi].name
    last = v.stops[-1]
    fixed, pp = inst.stop_fixed, inst.stop_per_person
    din = rd.drives.inside.minutes
    if inside:
        here = in_ix[last["at"]]
        if not _road_out(b, vi, here):
            _hold(b, vi, aboard, leave)
            return
        # Room left: one more gathering point if it pays and still lets the vehicle out.
        seats = int(w.seats[vi] - aboard[~w.stretcher].sum())
        strs = int(w.stretchers[vi] - aboard[w.stretcher].sum())
        cap_left = float(b.capacity.max(initial=0.0)) - float(aboard.sum())
        medical_ok = bool(b.capacity[w.r_medical].max(initial=0.0) >= aboard.sum() + seats + strs)
        take = fill(w, b.people, max(seats, 0), max(strs, 0), max(cap_left, 0.0), medical_ok)
        n = take.sum(axis=1)
        arrive = leave + din[here, w.g_in]
        depart = arrive + np.where(n > 0, fixed + pp * n, 0.0)
        exit_end = depart + rd.exit_min
        value = np.where((n > 0) & (exit_end <= inst.close), take @ w.weight, -INF)
        g = int(np.argmax(value)) if len(value) else -1
        if g >= 0 and value[g] > 0:
            drive_stops(rd.drives.inside, here, int(w.g_in[g]), leave, v.stops)
            board = {w.classes[c]: int(x) for c, x in enumerate(take[g]) if x > 0}
            trial = {"at": w.g_ids[g], "arrive": float(arrive[g]), "depart": float(depart[g]),
                     "board": board}  # fmt: skip
            if _out(b, vi, aboard + take[g], int(w.g_in[g]), float(depart[g]), [trial]):
                b.people[g] -= take[g]
                return
            del v.stops[len(v.stops) - _n_pass(rd.drives.inside, here, int(w.g_in[g])) :]
        if not _out(b, vi, aboard, here, leave, []):
            # A road leads out but no time is left to take it: held too, saying so.
            _hold(b, vi, aboard, leave, f"no time left: a road leads out of the zone from "
                  f"{last['at']}, but no checkpoint lets it out (and on to a reception "
                  f"centre) before the window closes at {inst.close:g}")  # fmt: skip
        return
    place = inst.outside_index[last["at"]]
    if not _to_reception(b, vi, aboard, place, leave):
        raise ReplanError(name, "has people aboard and no reception centre can take them")


def _road_out(b: PartialPlan, vi: int, here: int) -> bool:
    """Whether any road leads from inside place ``here`` to a checkpoint open outward."""
    w, din = b.data, b.data.roads[vi].drives.inside.minutes
    return any(
        math.isfinite(float(din[here, w.k_in[k]])) and w.lanes_out[k] > 0
        for k in range(len(w.k_ids))
    )


def _hold(
    b: PartialPlan,
    vi: int,
    aboard: IntArray,
    since: float,
    reason: str = "",
    rules: list[str] | None = None,
) -> None:
    """Hold a vehicle that has no road out where it is (or no time left to take one,
    ``reason`` says): its stops so far stay, the people
    aboard stay on it (they are off their gathering point's books: nobody else is sent for
    them), and nothing new is planned for it. It is left out of the routes and listed apart
    (``PartialPlan.held_vehicles``), for the coordinator to act on. ``rules``: the plan rules
    its recorded stops break, when that is why it is held (:func:`_broken_rules`)."""
    w, v = b.data, b.fleet[vi]
    last = v.stops[-1]
    v.done = True
    v.held = {
        "vehicle": w.vehicles[vi].name,
        "at": last["at"],
        "since": float(since),
        "aboard": {w.classes[c]: int(n) for c, n in enumerate(aboard) if n > 0},
        "reason": reason or f"no road leads out of the zone from {last['at']}",
        "stops": list(v.stops),
        # stranded: no way out of the zone (no road, or no time left); else held for a rule
        "stranded": not rules,
        **({"rules": rules} if rules else {}),
    }


def _need(inst: Any, s: dict[str, Any]) -> float:
    """Minutes an ordinary stop takes by the plan rules (people on or off, cargo)."""
    people = sum(int(n) for n in s.get("board", {}).values())
    people += sum(int(n) for n in s.get("alight", {}).values())
    busy = people or s.get("load_kg") or s.get("unload_kg")
    return float(inst.stop_fixed + inst.stop_per_person * people) if busy else 0.0


def _lengthened(data: ProblemData, stops: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Kept stops where the check-ins counted more boarding than the plan's stop time allows
    (the boarding took longer than planned): such a stop lasts as long as the rules say and
    the stops after it move as much later, each wait on the way (a stop's slack, a queue
    before a crossing, whose service keeps its time) absorbing what it can. Where a crossing
    cannot absorb it, the stops stay as they were (:func:`_broken_rules` then names them)."""
    out: list[dict[str, Any]] = []
    push = 0.0  # minutes the current stop is reached later than planned
    for s in stops:
        t = s
        if "dir" in s:
            if push > TOL:
                if float(s["arrive"]) + push > float(s["start"]) + TOL:
                    return stops
                t = {**s, "arrive": float(s["arrive"]) + push}
            push = 0.0
        else:
            arrive = float(s["arrive"]) + push
            depart = max(float(s["depart"]), arrive + _need(data.inst, s))
            if depart - float(s["depart"]) > TOL or push > TOL:
                t = {**s, "arrive": arrive, "depart": depart}
            push = max(depart - float(s["depart"]), 0.0)
        out.append(t)
    return out if any(a is not b for a, b in zip(out, stops, strict=True)) else stops


def _broken_rules(data: ProblemData, vi: int, stops: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """The plan rules a vehicle's kept stops break by themselves, as (rule, what): more
    aboard than its room, a stop shorter than its boarding takes. Such stops come from what
    was recorded (check-ins), not from a plan: no plan that holds them passes the check."""
    aboard = np.zeros(len(data.classes), dtype=np.int64)
    out: list[tuple[str, str]] = []
    for i, s in enumerate(stops):
        where = f"stop {i} ({s['at']})"
        for c, n in s.get("alight", {}).items():
            aboard[data.c_index[c]] -= int(n)
        for c, n in s.get("board", {}).items():
            aboard[data.c_index[c]] += int(n)
        lying = int(aboard[data.stretcher].sum())
        for what, have, room in (
            ("seated", int(aboard.sum()) - lying, int(data.seats[vi])),
            ("stretcher", lying, int(data.stretchers[vi])),
        ):
            if have > room:
                out.append(("capacity", f"{where}: {have} {what} aboard, room {room}"))
        need = 0.0 if "dir" in s else _need(data.inst, s)
        stays = 0.0 if "dir" in s else float(s["depart"]) - float(s["arrive"])
        if stays < need - TOL:
            out.append(("stop-time", f"{where}: stays {stays:.10g} min, needs {need:.10g}"))
    return out


def _odd_reason(broken: list[tuple[str, str]]) -> str:
    """Why a vehicle whose recorded stops break the plan rules is held, said plainly."""
    shown = "; ".join(f"[{rule}] {what}" for rule, what in broken[:3])
    return (
        f"its recorded state breaks the plan rules ({shown}): held as recorded, with its "
        "people aboard, and nothing new is planned for it; check its check-ins with the driver"
    )


def _n_pass(side: Side, i: int, j: int) -> int:
    return 0 if i == j else len(side.path(i, j)) - 2


def _out(
    b: PartialPlan,
    vi: int,
    aboard: IntArray,
    here: int,
    leave: float,
    extra: list[dict[str, Any]],
) -> bool:
    """Through the checkpoint that lets the vehicle out first, then to a centre; False if none."""
    w, inst, rd = b.data, b.data.inst, b.data.roads[vi]
    din = rd.drives.inside.minutes
    best: tuple[float, float, float, int, int] | None = None
    for k in range(len(w.k_ids)):
        d = float(din[here, w.k_in[k]])
        if not math.isfinite(d) or w.lanes_out[k] == 0:
            continue
        start, lane = b.lanes_out[k].earliest(leave + d)
        end = start + float(w.svc_out[k])
        if end <= inst.close and (best is None or end < best[0]):
            best = (end, leave + d, start, lane, k)
    if best is None:
        return False
    end, arrive, start, lane, k = best
    v = b.fleet[vi]
    mark = len(v.stops)
    v.stops.extend(extra)
    drive_stops(rd.drives.inside, here, int(w.k_in[k]), leave, v.stops)
    v.stops.append({"at": w.k_ids[k], "dir": "out", "arrive": arrive, "start": start,
                    "end": end})  # fmt: skip
    if not _to_reception(b, vi, aboard, int(w.k_out[k]), end):
        del v.stops[mark:]
        return False
    b.lanes_out[k].reserve(lane, start, end)
    return True


def _to_reception(b: PartialPlan, vi: int, aboard: IntArray, place: int, leave: float) -> bool:
    """Drive to the nearest centre that can take everyone aboard and let them alight there."""
    w, inst, rd = b.data, b.data.inst, b.data.roads[vi]
    dout = rd.drives.outside.minutes
    people = int(aboard.sum())
    eligible = b.capacity >= people
    if aboard[w.medical].any():
        eligible &= w.r_medical
    cost = np.where(eligible, dout[place, w.r_out], INF)
    if not len(cost) or not math.isfinite(float(cost.min())):
        return False
    r = int(np.argmin(cost))
    v = b.fleet[vi]
    drive_stops(rd.drives.outside, place, int(w.r_out[r]), leave, v.stops)
    arrive = leave + float(cost[r])
    depart = arrive + (inst.stop_fixed + inst.stop_per_person * people if people else 0.0)
    stop: dict[str, Any] = {"at": w.r_ids[r], "arrive": arrive, "depart": depart}
    alight = {w.classes[c]: int(n) for c, n in enumerate(aboard) if n > 0}
    if alight:
        stop["alight"] = alight
    v.stops.append(stop)
    b.capacity[r] -= people
    v.place, v.ready = int(w.r_out[r]), depart
    return True
