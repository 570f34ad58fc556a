"""The worked example of ``corridor agreement example`` and the tests: a corridor between
Eastbrook and Westford, its organisations and its two versions. Standard library only."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

Doc = dict[str, Any]
ROLES = ("party_a", "party_b", "intermediary")

#: The organisations the example's opening names, by role.
EXAMPLE_ORGANISATIONS = {
    "party_a": "Eastbrook regional administration",
    "party_b": "Westford district authority",
    "intermediary": "Corridor liaison mission",
}
EXAMPLE_TIME_ZONE = "Europe/Kyiv"


def example_window_start(now: dt.datetime) -> dt.datetime:
    """Where the example's first window starts: the next whole hour after ``now``, in the
    example's time zone, so that a newcomer who runs the example finds its window ahead."""
    local = now.astimezone(ZoneInfo(EXAMPLE_TIME_ZONE)).replace(minute=0, second=0, microsecond=0)
    return local + dt.timedelta(hours=1)


def example_documents(keys: dict[str, str], start: dt.datetime) -> tuple[Doc, Doc]:
    """The scripted negotiation of ``corridor agreement example`` and the end-to-end test.

    ``keys`` maps each role to its verifier key text; version 1's window opens at ``start``
    (converted to the example's time zone, Europe/Kyiv) for 8 hours. Version 1 (drafted by the
    intermediary) leaves out what may go in and the special-care clause; party B's
    counter-proposal adds them, moves the start two hours later, lowers the vehicle limit and
    adds a second checkpoint.
    """
    if start.tzinfo is None:
        raise ValueError("the example's window start must be an aware datetime")
    opens = start.astimezone(ZoneInfo(EXAMPLE_TIME_ZONE))
    participants: dict[str, dict[str, Any]] = {
        role: {"name": keys[role].split("+", 1)[0], "key": keys[role]} for role in ROLES
    }
    participants["intermediary"]["guarantor"] = False
    route = {
        "type": "LineString",
        "coordinates": [[35.100, 47.100], [35.180, 47.090], [35.260, 47.060], [35.350, 47.020]],
    }
    area = {
        "type": "Polygon",
        "coordinates": [
            [[35.08, 47.12], [35.37, 47.04], [35.36, 47.00], [35.09, 47.08], [35.08, 47.12]]
        ],
    }
    first: Doc = {
        "corridor": "eastbrook-westford-1",
        "version": 1,
        "supersedes": None,
        "title": "Eastbrook to Westford evacuation corridor",
        "participants": participants,
        "route": route,
        "checkpoints": [
            {"name": "Bridge 7", "at": [35.180, 47.090], "controlled_by": "party_a"},
        ],
        "window": {
            "start": opens.strftime("%Y-%m-%dT%H:%M"),
            "duration_hours": 8,
            "time_zone": EXAMPLE_TIME_ZONE,
        },
        "ceasefire_area": area,
        "users": [
            {"kind": "civilians_on_foot", "direction": "outbound"},
            {"kind": "private_cars", "direction": "outbound"},
            {"kind": "buses", "direction": "both"},
            {"kind": "ambulances", "direction": "both"},
            {"kind": "aid_trucks", "direction": "inbound"},
        ],
        "destinations": {"chosen_by_evacuees": True, "options": ["Westford", "Northgate"]},
        "vehicle_markings": "white flag on the roof and a red cross on both sides",
        "max_vehicles": 40,
        "notification_lead_minutes": 120,
        "evacuee_rights": {
            "voluntary": True,
            "family_unity": True,
            "documents_and_belongings": True,
        },
        "on_violation": {
            "suspension": "all movement stops where it is; vehicles inside wait at the next "
            "checkpoint",
            "who_may_suspend": ["party_a", "party_b", "intermediary"],
            "resumption": "both parties sign a resumption through the intermediary",
        },
    }
    second = dict(first)
    later = opens + dt.timedelta(hours=2)
    second["window"] = {**first["window"], "start": later.strftime("%Y-%m-%dT%H:%M")}
    second["max_vehicles"] = 30
    second["goods_in"] = ["food", "medicine", "fuel for generators"]
    second["checkpoints"] = [
        *first["checkpoints"],
        {"name": "Westford gate", "at": [35.350, 47.020], "controlled_by": "party_b"},
    ]
    second["evacuee_rights"] = {
        **first["evacuee_rights"],
        "special_care": "the sick, wounded, elderly, disabled and unaccompanied children "
        "travel first, by ambulance or bus, with a medic",
    }
    return first, second
