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
    "checkins.write": "a driver records boarding on its own vehicle, by name only people on its "
    "manifest (walk-ins are counted by class), and counts the people it sets down by class; "
    "reception records arrivals by name",
    "manifests.read": "a driver sees only its own vehicle's manifest",
    "notifications.ack": "a liaison acknowledges for its own party only",
    "events.read": "each topic reaches exactly the roles, vehicles and parties its REST read "
    "does (positions not to registrars, a party's notifications not to the other party); "
    "nobody receives names",
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


#: The live stream's topics and the REST read each stands for: an event reaches exactly the
#: roles (and, through :func:`in_scope`, the vehicles and parties) that read would. A topic not
#: listed here reaches the coordinator only, until it is given its read.
TOPIC_ACTIONS: dict[str, str] = {
    "positions": "positions.read",
    "checkins": "checkins.read",
    "incidents": "incidents.read",
    "notifications": "notifications.read",
    "registry": "counts.read",
    "agreement": "agreement.read",
    "plans": "plans.read",
    "scenarios": "scenarios.read",
    "alert": "alerts.read",
}
#: Reads narrowed to a driver's own vehicle.
VEHICLE_SCOPED = frozenset(
    {"trips.read", "positions.read", "positions.write", "checkins.read", "checkins.write"}
    | {"manifests.read", "incidents.write", "alerts.read", "tracking.read"}
)
#: Reads narrowed to a liaison's own party (what is addressed to it, or to nobody in particular).
PARTY_SCOPED = frozenset({"notifications.read", "notifications.ack", "drafts.read"})


def in_scope(who: Principal, action: str, vehicle: str | None, party: str | None) -> bool:
    """The one scope rule, shared by the REST routes and the event stream: whether ``who`` may
    ``action`` on something about ``vehicle`` addressed to ``party`` (None: not about one).

    A driver acts and reads only for its own vehicle; a liaison reads only what is addressed
    to its own party. The access table (:func:`allowed`) is checked too.
    """
    if not allowed(who.role, action) or not vehicle_in_scope(who, action, vehicle):
        return False
    return not (
        action in PARTY_SCOPED and who.role in PARTIES and party is not None and party != who.party
    )


def vehicle_in_scope(who: Principal, action: str, vehicle: str | None) -> bool:
    """The vehicle half of :func:`in_scope`: false only for a driver and another vehicle."""
    return not (
        action in VEHICLE_SCOPED
        and who.role is Role.DRIVER
        and vehicle is not None
        and vehicle != who.vehicle
    )


def vehicle_filter(who: Principal, action: str, asked: str | None) -> str | None:
    """The vehicle a list read is narrowed to: a driver's own (whatever it asked), or ``asked``.

    Call :func:`in_scope` first to refuse a driver that asks for another vehicle."""
    if action in VEHICLE_SCOPED and who.role is Role.DRIVER:
        return who.vehicle
    return asked


def sees_event(who: Principal, topic: str, vehicle: str | None, party: str | None) -> bool:
    """Whether an event of ``topic`` about ``vehicle`` addressed to ``party`` reaches ``who``'s
    live stream: exactly when the REST read behind the topic would show it (TOPIC_ACTIONS).

    Events never carry personal data; this narrows them further.
    """
    if not allowed(who.role, "events.read"):
        return False
    action = TOPIC_ACTIONS.get(topic)
    if action is None:
        return who.role is Role.COORDINATOR
    if action in VEHICLE_SCOPED and who.role is Role.DRIVER and vehicle != who.vehicle:
        return False  # the driver's read lists only rows of its own vehicle (vehicle_filter)
    return in_scope(who, action, vehicle, party)
