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
