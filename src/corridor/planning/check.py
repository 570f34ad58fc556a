"""The project's own plan check: the fourteen rules of ``data/cep/FORMAT.md``.

:func:`check_plan` takes a decoded instance and a decoded plan and returns a
:class:`CheckResult`: whether the plan is feasible, each broken rule by name with the vehicle,
stop and time that break it, and what the plan achieves (score, people evacuated by class,
cargo toward needs, vehicles used, last vehicle out). A plan that cannot be checked at all
(a missing field, an unknown id, a wrong type) raises :class:`~corridor.errors.InputError`
naming the field; a plan that breaks a rule is an ordinary result, never an exception.

Times and kilograms are compared with a tolerance of :data:`TOL` that does not add up along a
route: each route is followed on a clock that keeps the later of the plan's time and the
earliest time the rules allow, as the format prescribes.

Example
-------
>>> import json
>>> inst = json.load(open("data/cep/tiny.json"))
>>> plan = json.load(open("data/cep/tiny.plan.json"))
>>> check_plan(inst, plan).score
181.0
"""

from __future__ import annotations

import math
from collections import defaultdict
from typing import Any

from corridor.planning.instance import Instance, TypeTravel, parse_instance
from corridor.planning.plan_format import PlanRoute, PlanStop, parse_plan
from corridor.planning.verdict import RULES, TOL, CheckResult, Violation

__all__ = [
    "RULES",
    "CheckResult",
    "PlanRoute",
    "PlanStop",
    "Violation",
    "check_plan",
    "check_routes",
    "parse_plan",
]

OUTSIDE_KINDS = ("depot", "reception")


# ---------------------------------------------------------------- the rules


def _num(x: float) -> str:
    """A number of minutes or kilograms as the referee prints it."""
    return f"{x:.10g}"


