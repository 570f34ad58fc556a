"""The evacuee registry's personal data, after the ICRC handbook on data protection.

Each personal field declares its purpose, the role that owns it and how long it is kept.
Nothing else about a person is stored. Party liaisons never see these fields: they get counts
by class, gathering point and vehicle (:func:`summarise`).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from corridor.domain.access import Role


@dataclass(frozen=True)
class PersonalField:
    name: str
    purpose: str
    owner: Role
    retention: timedelta


PERSONAL_FIELDS: tuple[PersonalField, ...] = (
    PersonalField(
        "name",
        "identify the person at boarding and at arrival, and reunite separated families",
        Role.REGISTRAR,
        timedelta(days=30),
    ),
    PersonalField(
        "needs",
        "choose a suitable vehicle and a reception centre with the right care",
        Role.COORDINATOR,
        timedelta(days=30),
    ),
    PersonalField(
        "contact",
        "tell the household when and where to gather",
        Role.REGISTRAR,
        timedelta(days=14),
    ),
)
FIELD_NAMES = tuple(f.name for f in PERSONAL_FIELDS)
STATUSES = ("registered", "boarded", "arrived")


@dataclass(frozen=True)
class EvacueeCounts:
    """What a party may know: people per class, per gathering point, per vehicle, per status."""

    total: int
    by_class: dict[str, int]
    by_gathering: dict[str, int]
    by_vehicle: dict[str, int]
    by_status: dict[str, int]


@dataclass(frozen=True)
class EvacueeFacts:
    """The non-personal facts of one registered person."""

    people_class: str
    gathering: str
    vehicle: str | None
    status: str


def summarise(facts: list[EvacueeFacts]) -> EvacueeCounts:
    return EvacueeCounts(
        total=len(facts),
        by_class=dict(Counter(f.people_class for f in facts)),
        by_gathering=dict(Counter(f.gathering for f in facts)),
        by_vehicle=dict(Counter(f.vehicle for f in facts if f.vehicle)),
        by_status=dict(Counter(f.status for f in facts)),
    )


def expired_fields(registered_at: datetime, now: datetime) -> tuple[str, ...]:
    """The personal fields whose retention has run out at ``now``."""
    return tuple(f.name for f in PERSONAL_FIELDS if now >= registered_at + f.retention)


def field_expiries(registered_at: datetime) -> dict[str, datetime]:
    return {f.name: registered_at + f.retention for f in PERSONAL_FIELDS}
