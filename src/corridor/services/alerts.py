"""Use cases of alerts: raise once, acknowledge, clear; list them for each role.

An alert is the life of one condition (a vehicle late, a person missing, ...): raised when the
condition starts, acknowledged by the coordinator, cleared when the condition ends. While it is
open (raised or acknowledged) the same condition raises nothing more; once cleared, the
condition starting again raises a new alert. Every change goes on the event stream (topic
``alert``) in the transaction that makes it, and every alert's life stays in the table.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from corridor.domain.access import HUMANITARIAN, Principal, Role
from corridor.domain.operations import Event
from corridor.domain.tracking import Condition
from corridor.services.accounts import require
from corridor.services.errors import NotFound

if TYPE_CHECKING:
    from corridor.services.unit_of_work import UnitOfWork

#: Data fields that point at a person or a household: for the humanitarian roles only.
PERSONAL = ("person", "household", "people")


@dataclass(frozen=True)
class Judged:
    """A condition about one vehicle and/or person (what the alert is about)."""

    condition: Condition
    vehicle: str | None = None
    person: int | None = None

    @property
    def key(self) -> str:
        c = self.condition
        return f"{c.kind}|{self.vehicle or ''}|{self.person or ''}|{c.subject}"


def apply(
    uow: UnitOfWork,
    judged: list[Judged],
    publication: int | None,
    open_alerts: dict[str, dict[str, Any]] | None = None,
) -> list[dict[str, Any]]:
    """Raise the active conditions not yet open, clear the open ones no longer active; emit
    each change. ``open_alerts`` (by key) saves a query when the caller has them."""
    current = uow.alerts.open() if open_alerts is None else open_alerts
    changed = []
    for j in judged:
        c, key = j.condition, j.key
        row = current.get(key)
        if c.active and row is None:
            values = {
                "kind": c.kind,
                "vehicle": j.vehicle,
                "person": j.person,
                "subject": c.subject,
                "detail": c.detail,
                "data": c.data,
                "publication_id": publication,
            }
            new = uow.alerts.raise_(key, values)
            if new is not None:
                current[key] = new
                changed.append(new)
        elif not c.active and row is not None:
            cleared = uow.alerts.clear(int(row["id"]))
            current.pop(key, None)
            if cleared is not None:
                changed.append(cleared)
    for row in changed:
        uow.emit(Event("alert", public(row), vehicle=row["vehicle"]))
    return changed


def public(row: dict[str, Any], personal: bool = False) -> dict[str, Any]:
    """An alert as the API and the event stream give it; ``person`` and personal data fields
    only with ``personal`` (the humanitarian roles)."""
    data = dict(row.get("data") or {})
    if not personal:
        data = {k: v for k, v in data.items() if k not in PERSONAL}
    return {
        "id": row["id"],
        "kind": row["kind"],
        "vehicle": row["vehicle"],
        "person": row["person"] if personal else None,
        "state": row["state"],
        "raised_at": _iso(row["raised_at"]),
        "acknowledged_at": _iso(row["acknowledged_at"]),
        "cleared_at": _iso(row["cleared_at"]),
        "detail": row["detail"] if personal or row["person"] is None else _counts_only(row),
        "data": data,
        "plan_version": row.get("publication_id"),
    }


def _counts_only(row: dict[str, Any]) -> str:
    vehicle = row["vehicle"] or "a vehicle"
    if row["kind"] == "missing_person":
        return f"a person who boarded {vehicle} has not been checked in on arrival"
    return f"{row['kind'].replace('_', ' ')} ({vehicle})"


def _iso(value: Any) -> str | None:
    return None if value is None else value.isoformat()


def list_alerts(
    uow: UnitOfWork, who: Principal, state: str | None = None, vehicle: str | None = None
) -> list[dict[str, Any]]:
    """Every alert (a driver: its own vehicle's), oldest first; persons only for the
    humanitarian roles."""
    require(who, "alerts.read")
    if who.role is Role.DRIVER:
        vehicle = who.vehicle
    with uow:
        rows = list(uow.alerts.list(state, vehicle))
    if who.role is Role.DRIVER:
        rows = [r for r in rows if r["vehicle"] == who.vehicle]
    personal = who.role in HUMANITARIAN
    return [public(r, personal) for r in rows]


def acknowledge(uow: UnitOfWork, who: Principal, alert_id: int) -> dict[str, Any]:
    """The coordinator has seen the alert (once; a retry changes nothing)."""
    require(who, "alerts.ack")
    with uow:
        if uow.alerts.get(alert_id) is None:
            raise NotFound("alert", alert_id)
        if uow.alerts.acknowledge(alert_id, who.user_id):
            row = uow.alerts.get(alert_id)
            uow.emit(Event("alert", public(row), vehicle=row["vehicle"]))
        row = uow.alerts.get(alert_id)
        uow.commit()
    return public(row, personal=True)
