"""The live operation: position reports, check-ins, incidents, notifications, manifests.

Plain dataclasses and rules; no I/O. A report carries a client-made id so that a retried batch
is stored once: the pair (vehicle, client id) is the identity of a report.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

CHECKIN_KINDS = ("boarding", "arrival")
INCIDENT_SEVERITIES = ("info", "warning", "critical")
NOTIFICATION_KINDS = ("movement", "site", "ceasefire")


@dataclass(frozen=True)
class PositionReport:
    client_id: str
    vehicle: str
    at: datetime
    lat: float
    lon: float
    speed_kmh: float | None = None
    heading: float | None = None


@dataclass(frozen=True)
class CheckIn:
    """People getting on a vehicle at a gathering point, or off it at a reception centre."""

    client_id: str
    kind: str
    vehicle: str
    place: str
    at: datetime
    people: dict[str, int]
    evacuees: tuple[int, ...] = ()
    #: The role of whoever recorded it ("driver", "reception", ...; "" when not known): an
    #: arrival counted by both the driver and reception counts once, as reception has it.
    source: str = ""


@dataclass(frozen=True)
class Incident:
    client_id: str
    kind: str
    severity: str
    description: str
    at: datetime
    vehicle: str | None = None
    lat: float | None = None
    lon: float | None = None


@dataclass(frozen=True)
class Event:
    """Something that changed, for the live stream. ``vehicle`` narrows who may see it."""

    topic: str
    data: dict[str, object]
    vehicle: str | None = None
    party: str | None = None
    id: int | None = None


@dataclass
class Manifest:
    """Who boarded a vehicle and who arrived from it, by class; the difference is unaccounted."""

    vehicle: str
    boarded: Counter[str] = field(default_factory=Counter)
    arrived: Counter[str] = field(default_factory=Counter)

    @property
    def unaccounted(self) -> dict[str, int]:
        """People who boarded and have not (yet) arrived, per class; never negative."""
        return {
            k: self.boarded[k] - self.arrived[k]
            for k in self.boarded
            if self.boarded[k] > self.arrived[k]
        }

    @property
    def over_arrived(self) -> dict[str, int]:
        """People checked in at arrival who were never checked in at boarding: a data error."""
        return {
            k: self.arrived[k] - self.boarded[k]
            for k in self.arrived
            if self.arrived[k] > self.boarded[k]
        }


def reconcile(checkins: list[CheckIn]) -> dict[str, Manifest]:
    """Manifests per vehicle from boarding and arrival check-ins."""
    out: dict[str, Manifest] = {}
    for c in checkins:
        m = out.setdefault(c.vehicle, Manifest(c.vehicle))
        target = m.boarded if c.kind == "boarding" else m.arrived
        target.update(c.people)
    return out


# -- plans against the agreement ---------------------------------------------------------------

AGREED_CHECKPOINT_RADIUS_M = 300.0


DIRECTION_WORDS = {
    "inbound": "agreed inbound only",
    "outbound": "agreed outbound only",
    "none": "not among the agreed users",
}


@dataclass(frozen=True)
class AgreedTerms:
    """What a plan must respect, in the instance's minutes: from the agreed document.

    ``directions`` gives, per vehicle type, the direction the agreement lets it use the
    corridor: ``both``, ``inbound`` (it brings aid in and carries no evacuee), ``outbound`` (it
    carries no cargo in) or ``none`` (its kind is not among the agreed users). A type not in it
    is unrestricted. ``kinds`` gives each type's word in the agreement (``aid_trucks``).
    """

    open_min: float
    close_min: float
    checkpoints: frozenset[str]
    max_vehicles: int
    directions: dict[str, str] = field(default_factory=dict)
    kinds: dict[str, str] = field(default_factory=dict)

    def restricted(self, vehicle_type: str, what: str) -> str | None:
        """Why ``vehicle_type`` may not ``carry`` evacuees or ``cargo`` or ``go`` at all."""
        d = self.directions.get(vehicle_type, "both")
        banned = {"carry": ("inbound", "none"), "cargo": ("outbound", "none"), "go": ("none",)}
        if d not in banned[what]:
            return None
        kind = self.kinds.get(vehicle_type, vehicle_type).replace("_", " ")
        return f"{kind} ({vehicle_type}) are {DIRECTION_WORDS[d]}"


def agreed_directions(users: list[dict[str, object]], kinds: dict[str, str]) -> dict[str, str]:
    """Per vehicle type, the direction the agreement's ``users`` give its kind."""
    by_kind: dict[str, set[str]] = {}
    for u in users:
        by_kind.setdefault(str(u.get("kind")), set()).add(str(u.get("direction")))
    out = {}
    for vtype, kind in kinds.items():
        ways = by_kind.get(kind, set())
        if "both" in ways or {"inbound", "outbound"} <= ways:
            out[vtype] = "both"
        elif ways:
            out[vtype] = ways.pop()
        else:
            out[vtype] = "none"
    return out


