"""A first proposal without decoding anything: every term of a corridor proposal, filled from
what the scenario says, and a placeholder for what only the negotiators can decide.

A placeholder is text starting with :data:`~corridor.domain.placeholders.PLACEHOLDER`; a document
that still has one is refused (``corridor agreement propose`` names each). Standard library only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from corridor.domain.placeholders import fill_in
from corridor.domain.proposal import ROLES

ROLE_WORDS = {"party_a": "party A", "party_b": "party B", "intermediary": "the intermediary"}


@dataclass(frozen=True)
class DraftFacts:
    """What a scenario says about a corridor, in plain values."""

    corridor: str
    title: str
    route: list[list[float]]  # [lon, lat] points
    checkpoints: list[tuple[str, list[float]]]  # name, [lon, lat]
    start: str  # local date and time, 2026-05-14T06:00
    duration_hours: float
    time_zone: str | None
    area: list[list[float]]  # the ceasefire area's ring, closed
    user_kinds: Sequence[str]
    destinations: Sequence[str]
    max_vehicles: int
    cargo: bool  # relief goods go in


def draft_document(facts: DraftFacts, keys: dict[str, str | None]) -> dict[str, Any]:
    """Version 1 of a proposal from ``facts``; ``keys[role]`` a verifier key or None."""
    participants: dict[str, dict[str, Any]] = {}
    for role in ROLES:
        name = role.replace("_", "-")
        key = keys.get(role)
        if key:
            participants[role] = {"name": key.split("+", 1)[0], "key": key}
        else:
            words = ROLE_WORDS[role]
            what = f"{words}'s verifier key (corridor keys new --name {name}; the .pub line)"
            participants[role] = {"name": name, "key": fill_in(what)}
    participants["intermediary"]["guarantor"] = False
    zone = facts.time_zone or fill_in("IANA time zone of the window, e.g. Europe/Helsinki")
    return {
        "corridor": facts.corridor,
        "version": 1,
        "supersedes": None,
        "title": facts.title,
        "participants": participants,
        "route": {"type": "LineString", "coordinates": facts.route},
        "checkpoints": [
            {"name": name, "at": at, "controlled_by": fill_in("party_a or party_b")}
            for name, at in facts.checkpoints
        ],
        "window": {
            "start": facts.start,
            "duration_hours": facts.duration_hours,
            "time_zone": zone,
        },
        "ceasefire_area": {"type": "Polygon", "coordinates": [facts.area]},
        "users": [{"kind": k, "direction": "both"} for k in dict.fromkeys(facts.user_kinds)],
        "destinations": {"chosen_by_evacuees": True, "options": list(facts.destinations)},
        "goods_in": [fill_in("what may go in, e.g. food, medicine")] if facts.cargo else [],
        "vehicle_markings": fill_in("how vehicles are marked, e.g. a white flag on the roof"),
        "max_vehicles": facts.max_vehicles,
        "notification_lead_minutes": fill_in("minutes of notice before a movement"),
        "evacuee_rights": {
            "voluntary": True,
            "family_unity": True,
            "documents_and_belongings": True,
            "special_care": fill_in(
                "care for the sick, wounded, elderly, disabled and unaccompanied children"
            ),
        },
        "on_violation": {
            "suspension": fill_in("what a violation does, e.g. all movement stops where it is"),
            "who_may_suspend": [fill_in("roles: party_a, party_b, intermediary")],
            "resumption": fill_in("how the corridor resumes"),
        },
    }
