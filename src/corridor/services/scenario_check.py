"""Use case: everything a coordinator should know about a scenario before planning.

The reachability of every place (where it snapped, whether it connects, why not), the warnings
read off the compiled instance (:mod:`corridor.scenario.preflight`), and the legs with no road,
named by pair and by vehicle type. The CLI prints it, ``--strict`` turns the warnings into an
error, and the coordination service stores it with an uploaded scenario.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from corridor.errors import InputError
from corridor.scenario.preflight import PlanningWarning, preflight
from corridor.services.hazard_check import hazard_warnings
from corridor.services.network import Network
from corridor.services.place_bounds import check_places_on_extract
from corridor.services.reachability import PlaceReach, checkpoint_lanes, reachability


@dataclass(frozen=True)
class NoRoad:
    """Legs from ``source`` with no road on one side, for every vehicle or some types."""

    side: str
    source: str
    targets: tuple[str, ...]
    types: tuple[str, ...] = ()  # empty: for every vehicle

    def text(self) -> str:
        who = f" (for {', '.join(self.types)} only)" if self.types else ""
        return f"{self.source} → {', '.join(self.targets)}{who}"


@dataclass(frozen=True)
class ScenarioCheck:
    places: list[PlaceReach]
    warnings: list[PlanningWarning] = field(default_factory=list)
    no_road: list[NoRoad] = field(default_factory=list)

    @property
    def null_legs(self) -> int:
        return sum(len(n.targets) for n in self.no_road if not n.types)

    def all_warnings(self) -> list[PlanningWarning]:
        """Places that do not connect, then the planning warnings."""
        out = []
        for p in self.places:
            if p.status == "cut":
                out += [PlanningWarning("cut", (p.id,), r) for r in p.reasons]
            for t, reasons in p.by_type.items():
                out += [
                    PlanningWarning("cut_for_type", (p.id, t), f"for {t}: {r}") for r in reasons
                ]
        return out + self.warnings

    def to_json(self) -> dict[str, Any]:
        return {
            "places": [p.to_json() for p in self.places],
            "warnings": [w.to_json() for w in self.all_warnings()],
            "no_road": [
                {"side": n.side, "from": n.source, "to": list(n.targets), "types": list(n.types)}
                for n in self.no_road
            ],
        }

    def raise_if_any(self, label: str) -> None:
        """``--strict``: every warning is an error (exit code 2), naming each."""
        found = self.all_warnings()
        if found:
            lines = "; ".join(f"{', '.join(w.ids) or w.code}: {w.text}" for w in found)
            raise InputError(label, f"{len(found)} warning(s) with --strict: {lines}")


def check_scenario(net: Network, instance: dict[str, Any] | None = None) -> ScenarioCheck:
    """Reachability and the hazards that close no road always; planning warnings and legs with
    no road when ``instance`` (the compiled CEP instance) is given. Raises InputError for a
    place far outside the OSM extract."""
    check_places_on_extract(net)
    places = reachability(net)
    hazards = hazard_warnings(net)
    if instance is None:
        return ScenarioCheck(places, hazards)
    lanes = checkpoint_lanes(net)
    warnings = [w for w in preflight(instance) if not _one_way_gate(w, lanes)]
    warnings += clock_change(net.scenario.window)
    return ScenarioCheck(places, hazards + warnings, no_road_legs(instance, net.fleet_types, lanes))


def _one_way_gate(w: PlanningWarning, lanes: dict[str, set[str]]) -> bool:
    """A checkpoint with lanes one way only while another checkpoint has lanes the other way:
    one gate of a pair on a divided road (one per carriageway), not a mistake."""
    if w.code != "no_lane" or len(w.ids) != 1 or len(lanes.get(w.ids[0], set())) != 1:
        return False
    (has,) = lanes[w.ids[0]]
    lacks = "out" if has == "in" else "in"
    return any(lacks in way for k, way in lanes.items() if k != w.ids[0])


def _unused(side: str, src: str, dst: str, lanes: dict[str, set[str]]) -> bool:
    """A leg no vehicle drives: into a checkpoint the way it has no lane (outside: toward one
    with no inward lane, inside: toward one with no outward lane), or on from it."""
    first, then = ("out", "in") if side == "outside" else ("in", "out")
    return (src in lanes and first not in lanes[src]) or (dst in lanes and then not in lanes[dst])


def no_road_legs(
    instance: dict[str, Any], fleet: list[str], lanes: dict[str, set[str]] | None = None
) -> list[NoRoad]:
    """The legs of the instance with no road: for every vehicle, then per vehicle type; with
    ``lanes`` (checkpoint id to its directions with lanes), not the legs no vehicle drives."""
    lanes = lanes or {}
    travel = instance["travel"]
    by_type = travel.get("by_type", {})
    out = []
    for side in ("outside", "inside"):
        ids = travel[side]["ids"]
        per_type = {t: by_type.get(t, {}).get(side, travel[side])["minutes"] for t in fleet or [""]}
        for a, src in enumerate(ids):
            every: list[str] = []
            some: dict[tuple[str, ...], list[str]] = {}
            for b, dst in enumerate(ids):
                if a == b or _unused(side, src, dst, lanes):
                    continue
                missing = tuple(t for t, m in per_type.items() if m[a][b] is None)
                if missing and len(missing) == len(per_type):
                    every.append(dst)
                elif missing:
                    some.setdefault(missing, []).append(dst)
            if every:
                out.append(NoRoad(side, src, tuple(every)))
            out += [NoRoad(side, src, tuple(d), types) for types, d in some.items()]
    return out


def clock_change(window: Any) -> list[PlanningWarning]:
    """The clocks of the window's time zone change between its opening and its close: the
    plan's minutes count from midnight at the opening's UTC offset, so a time read off them
    after the change is an hour (or what the change is) off the wall clock; say so before
    anyone reads a sheet made without the scenario's zone."""
    from zoneinfo import ZoneInfo

    if window.time_zone is None:
        return []
    zone = ZoneInfo(window.time_zone)
    before = window.open.astimezone(zone).utcoffset()
    after = window.close.astimezone(zone).utcoffset()
    if before is None or after is None or before == after:
        return []
    shift = (before - after).total_seconds() / 60
    way = "later" if shift > 0 else "earlier"

    def utc(offset: Any) -> str:
        m = int(offset.total_seconds() // 60)
        return f"UTC{'+' if m >= 0 else '-'}{abs(m) // 60:02d}:{abs(m) % 60:02d}"

    return [
        PlanningWarning(
            "clock_change",
            (),
            f"the clocks of {window.time_zone} change during the window ({utc(before)} at the "
            f"opening, {utc(after)} at the close): the plan counts minutes from midnight at "
            f"{utc(before)}; `corridor report --scenario` writes the summary and the trip sheets "
            "on the wall clock, but any time read off the plan's minutes after the change "
            f"reads {abs(shift):g} min {way} than the wall clock",
        )
    ]