def distance_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance between two (lon, lat) points, in metres."""
    import math

    lon1, lat1, lon2, lat2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * 6_371_000 * math.asin(math.sqrt(h))


def agreed_checkpoints(
    agreed: list[dict[str, object]], places: dict[str, dict[str, object]]
) -> frozenset[str]:
    """The scenario's checkpoint ids that an agreed checkpoint names or stands on (300 m)."""
    out = set()
    for pid, p in places.items():
        if p.get("kind") != "checkpoint":
            continue
        for a in agreed:
            at = a.get("at")
            same_name = a.get("name") in (pid, p.get("name")) or a.get("id") == pid
            near = (
                isinstance(at, list)
                and len(at) == 2
                and distance_m((float(at[0]), float(at[1])), (float(p["lon"]), float(p["lat"])))  # type: ignore[arg-type]
                <= AGREED_CHECKPOINT_RADIUS_M
            )
            if same_name or near:
                out.add(pid)
    return frozenset(out)


def vehicle_type(name: str) -> str:
    """The type in a CEP vehicle name ``DEPOT/TYPE/k``."""
    parts = name.rsplit("/", 2)
    return parts[1] if len(parts) == 3 else ""


def plan_compliance(plan: dict[str, object], terms: AgreedTerms) -> list[str]:
    """Every way ``plan`` (cep-plan/1) leaves the agreed terms, each naming the route, the stop,
    the field and the value."""
    problems = []
    routes = plan.get("routes")
    assert isinstance(routes, list)
    used = 0
    for r, route in enumerate(routes):
        stops = route.get("stops", [])
        if len(stops) > 1:
            used += 1
            problems += _direction_problems(r, route, terms)
        for s, stop in enumerate(stops):
            if "dir" not in stop:
                continue
            where = f"routes[{r}].stops[{s}]"
            if stop["at"] not in terms.checkpoints:
                problems.append(f"{where}.at: {stop['at']!r} is not an agreed checkpoint")
            if stop["dir"] == "in" and stop["start"] < terms.open_min - 1e-6:
                problems.append(
                    f"{where}.start: {stop['start']} is before the agreed opening {terms.open_min}"
                )
            if stop["dir"] == "out" and stop["end"] > terms.close_min + 1e-6:
                problems.append(
                    f"{where}.end: {stop['end']} is after the agreed closing {terms.close_min}"
                )
    if used > terms.max_vehicles:
        problems.append(f"routes: {used} vehicles used; the agreement allows {terms.max_vehicles}")
    return problems


def _direction_problems(r: int, route: dict[str, object], terms: AgreedTerms) -> list[str]:
    """Evacuees on a vehicle agreed inbound only, cargo on one agreed outbound only."""
    name = str(route.get("vehicle"))
    vtype = vehicle_type(name)
    why = terms.restricted(vtype, "go")
    if why:
        return [f"routes[{r}]: {name} drives the corridor, but {why}"]
    out = []
    stops = route.get("stops", [])
    assert isinstance(stops, list)
    for s, stop in enumerate(stops):
        where = f"routes[{r}].stops[{s}]: {name}"
        board, alight = sum(stop.get("board", {}).values()), sum(stop.get("alight", {}).values())
        if (board or alight) and (why := terms.restricted(vtype, "carry")):
            what = f"boards {board}" if board else f"sets down {alight}"
            out.append(f"{where} {what} people at {stop['at']}, but {why}")
        cargo = float(stop.get("load_kg", 0) or 0) + float(stop.get("unload_kg", 0) or 0)
        if cargo and (why := terms.restricted(vtype, "cargo")):
            out.append(f"{where} moves {cargo:,.0f} kg of cargo at {stop['at']}, but {why}")
    return out


def restrict_instance(instance: dict[str, object], terms: AgreedTerms) -> dict[str, object]:
    """The instance narrowed to the agreement, for the planner to plan within it.

    Its window and checkpoints (those not agreed get no lanes); the agreed number of vehicles
    as ``max_vehicles``, so that the planner chooses which to use; and the agreed directions:
    a type agreed inbound only gets no seats nor stretchers (it carries no evacuee), one agreed
    outbound only no cargo space, one not among the agreed users no vehicles. The vehicles
    keep their names, so the plan reads against the scenario's own instance.
    """
    import copy

    out = copy.deepcopy(instance)
    window = out["window"]
    assert isinstance(window, dict)
    window["open"] = max(float(window["open"]), terms.open_min)
    window["close"] = min(float(window["close"]), terms.close_min)
    if window["close"] < window["open"]:
        window["close"] = window["open"]
    for cp in out["checkpoints"]:  # type: ignore[attr-defined]
        if cp["id"] not in terms.checkpoints:
            cp["in"]["lanes"] = 0
            cp["out"]["lanes"] = 0
    cap = out.get("max_vehicles")
    out["max_vehicles"] = terms.max_vehicles if cap is None else min(int(cap), terms.max_vehicles)  # type: ignore[call-overload]
    types = out["vehicle_types"]
    assert isinstance(types, dict)
    for vtype, spec in types.items():
        if terms.restricted(vtype, "carry"):
            spec["seats"], spec["stretchers"] = 0, 0
        if terms.restricted(vtype, "cargo"):
            spec["cargo_kg"] = 0
    depots = out["depots"]
    assert isinstance(depots, list)
    for d in depots:
        d["fleet"] = {t: (0 if terms.restricted(t, "go") else n) for t, n in d["fleet"].items()}
    return out
