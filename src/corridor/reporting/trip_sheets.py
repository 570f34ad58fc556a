"""Trip sheets a driver can follow: each stop by name and address, the streets to drive between
stops in order with their lengths, each crossing with its direction and inspection time.

:func:`trip_sheets` needs only the instance and the plan; given the places (names, addresses)
and the directions (streets per leg, from the road graph's OSM names) it says where and how,
not just which id. Times are HH:MM from midnight of the operation's day.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from corridor.planning.check import PlanStop, parse_plan
from corridor.planning.instance import Instance
from corridor.reporting.summary import as_instance
from corridor.reporting.times import Clock, duration, hhmm

KIND_WORDS = {
    "depot": "depot",
    "gathering": "gathering point",
    "reception": "reception centre",
    "checkpoint": "checkpoint",
}


@dataclass(frozen=True)
class PlaceInfo:
    """What a driver needs to find a place: its name and address (or the road it is on)."""

    id: str
    kind: str
    name: str | None = None
    address: str | None = None

    @property
    def title(self) -> str:
        return f"{self.name} ({self.id})" if self.name and self.name != self.id else self.id


@dataclass(frozen=True)
class Street:
    """One street of a drive, as the road graph's OSM name gives it, and how far along it."""

    name: str
    metres: float

    def text(self) -> str:
        length = f"{self.metres / 1000:.1f} km" if self.metres >= 1000 else f"{self.metres:.0f} m"
        return f"{self.name or 'unnamed road'} {length}"


# (from id, to id, side, vehicle type) -> the streets of that drive, in order
Directions = Mapping[tuple[str, str, str, str], Sequence[Street]]


@dataclass(frozen=True)
class SheetRow:
    """One instruction: where, when, what to do, what is aboard after; the drive before it."""

    step: int
    trip: int  # zone visit number, 0 before the first one
    place: str
    kind: str
    arrive: float
    leave: float
    action: str
    people_aboard: int
    cargo_aboard: float
    wait: float  # minutes queued at a checkpoint before its inspection starts
    place_name: str = ""
    address: str = ""
    drive: tuple[Street, ...] = ()

    @property
    def drive_text(self) -> str:
        """``Drive 1.2 km: Unioninkatu 300 m, then Kirkkokatu 900 m``; '' when unknown."""
        if not self.drive:
            return ""
        total = sum(s.metres for s in self.drive)
        km = f"{total / 1000:.1f} km" if total >= 1000 else f"{total:.0f} m"
        return f"Drive {km}: " + ", then ".join(s.text() for s in self.drive)


@dataclass(frozen=True)
class TripSheet:
    vehicle: str
    type: str
    depot: str
    rows: list[SheetRow]
    depot_name: str = ""
    places: dict[str, PlaceInfo] = field(default_factory=dict)
    clock: Clock = hhmm  # how its minutes are written (a WallClock with the scenario's zone)

    @property
    def trips(self) -> int:
        return max((r.trip for r in self.rows), default=0)

    @property
    def people(self) -> int:
        return sum(
            int(m.group(1)) for r in self.rows for m in re.finditer(r"Alight (\d+)", r.action)
        )


def _people_text(counts: dict[str, int]) -> str:
    return ", ".join(f"{n} {c}" for c, n in counts.items() if n)


def trip_sheets(
    instance: Instance | dict[str, Any],
    plan_raw: dict[str, Any],
    places: Mapping[str, PlaceInfo] | None = None,
    directions: Directions | None = None,
    clock: Clock = hhmm,
) -> list[TripSheet]:
    """One sheet per route of the plan, in the plan's order; InputError if it cannot be read."""
    inst = as_instance(instance)
    fleet = {v.name: v for v in inst.vehicles}
    known = dict(places or {})
    sheets = []
    for route in parse_plan(plan_raw, inst):
        v = fleet.get(route.vehicle)
        vtype = v.type if v else "?"
        rows: list[SheetRow] = []
        aboard, cargo, trip = 0, 0.0, 0
        inside = False
        prev: PlanStop | None = None
        for i, s in enumerate(route.stops):
            aboard += sum(s.board.values()) - sum(s.alight.values())
            cargo += s.load_kg - s.unload_kg
            if s.kind == "checkpoint" and s.dir == "in":
                trip += 1
            info = known.get(s.at, PlaceInfo(s.at, s.kind))
            drive: tuple[Street, ...] = ()
            if prev is not None and directions is not None:
                side = "inside" if inside else "outside"
                drive = tuple(directions.get((prev.at, s.at, side, vtype), ()))
            wait = max(0.0, s.start - s.arrive) if s.kind == "checkpoint" else 0.0
            action = _action(s, i, len(route.stops), info, wait, clock)
            rows.append(
                SheetRow(
                    i + 1, trip, s.at, s.kind, s.arrive, s.leave, action, aboard, cargo, wait,
                    info.title, info.address or "", drive,
                )
            )  # fmt: skip
            if s.kind == "checkpoint":
                inside = s.dir == "in"
            prev = s
        depot = v.depot if v else "?"
        depot_name = known[depot].title if depot in known else depot
        sheets.append(TripSheet(route.vehicle, vtype, depot, rows, depot_name, known, clock))
    return sheets


def _action(s: PlanStop, i: int, n: int, info: PlaceInfo, wait: float, clock: Clock) -> str:
    if s.kind == "checkpoint":
        into = s.dir == "in"
        word = "Enter the zone (inbound)" if into else "Leave the zone (outbound)"
        text = (
            f"{word} at {info.title}: inspection {s.end - s.start:g} min, "
            f"expected {clock(s.start)} to {clock(s.end)}"
        )
        if wait >= 1:
            text += f" after a queue of {duration(wait)}"
        return text
    acts = []
    if s.board:
        acts.append(f"Board {sum(s.board.values())} ({_people_text(s.board)})")
    if s.alight:
        acts.append(f"Alight {sum(s.alight.values())} ({_people_text(s.alight)})")
    if s.load_kg:
        acts.append(f"Load {s.load_kg:,.0f} kg cargo")
    if s.unload_kg:
        acts.append(f"Unload {s.unload_kg:,.0f} kg cargo")
    if acts:
        return "; ".join(acts)
    if i == 0:
        return "Depart"
    if i == n - 1:
        return "End of the route: park here"
    return f"Drive on past this {KIND_WORDS.get(s.kind, 'place')} (nothing to do here)"
