"""Vehicles a replan holds where they are: their ``stranded`` alerts and what the new
version's differences say of them (docs/live.md).

A vehicle is *stranded* when it has no way out of the zone: no road out, or no time left to
take one before the window closes (its ``reason`` says which). A vehicle held for a plan rule
(its recorded state breaks the rules: ``rules`` names them) is *held*, not stranded, and its
alert and differences say ``held (REASON)``. Both raise the ``stranded`` alert kind; its data
say which (``stranded``: true or false)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from corridor.domain.tracking import Condition
from corridor.reporting.after_action_model import held_label, stranded
from corridor.services import alerts

if TYPE_CHECKING:
    from corridor.services.unit_of_work import UnitOfWork


def raise_stranded(
    uow: UnitOfWork, vehicles: Any, held: list[dict[str, Any]], publication: int
) -> list[dict[str, Any]]:
    """Raise a ``stranded`` alert for each vehicle the new plan holds where it is, with how
    many people are on board and why (stranded, or held for a rule); clear the open ones of
    vehicles it no longer holds. Returns the held vehicles as the replan's answer lists them."""
    out = [
        {
            "vehicle": h["vehicle"],
            "at": h["at"],
            "on_board": sum(h["aboard"].values()),
            "by_class": h["aboard"],
            "reason": h["reason"],
            "stranded": stranded(h),
            # held for a recorded state that breaks these plan rules (not for want of a road)
            **({"rules": list(h["rules"])} if h.get("rules") else {}),
        }
        for h in held
    ]
    by_name = {h["vehicle"]: h for h in out}
    with uow:
        open_rows = uow.alerts.open() if uow.alerts is not None else {}
        names = set(vehicles) | {
            r["vehicle"] for r in open_rows.values() if r["kind"] == "stranded"
        }
        judged = [
            alerts.Judged(
                Condition(
                    "stranded",
                    name in by_name,
                    _alert_text(by_name[name]) if name in by_name else f"{name} is no longer held",
                    {k: v for k, v in by_name.get(name, {}).items() if k != "vehicle"},
                ),
                name,
            )
            for name in sorted(n for n in names if n)
        ]
        if uow.alerts is not None:
            alerts.apply(uow, judged, publication, open_rows)
        uow.commit()
    return out


def _alert_text(h: dict[str, Any]) -> str:
    """``V is held at P with N people on board: stranded (REASON)``, or ``held (REASON)``."""
    why = f"stranded ({h['reason']})" if stranded(h) else held_label(h)
    return f"{h['vehicle']} is held at {h['at']} with {h['on_board']} people on board: {why}"


def held_line(h: dict[str, Any]) -> str:
    """What a version's differences say of a vehicle it holds where it is."""
    aboard = sum(h["aboard"].values())
    where = (
        f"held at {h['at']}, stranded ({h['reason']})"
        if stranded(h)
        else f"held where it stands at {h['at']} ({h['reason']})"
    )
    return f"{h['vehicle']}: {where}: {aboard} people stay on board, nothing new is planned for it"


def back_line(vehicle: str, was: dict[str, Any], stops: int) -> str:
    """What a version's differences say of a vehicle the version before held and it uses."""
    return f"{vehicle}: back in service after being held at {was['at']}, {stops} stops"


def held_differences(changed: list[str], held: list[dict[str, Any]]) -> list[str]:
    """The differences of a new version with each vehicle it holds where it is said so (not
    as ``no longer used``)."""
    said = {h["vehicle"]: held_line(h) for h in held}
    out = [said.get(line.split(": ", 1)[0], line) for line in changed]
    return out + [
        line for v, line in said.items() if not any(x.startswith(f"{v}: ") for x in changed)
    ]