class _Checker:
    """Follows every route once, recording what the global rules (7, 11, 12) need."""

    def __init__(self, inst: Instance) -> None:
        self.inst = inst
        self.fleet = {v.name: v for v in inst.vehicles}
        self.checkpoints = {k.id: k for k in inst.checkpoints}
        self.receptions = {r.id: r for r in inst.receptions}
        self.gathering = {g.id: g for g in inst.gathering}
        self.depots = {d.id: d for d in inst.depots}
        self.out_idx = inst.outside_index
        self.in_idx = inst.inside_index
        self.violations: list[Violation] = []
        # (checkpoint, dir) -> [(start, end, (vehicle, stop index))]
        self.crossings: dict[tuple[str, str], list[tuple[float, float, tuple[str, int]]]] = (
            defaultdict(list)
        )
        self.boarded: dict[tuple[str, str], int] = defaultdict(int)
        self.alighted: dict[tuple[str, str], int] = defaultdict(int)
        self.loaded: dict[str, float] = defaultdict(float)
        self.unloaded: dict[str, float] = defaultdict(float)
        self.last_out: float | None = None
        self.used = 0

    def flag(self, rule: str, detail: str) -> None:
        self.violations.append(Violation(rule, detail))

    def run(self, routes: list[PlanRoute]) -> CheckResult:
        seen: set[str] = set()
        for route in routes:
            known = self.vehicle_id(route.vehicle, seen)
            self.start(route)
            self.sequence(route)
            self.times(route)
            self.loads(route, known)
            self.used += known and len(route.stops) > 1
        self.lanes()
        self.supply()
        self.reception()
        self.fleet_cap()
        self.violations.sort(key=lambda v: RULES.index(v.rule))
        return self.result()

    # rule 1
    def vehicle_id(self, name: str, seen: set[str]) -> bool:
        if name not in self.fleet:
            self.flag("vehicle-id", f"{name}: no such vehicle in the fleet")
            return False
        if name in seen:
            self.flag("vehicle-id", f"{name}: has more than one route")
        seen.add(name)
        return True

    # rule 2
    def start(self, route: PlanRoute) -> None:
        if not route.stops:
            self.flag("start", f"{route.vehicle}: the route has no stops")
            return
        v = self.fleet.get(route.vehicle)
        if v is not None and route.stops[0].at != v.depot:
            self.flag(
                "start",
                f"{route.vehicle} stop 0: starts at {route.stops[0].at}, not its depot {v.depot}",
            )

    # rule 3
    def sequence(self, route: PlanRoute) -> None:
        inside = False
        for i, s in enumerate(route.stops):
            where = f"{route.vehicle} stop {i} ({s.at})"
            if s.kind == "gathering" and not inside:
                self.flag("sequence", f"{where}: gathering point reached without an 'in' crossing")
            elif s.kind in OUTSIDE_KINDS and inside:
                self.flag("sequence", f"{where}: outside stop reached without an 'out' crossing")
            elif s.kind == "checkpoint" and (s.dir == "in") == inside:
                state = "inside" if inside else "outside"
                self.flag("sequence", f"{where}: '{s.dir}' crossing while already {state}")
            inside = s.inside_after
        if route.stops and route.stops[-1].kind not in OUTSIDE_KINDS:
            last = route.stops[-1].at
            self.flag("sequence", f"{route.vehicle}: the last stop {last} is not an outside stop")

    # rules 4, 5, 6, 8
    def times(self, route: PlanRoute) -> None:
        """Follow the route on a clock that never runs ahead of what the rules allow.

        A plan time may be up to TOL early; the clock then keeps its own later time, so the
        tolerance cannot add up. Where a rule is broken the clock takes the plan's time again,
        so one mistake is reported once."""
        clock = 0.0
        v = self.fleet.get(route.vehicle)
        travel = self.inst.travel_of(v.type if v is not None else None)
        for i, s in enumerate(route.stops):
            who = f"{route.vehicle} stop {i} ({s.at})"
            arrive = s.arrive if i == 0 else self.leg(who, route.stops[i - 1], clock, s, travel)
            if s.kind == "checkpoint":
                clock = self.crossing(who, s, arrive, (route.vehicle, i))
            else:
                clock = self.stop_time(who, s, arrive)

    def minutes(self, a: PlanStop, b: PlanStop, travel: TypeTravel) -> tuple[bool, float | None]:
        """(same side, drive minutes a -> b on ``travel`` or None where there is no road)."""
        if a.inside_after:
            idx, m = self.in_idx, travel.inside
        else:
            idx, m = self.out_idx, travel.outside
        if a.at not in idx or b.at not in idx:
            return False, None
        v = float(m[idx[a.at], idx[b.at]])
        return True, None if math.isnan(v) else v

    def leg(  # rule 4
        self, who: str, a: PlanStop, left: float, b: PlanStop, travel: TypeTravel
    ) -> float:
        same_side, minutes = self.minutes(a, b, travel)
        if not same_side:  # across the boundary without a crossing: rule 3 says so
            return b.arrive
        if minutes is None:
            self.flag("travel", f"{who}: no road from {a.at} to {b.at}")
            return b.arrive
        if b.arrive < left + minutes - TOL:
            self.flag(
                "travel",
                f"{who}: arrives at {_num(b.arrive)}, but leaving {a.at} at {_num(left)} "
                f"+ {_num(minutes)} min gives {_num(left + minutes)}",
            )
            return b.arrive
        return max(b.arrive, left + minutes)

    def stop_time(self, who: str, s: PlanStop, arrive: float) -> float:  # rule 5
        people = s.people
        busy = bool(people or s.load_kg or s.unload_kg)
        need = self.inst.stop_fixed + self.inst.stop_per_person * people if busy else 0.0
        if s.depart < arrive - TOL:
            self.flag(
                "stop-time",
                f"{who}: departs at {_num(s.depart)} before arriving {_num(arrive)}",
            )
            return s.depart
        if s.depart - arrive < need - TOL:
            self.flag(
                "stop-time",
                f"{who}: stays {_num(s.depart - arrive)} min, needs {_num(need)} ({people} people)",
            )
            return s.depart
        return max(s.depart, arrive + need)

    def crossing(  # rules 6, 8
        self, who: str, s: PlanStop, arrive: float, key: tuple[str, int]
    ) -> float:
        service = self.checkpoints[s.at].direction(s.dir).service
        start, end = s.start, s.end
        if start < arrive - TOL:
            self.flag(
                "crossing",
                f"{who} {s.dir}: starts at {_num(start)} before arriving {_num(arrive)}",
            )
        else:
            start = max(start, arrive)
        if end - start < service - TOL:
            self.flag(
                "crossing",
                f"{who} {s.dir}: in service {_num(end - start)} min, needs {_num(service)}",
            )
        else:
            end = max(end, start + service)
        if s.dir == "in" and s.start < self.inst.open - TOL:
            self.flag(
                "window",
                f"{who}: 'in' crossing starts at {_num(s.start)} before the window opens "
                f"at {_num(self.inst.open)}",
            )
        if s.dir == "out" and end > self.inst.close + TOL:
            self.flag(
                "window",
                f"{who}: 'out' crossing ends at {_num(end)} after the window closes "
                f"at {_num(self.inst.close)}",
            )
        self.crossings[s.at, s.dir].append((s.start, end, key))
        return end

    # rules 9, 10, 13
    def loads(self, route: PlanRoute, known: bool) -> None:
        vtype = self.inst.vehicle_types[self.fleet[route.vehicle].type] if known else None
        aboard: dict[str, int] = defaultdict(int)
        cargo = 0.0
        for i, s in enumerate(route.stops):
            who = f"{route.vehicle} stop {i} ({s.at})"
            self.where(who, s)
            for c, n in s.alight.items():
                aboard[c] -= n
            for c, n in s.board.items():
                aboard[c] += n
            cargo += s.load_kg - s.unload_kg
            if vtype is not None:
                stretcher = sum(n for c, n in aboard.items() if self.inst.classes[c].stretcher)
                seated = sum(aboard.values()) - stretcher
                for what, have, room in (
                    ("seated", float(seated), float(vtype.seats)),
                    ("stretcher", float(stretcher), float(vtype.stretchers)),
                    ("cargo kg", cargo, vtype.cargo_kg),
                ):
                    if have > room + TOL:
                        self.flag(
                            "capacity",
                            f"{who}: {_num(have)} {what} aboard, room {_num(room)}",
                        )
            if min(aboard.values(), default=0) < 0 or cargo < -TOL:
                self.flag("capacity", f"{who}: negative load aboard after the stop")
                aboard = defaultdict(int, {c: max(n, 0) for c, n in aboard.items()})
                cargo = max(cargo, 0.0)
            if s.dir == "out" and any(aboard.values()):
                self.last_out = s.end if self.last_out is None else max(self.last_out, s.end)
        if any(aboard.values()):
            left = ", ".join(f"{c} {n}" for c, n in sorted(aboard.items()) if n)
            self.flag("empty", f"{route.vehicle}: the route ends with people aboard ({left})")

    def where(self, who: str, s: PlanStop) -> None:  # rules 10, 12 (medical)
        for what, amount, place in (
            ("board", float(sum(s.board.values())), "gathering"),
            ("alight", float(sum(s.alight.values())), "reception"),
            ("load cargo", s.load_kg, "depot"),
            ("unload cargo", s.unload_kg, "gathering"),
        ):
            if amount and s.kind != place:
                self.flag("where", f"{who}: cannot {what} at a {s.kind}")
        if s.kind == "gathering":
            for c, n in s.board.items():
                self.boarded[s.at, c] += n
            self.unloaded[s.at] += s.unload_kg
        elif s.kind == "reception":
            medical_ok = self.receptions[s.at].medical
            for c, n in s.alight.items():
                self.alighted[s.at, c] += n
                if n and self.inst.classes[c].medical and not medical_ok:
                    self.flag(
                        "reception", f"{who}: {n} {c} (medical) alight at a non-medical centre"
                    )
        elif s.kind == "depot":
            self.loaded[s.at] += s.load_kg

    def lanes(self) -> None:  # rule 7
        """Sweep each checkpoint direction's [start, end) intervals in time order.

        Ends move TOL earlier and sort before starts at the same instant, so crossings that
        touch (or overlap by less than TOL) are not simultaneous. A direction with no lanes
        is closed even to a crossing that takes no time."""
        for (k, d), crossings in sorted(self.crossings.items()):
            lanes = self.checkpoints[k].direction(d).lanes
            if lanes == 0:
                who = sorted(f"{v} stop {i}" for _, _, (v, i) in crossings)
                self.flag(
                    "lanes",
                    f"{k} {d}: has no lanes, yet {len(who)} crossing(s) use it: "
                    f"{'; '.join(who[:3])}",
                )
                continue
            events = sorted(
                (
                    e
                    for start, end, key in crossings
                    if end - start > TOL
                    for e in ((start, 1, key), (end - TOL, 0, key))
                ),
                key=lambda e: (e[0], e[1]),
            )
            active: set[tuple[str, int]] = set()
            over = False
            for t, is_start, key in events:
                if not is_start:
                    active.discard(key)
                    over = over and len(active) > lanes
                    continue
                active.add(key)
                if len(active) > lanes and not over:
                    over = True
                    names = "; ".join(sorted(f"{v} stop {i}" for v, i in active))
                    self.flag(
                        "lanes",
                        f"{k} {d}: {len(active)} crossings in service at t={_num(t)} "
                        f"with {lanes} lane(s): {names}",
                    )

    def supply(self) -> None:  # rule 11
        for (g, c), n in sorted(self.boarded.items()):
            have = self.gathering[g].people.get(c, 0)
            if n > have:
                self.flag("supply", f"{g}: {n} {c} board in all, only {have} wait there")
        for d, kg in sorted(self.loaded.items()):
            supplies = self.depots[d].supplies_kg
            if kg > supplies + TOL:
                self.flag("supply", f"{d}: {_num(kg)} kg loaded, supplies {_num(supplies)}")

    def reception(self) -> None:  # rule 12 (capacity)
        for r in self.inst.receptions:
            n = sum(v for (rr, _), v in self.alighted.items() if rr == r.id)
            if n > r.capacity:  # whole people: no tolerance
                self.flag("reception", f"{r.id}: {n} people alight, capacity {_num(r.capacity)}")

    def fleet_cap(self) -> None:  # rule 14
        cap = self.inst.max_vehicles
        if cap is not None and self.used > cap:
            self.flag("fleet-cap", f"{self.used} vehicles leave their depot, at most {cap} may")

    def result(self) -> CheckResult:
        inst = self.inst
        evacuated = {
            c: sum(n for (_, cc), n in self.alighted.items() if cc == c) for c in inst.classes
        }
        cargo = sum(min(self.gathering[g].needs_kg, kg) for g, kg in self.unloaded.items())
        feasible = not self.violations
        score = sum(inst.classes[c].weight * n for c, n in evacuated.items())
        score += inst.cargo_weight * cargo
        return CheckResult(
            feasible=feasible,
            violations=self.violations,
            score=round(float(score), 6) if feasible else 0.0,
            evacuated=evacuated,
            cargo_kg=round(float(cargo), 6),
            vehicles_used=self.used,
            last_out=self.last_out,
            unloaded_kg=round(sum(self.unloaded.values()), 6),
        )


def check_routes(inst: Instance, routes: list[PlanRoute]) -> CheckResult:
    """Check already-parsed routes against a parsed instance."""
    return _Checker(inst).run(routes)


def check_plan(instance_raw: dict[str, Any] | Instance, plan_raw: dict[str, Any]) -> CheckResult:
    """Check a decoded CEP plan against a decoded CEP instance (or a parsed :class:`Instance`).

    Raises :class:`InputError` naming the field when either cannot be checked at all."""
    inst = instance_raw if isinstance(instance_raw, Instance) else parse_instance(instance_raw)
    return check_routes(inst, parse_plan(plan_raw, inst))
