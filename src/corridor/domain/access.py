"""Who may do what: the roles of an operation and the access table.

The table is the single source of truth: every HTTP route names one action of it, a test walks
every role against every route, and ``docs/api.md`` prints the same table. Some actions are
also *scoped* inside the service (a driver sees only its own vehicle's trips and positions; a
party liaison sees only its own party's drafts); the table says so in ``SCOPED``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    COORDINATOR = "coordinator"
    LIAISON_A = "liaison-a"
    LIAISON_B = "liaison-b"
    REGISTRAR = "registrar"
    DRIVER = "driver"
    RECEPTION = "reception"
    OBSERVER = "observer"

    @property
    def party(self) -> str | None:
        """The party a liaison speaks for ("A" or "B"); None for every other role."""
        if self is Role.LIAISON_A:
            return "A"
        if self is Role.LIAISON_B:
            return "B"
        return None


ALL = frozenset(Role)
PARTIES = frozenset({Role.LIAISON_A, Role.LIAISON_B})
#: The humanitarian side: the only roles that ever see an evacuee's personal data.
HUMANITARIAN = frozenset({Role.COORDINATOR, Role.REGISTRAR, Role.RECEPTION})
OPERATIONAL = ALL - {Role.ADMIN}

#: action -> roles allowed. Admin manages accounts and reads the audit log, nothing else.
ACCESS: dict[str, frozenset[Role]] = {
    "me.read": ALL,
    "accounts.manage": frozenset({Role.ADMIN}),
    "audit.read": frozenset({Role.ADMIN, Role.COORDINATOR}),
    "scenarios.read": OPERATIONAL,
    "scenarios.write": frozenset({Role.COORDINATOR}),
    "agreement.read": OPERATIONAL,
    "agreement.submit": frozenset({Role.COORDINATOR}) | PARTIES,
    "drafts.read": frozenset({Role.COORDINATOR}) | PARTIES,
    "drafts.write": frozenset({Role.COORDINATOR}) | PARTIES,
    "log.read": OPERATIONAL,
    "log.cosign": PARTIES,
    "plans.read": frozenset({Role.COORDINATOR, Role.OBSERVER, Role.RECEPTION}) | PARTIES,
    "plans.write": frozenset({Role.COORDINATOR}),
    "trips.read": frozenset({Role.COORDINATOR, Role.DRIVER}),
    "notifications.read": frozenset({Role.COORDINATOR, Role.OBSERVER}) | PARTIES,
    "notifications.write": frozenset({Role.COORDINATOR}),
    "notifications.ack": PARTIES,
    "positions.read": frozenset({Role.COORDINATOR, Role.OBSERVER, Role.DRIVER, Role.RECEPTION})
    | PARTIES,
    "positions.write": frozenset({Role.COORDINATOR, Role.DRIVER}),
    "checkins.read": frozenset({Role.COORDINATOR, Role.REGISTRAR, Role.RECEPTION, Role.DRIVER}),
    "checkins.write": frozenset({Role.COORDINATOR, Role.DRIVER, Role.RECEPTION}),
    "incidents.read": OPERATIONAL,
    "incidents.write": OPERATIONAL - {Role.OBSERVER},
    "counts.read": OPERATIONAL,
    "manifests.read": frozenset({Role.COORDINATOR, Role.REGISTRAR, Role.RECEPTION, Role.DRIVER}),
    "registry.read": HUMANITARIAN,
    "registry.write": frozenset({Role.COORDINATOR, Role.REGISTRAR}),
    "registry.import": frozenset({Role.COORDINATOR, Role.REGISTRAR}),
    "registry.export": frozenset({Role.COORDINATOR}),
    "registry.purge": frozenset({Role.COORDINATOR}),
    "events.read": OPERATIONAL,
    "announcements.publish": frozenset({Role.COORDINATOR}),
    "notices.read": OPERATIONAL,
    "exports.read": OPERATIONAL,
    "reports.read": frozenset({Role.COORDINATOR}),
    # The live operation against the plan (issue 14, docs/live.md).
    "alerts.read": OPERATIONAL,
    "alerts.ack": frozenset({Role.COORDINATOR}),
    "tracking.read": frozenset({Role.COORDINATOR, Role.OBSERVER, Role.DRIVER, Role.RECEPTION})
    | PARTIES,
    "tracking.sweep": frozenset({Role.COORDINATOR}),
    "devices.manage": frozenset({Role.COORDINATOR}),
}

#: Actions narrowed inside the service, and how.
SCOPED: dict[str, str] = {
    "drafts.read": "a liaison sees its own party's drafts, and the other party's once sent",
    "drafts.write": "a liaison writes drafts for its own party only",
    "trips.read": "a driver sees only the trips of its own vehicle",
    "positions.read": "a driver sees only its own vehicle",
    "positions.write": "a driver reports only for its own vehicle",
    "checkins.read": "a driver sees only its own vehicle's check-ins",
    "checkins.write": "a driver records boarding on its own vehicle; reception records arrivals",
    "manifests.read": "a driver sees only its own vehicle's manifest",
    "notifications.ack": "a liaison acknowledges for its own party only",
    "events.read": "a driver receives only events of its own vehicle; nobody receives names",
    "alerts.read": "a driver sees its own vehicle's alerts; persons only for humanitarian roles",
    "tracking.read": "a driver sees only its own vehicle",
    "counts.read": "reconciliation: persons only for humanitarian roles; a driver its own vehicle",
}


@dataclass(frozen=True)
class Principal:
    """The authenticated caller: a user acting in one role."""

    user_id: int
    name: str
    role: Role
    organisation_id: int
    vehicle: str | None = None

    @property
    def party(self) -> str | None:
        return self.role.party


def allowed(role: Role, action: str) -> bool:
    """True if ``role`` may perform ``action``; an unknown action is a programming error."""
    return role in ACCESS[action]


def sees_event(who: Principal, vehicle: str | None, party: str | None) -> bool:
    """Whether an event about ``vehicle`` addressed to ``party`` reaches ``who``'s live stream.

    Events never carry personal data; this only narrows them: a driver gets its own vehicle's
    events and general ones, a liaison gets events for its party and general ones.
    """
    if not allowed(who.role, "events.read"):
        return False
    if who.role is Role.DRIVER and vehicle is not None and vehicle != who.vehicle:
        return False
    return not (party is not None and who.role in PARTIES and party != who.party)
