"""The after-action report calls a vehicle a replan held where it stood ``stranded`` only when
it had no way out of the zone; one held for a plan rule (its recorded state over its room) is
``held (REASON)``, in the headline, the vehicles table and the alerts table."""

from __future__ import annotations

import datetime as dt
from typing import Any

from corridor.reporting.after_action import after_action
from corridor.reporting.after_action_model import OperationRecords, Table

ORIGIN = dt.datetime(2026, 5, 1, tzinfo=dt.UTC)
NO_ROAD = "no road leads out of the zone from G03"
OVER_ROOM = (
    "its recorded state breaks the plan rules ([capacity] stop 3 (G05): 51 seated aboard, "
    "room 50): held as recorded, with its people aboard, and nothing new is planned for it; "
    "check its check-ins with the driver"
)


def at(minute: float) -> dt.datetime:
    return ORIGIN + dt.timedelta(minutes=minute)


def table(tables: list[Table], title: str) -> Table:
    return next(t for t in tables if t.title.startswith(title))


def alert(ident: int, vehicle: str, data: dict[str, Any], detail: str) -> dict[str, Any]:
    return {"id": ident, "kind": "stranded", "vehicle": vehicle, "state": "raised",
            "raised_at": at(600), "acknowledged_at": None, "cleared_at": None,
            "detail": detail, "data": data}  # fmt: skip


def records() -> OperationRecords:
    """No route moved; a replan held two vehicles: one with no road out, one over its room
    (as an older plan wrote it: ``rules`` and no ``stranded``)."""
    stuck = {"vehicle": "D/minibus/2", "at": "G03", "since": 600.0, "aboard": {"general": 16},
             "reason": NO_ROAD, "stranded": True}  # fmt: skip
    odd = {"vehicle": "D/bus/1", "at": "G05", "since": 600.0, "aboard": {"general": 51},
           "reason": OVER_ROOM, "rules": ["capacity"]}  # fmt: skip
    return OperationRecords(
        corridor="c",
        generated_at=at(700),
        time_zone="UTC",
        window=(at(480), at(960)),
        agreed_vehicles=None,
        log=[],
        plan_id=2,
        origin=ORIGIN,
        plan_routes=[],
        positions=[],
        checkins=[],
        incidents=[],
        notifications=[],
        alerts=[
            alert(1, "D/minibus/2", {"at": "G03", "reason": NO_ROAD, "stranded": True}, ""),
            alert(2, "D/bus/1", {"at": "G05", "reason": OVER_ROOM, "rules": ["capacity"]}, ""),
        ],
        plan_held=[stuck, odd],
    )


def test_a_vehicle_held_for_a_rule_is_held_not_stranded() -> None:
    report = after_action(records())
    rows = {r[0]: r for r in table(report.tables, "Vehicles").rows}
    assert rows["D/minibus/2"][4] == f"stranded, 16 on board: {NO_ROAD}"
    assert rows["D/bus/1"][4] == f"held ({OVER_ROOM}), 51 on board"
    assert rows["D/bus/1"][1].startswith("held at G05 from ")
    vehicles = next(h for h in report.headline if h.startswith("Vehicles:"))
    assert ", 1 held where it stood (stranded)" in vehicles
    assert (
        ", 1 held where it stood (held: its recorded state breaks the plan rules [capacity])"
        in vehicles
    )
    assert vehicles.count("stranded") == 1
    kinds = {r[2]: r[1] for r in table(report.tables, "Alerts").rows}
    assert kinds == {"D/minibus/2": "stranded", "D/bus/1": "held"}
