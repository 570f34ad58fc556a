"""The alert a replan raises for a vehicle it holds where it stands says why: ``stranded``
only when it has no way out of the zone (no road, or no time left to take one), ``held
(REASON)`` when a plan rule holds it (its recorded state is over its room)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from corridor.services.stranded import raise_stranded

from .fakes import FakeUnitOfWork

NO_ROAD = "no road leads out of the zone from G03"
OVER_ROOM = (
    "its recorded state breaks the plan rules ([capacity] stop 3 (G05): 51 seated aboard, "
    "room 50): held as recorded, with its people aboard, and nothing new is planned for it; "
    "check its check-ins with the driver"
)


class FakeAlerts:
    """Alerts by key, as the service's store keeps them (raise once, clear)."""

    def __init__(self) -> None:
        self.rows: dict[str, dict[str, Any]] = {}

    def open(self) -> dict[str, dict[str, Any]]:
        return {k: r for k, r in self.rows.items() if r["state"] != "cleared"}

    def raise_(self, key: str, values: dict[str, Any]) -> dict[str, Any]:
        row = {**values, "id": len(self.rows) + 1, "state": "raised",
               "raised_at": dt.datetime(2026, 5, 1, 8, tzinfo=dt.UTC),
               "acknowledged_at": None, "cleared_at": None}  # fmt: skip
        self.rows[key] = row
        return row

    def clear(self, ident: int) -> dict[str, Any] | None:
        for row in self.rows.values():
            if row["id"] == ident:
                row["state"] = "cleared"
                return row
        return None


def held(vehicle: str, at: str, reason: str, rules: list[str] | None = None) -> dict[str, Any]:
    """A plan's ``held`` entry as a replan writes it (``stranded`` absent: an older plan's)."""
    return {"vehicle": vehicle, "at": at, "since": 600.0, "aboard": {"general": 51},
            "reason": reason, "stops": [], **({"rules": rules} if rules else {})}  # fmt: skip


def test_only_a_vehicle_with_no_way_out_is_called_stranded() -> None:
    uow = FakeUnitOfWork()
    uow.alerts = FakeAlerts()
    answer = raise_stranded(
        uow,
        ["D/bus/0", "D/bus/1"],
        [held("D/bus/0", "G03", NO_ROAD), held("D/bus/1", "G05", OVER_ROOM, ["capacity"])],
        2,
    )
    detail = {r["vehicle"]: r["detail"] for r in uow.alerts.rows.values()}
    assert (
        detail["D/bus/1"] == f"D/bus/1 is held at G05 with 51 people on board: held ({OVER_ROOM})"
    )
    assert "stranded" not in detail["D/bus/1"]
    assert detail["D/bus/0"] == (
        f"D/bus/0 is held at G03 with 51 people on board: stranded ({NO_ROAD})"
    )
    data = {r["vehicle"]: r["data"] for r in uow.alerts.rows.values()}
    assert data["D/bus/0"]["stranded"] is True
    assert data["D/bus/1"]["stranded"] is False
    assert data["D/bus/1"]["rules"] == ["capacity"]
    assert [(h["vehicle"], h["stranded"]) for h in answer] == [
        ("D/bus/0", True),
        ("D/bus/1", False),
    ]
