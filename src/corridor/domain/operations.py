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


@dataclass(frozen=True)
class AgreedTerms:
    """What a plan must respect, in the instance's minutes: from the agreed document."""

    open_min: float
    close_min: float
    checkpoints: frozenset[str]
    max_vehicles: int


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


def plan_compliance(plan: dict[str, object], terms: AgreedTerms) -> list[str]:
    """Every way ``plan`` (cep-plan/1) leaves the agreed terms, each naming the field and value."""
    problems = []
    routes = plan.get("routes")
    assert isinstance(routes, list)
    used = 0
    for r, route in enumerate(routes):
        stops = route.get("stops", [])
        if len(stops) > 1:
            used += 1
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


def restrict_instance(instance: dict[str, object], terms: AgreedTerms) -> dict[str, object]:
    """The instance narrowed to the agreement: its window, its checkpoints, its vehicle count.

    Checkpoints not agreed get no lanes; the fleet is cut (largest vehicle types kept first)
    to the agreed number of vehicles.
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
    depots = out["depots"]
    assert isinstance(depots, list)
    have = [(d, t, int(n)) for d in depots for t, n in d["fleet"].items() if int(n) > 0]
    if sum(n for _, _, n in have) > terms.max_vehicles:
        # Round-robin over (depot, type): the mix of vehicle types survives the cut.
        kept = dict.fromkeys(range(len(have)), 0)
        room = terms.max_vehicles
        while room > 0:
            progress = False
            for i, (_, _, n) in enumerate(have):
                if room and kept[i] < n:
                    kept[i] += 1
                    room -= 1
                    progress = True
            if not progress:
                break
        for i, (d, t, _) in enumerate(have):
            d["fleet"] = {**d["fleet"], t: kept[i]}
    return out
