"""The plan summary: what a plan achieves, in the terms a coordinator asks about.

:func:`summarize` checks the plan with :func:`~corridor.planning.check.check_routes` and totals
it: people evacuated by class and by gathering point against who was waiting, reception centres
against their capacity, vehicles used, the last vehicle out and the slack before the window
closes, cargo delivered against needs. :mod:`corridor.reporting.summary_text` renders it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from corridor.planning.check import CheckResult, Violation, check_routes, parse_plan
from corridor.planning.instance import Instance, parse_instance
from corridor.reporting.times import Clock, hhmm


@dataclass(frozen=True)
class GatheringLine:
    id: str
    waiting: dict[str, int]
    evacuated: dict[str, int]
    needs_kg: float
    cargo_kg: float


@dataclass(frozen=True)
class ReceptionLine:
    id: str
    capacity: float
    medical: bool
    arrived: int


@dataclass(frozen=True)
class CheckpointLine:
    id: str
    dir: str
    lanes: int
    crossings: int
    busy_minutes: float
    waited_minutes: float  # all crossings' waits in the queue, summed
    longest_wait_minutes: float = 0.0  # the longest one vehicle waited


@dataclass
class PlanSummary:
    """What a plan achieves, in the terms a coordinator asks about."""

    instance: str
    open: float
    close: float
    feasible: bool
    violations: list[Violation]
    score: float
    classes: list[str]
    evacuated: dict[str, int]
    waiting: dict[str, int]
    gathering: list[GatheringLine]
    receptions: list[ReceptionLine]
    checkpoints: list[CheckpointLine]
    vehicles_used: int
    fleet_size: int
    zone_visits: int
    last_out: float | None
    cargo_kg: float
    needs_kg: float
    first_in: float | None = None
    weights: dict[str, float] = field(default_factory=dict)
    clock: Clock = hhmm  # how its minutes are written (a WallClock with the scenario's zone)

    @property
    def slack(self) -> float | None:
        """Minutes between the last vehicle out and the window closing."""
        return None if self.last_out is None else self.close - self.last_out

    @property
    def people_out(self) -> int:
        return sum(self.evacuated.values())

    @property
    def people_waiting(self) -> int:
        return sum(self.waiting.values())


def as_instance(instance: Instance | dict[str, Any]) -> Instance:
    return instance if isinstance(instance, Instance) else parse_instance(instance)


def summarize(
    instance: Instance | dict[str, Any], plan_raw: dict[str, Any], clock: Clock = hhmm
) -> PlanSummary:
    """Check ``plan_raw`` against ``instance`` and total it; InputError if it cannot be read."""
    inst = as_instance(instance)
    routes = parse_plan(plan_raw, inst)
    result: CheckResult = check_routes(inst, routes)
    classes = list(inst.classes)
    boarded: dict[tuple[str, str], int] = {}
    unloaded: dict[str, float] = {}
    arrived: dict[str, int] = {}
    crossings: dict[tuple[str, str], list[tuple[float, float, float]]] = {}
    last_out: float | None = None
    first_in: float | None = None
    for r in routes:
        for s in r.stops:
            for c, n in s.board.items():
                boarded[s.at, c] = boarded.get((s.at, c), 0) + n
            if s.kind == "gathering":
                unloaded[s.at] = unloaded.get(s.at, 0.0) + s.unload_kg
            if s.kind == "reception":
                arrived[s.at] = arrived.get(s.at, 0) + sum(s.alight.values())
            if s.kind == "checkpoint":
                crossings.setdefault((s.at, s.dir), []).append((s.arrive, s.start, s.end))
                if s.dir == "out":
                    last_out = s.end if last_out is None else max(last_out, s.end)
                else:
                    first_in = s.start if first_in is None else min(first_in, s.start)
    gathering = [
        GatheringLine(
            g.id,
            {c: g.people.get(c, 0) for c in classes},
            {c: boarded.get((g.id, c), 0) for c in classes},
            g.needs_kg,
            min(g.needs_kg, unloaded.get(g.id, 0.0)),
        )
        for g in inst.gathering
    ]
    checkpoints = [
        CheckpointLine(
            k.id,
            d,
            k.direction(d).lanes,
            len(crossings.get((k.id, d), [])),
            sum(e - s for _, s, e in crossings.get((k.id, d), [])),
            sum(max(0.0, s - a) for a, s, _ in crossings.get((k.id, d), [])),
            max((max(0.0, s - a) for a, s, _ in crossings.get((k.id, d), [])), default=0.0),
        )
        for k in inst.checkpoints
        for d in ("in", "out")
    ]
    return PlanSummary(
        instance=inst.name,
        open=inst.open,
        close=inst.close,
        feasible=result.feasible,
        violations=result.violations,
        score=result.score,
        classes=classes,
        evacuated=dict(result.evacuated),
        waiting={c: sum(g.people.get(c, 0) for g in inst.gathering) for c in classes},
        gathering=gathering,
        receptions=[
            ReceptionLine(r.id, r.capacity, r.medical, arrived.get(r.id, 0))
            for r in inst.receptions
        ],
        checkpoints=checkpoints,
        vehicles_used=result.vehicles_used,
        fleet_size=len(inst.vehicles),
        zone_visits=sum(1 for r in routes for s in r.stops if s.dir == "in"),
        last_out=last_out,
        cargo_kg=result.cargo_kg,
        needs_kg=sum(g.needs_kg for g in inst.gathering),
        first_in=first_in,
        weights={c: inst.classes[c].weight for c in classes},
        clock=clock,
    )
