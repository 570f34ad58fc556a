"""Vehicles a replan holds where they are (no road out of the zone, or no time left to take
one before the window closes: their ``reason`` says which): their ``stranded``
alerts and what the new version's differences say of them (docs/live.md)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from corridor.domain.tracking import Condition
from corridor.services import alerts

if TYPE_CHECKING:
    from corridor.services.unit_of_work import UnitOfWork


def raise_stranded(
    uow: UnitOfWork, vehicles: Any, held: list[dict[str, Any]], publication: int
) -> list[dict[str, Any]]:
    """Raise a ``stranded`` alert for each vehicle the new plan holds where it is (no road
    out), with how many people are on board; clear the open ones of vehicles it no longer
    holds. Returns the held vehicles as the replan's answer lists them."""
    out = [
        {
            "vehicle": h["vehicle"],
            "at": h["at"],
            "on_board": sum(h["aboard"].values()),
            "by_class": h["aboard"],
            "reason": h["reason"],
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
                    f"{name} is held at {by_name[name]['at']} with "
                    f"{by_name[name]['on_board']} people on board: "
                    f"{by_name[name]['reason']}"
                    if name in by_name
                    else f"{name} is no longer held",
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


def held_differences(changed: list[str], held: list[dict[str, Any]]) -> list[str]:
    """The differences of a new version with each vehicle it holds where it is said so."""
    said = {
        h["vehicle"]: f"{h['vehicle']}: held at {h['at']}, stranded ({h['reason']}): "
        f"{sum(h['aboard'].values())} people stay on board, nothing new is planned for it"
        for h in held
    }
    out = [said.get(line.split(": ", 1)[0], line) for line in changed]
    return out + [
        line for v, line in said.items() if not any(x.startswith(f"{v}: ") for x in changed)
    ]
