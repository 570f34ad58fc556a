"""The Gantt chart of a plan as data: one row per vehicle, one row per checkpoint lane.

Vehicle rows hold what the vehicle does, in order (driving outside or inside the zone, queues
and inspections at checkpoints, stops); lane rows hold which crossing occupies each lane of each
checkpoint direction (crossings packed onto lanes first-free, always possible when the plan
respects the lane counts; an over-booked plan gets an extra row). The adapter
``corridor.adapters.gantt_png`` draws it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from corridor.planning.check import PlanRoute, parse_plan
from corridor.planning.instance import Instance
from corridor.reporting.summary import as_instance

WHAT = (
    "drive outside",
    "drive inside",
    "queue",
    "inspection in",
    "inspection out",
    "board",
    "alight",
    "depot",
)
Bars = list[tuple[float, float, str]]


@dataclass(frozen=True)
class GanttChart:
    """Rows of (start, end, what) bars for vehicles and (start, end, vehicle) for lanes."""

    name: str
    open: float
    close: float
    vehicles: list[tuple[str, Bars]]
    lanes: list[tuple[str, Bars]]
    lo: float
    hi: float


def gantt_chart(instance: Instance | dict[str, Any], plan_raw: dict[str, Any]) -> GanttChart:
    """The chart of ``plan_raw`` (vehicles that leave their depot, in natural name order)."""
    inst = as_instance(instance)
    routes = sorted(
        (r for r in parse_plan(plan_raw, inst) if len(r.stops) > 1),
        key=lambda r: [int(p) if p.isdigit() else p for p in re.split(r"(\d+)", r.vehicle)],
    )
    vehicles = [(r.vehicle, segments(r)) for r in routes]
    times = [t for _, bars in vehicles for a, b, _ in bars for t in (a, b)]
    return GanttChart(
        inst.name,
        inst.open,
        inst.close,
        vehicles,
        lanes(routes, inst),
        min([inst.open - 60, *times]),
        max([inst.close + 30, *times]),
    )


def segments(route: PlanRoute) -> list[tuple[float, float, str]]:
    """(start, end, what) for everything the vehicle does, in order."""
    out: list[tuple[float, float, str]] = []
    prev = None
    for s in route.stops:
        if prev is not None:
            what = "drive inside" if prev.inside_after else "drive outside"
            out.append((prev.leave, s.arrive, what))
        if s.kind == "checkpoint":
            out.append((s.arrive, s.start, "queue"))
            out.append((s.start, s.end, f"inspection {s.dir}"))
        else:
            what = {"gathering": "board", "reception": "alight"}.get(s.kind, "depot")
            out.append((s.arrive, s.depart, what))
        prev = s
    return [(a, b, w) for a, b, w in out if b > a]


def lanes(routes: list[PlanRoute], inst: Instance) -> list[tuple[str, Bars]]:
    """One row per lane of each checkpoint direction, crossings packed first-free."""
    rows = []
    for k in inst.checkpoints:
        for d in ("in", "out"):
            xs = sorted(
                (s.start, s.end, r.vehicle)
                for r in routes
                for s in r.stops
                if s.kind == "checkpoint" and s.at == k.id and s.dir == d
            )
            lanes: list[list[tuple[float, float, str]]] = [[] for _ in range(k.direction(d).lanes)]
            for x in xs:
                free = [ln for ln in lanes if not ln or ln[-1][1] <= x[0] + 1e-6]
                if not free:  # an over-booked plan: show it on an extra row
                    lanes.append([])
                    free = [lanes[-1]]
                free[0].append(x)
            for n, ln in enumerate(lanes, 1):
                rows.append((f"{k.id} {d} lane {n}", ln))
    return rows
